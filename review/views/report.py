"""The report's content for review: its sections and the recommendation register, each with a thread.

Every member reads and comments; researchers and leads resolve with dispositions. Nobody edits the
content here — researchers write it in the research workspace (``reports`` admin, ``Perm.EDIT_REPORT``).
"""

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from assessments.rules import Perm, check, get_assessment_for
from review import queries, targets
from review.choices import Disposition
from review.languages import reading_language, show_in
from review.rendering import AttachmentFigures
from review.views import comments
from review.views.base import Bound, perm_flags, run_action


def _render(request, assessment, *, bound=None, bound_target=None):
    perms = check(request.user, assessment)
    sections, groups = queries.report_content(assessment)
    recommendations = [r for g in groups for r in g["recommendations"]]
    items = [*sections, *recommendations]
    language, switch = reading_language(request, assessment)
    show_in(sections, "body", assessment, language)
    show_in(recommendations, "text", assessment, language)
    for obj in items:
        obj.post_url = reverse(
            "review:report_comment",
            kwargs={"code": assessment.code, "key": targets.key_for(obj), "pk": obj.pk},
        )
        anchor = f"section-{obj.kind}" if obj in sections else f"recommendation-{obj.pk}"
        obj.thread_id = f"{anchor}-comments"
        # A refused form is shown again only in the thread it came from.
        same = bound_target is not None and (type(obj), obj.pk) == (type(bound_target), bound_target.pk)
        obj.bound = bound if same else None
    context = {
        "assessment": assessment,
        "sections": sections,
        "groups": groups,
        "recommendation_count": sum(len(g["recommendations"]) for g in groups),
        "comment_total": sum(obj.comment_count for obj in items),
        "open_mab_total": sum(obj.open_mab for obj in items),
        "can": perm_flags(perms),
        "can_edit_content": Perm.EDIT_REPORT in perms and request.user.is_staff,
        "now": timezone.now(),
        "dispositions": Disposition.choices,
        "figures": AttachmentFigures(assessment, [obj.shown.text for obj in items]),
        "switch": switch,
    }
    return render(request, "review/report.html", context, status=400 if bound else 200)


@login_required
@require_GET
def report_review(request, code):
    assessment = get_assessment_for(request.user, code)
    return _render(request, assessment)


@login_required
@require_POST
def report_comment(request, code, key, pk):
    """Comment actions on one section or recommendation; a refused form comes back in place."""
    assessment = get_assessment_for(request.user, code)
    target = targets.lookup(assessment, key, pk)
    if type(target) not in targets.report_models():
        raise Http404("Not part of the report.")
    result = run_action(request, assessment, comments.COMMENT_ACTIONS, target)
    if not isinstance(result, Bound):
        return result
    return _render(request, assessment, bound=result, bound_target=target)
