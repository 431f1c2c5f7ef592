"""Reads of the consultation, each in a fixed number of queries."""

import functools

from django.core.cache import cache
from django.db.models import Count, Q

from assessments.choices import StakeholderGroup
from consultation.choices import Gender, Position
from consultation.models import Answer, Consultation, ConsultationItem, Participant

GROUPS = dict(StakeholderGroup.choices)


def consultations_of(assessment):
    return Consultation.objects.filter(assessment=assessment).annotate(
        participant_count=Count("participants", filter=Q(participants__details_given=True), distinct=True)
    )


def tallies(consultation):
    """Per item: how many agree, agree with changes, disagree (hidden inputs not counted). One grouped
    query."""
    counts = {
        position.value: Count("answers", filter=Q(answers__hidden=False, answers__position=position.value))
        for position in Position
    }
    items = []
    rows = (
        ConsultationItem.objects.filter(consultation=consultation)
        .order_by("number")
        .values("pk", "number", "label", "category")
        .annotate(**counts)
    )
    for row in rows:
        row["total"] = sum(row[p.value] for p in Position)
        for position in Position:
            row[f"{position.value}_pct"] = (
                round(100 * row[position.value] / row["total"]) if row["total"] else 0
            )
        items.append(row)
    return items


TALLIES_SECONDS = 2


def _tallies_key(consultation):
    # The open token too: a consultation's pk can come back in a test database, its token does not.
    return f"consultation:tallies:{consultation.pk}:{consultation.open_token[:8]}"


def projector_tallies(consultation):
    """What the projector polls (the current item, participants, the tallies), computed at most once
    every TALLIES_SECONDS per consultation however many screens poll: two queries, or none."""
    key = _tallies_key(consultation)
    data = cache.get(key)
    if data is None:
        current = (
            ConsultationItem.objects.filter(pk=consultation.current_item_id).values("number", "label").first()
        )
        data = {
            "current": current["number"] if current else None,
            "current_label": current["label"] if current else "",
            "participants": consultation.participants.filter(details_given=True).count(),
            "items": tallies(consultation),
        }
        cache.set(key, data, TALLIES_SECONDS)
    return data


def forget_tallies(consultation):
    """After the team changes what the projector shows (the current item, a hidden input)."""
    cache.delete(_tallies_key(consultation))


@functools.lru_cache(maxsize=32)
def _snapshot(consultation_id, created):
    """A consultation's items as created: they never change afterwards (models.ConsultationItem), so
    each worker reads them once per consultation (``created`` tells apart a pk used again)."""
    return tuple(
        ConsultationItem.objects.filter(consultation_id=consultation_id)
        .order_by("number")
        .only("pk", "consultation", "number", "label", "category", "text")
    )


def snapshot(consultation):
    return _snapshot(consultation.pk, consultation.created)


def items_with_answers(participant):
    """The participant's item list: each item with the participant's position (``position``,
    ``position_label``), in one query."""
    positions = dict(Answer.objects.filter(participant=participant).values_list("item", "position"))
    labels = dict(Position.choices)
    return [
        {
            "number": item.number,
            "label": item.label,
            "position": positions.get(item.pk, ""),
            "position_label": labels.get(positions.get(item.pk), ""),
        }
        for item in snapshot(participant.consultation)
    ]


def item_for(participant, number):
    """(item, count, following number or None, (position, comment) or None) of the participant's
    consultation, by number: one query (the participant's answer)."""
    items = snapshot(participant.consultation)
    index = next((n for n, item in enumerate(items) if item.number == number), None)
    if index is None:
        return None, len(items), None, None
    item = items[index]
    answer = Answer.objects.filter(participant=participant, item_id=item.pk).values_list(
        "position", "comment"
    )
    following = items[index + 1].number if index + 1 < len(items) else None
    return item, len(items), following, answer.first()


def inputs_by_item(consultation, *, group=""):
    """Items with their answers (hidden ones too: the team sees them, marked), two queries."""
    answers = Answer.objects.filter(item__consultation=consultation).select_related(
        "participant", "resolved_by"
    )
    if group:
        answers = answers.filter(participant__stakeholder_group=group)
    by_item = {}
    for answer in answers.order_by("item__number", "pk"):
        by_item.setdefault(answer.item_id, []).append(answer)
    items = list(consultation.items.all())
    for item in items:
        item.inputs = by_item.get(item.pk, [])
    return items


def participation(consultation):
    """The participation summary: participants by stakeholder group and by gender (where given), and
    the organisations whose people consented to their being listed."""
    people = Participant.objects.filter(consultation=consultation, details_given=True)
    by_group = {
        r["stakeholder_group"]: r["n"] for r in people.values("stakeholder_group").annotate(n=Count("pk"))
    }
    by_gender = {r["gender"]: r["n"] for r in people.values("gender").annotate(n=Count("pk"))}
    organisations = sorted(
        set(
            people.filter(list_organisation=True)
            .exclude(organisation="")
            .values_list("organisation", flat=True)
        ),
        key=str.casefold,
    )
    return {
        "total": sum(by_group.values()),
        "by_group": [
            (label, by_group[value]) for value, label in StakeholderGroup.choices if by_group.get(value)
        ]
        + ([(None, by_group[""])] if by_group.get("") else []),
        "by_gender": [(label, by_gender[value]) for value, label in Gender.choices if by_gender.get(value)],
        "gender_not_given": by_gender.get("", 0),
        "organisations": organisations,
        "answers": Answer.objects.filter(item__consultation=consultation, hidden=False).count(),
    }


def items_of(consultation):
    return ConsultationItem.objects.filter(consultation=consultation)
