"""The team's side: who may do what, dispositions into the matrix, the summary and section in the PDF,
personal data export and erasure, and query counts."""

import csv
import datetime
import io
import json

import pytest
from django.core.management import call_command
from django.utils import timezone

from consultation import services
from consultation.models import Answer, Consultation, Participant
from reports import document, pdf
from tests.factories import AnswerFactory, ParticipantFactory
from tests.reports.conftest import flat, pdf_text

ROLES = ["lead", "researcher", "mab", "staff", "outsider"]


def url(consultation, tail=""):
    return f"/a/{consultation.assessment.code}/consultations/{consultation.pk}/{tail}"


@pytest.fixture
def answer(consultation):
    participant = ParticipantFactory(consultation=consultation, name="Sok Dara", email="sok@example.org")
    return AnswerFactory(
        participant=participant,
        item=consultation.items.get(number=3),
        position="changes",
        comment="Add a date.",
    )


@pytest.mark.parametrize("role", ROLES)
def test_member_pages_by_role(client, members, consultation, answer, role):
    client.force_login(members[role])
    code = consultation.assessment.code
    seen = {
        path: client.get(path).status_code
        for path in (
            f"/a/{code}/consultations/",
            url(consultation),
            url(consultation, "inputs/"),
            url(consultation, "summary/"),
            url(consultation, "facilitator/"),
            url(consultation, "projector/"),
            url(consultation, "tallies.json"),
            url(consultation, "qr.svg"),
            url(consultation, "print/"),
        )
    }
    lead_only = {
        url(consultation, "participants/"): client.get(url(consultation, "participants/")).status_code,
        "export": client.get(
            url(consultation, f"participants/{answer.participant.pk}/export.json")
        ).status_code,
        "move": client.post(url(consultation, "facilitator/"), {"number": "2"}).status_code,
        "hide": client.post(url(consultation, f"inputs/{answer.pk}/"), {"action": "hide"}).status_code,
        "revoke": client.post(url(consultation, "links/"), {"action": "revoke_open"}).status_code,
        "create": client.post(f"/a/{code}/consultations/", {"title": "x"}).status_code,
    }
    dispose = client.post(
        url(consultation, f"inputs/{answer.pk}/"), {"action": "dispose", "disposition": "accepted"}
    ).status_code
    write = client.post(url(consultation, "summary/"), {"text": "Drafted."}).status_code
    if role == "outsider":
        assert set(seen.values()) | set(lead_only.values()) | {dispose, write} == {404}
        return
    assert set(seen.values()) == {200}
    assert set(lead_only.values()) == ({302, 200} if role == "lead" else {403}), lead_only
    assert dispose == (302 if role in ("lead", "researcher") else 403)
    assert write == (302 if role in ("lead", "researcher") else 403)


def test_anonymous_is_sent_to_sign_in(client, consultation):
    for tail in ("", "inputs/", "participants/", "tallies.json", "projector/"):
        r = client.get(url(consultation, tail))
        assert r.status_code == 302 and "/accounts/login/" in r.url


def test_services_check_the_person_again(members, consultation, answer):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        services.invite(consultation, by=members["researcher"], emails=["a@example.org"])
    with pytest.raises(PermissionDenied):
        services.erase_participant(answer.participant, by=members["researcher"])
    with pytest.raises(PermissionDenied):
        services.dispose(answer, by=members["mab"], disposition="accepted", reason="")


def test_lead_creates_a_consultation_in_the_assessment_zone(client, members, content):
    content.time_zone = "Asia/Phnom_Penh"
    content.save()
    client.force_login(members["lead"])
    r = client.post(
        f"/a/{content.code}/consultations/",
        {"title": "Online consultation", "opens_at": "2026-03-02T09:00", "closes_at": "2026-03-01T09:00"},
    )
    assert r.status_code == 200 and "must close after it opens" in r.content.decode()
    assert not Consultation.objects.exists()
    finding = content.findings.get(indicator__code="R.1.1")
    r = client.post(
        f"/a/{content.code}/consultations/",
        {
            "title": "Online consultation",
            "opens_at": "2026-03-02T09:00",
            "closes_at": "2026-03-20T17:00",
            "findings": [finding.pk],
        },
    )
    consultation = Consultation.objects.get()
    assert r.status_code == 302 and consultation.is_online
    assert consultation.opens_at == datetime.datetime(2026, 3, 2, 2, 0, tzinfo=datetime.UTC)
    assert [i.kind for i in consultation.items.all()] == ["section"] * 2 + ["recommendation"] * 3 + [
        "finding"
    ]


def test_dispositions_into_the_matrix_and_its_export(client, members, consultation, answer):
    client.force_login(members["researcher"])
    refused = client.post(
        url(consultation, f"inputs/{answer.pk}/"), {"action": "dispose", "disposition": "not_accepted"}
    )
    assert refused.status_code == 400 and "Give the reason" in refused.content.decode()
    client.post(
        url(consultation, f"inputs/{answer.pk}/"),
        {"action": "dispose", "disposition": "partly_accepted", "reason": "Date added for 2027."},
    )
    answer.refresh_from_db()
    assert answer.disposition == "partly_accepted" and answer.resolved_by == members["researcher"]
    matrix = f"/a/{consultation.assessment.code}/review/matrix/"
    body = client.get(matrix).content.decode()
    assert "Consultation inputs" in body and "Workshop" in body and "Add a date." in body
    assert "Partly accepted" in body and "Date added for 2027." in body
    assert "Add a date." not in client.get(matrix + "?commenter=mab").content.decode()
    assert "Add a date." not in client.get(matrix + "?disposition=accepted").content.decode()
    rows = list(csv.reader(io.StringIO(client.get(matrix + "?export=csv").content.decode("utf-8-sig"))))
    assert rows[0][-1] == "Source"
    [row] = [r for r in rows if "Add a date." in r[6]]
    assert row[-1] == "Workshop" and row[8] == "Partly accepted" and row[4] == "Civil society"
    # Spam is hidden by the lead, never deleted, and leaves the matrix and the tallies.
    client.force_login(members["lead"])
    client.post(url(consultation, f"inputs/{answer.pk}/"), {"action": "hide"})
    assert Answer.objects.filter(pk=answer.pk, hidden=True).exists()
    assert "Add a date." not in client.get(matrix).content.decode()
    assert "hidden as spam" in client.get(url(consultation, "inputs/")).content.decode()
    tallies = client.get(url(consultation, "tallies.json")).json()
    assert tallies["items"][2]["total"] == 0


def test_inputs_filtered_by_group(client, members, consultation, answer):
    gov = ParticipantFactory(consultation=consultation, stakeholder_group="government")
    AnswerFactory(participant=gov, item=answer.item, comment="Ministry view.")
    client.force_login(members["mab"])
    body = client.get(url(consultation, "inputs/?group=government")).content.decode()
    assert "Ministry view." in body and "Add a date." not in body


def test_summary_and_validation_section_in_the_pdf(client, members, consultation, answer, tmp_path):
    ParticipantFactory(
        consultation=consultation,
        stakeholder_group="government",
        gender="woman",
        list_organisation=True,
        organisation="Ministry of Posts",
    )
    ParticipantFactory(
        consultation=consultation, stakeholder_group="government", gender="", organisation="Hidden Org"
    )
    client.force_login(members["researcher"])
    page = client.get(url(consultation, "summary/")).content.decode()
    assert "3 participants" in page and "Ministry of Posts" in page and "Hidden Org" not in page
    assert "were presented for validation" in page  # the drafted section
    client.post(
        url(consultation, "summary/"),
        {"text": "Validated on **2 March** with 3 participants.", "in_report": "on"},
    )
    result = pdf.render_report(document.build(consultation.assessment))
    text = flat(pdf_text(result.pdf, tmp_path))
    assert "Validation" in text and "Validated on 2 March with 3 participants." in text
    assert "Government 2" in text and "Ministry of Posts" in text and "Hidden Org" not in text
    assert "Woman 1" in text


def test_personal_data_export_and_erasure(client, members, consultation, answer):
    client.force_login(members["lead"])
    data = json.loads(
        client.get(url(consultation, f"participants/{answer.participant.pk}/export.json")).content
    )
    assert data["email"] == "sok@example.org" and data["answers"][0]["comment"] == "Add a date."
    csv_text = client.get(
        url(consultation, f"participants/{answer.participant.pk}/export.csv")
    ).content.decode("utf-8-sig")
    assert "sok@example.org" in csv_text
    client.post(url(consultation, "participants/"), {"action": "erase", "participant": answer.participant.pk})
    p = Participant.objects.get(pk=answer.participant.pk)
    assert (p.name, p.email, p.organisation, p.token_digest) == ("", "", "", "") and p.erased_at
    assert (
        Answer.objects.get(pk=answer.pk).comment == ""
        and Answer.objects.get(pk=answer.pk).position == "changes"
    )


def test_retention_command_erases_old_consultations_only(members, consultation, answer):
    old = ParticipantFactory(consultation__assessment=consultation.assessment, name="Old")
    Consultation.objects.filter(pk=old.consultation_id).update(
        opens_at=timezone.now() - datetime.timedelta(days=400),
        closes_at=timezone.now() - datetime.timedelta(days=200),
    )
    out = io.StringIO()
    call_command("erase_consultation_data", stdout=out)
    assert "1 participant" in out.getvalue()
    assert (
        Participant.objects.get(pk=old.pk).erased_at
        and Participant.objects.get(pk=answer.participant.pk).name == "Sok Dara"
    )


def test_inputs_and_tallies_queries_do_not_grow(client, members, consultation, django_assert_max_num_queries):
    client.force_login(members["lead"])
    one = ParticipantFactory(consultation=consultation)
    AnswerFactory(participant=one, item=consultation.items.get(number=1))
    pages = [
        url(consultation, "inputs/"),
        url(consultation, "tallies.json"),
        url(consultation, "participants/"),
        url(consultation, "summary/"),
        url(consultation, "projector/"),
        f"/a/{consultation.assessment.code}/review/matrix/",
    ]
    counts = {}
    for page in pages:
        with django_assert_max_num_queries(40) as ctx:
            client.get(page)
        counts[page] = len(ctx.captured_queries)
    for n in range(15):
        p = ParticipantFactory(consultation=consultation)
        for item in consultation.items.all():
            AnswerFactory(participant=p, item=item, comment=f"c{n}")
    for page in pages:
        with django_assert_max_num_queries(counts[page]):
            client.get(page)
