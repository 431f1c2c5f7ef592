"""gunicorn's control socket (`gunicornc`, gunicorn 25.1 and later) is made only where
GUNICORN_CONTROL_SOCKET asks (gunicorn.conf.py): by default gunicorn would make it in $XDG_RUNTIME_DIR or
$HOME/.gunicorn, which roamx-web.service does not let its user write and two instances would share."""

import json
import stat
import subprocess
import sys
from pathlib import Path

import pytest
import requests

from tests import processes

from .conftest import gunicorn

GUNICORNC = str(Path(sys.executable).with_name("gunicornc"))


@pytest.mark.django_db(transaction=True)
def test_no_control_socket_unless_asked(tmp_path):
    home, runtime = tmp_path / "home", tmp_path / "run"
    home.mkdir()
    runtime.mkdir()
    log = tmp_path / "gunicorn.log"
    with gunicorn(log, workers=1, HOME=str(home), XDG_RUNTIME_DIR=str(runtime)) as base:
        assert requests.get(f"{base}/healthz/", timeout=10).text == "ok\n"
        assert list(home.iterdir()) == [] and list(runtime.iterdir()) == []
    assert "Control socket" not in log.read_text()


@pytest.mark.django_db(transaction=True)
def test_the_control_socket_where_asked_answers_gunicornc_and_goes_with_the_server(tmp_path):
    socket_path = tmp_path / "gunicorn.ctl"
    with gunicorn(tmp_path / "gunicorn.log", workers=2, GUNICORN_CONTROL_SOCKET=str(socket_path)):
        # It is opened once the workers are up.
        processes.wait_for(socket_path.exists, 30, what="the control socket")
        mode = socket_path.stat().st_mode
        assert stat.S_ISSOCK(mode) and stat.S_IMODE(mode) == 0o600  # its owner only
        shown = subprocess.run(
            [GUNICORNC, "-s", str(socket_path), "-c", "show workers", "-j"],
            capture_output=True,
            text=True,
            timeout=30,
        )
        assert shown.returncode == 0, shown.stderr
        assert json.loads(shown.stdout)["count"] == 2
    assert not socket_path.exists()
