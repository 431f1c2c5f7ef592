"""Secrets come only from the environment (or files it names), and production refuses to start without them."""

import ast
import json
import re
import subprocess
import sys

from django.conf import settings

SETTINGS_FILE = settings.BASE_DIR / "roamx" / "settings.py"
SECRET_NAME = re.compile(r"SECRET|PASSWORD|TOKEN|API_KEY|PRIVATE", re.IGNORECASE)
# The only literal allowed: the development key, which production refuses to fall back to.
DEVELOPMENT_KEY = "roamx-insecure-development-key"

PRINT = (
    "import django, json; django.setup(); from django.conf import settings as s; "
    "print(json.dumps({name: str(getattr(s, name)) for name in "
    "['SECRET_KEY', 'EMAIL_HOST_PASSWORD', 'SESSION_COOKIE_SECURE', 'CSRF_COOKIE_SECURE', "
    "'SECURE_SSL_REDIRECT', 'SECURE_HSTS_SECONDS', 'AXES_ENABLED', 'AXES_FAILURE_LIMIT']}))"
)
POSTGRES = "postgres://u@127.0.0.1:5432/x"


def run_production(env):
    base = {"PATH": "/usr/bin:/bin", "DJANGO_SETTINGS_MODULE": "roamx.settings"}
    return subprocess.run(
        [sys.executable, "-c", PRINT],
        env={**base, **env},
        capture_output=True,
        text=True,
        cwd=settings.BASE_DIR,
    )


def test_production_refuses_to_start_without_secret_key():
    result = run_production({"DATABASE_URL": POSTGRES})
    assert result.returncode != 0
    assert "Set SECRET_KEY (or SECRET_KEY_FILE) when DEBUG is off." in result.stderr
    empty = run_production({"DATABASE_URL": POSTGRES, "SECRET_KEY": ""})
    assert "Set SECRET_KEY" in empty.stderr


def test_production_reads_secrets_from_files(tmp_path):
    (tmp_path / "key").write_text("k" * 50 + "\n")
    (tmp_path / "mail").write_text("mail-password\n")
    (tmp_path / "db").write_text(POSTGRES)
    result = run_production(
        {
            "SECRET_KEY_FILE": str(tmp_path / "key"),
            "EMAIL_HOST_PASSWORD_FILE": str(tmp_path / "mail"),
            "DATABASE_URL_FILE": str(tmp_path / "db"),
        }
    )
    assert result.returncode == 0, result.stderr
    values = json.loads(result.stdout.splitlines()[-1])
    assert values["SECRET_KEY"] == "k" * 50  # the trailing newline a secret file usually has is dropped
    assert values["EMAIL_HOST_PASSWORD"] == "mail-password"


def test_production_refuses_an_empty_or_unreadable_secret_file(tmp_path):
    (tmp_path / "key").write_text("\n")
    empty = run_production({"SECRET_KEY_FILE": str(tmp_path / "key"), "DATABASE_URL": POSTGRES})
    assert "Set SECRET_KEY" in empty.stderr
    missing = run_production({"SECRET_KEY_FILE": str(tmp_path / "nope"), "DATABASE_URL": POSTGRES})
    assert missing.returncode != 0
    assert f"SECRET_KEY_FILE names {tmp_path / 'nope'}, which cannot be read" in missing.stderr


def test_production_defaults_are_the_safe_ones():
    result = run_production({"SECRET_KEY": "s" * 50, "DATABASE_URL": POSTGRES})
    assert result.returncode == 0, result.stderr
    values = json.loads(result.stdout.splitlines()[-1])
    assert values["SECRET_KEY"] != DEVELOPMENT_KEY
    assert (
        values["SESSION_COOKIE_SECURE"]
        == values["CSRF_COOKIE_SECURE"]
        == values["SECURE_SSL_REDIRECT"]
        == "True"
    )
    assert values["AXES_ENABLED"] == "True" and values["AXES_FAILURE_LIMIT"] == "5"
    assert values["EMAIL_HOST_PASSWORD"] == ""


def test_no_secret_literal_in_settings():
    tree = ast.parse(SETTINGS_FILE.read_text())
    literals = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign):
            names = [t.id for t in node.targets if isinstance(t, ast.Name)]
            if any(SECRET_NAME.search(n) for n in names):
                if isinstance(node.value, ast.Constant) and node.value.value not in ("", DEVELOPMENT_KEY):
                    literals.append((names, node.value.value))
                if isinstance(node.value, ast.Call):
                    # env("NAME", default): a secret's default must be empty.
                    defaults = [a.value for a in node.value.args[1:] if isinstance(a, ast.Constant)]
                    literals += [(names, d) for d in defaults if d not in ("", None)]
    assert literals == []
    text = SETTINGS_FILE.read_text()
    assert not re.search(r"://[^/\s:@]+:[^/\s@]+@", text)  # no user:password@ in a URL
    assert not re.search(r"(?i)(sk_live|ghp_|AKIA)[0-9A-Za-z]{8,}", text)
