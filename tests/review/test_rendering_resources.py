"""Researchers' text loads nothing in a reader's browser (issue 11, item 1, on every surface).

The PDF path has its own test (tests/reports/test_fetcher.py); this one renders the same table of
vectors (imported from it) through every page that shows researchers' Markdown: the review finding page
(the narrative), the report review page (a section and a recommendation) and the report preview (all
three). The URLs are all same-origin or local, the ones the CSP would let through: each page's content is
parsed as a browser does (tinyhtml5) and must hold no element that loads anything, and the placeholder
must be visible. Figures ``![caption](attachment:<id>)`` naming a PNG or JPEG attachment of the same
assessment show through the members-only download URL; anything else is a placeholder.
"""

import io
import re

import markdown
import pytest
import tinyhtml5
from django.core.files.base import ContentFile
from django.urls import reverse

from assessments.models import Attachment, Finding
from assessments.services import create_assessment
from reports.demo import seed_report
from tests.reports.test_fetcher import VECTORS, fill, place_everywhere, png, shown
from tests.security.html_check import offences

# Every placeholder of the vector table, filled with URLs a browser would request from our own origin
# (or from the disk): the CSP's 'self' allows the first kind, so only the sanitiser stands in the way.
URLS = {
    "http": "/admin/logout/?probe=http",
    "https": "https://testserver/probe-https.png",
    "protorel": "//testserver/probe-protorel.png",
    "css": "/static/probe.css",
    "file_url": "file:///etc/probe.svg",
    "path": "/media/attachments/probe.svg",
    "relpath": "../probe-relative.svg",
    "file_css": "/media/probe.css",
    "svg_b64": "PHN2Zz48L3N2Zz4=",
}
SCHEME = re.compile(r"^(?!(https?|mailto):)[a-zA-Z][a-zA-Z0-9+.-]*:", re.IGNORECASE)
LOADING_ATTRIBUTES = {"src", "srcset", "data", "poster", "background", "style", "action", "formaction"}
LOADING_TAGS = {
    "img", "link", "style", "object", "iframe", "embed", "svg", "image", "video", "audio", "source",
    "picture", "script", "form", "input", "base", "meta", "frame", "track",
}  # fmt: skip


def _local(name):
    return name.rsplit("}", 1)[-1].lower() if isinstance(name, str) else ""


def loads(element):
    """[(tag, attribute, value)] of everything under ``element`` a browser would request by itself."""
    found = []
    for node in element.iter():
        tag = _local(node.tag)
        if tag in LOADING_TAGS:
            found.append((tag, None, None))
        for name, value in node.attrib.items():
            attr = _local(name)
            # A link is followed only on a click, and only to the web or mail (not a file WeasyPrint embeds).
            link_elsewhere = attr == "href" and (tag != "a" or SCHEME.match(value.strip()))
            if attr in LOADING_ATTRIBUTES or link_elsewhere:
                found.append((tag, attr, value))
    return found


def text_of(element):
    return " ".join("".join(element.itertext()).split())


def parse(html):
    return tinyhtml5.parse(io.StringIO(html), namespace_html_elements=False)


def content(html, token):
    """The one block of researchers' text on the page that starts with ``token`` (review pages), or the
    preview's whole article."""
    tree = parse(html)
    articles = [a for a in tree.iter("article") if "report-preview" in (a.get("class") or "").split()]
    if articles:
        (article,) = articles
        for parent in list(article.iter()):  # roamx's own chart (an inline SVG) is not researchers' text
            for child in [c for c in parent if c.get("class") == "chart-figure"]:
                parent.remove(child)
        return article
    blocks = [d for d in tree.iter("div") if "narrative" in (d.get("class") or "").split()]
    (block,) = [b for b in blocks if text_of(b).startswith(token)]
    return block


@pytest.fixture
def report(assessment):
    seed_report(assessment)
    return assessment


def pages(report, finding):
    """(surface, URL, token): every page that renders researchers' Markdown, with the text it shows."""
    review = reverse("review:report", kwargs={"code": report.code})
    preview = reverse("reports:preview", kwargs={"code": report.code})
    return [
        ("review-finding", finding.get_absolute_url(), "Evidence."),
        ("review-report-section", review, "Summary."),
        ("review-report-recommendation", review, "Act."),
        ("report-preview", preview, "Evidence."),
        ("report-preview", preview, "Summary."),
        ("report-preview", preview, "Act."),
    ]


@pytest.mark.parametrize(("markup", "expected"), [v[1:] for v in VECTORS], ids=[v[0] for v in VECTORS])
def test_vector_loads_nothing_on_any_page(client, members, report, markup, expected):
    finding = place_everywhere(report, fill(markup, URLS))
    expected = [f"[image not included: {shown(fill(url, URLS))}]" for url in expected]
    client.force_login(members["mab"])
    for surface, url, token in pages(report, finding):
        response = client.get(url)
        assert response.status_code == 200, (surface, url)
        html = response.content.decode()
        block = content(html, token)
        assert loads(block) == [], surface
        assert offences(html) == [], surface
        shown_text = "".join(text_of(block).split())
        for placeholder in expected:
            assert "".join(placeholder.split()) in shown_text, (surface, placeholder)


@pytest.mark.parametrize("markup", [v[1] for v in VECTORS], ids=[v[0] for v in VECTORS])
def test_the_check_can_fail(markup):
    """Each vector rendered by Markdown alone (no sanitiser) loads something, or links a local file."""
    html = markdown.markdown(fill(markup, URLS), extensions=["extra"])
    assert loads(parse(f"<div>{html}</div>").find(".//body")) != []


def attach(finding, data, name, content_type):
    return Attachment.objects.create(
        finding=finding,
        file=ContentFile(data, name=name),
        original_name=name,
        content_type=content_type,
        size=len(data),
    )


@pytest.fixture
def other_assessment(framework):
    return create_assessment(
        code="lao-2024", title="Laos", country_code="LAO", country_name="Laos", framework=framework
    )


def figure_refs(report, other_assessment):
    finding = Finding.objects.filter(assessment=report).first()
    theirs = Finding.objects.filter(assessment=other_assessment).first()
    return {
        "own-png": attach(finding, png(), "coverage.png", "image/png").pk,
        "own-pdf": attach(finding, b"%PDF-1.4\n%fake\n", "law.pdf", "application/pdf").pk,
        "other-assessment": attach(theirs, png(), "theirs.png", "image/png").pk,
        "missing": 999_999_999,
    }


def test_figures_show_only_the_assessments_own_images(client, members, report, other_assessment):
    refs = figure_refs(report, other_assessment)
    markup = "\n\n".join(f"![Figure {name}](attachment:{pk})" for name, pk in refs.items())
    finding = place_everywhere(report, markup)
    own = reverse("assessments:attachment", kwargs={"code": report.code, "pk": refs["own-png"]})
    client.force_login(members["mab"])
    for surface, url, token in pages(report, finding)[:3]:
        html = client.get(url).content.decode()
        block = content(html, token)
        assert loads(block) == [("img", None, None), ("img", "src", own)], surface
        figure = next(span for span in block.iter("span") if span.get("class") == "figure")
        assert text_of(figure) == "Figure own-png" and figure.find("img").get("alt") == "Figure own-png"
        shown_text = text_of(block)
        for name in ("own-pdf", "other-assessment", "missing"):
            assert f"[image not included: attachment:{refs[name]}]" in shown_text, (surface, name)
        assert offences(html) == []


@pytest.mark.parametrize(
    ("role", "status"),
    [("lead", 200), ("researcher", 200), ("mab", 200), ("staff", 200), ("outsider", 404), (None, 302)],
)
def test_a_figure_loads_for_members_only(client, members, report, other_assessment, role, status):
    """The figure's source is the members-only download: each member's browser gets the image, others
    (an outsider, someone signed out) get nothing from it."""
    refs = figure_refs(report, other_assessment)
    place_everywhere(report, f"![Figure](attachment:{refs['own-png']})")
    if role:
        client.force_login(members[role])
    own = reverse("assessments:attachment", kwargs={"code": report.code, "pk": refs["own-png"]})
    response = client.get(own)
    assert response.status_code == status
    if status == 200:
        assert response["Content-Type"] == "image/png" and b"".join(response.streaming_content) == png()
        page = client.get(reverse("review:report", kwargs={"code": report.code})).content.decode()
        assert f'src="{own}"' in page
