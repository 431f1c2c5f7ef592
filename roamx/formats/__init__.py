"""roamx's date formats, one module per language (settings.FORMAT_MODULE_PATH).

Templates and code name a format (``|date:"DATETIME_FORMAT"``, ``formats.date_format(v, "DATE_FORMAT")``)
and never spell a pattern, so a language (Khmer next) gets its own by adding ``<lang>/formats.py``; a
language without one here uses Django's own formats for it. Formats not set here are Django's.
"""
