"""The comment-response matrix's cached table (review.views.matrix, review.queries.matrix_fingerprint): a
repeat visit reads no comment, and every kind of change to the MAB's comments shows at once — a new
comment, an edit, a resolution with its disposition, a reopening, a reply, a renamed target, another
language, other filters. (Consultation inputs: tests/consultation/test_matrix_cache.py.)"""

import pytest
from django.urls import reverse

from assessments.choices import Role
from assessments.models import Finding
from review import queries, services
from tests.factories import MembershipFactory, RecommendationFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def read(monkeypatch):
    """How many times the comments were read."""
    calls = []
    original = queries.mab_comments

    def counting(*args, **kwargs):
        calls.append(1)
        return original(*args, **kwargs)

    monkeypatch.setattr(queries, "mab_comments", counting)
    return calls


def page(client, assessment, **params):
    answer = client.get(reverse("review:matrix", args=[assessment.code]), params)
    assert answer.status_code == 200
    return answer.content.decode()


def table(html):
    return html[html.index('<p class="count">') :]


def test_a_repeat_visit_reads_no_comment(client, members, assessment, read):
    finding = Finding.objects.get(assessment=assessment, indicator__code="R.1.1")
    services.add_comment(finding, by=members["mab"], body="Score too high.")
    client.force_login(members["researcher"])
    first = page(client, assessment)
    assert table(page(client, assessment)) == table(first) and "Score too high." in first
    assert len(read) == 1
    # Another member of the team gets the same copy.
    client.force_login(members["lead"])
    assert "Score too high." in page(client, assessment) and len(read) == 1


def test_every_change_to_the_comments_shows_at_once(client, members, assessment):
    finding = Finding.objects.get(assessment=assessment, indicator__code="R.1.1")
    client.force_login(members["researcher"])
    assert "No MAB comment matches these filters." in page(client, assessment)
    comment = services.add_comment(finding, by=members["mab"], body="Score <b>too</b> high.")
    body = page(client, assessment)
    assert "1 comment" in body and "Score &lt;b&gt;too&lt;/b&gt; high." in body
    services.edit_comment(comment, by=members["mab"], body="Score far too high.")
    assert "Score far too high." in page(client, assessment)
    services.resolve_comment(
        comment, by=members["researcher"], disposition="accepted", reason="Lowered to 2."
    )
    body = page(client, assessment)
    assert "<td>Accepted</td>" in body and "Lowered to 2." in body
    comment.refresh_from_db()
    services.reopen_comment(comment, by=members["researcher"])
    body = page(client, assessment)
    assert "<td>Accepted</td>" not in body and "<td>Open</td>" in body
    services.add_comment(finding, by=members["mab"], body="And the source is old.", parent=comment)
    assert "2 comments" in page(client, assessment)


def test_filters_language_and_members_are_in_the_key(client, members, assessment):
    finding = Finding.objects.get(assessment=assessment, indicator__code="R.1.1")
    gov = MembershipFactory(assessment=assessment, role=Role.MAB, stakeholder_group="government").user
    services.add_comment(finding, by=gov, body="From the ministry.")
    services.add_comment(finding, by=members["mab"], body="From the board.")
    client.force_login(members["researcher"])
    assert "2 comments" in page(client, assessment)
    only = page(client, assessment, commenter=gov.username)
    assert "1 comment" in only and "From the board." not in only
    assert "2 comments" in page(client, assessment)
    gov.first_name, gov.last_name = "Vanna", "Minister"
    gov.save()
    assert "Vanna Minister" in page(client, assessment)
    client.cookies["django_language"] = "km"
    assert "2 comments" not in page(client, assessment)


def test_a_renamed_target_shows_at_once(client, members, assessment):
    recommendation = RecommendationFactory(assessment=assessment, text="Publish the registry.")
    services.add_comment(recommendation, by=members["mab"], body="Which registry?")
    client.force_login(members["researcher"])
    assert "Publish the registry." in page(client, assessment)
    recommendation.text = "Publish the operators' registry."
    recommendation.save()
    assert "Publish the operators&#x27; registry." in page(client, assessment)


def filters(html):
    start = html.index('<form class="filters"')
    return html[start : html.index("</form>", start)]


def test_the_cached_filters_follow_members_categories_choices_and_errors(client, members, assessment):
    """The filters' form is cached with the table: a new MAB member is offered at once, a renamed category
    (or its translation) shows at once, the chosen values stay chosen, and a refused value shows its
    error (never from a copy)."""
    from indicators.models import CatalogueTranslation, Category

    client.force_login(members["researcher"])
    assert "Vanna Minister" not in filters(page(client, assessment))
    MembershipFactory(
        assessment=assessment, role=Role.MAB, user__first_name="Vanna", user__last_name="Minister"
    )
    assert "Vanna Minister" in filters(page(client, assessment))

    category = Category.objects.get(framework=assessment.framework, code="R")
    category.name = "Rights, renamed"
    category.save()
    assert "R · Rights, renamed" in filters(page(client, assessment))

    client.cookies["django_language"] = "km"
    before = filters(page(client, assessment))
    CatalogueTranslation.objects.update_or_create(
        framework=assessment.framework,
        language="km",
        kind="category",
        code="R",
        defaults={"text": "សិទ្ធិ (កែ)", "provenance": "draft"},
    )
    after = filters(page(client, assessment))
    assert after != before and "សិទ្ធិ (កែ)" in after
    client.cookies["django_language"] = "en"

    chosen = filters(page(client, assessment, category="O"))
    assert '<option value="O" selected>' in chosen
    assert '<option value="O" selected>' not in filters(page(client, assessment))

    refused = page(client, assessment, category="no-such")
    assert 'role="alert"' in refused and "no-such" in refused
    assert 'role="alert"' in page(client, assessment, category="no-such")  # again: never a copy
