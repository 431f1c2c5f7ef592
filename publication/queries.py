"""What publication reads: the publication state, what is public, and the files a public page offers."""

import hashlib

from django.conf import settings
from django.db import connection
from django.http import Http404
from django.utils import translation

from assessments.choices import Role
from assessments.models import Assessment, Attachment, Finding, Membership
from assessments.queries import dashboard_fingerprint_parts, fingerprint_key, fingerprint_values
from indicators.models import CatalogueTranslation, Category
from publication.models import Publication
from reports.choices import ExportStatus
from reports.models import Recommendation, Report, ReportExport, ReportSection
from toolkit import rows
from toolkit.environment import release_stamp


def publication_for(assessment):
    """The assessment's publication settings (unsaved defaults, not published, when none were written)."""
    return Publication.objects.filter(assessment=assessment).first() or Publication(assessment=assessment)


def published():
    return Publication.objects.filter(is_published=True).select_related("assessment")


def published_or_404(code):
    """The publication of the assessment ``code`` while it is published, with its assessment; 404
    otherwise (also at once after unpublishing: this is read on every request, before any cached copy is
    looked at). Plain SQL, as every view of the public page runs it (the ORM built it for ~1 ms of CPU)."""
    if "\x00" in code:  # no code; PostgreSQL refuses NUL in a query
        raise Http404("Nothing is published under this code.")
    quote = connection.ops.quote_name
    p_meta, a_meta = Publication._meta, Assessment._meta
    sql = (
        f"SELECT {rows.columns(Publication, 'p', connection)}, {rows.columns(Assessment, 'a', connection)} "
        f"FROM {quote(p_meta.db_table)} p JOIN {quote(a_meta.db_table)} a "
        f"ON a.{quote(a_meta.pk.column)} = p.{quote(p_meta.get_field('assessment').column)} "
        f"WHERE p.{quote(p_meta.get_field('is_published').column)} = %s "
        f"AND a.{quote(a_meta.get_field('code').column)} = %s"
    )
    found = rows.fetch_one(connection, sql, [True, code], [Publication, Assessment])
    if found is None:
        raise Http404("Nothing is published under this code.")
    publication, assessment = found
    rows.attach(publication, "assessment", assessment)
    return publication


def latest_file(assessment, fmt):
    """The latest completed export of the report in ``fmt`` (``pdf`` or ``docx``), or None."""
    return (
        ReportExport.objects.filter(assessment=assessment, status=ExportStatus.DONE, format=fmt)
        .exclude(file="")
        .order_by("-finished", "-pk")
        .first()
    )


def mab_members(assessment):
    """The MAB's names and organisations, for a public page that chose to show them."""
    return list(
        Membership.objects.filter(assessment=assessment, role=Role.MAB)
        .select_related("user")
        .order_by("user__last_name", "user__first_name", "user__username")
    )


def public_fingerprint(publication):
    """A key that changes whenever anything the public page's body could show changes (the page caches
    its body under it, and its ETag is made from it), in one plain-SQL query: the publication's own row
    (its choices and licence: every save moves ``updated``), the assessment's row (title, country, phase,
    scale), the findings and their evidence (the chart: ``dashboard_fingerprint_parts``), the report's
    settings, sections and recommendations (with their categories and findings), the attachments (the
    figures the public text places), the finished exports (the download links, their sizes and pages),
    the framework's categories and catalogue translations (the chart's names), the language and this
    deploy's code, templates and translations. Rows are counted with their newest id and last change, so
    additions, edits and deletions all move it. The MAB's names are not in it: the page reads them on
    every request (one query) when they are shown."""
    assessment = publication.assessment
    q = connection.ops.quote_name
    finding = q(Finding._meta.db_table)
    through_categories = q(Recommendation.categories.through._meta.db_table)
    through_findings = q(Recommendation.findings.through._meta.db_table)
    recommendation = q(Recommendation._meta.db_table)
    export = q(ReportExport._meta.db_table)
    done = "status = %s AND file <> ''"
    parts = [
        *dashboard_fingerprint_parts(assessment),
        (
            f"SELECT COUNT(*), MAX(updated) FROM {q(Report._meta.db_table)} WHERE assessment_id = %s",
            [assessment.pk],
        ),
        *(
            (
                f"SELECT COUNT(*), MAX(id), MAX(updated) FROM {q(model._meta.db_table)} WHERE assessment_id = %s",
                [assessment.pk],
            )
            for model in (ReportSection, Recommendation)
        ),
        *(
            (
                f"SELECT COUNT(*), MAX(t.id) FROM {through} t JOIN {recommendation} r ON t.recommendation_id = r.id "
                "WHERE r.assessment_id = %s",
                [assessment.pk],
            )
            for through in (through_categories, through_findings)
        ),
        (
            f"SELECT COUNT(*), MAX(a.id), MAX(a.updated) FROM {q(Attachment._meta.db_table)} a "
            f"JOIN {finding} f ON a.finding_id = f.id WHERE f.assessment_id = %s",
            [assessment.pk],
        ),
        (
            f"SELECT COUNT(CASE WHEN {done} THEN 1 END), MAX(CASE WHEN {done} THEN id END), "
            f"MAX(CASE WHEN {done} THEN updated END) FROM {export} WHERE assessment_id = %s",
            [ExportStatus.DONE, ExportStatus.DONE, ExportStatus.DONE, assessment.pk],
        ),
        *(
            (
                f"SELECT COUNT(*), MAX(updated) FROM {q(model._meta.db_table)} WHERE framework_id = %s",
                [assessment.framework_id],
            )
            for model in (Category, CatalogueTranslation)
        ),
    ]
    values = fingerprint_values(parts)
    return fingerprint_key(
        assessment,
        [
            publication.pk,
            publication.updated.isoformat(),
            translation.get_language(),
            # The release (by the code's contents: every web machine of one gives the same ETag) and the
            # settings that shape its dates and languages.
            release_stamp(settings.BASE_DIR),
            settings.TIME_ZONE,
            settings.LANGUAGE_CODE,
            repr(settings.LANGUAGES),
            *values,
        ],
    )


def public_etag(key):
    """The ETag of the public page whose body has the key ``key`` (a digest: the key names rows)."""
    return hashlib.sha256(key.encode()).hexdigest()[:32]
