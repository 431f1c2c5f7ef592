"""Evidence attachments: what we accept is decided by the file's content, not by its name."""

import errno
import logging
import zipfile
from pathlib import PurePosixPath

from django.conf import settings
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

log = logging.getLogger(__name__)

# kind: (content type, extensions a file of that kind may carry)
KINDS = {
    "pdf": ("application/pdf", {".pdf"}),
    "docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", {".docx"}),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", {".xlsx"}),
    "csv": ("text/csv", {".csv"}),
    "png": ("image/png", {".png"}),
    "jpeg": ("image/jpeg", {".jpg", ".jpeg"}),
}
ACCEPTED_NAMES = "PDF, DOCX, XLSX, CSV, PNG, JPEG"


def download_name(original_name):
    """The name a download is saved under: the uploader's name, made safe for any browser and disk.

    Stored names come from several paths (the admin, imports, older rows), so the download cleans them
    itself: no control or format characters (newlines, NUL, the right-to-left override that disguises
    an extension), no folders, no leading dot.
    """
    name = "".join(ch for ch in original_name or "" if ch.isprintable())
    name = name.replace("\\", "/").rsplit("/", 1)[-1].strip().lstrip(".").strip()
    return name or "attachment"


def max_bytes():
    return settings.ATTACHMENT_MAX_BYTES


def _office_kind(upload):
    """DOCX and XLSX are zip packages; tell them apart by their declared main part and its folder."""
    try:
        upload.seek(0)
        with zipfile.ZipFile(upload) as package:
            names = set(package.namelist())
            if "[Content_Types].xml" not in names:
                return None
            types = package.read("[Content_Types].xml").decode("utf-8", "replace")
    except (zipfile.BadZipFile, OSError, KeyError, RuntimeError):
        return None
    finally:
        upload.seek(0)
    if "wordprocessingml.document.main+xml" in types and "word/document.xml" in names:
        return "docx"
    if "spreadsheetml.sheet.main+xml" in types and any(n.startswith("xl/") for n in names):
        return "xlsx"
    return None


def _is_text(upload):
    upload.seek(0)
    data = upload.read()
    upload.seek(0)
    if not data or b"\x00" in data:
        return False
    try:
        data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return False
    return True


def sniff(upload):
    """The kind of file the content shows (a key of KINDS), or None."""
    upload.seek(0)
    head = upload.read(8)
    upload.seek(0)
    if head.startswith(b"%PDF-"):
        return "pdf"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if head.startswith(b"PK\x03\x04"):
        return _office_kind(upload)
    if _is_text(upload):
        return "csv"
    return None


def check_upload(upload):
    """Validate an uploaded file; return (kind, content type). Raises ValidationError with the reason."""
    if upload.size > max_bytes():
        raise ValidationError(
            _("“%(name)s” is %(size)s; attachments may be at most %(max)s.")
            % {"name": upload.name, "size": filesizeformat(upload.size), "max": filesizeformat(max_bytes())}
        )
    suffix = PurePosixPath(upload.name).suffix.lower()
    kind = sniff(upload)
    if kind is None:
        raise ValidationError(
            _("“%(name)s” is not a file we accept: its content is not %(kinds)s.")
            % {"name": upload.name, "kinds": ACCEPTED_NAMES}
        )
    content_type, suffixes = KINDS[kind]
    if kind == "csv" and suffix != ".csv":
        # Any text could pass the CSV check; only a file named .csv is taken as one.
        raise ValidationError(
            _("“%(name)s” is not a file we accept: its content is not %(kinds)s.")
            % {"name": upload.name, "kinds": ACCEPTED_NAMES}
        )
    if suffix not in suffixes:
        raise ValidationError(
            _("“%(name)s” holds a %(kind)s file but its name ends in “%(suffix)s”; rename it to match.")
            % {"name": upload.name, "kind": kind.upper(), "suffix": suffix or _("(nothing)")}
        )
    return kind, content_type


class StorageFailed(Exception):
    """An uploaded file could not be written: disk full, read-only or forbidden storage."""

    def __init__(self, name, error):
        self.name, self.error = name, error
        super().__init__(f"{name}: {error}")

    @property
    def reason(self):
        if self.error.errno in (errno.ENOSPC, errno.EDQUOT):
            return _("the server's disk is full")
        if self.error.errno in (errno.EROFS, errno.EACCES, errno.EPERM):
            return _("the server may not write to its file storage")
        return _("the server's file storage failed (%s)") % (self.error.strerror or self.error)

    @property
    def message(self):
        return _(
            "“%(name)s” could not be stored: %(reason)s. Your other changes were saved; upload the file "
            "again later, or tell an administrator."
        ) % {"name": self.name, "reason": self.reason}


def store_upload(field_file):
    """Write a just-uploaded file to its storage now, before its row is saved.

    Saving the row would write it too (FileField.pre_save), but a failure there leaves whatever part of
    the file was written (Django's FileSystemStorage does not remove it) and fails the whole request.
    Here the name is chosen first, so on OSError that part is removed and StorageFailed raised: the
    caller leaves the row unsaved and tells the user, and the rest of the form is kept.
    """
    if field_file._committed:  # the flag FileField.pre_save reads: nothing new to write
        return
    field, instance, upload = field_file.field, field_file.instance, field_file.file
    storage = field.storage
    name = storage.get_available_name(field.generate_filename(instance, upload.name), field.max_length)
    try:
        saved = storage.save(name, upload, max_length=field.max_length)
    except OSError as exc:
        log.error("Could not store upload %s as %s: %s", upload.name, name, exc)
        try:
            if storage.exists(name):
                storage.delete(name)
        except OSError:
            log.exception("Could not remove the partly written %s", name)
        raise StorageFailed(PurePosixPath(upload.name).name, exc) from exc
    # As FieldFile.save does.
    setattr(instance, field.attname, saved)
