"""Someone the research workspace (the admin) does not serve is sent on to where they can work: the
"not authorized" page and the start page link to their assessments and those assessments' pages."""

import pytest
from django.urls import reverse

from assessments.models import Finding

from .conftest import change_url, finding_post

WORKSPACE_PAGES = ["/admin/", "/admin/assessments/finding/", "/admin/assessments/source/add/"]


def links_on(body):
    return body.split('data-testid="where-you-work"')[1].split("All my assessments")[0] + "All my assessments"


@pytest.mark.parametrize("page", WORKSPACE_PAGES)
def test_mab_member_gets_links_instead_of_a_dead_end(client, assessment, members, page):
    client.force_login(members["mab"])
    response = client.get(page, follow=True)
    assert response.status_code == 200
    body = response.content.decode()
    assert 'data-testid="not-authorized"' in body and "You are signed in as mab" in body
    box = links_on(body)
    assert f'href="{assessment.get_absolute_url()}"' in box  # the dashboard
    assert f'href="{reverse("review:overview", args=[assessment.code])}"' in box  # the review
    assert f'href="{reverse("assessments:list")}"' in box
    assert "MAB member" in box
    assert 'id="login-form"' not in body  # a sign-out button instead, to sign in as someone else
    # The links work for them.
    assert client.get(assessment.get_absolute_url()).status_code == 200
    assert client.get(reverse("review:overview", args=[assessment.code])).status_code == 200


def test_signed_in_without_an_assessment(client, user):
    client.force_login(user)
    body = client.get("/admin/", follow=True).content.decode()
    assert "You are not a member of any assessment yet" in links_on(body)


@pytest.mark.parametrize("role", ["staff", "researcher", "lead", "outsider"])
def test_workspace_start_page_links_to_each_persons_assessments(
    client, assessment, members, other_assessment, role
):
    client.force_login(members[role])
    body = client.get("/admin/").content.decode()
    box = links_on(body)
    mine = other_assessment if role == "outsider" else assessment
    theirs = assessment if role == "outsider" else other_assessment
    assert f'href="{mine.get_absolute_url()}"' in box
    assert f'href="{theirs.get_absolute_url()}"' not in box


def test_start_page_with_nothing_to_see(client, assessment, staff_user):
    """A staff-flagged account that belongs to no assessment sees only the read-only catalogue, and is
    told where to go; with no model at all to show, the page says so first."""
    client.force_login(staff_user)
    response = client.get("/admin/")
    assert [app["app_label"] for app in response.context["app_list"]] == ["indicators"]
    assert "You are not a member of any assessment yet" in links_on(response.content.decode())
    response.context["app_list"].clear()  # what a role that sees no model at all would get
    body = response.resolve_template(response.template_name).render(
        response.context_data, response.wsgi_request
    )
    assert 'data-testid="nothing-here"' in body and "nothing in the research workspace" in body


def test_staff_refused_a_write_gets_a_way_back(client, assessment, members):
    target = Finding.objects.get(assessment=assessment, indicator__code="R.1.1")
    client.force_login(members["staff"])
    response = client.post(change_url(target), finding_post(target, narrative="Not allowed"))
    assert response.status_code == 403
    assert f'href="{reverse("home")}"' in response.content.decode()  # home lists their assessments


def test_anonymous_still_gets_the_sign_in_form(client, assessment):
    body = client.get("/admin/", follow=True).content.decode()
    assert 'id="login-form"' in body and 'data-testid="where-you-work"' not in body


def test_superuser_start_page_is_unchanged(client, assessment, superuser):
    client.force_login(superuser)
    body = client.get("/admin/").content.decode()
    assert 'data-testid="where-you-work"' not in body and "Findings" in body
