"""Links from the research team's pages to the apps built on top of ``assessments``.

``assessments`` imports neither ``review`` nor ``reports`` (pyproject.toml's contracts), yet its pages link
to them: the dashboard's buttons, a finding's page. So the apps above register their links here in their
``AppConfig.ready()``, as they register comment targets with ``review.targets`` and transition validators
with ``assessments.services``; an app that is not installed simply adds no link.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.urls import reverse


@dataclass(frozen=True)
class AssessmentLink:
    key: str
    label: str  # a lazy translation
    url: Callable[[str], str]  # assessment code -> URL
    order: int
    later_round: bool = False  # only for a round that has a previous one (e.g. the follow-up page)


_assessment_links: dict[str, AssessmentLink] = {}
_finding_page: Callable[[str, str], str] | None = None


def register_assessment_link(key, label, url, order=100, later_round=False):
    """A button on the assessment's dashboard: ``url(code)`` gives its address; ``later_round``: shown only
    for a round started from a previous one. Registering a key twice replaces the first (``ready()`` may
    run more than once in tests)."""
    _assessment_links[key] = AssessmentLink(key, label, url, order, later_round)


def assessment_links(code, has_previous=False):
    """The registered dashboard links for the assessment ``code``, in their order, as (label, url);
    ``has_previous``: whether it is a later round (links marked ``later_round`` need one)."""
    links = sorted(_assessment_links.values(), key=lambda link: (link.order, link.key))
    return [(link.label, link.url(code)) for link in links if has_previous or not link.later_round]


def register_finding_page(url):
    """The page every member opens for a finding: ``url(assessment_code, indicator_code)``."""
    global _finding_page
    _finding_page = url


def finding_url(assessment_code, indicator_code, finding_pk):
    """The registered finding page, or — with no app above to show it — the research workspace's form."""
    if _finding_page is not None:
        return _finding_page(assessment_code, indicator_code)
    return reverse("admin:assessments_finding_change", args=[finding_pk])
