"""The report workspace's panel of open MAB comments on the section being written (registered with
``reports.panels`` in ``ReviewConfig.ready``: reports does not import review)."""

from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe

from assessments.rules import check
from review import queries, targets
from review.choices import Disposition
from review.services import unresolved_mab_comments
from review.views.base import perm_flags


def open_mab_comments_panel(request, assessment, section):
    comments = (
        list(unresolved_mab_comments(section).select_related("author").order_by("created", "pk"))
        if section.pk
        else []
    )
    return render_to_string(
        "review/_section_comments.html",
        {
            "comments": comments,
            "review_url": reverse("review:report", args=[assessment.code]) + f"#section-{section.kind}",
        },
        request=request,
    )


def follow_up_threads(request, assessment, follow_ups):
    """Each follow-up's comment thread (compact, as on the report review page), for the follow-up page
    (registered with ``reports.panels``): two queries for all threads, however many items."""
    if not follow_ups:
        return {}
    flags = perm_flags(check(request.user, assessment))
    threads = queries.threads_for(follow_ups)
    now = timezone.now()
    found = {}
    for item in follow_ups:
        roots, comments = threads.get((type(item), item.pk), ([], []))
        found[item.pk] = mark_safe(
            render_to_string(
                "review/_thread.html",
                {
                    "roots": roots,
                    "comment_count": len(comments),
                    "post_url": reverse(
                        "review:comment_action",
                        kwargs={"code": assessment.code, "key": targets.key_for(item), "pk": item.pk},
                    ),
                    "thread_id": f"fu-{item.pk}-comments",
                    "heading": "h4",
                    "compact": True,
                    "can": flags,
                    "now": now,
                    "dispositions": Disposition.choices,
                    "assessment": assessment,
                },
                request=request,
            )
        )
    return found
