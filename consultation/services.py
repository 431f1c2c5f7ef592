"""The consultation's writes, each in one transaction; every one done for a member checks that member's
permission again (assessments.rules), because pages, admin and commands may all call it."""

import csv
import io
import json
import secrets
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from assessments.models import Finding
from assessments.rules import Perm, check
from consultation import queries
from consultation.choices import ItemKind, JoinedBy
from consultation.models import Answer, Consultation, ConsultationItem, Participant, digest
from reports.choices import CATEGORY_SECTIONS, SectionKind
from reports.models import Recommendation, ReportSection


def new_token():
    return secrets.token_urlsafe(32)


def key_sections(assessment):
    kinds = [kind.value for kind in CATEGORY_SECTIONS.values()]
    sections = {s.kind: s for s in ReportSection.objects.filter(assessment=assessment, kind__in=kinds)}
    return [sections[k] for k in kinds if k in sections and sections[k].body.strip()]


def recommendations(assessment):
    return list(
        Recommendation.objects.filter(assessment=assessment)
        .prefetch_related("categories")
        .order_by("stakeholder_group", "order", "pk")
    )


def _items_for(assessment, finding_ids):
    items = []
    for section in key_sections(assessment):
        items.append(
            (ItemKind.SECTION, section.pk, SectionKind(section.kind).label, section.kind[-1], section.body)
        )
    for rec in recommendations(assessment):
        cats = [c.code for c in rec.categories.all()]
        first = " ".join(rec.text.split())[:160]
        label = _("Recommendation to %(group)s: %(text)s") % {
            "group": rec.get_stakeholder_group_display(),
            "text": first,
        }
        items.append((ItemKind.RECOMMENDATION, rec.pk, label, cats[0] if len(cats) == 1 else "", rec.text))
    if finding_ids:
        findings = (
            Finding.objects.filter(assessment=assessment, pk__in=finding_ids)
            .select_related("indicator__category")
            .order_by("indicator__order", "pk")
        )
        for f in findings:
            label = f"{f.indicator.code} {f.indicator.text}"[:300]
            items.append((ItemKind.FINDING, f.pk, label, f.indicator.category.code, f.narrative))
    return items


@transaction.atomic
def create_consultation(assessment, *, by, title, opens_at, closes_at, place="", finding_ids=()):
    """Open a consultation: the items are the key-findings sections, the recommendations and the chosen
    findings as their text stands now."""
    check(by, assessment, Perm.MANAGE_CONSULTATION)
    if closes_at <= opens_at:
        raise ValidationError({"closes_at": _("The consultation must close after it opens.")})
    consultation = Consultation.objects.create(
        assessment=assessment,
        title=title,
        opens_at=opens_at,
        closes_at=closes_at,
        place=place,
        created_by=by,
        open_token=new_token(),
    )
    rows = _items_for(assessment, list(finding_ids))
    if not rows:
        raise ValidationError(
            _("There is nothing to consult on yet: no key-findings section, recommendation or finding.")
        )
    ConsultationItem.objects.bulk_create(
        ConsultationItem(
            consultation=consultation,
            number=n,
            kind=kind,
            object_id=pk,
            label=label[:300],
            category=cat,
            text=text,
        )
        for n, (kind, pk, label, cat, text) in enumerate(rows, start=1)
    )
    consultation.current_item = consultation.items.first()
    consultation.save(update_fields=["current_item"])
    return consultation


def current_texts(items):
    """The text each item's source has now (None when it was deleted): three queries at most."""
    wanted = {}
    for item in items:
        wanted.setdefault(item.kind, set()).add(item.object_id)
    now = {}
    sources = {
        ItemKind.SECTION: (ReportSection, "body"),
        ItemKind.RECOMMENDATION: (Recommendation, "text"),
        ItemKind.FINDING: (Finding, "narrative"),
    }
    for kind, ids in wanted.items():
        model, field = sources[kind]
        for pk, value in model.objects.filter(pk__in=ids).values_list("pk", field):
            now[(kind, pk)] = value
    return {item.pk: now.get((item.kind, item.object_id)) for item in items}


def personal_url(consultation, token):
    return reverse("consultation_public:home", kwargs={"kind": "p", "key": consultation.pk, "token": token})


def open_url(consultation):
    return reverse(
        "consultation_public:home",
        kwargs={"kind": "o", "key": consultation.pk, "token": consultation.open_token},
    )


@transaction.atomic
def invite(consultation, *, by, emails, names=None):
    """One personal link per address, sent by mail after commit. Returns the participants."""
    check(by, consultation.assessment, Perm.MANAGE_CONSULTATION)
    participants = []
    for email in emails:
        token = new_token()
        participant = Participant.objects.create(
            consultation=consultation, joined_by=JoinedBy.INVITATION, token_digest=digest(token), email=email
        )
        participants.append(participant)
        url = settings.SITE_URL + personal_url(consultation, token)
        body = render_to_string(
            "consultation/emails/invitation.txt", {"consultation": consultation, "url": url}
        )
        subject = _("Invitation: %(title)s") % {"title": consultation.title}
        transaction.on_commit(lambda s=subject, b=body, e=email: send_mail(s, b, None, [e]))
    return participants


def invite_with_token(consultation, *, by, email="", name=""):
    """A personal participant whose link is returned rather than mailed (the benchmark and the demo)."""
    check(by, consultation.assessment, Perm.MANAGE_CONSULTATION)
    token = new_token()
    Participant.objects.create(
        consultation=consultation,
        joined_by=JoinedBy.INVITATION,
        token_digest=digest(token),
        email=email,
        name=name,
    )
    return personal_url(consultation, token)


@transaction.atomic
def set_participant_revoked(participant, *, by, revoked=True):
    check(by, participant.consultation.assessment, Perm.MANAGE_CONSULTATION)
    Participant.objects.filter(pk=participant.pk).update(revoked=revoked)


@transaction.atomic
def set_open_link(consultation, *, by, revoked):
    """Revoke the open link, or give the consultation a new one (the old one stays dead)."""
    check(by, consultation.assessment, Perm.MANAGE_CONSULTATION)
    consultation.open_link_revoked = revoked
    fields = ["open_link_revoked"]
    if not revoked:
        consultation.open_token = new_token()
        fields.append("open_token")
    consultation.save(update_fields=fields)


@transaction.atomic
def close_now(consultation, *, by):
    check(by, consultation.assessment, Perm.MANAGE_CONSULTATION)
    now = timezone.now()
    if consultation.closes_at > now:
        consultation.closes_at = max(now, consultation.opens_at + timedelta(seconds=1))
        consultation.save(update_fields=["closes_at"])


@transaction.atomic
def join_open(consultation):
    return Participant.objects.create(consultation=consultation, joined_by=JoinedBy.OPEN_LINK)


@transaction.atomic
def save_details(participant, data):
    for field in ("name", "organisation", "stakeholder_group", "gender", "list_organisation"):
        setattr(participant, field, data[field])
    participant.details_given = True
    participant.save()


@transaction.atomic
def save_answer(participant, item, *, position, comment):
    """Replace the participant's answer on the item (one per item), refused once the consultation closed."""
    # No row lock: answers of many participants must not queue behind one another; an answer racing the
    # close by milliseconds is kept, as a paper form handed in at the bell would be.
    # The participant's page has just read the consultation with the participant (consultation.public).
    consultation = participant.consultation
    if not consultation.is_open() or participant.revoked or participant.erased_at:
        raise ValidationError(_("This consultation is closed."))
    if item.consultation_id != consultation.pk:
        raise ValidationError(_("No such item."))
    # One statement, new or replaced (INSERT … ON CONFLICT DO UPDATE); the team's disposition stays.
    (answer,) = Answer.objects.bulk_create(
        [Answer(participant=participant, item=item, position=position, comment=comment)],
        update_conflicts=True,
        unique_fields=["participant", "item"],
        update_fields=["position", "comment", "updated"],
    )
    return answer


@transaction.atomic
def set_current_item(consultation, item, *, by):
    check(by, consultation.assessment, Perm.MANAGE_CONSULTATION)
    if item.consultation_id != consultation.pk:
        raise ValidationError(_("No such item."))
    Consultation.objects.filter(pk=consultation.pk).update(current_item=item)
    transaction.on_commit(lambda: queries.forget_tallies(consultation))


@transaction.atomic
def dispose(answer, *, by, disposition, reason):
    """The team's answer to an input, as for MAB comments: accepted, partly accepted, not accepted."""
    check(by, answer.item.consultation.assessment, Perm.RESOLVE_COMMENTS)
    if not disposition:
        raise ValidationError({"disposition": _("Choose a disposition.")})
    if disposition != "accepted" and not reason.strip():
        raise ValidationError({"reason": _("Give the reason for a partly or not accepted input.")})
    answer.disposition, answer.reason = disposition, reason
    answer.resolved_by, answer.resolved_at = by, timezone.now()
    answer.save(update_fields=["disposition", "reason", "resolved_by", "resolved_at", "updated"])


@transaction.atomic
def set_hidden(answer, *, by, hidden):
    """Hide an input as spam (lead only); it is never deleted and can be shown again."""
    check(by, answer.item.consultation.assessment, Perm.MANAGE_CONSULTATION)
    Answer.objects.filter(pk=answer.pk).update(hidden=hidden)
    transaction.on_commit(lambda: queries.forget_tallies(answer.item.consultation))


@transaction.atomic
def save_validation(consultation, *, by, text, in_report):
    check(by, consultation.assessment, Perm.EDIT_REPORT)
    consultation.validation_text, consultation.in_report = text, in_report
    consultation.save(update_fields=["validation_text", "in_report", "updated"])


PERSONAL_FIELDS = ["name", "email", "organisation", "stakeholder_group", "gender", "list_organisation"]


def personal_data(participant, *, by):
    """Everything stored about one participant (for a request of access): details and answers."""
    check(by, participant.consultation.assessment, Perm.MANAGE_CONSULTATION)
    return {
        "consultation": participant.consultation.title,
        "joined": participant.created.isoformat(),
        "joined_by": participant.joined_by,
        **{field: getattr(participant, field) for field in PERSONAL_FIELDS},
        "answers": [
            {"item": a.item.number, "label": a.item.label, "position": a.position, "comment": a.comment}
            for a in participant.answers.select_related("item").order_by("item__number")
        ],
    }


def personal_data_csv(data):
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["field", "value"])
    for key in ["consultation", "joined", "joined_by", *PERSONAL_FIELDS]:
        writer.writerow([key, data[key]])
    for a in data["answers"]:
        writer.writerow([f"answer {a['item']}", json.dumps(a, ensure_ascii=False)])
    return out.getvalue()


def _erase(participants):
    """Blank the personal data and the comments; positions stay (they count in tallies), as does the
    stakeholder group, which is not personal."""
    ids = list(participants.values_list("pk", flat=True))
    Participant.objects.filter(pk__in=ids).update(
        name="",
        email="",
        organisation="",
        gender="",
        list_organisation=False,
        token_digest="",
        revoked=True,
        erased_at=timezone.now(),
    )
    Answer.objects.filter(participant__in=ids).update(comment="")
    return len(ids)


@transaction.atomic
def erase_participant(participant, *, by):
    check(by, participant.consultation.assessment, Perm.MANAGE_CONSULTATION)
    return _erase(Participant.objects.filter(pk=participant.pk))


@transaction.atomic
def erase_expired(now=None):
    """Erase the personal data of every participant of a consultation closed longer ago than
    CONSULTATION_RETENTION_DAYS (manage.py erase_consultation_data, daily)."""
    now = now or timezone.now()
    cutoff = now - timedelta(days=settings.CONSULTATION_RETENTION_DAYS)
    return _erase(Participant.objects.filter(consultation__closes_at__lt=cutoff, erased_at__isnull=True))
