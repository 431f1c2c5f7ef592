import pytest
from django.urls import reverse

from indicators.loading import apply_plan, parse_rows, plan_changes, read_table
from indicators.models import Indicator

TINY = (
    "category,theme_code,theme,question_code,question,group,code,indicator,core,kind,sources,wording\n"
    "R,R.A,Policy,R.1,Is there a law?,,R.1.1,Existence of a law,yes,qualitative,Legal texts,verified\n"
    "C,,,,,economic,C.1.1,GDP per capita,no,quantitative,World Bank,reconstructed\n"
)


@pytest.fixture
def tiny_edition(tmp_path, db):
    path = tmp_path / "tiny.csv"
    path.write_text(TINY)
    meta = {"code": "tiny-2024", "title": "Tiny", "publisher": "Us", "year": 2024, "licence": "CC0"}
    return apply_plan(plan_changes(parse_rows(read_table(path)), meta))


def test_framework_pages_need_sign_in(client, framework):
    for url in (
        reverse("indicators:framework_list"),
        reverse("indicators:framework", args=["iui-2019"]),
        reverse("indicators:indicator", args=["iui-2019", "R.1.1"]),
    ):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))


def test_framework_page_shows_tree_and_reconstructed_notice(client, user, framework):
    client.force_login(user)
    response = client.get(reverse("indicators:framework", args=["iui-2019"]))
    body = response.content.decode()
    assert response.status_code == 200
    assert "303 indicators shown" in body
    assert "Policy, legal and regulatory framework" in body
    assert "303 indicators in this edition have wording that the roamx team reconstructed" in body
    assert "CC BY-SA 3.0 IGO" in body
    assert body.count('class="badge reconstructed"') == 303


def test_core_filter_shows_only_core(client, user, framework):
    client.force_login(user)
    response = client.get(reverse("indicators:framework", args=["iui-2019"]), {"core": "1"})
    body = response.content.decode()
    assert "109 indicators shown" in body
    non_core = Indicator.objects.filter(is_core=False, category__code="R").first()
    assert f">{non_core.code}</span>" not in body
    assert body.count('class="badge core"') == 109


def test_text_search_matches_code_and_text(client, user, framework):
    client.force_login(user)
    url = reverse("indicators:framework", args=["iui-2019"])
    by_code = client.get(url, {"q": "R.1."}).content.decode()
    expected = Indicator.objects.filter(code__startswith="R.1.").count()
    assert f"{expected} indicator" in by_code
    word = Indicator.objects.get(code="R.1.1").text.split()[2]
    by_text = client.get(url, {"q": word})
    assert ">R.1.1</span>" in by_text.content.decode()
    nothing = client.get(url, {"q": "zzzz-nothing"}).content.decode()
    assert "No indicator matches these filters." in nothing


def test_indicator_page_shows_question_and_sources(client, user, framework):
    client.force_login(user)
    indicator = Indicator.objects.select_related("question").get(code="R.1.1")
    response = client.get(reverse("indicators:indicator", args=["iui-2019", "R.1.1"]))
    body = response.content.decode()
    assert indicator.question.text in body
    assert "Sources and means of verification" in body
    assert "reconstructed wording" in body


def test_contextual_indicator_page_shows_group(client, user, framework):
    client.force_login(user)
    body = client.get(reverse("indicators:indicator", args=["iui-2019", "C.1.1"])).content.decode()
    assert "Contextual group" in body and "Economic" in body


def test_unknown_indicator_is_404(client, user, framework):
    client.force_login(user)
    assert client.get(reverse("indicators:indicator", args=["iui-2019", "R.99.1"])).status_code == 404
    assert client.get(reverse("indicators:framework", args=["nope"])).status_code == 404


def test_framework_list_lists_editions(client, user, framework, tiny_edition):
    client.force_login(user)
    body = client.get(reverse("indicators:framework_list")).content.decode()
    assert "Tiny" in body and framework.title in body


def count_queries(client, url, params=None):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url, params or {}).status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize("params", [{}, {"core": "1"}, {"q": "law"}])
def test_framework_page_queries_do_not_grow_with_indicators(
    client, user, framework, tiny_edition, params, django_assert_max_num_queries
):
    client.force_login(user)
    small = count_queries(client, reverse("indicators:framework", args=["tiny-2024"]), params)
    large = count_queries(client, reverse("indicators:framework", args=["iui-2019"]), params)
    assert small == large
    assert large <= 12


def test_indicator_page_queries_are_bounded(client, user, framework, django_assert_max_num_queries):
    client.force_login(user)
    with django_assert_max_num_queries(8):
        client.get(reverse("indicators:indicator", args=["iui-2019", "R.1.1"]))
