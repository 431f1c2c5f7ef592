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
