"""The admin's finding form page is kept under a key of everything it shows (assessments.queries.
finding_form_state, assessments.admin.findings.FindingAdmin._form_key): a repeat GET reads no form,
inline or choice, no copy keeps a request's CSRF token, a page showing messages is never kept, and every
change shows at once — the finding (also written by a queryset's update()), its citations, data points
and attachments, the assessment's sources and members, the catalogue, the assessment's languages, the
"next for you" link, and each reader, role, language and query string."""

import pickle
import re

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from assessments.choices import Role
from assessments.models import Assessment, Attachment, Citation, DataPoint, Finding, Membership, Source
from indicators.models import Category, Indicator, Question, Theme
from tests.factories import (
    AttachmentFactory,
    CitationFactory,
    DataPointFactory,
    MembershipFactory,
    SourceFactory,
    UserFactory,
)
from toolkit.csrf import CSRF_PLACEHOLDER

from .conftest import change_url, finding, finding_post

TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def target(assessment, members):
    obj = finding(assessment, "R.1.1")
    Finding.objects.filter(pk=obj.pk).update(
        assignee=members["researcher"],
        narrative="The law of 2015.",
        updated_by=UserFactory(username="former"),  # saved by someone no longer a member
    )
    CitationFactory(finding=obj, locator="p. 12")
    DataPointFactory(finding=obj, unit="% of adults")
    AttachmentFactory(finding=obj, description="The telecom law")
    SourceFactory(assessment=assessment, title="Unused report")  # a choice no row cites
    return obj


def another(assessment, obj):
    return Finding.objects.filter(assessment=assessment).exclude(pk=obj.pk).order_by("pk").last()


def page(client, obj, **params):
    response = client.get(change_url(obj), params)
    assert response.status_code == 200
    return response.content.decode()


def fresh(client, obj):
    """The page as a render gives it now (no copy kept)."""
    cache.clear()
    return TOKEN.sub("", page(client, obj))


def kept(client, obj):
    """The page as a repeat visit gets it."""
    page(client, obj)
    return TOKEN.sub("", page(client, obj))


def copies():
    return [pickle.loads(v) for k, v in cache._cache.items() if "admin-finding-form:" in k]


def test_a_repeat_visit_is_the_fresh_page_with_fewer_queries_not_growing_with_rows(
    client, assessment, members, target
):
    client.force_login(members["researcher"])
    with CaptureQueriesContext(connection) as miss:
        first = page(client, target)
    with CaptureQueriesContext(connection) as hit:
        again = page(client, target)
    assert TOKEN.sub("", first) == TOKEN.sub("", again)
    assert "The law of 2015." in again and "p. 12" in again and "The telecom law" in again
    hits = len(hit)  # now: the query log is a bounded deque, later queries shift its indexes
    assert hits <= 4 < len(miss)
    read = " ".join(q["sql"] for q in hit.captured_queries)
    assert 'FROM "assessments_citation" x' in read  # only inside the state query
    assert not any(q["sql"].startswith('SELECT "assessments_citation"') for q in hit.captured_queries)
    for _ in range(3):
        CitationFactory(finding=target)
        DataPointFactory(finding=target)
        AttachmentFactory(finding=target)
        SourceFactory(assessment=assessment)
    page(client, target)
    with CaptureQueriesContext(connection) as more:
        page(client, target)
    assert len(more) == hits


def _evidence_changes(model, factory, field, added, edited):
    """Adding, editing (by a queryset's update) and deleting one kind of the finding's evidence rows: each
    change returns the text it makes appear, if any."""

    def add(obj, assessment, members):
        factory(finding=obj, **{field: added})
        return added

    def edit(obj, assessment, members):
        model.objects.filter(finding=obj).update(**{field: edited})
        return edited

    def delete(obj, assessment, members):
        model.objects.filter(finding=obj).delete()

    for change in (add, edit, delete):
        change.__name__ = f"_{change.__name__}_{model._meta.model_name}"
    return [add, edit, delete]


EVIDENCE_CHANGES = [
    *_evidence_changes(Citation, CitationFactory, "locator", "chapter 9", "annex B"),
    *_evidence_changes(DataPoint, DataPointFactory, "unit", "subscriptions per 100", "per household"),
    *_evidence_changes(Attachment, AttachmentFactory, "description", "A second scan", "The amended law"),
]


def _rename_source(obj, assessment, members):
    Source.objects.filter(assessment=assessment).update(title="Renamed survey")
    return "Renamed survey"


def _add_source(obj, assessment, members):
    SourceFactory(assessment=assessment, title="A new census")
    return "A new census"


def _delete_source(obj, assessment, members):
    Source.objects.filter(title="Unused report").delete()


def _rename_assignee(obj, assessment, members):
    get_user_model().objects.filter(pk=members["researcher"].pk).update(first_name="Sokha")
    return "Sokha"


def _add_member(obj, assessment, members):
    MembershipFactory(assessment=assessment, user=UserFactory(username="newcomer"), role=Role.RESEARCHER)
    return "newcomer"


def _edit_finding_by_update(obj, assessment, members):
    Finding.objects.filter(pk=obj.pk).update(narrative="Written around the service.")
    return "Written around the service."


def _edit_indicator(obj, assessment, members):
    Indicator.objects.filter(pk=obj.indicator_id).update(text="A reworded indicator")
    return "A reworded indicator"


def _edit_question(obj, assessment, members):
    Question.objects.filter(pk=obj.indicator.question_id).update(text="A reworded question")
    return "A reworded question"


def _edit_theme(obj, assessment, members):
    Theme.objects.filter(questions__indicators=obj.indicator_id).update(title="A renamed theme")
    return "A renamed theme"


def _edit_category(obj, assessment, members):
    Category.objects.filter(pk=obj.indicator.category_id).update(code="Z")
    return "cat-Z"


def _second_language(obj, assessment, members):
    Assessment.objects.filter(pk=assessment.pk).update(second_language="km")
    return "narrative_second"


def _time_zone(obj, assessment, members):
    # "last saved by lead, <when>" is shown in the assessment's zone
    Assessment.objects.filter(pk=assessment.pk).update(time_zone="America/Lima")


def _rename_last_saver(obj, assessment, members):
    # "last saved by <username>" (the admin shows a user as their username)
    get_user_model().objects.filter(username="former").update(username="dara.chan")
    return "dara.chan"


def _unusable_password(obj, assessment, members):
    # The admin's user tools link "Change password" only for a usable password (an account signed in
    # through single sign-on has none).
    reader = members["researcher"]
    reader.set_unusable_password()
    get_user_model().objects.filter(pk=reader.pk).update(password=reader.password)


def _next_finding(obj, assessment, members):
    other = another(assessment, obj)
    Finding.objects.filter(pk=other.pk).update(assignee=members["researcher"])
    return change_url(other)


MUTATIONS = [
    *EVIDENCE_CHANGES, _rename_source, _add_source, _delete_source,
    _rename_assignee, _add_member, _edit_finding_by_update, _edit_indicator, _edit_question, _edit_theme, _edit_category,
    _second_language, _time_zone, _rename_last_saver, _next_finding, _unusable_password,
]  # fmt: skip


@pytest.mark.parametrize("mutate", MUTATIONS, ids=lambda f: f.__name__.strip("_"))
def test_every_change_shows_at_once(client, assessment, members, target, mutate):
    client.force_login(members["researcher"])
    before = kept(client, target)
    assert copies()
    shown = mutate(target, assessment, members)
    # A new password ends the reader's sessions: sign in again.
    client.force_login(get_user_model().objects.get(pk=members["researcher"].pk))
    after = TOKEN.sub("", page(client, target))
    assert after != before
    if shown:
        assert shown in after and shown not in before
    assert after == fresh(client, target)


def test_a_kept_page_has_the_headers_of_a_render(client, members, target):
    client.force_login(members["researcher"])
    rendered = client.get(change_url(target))
    served = client.get(change_url(target))
    assert copies()
    names = ("Content-Type", "Cache-Control", "Expires", "X-Frame-Options", "Content-Security-Policy", "Vary")
    for name in names:
        assert served.get(name) == rendered.get(name), name
    assert "no-store" in served["Cache-Control"] and served["Content-Type"] == "text/html; charset=utf-8"
    assert served["X-Frame-Options"] == "DENY"


def test_a_save_through_the_form_shows_at_once(client, members, target):
    client.force_login(members["researcher"])
    before = kept(client, target)
    current = Finding.objects.get(pk=target.pk)
    data = finding_post(current, narrative="Saved through the form.", status=current.status)
    data.pop("_continue")
    response = client.post(change_url(target), data)
    assert response.status_code == 302
    assert "was changed successfully" in page(client, target)  # the message, once
    after = TOKEN.sub("", page(client, target))
    assert "Saved through the form." in after and after != before
    assert after == fresh(client, target)


@pytest.mark.parametrize("role", ["lead", "researcher", "staff"])
def test_each_reader_gets_their_own_page(client, members, target, role):
    client.force_login(members["researcher"])
    researchers = kept(client, target)
    client.force_login(members[role])
    theirs = kept(client, target)
    assert theirs == fresh(client, target)
    if role != "researcher":
        assert theirs != researchers
    # A read-only role's page has no save button; the editors' have.
    assert ('name="_save"' in theirs) == (role != "staff")


def test_a_superuser_who_is_no_member_gets_their_own_page(client, members, target, superuser):
    client.force_login(members["researcher"])
    kept(client, target)
    client.force_login(superuser)
    theirs = kept(client, target)
    assert theirs == fresh(client, target) and "root" in theirs


def test_a_read_only_reader_sees_a_former_members_name_change(client, members, target):
    """The staff role's page shows the assignee as text: also one who is no longer a member."""
    former = UserFactory(username="gone")  # not the last saver either
    Finding.objects.filter(pk=target.pk).update(assignee=former)
    client.force_login(members["staff"])
    before = kept(client, target)
    get_user_model().objects.filter(pk=former.pk).update(username="sokha.former")
    after = TOKEN.sub("", page(client, target))
    assert "sokha.former" in after and "sokha.former" not in before
    assert after == fresh(client, target)


def test_refused_readers_are_never_served_a_copy(client, members, target):
    client.force_login(members["researcher"])
    kept(client, target)
    client.force_login(members["outsider"])
    assert client.get(change_url(target)).status_code == 404
    client.force_login(members["mab"])  # no admin access: sent to sign in
    response = client.get(change_url(target))
    assert response.status_code == 302 and "/login/" in response["Location"]
    client.logout()
    assert client.get(change_url(target)).status_code == 302


def test_a_role_change_shows_at_once(client, members, target):
    client.force_login(members["staff"])
    before = kept(client, target)
    assert 'name="_save"' not in before
    Membership.objects.filter(user=members["staff"]).update(role=Role.RESEARCHER)
    after = TOKEN.sub("", page(client, target))
    assert 'name="_save"' in after and after == fresh(client, target)


def test_the_readers_rights_elsewhere_show_at_once(client, members, target):
    """The side menu lists the apps the reader may open: their flags and Django permissions count."""
    researcher = members["researcher"]
    client.force_login(researcher)
    before = kept(client, target)
    researcher.user_permissions.add(Permission.objects.get(codename="view_comment"))
    with_permission = TOKEN.sub("", page(client, target))
    assert with_permission != before and with_permission == fresh(client, target)
    researcher.user_permissions.clear()
    group = Group.objects.create(name="readers")
    group.permissions.add(Permission.objects.get(codename="view_vote"))
    researcher.groups.add(group)
    in_group = TOKEN.sub("", page(client, target))
    assert in_group != before and in_group == fresh(client, target)
    group.permissions.set([Permission.objects.get(codename="view_notification")])  # the group's own change
    regrouped = TOKEN.sub("", page(client, target))
    assert regrouped != in_group and regrouped == fresh(client, target)
    get_user_model().objects.filter(pk=researcher.pk).update(is_superuser=True)
    superuser = TOKEN.sub("", page(client, target))
    assert superuser != in_group and superuser == fresh(client, target)


def test_the_readers_role_in_another_assessment_shows_at_once(client, members, target, other_assessment):
    """A read-only member who may edit evidence elsewhere gets the side menu's "Add" links."""
    client.force_login(members["staff"])
    before = kept(client, target)
    MembershipFactory(assessment=other_assessment, user=members["staff"], role=Role.RESEARCHER)
    after = TOKEN.sub("", page(client, target))
    assert after != before and after == fresh(client, target)


def test_khmer_readers_get_the_khmer_page(client, members, target):
    client.force_login(members["researcher"])
    english = kept(client, target)
    client.cookies["django_language"] = "km"
    khmer = kept(client, target)
    assert khmer != english and 'lang="km"' in khmer
    assert khmer == fresh(client, target)
    del client.cookies["django_language"]
    assert kept(client, target) == english


def test_a_query_string_is_never_served_from_a_copy(client, members, target):
    client.force_login(members["researcher"])
    kept(client, target)
    filters = {"_changelist_filters": "status__exact=draft"}
    with CaptureQueriesContext(connection) as first:
        one = page(client, target, **filters)
    rendered = len(first)
    with CaptureQueriesContext(connection) as second:
        page(client, target, **filters)
    assert len(second) == rendered > 4
    assert "status__exact" in one


def test_no_copy_keeps_a_token_each_reader_has_their_own_and_it_posts(members, target):
    researcher = Client(enforce_csrf_checks=True)
    researcher.force_login(members["researcher"])
    page(researcher, target)
    response = researcher.get(change_url(target))  # from the copy
    assert "csrftoken" in response.cookies
    body = response.content.decode()
    tokens = TOKEN.findall(body)
    assert tokens and len(set(tokens)) == 1 and CSRF_PLACEHOLDER not in body
    assert copies() and all(set(TOKEN.findall(copy)) == {CSRF_PLACEHOLDER} for copy in copies())
    # A new session of the same person is served the copy: the cookie is set on it too.
    again = Client(enforce_csrf_checks=True)
    again.force_login(members["researcher"])
    response = again.get(change_url(target))
    assert response.cookies["csrftoken"].value
    # Another person's page carries their token.
    lead = Client(enforce_csrf_checks=True)
    lead.force_login(members["lead"])
    page(lead, target)
    assert not set(TOKEN.findall(page(lead, target))) & set(tokens)
    # The token from the kept page saves.
    current = Finding.objects.get(pk=target.pk)
    data = finding_post(current, narrative="Posted from a kept page.", csrfmiddlewaretoken=tokens[0])
    assert researcher.post(change_url(target), data).status_code == 302
    assert Finding.objects.get(pk=target.pk).narrative == "Posted from a kept page."


def test_a_message_shows_once_and_is_never_kept(client, members, target):
    client.force_login(members["researcher"])
    kept(client, target)
    current = Finding.objects.get(pk=target.pk)
    response = client.post(change_url(target), finding_post(current, narrative="Continue editing."))
    assert response.status_code == 302
    shown = page(client, target)
    assert 'class="success"' in shown and "Continue editing." in shown
    assert not any('class="success"' in copy for copy in copies())
    later = page(client, target)
    assert 'class="success"' not in later and "Continue editing." in later
    assert TOKEN.sub("", later) == TOKEN.sub("", page(client, target))


def test_hostile_text_stays_escaped_on_a_repeat_visit(client, members, target):
    Finding.objects.filter(pk=target.pk).update(narrative="<script>alert(1)</script>")
    Citation.objects.filter(finding=target).update(locator='"><img src=x onerror=alert(2)>')
    Source.objects.filter(assessment=target.assessment).update(title="<b>bold</b>")
    client.force_login(members["researcher"])
    page(client, target)
    body = page(client, target)
    assert "<script>alert(1)" not in body and "&lt;script&gt;alert(1)&lt;/script&gt;" in body
    assert "<img src=x" not in body and "<b>bold</b>" not in body


def test_a_missing_or_hostile_id_is_a_404_not_a_copy(client, members):
    client.force_login(members["researcher"])
    for pk in ("99999999999999999999", "-1", "0"):
        assert client.get(f"/admin/assessments/finding/{pk}/change/").status_code in (302, 404)


def test_other_findings_have_their_own_pages(client, assessment, members, target):
    client.force_login(members["researcher"])
    kept(client, target)
    second = another(assessment, target)
    theirs = kept(client, second)
    assert second.indicator.code in theirs and theirs == fresh(client, second)
