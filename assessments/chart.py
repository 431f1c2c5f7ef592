"""The category chart as inline SVG: coverage (indicators with evidence) and the mean score where scored.

It lives in ``assessments`` because it needs nothing but the assessment's findings: the report's PDF
(reports.chapters, from its loaded findings) and the dashboard and review overview (from
``queries.dashboard_figures``, aggregated in the database) draw the same chart, and no lower app has to
reach up into ``reports`` or consult a registry for it.
"""

from django.utils.html import escape
from django.utils.translation import gettext as _

COLOURS = {"R": "#c0392b", "O": "#2471a3", "A": "#1e8449", "M": "#7d3c98", "X": "#b9770e", "C": "#5d6d7e"}


def category_chart(rows, scale_size):
    """``rows``: dicts with code, name, in_scope, with_evidence, scored, mean_score (or None)."""
    label_w, bar_w, row_h, top = 235, 230, 46, 30
    width = label_w + bar_w + 120
    height = top + row_h * len(rows) + 10
    # Outside the f-strings: xgettext does not find gettext calls inside them, so they went untranslated.
    title = escape(_("Coverage and scores by category"))
    coverage = escape(_("Coverage: indicators with evidence"))
    mean = escape(_("Mean score on the scale, where scored"))
    not_scored = escape(_("not scored"))
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" role="img" aria-label="{title}">',
        f'<text x="{label_w}" y="14" font-size="10" fill="#5b6578">{coverage}</text>',
        f'<text x="{label_w}" y="26" font-size="10" fill="#5b6578">{mean}</text>',
    ]
    for i, row in enumerate(rows):
        y = top + i * row_h
        colour = COLOURS.get(row["code"], "#555")
        cover = row["with_evidence"] / row["in_scope"] if row["in_scope"] else 0
        parts.append(
            f'<text x="0" y="{y + 15}" font-size="11" font-weight="bold" fill="#1d2433">{escape(row["code"])} – {escape(row["name"])}</text>'
        )
        parts.append(f'<rect x="{label_w}" y="{y + 4}" width="{bar_w}" height="14" fill="#eceff3"/>')
        parts.append(
            f'<rect x="{label_w}" y="{y + 4}" width="{bar_w * cover:.1f}" height="14" fill="{colour}"/>'
        )
        parts.append(
            f'<text x="{label_w + bar_w + 8}" y="{y + 15}" font-size="10" fill="#5b6578">'
            f"{row['with_evidence']}/{row['in_scope']}</text>"
        )
        if row["mean_score"] is None:
            parts.append(
                f'<text x="{label_w}" y="{y + 34}" font-size="10" fill="#5b6578">{not_scored}</text>'
            )
        else:
            share = row["mean_score"] / scale_size if scale_size else 0
            parts.append(
                f'<rect x="{label_w}" y="{y + 24}" width="{bar_w * share:.1f}" height="10" '
                f'fill="{colour}" fill-opacity="0.45"/>'
            )
            parts.append(
                f'<text x="{label_w + bar_w + 8}" y="{y + 34}" font-size="10" fill="#5b6578">'
                f"{row['mean_score']:.1f}/{scale_size} ({row['scored']})</text>"
            )
    parts.append("</svg>")
    return "".join(parts)


def figures_chart(figures, scale_size):
    """The chart from ``queries.dashboard_figures``' rows (a fixed number of queries)."""
    rows = [
        {
            "code": row["category"].code,
            "name": row["category"].name,
            "in_scope": row["total"],
            "with_evidence": row["evidenced"],
            "scored": row["scored"],
            "mean_score": row["average"],
        }
        for row in figures["categories"]
    ]
    return category_chart(rows, scale_size) if rows else ""
