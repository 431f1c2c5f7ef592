import html
import re

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from assessments.choices import Scope
from assessments.models import Finding
from assessments.services import change_scope, save_finding
from tests.factories import (
    AssessmentFactory,
    CitationFactory,
    DataPointFactory,
    MembershipFactory,
    SourceFactory,
)

from .conftest import finding


def dashboard_url(code="khm-2023"):
    return reverse("assessments:dashboard", args=[code])


def edit(assessment, code, user, **fields):
    target = finding(assessment, code)
    return save_finding(target, by=user, expected_version=target.version, fields=fields)


@pytest.mark.parametrize("role", ["lead", "researcher", "mab", "staff"])
def test_every_member_sees_the_dashboard(client, assessment, members, role):
    client.force_login(members[role])
    response = client.get(dashboard_url())
    assert response.status_code == 200
    assert assessment.get_absolute_url() == dashboard_url()
    body = response.content.decode()
    assert "Assessing Internet Development in Cambodia" in body
    # Only people who edit evidence get links into the research workspace.
    assert ("Open my findings in the research workspace" in body) == (role in {"lead", "researcher"})
    assert reverse("review:overview", args=["khm-2023"]) in body
    assert reverse("reports:report", args=["khm-2023"]) in body


def test_read_only_members_follow_recent_changes_to_the_review_page(client, assessment, members):
    changed = edit(assessment, "R.1.1", members["researcher"], narrative="Revised.")
    client.force_login(members["mab"])
    body = client.get(dashboard_url()).content.decode()
    assert reverse("review:finding", args=["khm-2023", "R.1.1"]) in body
    assert reverse("admin:assessments_finding_change", args=[changed.pk]) not in body


def test_outsiders_get_404_and_strangers_sign_in(client, assessment, members):
    assert client.get(dashboard_url()).status_code == 302
    client.force_login(members["outsider"])
    assert client.get(dashboard_url()).status_code == 404
    assert client.get(dashboard_url("nope-2020")).status_code == 404


def test_progress_scores_coverage_mine_and_recent(client, assessment, members):
    me = members["researcher"]
    edit(assessment, "R.1.1", me, status="draft", score=2, narrative="Constitution, Art. 31.", assignee=me)
    edit(assessment, "R.1.1", me, status="ready")
    edit(assessment, "R.4.1", me, status="draft", special_score="insufficient_data", assignee=me)
    edit(assessment, "A.5.1", members["lead"], status="draft", score=4)
    source = SourceFactory(assessment=assessment)
    CitationFactory(finding=finding(assessment, "R.3.1"), source=source)
    DataPointFactory(finding=finding(assessment, "A.5.1"), value=32.9, unit="%", year=2021, source=None)
    client.force_login(me)
    response = client.get(dashboard_url())
    rows = {row["category"].code: row for row in response.context["figures"]()["categories"]}
    assert list(rows) == ["R", "O", "A", "M", "X", "C"]
    r = rows["R"]
    assert r["total"] == 22
    assert {s["status"]: s["count"] for s in r["segments"]} == {
        "not_started": 20,
        "draft": 1,
        "ready": 1,
        "needs_revision": 0,
        "endorsed": 0,
    }
    assert (r["done"], r["done_percent"]) == (1, 5)
    assert (r["scored"], r["special"], r["average"]) == (1, 1, 2)
    assert r["evidenced"] == 2  # R.1.1 (narrative) and R.3.1 (a citation)
    assert rows["A"]["evidenced"] == 1 and rows["A"]["average"] == 4
    assert [f.indicator.code for f in response.context["assigned"]()["rows"]] == ["R.1.1", "R.4.1"]
    assert response.context["recent"]()[0].indicator.code == "A.5.1"
    body = response.content.decode()
    assert (
        'data-testid="progress-R"' in body and 'width="4.5"' in body
    )  # 1 of 22 draft: the SVG segment's width
    assert "1 of 130 findings" not in body and "1% of 130 findings are ready" in body


def test_dashboard_queries_do_not_grow_with_the_number_of_findings(client, assessment, members):
    me = members["researcher"]
    edit(assessment, "R.1.1", me, status="draft", narrative="x", assignee=me)
    client.force_login(me)
    client.get(dashboard_url())
    cache.clear()  # compare the figures computed, not one computed and one cached
    with CaptureQueriesContext(connection) as few:
        assert client.get(dashboard_url()).status_code == 200
    change_scope(assessment, Scope.FULL)
    source = SourceFactory(assessment=assessment)
    for f in Finding.objects.filter(assessment=assessment)[:60]:
        save_finding(
            f, by=me, expected_version=f.version, fields={"status": "draft", "score": 3, "assignee": me}
        )
        CitationFactory(finding=f, source=source)
    cache.clear()
    with CaptureQueriesContext(connection) as many:
        assert client.get(dashboard_url()).status_code == 200
    assert len(few) == len(many)
    assert len(many) <= 14  # with every part computed (the scope in words is one); five fewer from the cache


def test_my_assessments_list_and_home_section(client, assessment, members, other_assessment):
    client.force_login(members["mab"])
    body = client.get(reverse("assessments:list")).content.decode()
    assert "khm-2023" in body and "tha-2024" not in body and "MAB member" in body
    home = client.get(reverse("home")).content.decode()
    assert "My assessments" in home and assessment.get_absolute_url() in home
    client.force_login(members["outsider"])
    body = client.get(reverse("assessments:list")).content.decode()
    assert "tha-2024" in body and "khm-2023" not in body


def test_home_queries_do_not_grow_with_assessments(client, framework, members, assessment, other_assessment):
    from assessments.choices import Role

    user = members["outsider"]
    client.force_login(user)
    client.get(reverse("home"))
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("home"))
    for n in range(3):
        extra = AssessmentFactory(code=f"x-{n}", title=f"X {n}", country_name="X", framework=framework)
        MembershipFactory(assessment=extra, user=user, role=Role.RESEARCHER)
    with CaptureQueriesContext(connection) as many:
        body = client.get(reverse("home")).content.decode()
    assert "x-2" in body
    assert len(few) == len(many)


def figures_on_page(client):
    """The overall progress line, and the Rights row's average score and evidence cells."""
    body = client.get(dashboard_url()).content.decode()
    progress = body.split('data-testid="overall-progress">')[1].split("</p>")[0]
    cells = body.split('data-testid="scores-R">')[1].split("</tr>")[0].split("</td>")
    return progress, cells[0].rsplit("<td>", 1)[1], cells[-2].rsplit("</svg>", 1)[1]


def test_dashboard_figures_are_cached_until_anything_they_show_changes(client, assessment, members):
    """The figures' HTML is kept under a fingerprint of what they depend on: a repeat visit skips
    computing them, and every kind of change shows at once, even those that do not touch the finding."""
    me = members["researcher"]
    client.force_login(me)
    client.get(dashboard_url())
    with CaptureQueriesContext(connection) as computed:
        client.get(dashboard_url())
    cache.clear()
    with CaptureQueriesContext(connection) as fresh:
        client.get(dashboard_url())
    with CaptureQueriesContext(connection) as cached:
        assert figures_on_page(client) == (
            "0% of 130 findings are ready for review or endorsed.",
            "—",
            "0 / 22",
        )
    # Five queries of the figures and one of the scope's words are skipped on a repeat visit.
    assert len(cached) == len(computed) == len(fresh) - 6
    assert not any('"indicator__category__code"' in q["sql"] for q in cached.captured_queries)

    edit(assessment, "R.1.1", me, status="draft", score=3)  # through save_finding
    assert figures_on_page(client)[1] == "3.0 / 5"
    edit(assessment, "R.1.1", me, status="ready")
    assert figures_on_page(client)[0].startswith("1% of 130")

    source = SourceFactory(assessment=assessment)  # evidence added without saving the finding
    citation = CitationFactory(finding=finding(assessment, "R.3.1"), source=source)
    assert figures_on_page(client)[2] == "1 / 22"
    citation.delete()  # and removed again
    assert figures_on_page(client)[2] == "0 / 22"
    point = DataPointFactory(finding=finding(assessment, "R.4.1"), value=1, unit="%", year=2020, source=None)
    assert figures_on_page(client)[2] == "1 / 22"
    point.delete()
    assert figures_on_page(client)[2] == "0 / 22"

    assert "109 core and 21 contextual indicators" in scope_text(client)
    change_scope(assessment, Scope.FULL)  # archived findings come back, more are created
    assert figures_on_page(client)[0].startswith("0% of 303")
    assert scope_text(client) == "All 303 indicators (109 core, 21 contextual)"


def scope_text(client):
    body = client.get(dashboard_url()).content.decode()
    return body.split('data-testid="scope-text">')[1].split("</span>")[0]


def test_cached_finding_lists_are_per_person_and_follow_changes(client, assessment, members):
    me, mab = members["researcher"], members["mab"]
    client.force_login(me)
    body = client.get(dashboard_url()).content.decode()
    assert "Nothing is waiting for you." in body and "No finding has been edited yet." in body

    edit(assessment, "R.1.1", me, status="draft", assignee=me, narrative="Art. 31.")
    body = client.get(dashboard_url()).content.decode()
    assigned = body.split('data-testid="assigned">')[1].split("</ul>")[0]
    recent = body.split('data-testid="recent">')[1].split("</ul>")[0]
    assert "R.1.1" in assigned and "R.1.1" in recent
    assert reverse("admin:assessments_finding_change", args=[finding(assessment, "R.1.1").pk]) in recent

    # Another member gets their own list, and links they can follow, from the same fingerprint.
    client.force_login(mab)
    body = client.get(dashboard_url()).content.decode()
    assert "Nothing is waiting for you." in body
    recent = body.split('data-testid="recent">')[1].split("</ul>")[0]
    assert reverse("review:finding", args=["khm-2023", "R.1.1"]) in recent and "/admin/" not in recent

    client.force_login(me)
    edit(assessment, "R.1.1", me, status="ready")
    edit(assessment, "R.1.1", me, status="endorsed")  # endorsed findings leave "Assigned to me"
    body = client.get(dashboard_url()).content.decode()
    assert "Nothing is waiting for you." in body


def test_assigned_to_me_says_how_many_more_and_links_to_all_of_them(client, assessment, members):
    me = members["researcher"]
    live = Finding.objects.filter(assessment=assessment, archived=False).order_by("indicator__order")
    pks = list(live.values_list("pk", flat=True)[:57])
    Finding.objects.filter(pk__in=pks).update(assignee=me)
    Finding.objects.filter(pk__in=pks[:2]).update(status="endorsed")  # done: not waiting
    Finding.objects.filter(pk=pks[2]).update(archived=True)  # outside the scope
    Finding.objects.filter(pk=live.exclude(pk__in=pks).first().pk).update(assignee=members["lead"])
    waiting = set(pks[3:])
    assert len(waiting) == 54
    client.force_login(me)
    body = client.get(dashboard_url()).content.decode()
    mine = body.split('id="mine-h">')[1].split("</section>")[0]
    assert "(54)" in mine and mine.count("<li>") == 15
    more = body.split('data-testid="assigned-more">')[1].split("</p>")[0]
    assert "and 39 more" in more and "see all 54" in more
    href = html.unescape(re.search(r'href="([^"]+)"', more).group(1))
    assert href.startswith(reverse("admin:assessments_finding_changelist"))
    # The link's list is exactly the dashboard's: all 54, over the workspace's pages.
    listed = client.get(href)
    assert listed.status_code == 200
    assert listed.context["cl"].result_count == 54
    assert set(listed.context["cl"].queryset.values_list("pk", flat=True)) == waiting
    # Anyone else following the same link sees their own findings, never the researcher's.
    client.force_login(members["lead"])
    assert client.get(href).context["cl"].result_count == 1


def test_no_more_link_while_everything_is_listed(client, assessment, members):
    me = members["researcher"]
    live = Finding.objects.filter(assessment=assessment, archived=False).order_by("indicator__order")
    Finding.objects.filter(pk__in=list(live.values_list("pk", flat=True)[:15])).update(assignee=me)
    client.force_login(me)
    body = client.get(dashboard_url()).content.decode()
    assert "(15)" in body and 'data-testid="assigned-more"' not in body


def test_read_only_members_get_the_number_without_a_workspace_link(client, assessment, members):
    """A member whose role cannot edit (here a MAB member still holding old assignments) cannot open the
    workspace, so the number is said without a link there."""
    mab = members["mab"]
    live = Finding.objects.filter(assessment=assessment, archived=False)
    Finding.objects.filter(pk__in=list(live.values_list("pk", flat=True)[:20])).update(assignee=mab)
    client.force_login(mab)
    body = client.get(dashboard_url()).content.decode()
    more = body.split('data-testid="assigned-more">')[1].split("</p>")[0]
    assert "and 5 more" in more and "<a " not in more


def test_a_change_whose_author_is_gone_still_shows_in_recent_changes(client, assessment, members):
    """A finding whose last editor's account was deleted (updated_by is NULL) is listed with a dash."""
    changed = edit(assessment, "R.1.1", members["researcher"], narrative="Revised.")
    Finding.objects.filter(pk=changed.pk).update(updated_by=None)
    client.force_login(members["lead"])
    response = client.get(dashboard_url())
    assert response.status_code == 200
    recent = response.content.decode().split('data-testid="recent">')[1].split("</ul>")[0]
    assert "R.1.1" in recent and "—," in recent


def test_the_cached_header_follows_the_assessment_the_previous_round_the_role_and_the_language(
    client, assessment, members
):
    """The header (title, scope, phase, period, previous round, buttons) is cached; each thing it shows
    changes it at once."""
    from assessments.models import Assessment, Membership

    me = members["researcher"]
    client.force_login(me)
    body = client.get(dashboard_url()).content.decode()
    scope_button = reverse("assessments:scope", args=["khm-2023"])
    assert scope_button not in body and "Open my findings in the research workspace" in body

    assessment.title = "Assessing the Internet in Cambodia, second look"
    assessment.save()
    assert "second look" in client.get(dashboard_url()).content.decode()

    Membership.objects.filter(assessment=assessment, user=me).update(role="lead")
    assert scope_button in client.get(dashboard_url()).content.decode()
    Membership.objects.filter(assessment=assessment, user=me).update(role="mab")
    body = client.get(dashboard_url()).content.decode()
    assert scope_button not in body and "Open my findings in the research workspace" not in body

    later = AssessmentFactory(code="khm-2027", framework=assessment.framework, previous=assessment)
    MembershipFactory(assessment=later, user=me, role="researcher")
    assert 'data-testid="previous-round">khm-2023<' in client.get(dashboard_url("khm-2027")).content.decode()
    Assessment.objects.filter(pk=assessment.pk).update(code="khm-2023b")  # the previous round renamed
    assert 'data-testid="previous-round">khm-2023b<' in client.get(dashboard_url("khm-2027")).content.decode()

    assert "· phase: <span" in client.get(dashboard_url("khm-2027")).content.decode()
    client.cookies["django_language"] = "km"
    body = client.get(dashboard_url("khm-2027")).content.decode()
    assert "· ដំណាក់កាល: <span" in body and "· phase: <span" not in body
