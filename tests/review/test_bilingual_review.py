"""Review pages of a bilingual assessment: the reader's language, the fallback with a visible note, the
switch; comments stay as written; query counts do not grow with the content."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from assessments.services import save_finding
from reports.demo import seed_report
from reports.models import Recommendation, ReportSection
from review.models import Comment
from tests.factories import RecommendationFactory

from .conftest import url_of

pytestmark = pytest.mark.django_db

KM_SECTION = "ការតភ្ជាប់អ៊ីនធឺណិតបានកើនឡើងយ៉ាងឆាប់រហ័ស។"
KM_REC = "ផ្សព្វផ្សាយទិន្នន័យសាធារណៈជាទម្រង់បើកចំហ។"
KM_NARRATIVE = "រដ្ឋធម្មនុញ្ញការពារសេរីភាពនៃការបញ្ចេញមតិ។"
NOTE_KM = "Not yet written in Khmer — shown in English."


@pytest.fixture
def report(assessment):
    assessment.second_language = "km"
    assessment.save()
    seed_report(assessment)
    ReportSection.objects.filter(assessment=assessment, kind="conclusion").update(body_second=KM_SECTION)
    rec = Recommendation.objects.filter(assessment=assessment).order_by("pk").first()
    rec.text_second = KM_REC
    rec.save()
    return assessment


def page_url(assessment, lang=None):
    url = reverse("review:report", kwargs={"code": assessment.code})
    return f"{url}?lang={lang}" if lang else url


def conclusion_html(body):
    """The conclusion and its thread: up to the recommendations that follow it."""
    return body.split('id="section-conclusion"', 1)[1].split('id="recommendations"', 1)[0]


@pytest.mark.parametrize("role", ["lead", "researcher", "mab", "staff"])
def test_every_member_reads_khmer_with_fallback_notes(client, members, report, role):
    client.force_login(members[role])
    body = client.get(page_url(report, "km")).content.decode()
    # The Khmer conclusion is shown in Khmer, without a note.
    conclusion = conclusion_html(body).split("</article>", 1)[0]
    assert KM_SECTION in conclusion and NOTE_KM not in conclusion and 'lang="km"' in conclusion
    # The sections not yet written in Khmer are shown in English, each with the note.
    background = body.split('id="section-background"', 1)[1].split("</article>", 1)[0]
    assert NOTE_KM in background and 'data-testid="fallback-note"' in background
    assert '<div class="narrative" lang="en"' in background
    assert KM_REC in body
    # The switch offers English.
    assert 'data-testid="language-switch"' in body and 'href="?lang=en"' in body


def test_english_reader_sees_english_and_switches(client, members, report):
    client.force_login(members["mab"])
    body = client.get(page_url(report, "en")).content.decode()
    assert KM_SECTION not in body and KM_REC not in body
    assert NOTE_KM not in body and "Not yet written in English" not in body
    assert 'href="?lang=km"' in body
    # Without ?lang= the interface language decides (English here).
    assert KM_SECTION not in client.get(page_url(report)).content.decode()
    # With the interface in Khmer (Django's language cookie), Khmer is shown without asking.
    client.cookies["django_language"] = "km"
    assert KM_SECTION in client.get(page_url(report)).content.decode()


def test_a_one_language_assessment_has_no_switch(client, members, assessment):
    seed_report(assessment)
    client.force_login(members["mab"])
    body = client.get(page_url(assessment, "km")).content.decode()
    assert "language-switch" not in body and "fallback-note" not in body


def test_review_refuses_outsiders_and_anonymous_in_any_language(client, members, report):
    assert client.get(page_url(report, "km")).status_code == 302
    client.force_login(members["outsider"])
    assert client.get(page_url(report, "km")).status_code == 404


def test_comments_stay_as_written(client, members, report):
    client.force_login(members["mab"])
    conclusion = ReportSection.objects.get(assessment=report, kind="conclusion")
    post = reverse(
        "review:report_comment",
        kwargs={"code": report.code, "key": "reports.reportsection", "pk": conclusion.pk},
    )
    client.post(post, {"action": "comment", "body": "សូមបន្ថែមទិន្នន័យ។"})
    client.post(post, {"action": "comment", "body": "Add the 2022 figures."})
    assert Comment.objects.count() == 2
    for lang in ("en", "km"):
        html = conclusion_html(client.get(page_url(report, lang)).content.decode())
        assert "សូមបន្ថែមទិន្នន័យ។" in html and "Add the 2022 figures." in html


def test_finding_page_shows_the_readers_language_with_fallback(client, members, report):
    finding = report.findings.select_related("indicator", "assessment").get(indicator__code="R.1.1")
    save_finding(finding, by=members["researcher"], expected_version=1, fields={"narrative": "English only."})
    client.force_login(members["mab"])
    body = client.get(url_of(finding) + "?lang=km").content.decode()
    assert "English only." in body and NOTE_KM in body and 'data-testid="language-switch"' in body
    save_finding(
        finding, by=members["researcher"], expected_version=2, fields={"narrative_second": KM_NARRATIVE}
    )
    body = client.get(url_of(finding) + "?lang=km").content.decode()
    assert KM_NARRATIVE in body and NOTE_KM not in body and "English only." not in body.split("narrative")[-1]
    body = client.get(url_of(finding) + "?lang=en").content.decode()
    assert "English only." in body and KM_NARRATIVE not in body


def test_report_review_queries_do_not_grow_with_bilingual_content(client, members, report):
    client.force_login(members["mab"])

    def count():
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(page_url(report, "km")).status_code == 200
        return len(ctx)

    few = count()
    for n in range(15):
        RecommendationFactory(assessment=report, text=f"Rec {n}.", text_second=f"{KM_REC} {n}")
    assert count() == few


def test_the_revise_form_edits_both_languages(client, members, report):
    finding = report.findings.get(indicator__code="R.1.1")
    client.force_login(members["researcher"])
    body = client.get(url_of(finding)).content.decode()
    form = body.split('name="action" value="revise"', 1)[1].split("</form>", 1)[0]
    assert "Narrative evidence (English)" in form and "Narrative evidence (Khmer)" in form
    assert 'name="narrative_second"' in form and 'lang="km"' in form
    response = client.post(
        url_of(finding),
        {
            "action": "revise",
            "narrative": "Revised in English.",
            "narrative_second": KM_NARRATIVE + "\r\n<script>alert(1)</script>",
            "score": "3",
            "special_score": "",
            "version": finding.version,
        },
    )
    assert response.status_code == 302
    finding.refresh_from_db()
    assert finding.narrative == "Revised in English."
    assert finding.narrative_second == KM_NARRATIVE + "\n<script>alert(1)</script>"
    assert finding.history.first().narrative_second == finding.narrative_second
    body = client.get(url_of(finding) + "?lang=km").content.decode()
    assert KM_NARRATIVE in body and "<script>alert(1)</script>" not in body
    # A stale second save is refused and keeps what the first saved.
    response = client.post(
        url_of(finding),
        {"action": "revise", "narrative": "x", "narrative_second": "y", "version": finding.version - 1},
    )
    assert response.status_code == 400
    finding.refresh_from_db()
    assert finding.narrative_second.startswith(KM_NARRATIVE)


def test_a_one_language_assessment_revises_one_narrative(client, members, assessment):
    finding = assessment.findings.get(indicator__code="R.1.1")
    client.force_login(members["researcher"])
    body = client.get(url_of(finding)).content.decode()
    assert 'name="narrative_second"' not in body and "Narrative evidence (English)" not in body
    response = client.post(
        url_of(finding),
        {
            "action": "revise",
            "narrative": "One language.",
            "narrative_second": "ignored",
            "version": finding.version,
        },
    )
    assert response.status_code == 302
    finding.refresh_from_db()
    assert (finding.narrative, finding.narrative_second) == ("One language.", "")


def test_a_khmer_interface_names_the_languages_in_khmer(client, members, report):
    finding = report.findings.select_related("indicator", "assessment").get(indicator__code="R.1.1")
    save_finding(finding, by=members["researcher"], expected_version=1, fields={"narrative": "English only."})
    client.cookies["django_language"] = "km"
    client.force_login(members["researcher"])
    body = client.get(url_of(finding) + "?lang=km").content.decode()
    note = body.split('data-testid="fallback-note"', 1)[1].split("</", 1)[0]
    assert "ភាសាខ្មែរ" in note and "Khmer" not in note
    form = body.split('name="action" value="revise"', 1)[1].split("</form>", 1)[0]
    assert "(ភាសាខ្មែរ)" in form and "(Khmer)" not in form
