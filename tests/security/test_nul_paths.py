"""A path with a NUL character (%00) is no page: 404 before any view, on every kind of page (PostgreSQL
refuses NUL in a query, so a view putting part of its path in one would answer 500)."""

import pytest

pytestmark = pytest.mark.django_db

PATHS = [
    "/a/khm-2023%00/",
    "/a/khm-2023/review/R.1.1%00/",
    "/a/khm-2023/review/%00/",
    "/a/khm-2023/review/matrix/%00",
    "/a/khm-2023/report/%00/",
    "/admin/assessments/finding/1%00/change/",
    "/admin/assessments/finding/%00/change/",
    "/p/khm-2023%00/",
    "/c/p/1/%00/",
    "/framework/iui-2019%00/",
    "/%00",
]


@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize("who", ["researcher", None])
def test_a_path_with_nul_is_404(client, assessment, members, path, who):
    if who:
        client.force_login(members[who])
    answer = client.get(path)
    assert answer.status_code == 404


@pytest.mark.parametrize("path", ["/api/assessments/khm-2023/findings/R.1.1%00/", "/api/assessments/%00/"])
def test_an_api_path_with_nul_is_a_json_404(client, assessment, members, path):
    client.force_login(members["researcher"])
    answer = client.get(path)
    assert answer.status_code == 404 and answer["Content-Type"].startswith("application/json")
