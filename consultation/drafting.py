"""The drafted "Validation" section: a starting text from the participation figures, which the team edits."""

from django.utils.translation import gettext as _

from assessments.timezones import show


def draft_validation(consultation, figures):
    # gettext outside the f-string: xgettext does not look inside f-strings.
    no_group = _("no group given")
    groups = ", ".join(f"{label or no_group} ({n})" for label, n in figures["by_group"]) or _("none yet")
    where = consultation.place or _("online")
    parts = [
        _(
            "The draft findings and recommendations were presented for validation at “%(title)s” "
            "(%(where)s, %(opens)s – %(closes)s)."
        )
        % {
            "title": consultation.title,
            "where": where,
            "opens": show(consultation.opens_at, consultation.assessment, fmt="DATE_FORMAT"),
            "closes": show(consultation.closes_at, consultation.assessment, fmt="DATE_FORMAT"),
        },
        _("%(n)d participants took part, by stakeholder group: %(groups)s. They gave %(answers)d inputs.")
        % {"n": figures["total"], "groups": groups, "answers": figures["answers"]},
        _(
            "Each input was considered by the research team and accepted, partly accepted or not accepted, "
            "with a reason; the comment-response matrix records them."
        ),
    ]
    return "\n\n".join(parts)
