"""The report renderer fetches nothing it was not built to fetch (issue 11, item 1).

Every vector below is written into a report section, a recommendation and a finding narrative (the
annex) at once, the document is built and the chapters holding it are rendered by the same worker
function the export's pool runs. Each time: a real listener on 127.0.0.1 must receive no connection;
a local file with a unique marker must not appear in the PDF (its text, its raw bytes, every decoded
stream); the PDF embeds no image and no file; the placeholder is in the PDF's text, and the document
records the refusal with where it was. The titles and cover fields are plain text: their vectors must
stay text. Figures: an image attachment of the same assessment renders with its caption; another
assessment's, a non-image or a missing one is refused. One full export through the real db_worker
records the refused list, which the status JSON, the API and the export page show.
"""

import io
import os
import subprocess
import uuid

import pikepdf
import pytest
from django.core.files.base import ContentFile
from django.urls import reverse
from PIL import Image

from assessments.choices import StakeholderGroup
from assessments.models import Attachment, Finding
from assessments.services import create_assessment
from reports import document, pdf
from reports.choices import SectionKind
from reports.models import Recommendation, Report, ReportExport, ReportSection
from reports.pdf_worker import render_html
from tests.reports.conftest import flat, pdf_text

# (id, markup, the URLs the placeholders name). {http}, {https}, {protorel}: the listener; {file_url},
# {path}, {relpath}: the marker file (an SVG whose text would show in the PDF); {css}/{file_css}: a
# stylesheet that would write the marker.
VECTORS = [
    ("md-image-http", "![x]({http})", ["{http}"]),
    ("md-image-https", "![x]({https})", ["{https}"]),
    ("md-image-file-url", "![x]({file_url})", ["{file_url}"]),
    ("md-image-absolute-path", "![x]({path})", ["{path}"]),
    ("md-image-relative-path", "![x]({relpath})", ["{relpath}"]),
    ("md-image-protocol-relative", "![x]({protorel})", ["{protorel}"]),
    ("md-reference-image", "![x][ref]\n\n[ref]: {http}", ["{http}"]),
    ("html-img-src", '<img src="{http}" alt="x">', ["{http}"]),
    ("html-img-file", "<img src='{file_url}'>", ["{file_url}"]),
    ("html-img-srcset", '<img srcset="{http} 1x, {path} 2x">', ["{http}", "{path}"]),
    ("link-stylesheet", '<link rel="stylesheet" href="{css}">', ["{css}"]),
    ("style-import", "<style>@import url({css}); @import '{file_css}';</style>", ["{css}", "{file_css}"]),
    ("style-attribute-url", '<p style="background: url({http})">styled</p>', ["{http}"]),
    ("svg-image-href", '<svg width="20" height="20"><image href="{http}" width="20" height="20"/></svg>', ["{http}"]),
    ("svg-xlink-href", '<svg xmlns:xlink="http://www.w3.org/1999/xlink"><image xlink:href="{file_url}"/></svg>', ["{file_url}"]),
    ("object-data", '<object data="{http}" type="image/svg+xml"></object>', ["{http}"]),
    ("iframe-src", '<iframe src="{file_url}"></iframe>', ["{file_url}"]),
    ("embed-src", '<embed src="{path}">', ["{path}"]),
    ("picture-source", '<picture><source srcset="{http}"><img src="{relpath}"></picture>', ["{http}", "{relpath}"]),
    ("video-poster", '<video poster="{http}"></video>', ["{http}"]),
    ("table-background", '<table background="{file_url}"><tr><td>cell</td></tr></table>', ["{file_url}"]),
    ("data-uri-image", "![x](data:image/svg+xml;base64,{svg_b64})", ["data:image/svg+xml;base64,{svg_b64}"]),
    # WeasyPrint embeds the target of a rel=attachment link as a file in the PDF: the link loses it.
    ("link-rel-attachment", '<a rel="attachment" href="{file_url}">annex</a>', []),
]  # fmt: skip
# Text fields printed on the cover: never Markdown or HTML, so these stay text.
TITLE_FIELDS = ["title", "subtitle", "local_title", "series", "scope_note"]
TITLE_VECTORS = ["![x]({http})", '<img src="{file_url}">', '<link rel="stylesheet" href="{css}">']


@pytest.fixture
def urls(tmp_path, listener):
    """The addresses the vectors use: the listener and a local file with a unique marker."""
    import base64

    port, _connections = listener
    marker = f"MARKER{uuid.uuid4().hex}"
    svg = (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="400" height="40">'
        f'<text x="5" y="25" font-size="20">{marker}</text></svg>'
    )
    secret = tmp_path / "secret.svg"
    secret.write_text(svg)
    css = tmp_path / "secret.css"
    css.write_text(f'body::before {{ content: "{marker}"; }}')
    return {
        "marker": marker,
        "http": f"http://127.0.0.1:{port}/img-http.png",
        "https": f"https://127.0.0.1:{port}/img-https.png",
        "protorel": f"//127.0.0.1:{port}/img-protorel.png",
        "css": f"http://127.0.0.1:{port}/style.css",
        "file_url": secret.as_uri(),
        "path": str(secret),
        "relpath": os.path.relpath(secret, document.APP_DIR),
        "file_css": str(css),
        "svg_b64": base64.b64encode(svg.encode()).decode(),
    }


def fill(template, urls):
    return template.format(**urls)


def shown(url):
    """A URL as placeholders and lists show it: long ones cut at 120 characters."""
    return url if len(url) <= 120 else url[:119] + "…"


def place_everywhere(report, markup):
    """``markup`` in a section, a recommendation and a finding narrative; returns the finding."""
    ReportSection.objects.update_or_create(
        assessment=report, kind=SectionKind.EXECUTIVE_SUMMARY, defaults={"body": f"Summary.\n\n{markup}\n"}
    )
    Recommendation.objects.create(
        assessment=report, stakeholder_group=StakeholderGroup.GOVERNMENT, text=f"Act.\n\n{markup}", order=99
    )
    finding = Finding.objects.filter(assessment=report).select_related("indicator").first()
    finding.narrative = f"Evidence.\n\n{markup}\n"
    finding.save()
    return finding


def render_parts(doc, token=None, front=False):
    """Render the chapters containing ``token`` (and the front matter) as the export's workers do."""
    htmls = [doc.chapter_document(c) for c in doc.chapters if token and token in c.html]
    if front:
        htmls.append(pdf.front_document(doc))
    assert htmls
    return [render_html(html, doc.resources_for(html)) for html in htmls]


def everything_in(data):
    """The PDF's raw bytes and every stream decoded (compressed text, fonts, images)."""
    parts = [data]
    with pikepdf.open(io.BytesIO(data)) as document_:
        for obj in document_.objects:
            if isinstance(obj, pikepdf.Stream):
                try:
                    parts.append(obj.read_bytes())
                except pikepdf.PdfError:
                    parts.append(obj.read_raw_bytes())
    return b"\n".join(parts)


def image_streams(document_):
    return [o for o in document_.objects if isinstance(o, pikepdf.Stream) and o.get("/Subtype") == "/Image"]


def images_and_files(data):
    """How many images (any image XObject in the file) and embedded files the PDF holds."""
    with pikepdf.open(io.BytesIO(data)) as document_:
        return len(image_streams(document_)), len(document_.attachments)


def assert_nothing_fetched(rendered, urls, connections, tmp_path):
    assert connections() == 0, "the renderer connected to the listener"
    for n, (data, _pages, layout) in enumerate(rendered):
        assert urls["marker"].encode() not in everything_in(data)
        assert urls["marker"] not in pdf_text(data, tmp_path, f"part-{n}.pdf")
        assert images_and_files(data) == (0, 0)
        # The sanitiser took every reference out: the fetcher (the last guard) was asked for nothing else.
        assert layout["refused"] == []


@pytest.mark.parametrize(("markup", "expected"), [v[1:] for v in VECTORS], ids=[v[0] for v in VECTORS])
def test_vector_is_refused_in_section_recommendation_and_annex(
    report, urls, listener, tmp_path, markup, expected
):
    _port, connections = listener
    finding = place_everywhere(report, fill(markup, urls))
    doc = document.build(report)
    expected = [shown(fill(url, urls)) for url in expected]
    places = {
        str(SectionKind.EXECUTIVE_SUMMARY.label),
        f"Recommendation {Recommendation.objects.filter(assessment=report, stakeholder_group='government').count()} to Government",
        f"Finding {finding.indicator.code}",
    }
    refused = {(r["where"], r["url"]) for r in doc.refused}
    assert refused == {(where, url) for where in places for url in expected}

    rendered = render_parts(doc, token="Evidence.") + render_parts(doc, token="Summary.")
    rendered += render_parts(doc, token="Act.")
    assert_nothing_fetched(rendered, urls, connections, tmp_path)
    text = flat(" ".join(pdf_text(data, tmp_path, f"t{n}.pdf") for n, (data, _p, _l) in enumerate(rendered)))
    squashed = "".join(text.split())  # a long URL wraps in its box
    for url in expected:
        assert "".join(f"[image not included: {url}]".split()) in squashed


@pytest.mark.parametrize("field", TITLE_FIELDS)
def test_cover_fields_are_text(report, urls, listener, tmp_path, field):
    _port, connections = listener
    values = [fill(v, urls) for v in TITLE_VECTORS]
    Report.objects.update_or_create(assessment=report, defaults={field: " ".join(values)[:300]})
    doc = document.build(report)
    rendered = render_parts(doc, front=True)
    assert_nothing_fetched(rendered, urls, connections, tmp_path)
    assert doc.refused == []
    text = flat(pdf_text(rendered[0][0], tmp_path)).lower()
    assert "<img src=" in text, text  # shown as typed


def png(width=48, height=24, colour=(200, 30, 30)):
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), colour).save(buffer, "PNG")
    return buffer.getvalue()


def attach(finding, data, name):
    return Attachment.objects.create(
        finding=finding,
        file=ContentFile(data, name=name),
        original_name=name,
        content_type="",
        size=len(data),
    )


@pytest.fixture
def other_assessment(framework):
    return create_assessment(
        code="lao-2024", title="Laos", country_code="LAO", country_name="Laos", framework=framework
    )


def test_figure_of_the_same_assessment_renders_with_its_caption(report, tmp_path, listener):
    _port, connections = listener
    finding = Finding.objects.filter(assessment=report).first()
    figure = attach(finding, png(48, 24), "coverage.png")
    ReportSection.objects.update_or_create(
        assessment=report,
        kind=SectionKind.EXECUTIVE_SUMMARY,
        defaults={"body": f"Coverage grew.\n\n![Figure 1: Mobile coverage 2022](attachment:{figure.pk})\n"},
    )
    doc = document.build(report)
    assert doc.refused == []
    ((data, _pages, layout),) = render_parts(doc, token="Coverage grew.")
    assert layout["refused"] == [] and connections() == 0
    assert "Figure 1: Mobile coverage 2022" in flat(pdf_text(data, tmp_path))
    with pikepdf.open(io.BytesIO(data)) as rendered:
        assert [(int(i.Width), int(i.Height)) for i in image_streams(rendered)] == [(48, 24)]
    # The same image again under another name, changed: the chapter's HTML (its key) changes too.
    figure.file.save("coverage.png", ContentFile(png(48, 24, (0, 0, 200))))
    assert document.build(report).content_hash != doc.content_hash


@pytest.mark.parametrize("case", ["other-assessment", "not-an-image", "missing", "no-file-content"])
def test_figure_refused_unless_an_image_attachment_of_this_assessment(
    report, other_assessment, tmp_path, case
):
    finding = Finding.objects.filter(assessment=report).first()
    if case == "other-assessment":
        ref = attach(Finding.objects.filter(assessment=other_assessment).first(), png(), "theirs.png").pk
    elif case == "not-an-image":
        ref = attach(finding, b"%PDF-1.4\n%fake\n", "doc.pdf").pk
    elif case == "no-file-content":
        ref = attach(finding, b"\x89PNG\r\n\x1a\n", "empty.png").pk  # a PNG signature, then nothing
    else:
        ref = 999_999_999
    ReportSection.objects.update_or_create(
        assessment=report,
        kind=SectionKind.EXECUTIVE_SUMMARY,
        defaults={"body": f"S.\n\n![Fig](attachment:{ref})"},
    )
    doc = document.build(report)
    if case == "no-file-content":
        # The bytes start as a PNG, so it is served; WeasyPrint cannot decode it and shows the alt text.
        ((data, _p, layout),) = render_parts(doc, token="Fig")
        assert layout["refused"] == [] and images_and_files(data) == (0, 0)
        return
    assert doc.refused == [{"where": str(SectionKind.EXECUTIVE_SUMMARY.label), "url": f"attachment:{ref}"}]
    ((data, _p, _l),) = render_parts(doc, token="S.")
    assert f"[image not included: attachment:{ref}]" in flat(pdf_text(data, tmp_path))
    assert images_and_files(data) == (0, 0)


def test_preview_shows_figures_inline_and_refers_to_nothing_else(client, report, members, urls):
    finding = place_everywhere(report, fill(VECTORS[7][1], urls) + "\n\n" + fill(VECTORS[11][1], urls))
    figure = attach(finding, png(), "fig.png")
    section = ReportSection.objects.get(assessment=report, kind=SectionKind.EXECUTIVE_SUMMARY)
    section.body += f"\n\n![Figure 2: Prices](attachment:{figure.pk})\n"
    section.save()
    client.force_login(members["mab"])
    response = client.get(reverse("reports:preview", kwargs={"code": report.code}))
    html = response.content.decode()
    csp = response["Content-Security-Policy"]
    assert "img-src 'self' data:" in csp and "style-src 'self'" in csp
    # The article: no attribute that loads anything, but our figure's data: URI.
    import tinyhtml5

    tree = tinyhtml5.parse(html, namespace_html_elements=False)
    article = tree.find(".//article")
    loads = [
        (el.tag, name, value)
        for el in article.iter()
        for name, value in el.attrib.items()
        if name in ("src", "srcset", "data", "poster", "background", "style")
        or (name == "href" and el.tag != "a")
    ]
    assert (
        len(loads) == 1
        and loads[0][:2] == ("img", "src")
        and loads[0][2].startswith("data:image/png;base64,")
    )
    assert not article.findall(".//style") and not article.findall(".//link")
    assert "Figure 2: Prices" in html and f"[image not included: {urls['http']}]" in html
    assert urls["css"] in html  # named in the refused list, as text


@pytest.mark.django_db(transaction=True)
def test_export_records_refused_and_the_page_status_and_api_say_which(
    client, report, members, urls, listener, tmp_path, django_capture_on_commit_callbacks
):
    from django.core.management import call_command

    _port, connections = listener
    markup = "\n\n".join(fill(v[1], urls) for v in VECTORS[:3] + VECTORS[10:13])
    place_everywhere(report, markup)
    client.force_login(members["staff"])
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("reports:export", kwargs={"code": report.code}))
    call_command("db_worker", "--batch", "--no-startup-delay", verbosity=0)
    export = ReportExport.objects.get()
    assert export.status == "done", export.error
    assert connections() == 0
    with export.file.open("rb") as handle:
        data = handle.read()
    assert urls["marker"].encode() not in everything_in(data)
    assert images_and_files(data) == (0, 0)
    expected = [fill(u, urls) for v in VECTORS[:3] + VECTORS[10:13] for u in v[2]]
    assert {r["url"] for r in export.refused} == set(expected)
    # Each in the section, the recommendation and the annex, once per place however often it is named.
    assert len(export.refused) == 3 * len(set(expected))
    text = flat(pdf_text(data, tmp_path))
    assert text.count(f"[image not included: {urls['http']}]") == 3 * 2  # an image and a style

    status = client.get(
        reverse("reports:export_status", kwargs={"code": report.code, "pk": export.pk})
    ).json()
    assert status["refused"] == export.refused
    api = client.get(f"/api/assessments/{report.code}/report-exports/{export.pk}/").json()
    assert api["refused"] == export.refused
    for role in ["staff", "lead", "researcher", "mab"]:
        client.force_login(members[role])
        page = client.get(reverse("reports:report", kwargs={"code": report.code})).content.decode()
        assert f"{len(export.refused)} images or resources not included" in page
        assert (
            f"Finding {Finding.objects.filter(assessment=report).first().indicator.code}: <code>{urls['http']}</code>"
            in page
        )
    client.force_login(members["outsider"])
    assert client.get(f"/api/assessments/{report.code}/report-exports/{export.pk}/").status_code == 404


def test_fetcher_serves_only_its_allow_list(listener, urls, tmp_path):
    """The last guard on its own: a document that names everything directly (no sanitiser before it)."""
    _port, connections = listener
    named = [urls[k] for k in ("http", "https", "protorel", "file_url", "path", "relpath")]
    html = (
        f"<html><head><style>@import url({urls['css']});"
        "@font-face { font-family: Served; src: url(roamx-asset:fonts/NotoSans-Regular.ttf) }"
        f"body {{ font-family: Served; background: url({urls['file_url']}) }}</style>"
        f'<link rel="stylesheet" href="{urls["file_css"]}"></head><body><p>Text</p>'
        + "".join(f'<img src="{u}">' for u in named)
        + '<img src="roamx-asset:../pdf.css"><img src="roamx-attachment:1/abc">'
        f'<a rel="attachment" href="{urls["file_url"]}">a</a></body></html>'
    )
    data, _pages, layout = render_html(html, {})
    assert connections() == 0 and urls["marker"].encode() not in everything_in(data)
    assert images_and_files(data) == (0, 0)
    for url in [*named, urls["css"], urls["file_css"], "roamx-asset:../pdf.css", "roamx-attachment:1/abc"]:
        assert any(url in refused for refused in layout["refused"]), url
    fonts = subprocess.run(["pdffonts", "-"], input=data, capture_output=True, check=True).stdout.decode()
    assert "+Served " in fonts and "DejaVu" not in fonts  # our font, served by the fetcher


@pytest.mark.parametrize("kind", ["png", "gif"])
def test_cover_logo_read_through_storage_and_only_png_or_jpeg(client, report, members, tmp_path, kind):
    """Logos reach the worker as bytes read through their storage; a logo that is not PNG or JPEG is
    left out and listed."""
    buffer = io.BytesIO()
    Image.new("RGB", (60, 30), (250, 160, 20)).save(buffer, kind.upper())
    settings_, _created = Report.objects.get_or_create(assessment=report)
    settings_.logo.save(f"logo.{kind}", ContentFile(buffer.getvalue()))
    doc = document.build(report)
    ((data, _p, layout),) = render_parts(doc, front=True)
    assert layout["refused"] == []
    with pikepdf.open(io.BytesIO(data)) as rendered:
        sizes = [(int(i.Width), int(i.Height)) for i in image_streams(rendered)]
    client.force_login(members["mab"])
    preview = client.get(reverse("reports:preview", kwargs={"code": report.code})).content.decode()
    if kind == "png":
        assert doc.refused == [] and sizes == [(60, 30)]
        assert doc.front_context["logo"].startswith("roamx-logo:logo/")
        assert 'src="data:image/png;base64,' in preview
    else:
        assert doc.refused == [{"where": "Logo", "url": settings_.logo.name.rsplit("/", 1)[-1]}]
        assert sizes == [] and doc.front_context["logo"] == ""
        assert 'src="data:image' not in preview and "Logo: <code>" in preview
