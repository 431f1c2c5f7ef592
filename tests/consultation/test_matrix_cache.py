"""The comment-response matrix's cached table and the consultation's inputs (registered through
review.inputs with their fingerprint): a new input, a disposition, hiding as spam, showing again and
erasing a participant all show at once."""

import pytest

from consultation import services
from consultation.models import Answer
from review import inputs
from tests.factories import AnswerFactory, ParticipantFactory

pytestmark = pytest.mark.django_db


def matrix(client, consultation):
    answer = client.get(f"/a/{consultation.assessment.code}/review/matrix/")
    assert answer.status_code == 200
    return answer.content.decode()


def test_every_change_to_the_inputs_shows_at_once(client, members, consultation):
    client.force_login(members["lead"])
    assert "Consultation inputs" not in matrix(client, consultation)
    participant = ParticipantFactory(consultation=consultation, name="Sok Dara", email="sok@example.org")
    answer = AnswerFactory(
        participant=participant,
        item=consultation.items.get(number=3),
        position="changes",
        comment="Add a date.",
    )
    body = matrix(client, consultation)
    assert "Consultation inputs" in body and "Add a date." in body and "Sok Dara" in body
    services.dispose(answer, by=members["researcher"], disposition="partly_accepted", reason="Date added.")
    body = matrix(client, consultation)
    assert "Partly accepted" in body and "Date added." in body
    services.set_hidden(answer, by=members["lead"], hidden=True)
    assert "Add a date." not in matrix(client, consultation)
    services.set_hidden(answer, by=members["lead"], hidden=False)
    assert "Add a date." in matrix(client, consultation)
    services.erase_participant(participant, by=members["lead"])
    assert Answer.objects.get(pk=answer.pk).comment == ""
    body = matrix(client, consultation)
    assert "Sok Dara" not in body and "Add a date." not in body


def test_a_source_without_fingerprint_switches_the_cache_off(client, members, consultation, monkeypatch):
    monkeypatch.setitem(inputs._fingerprints, "consultation", None)
    assert inputs.fingerprint_parts(consultation.assessment) is None
    client.force_login(members["lead"])
    matrix(client, consultation)
    participant = ParticipantFactory(consultation=consultation, name="Sok Dara")
    # Written without touching anything the fingerprint reads: shown only because nothing is cached.
    AnswerFactory(participant=participant, item=consultation.items.get(number=3), comment="Add a date.")
    assert "Add a date." in matrix(client, consultation)
