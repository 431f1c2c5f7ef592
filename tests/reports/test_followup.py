"""Recommendation follow-up across rounds: the rows a new round gets, the service (permission, conflict,
history, sources of the round), the page for every role, edits without script with errors in place and a
409 on a stale save, hostile text, the summary by stakeholder group, fixed query counts, the demo — and a
previous round that does not change."""

import io

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.db import connection
from django.forms.models import model_to_dict
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from assessments import links
from assessments.choices import StakeholderGroup
from assessments.models import Assessment, Source
from reports import followup
from reports.choices import FollowUpStatus
from reports.models import MAX_FOLLOW_UP_NOTE, Recommendation, RecommendationFollowUp
from tests.factories import AssessmentFactory, RecommendationFactory, SourceFactory
from tests.reports.conftest import later_round

pytestmark = pytest.mark.django_db

NEW = "khm-2027"
HOSTILE = "<script>alert('x')</script> **bold** [link](javascript:alert(1)) <img src=x onerror=alert(1)>"


def url(name, *args, code=NEW):
    return reverse(f"reports:{name}", args=[code, *args])


def rows(assessment):
    return list(
        RecommendationFollowUp.objects.filter(assessment=assessment)
        .select_related("recommendation")
        .order_by("recommendation__stakeholder_group", "recommendation__order")
    )


def form_data(item, **overrides):
    prefix = f"fu{item.pk}"
    data = {
        f"{prefix}-status": FollowUpStatus.PARTLY,
        f"{prefix}-note": "A draft law was published for consultation.",
        f"{prefix}-loaded_version": item.version,
    }
    data.update({f"{prefix}-{k}": v for k, v in overrides.items()})
    return data


def snapshot(assessment):
    """Every row of the previous round that the follow-up could touch, field by field."""
    recs = [
        (model_to_dict(r, exclude=["categories", "findings"]), r.updated)
        for r in Recommendation.objects.filter(assessment=assessment).order_by("pk")
    ]
    sources = [
        (model_to_dict(s), s.updated) for s in Source.objects.filter(assessment=assessment).order_by("pk")
    ]
    fresh = Assessment.objects.get(pk=assessment.pk)
    return recs, sources, model_to_dict(fresh), fresh.updated


# -- the rows


def test_a_new_round_gets_one_row_per_previous_recommendation(follow_round, assessment):
    made = rows(follow_round)
    assert [r.recommendation.text for r in made] == [
        "Adopt a **data** law.",
        "Publish open data.",
        "Train the judges.",
    ]
    assert {r.status for r in made} == {FollowUpStatus.NOT_ASSESSED}
    assert all(r.version == 0 for r in made)
    assert RecommendationFollowUp.history.filter(assessment_id=follow_round.pk).count() == 3


def test_sync_is_idempotent_and_adds_only_what_is_missing(follow_round, assessment, members):
    assert followup.sync_follow_ups(follow_round) == 0
    RecommendationFactory(assessment=assessment, text="Added later.")
    assert followup.missing_count(follow_round) == 1
    # Running start_round again (the demo does) runs the hook again: only the new one is added.
    later_round(assessment, members["lead"])
    assert len(rows(follow_round)) == 4 and followup.missing_count(follow_round) == 0


def test_a_first_round_has_no_follow_up(assessment):
    assert followup.sync_follow_ups(assessment) == 0
    assert not RecommendationFollowUp.objects.exists()


def test_the_previous_recommendation_cannot_be_deleted(follow_round, assessment):
    from django.db.models import ProtectedError

    with pytest.raises(ProtectedError):
        Recommendation.objects.filter(assessment=assessment).first().delete()


# -- the service


def test_save_keeps_history_and_raises_the_version(follow_round, members):
    item = rows(follow_round)[0]
    source = Source.objects.get(assessment=follow_round, title="Open data portal statistics")
    followup.save_follow_up(
        item,
        by=members["researcher"],
        expected_version=0,
        status=FollowUpStatus.PARTLY,
        note="Drafted.\r\nNot adopted.",
        sources=[source],
    )
    item.refresh_from_db()
    assert (item.version, item.status, item.note, item.updated_by) == (
        1,
        "partly",
        "Drafted.\nNot adopted.",
        members["researcher"],
    )
    assert list(item.sources.all()) == [source]
    history = list(item.history.order_by("history_date"))
    assert [h.status for h in history] == ["not_assessed", "partly"]
    assert history[-1].history_user == members["researcher"]
    assert [s.source_id for s in history[-1].sources.all()] == [source.pk]
    # Nothing changed: nothing written, no history row, the version stays.
    followup.save_follow_up(
        item,
        by=members["lead"],
        expected_version=1,
        status="partly",
        note="Drafted.\nNot adopted.",
        sources=[source],
    )
    item.refresh_from_db()
    assert item.version == 1 and item.history.count() == 2


def test_a_stale_save_is_a_conflict_with_their_text(follow_round, members):
    item = rows(follow_round)[0]
    followup.save_follow_up(
        item, by=members["lead"], expected_version=0, status="implemented", note="Theirs."
    )
    mine = RecommendationFollowUp.objects.get(pk=item.pk)
    with pytest.raises(followup.FollowUpConflict) as caught:
        followup.save_follow_up(
            mine, by=members["researcher"], expected_version=0, status="partly", note="Mine."
        )
    assert caught.value.follow_up.note == "Theirs." and caught.value.follow_up.version == 1
    item.refresh_from_db()
    assert (item.note, item.version, item.history.count()) == ("Theirs.", 1, 2)


@pytest.mark.parametrize("role", ["mab", "staff", "outsider"])
def test_the_service_checks_the_person_again(follow_round, members, role):
    item = rows(follow_round)[0]
    error = PermissionDenied if role != "outsider" else Exception
    with pytest.raises(error):
        followup.save_follow_up(item, by=members[role], expected_version=0, status="implemented", note="x")
    item.refresh_from_db()
    assert item.version == 0


def test_sources_of_another_round_are_refused(follow_round, assessment, members):
    item = rows(follow_round)[0]
    old_source = Source.objects.get(assessment=assessment)
    with pytest.raises(ValidationError) as caught:
        followup.save_follow_up(
            item, by=members["lead"], expected_version=0, status="partly", note="", sources=[old_source]
        )
    assert "sources" in caught.value.message_dict
    assert not item.sources.exists()


def test_an_oversize_note_is_refused(follow_round, members):
    item = rows(follow_round)[0]
    with pytest.raises(ValidationError) as caught:
        followup.save_follow_up(
            item, by=members["lead"], expected_version=0, status="partly", note="x" * (MAX_FOLLOW_UP_NOTE + 1)
        )
    assert "note" in caught.value.message_dict
    assert RecommendationFollowUp.objects.get(pk=item.pk).version == 0


def test_second_language_note_needs_a_second_language(follow_round, members):
    item = rows(follow_round)[0]
    with pytest.raises(ValidationError) as caught:
        followup.save_follow_up(
            item, by=members["lead"], expected_version=0, status="partly", note="", note_second="ខ្មែរ"
        )
    assert "note_second" in caught.value.message_dict


# -- the page: roles


@pytest.mark.parametrize("role", ["lead", "researcher", "mab", "staff"])
def test_members_read_the_page(client, follow_round, members, role):
    client.force_login(members[role])
    page = client.get(url("follow_up"))
    assert page.status_code == 200
    html = page.content.decode()
    assert "Adopt a <strong>data</strong> law." in html and "Train the judges." in html
    item = rows(follow_round)[0]
    assert (url("follow_up_edit", item.pk) in html) is (role in ("lead", "researcher"))


@pytest.mark.parametrize("role", ["mab", "staff"])
def test_readers_cannot_write(client, follow_round, members, role):
    item = rows(follow_round)[0]
    client.force_login(members[role])
    assert client.post(url("follow_up_edit", item.pk), form_data(item)).status_code == 403
    assert client.post(url("follow_up_sync")).status_code == 403
    assert RecommendationFollowUp.objects.get(pk=item.pk).version == 0


def test_outsiders_get_404_and_anonymous_the_login(client, follow_round, members):
    item = rows(follow_round)[0]
    client.force_login(members["outsider"])
    assert client.get(url("follow_up")).status_code == 404
    assert client.post(url("follow_up_edit", item.pk), form_data(item)).status_code == 404
    client.logout()
    page = client.get(url("follow_up"))
    assert page.status_code == 302 and "/login/" in page["Location"]
    assert client.post(url("follow_up_edit", item.pk), form_data(item)).status_code == 302
    assert RecommendationFollowUp.objects.get(pk=item.pk).version == 0


def test_an_item_of_another_round_is_404(client, follow_round, assessment, members):
    other = later_round(assessment, members["lead"], code="khm-2031")
    item = rows(other)[0]
    client.force_login(members["lead"])
    assert client.post(url("follow_up_edit", item.pk), form_data(item)).status_code == 404


def test_links_only_for_a_later_round(client, follow_round, assessment, members):
    client.force_login(members["mab"])
    assert url("follow_up") in client.get(reverse("assessments:dashboard", args=[NEW])).content.decode()
    assert url("follow_up") in client.get(url("report")).content.decode()
    first = client.get(reverse("assessments:dashboard", args=[assessment.code])).content.decode()
    assert url("follow_up", code=assessment.code) not in first
    assert (
        url("follow_up", code=assessment.code)
        not in client.get(url("report", code=assessment.code)).content.decode()
    )
    assert links.assessment_links("x", has_previous=True) != links.assessment_links("x")
    page = client.get(url("follow_up", code=assessment.code))
    assert page.status_code == 200 and "not started from a previous round" in page.content.decode()


# -- the page: editing


def test_save_from_the_page(client, follow_round, members):
    item = rows(follow_round)[1]
    source = Source.objects.get(assessment=follow_round)
    client.force_login(members["researcher"])
    answer = client.post(url("follow_up_edit", item.pk), form_data(item, sources=[source.pk]))
    assert answer.status_code == 302 and answer["Location"].endswith(f"#fu-{item.pk}")
    item.refresh_from_db()
    assert (item.status, item.version, list(item.sources.all())) == ("partly", 1, [source])
    html = client.get(url("follow_up")).content.decode()
    assert "A draft law was published for consultation." in html and "Open data portal statistics" in html


def test_errors_in_place_and_nothing_written(client, follow_round, assessment, members):
    item = rows(follow_round)[0]
    old_source = Source.objects.get(assessment=assessment)
    client.force_login(members["lead"])
    answer = client.post(
        url("follow_up_edit", item.pk),
        form_data(item, status="bogus", note="y" * (MAX_FOLLOW_UP_NOTE + 1), sources=[old_source.pk]),
    )
    assert answer.status_code == 400
    html = answer.content.decode()
    assert "Select a valid choice" in html
    assert f"at most {MAX_FOLLOW_UP_NOTE:,}".replace(",", "") in html.replace(",", "")
    assert f'id="fu-{item.pk}"' in html and '<details class="fu-edit" open>' in html
    assert RecommendationFollowUp.objects.get(pk=item.pk).version == 0


def test_a_stale_save_on_the_page_is_409_with_their_text(client, follow_round, members):
    item = rows(follow_round)[0]
    stale = form_data(item, note="My note <b>kept</b>.")
    followup.save_follow_up(
        item, by=members["lead"], expected_version=0, status="implemented", note="Their note."
    )
    client.force_login(members["researcher"])
    answer = client.post(url("follow_up_edit", item.pk), stale)
    assert answer.status_code == 409
    html = answer.content.decode()
    assert "Their note." in html and "My note &lt;b&gt;kept&lt;/b&gt;." in html
    assert "Save mine anyway" in html
    assert f'name="fu{item.pk}-overwrite_version" value="1"' in html
    assert RecommendationFollowUp.objects.get(pk=item.pk).note == "Their note."
    # Having seen theirs, the author replaces it.
    answer = client.post(
        url("follow_up_edit", item.pk),
        {**stale, f"fu{item.pk}-overwrite": "on", f"fu{item.pk}-overwrite_version": 1},
    )
    assert answer.status_code == 302
    item.refresh_from_db()
    assert (item.note, item.version) == ("My note <b>kept</b>.", 2)


def test_hostile_text_is_text(client, follow_round, assessment, members):
    rec = Recommendation.objects.filter(assessment=assessment).first()
    Recommendation.objects.filter(pk=rec.pk).update(text=HOSTILE)
    item = RecommendationFollowUp.objects.get(recommendation=rec)
    followup.save_follow_up(item, by=members["lead"], expected_version=0, status="partly", note=HOSTILE)
    client.force_login(members["mab"])
    html = client.get(url("follow_up")).content.decode()
    assert "<script>alert" not in html and 'href="javascript' not in html and "<img src=x" not in html
    assert "<strong>bold</strong>" in html  # the recommendation: the report's Markdown, sanitised
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; **bold**" in html  # the note: plain text


def test_filters(client, follow_round, members):
    first, _second, judges = rows(follow_round)
    followup.save_follow_up(first, by=members["lead"], expected_version=0, status="implemented", note="")
    client.force_login(members["lead"])
    html = client.get(url("follow_up"), {"stakeholder_group": StakeholderGroup.JUDICIARY}).content.decode()
    assert "Train the judges." in html and "Publish open data." not in html
    html = client.get(url("follow_up"), {"status": "implemented"}).content.decode()
    assert "Adopt a <strong>data</strong> law." in html and "Train the judges." not in html
    # A bad filter value shows everything, never a 500.
    assert client.get(url("follow_up"), {"status": "<x>"}).status_code == 200


def test_the_add_missing_button(client, follow_round, assessment, members):
    RecommendationFactory(assessment=assessment, text="A late one.")
    client.force_login(members["lead"])
    assert "Add them to the follow-up" in client.get(url("follow_up")).content.decode()
    assert client.get(url("follow_up_sync")).status_code == 405
    assert client.post(url("follow_up_sync")).status_code == 302
    assert len(rows(follow_round)) == 4
    assert "Add them to the follow-up" not in client.get(url("follow_up")).content.decode()


def test_khmer_page(client, follow_round, members):
    client.force_login(members["lead"])
    client.cookies["django_language"] = "km"
    html = client.get(url("follow_up")).content.decode()
    assert "Follow-up of previous recommendations" not in html
    assert "Not yet assessed" not in html


# -- the summary


def test_summary_by_stakeholder_group(client, follow_round, members):
    adopt, publish, judges = rows(follow_round)
    followup.save_follow_up(adopt, by=members["lead"], expected_version=0, status="implemented", note="")
    followup.save_follow_up(judges, by=members["lead"], expected_version=0, status="not_relevant", note="")
    data = followup.summary(follow_round)
    assert [s.value for s in data["statuses"]] == [
        "not_assessed",
        "implemented",
        "partly",
        "not_implemented",
        "not_relevant",
    ]
    assert [(r["code"], r["cells"], r["total"]) for r in data["rows"]] == [
        ("government", [1, 1, 0, 0, 0], 2),
        ("judiciary", [0, 0, 0, 0, 1], 1),
    ]
    assert data["totals"] == [1, 1, 0, 0, 1] and data["total"] == 3
    client.force_login(members["staff"])
    html = client.get(url("follow_up")).content.decode()
    table = html[html.index('data-testid="follow-up-summary"') :]
    assert (
        '<th scope="row">Government</th><td>1</td><td>1</td><td>0</td><td>0</td><td>0</td><td>2</td>' in table
    )


# -- queries


def _page_queries(client, user):
    client.force_login(user)
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url("follow_up")).status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize("role", ["lead", "mab"])
def test_page_queries_do_not_grow_with_recommendations(client, assessment, members, role):
    RecommendationFactory(assessment=assessment, text="One.")
    SourceFactory(assessment=assessment)
    new = later_round(assessment, members["lead"])
    item = rows(new)[0]
    followup.save_follow_up(
        item,
        by=members["lead"],
        expected_version=0,
        status="partly",
        note="n",
        sources=list(Source.objects.filter(assessment=new)),
    )
    one = _page_queries(client, members[role])
    for n in range(12):
        RecommendationFactory(
            assessment=assessment, stakeholder_group=StakeholderGroup.values[n % 5], text=f"More {n}."
        )
        SourceFactory(assessment=assessment)
    later_round(assessment, members["lead"])
    for item in RecommendationFollowUp.objects.filter(assessment=new, version=0).select_related("assessment"):
        followup.save_follow_up(
            item,
            by=members["lead"],
            expected_version=0,
            status="implemented",
            note="m",
            sources=list(Source.objects.filter(assessment=new))[:3],
        )
    assert len(rows(new)) == 13
    many = _page_queries(client, members[role])
    assert many == one


def test_sync_queries_do_not_grow(assessment, members):
    new = AssessmentFactory(code="khm-2030", previous=assessment)
    RecommendationFactory(assessment=assessment)
    with CaptureQueriesContext(connection) as one:
        followup.sync_follow_ups(new)
    RecommendationFactory.create_batch(10, assessment=assessment)
    with CaptureQueriesContext(connection) as many:
        followup.sync_follow_ups(new)
    assert len(many.captured_queries) == len(one.captured_queries)


# -- the previous round


def test_the_previous_round_never_changes(client, follow_round, assessment, members):
    before = snapshot(assessment)
    item = rows(follow_round)[0]
    client.force_login(members["lead"])
    source = Source.objects.get(assessment=follow_round)
    assert (
        client.post(url("follow_up_edit", item.pk), form_data(item, sources=[source.pk])).status_code == 302
    )
    assert client.post(url("follow_up_sync")).status_code == 302
    client.get(url("follow_up"))
    later_round(assessment, members["lead"])
    assert snapshot(assessment) == before
    assert not RecommendationFollowUp.objects.filter(assessment=assessment).exists()


# -- the demo


def test_demo_round_has_follow_up_statuses(db):
    call_command("seed_demo", stdout=io.StringIO())
    new = Assessment.objects.get(code=NEW)
    statuses = dict(
        RecommendationFollowUp.objects.filter(assessment=new).values_list("recommendation__text", "status")
    )
    assert len(statuses) == Recommendation.objects.filter(assessment=new.previous).count() > 10
    assert statuses["Convene a national Internet Governance Forum every year."] == "implemented"
    assert statuses["Publish court decisions online."] == "not_implemented"
    assert list(statuses.values()).count("not_assessed") > 3
    versions = sorted(RecommendationFollowUp.objects.filter(assessment=new).values_list("pk", "version"))
    call_command("seed_demo", stdout=io.StringIO())
    assert (
        sorted(RecommendationFollowUp.objects.filter(assessment=new).values_list("pk", "version")) == versions
    )
