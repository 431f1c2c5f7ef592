"""Each assessment's time zone: its default from the country, its validation, and showing times in it.

Where the default comes from: CLDR, through Babel — ``territory_aliases`` turns an ISO 3166 alpha-3 code
(KHM) into alpha-2 (KH), and ``territory_zones`` lists the IANA zones of that territory. A country with
one zone gets it; for a country with several, ``CAPITAL_ZONES`` below names the capital's zone (CLDR's
lists are not ordered by capital). A code nobody knows falls back to ``settings.TIME_ZONE``.

Requests scoped to one assessment show times in its zone: ``rules.get_assessment_for`` activates it, and
``TimeZoneMiddleware`` puts the default back before and after every request. Mails, exports and the
PDF, which run outside such a request, wrap their rendering in ``in_zone_of(assessment)``.
"""

import zoneinfo
from functools import cache

from babel.core import get_global
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import formats, timezone
from django.utils.translation import gettext_lazy as _

# The capital's zone for the countries that CLDR gives several zones (checked by a test against CLDR's
# list, so a zone that leaves the country's list is noticed).
CAPITAL_ZONES = {
    "AR": "America/Argentina/Buenos_Aires",
    "AU": "Australia/Sydney",  # Canberra
    "BR": "America/Sao_Paulo",  # Brasília
    "CA": "America/Toronto",  # Ottawa
    "CD": "Africa/Kinshasa",
    "CL": "America/Santiago",
    "CN": "Asia/Shanghai",  # Beijing
    "CY": "Asia/Nicosia",
    "DE": "Europe/Berlin",
    "EC": "America/Guayaquil",  # Quito
    "ES": "Europe/Madrid",
    "FM": "Pacific/Pohnpei",  # Palikir
    "GL": "America/Nuuk",
    "ID": "Asia/Jakarta",
    "KI": "Pacific/Tarawa",
    "KZ": "Asia/Almaty",  # Astana keeps Almaty's time
    "MH": "Pacific/Majuro",
    "MN": "Asia/Ulaanbaatar",
    "MX": "America/Mexico_City",
    "MY": "Asia/Kuala_Lumpur",
    "NZ": "Pacific/Auckland",
    "PF": "Pacific/Tahiti",  # Papeete
    "PG": "Pacific/Port_Moresby",
    "PS": "Asia/Hebron",  # Ramallah
    "PT": "Europe/Lisbon",
    "RU": "Europe/Moscow",
    "UA": "Europe/Kyiv",
    "US": "America/New_York",  # Washington
    "UZ": "Asia/Tashkent",
}


@cache
def available_zones():
    return frozenset(zoneinfo.available_timezones())


@cache
def zone_choices():
    """(name, label) for the admin's select: every IANA zone this machine knows, sorted by name."""
    return [(name, name.replace("_", " ")) for name in sorted(available_zones())]


def validate_time_zone(value):
    if value not in available_zones():
        raise ValidationError(
            _("“%(value)s” is not a time zone; use an IANA name such as Asia/Phnom_Penh."),
            code="invalid_time_zone",
            params={"value": value},
        )


def alpha2(country_code):
    code = (country_code or "").strip().upper()
    if len(code) == 3:
        aliases = get_global("territory_aliases").get(code) or []
        code = aliases[0] if aliases else ""
    return code if len(code) == 2 else ""


def default_time_zone(country_code):
    """The zone of the country's capital (KHM and KH → Asia/Phnom_Penh); settings.TIME_ZONE if unknown."""
    code = alpha2(country_code)
    zones = [z for z in get_global("territory_zones").get(code, []) if z in available_zones()]
    if code in CAPITAL_ZONES and CAPITAL_ZONES[code] in available_zones():
        return CAPITAL_ZONES[code]
    if len(zones) == 1:
        return zones[0]
    return settings.TIME_ZONE


def in_zone_of(assessment):
    """A context manager: times rendered inside it are in the assessment's zone."""
    return timezone.override(zone_of(assessment))


def zone_of(assessment):
    """The assessment's zone; its country's when none is stored (e.g. a row restored from an older
    backup, written without save()); settings.TIME_ZONE without an assessment."""
    if assessment is None:
        return settings.TIME_ZONE
    name = assessment.time_zone or default_time_zone(assessment.country_code)
    return name if name in available_zones() else settings.TIME_ZONE


def activate_for(assessment):
    """Make the assessment's zone current for the rest of this request (TimeZoneMiddleware resets it)."""
    timezone.activate(zone_of(assessment))


def show(value, assessment=None, fmt="DATETIME_FORMAT"):
    """A datetime as text in one named format, in the assessment's zone (or the current one)."""
    if value is None:
        return ""
    zone = zoneinfo.ZoneInfo(zone_of(assessment)) if assessment is not None else None
    return formats.date_format(timezone.localtime(value, zone), fmt)


def file_stamp(value, assessment):
    """A time for a file name (20260302-0330), in the assessment's zone: the one place that spells a
    pattern, because a file name needs a fixed, sortable one rather than the product's display format."""
    return timezone.localtime(value, zoneinfo.ZoneInfo(zone_of(assessment))).strftime("%Y%m%d-%H%M")


class TimeZoneMiddleware:
    """Every request starts in settings.TIME_ZONE and leaves no zone behind in the thread."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        timezone.deactivate()
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()
