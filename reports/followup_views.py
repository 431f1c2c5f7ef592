"""The follow-up of the previous round's recommendations (/a/<code>/report/follow-up/): researchers and
leads set each one's implementation status with a note and sources; other members (MAB, staff) read and
MAB members comment (review registers the threads, reports.panels); outsiders get 404 (assessments.rules,
at the door). Works without script: each item's form posts to its own URL, and a refused form (400) or a
stale save (409, with the other person's follow-up) comes back on the page in place."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from assessments.languages import reader_language, shown
from assessments.models import Source
from assessments.rules import Perm, get_assessment_for, perms_for
from reports import followup
from reports.chapters import markdown
from reports.forms import FollowUpFilter, FollowUpForm
from reports.media import ReportMedia
from reports.panels import follow_up_panels


def _source_choices(assessment):
    return [
        (pk, title[:120])
        for pk, title in Source.objects.filter(assessment=assessment)
        .order_by("title", "pk")
        .values_list("pk", "title")
    ]


def _form(assessment, choices, follow_up=None, data=None):
    kwargs = {"source_choices": choices, "second_language": bool(assessment.second_language)}
    if data is not None:
        return FollowUpForm(data, **kwargs)
    return FollowUpForm(
        initial={
            "status": follow_up.status,
            "note": follow_up.note,
            "note_second": follow_up.note_second,
            "sources": [s.pk for s in follow_up.sources.all()],
            "loaded_version": follow_up.version,
        },
        prefix=f"fu{follow_up.pk}",
        **kwargs,
    )


def _page(request, assessment, *, bound=None, bound_pk=None, conflict=None, status=200):
    can_edit = Perm.EDIT_REPORT in perms_for(request.user, assessment)
    filter_form = FollowUpFilter(request.GET or None)
    items = list(followup.follow_ups_for(assessment, filter_form.filters()))
    choices = _source_choices(assessment) if can_edit else []
    previous = assessment.previous
    language = reader_language(previous, request.GET.get("lang")) if previous else None
    media = ReportMedia(None, [])  # the previous report's text as text: no figure, nothing loads
    panels = follow_up_panels(request, assessment, items)
    for item in items:
        rec = item.recommendation
        item.rec_shown = shown(rec, "text", previous, language)
        item.rec_html = markdown(item.rec_shown.text, media)
        item.note_shown = shown(item, "note", assessment, reader_language(assessment))
        item.panels = panels.get(item.pk, [])
        if can_edit:
            item.form = bound if item.pk == bound_pk else _form(assessment, choices, item)
        item.conflict = conflict if item.pk == bound_pk else None
    context = {
        "assessment": assessment,
        "previous": previous,
        "items": items,
        "filter_form": filter_form,
        "can_edit": can_edit,
        "summary": followup.summary(assessment) if previous else None,
        "missing": followup.missing_count(assessment) if can_edit else 0,
        "bound_pk": bound_pk,
    }
    return render(request, "reports/followup/page.html", context, status=status)


@login_required
def follow_up_page(request, code):
    assessment = get_assessment_for(request.user, code, Perm.VIEW)
    return _page(request, assessment)


@login_required
@require_POST
def follow_up_sync(request, code):
    """Add the rows of recommendations added to the previous round since this round started."""
    assessment = get_assessment_for(request.user, code, Perm.EDIT_REPORT)
    made = followup.sync_follow_ups(assessment, by=request.user)
    if made:
        messages.success(request, _("%(n)d recommendations added to the follow-up.") % {"n": made})
    return redirect("reports:follow_up", code=assessment.code)


@login_required
@require_POST
def follow_up_edit(request, code, pk):
    assessment = get_assessment_for(request.user, code, Perm.EDIT_REPORT)
    item = get_object_or_404(followup.follow_ups_for(assessment), pk=pk)
    choices = _source_choices(assessment)
    prefix = f"fu{pk}"
    form = FollowUpForm(
        request.POST,
        prefix=prefix,
        source_choices=choices,
        second_language=bool(assessment.second_language),
    )
    if not form.is_valid():
        return _page(request, assessment, bound=form, bound_pk=item.pk, status=400)
    data = form.cleaned_data
    try:
        followup.save_follow_up(
            item,
            by=request.user,
            expected_version=form.expected_version(),
            status=data["status"],
            note=data["note"],
            note_second=data.get("note_second", item.note_second),
            sources=list(Source.objects.filter(assessment=assessment, pk__in=data["sources"])),
        )
    except followup.FollowUpConflict as exc:
        theirs = exc.follow_up
        kept = request.POST.copy()
        kept[f"{prefix}-overwrite_version"] = theirs.version
        kept[f"{prefix}-overwrite"] = ""
        form = FollowUpForm(
            kept, prefix=prefix, source_choices=choices, second_language=bool(assessment.second_language)
        )
        form.is_valid()
        form.add_error(
            None,
            _(
                "Nothing was saved: someone else saved this follow-up while you were editing it. Your "
                "entry is kept in the form; theirs is shown above it. Merge them, or tick “Save mine "
                "anyway” to replace theirs."
            ),
        )
        return _page(request, assessment, bound=form, bound_pk=item.pk, conflict=theirs, status=409)
    except ValidationError as exc:
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
        return _page(request, assessment, bound=form, bound_pk=item.pk, status=400)
    messages.success(request, _("Follow-up saved."))
    return redirect(reverse("reports:follow_up", args=[assessment.code]) + f"#fu-{item.pk}")
