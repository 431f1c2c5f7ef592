"""Comment actions on any reviewable target: post, reply, edit, resolve, reopen.

Each handler is called through ``base.run_action``, which has checked the action's permission; the
service checks it again, with the rules about the comment itself (author, edit window, resolved).

The finding page calls them for its own POSTs (so a failed form is shown again in place); the generic
``comment_action`` view serves other targets (report sections, recommendations) the same way.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from assessments.rules import get_assessment_for
from review import services, targets
from review.forms import CommentForm, EditCommentForm, ResolveForm
from review.views.base import Bound, ConfirmForm, add_errors, run_action


def _comment(target, request):
    try:
        pk = int(request.POST.get("comment", ""))
    except ValueError:
        raise Http404("No such comment.") from None
    comment = services.comments_on(target).select_related("assessment", "author").filter(pk=pk).first()
    if comment is None:
        raise Http404("No such comment.")
    comment.target = target
    return comment


def add(request, target):
    form = CommentForm(request.POST)
    parent = None
    if form.is_valid():
        if form.cleaned_data["parent"]:
            parent = services.comments_on(target).filter(pk=form.cleaned_data["parent"]).first()
            if parent is None:
                raise Http404("No such comment.")
        try:
            comment = services.add_comment(
                target, by=request.user, body=form.cleaned_data["body"], parent=parent
            )
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, _("Your comment is posted."))
            return redirect(services.comment_url(comment))
    parent_id = request.POST.get("parent") or None
    return Bound("reply" if parent_id else "comment", form, int(parent_id) if parent_id else None)


def edit(request, target):
    comment = _comment(target, request)
    form = EditCommentForm(request.POST)
    if form.is_valid():
        try:
            services.edit_comment(comment, by=request.user, body=form.cleaned_data["body"])
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, _("Your comment is updated."))
            return redirect(services.comment_url(comment))
    return Bound("edit", form, comment.pk)


def resolve(request, target):
    comment = _comment(target, request)
    form = ResolveForm(request.POST)
    if form.is_valid():
        try:
            services.resolve_comment(comment, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, _("The comment is resolved."))
            return redirect(services.comment_url(comment))
    return Bound("resolve", form, comment.pk)


def reopen(request, target):
    comment = _comment(target, request)
    form = ConfirmForm(request.POST)
    form.is_valid()
    try:
        services.reopen_comment(comment, by=request.user)
    except ValidationError as error:
        add_errors(form, error)
        return Bound("reopen", form, comment.pk)
    messages.success(request, _("The comment is open again."))
    return redirect(services.comment_url(comment))


COMMENT_ACTIONS = {"comment": add, "edit": edit, "resolve": resolve, "reopen": reopen}


@login_required
@require_POST
def comment_action(request, code, key, pk):
    """Comment actions for targets other than findings (their pages include review/_thread.html)."""
    assessment = get_assessment_for(request.user, code)
    target = targets.lookup(assessment, key, pk)
    result = run_action(request, assessment, COMMENT_ACTIONS, target)
    if not isinstance(result, Bound):
        return result
    context = {
        "assessment": assessment,
        "target": target,
        "bound": result,
        "back": targets.spec_for(target).url(target),
    }
    return render(request, "review/comment_form_error.html", context, status=400)
