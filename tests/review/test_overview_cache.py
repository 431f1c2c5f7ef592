"""The review overview keeps its list's HTML under a key of everything the list shows
(review.queries.overview_fingerprints): a repeat visit skips computing it, and every kind of change shows
at once — edits, votes, comments resolved and reopened, the reader's own visits, the filters, the language,
and each reader's own "changed" flags."""

import re

from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from assessments.models import Finding
from assessments.services import save_finding
from review import services


def row(client, code="R.1.1", **params):
    url = reverse("review:overview", args=["khm-2023"])
    body = client.get(url, params).content.decode()
    shown = body.split('data-testid="shown-count">')[1].split("</p>")[0]
    part = body.split(f'data-testid="finding-{code}"')[1].split("</li>")[0] if code in body else ""
    return shown, part


def test_a_repeat_visit_reuses_the_list_and_the_chart(client, members, finding):
    client.force_login(members["mab"])
    url = reverse("review:overview", args=["khm-2023"])
    client.get(url)
    with CaptureQueriesContext(connection) as cached:
        first = client.get(url).content.decode()
    cache.clear()
    with CaptureQueriesContext(connection) as fresh:
        again = client.get(url).content.decode()
    token = re.compile(r'name="csrfmiddlewaretoken" value="[^"]+"')  # masked anew for every page
    assert token.sub("", first) == token.sub("", again)
    # The list (findings, categories, questions, last seen) and the chart (one grouped query) are skipped.
    assert len(fresh) - len(cached) >= 5
    assert not any('"review_lastseen"."narrative"' in q["sql"] for q in cached.captured_queries)


def test_every_kind_of_change_shows_at_once(client, members, finding):
    mab, staff, researcher = members["mab"], members["staff"], members["researcher"]
    client.force_login(mab)
    shown, part = row(client)
    assert shown == "130 findings shown"
    assert "Ready for review" in part and "0 endorsed · 0 revision · 0 open comments" in part

    services.cast_vote(finding, by=mab, verdict="endorse")
    assert "1 endorsed · 0 revision" in row(client)[1]
    services.cast_vote(finding, by=mab, verdict="needs_revision", body="Cite the decree.")
    assert "0 endorsed · 1 revision · 1 open comments" in row(client)[1]

    comment = services.add_comment(finding, by=staff, body="A question.")
    assert "2 open comments" in row(client)[1]
    services.resolve_comment(comment, by=researcher)
    assert "1 open comments" in row(client)[1]
    services.reopen_comment(comment, by=researcher)
    assert "2 open comments" in row(client)[1]

    target = Finding.objects.get(pk=finding.pk)
    save_finding(target, by=researcher, expected_version=target.version, fields={"score": 4})
    part = row(client)[1]
    assert "4 — " in part and "score changed" not in part  # never opened by mab: nothing to compare

    # The reader's own visit records what they saw; a later edit is then flagged for them only.
    client.get(finding.get_absolute_url())
    target = Finding.objects.get(pk=finding.pk)
    save_finding(target, by=researcher, expected_version=target.version, fields={"narrative": "New text."})
    assert "narrative changed" in row(client)[1]
    client.force_login(staff)
    assert "narrative changed" not in row(client)[1]
    client.force_login(mab)
    assert "narrative changed" in row(client)[1]
    client.get(finding.get_absolute_url())  # seen again: the flag goes
    assert "narrative changed" not in row(client)[1]

    # Filters and language are part of the key.
    assert row(client, status="ready")[0] == "1 finding shown"
    assert row(client, status="draft")[0] == "0 findings shown"
    assert row(client)[0] == "130 findings shown"
    client.cookies["django_language"] = "km"
    khmer_shown, _part = row(client)
    assert khmer_shown != "130 findings shown"

    # Archived findings leave the list (the live count is in the key).
    other = Finding.objects.filter(assessment=finding.assessment, archived=False).exclude(pk=finding.pk)
    Finding.objects.filter(pk=other.first().pk).update(archived=True)
    client.cookies["django_language"] = "en"
    assert row(client)[0] == "129 findings shown"


def test_the_chart_key_is_the_dashboards_key(members, finding):
    from assessments.queries import dashboard_fingerprint
    from review.queries import overview_fingerprints

    assessment = Finding.objects.select_related("assessment").get(pk=finding.pk).assessment
    chart, own = overview_fingerprints(assessment, members["mab"])
    assert chart == dashboard_fingerprint(assessment)
    assert own.startswith(chart + ":") and own != chart
