"""The quick unchanged-content check: a fingerprint of every database row the report reads.

Pressing Export asks whether a finished export of the same content exists. The sure answer is the content
hash (``ReportDocument.content_hash``), but that needs the report's HTML built (about a second for the
full scope). This fingerprint answers most presses from the rows alone: a SHA-256 over **every column of
every row** the report is built from, ordered by primary key, plus what is not in the database (the
code, templates, translations and fonts of this deploy; the date in the assessment's time zone; the
language and options). It does not rely on ``updated`` timestamps or counters, so a change written with
``update()`` (a reorder), a deleted row, a catalogue translation or a change in the previous round all
change it.

Equal fingerprints mean equal inputs, so an export whose fingerprint equals today's is handed out again
without building anything (``reports.services.request_export``). Different fingerprints prove nothing
(a save that changed nothing shown still moves ``updated``): the HTML is then built and hashed as before.

What reads rows is registered: the report's own tables here, and each chapter another app adds
(``reports.extra.register_chapter(..., reads=…)``) names the rows it reads. A chapter registered without
``reads`` switches this check off (``of`` returns ""), so a new chapter can never make it hand out a
stale PDF.
"""

import hashlib
from functools import lru_cache

from django.conf import settings
from django.utils import timezone, translation

from assessments.models import Assessment, Attachment, Citation, DataPoint, Finding, Source
from assessments.timezones import in_zone_of
from indicators.models import (
    CatalogueTranslation,
    Category,
    Crosswalk,
    CrosswalkLink,
    Framework,
    Indicator,
    Question,
    Theme,
)
from reports import document, extra
from reports.models import Recommendation, RecommendationFollowUp, Report, ReportSection

# What makes up the rendering code and its words: a deploy changes one of these files.
CODE_SUFFIXES = {".py", ".html", ".css", ".mo", ".ttf", ".svg", ".json", ".txt"}
SKIP_DIRS = {".venv", "var", "node_modules", "tests", ".git", "docs", "benchmarks", "staticfiles"}


def report_rows(assessment):
    """Every row ``reports.document.build`` reads for ``assessment`` (querysets)."""
    findings = Finding.objects.filter(assessment=assessment)
    rows = [
        Assessment.objects.filter(pk=assessment.pk),
        Assessment.selected_indicators.through.objects.filter(assessment=assessment),
        Framework.objects.filter(pk=assessment.framework_id),
        Category.objects.filter(framework_id=assessment.framework_id),
        Theme.objects.filter(framework_id=assessment.framework_id),
        Question.objects.filter(framework_id=assessment.framework_id),
        Indicator.objects.filter(framework_id=assessment.framework_id),
        CatalogueTranslation.objects.filter(framework_id=assessment.framework_id),
        Report.objects.filter(assessment=assessment),
        ReportSection.objects.filter(assessment=assessment),
        Recommendation.objects.filter(assessment=assessment),
        Recommendation.categories.through.objects.filter(recommendation__assessment=assessment),
        Recommendation.findings.through.objects.filter(recommendation__assessment=assessment),
        findings,
        Source.objects.filter(assessment=assessment),
        Citation.objects.filter(finding__assessment=assessment),
        DataPoint.objects.filter(finding__assessment=assessment),
        Attachment.objects.filter(finding__assessment=assessment),
    ]
    if assessment.previous_id:
        previous = Assessment.objects.filter(pk=assessment.previous_id)
        previous_framework = previous.values_list("framework_id", flat=True)
        # The progress chapter compares with the previous round's scores and evidence; the follow-up
        # chapter shows the previous round's recommendations with this round's follow-up of each.
        rows += [
            previous,
            Finding.objects.filter(assessment_id=assessment.previous_id),
            Citation.objects.filter(finding__assessment_id=assessment.previous_id),
            DataPoint.objects.filter(finding__assessment_id=assessment.previous_id),
            Recommendation.objects.filter(assessment_id=assessment.previous_id),
            RecommendationFollowUp.objects.filter(assessment=assessment),
            RecommendationFollowUp.sources.through.objects.filter(
                recommendationfollowup__assessment=assessment
            ),
            # A previous round on another edition is matched through the crosswalk, by its indicators.
            Indicator.objects.filter(framework_id__in=previous_framework).exclude(
                framework_id=assessment.framework_id
            ),
            Crosswalk.objects.filter(
                from_framework_id__in=previous_framework, to_framework_id=assessment.framework_id
            ),
            CrosswalkLink.objects.filter(
                crosswalk__from_framework_id__in=previous_framework,
                crosswalk__to_framework_id=assessment.framework_id,
            ),
        ]
    return rows


@lru_cache(maxsize=1)
def code_fingerprint():
    """Names, sizes and modification times of the project's code, templates, translations and fonts, and
    the settings that shape dates and languages: a deploy or a compiled translation changes it. Read
    once per process (a deploy restarts the processes)."""
    digest = hashlib.sha256(document.RENDER_VERSION.encode())
    root = settings.BASE_DIR
    stack = [root]
    files = []
    while stack:
        folder = stack.pop()
        for entry in folder.iterdir():
            if entry.is_dir():
                if entry.name not in SKIP_DIRS and not entry.name.startswith("."):
                    stack.append(entry)
            elif entry.suffix in CODE_SUFFIXES:
                stat = entry.stat()
                files.append(f"{entry.relative_to(root)}:{stat.st_size}:{stat.st_mtime_ns}")
    digest.update("\n".join(sorted(files)).encode())
    digest.update(repr((settings.TIME_ZONE, settings.LANGUAGE_CODE, list(settings.LANGUAGES))).encode())
    return digest.hexdigest()


def of(assessment, language=None, with_progress=False):
    """The fingerprint of what the export of ``assessment`` in ``language`` would be built from; "" when
    a registered chapter does not say what it reads (the check is then off)."""
    sources = [("reports", report_rows)]
    for key, reads in extra.chapter_reads():
        if reads is None:
            return ""
        sources.append((key, reads))
    language = document.report_language(assessment, language)
    with in_zone_of(assessment), translation.override(language):
        today = timezone.localdate()
    digest = hashlib.sha256(code_fingerprint().encode())
    digest.update(f"\0{language}\0{bool(with_progress)}\0{today.isoformat()}".encode())
    for key, reads in sources:
        for queryset in reads(assessment):
            model = queryset.model
            digest.update(f"\0{key}:{model._meta.label}\0".encode())
            fields = [f.attname for f in model._meta.concrete_fields]
            for row in queryset.order_by("pk").values_list(*fields):
                digest.update(repr(row).encode())
                digest.update(b"\n")
    return digest.hexdigest()
