from datetime import UTC, datetime

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from review import services
from review.models import LastSeen
from review.rendering import word_diff


def revise(finding, by, narrative, score=3):
    finding.refresh_from_db()
    services.revise_finding(
        finding, by=by, expected_version=finding.version, narrative=narrative, score=score, special_score=""
    )


def test_word_diff_marks_inserted_and_deleted_words():
    assert word_diff("The law of 2015 limits it.", "The law of 2015, amended in 2021, limits it.") == [
        ("equal", "The law of 2015"),
        ("insert", ", amended in 2021,"),
        ("equal", " limits it."),
    ]
    assert word_diff("One.\n\nTwo", "One.\r\n\r\nTwo") == [("equal", "One.\n\nTwo")]
    assert word_diff("a b c", "a c") == [("equal", "a "), ("delete", "b "), ("equal", "c")]
    assert word_diff("same", "same") == [("equal", "same")]


def test_opening_a_finding_records_what_was_seen(client, members, finding):
    client.force_login(members["mab"])
    client.get(finding.get_absolute_url())
    seen = LastSeen.objects.get(user=members["mab"], finding=finding)
    assert seen.narrative == finding.narrative and seen.score == 3
    assert seen.history_id == finding.history.latest("history_date").history_id


def test_changed_narrative_is_flagged_and_diffed_once(client, members, finding):
    client.force_login(members["mab"])
    client.get(finding.get_absolute_url())
    overview = reverse("review:overview", args=[finding.assessment.code])
    assert "narrative changed" not in client.get(overview).content.decode()
    revise(
        finding,
        members["researcher"],
        finding.narrative.replace("limits it", "limits it <b>strictly</b>"),
        score=2,
    )

    row = client.get(overview).content.decode().split('data-testid="finding-R.1.1"')[1].split("</li>")[0]
    assert "narrative and score changed" in row
    only_changed = client.get(overview, {"changed": "1"}).content.decode()
    assert "1 finding shown" in only_changed

    body = client.get(finding.get_absolute_url()).content.decode()
    assert 'data-testid="changed-flag"' in body
    diff = body.split('data-testid="narrative-diff"')[1].split("</div>")[0]
    assert "limits it<ins> &lt;b&gt;strictly&lt;/b&gt;</ins>." in diff  # escaped, never markup
    assert "<del>3 — Moderate</del>" in body and "2 — Weak" in body
    # The visit recorded the new state: the next visit shows no flag.
    again = client.get(finding.get_absolute_url()).content.decode()
    assert 'data-testid="changed-flag"' not in again


def test_unchanged_or_unseen_findings_are_not_flagged(client, members, finding):
    client.force_login(members["staff"])
    revise(finding, members["researcher"], "Rewritten before the staff member ever looked.")
    body = client.get(finding.get_absolute_url()).content.decode()
    assert 'data-testid="changed-flag"' not in body


def test_the_editor_does_not_see_their_own_change_flagged(client, members, finding):
    client.force_login(members["researcher"])
    client.get(finding.get_absolute_url())
    response = client.post(
        finding.get_absolute_url(),
        {
            "action": "revise",
            "narrative": "New text",
            "score": "4",
            "special_score": "",
            "version": finding.version,
        },
    )
    assert response.status_code == 302
    body = client.get(finding.get_absolute_url()).content.decode()
    assert "New text" in body and 'data-testid="changed-flag"' not in body


# Statements that only read (the page's state query starts with its WITH clause).
READS = ("SELECT", "WITH")


def test_a_repeat_visit_with_nothing_changed_only_moves_the_time(client, members, finding):
    """The conditional write: an unchanged finding costs one UPDATE of the record's time (no history read,
    no transaction), and the time shown after a later change is still that of the last visit."""
    client.force_login(members["mab"])
    client.get(finding.get_absolute_url())
    LastSeen.objects.filter(user=members["mab"], finding=finding).update(
        seen_at=datetime(2020, 1, 15, 12, tzinfo=UTC)
    )
    first = LastSeen.objects.get(user=members["mab"], finding=finding)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(finding.get_absolute_url()).status_code == 200
    writes = [q["sql"] for q in queries if "lastseen" in q["sql"].lower() and not q["sql"].startswith(READS)]
    assert len(writes) == 1 and writes[0].startswith("UPDATE")
    assert not any("historicalfinding" in q["sql"].lower() for q in queries)
    assert not any("SAVEPOINT" in q["sql"] for q in queries)
    second = LastSeen.objects.get(pk=first.pk)
    assert second.seen_at > first.seen_at
    # Again within a minute of that: no write at all (the time is shown to the minute).
    with CaptureQueriesContext(connection) as queries:
        assert client.get(finding.get_absolute_url()).status_code == 200
    assert not [q for q in queries if "lastseen" in q["sql"].lower() and not q["sql"].startswith(READS)]
    assert LastSeen.objects.get(pk=first.pk).seen_at == second.seen_at
    assert (second.narrative, second.score, second.history_id) == (
        first.narrative,
        first.score,
        first.history_id,
    )
    # A change, then a visit: the diff and the time of the last visit; then the full record again.
    revise(finding, members["researcher"], "Rewritten after the second visit.", score=2)
    body = client.get(finding.get_absolute_url()).content.decode()
    assert 'data-testid="changed-flag"' in body
    when = body.split("You last opened this finding on ")[1].split("</p>")[0]
    assert "2020" not in when and str(second.seen_at.year) in when
    third = LastSeen.objects.get(pk=first.pk)
    assert third.narrative == "Rewritten after the second visit." and third.score == 2
    assert third.history_id == finding.history.latest("history_date").history_id
    assert 'data-testid="changed-flag"' not in client.get(finding.get_absolute_url()).content.decode()


def test_the_query_count_of_a_repeat_visit_is_lower_than_of_a_first(client, members, finding):
    client.force_login(members["mab"])
    with CaptureQueriesContext(connection) as first:
        client.get(finding.get_absolute_url())
    with CaptureQueriesContext(connection) as again:
        client.get(finding.get_absolute_url())
    assert len(again) < len(first)
