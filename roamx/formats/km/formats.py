# The product's date formats in Khmer, as the English ones (roamx/formats/en): a 24-hour clock and "T",
# the time zone's abbreviation, since times are shown in the assessment's zone (or settings.TIME_ZONE off
# an assessment). Month names come from Django's own Khmer translation. What is not set here falls back
# to Django's km formats.
DATE_FORMAT = "j ខែ F ឆ្នាំ Y"  # 2 ខែ មិនា ឆ្នាំ 2026
DATETIME_FORMAT = "j ខែ F ឆ្នាំ Y, H:i T"  # 2 ខែ មិនា ឆ្នាំ 2026, 03:30 +07
SHORT_DATE_FORMAT = "j M Y"  # 2 មិនា 2026 (due dates: always with the year)
SHORT_DATETIME_FORMAT = "j M Y, H:i T"  # 2 មិនា 2026, 03:30 +07
TIME_FORMAT = "H:i"  # 03:30
YEAR_MONTH_FORMAT = "ខែ F ឆ្នាំ Y"  # ខែ មិនា ឆ្នាំ 2026
MONTH_DAY_FORMAT = "j F"  # 2 មិនា
# CLDR's Khmer numbers (babel: 1,234,567.5); Django's km module has them the other way round.
DECIMAL_SEPARATOR = "."
THOUSAND_SEPARATOR = ","
NUMBER_GROUPING = 3
