import pytest

from indicators.models import Indicator


@pytest.fixture
def reader(api_as):
    return api_as("mab")


def test_framework_list_and_tree(reader, assessment):
    listing = reader.get("/api/frameworks/").json()
    assert listing["count"] == 1
    edition = listing["results"][0]
    assert (
        edition["code"] == "iui-2019" and edition["indicator_count"] == 303 and edition["core_count"] == 109
    )
    tree = reader.get(edition["url"]).json()
    categories = {c["code"]: c for c in tree["categories"]}
    assert list(categories) == ["R", "O", "A", "M", "X", "C"]
    assert sum(len(t["questions"]) for c in tree["categories"] for t in c["themes"]) == 124
    in_tree = sum(
        len(q["indicators"]) for c in tree["categories"] for t in c["themes"] for q in t["questions"]
    )
    assert in_tree + len(categories["C"]["indicators"]) == 303
    assert len(categories["C"]["indicators"]) == 21 and categories["C"]["themes"] == []


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({}, 303),
        ({"core": "true"}, 109),
        ({"category": "R", "core": "true"}, 22),
        ({"category": "C"}, 21),
        ({"kind": "quantitative"}, None),
        ({"q": "R.1."}, None),
    ],
)
def test_indicator_filters(reader, assessment, params, expected):
    response = reader.get("/api/frameworks/iui-2019/indicators/", {**params, "page_size": 500})
    assert response.status_code == 200
    if expected is None:
        queryset = Indicator.objects.filter(framework__code="iui-2019")
        expected = (
            queryset.filter(kind="quantitative").count()
            if "kind" in params
            else queryset.filter(code__startswith="R.1.").count()
        )
    assert response.json()["count"] == expected == len(response.json()["results"])


def test_indicator_detail(reader, assessment):
    body = reader.get("/api/frameworks/iui-2019/indicators/C.1.1/").json()
    assert body["category"] == "C" and body["theme"] is None and body["context_group"] == "economic"
    body = reader.get("/api/frameworks/iui-2019/indicators/R.1.1/").json()
    assert body["theme"] and body["question"] == "R.1" and body["question_text"]
    assert reader.get("/api/frameworks/nope/indicators/").status_code == 404
    assert reader.get("/api/frameworks/iui-2019/indicators/Q.1.1/").status_code == 404


def test_page_size_is_capped(reader, assessment, monkeypatch):
    from toolkit.rest import Pagination

    monkeypatch.setattr(Pagination, "max_page_size", 100)
    response = reader.get("/api/frameworks/iui-2019/indicators/", {"page_size": 100000})
    assert len(response.json()["results"]) == 100 and response.json()["count"] == 303
    default = reader.get("/api/frameworks/iui-2019/indicators/").json()
    assert len(default["results"]) == 50 and default["next"]
    small = reader.get("/api/frameworks/iui-2019/indicators/", {"page_size": 10, "page": 2}).json()
    assert len(small["results"]) == 10 and small["previous"] and small["next"]
    assert reader.get("/api/frameworks/iui-2019/indicators/", {"page": 999}).status_code == 404
