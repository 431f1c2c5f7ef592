"""Every field a member types into, filled with the XSS corpus: for the page tests and the browser test."""

from django.core.files.base import ContentFile

from assessments.models import Attachment, Citation, DataPoint, Finding, Source
from assessments.services import save_finding
from reports.demo import seed_report
from reports.models import Recommendation, ReportSection
from review import services as review_services
from tests.security.xss_payloads import PAYLOADS, SHORT


def poison(assessment, members):
    """R.1.1 (ready for review) and the report, with a payload in every field; returns the finding."""
    mab, researcher = members["mab"], members["researcher"]
    mab.first_name = "<img src=x onerror=alert(1)>"
    mab.save()
    finding = Finding.objects.get(assessment=assessment, indicator__code="R.1.1")
    narrative = "\n\n".join(PAYLOADS)
    save_finding(
        finding,
        by=researcher,
        expected_version=finding.version,
        fields={"narrative": narrative, "status": "draft"},
    )
    save_finding(finding, by=researcher, expected_version=finding.version, fields={"status": "ready"})
    for number, payload in enumerate(PAYLOADS):
        source = Source.objects.create(
            assessment=assessment,
            type="report",
            title=payload[:500],
            author=payload[:300],
            # Stored through the ORM, past the URL validation forms and the API apply.
            url=f"https://example.org/{number}?q={payload}"[:1000],
        )
        Citation.objects.create(finding=finding, source=source, locator=payload[:200])
    sources = list(Source.objects.filter(assessment=assessment))
    for number, payload in enumerate(SHORT):
        DataPoint.objects.create(
            finding=finding,
            value=number,
            unit=payload[:50],
            year=2020,
            group=payload[:100],
            source=sources[number],
        )
    for payload in PAYLOADS[:12]:
        Attachment.objects.create(
            finding=finding,
            file=ContentFile(b"%PDF-1.4 test", name="evidence.pdf"),
            original_name=(payload + ".pdf")[-255:],
            content_type="application/pdf",
            size=13,
            description=payload[:300],
        )
    for payload in PAYLOADS:
        comment = review_services.add_comment(finding, by=mab, body=payload)
        review_services.resolve_comment(comment, by=researcher, disposition="accepted", reason=payload)
    review_services.add_comment(finding, by=mab, body=PAYLOADS[0])  # one left open
    review_services.cast_vote(finding, by=mab, verdict="needs_revision", body=PAYLOADS[2])
    seed_report(assessment)
    ReportSection.objects.filter(assessment=assessment).update(body=narrative)
    for payload in PAYLOADS:
        recommendation = Recommendation.objects.create(
            assessment=assessment, stakeholder_group="government", text=payload, priority="high"
        )
        recommendation.findings.add(finding)
    return finding
