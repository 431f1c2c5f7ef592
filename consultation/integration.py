"""What the consultation gives the apps below it, through their registries (see apps.py)."""

from django.db import connection
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext as _

from consultation import queries
from consultation.choices import Source
from consultation.models import Answer, Consultation, ConsultationItem, Participant
from reports.chapters import Chapter, markdown, text
from review.choices import CommentStatus
from review.inputs import InputRow


def matrix_rows(assessment):
    """Every visible consultation input that carries a comment or a disposition: one query."""
    answers = (
        Answer.objects.filter(item__consultation__assessment=assessment, hidden=False)
        .exclude(comment="", disposition="")
        .select_related("item__consultation", "participant", "resolved_by")
        .order_by("item__consultation_id", "item__number", "pk")
    )
    rows = []
    for a in answers:
        c, p = a.item.consultation, a.participant
        rows.append(
            InputRow(
                source=Source.ONLINE.label if c.is_online else Source.WORKSHOP.label,
                category=a.item.category,
                label=f"{c.title} · {a.item.number}. {a.item.label}",
                url=reverse("consultation:inputs", kwargs={"code": assessment.code, "pk": c.pk})
                + f"#input-{a.pk}",
                author=p.name or p.organisation or f"#{p.pk}",
                stakeholder_group=p.get_stakeholder_group_display(),
                date=a.updated,
                text=f"{a.get_position_display()}: {a.comment}" if a.comment else a.get_position_display(),
                status=CommentStatus.RESOLVED.label if a.disposition else CommentStatus.OPEN.label,
                disposition=a.disposition,
                disposition_label=a.get_disposition_display(),
                reason=a.reason,
                resolved_by=(a.resolved_by.get_full_name() or a.resolved_by.username)
                if a.resolved_by
                else "",
                resolved_at=a.resolved_at,
                kind="findings" if a.item.kind == "finding" else "report",
            )
        )
    return rows


def matrix_fingerprint(assessment):
    """What ``matrix_rows`` reads, as aggregate queries (review.inputs): the answers (their number,
    newest id and last save; hiding and erasure write with ``update()``, so the hidden and the blanked
    are counted too), the participants (details saved, erased), the consultations (title, online) and
    their items."""
    q = connection.ops.quote_name
    answer, item, consultation, participant = (
        q(model._meta.db_table) for model in (Answer, ConsultationItem, Consultation, Participant)
    )
    return [
        (
            "SELECT COUNT(*), MAX(a.id), MAX(a.updated), COUNT(CASE WHEN a.hidden THEN 1 END), "
            "COUNT(CASE WHEN a.comment = '' THEN 1 END) "
            f"FROM {answer} a JOIN {item} i ON a.item_id = i.id JOIN {consultation} c ON i.consultation_id = c.id "
            "WHERE c.assessment_id = %s",
            [assessment.pk],
        ),
        (
            "SELECT COUNT(*), MAX(p.updated), COUNT(p.erased_at), MAX(p.erased_at) "
            f"FROM {participant} p JOIN {consultation} c ON p.consultation_id = c.id WHERE c.assessment_id = %s",
            [assessment.pk],
        ),
        (
            f"SELECT COUNT(*), MAX(c.updated), COUNT(i.id), MAX(i.id) FROM {consultation} c "
            f"LEFT JOIN {item} i ON i.consultation_id = c.id WHERE c.assessment_id = %s",
            [assessment.pk],
        ),
    ]


def report_rows(assessment):
    """Every row ``report_chapter`` reads (reports/fingerprint.py: the quick unchanged-content check)."""
    return [
        Consultation.objects.filter(assessment=assessment),
        ConsultationItem.objects.filter(consultation__assessment=assessment),
        Participant.objects.filter(consultation__assessment=assessment),
        Answer.objects.filter(item__consultation__assessment=assessment),
    ]


def report_chapter(assessment):
    """The participation summary and the Validation section of every consultation the team chose to
    put into the report (none: no chapter)."""
    chosen = list(
        Consultation.objects.filter(assessment=assessment, in_report=True).order_by("opens_at", "pk")
    )
    if not chosen:
        return None
    parts = []
    for c in chosen:
        figures = queries.participation(c)
        parts.append(
            {
                "title": text(c.title),
                "figures": figures,
                "groups": [(text(label) if label else "", n) for label, n in figures["by_group"]],
                "organisations": [text(o) for o in figures["organisations"]],
                "body": markdown(c.validation_text, None, "Validation"),
            }
        )
    return Chapter(
        "validation",
        _("Validation"),
        render_to_string("consultation/pdf/validation.html", {"parts": parts}),
        [("sec-validation", _("Validation"), 1)],
    )
