"""CSRF: every POST form carries a token, and every POST endpoint refuses a request without one."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client

from reports.demo import seed_report
from reports.models import ReportExport
from review.models import Comment, Vote

ROOT = Path(settings.BASE_DIR)
FORM = re.compile(r"<form\b[^>]*>.*?</form>", re.IGNORECASE | re.DOTALL)
POST = re.compile(r"""method=["']?post""", re.IGNORECASE)


def _templates():
    for path in ROOT.glob("**/templates/**/*.html"):
        if ".venv" not in path.parts:
            yield path


def test_every_post_form_in_our_templates_has_a_csrf_token():
    forms, missing = 0, []
    for path in _templates():
        for form in FORM.findall(path.read_text()):
            opening = form.split(">", 1)[0]
            if POST.search(opening):
                forms += 1
                if "{% csrf_token %}" not in form:
                    missing.append(f"{path.relative_to(ROOT)}: {opening[:80]}")
    assert missing == []
    assert forms > 15  # the scan found the forms at all


@pytest.fixture
def csrf_client():
    return Client(enforce_csrf_checks=True)


def token_for(client, url):
    """The token a browser would send: a page GET sets the cookie."""
    assert client.get(url).status_code == 200
    return client.cookies[settings.CSRF_COOKIE_NAME].value


def refused_then_accepted(client, url, data, form_url=None):
    """POST without a token is refused with 403; the same POST with the page's token goes through."""
    refused = client.post(url, data)
    assert refused.status_code == 403, url
    assert b"CSRF" in refused.content
    token = token_for(client, form_url or url)
    return client.post(url, {**data, "csrfmiddlewaretoken": token})


def test_login_refused_without_csrf_token(csrf_client, user):
    response = refused_then_accepted(
        csrf_client, "/accounts/login/", {"username": "reader", "password": "pw-reader-1"}
    )
    assert response.status_code == 302
    assert csrf_client.session["_auth_user_id"] == str(user.pk)


def test_admin_login_refused_without_csrf_token(csrf_client, superuser):
    response = refused_then_accepted(
        csrf_client, "/admin/login/", {"username": "root", "password": "pw-root-1"}
    )
    assert response.status_code == 302


def test_logout_refused_without_csrf_token(csrf_client, user):
    csrf_client.force_login(user)
    refused = csrf_client.post("/accounts/logout/")
    assert refused.status_code == 403
    assert "_auth_user_id" in csrf_client.session  # still signed in: a forged link cannot sign you out
    token = token_for(csrf_client, "/")
    assert csrf_client.post("/accounts/logout/", {"csrfmiddlewaretoken": token}).status_code == 302
    assert "_auth_user_id" not in csrf_client.session


def test_review_comment_refused_without_csrf_token(csrf_client, members, ready_finding):
    csrf_client.force_login(members["mab"])
    url = ready_finding.get_absolute_url()
    response = refused_then_accepted(csrf_client, url, {"action": "comment", "body": "Cite the 2021 law."})
    assert response.status_code == 302
    assert list(Comment.objects.values_list("body", flat=True)) == ["Cite the 2021 law."]


def test_review_vote_refused_without_csrf_token(csrf_client, members, ready_finding):
    csrf_client.force_login(members["mab"])
    url = ready_finding.get_absolute_url()
    refused = csrf_client.post(url, {"action": "vote", "verdict": "endorse"})
    assert refused.status_code == 403
    assert not Vote.objects.exists()
    token = token_for(csrf_client, url)
    response = csrf_client.post(url, {"action": "vote", "verdict": "endorse", "csrfmiddlewaretoken": token})
    assert response.status_code == 302
    assert Vote.objects.get().verdict == "endorse"


def test_report_export_refused_without_csrf_token(csrf_client, members, assessment):
    seed_report(assessment)
    csrf_client.force_login(members["staff"])
    url = f"/a/{assessment.code}/report/export/"
    refused = csrf_client.post(url)
    assert refused.status_code == 403
    assert not ReportExport.objects.exists()
    token = token_for(csrf_client, f"/a/{assessment.code}/report/")
    assert csrf_client.post(url, {"csrfmiddlewaretoken": token}).status_code == 302
    assert ReportExport.objects.count() == 1


def test_api_token_creation_refused_without_csrf_token(csrf_client, user):
    from rest_framework.authtoken.models import Token

    csrf_client.force_login(user)
    response = refused_then_accepted(csrf_client, "/accounts/tokens/", {"action": "create"})
    assert response.status_code == 302
    assert Token.objects.filter(user=user).count() == 1


def test_password_change_refused_without_csrf_token(csrf_client, user):
    csrf_client.force_login(user)
    data = {
        "old_password": "pw-reader-1",
        "new_password1": "a-long-new-Pass-42",
        "new_password2": "a-long-new-Pass-42",
    }
    response = refused_then_accepted(csrf_client, "/accounts/password/", data)
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password("a-long-new-Pass-42")


def test_admin_change_refused_without_csrf_token(csrf_client, members, ready_finding):
    csrf_client.force_login(members["researcher"])
    url = f"/admin/assessments/finding/{ready_finding.pk}/change/"
    refused = csrf_client.post(url, {"narrative": "Forged."})
    assert refused.status_code == 403
    ready_finding.refresh_from_db()
    assert ready_finding.narrative == "The constitution protects expression."


API_COMMENT = {"target": {"type": "finding", "indicator": "R.1.1"}, "body": "Through the API."}


def test_api_session_write_refused_without_csrf_token(csrf_client, members, ready_finding):
    csrf_client.force_login(members["mab"])
    url = "/api/assessments/khm-2023/comments/"
    refused = csrf_client.post(url, API_COMMENT, content_type="application/json")
    assert refused.status_code == 403
    assert "CSRF" in refused.json()["detail"]
    assert not Comment.objects.exists()
    token = token_for(csrf_client, "/")
    accepted = csrf_client.post(url, API_COMMENT, content_type="application/json", HTTP_X_CSRFTOKEN=token)
    assert accepted.status_code == 201, accepted.content


def test_api_token_write_needs_no_csrf_token(csrf_client, members, ready_finding):
    from rest_framework.authtoken.models import Token

    # A script with a token is not a browser riding on a cookie: no CSRF check by design.
    key = Token.objects.create(user=members["mab"]).key
    url = "/api/assessments/khm-2023/comments/"
    response = csrf_client.post(
        url, API_COMMENT, content_type="application/json", HTTP_AUTHORIZATION=f"Token {key}"
    )
    assert response.status_code == 201, response.content
