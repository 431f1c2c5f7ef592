"""What an assessment covers, in words: the PDF's cover, the dashboard and the scope page say exactly
which indicators were assessed, e.g. "109 core and 21 contextual indicators plus 12 selected indicators
in categories R and O"."""

from django.db.models import Count, Q
from django.utils.text import get_text_list
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from assessments.choices import Scope
from assessments.queries import in_scope_indicators
from indicators.choices import CategoryCode


def scope_counts(indicators):
    """Core, contextual and other ("selected") indicators among ``indicators``, and the categories of the
    others in framework order — one query."""
    contextual = Q(category__code=CategoryCode.CONTEXTUAL)
    rows = (
        indicators.values("category__code", "category__order")
        .annotate(
            core=Count("pk", filter=Q(is_core=True)),
            contextual=Count("pk", filter=contextual),
            other=Count("pk", filter=Q(is_core=False) & ~contextual),
        )
        .order_by("category__order")
    )
    counts = {"core": 0, "contextual": 0, "other": 0, "other_categories": []}
    for row in rows:
        for key in ("core", "contextual", "other"):
            counts[key] += row[key]
        if row["other"]:
            counts["other_categories"].append(row["category__code"])
    counts["total"] = counts["core"] + counts["contextual"] + counts["other"]
    return counts


def describe_counts(scope, counts):
    core = _("%(core)d core and %(contextual)d contextual indicators") % counts
    categories = get_text_list(counts["other_categories"], _("and"))
    if len(counts["other_categories"]) == 1:
        selected = ngettext(
            "%(n)d selected indicator in category %(categories)s",
            "%(n)d selected indicators in category %(categories)s",
            counts["other"],
        )
    else:
        selected = ngettext(
            "%(n)d selected indicator in categories %(categories)s",
            "%(n)d selected indicators in categories %(categories)s",
            counts["other"],
        )
    selected = selected % {"n": counts["other"], "categories": categories}
    if scope == Scope.FULL:
        return _("all %(total)d indicators (%(core)d core, %(contextual)d contextual)") % counts
    if scope == Scope.SELECTED:
        parts = []
        if counts["core"] or counts["contextual"]:
            parts.append(core)
        if counts["other"]:
            parts.append(selected)
        if not parts:
            return _("no indicators yet")
        return _("%(total)d selected indicators: %(parts)s") % {
            "total": counts["total"],
            "parts": get_text_list(parts, _("and")),
        }
    if scope == Scope.CORE_PLUS and counts["other"]:
        return _("%(core)s plus %(selected)s") % {"core": core, "selected": selected}
    return core


def describe_scope(assessment):
    """The assessment's scope in words, from the findings it has (two queries)."""
    return describe_counts(assessment.scope, scope_counts(in_scope_indicators(assessment)))
