"""The report workspace (/a/<code>/report/write/): roles, saving with versions, the preview through the
PDF's renderer, the evidence and the open MAB comments beside the editor."""

import re

import pytest
from django.urls import reverse

from assessments.choices import FindingStatus, Role
from reports.choices import SectionKind
from reports.models import ReportSection
from reports.workspace import MAX_SECTION_CHARS, SectionConflict, preview_html, save_section
from tests.factories import (
    AttachmentFactory,
    CitationFactory,
    CommentFactory,
    FindingFactory,
    ReportSectionFactory,
)

pytestmark = pytest.mark.django_db

PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4"
    b"\x89\x00\x00\x00\rIDATx\x9cc\xf8\xcf\xc0\xf0\x1f\x00\x05\x00\x01\xff\x89\x99=\x1d\x00\x00\x00\x00IEND"
    b"\xaeB`\x82"
)
KIND = SectionKind.FINDINGS_A


def urls(code="khm-2023", kind=KIND):
    return {
        "index": reverse("reports:write", args=[code]),
        "section": reverse("reports:write_section", args=[code, kind]),
        "preview": reverse("reports:write_preview", args=[code, kind]),
    }


def image(assessment, code="A.1.1", description="Mobile coverage map"):
    finding = FindingFactory(assessment=assessment, code=code)
    from django.core.files.base import ContentFile

    attachment = AttachmentFactory(
        finding=finding, file=ContentFile(PNG, name="map.png"), original_name="map.png",
        content_type="image/png", size=len(PNG), description=description,
    )  # fmt: skip
    return attachment


@pytest.fixture
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


# -- roles


@pytest.mark.parametrize("role", ["lead", "researcher", "mab", "staff"])
def test_every_member_reads_the_workspace(client, members, role):
    client.force_login(members[role])
    assert client.get(urls()["index"]).status_code == 200
    page = client.get(urls()["section"])
    assert page.status_code == 200
    editable = role in ("lead", "researcher")
    assert (b'id="section-form"' in page.content) is editable


@pytest.mark.parametrize("name", ["index", "section", "preview"])
def test_outsiders_and_anonymous_see_nothing(client, members, name):
    client.force_login(members["outsider"])
    method = client.post if name == "preview" else client.get
    assert method(urls()[name]).status_code == 404
    assert client.post(urls()["section"], {"body": "x", "loaded_version": 0}).status_code == 404
    client.logout()
    assert method(urls()[name]).status_code == 302  # to sign in


@pytest.mark.parametrize("role", ["mab", "staff"])
def test_readers_cannot_write_or_preview(client, members, assessment, role):
    client.force_login(members[role])
    assert (
        client.post(urls()["section"], {"body": "x", "loaded_version": 0, "action": "save"}).status_code
        == 403
    )
    assert (
        client.post(urls()["section"], {"body": "x", "loaded_version": 0, "action": "preview"}).status_code
        == 403
    )
    assert client.post(urls()["preview"], {"body": "x"}).status_code == 403
    assert not ReportSection.objects.filter(assessment=assessment, kind=KIND).exists()
    with pytest.raises(Exception, match="not allow"):
        save_section(assessment, KIND, by=members[role], expected_version=0, body="x")


def test_unknown_section_is_404(client, members):
    client.force_login(members["researcher"])
    assert client.get(urls(kind="nonsense")["section"]).status_code == 404


# -- saving


@pytest.mark.parametrize("role", ["lead", "researcher"])
def test_writers_save_a_section(client, members, assessment, role):
    client.force_login(members[role])
    answer = client.post(
        urls()["section"], {"body": "Access grew.\r\n\r\nFast.", "loaded_version": 0, "action": "save"}
    )
    assert answer.status_code == 302
    section = ReportSection.objects.get(assessment=assessment, kind=KIND)
    assert (section.body, section.version, section.updated_by) == ("Access grew.\n\nFast.", 1, members[role])
    page = client.get(urls()["section"])
    assert b"Access grew." in page.content and b"Version 1" in page.content


def test_a_stale_save_is_refused_and_nothing_is_lost(client, members, assessment):
    ReportSectionFactory(assessment=assessment, kind=KIND, body="First text.")
    client.force_login(members["researcher"])
    loaded = ReportSection.objects.get(assessment=assessment, kind=KIND).version
    # The lead saves meanwhile.
    save_section(assessment, KIND, by=members["lead"], expected_version=loaded, body="The lead's text.")
    mine = "My text, written <em>carefully</em> over an hour."
    answer = client.post(urls()["section"], {"body": mine, "loaded_version": loaded, "action": "save"})
    assert answer.status_code == 409
    html = answer.content.decode()
    assert "Nothing was saved" in html
    assert "The lead&#x27;s text." in html or "The lead's text." in html  # theirs is shown
    assert "My text, written &lt;em&gt;carefully&lt;/em&gt; over an hour." in html  # mine is kept
    assert ReportSection.objects.get(assessment=assessment, kind=KIND).body == "The lead's text."
    # Having seen theirs, the author may choose to replace it.
    version = ReportSection.objects.get(assessment=assessment, kind=KIND).version
    answer = client.post(
        urls()["section"],
        {
            "body": mine,
            "loaded_version": loaded,
            "overwrite_version": version,
            "overwrite": "on",
            "action": "save",
        },
    )
    assert answer.status_code == 302
    assert ReportSection.objects.get(assessment=assessment, kind=KIND).body == mine


def test_overwrite_of_a_version_not_seen_is_refused(members, assessment):
    save_section(assessment, KIND, by=members["lead"], expected_version=0, body="one")
    save_section(assessment, KIND, by=members["lead"], expected_version=1, body="two")
    with pytest.raises(SectionConflict) as exc:
        save_section(assessment, KIND, by=members["researcher"], expected_version=1, body="mine")
    assert exc.value.section.body == "two" and members["lead"].get_full_name() in str(exc.value)


def test_a_failed_save_keeps_the_text(client, members, assessment):
    client.force_login(members["researcher"])
    long_text = "Words that must not be lost. " + "x" * MAX_SECTION_CHARS
    answer = client.post(urls()["section"], {"body": long_text, "loaded_version": 0, "action": "save"})
    assert answer.status_code == 400
    assert "Words that must not be lost." in answer.content.decode()
    assert "at most" in answer.content.decode()
    assert not ReportSection.objects.filter(assessment=assessment, kind=KIND).exists()


def test_an_unchanged_save_writes_nothing(members, assessment):
    section = save_section(assessment, KIND, by=members["lead"], expected_version=0, body="same")
    again = save_section(assessment, KIND, by=members["lead"], expected_version=1, body="same")
    assert again.version == section.version == 1


# -- preview


def test_preview_without_script_shows_the_posted_text_and_saves_nothing(client, members, assessment):
    client.force_login(members["researcher"])
    answer = client.post(
        urls()["section"], {"body": "**Draft** idea", "loaded_version": 0, "action": "preview"}
    )
    assert answer.status_code == 200
    assert "<strong>Draft</strong> idea" in answer.content.decode()
    assert not ReportSection.objects.filter(assessment=assessment, kind=KIND).exists()


HOSTILE = """<script>alert(1)</script><img src=x onerror=alert(2)>
<a href="javascript:alert(3)">click</a> <iframe src="https://evil.example"></iframe>
<svg><image href="https://evil.example/t.png"/></svg> <p style="background:url(https://evil.example/b)">p</p>
![x](https://evil.example/track.png)"""


def test_hostile_markdown_is_inert_in_the_preview(client, members):
    client.force_login(members["researcher"])
    for answer in (
        client.post(urls()["preview"], {"body": HOSTILE}),
        client.post(urls()["section"], {"body": HOSTILE, "loaded_version": 0, "action": "preview"}),
    ):
        html = answer.content.decode()
        preview = html[html.index('class="report-preview"') :]
        assert "<script>alert" not in preview and "onerror" not in preview
        assert "javascript:" not in preview and "<iframe" not in preview and "<svg" not in preview
        assert "evil.example/t.png" not in re.findall(r'src="([^"]*)"', preview)
        assert not re.search(r'src="https?://', preview) and "style=" not in preview
        assert "[image not included: https://evil.example/track.png]" in preview


def test_figures_are_numbered_across_the_report(members, assessment, media_root):
    first, second = image(assessment, "A.1.1"), image(assessment, "A.2.1", "Prices")
    ReportSectionFactory(
        assessment=assessment, kind=SectionKind.BACKGROUND, body=f"![Earlier](attachment:{first.pk})"
    )
    html, refused = preview_html(assessment, KIND, f"Text\n\n![Prices](attachment:{second.pk})")
    assert "Figure 2" in html and "Figure 1" not in html and refused == []
    assert 'src="data:image/png;base64,' in html
    # The whole report (the PDF's HTML) numbers them the same way.
    from reports import document

    ReportSectionFactory(assessment=assessment, kind=KIND, body=f"![Prices](attachment:{second.pk})")
    doc = document.build(assessment)
    body = "".join(c.html for c in doc.chapters)
    assert re.search(r"Figure 1</span>: Earlier", body) and re.search(r"Figure 2</span>: Prices", body)


def test_tables_render_in_the_preview(members, assessment):
    html, _refused = preview_html(assessment, KIND, "| Year | Users |\n|---|--:|\n| 2022 | 41.5% |\n")
    assert "<table>" in html and "<th>Users</th>" in html and "<td>41.5%</td>" in html


# -- beside the editor


def test_the_evidence_of_the_category_is_listed_and_filtered(client, members, assessment):
    a = FindingFactory(assessment=assessment, code="A.1.1", narrative="Mobile broadband reaches most people.",
                       status=FindingStatus.DRAFT, score=2)  # fmt: skip
    CitationFactory(finding=a, source__title="Telecom Regulator Annual Report 2022", locator="p. 9")
    FindingFactory(assessment=assessment, code="R.1.1", narrative="A rights finding.")
    client.force_login(members["mab"])
    html = client.get(urls()["section"]).content.decode()
    assert "A.1.1" in html and "Mobile broadband reaches most people." in html
    assert "Telecom Regulator Annual Report 2022" in html and "p. 9" in html
    assert "A rights finding." not in html
    assert a.get_absolute_url() in html
    html = client.get(urls()["section"], {"status": FindingStatus.ENDORSED}).content.decode()
    assert "Mobile broadband reaches most people." not in html
    html = client.get(urls()["section"], {"score": "2", "core": "core"}).content.decode()
    assert "Mobile broadband reaches most people." in html


def test_open_mab_comments_on_the_section_are_shown(client, members, assessment):
    section = ReportSectionFactory(assessment=assessment, kind=KIND)
    CommentFactory(target=section, author=members["mab"], author_role=Role.MAB, body="Add the rural gap.")
    client.force_login(members["researcher"])
    html = client.get(urls()["section"]).content.decode()
    assert "Open MAB comments" in html and "Add the rural gap." in html


def test_insert_figure_lists_the_assessments_images(client, members, assessment, media_root):
    attachment = image(assessment)
    client.force_login(members["researcher"])
    html = client.get(urls()["section"]).content.decode()
    assert f"![Mobile coverage map](attachment:{attachment.pk})" in html


def test_section_page_queries_do_not_grow_with_findings_or_comments(
    client, members, assessment, django_assert_max_num_queries
):
    section = ReportSectionFactory(assessment=assessment, kind=KIND)
    client.force_login(members["researcher"])
    client.get(urls()["section"])
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        client.get(urls()["section"])
    for n, code in enumerate(["A.1.1", "A.2.1", "A.3.1", "A.5.1", "A.6.1"]):
        finding = FindingFactory(assessment=assessment, code=code, narrative=f"Narrative {n}")
        CitationFactory(finding=finding)
        CitationFactory(finding=finding)
        CommentFactory(target=section, author=members["mab"], author_role=Role.MAB, body=f"Comment {n}")
    with django_assert_max_num_queries(len(few)):
        client.get(urls()["section"])


def test_the_pdf_numbers_figures_and_prints_tables(members, assessment, media_root, tmp_path):
    """The real PDF (WeasyPrint, read back with pdftotext): what the workspace previews is what it prints."""
    from reports import document, pdf
    from tests.reports.conftest import flat, pdf_text

    first, second = image(assessment, "A.1.1"), image(assessment, "A.2.1", "Prices")
    save_section(assessment, SectionKind.BACKGROUND, by=members["lead"], expected_version=0,
                 body=f"![Coverage](attachment:{first.pk})")  # fmt: skip
    body = f"| Year | Users |\n|---|---|\n| 2022 | 41.5% |\n\n![Prices](attachment:{second.pk})"
    save_section(assessment, KIND, by=members["researcher"], expected_version=0, body=body)
    preview, _refused = preview_html(assessment, KIND, body)
    text = flat(pdf_text(pdf.render_report(document.build(assessment)).pdf, tmp_path))
    assert "Figure 1: Coverage" in text and "Figure 2: Prices" in text
    assert "Year Users 2022 41.5%" in text
    assert "Figure 2" in preview


def test_a_save_in_the_admin_makes_a_workspace_save_stale(client, members, assessment):
    section = save_section(assessment, KIND, by=members["researcher"], expected_version=0, body="Mine.")
    client.force_login(members["lead"])
    url = reverse("admin:reports_reportsection_change", args=[section.pk])
    form = client.get(url).content.decode()
    assert 'name="loaded_version" value="1"' in form
    answer = client.post(
        url,
        {"assessment": assessment.pk, "kind": KIND, "body": "The lead's, in the admin.", "loaded_version": 1},
    )
    assert answer.status_code == 302
    section.refresh_from_db()
    assert (section.version, section.updated_by) == (2, members["lead"])
    with pytest.raises(SectionConflict):
        save_section(assessment, KIND, by=members["researcher"], expected_version=1, body="Mine, later.")


@pytest.mark.parametrize("loaded", ["0", "", "abc"])
def test_a_stale_admin_form_is_refused_and_keeps_its_text(client, members, assessment, loaded):
    """The admin's section form loaded before a workspace save (or sent without a version) saves nothing
    and shows the author's own text again with the reason."""
    section = save_section(assessment, KIND, by=members["researcher"], expected_version=0, body="Mine.")
    client.force_login(members["lead"])
    url = reverse("admin:reports_reportsection_change", args=[section.pk])
    answer = client.post(
        url,
        {
            "assessment": assessment.pk,
            "kind": KIND,
            "body": "The lead's <b>stale</b> text.",
            "loaded_version": loaded,
        },
    )
    body = answer.content.decode()
    assert answer.status_code == 200
    assert "Nothing was saved" in body or "Enter a whole number" in body
    assert "The lead&#x27;s &lt;b&gt;stale&lt;/b&gt; text." in body
    section.refresh_from_db()
    assert (section.body, section.version, section.updated_by) == ("Mine.", 1, members["researcher"])
