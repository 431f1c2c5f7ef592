"""A published assessment's results as open data: a Frictionless Data Package (datapackage.json with a
table schema per resource, and one CSV file per resource) and the same as JSON for the API.

Written with the csv and json modules, not with the ``frictionless`` library: the package is five small
tables whose schema is ours, and ``frictionless`` (with its dependencies) would be a heavy runtime
dependency for that; the tests validate every package with it (the ``test`` extra).

What goes in follows the lead's choices (``Publication``): every finding in scope with its indicator and
status; narrative, score, confidence, citations and data points only for endorsed findings unless the
lead chose to include the rest; the sources those cite; the recommendations when they are public.
No comments, votes, assignees, attachments or names. Read with a fixed number of queries.

In the CSV files every text cell a spreadsheet would run as a formula (``=…``, ``+…``, ``-…``, ``@…``)
starts with an apostrophe (``toolkit.tables.spreadsheet_cell``); the JSON gives the text as written.
"""

import csv
import io
import json
import zipfile

from django.db.models import Prefetch
from django.utils import timezone

from assessments.choices import FindingStatus
from assessments.models import Citation, DataPoint, Finding, Source
from publication.choices import LICENCE_URLS, Licence
from reports.models import Recommendation
from reports.queries import report_for
from toolkit.tables import spreadsheet_cell


def _field(name, type_, description, **extra):
    return {"name": name, "type": type_, "description": description, **extra}


REQUIRED = {"constraints": {"required": True}}

SCHEMAS = {
    "findings": {
        "fields": [
            _field("code", "string", "Indicator code in the framework edition, e.g. R.1.1", **REQUIRED),
            _field("indicator", "string", "The indicator's text"),
            _field("category", "string", "ROAM-X category code (R, O, A, M, X; C: contextual)"),
            _field("core", "boolean", "A core indicator of the framework"),
            _field(
                "status",
                "string",
                "Workflow status of the finding",
                constraints={"enum": list(FindingStatus.values)},
            ),
            _field(
                "score", "integer", "The national team's score on its scale (1 = lowest); empty if not scored"
            ),
            _field("score_label", "string", "The score's level on the assessment's scale"),
            _field("special_score", "string", "not_applicable or insufficient_data, if so"),
            _field("confidence", "string", "The team's confidence in the finding: low, medium or high"),
            _field("narrative", "string", "The narrative evidence (Markdown)"),
        ],
        "primaryKey": ["code"],
    },
    "sources": {
        "fields": [
            _field("id", "integer", "Identifier of the source within this package", **REQUIRED),
            _field("type", "string", "Kind of source"),
            _field("title", "string", "Title"),
            _field("author", "string", "Author or publisher"),
            _field("published", "date", "Date of publication"),
            _field("url", "string", "Web address"),
            _field("accessed", "date", "Date accessed"),
        ],
        "primaryKey": ["id"],
    },
    "citations": {
        "fields": [
            _field("finding", "string", "Indicator code of the finding", **REQUIRED),
            _field("source", "integer", "Source id", **REQUIRED),
            _field("locator", "string", "Page or section"),
        ],
        "foreignKeys": [
            {"fields": ["finding"], "reference": {"resource": "findings", "fields": ["code"]}},
            {"fields": ["source"], "reference": {"resource": "sources", "fields": ["id"]}},
        ],
    },
    "data_points": {
        "fields": [
            _field("finding", "string", "Indicator code of the finding", **REQUIRED),
            _field("value", "number", "The value", **REQUIRED),
            _field("unit", "string", "Unit, e.g. %"),
            _field("year", "integer", "Year"),
            _field(
                "disaggregation", "string", "Disaggregation: total, sex, location, age, income, region, other"
            ),
            _field("group", "string", "Group within the disaggregation, e.g. female"),
            _field("source", "integer", "Source id, if any"),
        ],
        "foreignKeys": [
            {"fields": ["finding"], "reference": {"resource": "findings", "fields": ["code"]}},
            {"fields": ["source"], "reference": {"resource": "sources", "fields": ["id"]}},
        ],
    },
    "recommendations": {
        "fields": [
            _field("id", "integer", "Identifier", **REQUIRED),
            _field("stakeholder_group", "string", "The stakeholder group it addresses"),
            _field("priority", "string", "high, medium or low"),
            _field("order", "integer", "Order within the stakeholder group"),
            _field("text", "string", "The recommendation (Markdown)"),
            _field("categories", "string", "Category codes, space-separated"),
            _field("findings", "string", "Indicator codes of the findings it comes from, space-separated"),
        ],
        "primaryKey": ["id"],
    },
}
RESOURCES = list(SCHEMAS)


def tables(publication):
    """The package's rows: {resource name: [dict per row]} (values as Python: None for empty)."""
    assessment = publication.assessment
    findings = list(
        Finding.objects.filter(assessment=assessment, archived=False)
        .select_related("indicator__category")
        .order_by("indicator__order")
    )
    open_ids = {
        f.pk for f in findings if publication.include_unendorsed or f.status == FindingStatus.ENDORSED
    }
    codes = {f.pk: f.indicator.code for f in findings}
    citations = list(
        Citation.objects.filter(finding_id__in=open_ids).order_by(
            "finding__indicator__order", "created", "pk"
        )
    )
    points = list(
        DataPoint.objects.filter(finding_id__in=open_ids).order_by(
            "finding__indicator__order", "year", "disaggregation", "group", "pk"
        )
    )
    source_ids = {c.source_id for c in citations} | {p.source_id for p in points if p.source_id}
    sources = list(Source.objects.filter(assessment=assessment, pk__in=source_ids).order_by("pk"))
    rows = {
        "findings": [_finding_row(assessment, f, f.pk in open_ids) for f in findings],
        "sources": [
            {
                "id": s.pk,
                "type": s.type,
                "title": s.title,
                "author": s.author,
                "published": s.published,
                "url": s.link,
                "accessed": s.accessed,
            }
            for s in sources
        ],
        "citations": [
            {"finding": codes[c.finding_id], "source": c.source_id, "locator": c.locator} for c in citations
        ],
        "data_points": [
            {
                "finding": codes[p.finding_id],
                "value": p.value,
                "unit": p.unit,
                "year": p.year,
                "disaggregation": p.disaggregation,
                "group": p.group,
                "source": p.source_id,
            }
            for p in points
        ],
        "recommendations": [],
    }
    if publication.show_recommendations:
        recommendations = Recommendation.objects.filter(assessment=assessment).prefetch_related(
            "categories", Prefetch("findings", queryset=Finding.objects.select_related("indicator"))
        )
        rows["recommendations"] = [
            {
                "id": r.pk,
                "stakeholder_group": r.stakeholder_group,
                "priority": r.priority,
                "order": r.order,
                "text": r.text,
                "categories": " ".join(sorted(c.code for c in r.categories.all())),
                "findings": " ".join(sorted(f.indicator.code for f in r.findings.all())),
            }
            for r in recommendations.order_by("stakeholder_group", "order", "pk")
        ]
    return rows


def _finding_row(assessment, finding, is_open):
    indicator = finding.indicator
    row = {
        "code": indicator.code,
        "indicator": indicator.text,
        "category": indicator.category.code,
        "core": indicator.is_core,
        "status": finding.status,
        "score": None,
        "score_label": "",
        "special_score": "",
        "confidence": "",
        "narrative": "",
    }
    if is_open:
        row.update(
            score=finding.score,
            score_label=assessment.score_label(finding.score) if finding.score else "",
            special_score=finding.special_score,
            confidence=finding.confidence,
            narrative=finding.narrative,
        )
    return row


def descriptor(publication):
    """datapackage.json without the resources' data (``path`` names each CSV file)."""
    assessment = publication.assessment
    licence = Licence(publication.licence)
    return {
        "profile": "tabular-data-package",
        "name": f"roamx-{assessment.code}".lower(),
        "title": str(report_for(assessment).display_title),
        "description": (
            f"Results of the Internet Universality ROAM-X assessment of {assessment.country_name} "
            f"({assessment.framework}): findings per indicator, their sources, citations and data points, "
            "and the recommendations. Scores are the national team's own judgement; the indicators do not "
            "rank countries."
        ),
        "licenses": [{"name": licence.value, "path": LICENCE_URLS[licence], "title": str(licence.label)}],
        "created": timezone.now().replace(microsecond=0).isoformat(),
        "keywords": ["Internet Universality", "ROAM-X", "UNESCO", assessment.country_name],
        "resources": [
            {
                "name": name,
                "path": f"data/{name}.csv",
                "profile": "tabular-data-resource",
                "format": "csv",
                "mediatype": "text/csv",
                "encoding": "utf-8",
                "schema": SCHEMAS[name],
            }
            for name in RESOURCES
        ],
    }


def _csv_cell(value):
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return spreadsheet_cell(value)
    return str(value)


def csv_text(name, rows):
    out = io.StringIO()
    names = [f["name"] for f in SCHEMAS[name]["fields"]]
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(names)
    for row in rows:
        writer.writerow([_csv_cell(row[n]) for n in names])
    return out.getvalue()


def package_zip(publication):
    """The data package as zip bytes: datapackage.json and data/<resource>.csv."""
    data = tables(publication)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(
            "datapackage.json", json.dumps(descriptor(publication), indent=2, ensure_ascii=False)
        )
        for name in RESOURCES:
            archive.writestr(f"data/{name}.csv", csv_text(name, data[name]))
    return buffer.getvalue()


def _json_value(value):
    if value is None or isinstance(value, bool | int | str):
        return value
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return float(value)  # Decimal


def package_json(publication):
    """The same package for the API: each resource carries its rows inline (``data``) instead of a path."""
    package = descriptor(publication)
    data = tables(publication)
    for resource in package["resources"]:
        for key in ("path", "format", "mediatype", "encoding"):
            resource.pop(key)
        resource["data"] = [{k: _json_value(v) for k, v in row.items()} for row in data[resource["name"]]]
    return package
