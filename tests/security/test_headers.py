"""Security headers on every response, and a page markup the Content-Security-Policy can hold to."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.test import override_settings

ROOT = Path(settings.BASE_DIR)
# WeasyPrint renders these to PDF; a browser never loads them.
PDF_TEMPLATES = ROOT / "reports" / "templates" / "reports" / "pdf"


def csp_directives(response):
    policy = response["Content-Security-Policy"]
    return {part.split()[0]: part.split()[1:] for part in policy.split(";") if part.strip()}


@pytest.mark.parametrize("path", ["/accounts/login/", "/admin/login/", "/api/", "/no-such-page/"])
def test_headers_on_anonymous_responses(client, db, path):
    response = client.get(path)
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    directives = csp_directives(response)
    assert directives["default-src"] == ["'self'"]
    assert directives["script-src"] == ["'self'"]
    assert directives["style-src"] == ["'self'"]
    assert directives["object-src"] == ["'none'"]
    assert directives["frame-ancestors"] == ["'none'"]
    assert directives["base-uri"] == ["'self'"]
    assert directives["form-action"] == ["'self'"]
    assert "'unsafe-inline'" not in response["Content-Security-Policy"]
    assert "'unsafe-eval'" not in response["Content-Security-Policy"]


def test_headers_on_signed_in_pages(client, members, assessment):
    client.force_login(members["researcher"])
    for path in ["/", f"/a/{assessment.code}/", f"/a/{assessment.code}/review/", "/admin/", "/api/docs/"]:
        response = client.get(path)
        assert response.status_code == 200, path
        assert response["X-Frame-Options"] == "DENY"
        assert "script-src 'self'" in response["Content-Security-Policy"], path


def test_session_cookie_is_httponly_and_samesite(client, user):
    response = client.post("/accounts/login/", {"username": "reader", "password": "pw-reader-1"})
    cookie = response.cookies[settings.SESSION_COOKIE_NAME]
    assert cookie["httponly"] is True
    assert cookie["samesite"] == "Lax"


@override_settings(SECURE_HSTS_SECONDS=31536000, SECURE_HSTS_INCLUDE_SUBDOMAINS=True)
def test_hsts_sent_over_tls_only(client, db):
    assert "Strict-Transport-Security" not in client.get("/accounts/login/")
    secure = client.get("/accounts/login/", secure=True)
    assert secure["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"


def _served_templates():
    for path in ROOT.glob("**/templates/**/*.html"):
        if ".venv" in path.parts or PDF_TEMPLATES in path.parents:
            continue
        yield path


def test_served_templates_have_no_inline_script_style_or_handlers():
    offenders = []
    for path in _served_templates():
        text = path.read_text()
        for pattern in [r"<script(?![^>]*\bsrc=)", r"<style", r"\sstyle=", r"\son[a-z]+=", r"javascript:"]:
            if re.search(pattern, text, re.IGNORECASE):
                offenders.append(f"{path.relative_to(ROOT)}: {pattern}")
    assert offenders == []
    assert len(list(_served_templates())) > 30  # the walk found the templates at all
