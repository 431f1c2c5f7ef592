"""Bilingual content (issue 13, item 5): an assessment's two languages, the fallback rules, the finding's
second-language narrative through the service, the admin (side by side) and the API."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import translation

from assessments.languages import column, has_second_text, languages, reader_language, shown
from assessments.models import Assessment
from assessments.services import EditConflict, save_finding
from reports.models import Recommendation
from tests.api.conftest import token_client
from tests.factories import AssessmentFactory, RecommendationFactory

from .conftest import change_url, finding, finding_post

pytestmark = pytest.mark.django_db

KM_NARRATIVE = "រដ្ឋធម្មនុញ្ញការពារសេរីភាពនៃការបញ្ចេញមតិ។"
EN_NARRATIVE = "The constitution protects freedom of expression."


@pytest.fixture
def bilingual(assessment):
    assessment.second_language = "km"
    assessment.save()
    return assessment


# ---- the languages and the fallback rules -----------------------------------------------------------


def test_an_assessment_has_a_primary_and_an_optional_second_language(assessment):
    assert (assessment.language, assessment.second_language) == ("en", "")
    assert languages(assessment) == ["en"]
    assessment.second_language = "km"
    assert languages(assessment) == ["en", "km"]
    assert column("narrative", assessment, "en") == "narrative"
    assert column("narrative", assessment, "km") == "narrative_second"
    assert column("narrative", assessment, "fr") is None


def test_any_pair_works_with_khmer_first(framework):
    khmer_first = AssessmentFactory(code="khm-km", framework=framework, language="km", second_language="en")
    assert languages(khmer_first) == ["km", "en"]
    assert column("narrative", khmer_first, "km") == "narrative"
    assert column("narrative", khmer_first, "en") == "narrative_second"


def test_second_language_must_differ_from_the_primary(assessment):
    assessment.second_language = "en"
    with pytest.raises(ValidationError) as error:
        assessment.full_clean()
    assert "second_language" in error.value.message_dict


def test_fallback_per_text_with_a_note(bilingual):
    target = finding(bilingual, "R.1.1")
    target.narrative = EN_NARRATIVE
    in_km = shown(target, "narrative", bilingual, "km")
    assert in_km.text == EN_NARRATIVE and in_km.language == "en" and in_km.fell_back
    with translation.override("en"):
        assert in_km.note == "Not yet written in Khmer — shown in English."
    target.narrative_second = KM_NARRATIVE
    in_km = shown(target, "narrative", bilingual, "km")
    assert (in_km.text, in_km.language, in_km.fell_back, in_km.note) == (KM_NARRATIVE, "km", False, "")
    # Only Khmer written: an English reader gets the Khmer, with the note.
    target.narrative = "  "
    in_en = shown(target, "narrative", bilingual, "en")
    assert in_en.text == KM_NARRATIVE and in_en.fell_back
    # Nothing written: empty, no note.
    target.narrative = target.narrative_second = ""
    assert not shown(target, "narrative", bilingual, "km").fell_back


def test_reader_language_choice_then_interface_then_primary(bilingual, assessment):
    with translation.override("km"):
        assert reader_language(bilingual) == "km"
        assert reader_language(bilingual, "en") == "en"
        assert reader_language(bilingual, "fr") == "km"  # not one of its languages: ignored
    with translation.override("en"):
        assert reader_language(bilingual) == "en"
    bilingual.second_language = ""
    with translation.override("km"):
        assert reader_language(bilingual, "km") == "en"  # a one-language assessment shows its own


def test_second_language_text_is_refused_without_a_second_language(assessment, members):
    target = finding(assessment, "R.1.1")
    with pytest.raises(ValidationError) as error:
        save_finding(target, by=members["researcher"], expected_version=1, fields={"narrative_second": "x"})
    assert "narrative_second" in error.value.message_dict
    target.refresh_from_db()
    assert target.version == 1 and target.narrative_second == ""


def test_languages_cannot_change_once_second_language_text_exists(bilingual, members):
    bilingual.language = "km"
    bilingual.second_language = "en"
    bilingual.full_clean()  # nothing written yet: free to change
    bilingual.refresh_from_db()
    RecommendationFactory(assessment=bilingual, text="Publish data.", text_second="ផ្សព្វផ្សាយទិន្នន័យ។")
    assert has_second_text(bilingual)
    bilingual.second_language = ""
    with pytest.raises(ValidationError) as error:
        bilingual.full_clean()
    assert "second_language" in error.value.message_dict


# ---- the service, history and edit conflicts ---------------------------------------------------------


def test_second_language_narrative_is_versioned_and_in_the_history(bilingual, members):
    target = finding(bilingual, "R.1.1")
    save_finding(target, by=members["researcher"], expected_version=1, fields={"narrative": EN_NARRATIVE})
    save_finding(target, by=members["lead"], expected_version=2, fields={"narrative_second": KM_NARRATIVE})
    target.refresh_from_db()
    assert (target.version, target.narrative, target.narrative_second) == (3, EN_NARRATIVE, KM_NARRATIVE)
    assert target.history.first().narrative_second == KM_NARRATIVE
    # A stale save is a conflict that names the second-language change.
    with pytest.raises(EditConflict) as conflict:
        save_finding(target, by=members["researcher"], expected_version=2, fields={"narrative": "Mine"})
    labels = [label for label, _old, _new in conflict.value.changes]
    assert labels == ["narrative evidence (second language)"]


# ---- the admin: both languages side by side -----------------------------------------------------------


def test_admin_shows_both_languages_side_by_side_and_saves_both(client, bilingual, members):
    target = finding(bilingual, "R.1.1")
    client.force_login(members["researcher"])
    page = client.get(change_url(target)).content.decode()
    # One row holding both fields (Django's admin puts a fieldset's tuple side by side).
    row = page.split('class="form-row field-narrative field-narrative_second', 1)[1].split("</fieldset>", 1)[
        0
    ]
    assert 'name="narrative"' in row and 'name="narrative_second"' in row
    assert "Narrative evidence — English" in row and "Narrative evidence — Khmer" in row
    assert 'lang="km"' in row
    response = client.post(
        change_url(target),
        finding_post(target, narrative=EN_NARRATIVE, narrative_second=KM_NARRATIVE, status="draft"),
    )
    assert response.status_code == 302
    target.refresh_from_db()
    assert (target.narrative, target.narrative_second, target.version) == (EN_NARRATIVE, KM_NARRATIVE, 2)


def test_admin_shows_only_the_primary_language_for_a_one_language_assessment(client, assessment, members):
    target = finding(assessment, "R.1.1")
    client.force_login(members["researcher"])
    page = client.get(change_url(target)).content.decode()
    assert 'name="narrative"' in page and 'name="narrative_second"' not in page
    # Posting one anyway changes nothing of it.
    client.post(change_url(target), finding_post(target, narrative_second="sneaked in"))
    target.refresh_from_db()
    assert target.narrative_second == ""


@pytest.mark.parametrize("role", ["staff", "mab"])
def test_read_only_members_see_both_languages_but_cannot_write(client, bilingual, members, role):
    user = members[role]
    user.is_staff = True
    user.save()
    target = finding(bilingual, "R.1.1")
    client.force_login(user)
    assert client.get(change_url(target)).status_code == 200
    response = client.post(change_url(target), finding_post(target, narrative_second=KM_NARRATIVE))
    assert response.status_code == 403
    target.refresh_from_db()
    assert target.narrative_second == ""


def test_recommendation_admin_edits_both_languages(client, bilingual, members):
    rec = RecommendationFactory(assessment=bilingual, text="Publish public data in open formats.")
    client.force_login(members["lead"])
    url = reverse("admin:reports_recommendation_change", args=[rec.pk])
    page = client.get(url).content.decode()
    assert "Recommendation — English" in page and "Recommendation — Khmer" in page
    response = client.post(
        url,
        {
            "assessment": bilingual.pk,
            "stakeholder_group": rec.stakeholder_group,
            "text": rec.text,
            "text_second": "ផ្សព្វផ្សាយទិន្នន័យសាធារណៈជាទម្រង់បើកចំហ។",
            "priority": rec.priority,
            "order": rec.order,
        },
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert Recommendation.objects.get(pk=rec.pk).text_second.startswith("ផ្សព្វផ្សាយ")


def test_assessment_admin_sets_the_languages(client, superuser, bilingual):
    client.force_login(superuser)
    page = client.get(reverse("admin:assessments_assessment_change", args=[bilingual.pk])).content.decode()
    assert 'name="language"' in page and 'name="second_language"' in page


# ---- the API -----------------------------------------------------------------------------------------

URL = "/api/assessments/khm-2023/findings/R.1.1/"


def test_api_reads_and_writes_both_languages(bilingual, members):
    api = token_client(members["researcher"])
    body = api.get("/api/assessments/khm-2023/").json()
    assert (body["language"], body["second_language"]) == ("en", "km")
    response = api.patch(URL, {"version": 1, "narrative_second": KM_NARRATIVE}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["narrative_second"] == KM_NARRATIVE and response.json()["narrative"] == ""
    assert finding(bilingual, "R.1.1").narrative_second == KM_NARRATIVE


def test_api_refuses_second_language_text_without_a_second_language(assessment, members):
    api = token_client(members["researcher"])
    response = api.patch(URL, {"version": 1, "narrative_second": "x"}, format="json")
    assert response.status_code == 400
    assert "narrative_second" in response.json()
    assert finding(assessment, "R.1.1").version == 1


@pytest.mark.parametrize(("role", "status"), [("mab", 403), ("staff", 403), ("outsider", 404)])
def test_api_second_language_write_refused_per_role(bilingual, members, role, status):
    api = token_client(members[role])
    assert api.patch(URL, {"version": 1, "narrative_second": "x"}, format="json").status_code == status
    assert finding(bilingual, "R.1.1").narrative_second == ""


def test_api_recommendation_in_both_languages(bilingual, members):
    api = token_client(members["lead"])
    url = "/api/assessments/khm-2023/recommendations/"
    response = api.post(
        url,
        {"stakeholder_group": "government", "text": "Publish data.", "text_second": "ផ្សព្វផ្សាយទិន្នន័យ។"},
        format="json",
    )
    assert response.status_code == 201, response.content
    assert response.json()["text_second"] == "ផ្សព្វផ្សាយទិន្នន័យ។"
    bilingual.second_language = ""
    Assessment.objects.filter(pk=bilingual.pk).update(second_language="")
    response = api.post(
        url, {"stakeholder_group": "government", "text": "x", "text_second": "y"}, format="json"
    )
    assert response.status_code == 400 and "text_second" in response.json()


def test_api_creates_an_assessment_with_two_languages(superuser, framework):
    api = token_client(superuser)
    data = {
        "code": "lao-2025",
        "title": "Lao",
        "country_code": "LAO",
        "country_name": "Lao PDR",
        "framework": framework.code,
        "language": "km",
        "second_language": "km",
    }
    response = api.post("/api/assessments/", data, format="json")
    assert response.status_code == 400 and "second_language" in response.json()
    response = api.post("/api/assessments/", {**data, "second_language": "en"}, format="json")
    assert response.status_code == 201, response.content
    assert languages(Assessment.objects.get(code="lao-2025")) == ["km", "en"]


def test_api_report_section_in_both_languages(bilingual, members):
    api = token_client(members["researcher"])
    url = "/api/assessments/khm-2023/report-sections/"
    response = api.post(url, {"kind": "conclusion", "body": "Done.", "body_second": "រួចរាល់។"}, format="json")
    assert response.status_code == 201, response.content
    response = api.patch(url + "conclusion/", {"body_second": "បានបញ្ចប់។"}, format="json")
    assert response.status_code == 200 and response.json()["body_second"] == "បានបញ្ចប់។"
    assert api.get(url + "conclusion/").json()["body"] == "Done."


def test_language_names_read_in_each_language():
    """A language is named in the reader's language, and by its own name when read in itself (Django's
    table calls Khmer's local name "Khmer"; the switcher's "ភាសាខ្មែរ" is used instead)."""
    from django.utils import translation

    from assessments.languages import language_name

    with translation.override("en"):
        assert (language_name("km"), language_name("en")) == ("Khmer", "English")
    with translation.override("km"):
        assert language_name("km") == "ភាសាខ្មែរ"
        assert language_name("en") not in ("English", "") and "Khmer" not in language_name("en")
