"""A real browser requests nothing that researchers' text names (issue 11, item 1, on the review pages).

Every vector of the PDF's table (tests/reports/test_fetcher.py) goes into a report section, a
recommendation and a finding narrative, filled with same-origin URLs (the CSP allows those) that all
contain "probe". Chromium opens the report review page and the finding page as a MAB member; every
request is recorded: none may name a probe, while the one figure (an image attachment of the assessment)
is requested and shown — so the recording does see what the page loads.
"""

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse
from playwright.sync_api import expect

from assessments.models import Attachment
from reports.demo import seed_report
from tests.reports.test_fetcher import VECTORS, fill, place_everywhere, png

from .conftest import sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def probes(base):
    return {
        "http": f"{base}/admin/logout/?probe=http",
        "https": f"{base}/probe-https.png",
        "protorel": "//" + base.split("//", 1)[1] + "/probe-protorel.png",
        "css": f"{base}/static/probe.css",
        "file_url": f"{base}/probe-file.svg",
        "path": "/media/probe-path.svg",
        "relpath": "probe-relative.svg",
        "file_css": "/probe-file.css",
        "svg_b64": "PHN2Zz48L3N2Zz4=",
    }


@pytest.mark.parametrize("width", [1280, 390])
def test_review_pages_request_no_vector(browser, live_server, assessment, members, screenshot, width):
    seed_report(assessment)
    urls = probes(live_server.url)
    markup = "\n\n".join(fill(v[1], urls) for v in VECTORS)
    finding = place_everywhere(assessment, markup)
    data = png(120, 60, (40, 120, 200))
    figure = Attachment.objects.create(
        finding=finding, file=ContentFile(data, name="fig.png"), original_name="fig.png",
        content_type="image/png", size=len(data),
    )  # fmt: skip
    finding.narrative += f"\n\n![Figure 1: Coverage](attachment:{figure.pk})\n"
    finding.save()
    figure_url = reverse("assessments:attachment", kwargs={"code": assessment.code, "pk": figure.pk})

    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15_000)
    requested = []
    page.on("request", lambda request: requested.append(request.url))
    sign_in(page, live_server, "mab", "pw-test-1")

    page.goto(f"{live_server.url}{reverse('review:report', kwargs={'code': assessment.code})}")
    page.wait_for_load_state("networkidle")
    assert [u for u in requested if "probe" in u] == []
    summary = page.locator(".narrative", has_text="Summary.")
    expect(summary).to_contain_text(f"[image not included: {urls['http']}]")
    expect(page.locator(".narrative", has_text="Act.").first).to_contain_text("[image not included:")
    screenshot(page, f"review-report-placeholders-{width}", full_page=False)
    summary.scroll_into_view_if_needed()
    screenshot(page, f"review-report-placeholders-section-{width}", full_page=False)

    page.goto(f"{live_server.url}{finding.get_absolute_url()}")
    page.wait_for_load_state("networkidle")
    assert [u for u in requested if "probe" in u] == []
    narrative = page.get_by_test_id("narrative")
    expect(narrative).to_contain_text(f"[image not included: {urls['path']}]")
    expect(narrative).to_contain_text("Figure 1: Coverage")
    image = narrative.locator("img")
    expect(image).to_have_count(1)
    assert image.evaluate("img => img.complete && img.naturalWidth") == 120  # the figure did load
    narrative.scroll_into_view_if_needed()
    screenshot(page, f"review-finding-placeholders-{width}", full_page=False)
    image.scroll_into_view_if_needed()
    screenshot(page, f"review-finding-figure-{width}", full_page=False)
    context.close()

    assert [u for u in requested if "probe" in u] == []
    assert f"{live_server.url}{figure_url}" in requested
