from decimal import Decimal

import pytest
from django.contrib.messages import get_messages
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from assessments.choices import FindingStatus, Scope
from assessments.models import Assessment, Citation, DataPoint, Finding
from assessments.services import change_scope, save_finding, transition
from tests.factories import SourceFactory

from .conftest import change_url, finding, finding_post

CHANGELIST = "admin:assessments_finding_changelist"


def messages_of(response):
    return [str(m) for m in get_messages(response.wsgi_request)]


# ---- who sees what ----------------------------------------------------------------------------------


def test_researcher_lists_only_findings_of_their_assessments(client, assessment, members, other_assessment):
    client.force_login(members["researcher"])
    response = client.get(reverse(CHANGELIST))
    assert response.status_code == 200
    assert response.context["cl"].result_count == 130
    assert {f.assessment_id for f in response.context["cl"].result_list} == {assessment.pk}
    client.force_login(members["outsider"])
    response = client.get(reverse(CHANGELIST))
    assert {f.assessment_id for f in response.context["cl"].result_list} == {other_assessment.pk}
    assert "khm-2023" not in response.content.decode()


def test_outsider_gets_404_for_another_assessments_finding_even_when_posting(client, assessment, members):
    target = finding(assessment, "R.1.1")
    client.force_login(members["outsider"])
    assert client.get(change_url(target)).status_code == 404
    assert client.post(change_url(target), finding_post(target, narrative="hijack")).status_code == 404
    assert client.get(reverse("admin:assessments_finding_history", args=[target.pk])).status_code == 404
    target.refresh_from_db()
    assert target.narrative == "" and target.version == 1


@pytest.mark.parametrize("role", ["staff", "mab"])
def test_read_only_members_see_but_cannot_change_a_finding(client, assessment, members, role):
    user = members[role]
    user.is_staff = True  # a MAB member who also has admin access elsewhere must still be refused
    user.save()
    target = finding(assessment, "R.1.1")
    client.force_login(user)
    page = client.get(change_url(target))
    assert page.status_code == 200
    assert 'name="_save"' not in page.content.decode()
    response = client.post(change_url(target), finding_post(target, narrative="Not allowed", status="draft"))
    assert response.status_code == 403
    target.refresh_from_db()
    assert target.narrative == "" and target.status == FindingStatus.NOT_STARTED


def test_mab_member_without_admin_access_is_sent_to_sign_in_and_changes_nothing(client, assessment, members):
    target = finding(assessment, "R.1.1")
    client.force_login(members["mab"])
    response = client.post(change_url(target), finding_post(target, narrative="Not allowed"))
    assert response.status_code == 302 and "/login/" in response["Location"]
    target.refresh_from_db()
    assert target.narrative == ""


def test_filters_by_category_core_status_and_search(client, assessment, members):
    client.force_login(members["researcher"])
    response = client.get(reverse(CHANGELIST), {"category": "R", "core": "1"})
    rows = response.context["cl"].result_list
    assert response.context["cl"].result_count == 22
    assert all(f.indicator.code.startswith("R.") and f.indicator.is_core for f in rows)
    transition(finding(assessment, "R.4.1"), FindingStatus.DRAFT, by=members["researcher"])
    response = client.get(reverse(CHANGELIST), {"status__exact": "draft"})
    assert [f.indicator.code for f in response.context["cl"].result_list] == ["R.4.1"]
    response = client.get(reverse(CHANGELIST), {"q": "R.4.1"})
    assert [f.indicator.code for f in response.context["cl"].result_list] == ["R.4.1"]
    body = response.content.decode()
    for column in ("Code", "Indicator", "Status", "Score", "Assignee", "Updated"):
        assert column in body


def test_changelist_queries_do_not_grow_with_the_number_of_findings(client, assessment, members):
    client.force_login(members["researcher"])
    for f in Finding.objects.filter(assessment=assessment)[:40]:
        save_finding(
            f, by=members["researcher"], expected_version=f.version, fields={"assignee": members["lead"]}
        )
    client.get(reverse(CHANGELIST))  # warm caches (content types, sessions)
    with CaptureQueriesContext(connection) as few:
        assert client.get(reverse(CHANGELIST), {"category": "M"}).status_code == 200
    change_scope(assessment, Scope.FULL)
    with CaptureQueriesContext(connection) as many:
        assert client.get(reverse(CHANGELIST)).status_code == 200
    assert len(few) == len(many)


# ---- the form ---------------------------------------------------------------------------------------


def _form_queries(client, obj):
    """The queries of a render of the form (no kept copy: test_admin_form_cache tests those)."""
    cache.clear()
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(change_url(obj)).status_code == 200
    return len(ctx)


def test_form_queries_do_not_grow_with_citations_data_points_or_sources(client, assessment, members):
    """Every row's source select lists the same sources, read once; each row's name costs no query."""
    target = finding(assessment, "R.1.1")
    client.force_login(members["researcher"])
    source = SourceFactory(assessment=assessment)
    Citation.objects.create(finding=target, source=source)
    DataPoint.objects.create(finding=target, value=Decimal("1"), unit="%", year=2022, source=source)
    client.get(change_url(target))  # warm caches (content types, sessions)
    few = _form_queries(client, target)
    sources = [SourceFactory(assessment=assessment) for _ in range(12)]
    for s in sources[:6]:
        Citation.objects.create(finding=target, source=s)
        DataPoint.objects.create(finding=target, value=Decimal("2"), unit="%", year=2023, source=s)
    many = _form_queries(client, target)
    assert few == many
    body = client.get(change_url(target)).content.decode()
    # Every citation row and data point row (7 each), blank row and template row lists all 13 sources.
    assert body.count(f'<option value="{sources[-1].pk}"') == 7 + 7 + 2 + 2
    assert body.count(f'<option value="{sources[0].pk}" selected') == 2


def test_form_shows_the_indicator_question_and_means_of_verification(client, assessment, members):
    target = finding(assessment, "R.4.1")
    client.force_login(members["researcher"])
    body = client.get(change_url(target)).content.decode()
    assert target.indicator.question.text in body
    assert target.indicator.sources in body
    assert "Save and open my next finding" in body
    assert f'name="loaded_version" value="{target.version}"' in body


def test_researcher_saves_narrative_score_source_and_data_point_through_the_service(
    client, assessment, members
):
    target = finding(assessment, "R.4.1")
    source = SourceFactory(assessment=assessment, title="Constitution of the Kingdom of Cambodia")
    client.force_login(members["researcher"])
    data = finding_post(
        target,
        status="draft",
        score="3",
        confidence="medium",
        narrative="Article 41 guarantees freedom of expression.",
        **{
            "citations-TOTAL_FORMS": "1",
            "citations-0-source": source.pk,
            "citations-0-locator": "Art. 41",
            "data_points-TOTAL_FORMS": "1",
            "data_points-0-value": "32.9",
            "data_points-0-unit": "%",
            "data_points-0-year": "2021",
            "data_points-0-disaggregation": "total",
            "data_points-0-source": source.pk,
        },
    )
    response = client.post(change_url(target), data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    target.refresh_from_db()
    assert (target.status, target.score, target.version) == ("draft", 3, 2)
    assert target.updated_by == members["researcher"]
    assert Citation.objects.get(finding=target).locator == "Art. 41"
    assert DataPoint.objects.get(finding=target).value == Decimal("32.9")
    latest = target.history.first()
    assert latest.history_user == members["researcher"] and latest.narrative.startswith("Article 41")
    history = client.get(reverse("admin:assessments_finding_history", args=[target.pk])).content.decode()
    assert "researcher" in history and "Narrative evidence" in history and "Article 41" in history


def test_citing_a_source_of_another_assessment_is_refused(client, assessment, members, other_assessment):
    target = finding(assessment, "R.4.1")
    foreign = SourceFactory(assessment=other_assessment)
    client.force_login(members["researcher"])
    data = finding_post(target, **{"citations-TOTAL_FORMS": "1", "citations-0-source": foreign.pk})
    response = client.post(change_url(target), data)
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert not Citation.objects.exists()


@pytest.mark.parametrize("status", ["ready", "endorsed", "needs_revision"])
def test_form_refuses_transitions_a_researcher_cannot_make(client, assessment, members, status):
    target = finding(assessment, "R.4.1")
    client.force_login(members["researcher"])
    response = client.post(change_url(target), finding_post(target, status=status))
    assert response.status_code == 200
    assert "status" in response.context["adminform"].form.errors
    target.refresh_from_db()
    assert target.status == FindingStatus.NOT_STARTED


def test_score_outside_the_scale_is_a_form_error(client, assessment, members):
    target = finding(assessment, "R.4.1")
    client.force_login(members["researcher"])
    response = client.post(change_url(target), finding_post(target, score="7"))
    assert response.status_code == 200
    assert "score" in response.context["adminform"].form.errors


def test_stale_save_is_refused_with_the_other_persons_changes_and_my_input_kept(client, assessment, members):
    target = finding(assessment, "R.4.1")
    loaded = target.version
    lead_copy = Finding.objects.get(pk=target.pk)
    save_finding(
        lead_copy,
        by=members["lead"],
        expected_version=loaded,
        fields={"narrative": "Lead's evidence", "score": 4},
    )
    client.force_login(members["researcher"])
    response = client.post(
        change_url(target), finding_post(target, loaded_version=loaded, narrative="My own draft text")
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert 'data-testid="edit-conflict"' in body
    assert "Lead&#x27;s evidence" in body and "narrative evidence" in body
    assert "My own draft text" in body  # the user's input stays in the form
    target.refresh_from_db()
    assert target.narrative == "Lead's evidence" and target.version == loaded + 1
    # Saving the same form again without ticking the box is refused again.
    assert (
        client.post(
            change_url(target), finding_post(target, loaded_version=loaded, narrative="Mine")
        ).status_code
        == 200
    )
    # Ticking it against a version that has moved on since is refused too.
    stale_tick = finding_post(
        target, loaded_version=loaded, overwrite_version=loaded, overwrite="on", narrative="Mine"
    )
    assert client.post(change_url(target), stale_tick).status_code == 200
    target.refresh_from_db()
    assert target.narrative == "Lead's evidence"
    # Having seen their changes, the user may knowingly replace them.
    form_data = response.context["adminform"].form.data
    assert form_data["overwrite_version"] == loaded + 1
    again = finding_post(
        target,
        loaded_version=loaded,
        overwrite_version=loaded + 1,
        overwrite="on",
        narrative="My own draft text",
    )
    assert client.post(change_url(target), again).status_code == 302
    target.refresh_from_db()
    assert target.narrative == "My own draft text" and target.version == loaded + 2


def test_save_and_open_my_next_finding_follows_framework_order_and_skips_endorsed(
    client, assessment, members
):
    me = members["researcher"]
    codes = ["R.1.1", "R.2.1", "R.3.1", "R.4.1"]
    for code in codes:
        f = finding(assessment, code)
        save_finding(f, by=me, expected_version=f.version, fields={"assignee": me})
    endorsed = finding(assessment, "R.2.1")
    for status in ("draft", "ready", "endorsed"):
        endorsed = Finding.objects.get(pk=endorsed.pk)
        save_finding(
            endorsed, by=members["lead"], expected_version=endorsed.version, fields={"status": status}
        )
    client.force_login(me)
    current = finding(assessment, "R.1.1")
    response = client.post(
        change_url(current), finding_post(current, narrative="Done", _savenext="1", _continue="")
    )
    assert response.status_code == 302
    assert response["Location"] == change_url(finding(assessment, "R.3.1"))
    last = finding(assessment, "R.4.1")
    response = client.post(change_url(last), finding_post(last, _savenext="1", _continue=""))
    assert response["Location"] == change_url(finding(assessment, "R.1.1"))  # wraps around


# ---- bulk actions -----------------------------------------------------------------------------------


def run_action(client, action, findings):
    return client.post(
        reverse(CHANGELIST),
        {"action": action, "_selected_action": [f.pk for f in findings], "index": "0"},
        follow=True,
    )


def test_bulk_status_change_applies_allowed_and_reports_refused(client, assessment, members):
    a, b, c = (finding(assessment, code) for code in ("R.1.1", "R.2.1", "R.3.1"))
    transition(c, FindingStatus.DRAFT, by=members["researcher"])
    client.force_login(members["researcher"])
    response = run_action(client, "status_ready", [a, b, c])
    texts = " ".join(messages_of(response))
    assert "R.3.1" in texts and "cannot go from “Not started” to “Ready for review”" in texts
    assert {f.indicator.code: f.status for f in Finding.objects.filter(pk__in=[a.pk, b.pk, c.pk])} == {
        "R.1.1": "not_started",
        "R.2.1": "not_started",
        "R.3.1": "ready",
    }
    run_action(client, "status_draft", [a, b])
    assert set(Finding.objects.filter(pk__in=[a.pk, b.pk]).values_list("status", flat=True)) == {"draft"}


def test_bulk_endorse_is_refused_while_mab_comments_are_unresolved(client, assessment, members):
    from review.services import add_comment, resolve_comment

    a, b = finding(assessment, "R.1.1"), finding(assessment, "R.2.1")
    for target in (a, b):
        for status in ("draft", "ready"):
            transition(target, status, by=members["researcher"])
    comment = add_comment(a, by=members["mab"], body="Please cite the 2021 amendment.")
    client.force_login(members["researcher"])
    response = run_action(client, "status_endorsed", [a, b])
    texts = " ".join(messages_of(response))
    assert "R.1.1" in texts and "unresolved" in texts
    assert {f.indicator.code: f.status for f in Finding.objects.filter(pk__in=[a.pk, b.pk])} == {
        "R.1.1": "ready",
        "R.2.1": "endorsed",
    }
    resolve_comment(comment, by=members["researcher"], disposition="accepted", reason="Cited now.")
    run_action(client, "status_endorsed", [a])
    a.refresh_from_db()
    assert a.status == "endorsed"


def test_bulk_assign(client, assessment, members):
    a, b = finding(assessment, "R.1.1"), finding(assessment, "O.1.1")
    client.force_login(members["lead"])
    run_action(client, f"assign_{members['researcher'].pk}", [a, b])
    assert set(Finding.objects.filter(pk__in=[a.pk, b.pk]).values_list("assignee", flat=True)) == {
        members["researcher"].pk
    }
    run_action(client, "assign_none", [a])
    a.refresh_from_db()
    assert a.assignee is None


def test_staff_role_cannot_run_bulk_actions_even_crafted(client, assessment, members):
    a = finding(assessment, "R.1.1")
    client.force_login(members["staff"])
    run_action(client, "status_draft", [a])
    run_action(client, f"assign_{members['researcher'].pk}", [a])
    a.refresh_from_db()
    assert a.status == "not_started" and a.assignee is None and a.version == 1


# ---- assessments ------------------------------------------------------------------------------------


def test_superuser_creates_an_assessment_through_the_service(client, superuser, framework):
    client.force_login(superuser)
    response = client.post(
        reverse("admin:assessments_assessment_add"),
        {
            "code": "lao-2025",
            "title": "Assessing Internet Development in Lao PDR",
            "country_code": "LAO",
            "country_name": "Lao PDR",
            "framework": framework.pk,
            "scope": "core",
            "phase": "setup",
            "scale": '["Weak", "Fair", "Good"]',
            "memberships-TOTAL_FORMS": "0",
            "memberships-INITIAL_FORMS": "0",
            "memberships-MIN_NUM_FORMS": "0",
            "memberships-MAX_NUM_FORMS": "1000",
        },
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    created = Assessment.objects.get(code="lao-2025")
    assert created.findings.count() == 130 and created.created_by == superuser


def assessment_post(assessment, **fields):
    data = {
        "title": assessment.title,
        "country_code": assessment.country_code,
        "country_name": assessment.country_name,
        "scope": assessment.scope,
        "phase": assessment.phase,
        "scale": '["Very weak", "Weak", "Moderate", "Strong", "Very strong"]',
        "memberships-TOTAL_FORMS": "0",
        "memberships-INITIAL_FORMS": "0",
        "memberships-MIN_NUM_FORMS": "0",
        "memberships-MAX_NUM_FORMS": "1000",
    }
    data.update(fields)
    return data


def test_lead_widens_and_narrows_the_scope_in_the_admin(client, assessment, members):
    url = reverse("admin:assessments_assessment_change", args=[assessment.pk])
    client.force_login(members["lead"])
    response = client.post(url, assessment_post(assessment, scope="full"), follow=True)
    assert "173 findings created" in " ".join(messages_of(response))
    assert assessment.findings.filter(archived=False).count() == 303
    extra = finding(assessment, "R.1.2")
    save_finding(extra, by=members["lead"], expected_version=extra.version, fields={"narrative": "Kept"})
    client.post(url, assessment_post(assessment, scope="core"))
    extra.refresh_from_db()
    assert extra.archived and extra.narrative == "Kept"


@pytest.mark.parametrize(("role", "expected"), [("researcher", 403), ("staff", 403), ("outsider", 404)])
def test_only_the_lead_changes_the_assessment(client, assessment, members, role, expected):
    url = reverse("admin:assessments_assessment_change", args=[assessment.pk])
    client.force_login(members[role])
    assert (
        client.post(url, assessment_post(assessment, scope="full", title="Changed")).status_code == expected
    )
    assessment.refresh_from_db()
    assert assessment.title != "Changed" and assessment.scope == "core"


def test_source_admin_is_scoped_and_records_history(client, assessment, members, other_assessment):
    client.force_login(members["researcher"])
    response = client.post(
        reverse("admin:assessments_source_add"),
        {
            "assessment": assessment.pk,
            "type": "law",
            "title": "Law on Telecommunications (2015)",
            "author": "",
            "url": "",
        },
    )
    assert response.status_code == 302
    source = assessment.sources.get()
    assert source.history.first().history_user == members["researcher"]
    # A researcher cannot create a source in an assessment they do not work on.
    response = client.post(
        reverse("admin:assessments_source_add"),
        {"assessment": other_assessment.pk, "type": "law", "title": "Smuggled", "author": "", "url": ""},
    )
    assert response.status_code == 200 and not other_assessment.sources.exists()
    client.force_login(members["outsider"])
    assert client.get(reverse("admin:assessments_source_change", args=[source.pk])).status_code == 404
    client.force_login(members["staff"])
    url = reverse("admin:assessments_source_change", args=[source.pk])
    assert client.post(url, {"type": "law", "title": "Changed"}).status_code == 403


def test_filters_by_theme_assignee_and_score(client, assessment, members):
    me = members["researcher"]
    save_finding(finding(assessment, "R.4.1"), by=me, expected_version=1, fields={"assignee": me, "score": 3})
    save_finding(
        finding(assessment, "A.5.1"), by=me, expected_version=1, fields={"special_score": "not_applicable"}
    )
    client.force_login(me)

    def codes(**params):
        response = client.get(reverse(CHANGELIST), params)
        return [f.indicator.code for f in response.context["cl"].result_list]

    assert codes(assignee="me") == ["R.4.1"]
    assert codes(score="3") == ["R.4.1"]
    assert codes(score="not_applicable") == ["A.5.1"]
    assert client.get(reverse(CHANGELIST), {"score": "none"}).context["cl"].result_count == 128
    by_theme = client.get(reverse(CHANGELIST), {"theme": "R.B"}).context["cl"].result_list
    assert {f.indicator.question.theme.code for f in by_theme} == {"R.B"}
    assert "R.4.1" in [f.indicator.code for f in by_theme]
