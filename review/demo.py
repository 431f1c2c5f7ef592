"""Review activity for the Cambodia demo (``khm-2023``): what the board and the team have said so far.

The MAB member ``reviewer`` has commented on findings, on a key-findings section and on a
recommendation; ``researcher`` has replied and resolved some comments with a disposition; the reviewer
has voted; and one finding (A.5.1) was revised after the reviewer last opened it, so the demo shows the
"changed since you last looked" flag and the word diff. Written in our own words, on the facts already
in the demo findings.

Idempotent: each comment is found by its target, author and text before being created, votes and the
revision happen once, and the last-seen record is only created when missing (a real visit is never
overwritten). It writes rows directly instead of through ``review.services`` so that seeding does not
mail anyone; it keeps the services' rules (a resolved MAB comment has a disposition and a reason; no
finding is marked endorsed while a MAB comment on it is open — ``check_endorsement_rule`` holds that).
"""

from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.utils import timezone

from assessments.choices import FindingStatus, Role
from assessments.models import Finding
from assessments.services import save_finding
from review import targets
from review.choices import CommentStatus, Disposition, Verdict
from review.models import Comment, LastSeen, Vote

A51_ADDITION = (
    " The figure is ITU's estimate for 2022; the national statistics institute has not published its own."
)

# Each thread: (target, MAB comment, researcher's reply or "", (disposition, reason) or None).
# A target is ("finding", indicator code), ("section", section kind) or ("recommendation", text start).
THREADS = [
    (
        ("finding", "A.5.1"),
        "Where does 32.9% come from, and for which year? If it is an ITU estimate rather than a national "
        "survey, the narrative should say so — the board will be asked about it at the workshop.",
        "It is ITU's estimate for 2022, as quoted in the September 2023 slides. I have added that to the "
        "narrative.",
        (Disposition.ACCEPTED, "Source and year added to the narrative; the score is unchanged."),
    ),
    (
        ("finding", "X.7.1"),
        "The two harassment figures cannot both be right: 244 of 845 is about 29%, not 54.5%. Please check "
        "with the survey team before this goes into the report.",
        "",
        (
            Disposition.PARTLY_ACCEPTED,
            "We keep the finding unscored until the survey authors confirm which figure applies; the "
            "report will quote neither figure in the meantime.",
        ),
    ),
    (
        ("finding", "A.12.2"),
        "US$5 a month is cheap on average, but not for the poorest fifth of households. Could the score "
        "reflect affordability for low-income users rather than the average price?",
        "",
        (
            Disposition.NOT_ACCEPTED,
            "This indicator is about price levels; affordability for low-income groups is covered by the "
            "household-access findings (A.6.1 and A.17.1), where the missing data is already recorded.",
        ),
    ),
    (
        ("section", "findings_A"),
        "The access summary leads with mobile growth. Please add the rural gap — more than half of rural "
        "households have no Internet access — in the first paragraph, not only at the end.",
        "",
        None,
    ),
    (
        ("recommendation", "Establish an independent data protection authority"),
        "Say when and under which law: tie the authority to the personal data protection law now being "
        "drafted, and say it must be independent of the ministry that holds the most personal data.",
        "Agreed in principle. @reviewer, would \u201cwithin one year of the data protection law's adoption\u201d "
        "work as the timing?",
        None,
    ),
]

# Findings the reviewer has judged: (indicator code, verdict, comment for "needs revision").
VOTES = [
    ("A.7.1", Verdict.ENDORSE, ""),
    ("X.34.1", Verdict.ENDORSE, ""),
    (
        "R.4.1",
        Verdict.NEEDS_REVISION,
        "A score of 2 needs support beyond the general concern the report records: cite documented cases "
        "of prosecution for online expression, or lower the confidence.",
    ),
]


class DemoInconsistent(Exception):
    pass


def _target(assessment, kind, key):
    if kind == "finding":
        return Finding.objects.select_related("indicator__category", "assessment").get(
            assessment=assessment, indicator__code=key
        )
    section_model, recommendation_model = targets.report_models()
    if kind == "section":
        return section_model.objects.select_related("assessment").get(assessment=assessment, kind=key)
    return (
        recommendation_model.objects.select_related("assessment")
        .filter(assessment=assessment, text__startswith=key)
        .first()
    )


def _comment(target, author, body, *, role, parent=None):
    spec = targets.spec_for(target)
    return Comment.objects.get_or_create(
        content_type=ContentType.objects.get_for_model(target),
        object_id=target.pk,
        author=author,
        body=body,
        defaults={
            "assessment": spec.assessment(target),
            "category": spec.category(target),
            "parent": parent,
            "author_role": role,
        },
    )


def _revise_a51(assessment, researcher):
    """The team's answer to the reviewer's comment on A.5.1, once (the reviewer saw it before)."""
    finding = Finding.objects.get(assessment=assessment, indicator__code="A.5.1")
    before = finding.narrative
    if finding.narrative and A51_ADDITION.strip() not in finding.narrative:
        save_finding(
            finding,
            by=researcher,
            expected_version=finding.version,
            fields={"narrative": finding.narrative.rstrip() + A51_ADDITION},
        )
        return finding, before
    return finding, finding.narrative.replace(A51_ADDITION, "")


@transaction.atomic
def seed_review(assessment):
    """Write the demo review activity for ``assessment`` (the demo ``khm-2023``); idempotent.

    Needs the demo accounts, the demo findings and the demo report content (``seed_report``).
    """
    users = {u.username: u for u in get_user_model().objects.filter(username__in=["reviewer", "researcher"])}
    reviewer, researcher = users["reviewer"], users["researcher"]
    if not targets.report_models():
        raise DemoInconsistent("The reports app is not installed.")

    # The revision first, and the reviewer's view of A.5.1 from before it: the flag and the diff.
    finding, before = _revise_a51(assessment, researcher)
    if not LastSeen.objects.filter(user=reviewer, finding=finding).exists():
        LastSeen.objects.create(
            user=reviewer,
            finding=finding,
            seen_at=timezone.now() - timezone.timedelta(days=3),
            narrative=before,
            score=finding.score,
            special_score=finding.special_score,
        )

    for (kind, key), body, reply, resolution in THREADS:
        target = _target(assessment, kind, key)
        if target is None:  # the team deleted that recommendation: nothing to comment on
            continue
        comment, created = _comment(target, reviewer, body, role=Role.MAB)
        if reply:
            answer, _created = _comment(target, researcher, reply, role=Role.RESEARCHER, parent=comment)
            if "@reviewer" in reply:
                answer.mentions.add(reviewer)
        # Resolved only when first written: a comment someone reopened since stays open.
        if resolution and created:
            comment.status = CommentStatus.RESOLVED
            comment.disposition, comment.reason = resolution
            comment.resolved_by = researcher
            comment.resolved_at = timezone.now()
            comment.answered_body = comment.body
            comment.save()

    for code, verdict, body in VOTES:
        finding = _target(assessment, "finding", code)
        if Vote.objects.filter(finding=finding, member=reviewer).exists():
            continue
        comment = _comment(finding, reviewer, body, role=Role.MAB)[0] if body else None
        Vote.objects.create(finding=finding, member=reviewer, verdict=verdict, comment=comment)

    check_endorsement_rule(assessment)
    return assessment


def check_endorsement_rule(assessment):
    """Refuse a demo that contradicts the review rule: an endorsed finding with open MAB comments."""
    content_type = ContentType.objects.get_for_model(Finding)
    endorsed = Finding.objects.filter(assessment=assessment, status=FindingStatus.ENDORSED).values("pk")
    clash = Comment.objects.filter(
        content_type=content_type,
        object_id__in=endorsed,
        author_role=Role.MAB,
        status=CommentStatus.OPEN,
    )
    if clash.exists():
        raise DemoInconsistent("An endorsed demo finding has unresolved MAB comments.")
