"""Settings read from the environment cannot be misread: an unrecognised value stops the start-up."""

import subprocess
import sys

import pytest
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from toolkit.environment import envbool, envint, envlist

BOOLEANS = [
    # (value, default, expected)
    ("1", False, True),
    ("true", False, True),
    ("TRUE", False, True),
    (" Yes ", False, True),
    ("on", False, True),
    ("0", True, False),
    ("false", True, False),
    ("False", True, False),
    ("no", True, False),
    ("OFF", True, False),
    ("", True, True),
    ("", False, False),
    ("  ", True, True),
]
NOT_BOOLEANS = ["ture", "flase", "2", "-1", "enabled", "y", "n", "truee", "on;", "yes please", "null"]


@pytest.mark.parametrize(("value", "default", "expected"), BOOLEANS)
def test_envbool_reads_the_usual_spellings(monkeypatch, value, default, expected):
    monkeypatch.setenv("ROAMX_FLAG", value)
    assert envbool("ROAMX_FLAG", default) is expected


def test_envbool_unset_gives_the_default(monkeypatch):
    monkeypatch.delenv("ROAMX_FLAG", raising=False)
    assert envbool("ROAMX_FLAG", True) is True
    assert envbool("ROAMX_FLAG", False) is False


@pytest.mark.parametrize("value", NOT_BOOLEANS)
def test_envbool_refuses_what_it_does_not_recognise(monkeypatch, value):
    monkeypatch.setenv("ROAMX_FLAG", value)
    with pytest.raises(ImproperlyConfigured, match="ROAMX_FLAG=.* is neither true .* nor false"):
        envbool("ROAMX_FLAG", False)


def test_envbool_reads_a_file_too(monkeypatch, tmp_path):
    (tmp_path / "flag").write_text("off\n")
    monkeypatch.setenv("ROAMX_FLAG_FILE", str(tmp_path / "flag"))
    assert envbool("ROAMX_FLAG", True) is False


@pytest.mark.parametrize("value", ["ten", "1.5", "0x10", "1e3"])
def test_envint_refuses_what_is_not_a_whole_number(monkeypatch, value):
    monkeypatch.setenv("ROAMX_NUMBER", value)
    with pytest.raises(ImproperlyConfigured, match="ROAMX_NUMBER=.* is not a whole number"):
        envint("ROAMX_NUMBER", 3)


def test_envint_and_envlist_read_their_values(monkeypatch):
    monkeypatch.setenv("ROAMX_NUMBER", " 42 ")
    monkeypatch.setenv("ROAMX_LIST", "a, b,,c ")
    assert envint("ROAMX_NUMBER", 3) == 42
    assert envlist("ROAMX_LIST", []) == ["a", "b", "c"]
    monkeypatch.setenv("ROAMX_NUMBER", "")
    assert envint("ROAMX_NUMBER", 3) == 3


def test_a_typo_in_secure_ssl_redirect_stops_production_from_starting():
    """The case the review found: SECURE_SSL_REDIRECT=ture used to read as False, silently."""
    environment = {
        "PATH": "/usr/bin:/bin",
        "DJANGO_SETTINGS_MODULE": "roamx.settings",
        "DATABASE_URL": "postgres://u@127.0.0.1:5432/x",
        "SECRET_KEY": "k" * 50,
        "SECURE_SSL_REDIRECT": "ture",
    }
    result = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        env=environment,
        capture_output=True,
        text=True,
        cwd=settings.BASE_DIR,
    )
    assert result.returncode != 0
    assert "SECURE_SSL_REDIRECT='ture' is neither true" in result.stderr
    # The same environment with a correct spelling starts.
    fixed = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        env={**environment, "SECURE_SSL_REDIRECT": "true"},
        capture_output=True,
        text=True,
        cwd=settings.BASE_DIR,
    )
    assert fixed.returncode == 0, fixed.stderr


def test_the_deploy_stamp_follows_contents_not_times(tmp_path):
    """The shared cache's key prefix (roamx/settings.py with REDIS_URL): a new release's code, templates
    or translations give a new stamp; another machine's copy of the same release (other file times) gives
    the same one; tests, var/ and hidden folders do not count."""
    import os

    from toolkit.environment import deploy_stamp

    (tmp_path / "review" / "templates").mkdir(parents=True)
    page = tmp_path / "review" / "templates" / "page.html"
    page.write_text("<p>{{ text }}</p>")
    (tmp_path / "review" / "views.py").write_text("x = 1\n")
    first = deploy_stamp(tmp_path)
    os.utime(page, (1, 1))  # the same release unpacked elsewhere
    assert deploy_stamp(tmp_path) == first
    for folder in ("tests", "var", ".venv"):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "other.py").write_text("y = 2\n")
    (tmp_path / "notes.txt").write_text("not code")
    assert deploy_stamp(tmp_path) == first
    page.write_text("<p>{{ text|upper }}</p>")
    second = deploy_stamp(tmp_path)
    assert second != first
    page.rename(page.with_name("renamed.html"))
    assert deploy_stamp(tmp_path) not in {first, second}


def test_the_shared_cache_is_named_by_the_deploy(tmp_path):
    """With REDIS_URL, every key starts with the prefix and this checkout's stamp."""
    import subprocess
    import sys

    from django.conf import settings

    from toolkit.environment import deploy_stamp

    out = subprocess.run(
        [
            sys.executable,
            "-c",
            # Loading the settings reads no file of the tree; the first key made does, once.
            "import django; django.setup(); from django.conf import settings; from django.core.cache import cache;"
            "from django.utils.functional import empty; prefix = settings.CACHES['default']['KEY_PREFIX'];"
            "print(prefix._wrapped is empty); key = cache.make_key('k'); print(prefix._wrapped is empty);"
            "print(key.rsplit(':', 2)[0]); print(prefix)",
        ],
        env={
            **__import__("os").environ,
            "DJANGO_SETTINGS_MODULE": "roamx.settings",
            "DEBUG": "1",
            "REDIS_URL": "redis://127.0.0.1:6379/9",
            "CACHE_KEY_PREFIX": "site2",
        },
        capture_output=True,
        text=True,
        check=True,
        cwd=settings.BASE_DIR,
    )
    stamp = f"site2:{deploy_stamp(settings.BASE_DIR)}"
    assert out.stdout.split() == ["True", "False", stamp, stamp]
