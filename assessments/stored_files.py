"""Files in storage follow their rows: a file replaced or whose row is deleted is removed, and files no
row refers to can be listed and removed (``manage.py orphaned_files``).

Every FileField of every installed model is found through the app registry, so attachments, report logos,
report exports and any model added later are covered without this module importing the apps that define
them. A file is removed only after the transaction that dropped its row commits
(``transaction.on_commit``), never on rollback, and only if no row refers to it any more.
"""

import datetime
import logging
from collections import defaultdict
from functools import cache

from django.apps import apps
from django.db import models, transaction
from django.db.models.signals import post_delete, pre_save
from django.utils import timezone

from assessments.uploads import STORAGE_ERRORS

log = logging.getLogger(__name__)


def file_fields():
    """[(model, [FileField, …])] for every installed model with a file column (ImageField included)."""
    found = []
    for model in apps.get_models():
        fields = [f for f in model._meta.concrete_fields if isinstance(f, models.FileField)]
        if fields:
            found.append((model, fields))
    return found


@cache
def _fields_of(model):
    return [f for f in model._meta.concrete_fields if isinstance(f, models.FileField)]


def is_referenced(storage, name, using=None):
    """Whether any row of any model names this file of this storage."""
    for model, fields in file_fields():
        names = [f.attname for f in fields if f.storage is storage]
        if not names:
            continue
        query = models.Q()
        for attname in names:
            query |= models.Q(**{attname: name})
        if model._base_manager.using(using).filter(query).exists():
            return True
    return False


def _remove(storage, name, using):
    if is_referenced(storage, name, using):
        return
    try:
        storage.delete(name)
    except STORAGE_ERRORS:
        # The row is gone either way; the file is left for `orphaned_files` to find.
        log.exception("Could not remove %s from storage", name)


def remove_after_commit(storage, name, using=None):
    """Delete ``name`` once the current transaction commits; forget it if the transaction rolls back."""
    if name:
        transaction.on_commit(lambda: _remove(storage, name, using), using=using)


def _old_file_replaced(sender, instance, raw=False, using=None, update_fields=None, **kwargs):
    if raw or instance._state.adding or instance.pk is None:
        return
    fields = [f for f in _fields_of(sender) if update_fields is None or f.name in update_fields]
    if not fields:
        return
    before = (
        sender._base_manager.using(using).filter(pk=instance.pk).values(*[f.attname for f in fields]).first()
    )
    if before is None:
        return
    for field in fields:
        old, new = before[field.attname], getattr(instance, field.attname)
        if old and old != (new.name if new else ""):
            remove_after_commit(field.storage, old, using)


def _files_of_deleted_row(sender, instance, using=None, **kwargs):
    for field in _fields_of(sender):
        file = getattr(instance, field.attname)
        if file:
            remove_after_commit(field.storage, file.name, using)


def connect():
    """Follow every model with a file column (called from AssessmentsConfig.ready)."""
    for model, _fields in file_fields():
        uid = f"stored_files:{model._meta.label}"
        pre_save.connect(_old_file_replaced, sender=model, dispatch_uid=uid)
        post_delete.connect(_files_of_deleted_row, sender=model, dispatch_uid=uid)


# ---- orphans -----------------------------------------------------------------------------------------


def _walk(storage, folder=""):
    directories, files = storage.listdir(folder)
    for name in files:
        yield f"{folder}/{name}" if folder else name
    for directory in directories:
        yield from _walk(storage, f"{folder}/{directory}" if folder else directory)


def orphans(older_than=datetime.timedelta(hours=1)):
    """[(storage, name, size, modified)] of files no row refers to, sorted by name.

    Files younger than ``older_than`` are left out: an upload is written to storage just before its row
    is saved, and must not be taken for an orphan in between.
    """
    by_storage = defaultdict(set)  # storage → names some row refers to
    storages = {}
    for model, fields in file_fields():
        for field in fields:
            storages[id(field.storage)] = field.storage
            names = model._base_manager.exclude(**{field.attname: ""}).values_list(field.attname, flat=True)
            by_storage[id(field.storage)].update(names)
    cutoff = timezone.now() - older_than
    found = []
    for key, storage in storages.items():
        try:
            stored = sorted(_walk(storage))
        except FileNotFoundError:  # nothing was ever stored
            continue
        for name in stored:
            if name in by_storage[key]:
                continue
            modified = storage.get_modified_time(name)
            if modified <= cutoff:
                found.append((storage, name, storage.size(name), modified))
    return found
