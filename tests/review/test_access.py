"""Where the review checks access: the doors (the pages' action dispatch, the API's ``write_perm``) check
each action's rule before reading any input, and each service checks it again — every door, every role.
"""

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.urls import reverse

from assessments.choices import FindingStatus
from review import services
from review.models import Comment, Vote
from tests.api.conftest import token_client

MEMBERS = ["lead", "researcher", "mab", "staff"]
TEAM = ["lead", "researcher"]
# Who may do what, written out here rather than read from the code under test.
ALLOWED = {
    "comment": MEMBERS,
    "edit": MEMBERS,
    "resolve": TEAM,
    "reopen": TEAM,
    "vote": ["mab"],
    "endorse": TEAM,
    "revise": TEAM,
}


def test_every_page_action_has_its_rule():
    from review.views.pages import FINDING_ACTIONS

    assert set(FINDING_ACTIONS) == set(services.ACTION_PERMS) == set(ALLOWED)


@pytest.mark.parametrize("action", ALLOWED)
@pytest.mark.parametrize("role", [*MEMBERS, "outsider", "anonymous"])
def test_page_actions_are_refused_by_role_before_the_form_is_read(client, members, finding, action, role):
    """An empty (invalid) post: refused roles get 403 rather than a form error, outsiders 404."""
    comment = services.add_comment(finding, by=members["mab"], body="Open question.")
    if role != "anonymous":
        client.force_login(members[role])
    response = client.post(finding.get_absolute_url(), {"action": action, "comment": comment.pk})
    if role == "anonymous":
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    elif role == "outsider":
        assert response.status_code == 404
    elif role not in ALLOWED[action]:
        assert response.status_code == 403
    else:
        assert response.status_code in (302, 400)
    assert Comment.objects.get().body == "Open question." and Comment.objects.count() == 1
    assert not Vote.objects.exists()


@pytest.mark.parametrize("action", ["comment", "edit", "resolve", "reopen"])
@pytest.mark.parametrize("role", [*MEMBERS, "outsider"])
def test_generic_comment_endpoint_checks_the_same_rules(client, members, finding, action, role):
    comment = services.add_comment(finding, by=members["mab"], body="Open question.")
    client.force_login(members[role])
    url = reverse("review:comment_action", args=[finding.assessment.code, "assessments.finding", finding.pk])
    response = client.post(url, {"action": action, "comment": comment.pk})
    expected = 404 if role == "outsider" else 403 if role not in ALLOWED[action] else None
    if expected:
        assert response.status_code == expected
    else:
        assert response.status_code in (302, 400)


@pytest.mark.parametrize("method", ["put", "delete"])
@pytest.mark.parametrize("role", [*MEMBERS, "outsider", "anonymous"])
def test_api_methods_the_comments_lack(members, finding, method, role):
    comment = services.add_comment(finding, by=members["mab"], body="Open question.")
    client = token_client(None if role == "anonymous" else members[role])
    response = getattr(client, method)(
        f"/api/assessments/khm-2023/comments/{comment.pk}/", {"body": "x"}, format="json"
    )
    assert response.status_code == {"anonymous": 401, "outsider": 404}.get(role, 405)
    assert Comment.objects.get().body == "Open question."


def _edit(finding, comment, user):
    return services.edit_comment(comment, by=user, body="Changed.")


def _resolve(finding, comment, user):
    return services.resolve_comment(comment, by=user, disposition="accepted", reason="Ok.")


def _reopen(finding, comment, user):
    return services.reopen_comment(comment, by=user)


def _vote(finding, comment, user):
    return services.cast_vote(finding, by=user, verdict="endorse")


def _endorse(finding, comment, user):
    services.resolve_comment(
        comment, by=finding.assessment.memberships.get(role="lead").user, disposition="accepted", reason="Ok."
    )
    return services.endorse_finding(finding, by=user)


def _revise(finding, comment, user):
    return services.revise_finding(
        finding, by=user, expected_version=finding.version, narrative="New.", score=2, special_score=""
    )


SERVICES = {"resolve": _resolve, "reopen": _reopen, "vote": _vote, "endorse": _endorse, "revise": _revise}


@pytest.mark.parametrize("action", SERVICES)
@pytest.mark.parametrize("role", [*MEMBERS, "outsider"])
def test_services_check_the_rule_whichever_door_calls_them(members, finding, action, role):
    comment = services.add_comment(finding, by=members["mab"], body="Open question.")
    if action == "reopen":
        services.resolve_comment(comment, by=members["lead"], disposition="accepted", reason="Ok.")
    if role == "outsider":
        with pytest.raises(Http404):
            SERVICES[action](finding, comment, members[role])
    elif role not in ALLOWED[action]:
        with pytest.raises(PermissionDenied):
            SERVICES[action](finding, comment, members[role])
    else:
        SERVICES[action](finding, comment, members[role])
    finding.refresh_from_db()
    changed = finding.narrative == "New." or finding.status == FindingStatus.ENDORSED or Vote.objects.exists()
    assert changed == (action in ("vote", "endorse", "revise") and role in ALLOWED[action])


@pytest.mark.parametrize("role", [*MEMBERS, "outsider"])
def test_only_the_author_edits_whoever_else_calls_the_service(members, finding, role):
    comment = services.add_comment(finding, by=members["mab"], body="Open question.")
    expected = Http404 if role == "outsider" else None if role == "mab" else PermissionDenied
    if expected:
        with pytest.raises(expected):
            _edit(finding, comment, members[role])
    else:
        _edit(finding, comment, members[role])
    assert (Comment.objects.get().body == "Changed.") == (role == "mab")
