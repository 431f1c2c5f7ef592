"""Reads of the consultation, each in a fixed number of queries."""

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
    """Per item: how many agree, agree with changes, disagree (hidden inputs not counted). Two queries."""
    counts = {
        (row["item"], row["position"]): row["n"]
        for row in Answer.objects.filter(item__consultation=consultation, hidden=False)
        .values("item", "position")
        .annotate(n=Count("pk"))
    }
    items = []
    for item in consultation.items.all():
        row = {"number": item.number, "label": item.label, "category": item.category, "pk": item.pk}
        for position in Position:
            row[position.value] = counts.get((item.pk, position.value), 0)
        row["total"] = sum(row[p.value] for p in Position)
        for position in Position:
            row[f"{position.value}_pct"] = (
                round(100 * row[position.value] / row["total"]) if row["total"] else 0
            )
        items.append(row)
    return items


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
