# The one date format of the product (English). "T" is the time zone's abbreviation: times are shown in
# the assessment's zone (or settings.TIME_ZONE off an assessment), so each time says which zone it is in.
DATE_FORMAT = "j F Y"  # 2 March 2026
DATETIME_FORMAT = "j F Y, H:i T"  # 2 March 2026, 03:30 +07
SHORT_DATE_FORMAT = "j M Y"  # 2 Mar 2026 (due dates: always with the year)
SHORT_DATETIME_FORMAT = "j M Y, H:i T"  # 2 Mar 2026, 03:30 +07
TIME_FORMAT = "H:i"  # 03:30
YEAR_MONTH_FORMAT = "F Y"  # March 2026
MONTH_DAY_FORMAT = "j F"  # 2 March
