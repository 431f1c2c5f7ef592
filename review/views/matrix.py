"""The comment-response matrix: every MAB comment and the team's disposition, for the workshop."""

import hashlib

import tablib
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.http import HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils.timezone import get_current_timezone_name
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from assessments.choices import StakeholderGroup
from assessments.rules import get_assessment_for
from assessments.timezones import show
from indicators.translations import localise
from review import inputs, queries, targets
from review.forms import MatrixFilterForm
from toolkit.tables import neutralised

STAKEHOLDER_GROUPS = dict(StakeholderGroup.choices)
FORMATS = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def _row(comment):
    target = comment.target
    label = targets.spec_for(target).label(target) if target is not None else _("(deleted)")
    return {
        "comment": comment,
        "target": target,
        "label": label,
        "url": targets.spec_for(target).url(target) if target is not None else "",
    }


# How long a copy of the matrix's table is kept. Its key covers every row the table shows except the
# names of the team members who resolved comments (users have no "updated"): a renamed resolver shows
# after this long at most.
MATRIX_CACHE_SECONDS = 600


@login_required
def matrix(request, code):
    assessment = get_assessment_for(request.user, code)
    memberships = list(queries.mab_members(assessment))
    commenters = [membership.user for membership in memberships]

    def filter_form():
        categories = list(assessment.framework.categories.order_by("order"))
        localise(assessment.framework, [("category", categories)])
        return MatrixFilterForm(request.GET or None, categories=categories, commenters=commenters)

    # Without a query string there is nothing to check: the form (and its categories) is built only when
    # its cached copy is missing.
    form = filter_form() if request.GET else None
    filters = form.cleaned_data if form is not None and form.is_valid() else {}
    chosen = {k: v for k, v in filters.items() if v}
    export = request.GET.get("export")
    if export in FORMATS:
        rows, outside = _rows(assessment, chosen)
        return _export(assessment, rows, outside, export)
    query = request.GET.copy()
    query.pop("export", None)
    context = {"assessment": assessment, "query": query.urlencode()}
    # The table and the filters' form are cached under a key of everything they show, the filters, the
    # language and the time zone (its dates): any change shows at once, and the rows are not even read
    # for a cached copy. A form with errors is never cached: it shows what was typed.
    fingerprint = queries.matrix_fingerprint(assessment, memberships)
    cache_key = None
    if fingerprint is not None and not (form is not None and form.errors):
        parts = [
            fingerprint,
            sorted(chosen.items()),
            context["query"],
            get_language(),
            get_current_timezone_name(),
        ]
        cache_key = "review-matrix:" + hashlib.sha256(repr(parts).encode()).hexdigest()
    page = cache.get(cache_key) if cache_key else None
    if page is None:
        rows, outside = _rows(assessment, chosen)
        page = {
            "table": render_to_string(
                "review/_matrix_table.html", {**context, "rows": rows, "outside": outside}
            ),
            "filters": render_to_string(
                "review/_matrix_filters.html", {**context, "form": form or filter_form()}, request=request
            ),
        }
        if cache_key:
            cache.set(cache_key, page, MATRIX_CACHE_SECONDS)
    return render(request, "review/matrix.html", {**context, **page})


def _rows(assessment, chosen):
    """The MAB's comments as rows, and the inputs from outside the MAB (a consultation's participants),
    registered by the apps that collect them."""
    rows = [_row(c) for c in queries.mab_comments(assessment, **chosen)]
    return rows, inputs.input_rows(assessment, **chosen)


def _export(assessment, rows, outside, fmt):
    data = tablib.Dataset(
        headers=[
            _("No."),
            _("Category"),
            _("Item"),
            _("Commenter"),
            _("Stakeholder group"),
            _("Date"),
            _("Comment"),
            _("Status"),
            _("Disposition"),
            _("Reason"),
            _("Resolved by"),
            _("Resolved on"),
            _("Source"),
        ],
        title=_("Comment-response matrix")[:31],
    )
    for number, row in enumerate(rows, start=1):
        c = row["comment"]
        # Comments are people's text: nothing in them may run as a spreadsheet formula.
        data.append(
            [
                number,
                c.category,
                row["label"],
                c.author.get_full_name() or c.author.username,
                STAKEHOLDER_GROUPS.get(c.stakeholder_group, ""),
                show(c.created, assessment),
                c.answered_text,
                c.get_status_display(),
                c.get_disposition_display(),
                c.reason,
                (c.resolved_by.get_full_name() or c.resolved_by.username) if c.resolved_by else "",
                show(c.resolved_at, assessment, fmt="DATE_FORMAT"),
                _("MAB"),
            ]
        )
    for number, r in enumerate(outside, start=len(rows) + 1):
        data.append(
            [
                number,
                r.category,
                r.label,
                r.author,
                r.stakeholder_group,
                show(r.date, assessment),
                r.text,
                r.status,
                r.disposition_label,
                r.reason,
                r.resolved_by,
                show(r.resolved_at, assessment, fmt="DATE_FORMAT"),
                str(r.source),
            ]
        )
    data = neutralised(data)
    content = data.export(fmt)
    if isinstance(content, str):
        content = content.encode("utf-8-sig")  # the BOM lets spreadsheet programs read UTF-8 CSV
    response = HttpResponse(content, content_type=FORMATS[fmt])
    response["Content-Disposition"] = (
        f'attachment; filename="{assessment.code}-comment-response-matrix.{fmt}"'
    )
    return response
