"""The catalogue in Khmer (issue 13, item 4): the shipped draft loaded with the edition, a team's own
translation imported with a row report and all-or-nothing, the pages in Khmer with per-item provenance
and per-item fallback to English, with a query count that does not grow."""

import io

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from indicators.loading import apply_plan, parse_rows, plan_changes, read_table
from indicators.models import CatalogueTranslation, Framework
from indicators.translations import load_translation

pytestmark = pytest.mark.django_db

KM_THEME = "សេរីភាពនៃការបញ្ចេញមតិ"  # R.B Freedom of expression
KM_QUESTION_R4 = "តើសេរីភាពនៃការបញ្ចេញមតិត្រូវបានធានាដោយច្បាប់"
TINY = (
    "category,theme_code,theme,question_code,question,group,code,indicator,core,kind,sources,wording\n"
    "R,R.A,Policy,R.1,Is there a law?,,R.1.1,Existence of a law,yes,qualitative,Legal texts,verified\n"
    "R,R.A,Policy,R.1,Is there a law?,,R.1.2,Use of the law,no,qualitative,Legal texts,verified\n"
    "C,,,,,economic,C.1.1,GDP per capita,no,quantitative,World Bank,reconstructed\n"
)


def khmer(client):
    client.cookies["django_language"] = "km"
    return client


def test_shipped_khmer_draft_covers_categories_themes_and_questions(framework):
    rows = CatalogueTranslation.objects.filter(framework=framework, language="km")
    counts = {kind: rows.filter(kind=kind).count() for kind in ("category", "theme", "question")}
    assert counts == {"category": 6, "theme": 25, "question": 124}
    assert set(rows.values_list("provenance", flat=True)) == {"draft"}
    assert rows.get(kind="theme", code="R.B").text == KM_THEME


def test_load_framework_loads_the_translation_and_again_changes_nothing(framework):
    out = io.StringIO()
    call_command("load_framework", stdout=out)
    assert "Loaded iui-2019 in km: 0 added, 0 changed, 157 unchanged." in out.getvalue()


def test_load_framework_dry_run_writes_no_translation(framework):
    CatalogueTranslation.objects.all().delete()
    out = io.StringIO()
    call_command("load_framework", dry_run=True, stdout=out)
    assert "Would load iui-2019 in km: 157 added, 0 changed, 0 unchanged." in out.getvalue()
    assert not CatalogueTranslation.objects.exists()


def test_import_reports_every_bad_row_and_writes_nothing(tmp_path, framework):
    before = list(CatalogueTranslation.objects.values_list("code", "text", "provenance"))
    path = tmp_path / "mine.csv"
    path.write_text(
        "code,text,provenance\n"
        "R.B,សេរីភាពបញ្ចេញមតិ,verified\n"  # fine
        "R.99,?,draft\n"  # no such question
        "R.B,again,draft\n"  # twice
        "Z.1,x,draft\n"  # not a code
        "R.1.1,,draft\n"  # no text
        "R.A,ok,checked\n"  # bad provenance
    )
    with pytest.raises(CommandError) as error:
        call_command("import_catalogue_translation", "iui-2019", "km", str(path), stdout=io.StringIO())
    message = str(error.value)
    assert "nothing was changed" in message
    for expected in (
        "Row 3: question R.99 is not in iui-2019",
        "Row 4: R.B is translated twice (also row 2)",
        "Row 5: “Z.1” is not a category, theme, question or indicator code",
        "Row 6: no text",
        "Row 7: provenance “checked” is not one of: draft, verified",
    ):
        assert expected in message
    assert "Row 2" not in message
    assert list(CatalogueTranslation.objects.values_list("code", "text", "provenance")) == before


def test_import_a_verified_translation_and_its_dry_run(tmp_path, framework):
    path = tmp_path / "mine.csv"
    path.write_text("code,text,provenance\nR.B,សេរីភាពបញ្ចេញមតិ,verified\nR.1.2,ការផ្តល់សច្ចាប័ន,draft\n")
    out = io.StringIO()
    call_command("import_catalogue_translation", "iui-2019", "km", str(path), dry_run=True, stdout=out)
    assert "Would import iui-2019 in km: 1 added, 1 changed, 0 unchanged." in out.getvalue()
    assert CatalogueTranslation.objects.get(code="R.B").provenance == "draft"
    call_command("import_catalogue_translation", "iui-2019", "km", str(path), stdout=out)
    theme = CatalogueTranslation.objects.get(code="R.B")
    assert (theme.text, theme.provenance) == ("សេរីភាពបញ្ចេញមតិ", "verified")
    assert CatalogueTranslation.objects.get(code="R.1.2", kind="indicator").text == "ការផ្តល់សច្ចាប័ន"


def test_import_refuses_a_language_the_site_lacks_and_a_missing_column(tmp_path, framework):
    path = tmp_path / "mine.csv"
    path.write_text("code,text,provenance\nR.B,x,draft\n")
    with pytest.raises(CommandError, match="not one of this site's"):
        call_command("import_catalogue_translation", "iui-2019", "fr", str(path), stdout=io.StringIO())
    path.write_text("code,text\nR.B,x\n")
    with pytest.raises(CommandError, match="missing column"):
        call_command("import_catalogue_translation", "iui-2019", "km", str(path), stdout=io.StringIO())


def test_framework_page_in_khmer_with_provenance_and_fallback(client, user, framework):
    khmer(client).force_login(user)
    body = client.get(reverse("indicators:framework", args=["iui-2019"])).content.decode()
    assert f'<span lang="km">{KM_THEME}</span>' in body
    assert KM_QUESTION_R4 in body
    # Each translated item says it is a draft; untranslated indicators stay in English (per item).
    assert body.count('class="badge translation-draft"') == 6 + 25 + 124 + 2
    assert '<span lang="en">Ratification of the principal international human rights instruments' in body
    # In English nothing of the translation shows.
    client.cookies["django_language"] = "en"
    body = client.get(reverse("indicators:framework", args=["iui-2019"])).content.decode()
    assert KM_THEME not in body and "translation-draft" not in body


def test_indicator_page_in_khmer(client, user, framework):
    CatalogueTranslation.objects.filter(code="R.4.1").update(provenance="verified")
    khmer(client).force_login(user)
    body = client.get(reverse("indicators:indicator", args=["iui-2019", "R.4.1"])).content.decode()
    assert "អត្ថិភាពនៃការធានាតាមរដ្ឋធម្មនុញ្ញ" in body and 'class="badge translation-verified"' in body
    assert KM_THEME in body and KM_QUESTION_R4 in body
    # A sibling without a translation is in English.
    assert '<span lang="en">' in body


def test_catalogue_pages_need_sign_in_in_any_language(client, framework):
    khmer(client)
    response = client.get(reverse("indicators:framework", args=["iui-2019"]))
    assert response.status_code == 302


@pytest.mark.parametrize("params", [{}, {"core": "1"}, {"q": "law"}])
def test_khmer_framework_page_queries_do_not_grow(client, user, framework, tmp_path, params):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    path = tmp_path / "tiny.csv"
    path.write_text(TINY)
    meta = {"code": "tiny-2024", "title": "Tiny", "publisher": "Us", "year": 2024, "licence": "CC0"}
    apply_plan(plan_changes(parse_rows(read_table(path)), meta))
    tiny = Framework.objects.get(code="tiny-2024")
    (tmp_path / "tiny.km.csv").write_text("code,text,provenance\nR.A,គោលនយោបាយ,draft\n")
    load_translation(tiny, "km", tmp_path / "tiny.km.csv")
    khmer(client).force_login(user)

    def count(edition):
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(reverse("indicators:framework", args=[edition]), params).status_code == 200
        return len(ctx.captured_queries)

    assert count("tiny-2024") == count("iui-2019")
