"""A save that changes nothing writes nothing — in services.save_finding, so the API, the admin, the import
and the review page share the rule: the version stays, no history row, no new ``updated`` time."""

import pytest

from assessments.services import EditConflict, save_finding

from .conftest import change_url, finding, finding_post


def state(target):
    target.refresh_from_db()
    return target.version, target.updated, target.history.count()


@pytest.mark.parametrize(
    "fields",
    [
        {},
        {"status": "not_started"},
        {"narrative": "", "score": None, "special_score": ""},
        {"assignee": None},
    ],
    ids=["nothing", "same status", "same text and score", "same assignee"],
)
def test_saving_the_same_values_writes_nothing(assessment, members, fields):
    target = finding(assessment, "R.1.1")
    before = state(target)
    saved = save_finding(target, by=members["researcher"], expected_version=1, fields=fields)
    assert saved.version == 1
    assert state(target) == before


def test_saving_the_same_values_on_a_stale_version_is_still_a_conflict(assessment, members):
    target = finding(assessment, "R.1.1")
    save_finding(target, by=members["lead"], expected_version=1, fields={"narrative": "Lead's text"})
    stale = finding(assessment, "R.1.1")
    stale.narrative = ""  # what the researcher read at version 1
    with pytest.raises(EditConflict):
        save_finding(stale, by=members["researcher"], expected_version=1, fields={"narrative": ""})
    assert state(finding(assessment, "R.1.1"))[0] == 2


def test_a_real_change_still_raises_the_version(assessment, members):
    target = finding(assessment, "R.1.1")
    count = target.history.count()
    save_finding(target, by=members["researcher"], expected_version=1, fields={"score": 3})
    assert state(target)[0] == 2 and target.history.count() == count + 1


def test_admin_save_without_changes_keeps_the_version(client, assessment, members):
    client.force_login(members["researcher"])
    target = finding(assessment, "R.1.1")
    before = state(target)
    response = client.post(change_url(target), finding_post(target))
    assert response.status_code == 302
    assert state(target) == before
