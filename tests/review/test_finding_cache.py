"""The finding's review page keeps its body's HTML under a key of everything the body shows
(review.queries.finding_page_state, review.views.pages._body_key): a repeat visit reads no finding,
evidence, thread or votes, no request's CSRF token is kept in a copy, and every kind of change shows at
once — the finding, its evidence and their sources, comments and votes and the people they name, the
catalogue, the assessment, the reader's role, language and time zone, the reader's own edit window and
last visit, and each reader's own view."""

import pickle
import re
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from assessments.choices import Role
from assessments.models import Assessment, Attachment, Citation, DataPoint, Finding, Membership, Source
from assessments.services import save_finding
from indicators.models import Category, Indicator, Question, Theme
from review import services
from review.models import Comment, LastSeen, Vote
from tests.factories import CitationFactory, MembershipFactory, SourceFactory
from toolkit.csrf import CSRF_PLACEHOLDER

from .conftest import url_of

TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def page(client, finding, **params):
    response = client.get(url_of(finding), params)
    assert response.status_code == 200
    return response.content.decode()


def edit(finding, by, **fields):
    current = Finding.objects.select_related("assessment").get(pk=finding.pk)
    save_finding(current, by=by, expected_version=current.version, fields=fields)


def test_a_repeat_visit_reuses_the_body(client, members, finding):
    client.force_login(members["mab"])
    services.add_comment(finding, by=members["staff"], body="A question.")
    page(client, finding)
    with CaptureQueriesContext(connection) as cached:
        first = page(client, finding)
    cache.clear()
    with CaptureQueriesContext(connection) as fresh:
        again = page(client, finding)
    assert TOKEN.sub("", first) == TOKEN.sub("", again)
    read = [q["sql"] for q in cached.captured_queries]
    for table in ("assessments_finding", "assessments_citation", "review_vote", "review_comment"):
        assert not any(sql.startswith(f'SELECT "{table}".') for sql in read)  # only in the state query
    assert len(fresh) - len(cached) >= 6


def test_no_copy_keeps_a_csrf_token_and_each_page_has_its_own(members, finding):
    reader = Client(enforce_csrf_checks=True)
    reader.force_login(members["mab"])
    page(reader, finding)
    body = page(reader, finding)  # from the cache
    tokens = TOKEN.findall(body)
    assert len(tokens) >= 4 and len(set(tokens)) == 1 and CSRF_PLACEHOLDER not in body
    copies = [pickle.loads(v) for k, v in cache._cache.items() if "review-finding:" in k]
    assert copies and all(set(TOKEN.findall(copy)) == {CSRF_PLACEHOLDER} for copy in copies)
    # The token put in works: the comment form posts.
    response = reader.post(
        url_of(finding),
        {"action": "comment", "body": "Posted from a cached page.", "csrfmiddlewaretoken": tokens[0]},
    )
    assert response.status_code == 302
    assert "Posted from a cached page." in page(reader, finding)
    # Another person's page carries their token, not the first reader's.
    other = Client(enforce_csrf_checks=True)
    other.force_login(members["researcher"])
    assert not set(TOKEN.findall(page(other, finding))) & set(tokens)


def test_the_finding_and_its_evidence_show_at_once(client, members, finding):
    researcher, mab = members["researcher"], members["mab"]
    client.force_login(mab)
    page(client, finding)
    edit(finding, researcher, narrative="A **new** narrative.")
    body = page(client, finding)
    assert "<strong>new</strong>" in body and 'data-testid="changed-flag"' in body
    assert 'data-testid="changed-flag"' not in page(client, finding)  # seen now
    edit(finding, researcher, score=4)
    assert "4 — " in page(client, finding)
    edit(finding, researcher, confidence="high")
    assert "<dd>High</dd>" in page(client, finding)
    edit(finding, researcher, assignee=members["lead"])
    assert f"<dt>Assignee</dt><dd>{members['lead'].get_full_name()}</dd>" in page(client, finding)
    type(members["lead"]).objects.filter(pk=members["lead"].pk).update(first_name="Dara", last_name="Lim")
    assert "<dt>Assignee</dt><dd>Dara Lim</dd>" in page(client, finding)
    # Archiving writes with update(): the row itself is in the key.
    Finding.objects.filter(pk=finding.pk).update(status="draft")
    assert "Draft" in page(client, finding).split('data-testid="finding-status">')[1][:20]

    # Sources and data points, and the sources they cite.
    source = SourceFactory(assessment=finding.assessment, title="Press freedom index", url="")
    citation = CitationFactory(finding=finding, source=source, locator="p. 4")
    assert "Press freedom index" in page(client, finding)
    source.title = "Press freedom index 2024"
    source.save()
    assert "Press freedom index 2024" in page(client, finding)
    citation.locator = "p. 9"
    citation.save()
    assert "p. 9" in page(client, finding)
    Citation.objects.filter(pk=citation.pk).delete()
    assert "Press freedom index" not in page(client, finding)
    point = DataPoint.objects.get(finding=finding)
    point.unit = "per 100 people"
    point.save()
    assert "per 100 people" in page(client, finding)
    Source.objects.filter(pk=point.source_id).delete()  # the data point stays, without a source
    assert "Household survey" not in page(client, finding)

    # Attachments: the list and its descriptions.
    attachment = Attachment.objects.get(finding=finding)
    attachment.description = "The law as published"
    attachment.save()
    assert "The law as published" in page(client, finding)
    Attachment.objects.filter(pk=attachment.pk).delete()
    assert "No attachments." in page(client, finding)


def test_comments_votes_and_the_people_they_name_show_at_once(client, members, finding):
    mab, staff, researcher = members["mab"], members["staff"], members["researcher"]
    client.force_login(researcher)
    assert "No comments yet." in page(client, finding)
    comment = services.add_comment(finding, by=mab, body="Which law?")
    assert "Which law?" in page(client, finding)
    services.edit_comment(comment, by=mab, body="Which law exactly?")
    assert "Which law exactly?" in page(client, finding)
    reply = services.add_comment(finding, by=staff, body="The 2015 one.", parent=comment)
    assert "The 2015 one." in page(client, finding)
    services.resolve_comment(comment, by=researcher, disposition="accepted", reason="Named in the text.")
    body = page(client, finding)
    assert "Named in the text." in body and "Reopen" in body
    services.reopen_comment(comment, by=researcher)
    assert "Named in the text." not in page(client, finding)
    Comment.objects.filter(pk=reply.pk).delete()
    assert "The 2015 one." not in page(client, finding)
    type(mab).objects.filter(pk=mab.pk).update(first_name="Sophea", last_name="Keo")
    assert "<strong>Sophea Keo</strong>" in page(client, finding)

    services.cast_vote(finding, by=mab, verdict="endorse")
    assert "Endorsed by 1 member" in page(client, finding)
    services.cast_vote(finding, by=mab, verdict="needs_revision", body="Cite the decree.")
    body = page(client, finding)
    assert "Endorsed by 0 members" in body and "1 member asks for revision" in body
    type(mab).objects.filter(pk=mab.pk).update(first_name="Vanna")
    assert "Vanna Keo" in page(client, finding).split('data-testid="revisers"')[1][:200]
    Membership.objects.filter(user=mab, assessment=finding.assessment).update(stakeholder_group="academia")
    services.cast_vote(finding, by=mab, verdict="endorse")
    assert "Academia" in page(client, finding).split('data-testid="endorsers"')[1][:200]
    Vote.objects.filter(finding=finding).delete()
    assert "Endorsed by 0 members" in page(client, finding)


def test_the_catalogue_and_the_assessment_show_at_once(client, members, finding):
    client.force_login(members["mab"])
    page(client, finding)
    indicator = Indicator.objects.select_related("category", "question__theme").get(pk=finding.indicator_id)
    now = timezone.now()
    for model, pk, field in [
        (Indicator, indicator.pk, "text"),
        (Category, indicator.category_id, "name"),
        (Question, indicator.question_id, "text"),
        (Theme, indicator.question.theme_id, "title"),
    ]:
        # As the catalogue import writes (bulk_update with "updated").
        model.objects.filter(pk=pk).update(**{field: f"Renamed {model.__name__}", "updated": now})
        assert f"Renamed {model.__name__}" in page(client, finding)
    assessment = Assessment.objects.get(pk=finding.assessment_id)
    assessment.title = "Assessing the Internet in Cambodia, again"
    assessment.save()
    # The header's crumbs (the menu outside the body names it too).
    assert "› Assessing the Internet in Cambodia, again</p>" in page(client, finding)


def test_each_reader_their_role_language_and_time_zone(client, members, finding):
    mab, researcher = members["mab"], members["researcher"]
    second = MembershipFactory(assessment=finding.assessment, role=Role.MAB).user
    services.cast_vote(finding, by=mab, verdict="endorse")
    # Two readers of one role: only the voter is told their vote.
    client.force_login(mab)
    assert "Your validation: Endorse" in page(client, finding)
    client.force_login(second)
    assert "Your validation: Endorse" not in page(client, finding)
    comment = services.add_comment(finding, by=mab, body="Mine.")
    client.force_login(mab)
    body = page(client, finding)
    assert "Your validation: Endorse" in body and "Record my validation" in body
    assert f'id="edit-{comment.pk}"' in body
    client.force_login(second)
    body = page(client, finding)
    assert "Your validation: Endorse" not in body and f'id="edit-{comment.pk}"' not in body
    client.force_login(researcher)
    body = page(client, finding)
    assert "Record my validation" not in body and "Revise the narrative and score" in body

    # The reader's role, changed: what they may do changes with it.
    client.force_login(second)
    assert "Revise the narrative and score" not in page(client, finding)
    Membership.objects.filter(user=second, assessment=finding.assessment).update(role=Role.RESEARCHER)
    assert "Revise the narrative and score" in page(client, finding)

    # The reader's own comment offers "Edit" only within the window: the time passing changes the page.
    client.force_login(mab)
    assert f'id="edit-{comment.pk}"' in page(client, finding)
    Comment.objects.filter(pk=comment.pk).update(created=timezone.now() - timedelta(hours=2))
    assert f'id="edit-{comment.pk}"' not in page(client, finding)

    # Language and time zone.
    english = page(client, finding)
    client.cookies["django_language"] = "km"
    assert page(client, finding) != english and "Evidence" not in page(client, finding)
    client.cookies["django_language"] = "en"
    reply = services.add_comment(finding, by=researcher, body="Noted.", parent=comment)
    shown = page(client, finding).split(f'id="comment-{reply.pk}"')[1].split("</time>")[0]
    Assessment.objects.filter(pk=finding.assessment_id).update(time_zone="America/Lima")  # no "updated"
    assert page(client, finding).split(f'id="comment-{reply.pk}"')[1].split("</time>")[0] != shown


def test_the_language_read_in_shows_at_once(client, members, finding):
    assessment = Assessment.objects.get(pk=finding.assessment_id)
    assessment.second_language = "km"
    assessment.save()
    edit(finding, members["researcher"], narrative_second="រដ្ឋធម្មនុញ្ញការពារសេរីភាព។")
    client.force_login(members["mab"])
    assert "រដ្ឋធម្មនុញ្ញការពារសេរីភាព។" not in page(client, finding, lang="en")
    assert "រដ្ឋធម្មនុញ្ញការពារសេរីភាព។" in page(client, finding, lang="km")


def test_what_changed_since_the_last_visit_shows_that_visit(client, members, finding):
    client.force_login(members["mab"])
    page(client, finding)
    edit(finding, members["researcher"], narrative="Rewritten.")
    seen = LastSeen.objects.get(user=members["mab"], finding=finding)
    LastSeen.objects.filter(pk=seen.pk).update(seen_at=seen.seen_at.replace(year=2021))
    body = page(client, finding)
    assert "2021" in body.split("You last opened this finding on ")[1].split("</p>")[0]
    assert 'data-testid="narrative-diff"' in body
    # The same change, seen from another visit time: the page says that time.
    LastSeen.objects.filter(pk=seen.pk).update(
        seen_at=seen.seen_at.replace(year=2022), narrative=seen.narrative, score=seen.score
    )
    body = page(client, finding)
    assert "2022" in body.split("You last opened this finding on ")[1].split("</p>")[0]
    assert 'data-testid="changed-flag"' not in page(client, finding)


@pytest.mark.parametrize("who", ["outsider", None])
def test_outsiders_and_anonymous_get_no_copy(client, members, finding, who):
    reader = Client()
    reader.force_login(members["mab"])
    page(reader, finding)
    if who:
        client.force_login(members[who])
        assert client.get(url_of(finding)).status_code == 404
    else:
        response = client.get(url_of(finding))
        assert response.status_code == 302 and "login" in response["Location"]
    assert client.get(url_of(finding).replace("R.1.1", "R.99.9")).status_code in (302, 404)


def test_each_column_shown_changed_alone_shows_at_once(client, members, finding):
    """A write that moves one column and nothing else (no new version, no "updated": a bulk update, a
    data migration) still changes the page: each column the body shows is in the key on its own."""
    client.force_login(members["researcher"])
    assessment = Assessment.objects.get(pk=finding.assessment_id)
    assessment.second_language = "km"
    assessment.save()

    def bare(**column):
        page(client, finding)  # a copy kept for what is stored now, and the visit recorded
        page(client, finding)
        Finding.objects.filter(pk=finding.pk).update(**column)
        return page(client, finding)

    def score():
        return page(client, finding).split('data-testid="score">')[1].split("</dd>")[0]

    page(client, finding)
    assert bare(score=4) and score().startswith("4 — ")
    assert bare(score=None) and score() == "Not scored yet"
    assert bare(special_score="not_applicable") and score() == "Not applicable"
    assert "<dt>Confidence</dt><dd>High</dd>" in bare(confidence="high")
    assert f"<dd>{members['lead'].get_full_name()}</dd>" in bare(assignee_id=members["lead"].pk)
    assert "Rewritten in bulk." in bare(narrative="Rewritten in bulk.")
    assert "ភស្តុតាងថ្មី។" in bare(narrative_second="ភស្តុតាងថ្មី។")
    # The revise form carries the version it was loaded at (a save compares it).
    version = Finding.objects.get(pk=finding.pk).version
    assert f'name="version" value="{version + 7}"' in bare(version=version + 7)
