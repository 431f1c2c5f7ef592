"""Behind nginx (deploy/nginx/roamx.conf as shipped), the answers the proxy gives itself under /api/ are
JSON too: a body over the proxy's limit, and roamx not answering. Elsewhere they stay nginx's pages."""

import subprocess

import pytest
import requests

from tests import processes
from tests.test_deploy import https_session, nginx_config

OVER_THE_LIMIT = b"x" * (13 * 1024 * 1024)  # client_max_body_size is 12m


@pytest.fixture
def proxy_without_roamx(tmp_path):
    """nginx in front of a port where nothing listens: roamx restarting, or down."""
    https_port = processes.free_port()
    config, cert = nginx_config(
        tmp_path, upstream_port=processes.free_port(), http_port=processes.free_port(), https_port=https_port
    )
    nginx = subprocess.Popen(["nginx", "-c", str(config)], stderr=subprocess.PIPE, text=True)
    session = https_session(cert)
    site = f"https://127.0.0.1:{https_port}"

    def listening():
        try:
            return session.get(f"{site}/healthz/", timeout=5).status_code  # 502: nginx is up, roamx not
        except requests.ConnectionError:
            assert nginx.poll() is None, nginx.stderr.read()
            return None

    try:
        processes.wait_for(listening, 30, interval=0.2, what="nginx")
        yield session, site
    finally:
        nginx.terminate()
        nginx.communicate(timeout=10)


def test_roamx_not_answering_is_json_under_api(proxy_without_roamx):
    session, site = proxy_without_roamx
    for method in ("GET", "POST", "PATCH"):
        response = session.request(method, f"{site}/api/assessments/", json={"a": 1}, timeout=10)
        assert response.status_code == 503
        assert response.headers["Content-Type"] == "application/json"
        assert response.headers["Retry-After"] == "60"
        assert "not answering" in response.json()["detail"]
    page = session.get(f"{site}/accounts/login/", timeout=10)
    assert page.status_code == 502 and page.headers["Content-Type"].startswith("text/html")


def test_body_over_the_proxy_limit_is_json_under_api(proxy_without_roamx):
    session, site = proxy_without_roamx
    headers = {"Content-Type": "application/json"}
    response = session.post(f"{site}/api/assessments/", data=OVER_THE_LIMIT, headers=headers, timeout=30)
    assert response.status_code == 413
    assert response.headers["Content-Type"] == "application/json"
    assert response.json() == {"detail": "The request body is too large."}
    page = session.post(f"{site}/a/khm-2023/", data=OVER_THE_LIMIT, timeout=30)
    assert page.status_code == 413 and page.headers["Content-Type"].startswith("text/html")
