"""Every page, every reader: a crawl of the demo (seed_demo) as each demo role, a signed-in person who is a
member of nothing, and an anonymous visitor, following the links each is shown. Then every page reached is
asked for again with hostile path segments and query strings, and every form shown is sent back empty and
filled with hostile text. Nothing may answer 500; an anonymous visitor reaches only the public pages;
a non-member reaches nothing of an assessment; and every route of the site (outside the API, which
tests/api/test_schemathesis.py covers) must be reached, so a new page cannot escape the crawl unnoticed."""

import io
from collections import defaultdict
from html.parser import HTMLParser
from urllib.parse import parse_qsl, quote, urlencode, urljoin, urlsplit

import pytest
from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, resolve
from django.urls.exceptions import Resolver404

from assessments.models import Assessment
from consultation.models import Consultation
from consultation.services import invite_with_token
from publication.services import save_publication
from reports.choices import ExportFormat, ExportStatus
from tests.answers import read_and_close
from tests.factories import AttachmentFactory, ReportExportFactory, UserFactory

DEMO_ROLES = ["researcher", "lead", "reviewer", "staff", "admin"]
READERS = [*DEMO_ROLES, "outsider", None]  # None: anonymous
PER_ROUTE = 3  # pages of one route a reader opens (the demo has 130 findings; their pages are alike)
# Pages an anonymous visitor may open (200): the rest answer a redirect to sign in, 403, 404 or 405.
PUBLIC = {
    "home", "healthz", "login", "framework_list", "framework", "indicator", "public", "public_pdf",
    "public_docx", "public_data", "sitemap", "item", "set_language", "open-data",
}  # fmt: skip
# Forms whose sending ends the crawl's session or changes its language: sent once at the end, not mid-crawl.
LAST = ("/accounts/logout/", "/i18n/setlang/")
HOSTILE_TEXT = [
    "",
    "<script>alert(1)</script>",
    "' OR 1=1 --",
    "\x00",
    "../../../../etc/passwd",
    "ខ្មែរ" * 300,
    "9" * 40,
    "-1",
    "javascript:alert(1)",
    "%00%ff",
]
HOSTILE_SEGMENTS = ["0", "-1", "99999999999999999999", "..", "%E1%9E%81%E1%9E%98", "x" * 300, "%25%00", "a'b"]
HOSTILE_QUERY = {
    "page": "-1",
    "q": "<script>alert(1)</script>",
    "sort": "'; DROP TABLE x;--",
    "status": "\x00",
    "category": "ZZ",
    "lang": "xx",
    "o": "99",
    "assessment": "../khm-2023",
    "format": "exe",
    "next": "https://evil.example/",
}


class PageParser(HTMLParser):
    """The links (``<a href>``) and the forms of a page, each form with its fields' names, kinds and values."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.links, self.forms = [], []
        self._form = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "a" and attrs.get("href"):
            self.links.append(attrs["href"])
        elif tag == "form":
            self._form = {
                "action": attrs.get("action") or "",
                "method": (attrs.get("method") or "get").lower(),
            }
            self._form["fields"] = []
            self.forms.append(self._form)
        elif (
            self._form is not None and tag in ("input", "textarea", "select", "button") and attrs.get("name")
        ):
            kind = (attrs.get("type") or tag).lower()
            self._form["fields"].append((attrs["name"], kind, attrs.get("value") or ""))

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None


def route_names():
    """Every named route outside the admin and the API, as resolve() names it (namespace:name)."""

    def walk(patterns, prefix, namespace):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                inner = ":".join(n for n in (namespace, pattern.namespace) if n)
                yield from walk(pattern.url_patterns, prefix + str(pattern.pattern), inner)
            elif isinstance(pattern, URLPattern) and pattern.name:
                yield prefix + str(pattern.pattern), ":".join(n for n in (namespace, pattern.name) if n)

    return {name for path, name in walk(get_resolver().url_patterns, "", "") if not skipped(path)}


def skipped(path):
    return path.startswith(("admin/", "api/")) and "open-data" not in path


def match_of(path):
    """The route ``path`` resolves to (a ResolverMatch), or None."""
    try:
        return resolve(urlsplit(path).path)
    except Resolver404:
        return None


def route_of(path):
    match = match_of(path)
    return match and match.view_name


def local(base, href):
    """The site path of a link, or None for another site, a fragment, mailto: and the like."""
    url = urlsplit(urljoin(base, href))
    if url.scheme not in ("http", "https", "") or url.netloc not in ("", "testserver"):
        return None
    return url.path + (f"?{url.query}" if url.query else "")


@pytest.fixture
def demo(framework, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    call_command("seed_demo", stdout=io.StringIO())
    assessment = Assessment.objects.get(code="khm-2023")
    users = {user.username: user for user in get_user_model().objects.all()}
    users["outsider"] = UserFactory(username="outsider", is_staff=True)
    # What the demo leaves out but people make: published results, an attachment, a personal link.
    save_publication(assessment, by=users["lead"], publish=True)
    finding = assessment.findings.order_by("indicator__order").first()
    attachment = AttachmentFactory(finding=finding, description="A scan")
    consultation = Consultation.objects.filter(assessment=assessment).order_by("pk").first()
    personal = invite_with_token(consultation, by=users["lead"], email="p@example.org", name="P")
    for fmt, data in ((ExportFormat.PDF, b"%PDF-1.7 demo"), (ExportFormat.DOCX, b"PK demo")):
        export = ReportExportFactory(
            assessment=assessment,
            requested_by=users["lead"],
            format=fmt,
            status=ExportStatus.DONE,
            size=len(data),
        )
        export.file.save(f"report.{fmt}", ContentFile(data))
        export.finished = export.created
        export.save()
    base = "/a/khm-2023"
    # Pages no link leads to: asked for by scripts (JSON, previews, the progress of an export), reached
    # after a form (sign-in, a changed password), or opened from outside (a participant's personal link).
    starts = [
        "/", "/accounts/login/", "/accounts/password/done/", "/healthz/", "/sitemap.xml",
        "/p/khm-2023/", "/api/assessments/khm-2023/open-data/", personal, f"{personal}i/1/",
        f"{base}/attachments/{attachment.pk}/", f"{base}/consultations/{consultation.pk}/tallies.json",
        f"{base}/report/recommendations/findings.json", f"{base}/report/exports/{export.pk}/status/",
        "/a/", f"{base}/", "/a/khm-2027/",
    ]  # fmt: skip
    # Forms a script sends (the section's preview) or shown only now and then (follow-ups to add).
    forms = [
        ("", {"action": f"{base}/report/write/background/preview/", "method": "post", "fields": [("body", "textarea", "")]}),
        ("", {"action": "/a/khm-2027/report/follow-up/sync/", "method": "post", "fields": []}),
    ]  # fmt: skip
    return {"users": users, "starts": starts, "forms": forms}


def client_for(users, name):
    client = Client(raise_request_exception=False)
    if name:
        client.force_login(users[name])
    return client


def finished(response):
    """``response``, read, with a file answer's file closed (tests.answers.read_and_close)."""
    read_and_close(response)
    return response


def crawl(client, starts):
    """GET every page reachable from ``starts`` through links, at most PER_ROUTE pages a route; returns
    {path: response} and the forms seen, as (page, form)."""
    seen, queue, per_route, forms = {}, list(starts), defaultdict(int), []
    while queue:
        path = queue.pop(0)
        match = match_of(path)
        if path in seen or match is None or skipped(path.lstrip("/")):
            continue
        kind = (match.view_name, match.kwargs.get("code"))  # each round's pages have their turn
        if per_route[kind] >= PER_ROUTE:
            continue
        per_route[kind] += 1
        response = finished(client.get(path))
        seen[path] = response
        if response.status_code == 200 and "html" in response.get("Content-Type", ""):
            parser = PageParser()
            parser.feed(response.content.decode())
            queue += [p for p in (local(path, href) for href in parser.links) if p]
            forms += [(path, form) for form in parser.forms]
    return seen, forms


def hostile_paths(path):
    """``path`` with each segment in turn replaced by each hostile value, and with hostile parameters."""
    url = urlsplit(path)
    segments = url.path.strip("/").split("/")
    for i in range(len(segments)):
        for bad in HOSTILE_SEGMENTS:
            yield "/" + "/".join(segments[:i] + [bad] + segments[i + 1 :]) + "/"
    yield url.path + "?" + urlencode({**dict(parse_qsl(url.query)), **HOSTILE_QUERY})


def post_data(form, text):
    """The form's fields as a browser sends them, every text field holding ``text``; hidden fields (the
    token, versions) keep their values, choices their first value."""
    data = {}
    for name, kind, value in form["fields"]:
        if kind in ("hidden", "submit", "button", "radio", "checkbox", "select"):
            data.setdefault(name, value)
        elif kind != "file":
            data[name] = text
    return data


def test_every_page_for_every_reader_never_fails_and_refuses_whom_it_must(demo):
    users, failures, reached = demo["users"], [], set()
    member_pages = {}
    for name in READERS:
        client = client_for(users, name)
        pages, forms = crawl(client, demo["starts"])
        forms += demo["forms"]
        reached |= {route_of(p) for p, r in pages.items() if r.status_code < 400}
        for path, response in pages.items():
            if response.status_code >= 500:
                failures.append(f"{name or 'anonymous'}: GET {path} answered {response.status_code}")
            if name in DEMO_ROLES and response.status_code == 200:
                member_pages.setdefault(path, name)
        # Hostile paths and parameters: one page a route.
        first = {}
        for path in pages:
            first.setdefault(route_of(path), path)
        for path in first.values():
            for bad in hostile_paths(path):
                status = finished(client.get(bad)).status_code
                if status >= 500:
                    failures.append(f"{name or 'anonymous'}: GET {bad} answered {status}")
        # Every kind of form it was shown (a route and its fields), sent back with each hostile text and
        # empty; the forms that end the session or change its language last.
        kinds = {}
        for page, form in forms:
            action = local(page, form["action"] or page)
            route = action and route_of(action)
            if form["method"] == "post" and route and not skipped(action.lstrip("/")):
                kinds.setdefault((route, tuple(sorted(f[0] for f in form["fields"]))), (action, form))
        for action, form in sorted(kinds.values(), key=lambda kind: kind[0].startswith(LAST)):
            for data in [*(post_data(form, text) for text in HOSTILE_TEXT), {}]:
                status = finished(client.post(action, data)).status_code
                if status >= 500:
                    failures.append(
                        f"{name or 'anonymous'}: POST {action} {str(data)[:80]} answered {status}"
                    )
                elif status not in (403, 404, 405):  # the view ran: a redirect, a page or its form errors
                    reached.add(route_of(action))

    # Who must be refused: every page a member opened, asked for by an anonymous visitor and by a non-member.
    anonymous, outsider = client_for(users, None), client_for(users, "outsider")
    refused = defaultdict(int)
    for path in member_pages:
        route = route_of(path)
        status = finished(anonymous.get(path)).status_code
        if route.split(":")[-1] not in PUBLIC and status == 200:
            failures.append(f"anonymous: GET {path} ({route}) answered 200")
        refused["anonymous"] += status != 200
        if "/a/khm-20" in path:
            status = finished(outsider.get(path)).status_code
            if status == 200:
                failures.append(f"outsider: GET {path} ({route}) answered 200")
            refused["outsider"] += status != 200
    assert not failures, "\n".join(failures)
    # The crawl saw the site: the members' pages of both rounds, each refused to the two outsiders.
    assert len(member_pages) > 100 and refused["anonymous"] > 80 and refused["outsider"] > 50, refused

    missing = route_names() - reached
    assert not missing, f"routes no reader reached (link them, or start the crawl there): {sorted(missing)}"


def test_the_crawl_can_fail():
    """The checks above find what they look for: a hostile path is made for every segment, a form's text
    fields take the hostile text while its token stays, and an unknown path has no route."""
    assert "/a/99999999999999999999/review/" in set(hostile_paths("/a/khm-2023/review/"))
    form = {"fields": [("csrfmiddlewaretoken", "hidden", "t"), ("body", "textarea", ""), ("f", "file", "")]}
    assert post_data(form, "<b>") == {"csrfmiddlewaretoken": "t", "body": "<b>"}
    assert route_of("/no/such/page/") is None
    assert quote("ខ") in "".join(HOSTILE_SEGMENTS)
    assert local("/a/", "khm-2023/") == "/a/khm-2023/"
