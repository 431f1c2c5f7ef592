"""The finding form's object in plain SQL (assessments.queries.finding_with_relations): the same finding,
with the same related objects attached, as the admin's own scoped query; nothing for those who may not
see it."""

import pytest
from django.contrib.auth import get_user_model
from django.test import RequestFactory

from assessments.admin.findings import FindingAdmin
from assessments.models import Finding
from assessments.queries import finding_with_relations

from .conftest import change_url, finding

RELATIONS = ["indicator", "indicator__question", "indicator__question__theme", "indicator__category"]
RELATIONS += ["assessment", "assignee"]


def _values(obj):
    return None if obj is None else [getattr(obj, f.attname) for f in obj._meta.concrete_fields]


def _related(obj, path):
    for name in path.split("__"):
        obj = getattr(obj, name)
        if obj is None:
            return None
    return obj


def _admin_query(user, pk):
    request = RequestFactory().get("/")
    request.user = user
    from django.contrib import admin

    return FindingAdmin(Finding, admin.site).get_queryset(request).filter(pk=pk).first()


@pytest.mark.parametrize("code", ["R.1.1", "C.1.1"])  # a core indicator, and a contextual one (no question)
@pytest.mark.parametrize("assigned", [True, False])
def test_the_same_finding_and_relations_as_the_admins_query(
    assessment, members, code, assigned, django_assert_num_queries
):
    target = finding(assessment, code)
    target.assignee = members["researcher"] if assigned else None
    target.save()
    expected = _admin_query(members["researcher"], target.pk)
    with django_assert_num_queries(1):
        got = finding_with_relations(members["researcher"], target.pk)
        for path in RELATIONS:
            assert _values(_related(got, path)) == _values(_related(expected, path)), path
    assert _values(got) == _values(expected)
    assert (got.indicator.question is None) == code.startswith("C")
    assert not got._state.adding and got._state.db == "default"


def test_nothing_for_an_outsider_or_a_missing_finding(assessment, members, other_assessment):
    target = finding(assessment, "R.1.1")
    assert finding_with_relations(members["outsider"], target.pk) is None
    assert _admin_query(members["outsider"], target.pk) is None
    assert finding_with_relations(members["researcher"], 10**9) is None


def test_a_superuser_sees_every_finding(assessment, members):
    target = finding(assessment, "R.1.1")
    root = get_user_model().objects.create_superuser("root", "root@example.org", "pw")
    assert _values(finding_with_relations(root, target.pk)) == _values(target)


@pytest.mark.parametrize("pk", ["abc", "1.5", "-", "99999999999999999999", "-99999999999999999999", "%00"])
def test_a_malformed_id_is_404(client, members, pk):
    client.force_login(members["researcher"])
    assert client.get(f"/admin/assessments/finding/{pk}/change/").status_code == 404


def test_an_outsider_gets_404_and_a_member_the_form(client, assessment, members, other_assessment):
    target = finding(assessment, "R.1.1")
    client.force_login(members["outsider"])
    assert client.get(change_url(target)).status_code == 404
    client.force_login(members["mab"])
    assert client.get(change_url(target)).status_code in (200, 302, 403)
    client.force_login(members["researcher"])
    assert client.get(change_url(target)).status_code == 200


def _orm_next(user, obj):
    """What the form asked the ORM before (two queries)."""
    from assessments.choices import FindingStatus

    mine = (
        Finding.objects.filter(assessment_id=obj.assessment_id, assignee=user, archived=False)
        .exclude(status=FindingStatus.ENDORSED)
        .exclude(pk=obj.pk)
        .select_related("indicator")
        .order_by("indicator__order")
    )
    return mine.filter(indicator__order__gt=obj.indicator.order).first() or mine.first()


def test_the_next_finding_is_the_one_the_orm_chose(assessment, members, django_assert_num_queries):
    from assessments.choices import FindingStatus
    from assessments.queries import next_finding_for

    researcher = members["researcher"]
    ordered = list(Finding.objects.filter(assessment=assessment).select_related("indicator"))
    ordered.sort(key=lambda f: (f.indicator.order, f.pk))
    first, second, third, fourth, last = ordered[1], ordered[5], ordered[9], ordered[12], ordered[-1]
    Finding.objects.filter(pk__in=[f.pk for f in (first, second, third, fourth, last)]).update(
        assignee=researcher
    )
    Finding.objects.filter(pk=third.pk).update(status=FindingStatus.ENDORSED)
    Finding.objects.filter(pk=fourth.pk).update(archived=True)
    Finding.objects.filter(pk=ordered[7].pk).update(assignee=members["lead"])

    def both(obj):
        obj = finding(assessment, obj.indicator.code)
        with django_assert_num_queries(1):
            got = next_finding_for(researcher, obj)
            code = got and got.indicator.code
        expected = _orm_next(researcher, obj)
        assert _values(got) == _values(expected)
        assert code == (expected and expected.indicator.code)
        return got

    assert both(first).pk == second.pk  # the next one
    assert both(ordered[6]).pk == last.pk  # skips the lead's, the endorsed and the archived one
    assert both(last).pk == first.pk  # after the last: back to the first
    assert both(ordered[0]).pk == first.pk  # from a finding not assigned to them
    Finding.objects.filter(pk__in=[second.pk, last.pk]).update(assignee=None)
    assert both(first) is None  # nothing else waits
