"""One assessment as one archive, and back: ``manage.py export_assessment`` / ``import_assessment``.

It spans the apps (assessments, review, reports), like the demo, so it lives in the project app. Modules:
``coverage`` (which models, how each relation is written), ``manifest`` (the archive's format and its
verification), ``files`` (stored files in and out of the archive), ``export`` and ``importing``.

The archive is a zip holding ``manifest.json`` (format, versions, counts, the sha256 of every other
member), ``data.json`` (the rows) and ``files/<storage name>`` (attachments and report logos).

Rows go through Django's ``python`` serializer both ways, so every field is converted by Django itself,
and restored rows are saved with ``raw=True`` like ``loaddata`` does: ``created``/``updated`` keep their
values, ``save()`` overrides and history signals do not run, and history rows are copied, not made.
What the serializers cannot do is give restored rows new primary keys — ``loaddata`` keeps them, and a
database that has its own assessments already uses them — so this module remaps ids itself:

- Every id of an archived model that the archive mentions (live rows, the ids of deleted objects that
  only history still knows, generic ``object_id``s, ``LastSeen.history_id``) gets a new id reserved
  from that table's own sequence, in the original order, so ordering by pk (comments,
  recommendations) is unchanged and an id of a deleted object never collides with a later row.
- Rows outside the assessment are written by natural key: users by username, the framework by its
  edition code, indicators and categories by (edition, code), content types by (app label, model).
"""

from roamx.backup.coverage import COVERED, EXCLUDED, coverage_problems, related_to_assessment
from roamx.backup.export import Exported, export_assessment
from roamx.backup.importing import Imported, import_assessment
from roamx.backup.manifest import DATA, MANIFEST, BackupError, open_archive

__all__ = [
    "COVERED",
    "DATA",
    "EXCLUDED",
    "MANIFEST",
    "BackupError",
    "Exported",
    "Imported",
    "coverage_problems",
    "export_assessment",
    "import_assessment",
    "open_archive",
    "related_to_assessment",
]
