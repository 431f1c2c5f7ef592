"""The report's content under review: sections and recommendations with comment threads."""

import csv
import io
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from assessments.choices import Role, StakeholderGroup
from assessments.models import Finding
from reports.demo import seed_report
from reports.models import Recommendation, ReportSection
from review import services, targets
from review.models import Comment, Notification
from tests.factories import MembershipFactory


@pytest.fixture
def report(assessment):
    seed_report(assessment)
    return assessment


def page_url(assessment):
    return reverse("review:report", kwargs={"code": assessment.code})


def post_url(obj):
    return reverse(
        "review:report_comment",
        kwargs={"code": obj.assessment.code, "key": targets.key_for(obj), "pk": obj.pk},
    )


def item_html(body, anchor):
    """The page's HTML for one section or recommendation, up to the next item."""
    rest = body.split(f'id="{anchor}"', 1)[1]
    return re.split(r'class="[^"]*report-item|id="recommendations"', rest, maxsplit=1)[0]


def section(assessment, kind="findings_A"):
    return ReportSection.objects.select_related("assessment").get(assessment=assessment, kind=kind)


def recommendation(assessment, start="Establish an independent data protection authority"):
    return Recommendation.objects.select_related("assessment").get(
        assessment=assessment, text__startswith=start
    )


@pytest.mark.parametrize("role", ["lead", "researcher", "mab", "staff"])
def test_every_member_reads_the_report_content(client, members, report, role):
    client.force_login(members[role])
    response = client.get(page_url(report))
    assert response.status_code == 200
    body = response.content.decode()
    # Sections rendered from Markdown, in the report's order; recommendations grouped by stakeholder.
    assert "<strong>Internet Universality</strong>" in body
    assert body.index("Executive summary") < body.index("Key findings: Rights") < body.index("Conclusion")
    assert body.index('id="group-government"') < body.index('id="group-judiciary"')
    assert "Establish an independent data protection authority." in body
    assert "13 recommendations" in body


def test_report_review_refuses_outsiders_and_anonymous(client, members, report):
    assert client.get(page_url(report)).status_code == 302
    client.force_login(members["outsider"])
    assert client.get(page_url(report)).status_code == 404
    for target in (section(report), recommendation(report)):
        response = client.post(post_url(target), {"action": "comment", "body": "Let me in."})
        assert response.status_code == 404
    assert not Comment.objects.exists()


def test_report_content_markdown_is_sanitised(client, members, report):
    ReportSection.objects.filter(assessment=report, kind="conclusion").update(
        body='Fine <script>alert("x")</script> and [a link](javascript:alert(1)) <img src=x onerror=alert(2)>'
    )
    client.force_login(members["mab"])
    body = client.get(page_url(report)).content.decode()
    assert "<script>alert" not in body and "javascript:alert" not in body and "onerror" not in body
    assert "Fine" in body


def test_mab_member_comments_on_a_section_and_a_recommendation(client, members, report):
    client.force_login(members["mab"])
    access = section(report)
    response = client.post(post_url(access), {"action": "comment", "body": "Lead with the rural gap."})
    comment = Comment.objects.get(body="Lead with the rural gap.")
    assert response.status_code == 302
    assert response["Location"] == f"{page_url(report)}#comment-{comment.pk}"
    assert (comment.target, comment.author_role, comment.category) == (access, Role.MAB, "A")

    rec = recommendation(report)
    client.post(post_url(rec), {"action": "comment", "body": "Tie it to the draft law."})
    on_rec = Comment.objects.get(body="Tie it to the draft law.")
    assert on_rec.target == rec and on_rec.category == "R"  # the recommendation's one category

    body = client.get(page_url(report)).content.decode()
    # Each comment sits in the thread of its own item.
    section_html = item_html(body, "section-findings_A")
    assert "Lead with the rural gap." in section_html and "Tie it to the draft law." not in section_html
    rec_html = item_html(body, f"recommendation-{rec.pk}")
    assert "Tie it to the draft law." in rec_html
    assert "1 open MAB comment" in rec_html


def test_a_section_without_a_category_has_none(client, members, report):
    client.force_login(members["staff"])
    summary = section(report, "executive_summary")
    assert client.post(post_url(summary), {"action": "comment", "body": "Add the dates."}).status_code == 302
    comment = Comment.objects.get(body="Add the dates.")
    assert comment.category == "" and comment.author_role == Role.STAFF


def test_refused_comment_is_shown_again_in_its_own_thread(client, members, report):
    client.force_login(members["mab"])
    rec = recommendation(report)
    response = client.post(post_url(rec), {"action": "comment", "body": "   "})
    assert response.status_code == 400
    body = response.content.decode()
    rec_html = item_html(body, f"recommendation-{rec.pk}")
    assert "This field is required." in rec_html or "Write a comment." in rec_html
    assert body.count('role="alert"') == 1
    assert not Comment.objects.exists()


def test_researcher_resolves_with_a_disposition_and_mab_cannot(client, members, report):
    rec = recommendation(report)
    comment = services.add_comment(rec, by=members["mab"], body="Say when.")
    client.force_login(members["mab"])
    response = client.post(
        post_url(rec),
        {"action": "resolve", "comment": comment.pk, "disposition": "accepted", "reason": "mine"},
    )
    assert response.status_code == 403
    client.force_login(members["researcher"])
    refused = client.post(post_url(rec), {"action": "resolve", "comment": comment.pk})
    assert refused.status_code == 400
    assert "A MAB member&#x27;s comment needs a disposition." in refused.content.decode()
    comment.refresh_from_db()
    assert comment.is_open
    done = client.post(
        post_url(rec),
        {
            "action": "resolve",
            "comment": comment.pk,
            "disposition": "partly_accepted",
            "reason": "Timing added.",
        },
    )
    assert done.status_code == 302
    comment.refresh_from_db()
    assert (comment.status, comment.disposition, comment.resolved_by) == (
        "resolved",
        "partly_accepted",
        members["researcher"],
    )


def test_mab_member_cannot_edit_the_report_content(client, members, report):
    """Not on the review page (there is no such action) and not by crafted posts to the workspace."""
    mab = members["mab"]
    mab.is_staff = True  # even with admin access, the role decides
    mab.save()
    client.force_login(mab)
    access, rec = section(report), recommendation(report)
    before = (access.body, rec.text, Recommendation.objects.count())
    for action in ("revise", "edit_content", "delete"):
        response = client.post(post_url(access), {"action": action, "body": "Rewritten by the board."})
        assert response.status_code == 400
    # "edit" edits one's own comment: without a comment of theirs it finds nothing.
    assert client.post(post_url(access), {"action": "edit", "body": "x"}).status_code == 404
    change = reverse("admin:reports_reportsection_change", args=[access.pk])
    assert (
        client.post(change, {"assessment": report.pk, "kind": access.kind, "body": "Rewritten."}).status_code
        == 403
    )
    rec_change = reverse("admin:reports_recommendation_change", args=[rec.pk])
    assert client.post(rec_change, {"text": "Rewritten.", "assessment": report.pk}).status_code == 403
    add = reverse("admin:reports_recommendation_add")
    response = client.post(
        add,
        {
            "assessment": report.pk,
            "stakeholder_group": "government",
            "text": "New.",
            "priority": "high",
            "order": 1,
        },
    )
    assert response.status_code == 403
    delete = reverse("admin:reports_recommendation_delete", args=[rec.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 403
    access.refresh_from_db()
    rec.refresh_from_db()
    assert (access.body, rec.text, Recommendation.objects.count()) == before


def test_findings_and_other_assessments_are_not_report_targets(client, members, report, framework):
    from assessments.services import create_assessment

    client.force_login(members["mab"])
    finding = Finding.objects.select_related("assessment", "indicator").filter(assessment=report).first()
    url = reverse("review:report_comment", args=[report.code, targets.key_for(finding), finding.pk])
    assert client.post(url, {"action": "comment", "body": "x"}).status_code == 404
    other = create_assessment(
        code="lao-2024", title="Laos", country_code="LAO", country_name="Laos", framework=framework
    )
    seed_report(other)
    foreign = section(other)
    url = reverse("review:report_comment", args=[report.code, targets.key_for(foreign), foreign.pk])
    assert client.post(url, {"action": "comment", "body": "x"}).status_code == 404
    assert client.get(url).status_code == 405
    assert not Comment.objects.exists()


def test_mention_on_a_recommendation_mails_a_link_to_the_report_page(members, report):
    rec = recommendation(report)
    services.add_comment(rec, by=members["researcher"], body="@mab does the timing work for you?")
    notification = Notification.objects.get(recipient=members["mab"])
    assert "Recommendation 2 · Government: Establish an independent data protection" in notification.subject
    assert notification.url.endswith(f"{page_url(report)}#comment-{Comment.objects.get().pk}")


def test_matrix_lists_report_comments_with_their_item(client, members, report):
    finding = Finding.objects.get(assessment=report, indicator__code="R.1.1")
    on_finding = services.add_comment(finding, by=members["mab"], body="On the finding.")
    on_section = services.add_comment(section(report), by=members["mab"], body="On the access summary.")
    on_rec = services.add_comment(recommendation(report), by=members["mab"], body="On the authority.")
    services.resolve_comment(on_rec, by=members["lead"], disposition="not_accepted", reason="Out of scope.")
    client.force_login(members["staff"])
    url = reverse("review:matrix", args=[report.code])
    body = client.get(url).content.decode()
    assert "3 comments" in body
    assert "Report: Key findings: Access" in body
    assert "Recommendation 2 · Government: Establish an independent data protection authority." in body
    assert f'href="{page_url(report)}#comment-{on_section.pk}"' in body
    assert f'href="{page_url(report)}#comment-{on_rec.pk}"' in body

    only_report = client.get(url, {"item": "report"}).content.decode()
    assert "On the access summary." in only_report and "On the finding." not in only_report
    only_findings = client.get(url, {"item": "findings"}).content.decode()
    assert "On the finding." in only_findings and "On the authority." not in only_findings
    assert client.get(url, {"category": "A"}).content.decode().count("On the access summary.") == 1

    response = client.get(url, {"export": "csv", "item": "report"})
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert len(rows) == 3
    by_comment = {row[6]: row for row in rows[1:]}
    assert by_comment["On the access summary."][1:3] == ["A", "Report: Key findings: Access"]
    assert by_comment["On the authority."][2].startswith("Recommendation 2 · Government")
    assert by_comment["On the authority."][8:10] == ["Not accepted", "Out of scope."]
    assert on_finding.pk  # the finding's comment is in the full export, not in this filtered one


def _count(client, url):
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx)


def test_report_review_queries_do_not_grow_with_items_or_comments(client, members, report):
    client.force_login(members["researcher"])
    # A few of everything first, so "few" and "many" differ only in numbers.
    first = services.add_comment(recommendation(report), by=members["mab"], body="first")
    services.add_comment(section(report), by=members["mab"], body="on a section @researcher")
    services.add_comment(recommendation(report), by=members["researcher"], body="reply", parent=first)
    few = _count(client, page_url(report))
    findings = list(Finding.objects.filter(assessment=report)[:5])
    for i in range(25):
        rec = Recommendation.objects.create(
            assessment=report, stakeholder_group=StakeholderGroup.ACADEMIA, text=f"Extra {i}", order=100 + i
        )
        rec.findings.set(findings)
        rec.categories.set(report.framework.categories.all()[:2])
        extra = MembershipFactory(assessment=report, role=Role.MAB).user
        c = services.add_comment(rec, by=extra, body=f"comment {i} @mab")
        services.add_comment(rec, by=members["lead"], body="answer", parent=c)
        if i % 2:
            services.resolve_comment(c, by=members["lead"], disposition="accepted", reason="done")
    for kind in ("background", "conclusion", "findings_R"):
        services.add_comment(section(report, kind), by=members["mab"], body="more")
    many = _count(client, page_url(report))
    assert few == many
    assert "38 recommendations" in client.get(page_url(report)).content.decode()


def test_report_review_is_linked_from_the_review_nav_and_the_report_page(client, members, report):
    client.force_login(members["mab"])
    overview = client.get(reverse("review:overview", args=[report.code])).content.decode()
    assert f'href="{page_url(report)}"' in overview
    report_page = client.get(reverse("reports:report", args=[report.code])).content.decode()
    assert f'href="{page_url(report)}"' in report_page


def test_empty_report_says_so(client, members, assessment):
    client.force_login(members["mab"])
    body = client.get(page_url(assessment)).content.decode()
    assert "has not written any report content yet" in body


def test_attachments_link_to_the_members_only_download(client, members, finding):
    attachment = finding.attachments.get()
    url = reverse("assessments:attachment", args=[finding.assessment.code, attachment.pk])
    assert attachment.get_absolute_url() == url
    client.force_login(members["mab"])
    page = client.get(finding.get_absolute_url()).content.decode()
    assert f'<a href="{url}">telecom-law.pdf</a>' in page
    download = client.get(url)
    assert download.status_code == 200 and download["Content-Disposition"].startswith("attachment")
    assert b"".join(download.streaming_content) == b"%PDF-1.4 test"
    client.force_login(members["outsider"])
    assert client.get(url).status_code == 404
