"""Reading settings from the environment (``roamx/settings.py``), strictly: a value that cannot be read is
an error at start-up that names the variable, never a silent default — a typo in ``SECURE_SSL_REDIRECT``
must not turn HTTPS redirects off."""

import hashlib
import os
from functools import cache
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured
from django.utils.functional import SimpleLazyObject

TRUE = frozenset({"1", "true", "yes", "on"})
FALSE = frozenset({"0", "false", "no", "off"})


def env(name, default=""):
    """A value from the environment, or from the file named by NAME_FILE (Docker/K8s secrets)."""
    file_name = os.environ.get(f"{name}_FILE")
    if file_name:
        try:
            return Path(file_name).read_text().strip()
        except OSError as exc:
            raise ImproperlyConfigured(f"{name}_FILE names {file_name}, which cannot be read: {exc}") from exc
    return os.environ.get(name, default)


def envbool(name, default):
    """1/true/yes/on or 0/false/no/off (any case); unset or empty gives ``default``; anything else raises."""
    value = env(name, "").strip().lower()
    if value == "":
        return default
    if value in TRUE:
        return True
    if value in FALSE:
        return False
    raise ImproperlyConfigured(
        f"{name}={env(name)!r} is neither true (1, true, yes, on) nor false (0, false, no, off)."
    )


def envint(name, default):
    """A whole number; unset or empty gives ``default``; anything else raises."""
    value = env(name, "").strip()
    if value == "":
        return default
    try:
        return int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={value!r} is not a whole number.") from None


def envlist(name, default):
    """A comma-separated list; unset or empty gives ``default``."""
    value = env(name, "")
    return [item.strip() for item in value.split(",") if item.strip()] if value else default


# What a deploy changes that cached HTML is made from: code, templates, compiled translations, styles.
STAMPED_SUFFIXES = {".py", ".html", ".mo", ".css", ".js", ".svg"}
SKIPPED_FOLDERS = {"var", "tests", "node_modules", "__pycache__", "staticfiles", "media"}


def deploy_stamp(root):
    """A digest of the contents (not the times: every machine of a deploy has its own copy) of the files
    below ``root`` that cached pages are made from. ``settings`` puts it in the shared cache's key prefix:
    after a deploy no worker is served a part rendered by the previous code, and the old parts expire."""
    digest = hashlib.sha256()
    stack = [Path(root)]
    files = []
    while stack:
        for entry in stack.pop().iterdir():
            if entry.is_dir():
                if entry.name not in SKIPPED_FOLDERS and not entry.name.startswith("."):
                    stack.append(entry)
            elif entry.suffix in STAMPED_SUFFIXES:
                files.append(entry)
    for path in sorted(files):
        digest.update(str(path.relative_to(root)).encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()[:16]


def deploy_prefix(prefix, root):
    """``prefix:stamp`` for the shared cache's KEY_PREFIX, worked out when a key is first made: reading
    the code tree (about 20 ms) is not paid by every ``manage.py`` command that loads the settings and
    never uses the cache. The cache backend formats it into each key with ``%s``."""
    return SimpleLazyObject(lambda: f"{prefix}:{release_stamp(root)}")


@cache
def release_stamp(root):
    """``deploy_stamp(root)``, read once per process (a deploy restarts the processes): the same on every
    machine of one release, where file times differ (a public page's ETag, the shared cache's keys)."""
    return deploy_stamp(root)
