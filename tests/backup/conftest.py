import io
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings as django_settings
from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.db import connection

from assessments.models import Assessment, Attachment, Citation, DataPoint, Source
from assessments.services import save_finding
from reports.models import ChapterCache, Report, ReportExport
from review.choices import Frequency
from review.models import NotificationPreference
from review.services import add_comment, record_seen
from roamx.backup import COVERED

ROOT = Path(__file__).resolve().parents[2]
# Real bytes of every value, so a file damaged on the way (text mode, a lost byte) shows.
PDF_BYTES = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n" + bytes(range(256)) * 64 + b"\n%%EOF\n"
CSV_BYTES = "year,value,note\n2022,32.9,ITU estimate — ប្រទេសកម្ពុជា\n".encode()


def png_bytes(colour):
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (8, 8), colour).save(out, format="PNG")
    return out.getvalue()


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def filled(framework, media):
    """The Cambodia demo, plus attachments, logos, edits with history, deletions, mentions and mails."""
    call_command("seed_demo", stdout=io.StringIO())
    assessment = Assessment.objects.get(code="khm-2023")
    users = {u.username: u for u in get_user_model().objects.all()}
    researcher, lead, reviewer = users["researcher"], users["lead"], users["reviewer"]
    findings = assessment.findings.select_related("indicator")
    draft = findings.filter(status="draft").order_by("indicator__order").first()
    other = findings.filter(status="ready").order_by("indicator__order").first()

    for finding, name, data, kind in [
        (draft, "Press law 1995.pdf", PDF_BYTES, "application/pdf"),
        (draft, "survey.csv", CSV_BYTES, "text/csv"),
        (other, "chart.png", png_bytes("navy"), "image/png"),
    ]:
        Attachment.objects.create(
            finding=finding,
            file=ContentFile(data, name=name),
            original_name=name,
            content_type=kind,
            size=len(data),
            description=f"evidence: {name}",
            uploaded_by=researcher,
        )
    report = Report.objects.get(assessment=assessment)
    report.logo.save("cadt.png", ContentFile(png_bytes("red")), save=False)
    report.partner_logo.save("unesco.png", ContentFile(png_bytes("blue")), save=False)
    report.save()

    # Edits that leave history: a reworded narrative with its reason, a source made, cited and deleted
    # (history of objects that no longer exist), a citation and a data point removed.
    draft._change_reason = "reworded after the workshop"
    save_finding(
        draft,
        by=researcher,
        expected_version=draft.version,
        fields={"narrative": draft.narrative + " Reworded."},
    )
    gone = Source.objects.create(
        assessment=assessment, type="web", title="A page since taken down", url="https://example.org/gone"
    )
    Citation.objects.create(finding=draft, source=gone, locator="para 2")
    gone.delete()
    Citation.objects.filter(finding=other).order_by("pk").first().delete()
    cited = Citation.objects.filter(finding=draft).order_by("pk").first()
    cited.locator = "p. 12"
    cited.save()
    DataPoint.objects.filter(finding__assessment=assessment).order_by("pk").first().delete()

    # Review activity through the services: a mention and a reply each make a notification.
    comment = add_comment(draft, by=reviewer, body="@researcher which year is this figure from?")
    add_comment(draft, by=researcher, body="2022, as the slides say.", parent=comment)
    NotificationPreference.objects.create(user=reviewer, frequency=Frequency.DAILY)
    record_seen(lead, draft)
    assessment.recommendations.order_by("pk").first().findings.add(draft, other)

    # Left out of backups on purpose: regenerated.
    ReportExport.objects.create(assessment=assessment, content_hash="0" * 64, requested_by=lead)
    ChapterCache.objects.create(assessment=assessment, key="cover", html_hash="0" * 64, pdf=b"%PDF", pages=1)
    return assessment


def database_state(media_root):
    """Row counts of every backed-up model and users, and the files in storage."""
    counts = {label: apps.get_model(label).objects.count() for label in COVERED}
    counts["users"] = get_user_model().objects.count()
    root = Path(media_root)
    files = sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()) if root.exists() else []
    return counts, files


def export(code, tmp_path, name="backup.roamx.zip"):
    path = tmp_path / name
    call_command("export_assessment", code, output=str(path), stdout=io.StringIO())
    return path


def import_(path, **options):
    out = io.StringIO()
    call_command("import_assessment", str(path), stdout=out, **options)
    return out.getvalue()


class OtherDatabase:
    """A fresh, migrated database (PostgreSQL beside the test database, or an SQLite file), used by the
    commands in subprocesses."""

    def __init__(self, tmp_path, vendor):
        self.media = tmp_path / "other-media"
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "roamx.settings",
            "DEBUG": "1",
            "VAR_DIR": str(tmp_path / "other-var"),
            "MEDIA_ROOT": str(self.media),
        }
        self.env.pop("ROAMX_TESTING", None)
        self.pg_name = None
        if vendor == "postgresql":
            self.pg_name = f"{connection.settings_dict['NAME']}_restore"[:63]
            self._admin(f'DROP DATABASE IF EXISTS "{self.pg_name}"', f'CREATE DATABASE "{self.pg_name}"')
            s = connection.settings_dict
            self.env["DATABASE_URL"] = (
                f"postgres://{s['USER']}:{s['PASSWORD'] or ''}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{self.pg_name}"
            )
        else:
            self.env["DATABASE_URL"] = f"sqlite:///{tmp_path / 'other.sqlite3'}"

    def _admin(self, *statements):
        import psycopg2

        s = connection.settings_dict
        conn = psycopg2.connect(
            dbname="postgres", user=s["USER"], password=s["PASSWORD"], host=s["HOST"], port=s["PORT"]
        )
        conn.autocommit = True
        try:
            with conn.cursor() as cursor:
                for statement in statements:
                    cursor.execute(statement)
        finally:
            conn.close()

    def run(self, *args, check=True):
        result = subprocess.run(
            [sys.executable, *args], cwd=ROOT, env=self.env, capture_output=True, text=True, timeout=300
        )
        if check and result.returncode != 0:
            raise AssertionError(f"{args} failed:\n{result.stdout}\n{result.stderr}")
        return result

    def manage(self, *args, check=True):
        return self.run("manage.py", *args, check=check)

    def close(self):
        if self.pg_name:
            self._admin(f'DROP DATABASE IF EXISTS "{self.pg_name}" WITH (FORCE)')


# Restores go to a fresh database of the test database's kind; from PostgreSQL also to SQLite, so an
# archive is shown to move between the two.
TARGETS = (
    ["postgresql", "sqlite"]
    if django_settings.DATABASES["default"]["ENGINE"].endswith("postgresql")
    else ["sqlite"]
)


@pytest.fixture(params=TARGETS)
def other_database(request, tmp_path):
    db = OtherDatabase(tmp_path, request.param)
    try:
        db.manage("migrate", "--noinput", "-v0")
        db.manage("load_framework")
        yield db
    finally:
        db.close()
