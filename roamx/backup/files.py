"""The stored files an archive carries (attachments, report logos): copied from storage into the zip
with their sha256 on export, checked again and saved back through storage on import — never over another
file, never outside the storage (an unsafe name is refused)."""

import hashlib

from django.core.exceptions import SuspiciousFileOperation
from django.core.files.base import ContentFile

from roamx.backup.manifest import FILES_PREFIX, BackupError, read_member


def missing_from_storage(files):
    """The storage names of ``files`` ({name: FieldFile}) that the storage does not have."""
    return [name for name, f in files.items() if not f.storage.exists(f.name)]


def copy_into(archive, files, listed):
    """Write each stored file into the zip under files/, adding its sha256 and size to ``listed`` (the
    manifest's "files"); returns the bytes copied."""
    total = 0
    for name in sorted(files):
        member = FILES_PREFIX + name
        with files[name].storage.open(name, "rb") as src, archive.open(member, "w") as dst:
            digest = hashlib.sha256()
            size = 0
            for chunk in iter(lambda s=src: s.read(1 << 20), b""):
                digest.update(chunk)
                dst.write(chunk)
                size += len(chunk)
        listed[member] = {"sha256": digest.hexdigest(), "size": size}
        total += size
    return total


def restore_file(archive, field_, name, written):
    """Save the archived file ``name`` of ``field_`` through its storage; returns (saved name, size)."""
    member = FILES_PREFIX + name
    if member not in archive.manifest["files"]:
        raise BackupError(f"The archive refers to the file {name} but does not hold it.")
    storage = field_.storage
    body = read_member(archive.zip, archive.path, member)
    # Checked again as it is written, not only when the archive was opened.
    if hashlib.sha256(body).hexdigest() != archive.manifest["files"][member]["sha256"]:
        raise BackupError(f"{archive.path} is damaged: {member} does not match the sha256 in its manifest.")
    content = ContentFile(body)
    try:
        # The same name when it is free; never over another file (a copy restored beside its original).
        saved = storage.save(name, content)
    except SuspiciousFileOperation:
        raise BackupError(f"The archive holds a file with an unsafe name: {name}.") from None
    written.append((storage, saved))
    return saved, content.size
