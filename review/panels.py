"""The report workspace's panel of open MAB comments on the section being written (registered with
``reports.panels`` in ``ReviewConfig.ready``: reports does not import review)."""

from django.template.loader import render_to_string
from django.urls import reverse

from review.services import unresolved_mab_comments


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
