"""Each assessment's time zone: its default, its validation, and times shown in it on pages and exports.

The event of every test happens at 2026-03-01 20:30 UTC; ZONES says how it reads in each zone, in the
product's one format (roamx/formats/en/formats.py).
"""

import datetime
import importlib
import re
from pathlib import Path

import pytest
import tablib
from babel.core import get_global
from django.apps import apps as django_apps
from django.conf import settings
from django.core.exceptions import ValidationError
from django.urls import reverse
from rest_framework.authtoken.models import Token

from assessments import timezones
from assessments.choices import Role
from assessments.models import Assessment, Finding
from assessments.services import create_assessment
from tests.assessments.conftest import finding
from tests.factories import MembershipFactory

EVENT = datetime.datetime(2026, 3, 1, 20, 30, tzinfo=datetime.UTC)
# zone → the event as the product writes it (DATETIME_FORMAT), and as SHORT_DATETIME_FORMAT
ZONES = {
    "Asia/Phnom_Penh": ("2 March 2026, 03:30 +07", "2 Mar 2026, 03:30 +07"),
    "Europe/Berlin": ("1 March 2026, 21:30 CET", "1 Mar 2026, 21:30 CET"),
    "America/New_York": ("1 March 2026, 15:30 EST", "1 Mar 2026, 15:30 EST"),
}
PHNOM_PENH = ZONES["Asia/Phnom_Penh"][0]
ROOT = Path(settings.BASE_DIR)

# country code → default zone: one-zone countries (alpha-3 and alpha-2, any case), countries with several
# zones (their capital's), and codes nobody knows (settings.TIME_ZONE).
DEFAULTS = [
    ("KHM", "Asia/Phnom_Penh"),
    ("KH", "Asia/Phnom_Penh"),
    ("khm", "Asia/Phnom_Penh"),
    ("THA", "Asia/Bangkok"),
    ("FRA", "Europe/Paris"),
    ("KEN", "Africa/Nairobi"),
    ("USA", "America/New_York"),
    ("RUS", "Europe/Moscow"),
    ("BRA", "America/Sao_Paulo"),
    ("AUS", "Australia/Sydney"),
    ("IDN", "Asia/Jakarta"),
    ("MEX", "America/Mexico_City"),
    ("CAN", "America/Toronto"),
    ("XXX", "UTC"),
    ("QQ", "UTC"),
    ("", "UTC"),
]


def at_event(assessment, **extra):
    """Every finding of the assessment last changed at the event."""
    Finding.objects.filter(assessment=assessment).update(updated=EVENT, **extra)


@pytest.mark.parametrize(("country", "zone"), DEFAULTS)
def test_default_zone_from_the_country(country, zone):
    assert timezones.default_time_zone(country) == zone


def test_capital_table_covers_every_country_with_several_zones():
    cldr = get_global("territory_zones")
    several = {code for code, zones in cldr.items() if len(zones) > 1} - {"001", "ZZ", "AQ", "UM"}
    assert several == set(timezones.CAPITAL_ZONES)
    for code, zone in timezones.CAPITAL_ZONES.items():
        assert zone in cldr[code] and zone in timezones.available_zones(), code


def test_new_assessment_gets_its_country_zone_and_keeps_a_chosen_one(framework):
    assert create_assessment(
        code="deu-2025", title="Germany", country_code="DEU", country_name="Germany", framework=framework
    ).time_zone == ("Europe/Berlin")
    chosen = create_assessment(
        code="usa-2025",
        title="USA",
        country_code="USA",
        country_name="United States",
        framework=framework,
        time_zone="America/Los_Angeles",
    )
    assert Assessment.objects.get(pk=chosen.pk).time_zone == "America/Los_Angeles"


def test_an_assessment_stored_without_a_zone_shows_its_countrys(assessment):
    Assessment.objects.filter(pk=assessment.pk).update(time_zone="")  # as a raw restore writes it
    stored = Assessment.objects.get(pk=assessment.pk)
    assert timezones.zone_of(stored) == "Asia/Phnom_Penh"
    assert timezones.show(EVENT, stored) == PHNOM_PENH
    assert timezones.zone_of(None) == settings.TIME_ZONE


def test_migration_gives_existing_assessments_their_country_zone(assessment, framework):
    other = create_assessment(
        code="bra-2025", title="Brazil", country_code="BRA", country_name="Brazil", framework=framework
    )
    create_assessment(
        code="ken-2025",
        title="Kenya",
        country_code="KEN",
        country_name="Kenya",
        framework=framework,
        time_zone="Europe/London",
    )
    Assessment.objects.filter(pk__in=[assessment.pk, other.pk]).update(time_zone="")
    migration = importlib.import_module("assessments.migrations.0002_assessment_time_zone")
    migration.zone_from_country(django_apps, None)
    zones = dict(Assessment.objects.values_list("code", "time_zone"))
    assert zones == {
        "khm-2023": "Asia/Phnom_Penh",
        "bra-2025": "America/Sao_Paulo",
        "ken-2025": "Europe/London",
    }


@pytest.mark.parametrize(
    "bad", ["Mars/Olympus", "asia/phnom_penh", "UTC+7", "../etc/passwd", "Asia/Phnom_Penh\n"]
)
def test_model_refuses_an_unknown_zone(assessment, bad):
    assessment.time_zone = bad
    with pytest.raises(ValidationError) as refused:
        assessment.full_clean()
    assert "time_zone" in refused.value.message_dict


def _admin_post(assessment, **fields):
    data = {
        "title": assessment.title,
        "country_code": assessment.country_code,
        "country_name": assessment.country_name,
        "time_zone": assessment.time_zone,
        "scope": assessment.scope,
        "phase": assessment.phase,
        "period_start": "",
        "period_end": "",
        "scale": '["1", "2", "3", "4", "5"]',
        "memberships-TOTAL_FORMS": "0",
        "memberships-INITIAL_FORMS": "0",
        "memberships-MIN_NUM_FORMS": "0",
        "memberships-MAX_NUM_FORMS": "1000",
    }
    data.update(fields)
    return data


def test_admin_sets_the_zone_from_a_list_and_refuses_others(client, assessment, members):
    client.force_login(members["lead"])
    url = reverse("admin:assessments_assessment_change", args=[assessment.pk])
    page = client.get(url).content.decode()
    assert '<select name="time_zone"' in page and '<option value="Asia/Phnom_Penh" selected>' in page
    refused = client.post(url, _admin_post(assessment, time_zone="Mars/Olympus"))
    assert refused.status_code == 200
    assert "Select a valid choice" in str(refused.context["adminform"].form.errors["time_zone"])
    assert Assessment.objects.get(pk=assessment.pk).time_zone == "Asia/Phnom_Penh"
    assert client.post(url, _admin_post(assessment, time_zone="Europe/Berlin")).status_code == 302
    assert Assessment.objects.get(pk=assessment.pk).time_zone == "Europe/Berlin"
    # Empty: back to the country's zone.
    assert client.post(url, _admin_post(assessment, time_zone="")).status_code == 302
    assert Assessment.objects.get(pk=assessment.pk).time_zone == "Asia/Phnom_Penh"


# role → (GET, POST) of the assessment's admin page: members without MANAGE read it, the MAB member has no
# admin (sent to its sign-in), an outsider finds nothing.
NOT_MANAGERS = {"researcher": (200, 403), "staff": (200, 403), "mab": (302, 302), "outsider": (404, 404)}


@pytest.mark.parametrize("role", list(NOT_MANAGERS))
def test_admin_zone_cannot_be_changed_by_those_who_cannot_manage(client, assessment, members, role):
    client.force_login(members[role])
    url = reverse("admin:assessments_assessment_change", args=[assessment.pk])
    response = client.get(url)
    assert response.status_code == NOT_MANAGERS[role][0]
    assert '<select name="time_zone"' not in response.content.decode()
    assert (
        client.post(url, _admin_post(assessment, time_zone="Europe/Berlin")).status_code
        == NOT_MANAGERS[role][1]
    )
    assert Assessment.objects.get(pk=assessment.pk).time_zone == "Asia/Phnom_Penh"


@pytest.mark.parametrize("zone", list(ZONES))
def test_dashboard_shows_times_in_the_assessments_zone(client, assessment, members, zone):
    assessment.time_zone = zone
    assessment.save()
    target = finding(assessment, "A.5.1")
    target.assignee = members["researcher"]
    target.due_date = datetime.date(2026, 4, 5)
    target.save()
    at_event(assessment, version=2, updated_by=members["researcher"])  # on "Recently changed"
    client.force_login(members["researcher"])
    page = client.get(reverse("assessments:dashboard", args=[assessment.code])).content.decode()
    assert ZONES[zone][0] in page
    # The due date has its year.
    assert "due 5 Apr 2026" in page


def test_a_zone_does_not_outlive_its_request(client, assessment, members):
    """After an assessment's page, a page of no assessment is in settings.TIME_ZONE again."""
    user = members["researcher"]
    Token.objects.create(user=user)
    Token.objects.filter(user=user).update(created=EVENT)
    at_event(assessment, version=2, updated_by=user)
    client.force_login(user)
    assert PHNOM_PENH in client.get(reverse("assessments:dashboard", args=[assessment.code])).content.decode()
    assert "1 March 2026, 20:30 UTC" in client.get(reverse("api_tokens")).content.decode()


def test_admin_shows_each_row_in_its_own_assessments_zone(client, assessment, members, framework):
    other = create_assessment(
        code="deu-2025", title="Germany", country_code="DEU", country_name="Germany", framework=framework
    )
    MembershipFactory(assessment=other, user=members["lead"], role=Role.LEAD)
    at_event(assessment)
    at_event(other)
    client.force_login(members["lead"])
    changelist = reverse("admin:assessments_finding_changelist")
    page = client.get(changelist, {"q": "A.5.1"}).content.decode()
    assert ZONES["Asia/Phnom_Penh"][1] in page and ZONES["Europe/Berlin"][1] in page


def test_admin_change_form_and_history_show_the_assessments_zone(client, assessment, members):
    target = finding(assessment, "A.5.1")
    target.narrative = "Changed."
    target.updated_by = members["researcher"]
    target.save()
    target.history.update(history_date=EVENT)
    at_event(assessment)
    client.force_login(members["lead"])
    form = client.get(reverse("admin:assessments_finding_change", args=[target.pk])).content.decode()
    assert ZONES["Asia/Phnom_Penh"][1] in form
    history = client.get(reverse("admin:assessments_finding_history", args=[target.pk])).content.decode()
    assert PHNOM_PENH in history


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_findings_export_shows_times_in_the_assessments_zone(client, assessment, members, fmt):
    at_event(assessment)
    client.force_login(members["staff"])
    response = client.get(
        reverse("admin:assessments_finding_export"), {"assessment": assessment.code, "format": fmt}
    )
    assert response.status_code == 200
    content = response.content.decode() if fmt == "csv" else response.content
    data = tablib.Dataset().load(content, format=fmt)
    assert {row["updated"] for row in data.dict} == {PHNOM_PENH}


# ---- one date format: no literal patterns in templates, no strftime for display in app code -----------

APPS = ["assessments", "indicators", "reports", "review", "roamx", "templates"]
# A named format (DATE_FORMAT, ...) or a machine format ("c": ISO 8601, "U": epoch seconds).
NAMED = {
    "DATE_FORMAT",
    "DATETIME_FORMAT",
    "SHORT_DATE_FORMAT",
    "SHORT_DATETIME_FORMAT",
    "TIME_FORMAT",
    "YEAR_MONTH_FORMAT",
    "MONTH_DAY_FORMAT",
    "c",
    "U",
}
TEMPLATE_FORMAT = re.compile(r"""\|\s*(?:date|time)\b\s*(?::\s*(["'])(.*?)\1)?""")
CODE_FORMAT = re.compile(r"""(?:date_format|time_format)\(\s*[^,()]+,\s*(["'])(.*?)\1""")


def _files(*suffixes):
    for top in APPS:
        for path in (ROOT / top).rglob("*"):
            if path.suffix in suffixes and "migrations" not in path.parts:
                yield path


@pytest.mark.parametrize(
    ("line", "ok"),
    [
        ('{{ x|date:"DATE_FORMAT" }}', True),
        ("{{ x|date:'c' }}", True),
        ('{{ x|date:"j M Y" }}', False),
        ('{{ x|time:"H:i" }}', False),
        ("{{ x|date }}", True),  # DATE_FORMAT
        ("{{ x|timesince }}", True),
        ('{{ x|date:"DATE_FORMAT"|default:"–" }} {{ y|date:"F Y" }}', False),
        ('{% blocktranslate with when=x|date:"Y" %}', False),
    ],
)
def test_the_template_check_catches_literal_patterns(line, ok):
    assert all(m.group(2) in NAMED for m in TEMPLATE_FORMAT.finditer(line) if m.group(2)) is ok


def test_no_template_spells_a_date_pattern():
    found = [
        f"{path.relative_to(ROOT)}: {m.group(0)}"
        for path in _files(".html", ".txt")
        for m in TEMPLATE_FORMAT.finditer(path.read_text())
        if m.group(2) and m.group(2) not in NAMED
    ]
    assert found == []


# Fixed patterns for file names, not display: the report's download name in the assessment's zone, and a
# backup's name in UTC (backups and their manifest stay UTC ISO 8601: they are restored anywhere).
FILE_NAME_PATTERNS = {"assessments/timezones.py", "roamx/backup/export.py"}


def test_no_app_code_formats_dates_by_hand():
    found = []
    for path in _files(".py"):
        if str(path.relative_to(ROOT)) in FILE_NAME_PATTERNS:
            continue
        text = path.read_text()
        found += [f"{path.relative_to(ROOT)}: strftime" for _ in re.finditer(r"\.strftime\(", text)]
        found += [f"{path.relative_to(ROOT)}: {m.group(0)}" for m in re.finditer(r"\{[^{}]*:%[^{}]*\}", text)]
        found += [
            f"{path.relative_to(ROOT)}: {m.group(0)}"
            for m in CODE_FORMAT.finditer(text)
            if m.group(2) not in NAMED
        ]
    assert found == []


def _comment(assessment, members):
    from review import services

    return services.add_comment(finding(assessment, "A.5.1"), by=members["mab"], body="A question.")


def _vote(assessment, members):
    from review import services

    return services.cast_vote(finding(assessment, "A.5.1"), by=members["mab"], verdict="endorse")


def _section(assessment, members):
    from reports.models import ReportSection

    return ReportSection.objects.create(assessment=assessment, kind="conclusion", body="In sum.")


def _report(assessment, members):
    from reports.models import Report

    return Report.objects.create(assessment=assessment)


def _notification(assessment, members):
    from review.models import Notification

    return Notification.objects.create(
        recipient=members["lead"], assessment=assessment, kind="mention", subject="Hi", body="", url="/"
    )


# admin changelist → (who looks, what makes a row, which date-time column); each row must read in its
# assessment's zone.
CHANGELISTS = [
    ("admin:assessments_finding_changelist", "lead", lambda a, m: finding(a, "A.5.1"), "updated"),
    ("admin:reports_report_changelist", "lead", _report, "updated"),
    ("admin:reports_reportsection_changelist", "lead", _section, "updated"),
    ("admin:review_comment_changelist", "superuser", _comment, "created"),
    ("admin:review_vote_changelist", "superuser", _vote, "updated"),
    ("admin:review_notification_changelist", "superuser", _notification, "created"),
]


@pytest.mark.parametrize(("url", "who", "make", "column"), CHANGELISTS, ids=[c[0] for c in CHANGELISTS])
def test_admin_changelists_show_times_in_the_rows_zone(
    client, assessment, members, superuser, url, who, make, column
):
    row = make(assessment, members)
    type(row).objects.filter(pk=row.pk).update(**{column: EVENT})
    client.force_login(superuser if who == "superuser" else members[who])
    page = client.get(reverse(url)).content.decode()
    assert ZONES["Asia/Phnom_Penh"][1] in page
    assert "1 Mar 2026, 20:30" not in page and "March 1, 2026" not in page
