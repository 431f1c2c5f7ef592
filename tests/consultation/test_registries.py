"""review and reports know nothing of consultation: it feeds them through their registries, and without
its registrations they show nothing of it."""

from reports import document, extra
from review import inputs
from tests.factories import AnswerFactory, ParticipantFactory


def test_without_the_registrations_the_matrix_and_report_show_no_consultation(
    client, members, consultation, monkeypatch
):
    participant = ParticipantFactory(consultation=consultation)
    AnswerFactory(participant=participant, item=consultation.items.first(), comment="Outside voice.")
    consultation.in_report = True
    consultation.validation_text = "Validated."
    consultation.save()
    client.force_login(members["staff"])
    matrix = f"/a/{consultation.assessment.code}/review/matrix/"
    assert "Outside voice." in client.get(matrix).content.decode()
    assert "validation" in [c.key for c in document.build(consultation.assessment).chapters]

    monkeypatch.setattr(inputs, "_sources", {})
    monkeypatch.setattr(extra, "_builders", {})
    assert "Outside voice." not in client.get(matrix).content.decode()
    assert "validation" not in [c.key for c in document.build(consultation.assessment).chapters]


def test_no_chapter_until_the_team_puts_it_in_the_report(consultation):
    assert "validation" not in [c.key for c in document.build(consultation.assessment).chapters]
