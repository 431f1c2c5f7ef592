"""One home for each access rule: where a person may write, who can be assigned, who sees the admin.

The admin of evidence and of report content share one scoped admin (assessments.admin), and the
"editable assessments" and "who can be assigned" querysets exist once (assessments.queries)."""

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser
from django.urls import reverse

from assessments.choices import Role
from assessments.queries import editable_assessments_for, evidence_members
from assessments.rules import ROLE_PERMS, Perm, roles_with
from tests.factories import MembershipFactory, UserFactory


@pytest.fixture
def mab_elsewhere(other_assessment, members):
    """The researcher of khm-2023 sits on Thailand's board (MAB) as well."""
    MembershipFactory(assessment=other_assessment, user=members["researcher"], role=Role.MAB)
    return other_assessment


def test_roles_with_reads_the_role_table():
    for perm in Perm:
        assert set(roles_with(perm)) == {role for role, perms in ROLE_PERMS.items() if perm in perms}
    assert set(roles_with(Perm.EDIT_EVIDENCE)) == {Role.LEAD, Role.RESEARCHER}
    assert set(roles_with(Perm.EXPORT)) == {Role.LEAD, Role.STAFF}


@pytest.mark.parametrize(
    ("perm", "expected"),
    [(Perm.EDIT_EVIDENCE, {"khm-2023"}), (Perm.EDIT_REPORT, {"khm-2023"}), (Perm.VALIDATE, {"tha-2024"})],
)
def test_editable_assessments_follow_the_role_in_each_assessment(members, mab_elsewhere, perm, expected):
    codes = set(editable_assessments_for(members["researcher"], perm).values_list("code", flat=True))
    assert codes == expected


def test_nobody_anonymous_writes_anywhere(assessment):
    for perm in Perm:
        assert not editable_assessments_for(AnonymousUser(), perm).exists()


def test_only_evidence_editors_can_be_assigned(assessment, members, mab_elsewhere):
    names = set(evidence_members(assessment).values_list("username", flat=True))
    assert names == {"lead", "researcher"}
    # Across the assessments a person may edit, the same rule: the outsider researches Thailand.
    both = set(
        evidence_members(editable_assessments_for(members["outsider"])).values_list("username", flat=True)
    )
    assert both == {"outsider"}


def test_the_admin_bulk_actions_offer_only_assignable_people(client, assessment, members):
    client.force_login(members["lead"])
    response = client.get(reverse("admin:assessments_finding_changelist"))
    actions = {value for value, _label in response.context["action_form"].fields["action"].choices}
    assignable = {
        f"assign_{u.pk}" for u in get_user_model().objects.filter(username__in=["lead", "researcher"])
    }
    refused = {f"assign_{members[name].pk}" for name in ("mab", "staff", "outsider")}
    assert assignable <= actions
    assert not refused & actions


def test_report_admin_offers_only_assessments_where_the_user_writes_the_report(
    client, assessment, members, mab_elsewhere
):
    client.force_login(members["researcher"])
    response = client.get(reverse("admin:reports_recommendation_add"))
    assert response.status_code == 200
    choices = {
        str(label) for _value, label in response.context["adminform"].form.fields["assessment"].choices
    }
    assert any("khm-2023" in c or "Cambodia" in c for c in choices if c != "---------")
    assert not any("tha-2024" in c or "Thailand" in c for c in choices)


@pytest.mark.parametrize(
    ("who", "module_visible"),
    [("researcher", True), ("lead", True), ("staff", True), ("stranger", False)],
)
def test_the_admin_rooms_exist_only_for_staff_who_belong_to_an_assessment(
    client, members, who, module_visible
):
    user = members.get(who) or UserFactory(username="stranger", is_staff=True)
    client.force_login(user)
    response = client.get(reverse("admin:index"))
    apps = (
        {app["app_label"] for app in response.context["app_list"]} if response.status_code == 200 else set()
    )
    assert ("assessments" in apps) is module_visible
    assert ("reports" in apps) is module_visible


def test_the_menus_assessment_links_follow_assessments_for(members, other_assessment, superuser):
    from assessments.models import Assessment
    from assessments.queries import assessments_for, nav_assessments
    from tests.factories import AssessmentFactory

    for n in range(4):
        MembershipFactory(assessment=AssessmentFactory(code=f"mab-{n}"), user=members["mab"], role=Role.MAB)
    Assessment.objects.filter(code="mab-2").update(title="A renamed round")
    for user in [members["mab"], members["lead"], members["outsider"], superuser, AnonymousUser()]:
        for limit in (1, 4, 10):
            expected = [
                {"code": a.code, "title": a.title}
                for a in assessments_for(user).only("code", "title").order_by("-created", "-pk")[:limit]
            ]
            assert nav_assessments(user, limit) == expected
    assert len(nav_assessments(members["mab"], 4)) == 4
    assert [a["code"] for a in nav_assessments(members["outsider"], 4)] == ["tha-2024"]
    assert {a["code"] for a in nav_assessments(superuser, 10)} == {"khm-2023", "tha-2024"} | {
        f"mab-{n}" for n in range(4)
    }
    assert "A renamed round" in [a["title"] for a in nav_assessments(members["mab"], 10)]
