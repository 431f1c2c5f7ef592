"""The review pages every member reads: the overview and the finding page."""

import hashlib
from datetime import UTC, datetime
from functools import partial

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.timezone import get_current_timezone_name
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from assessments.choices import FindingStatus, SpecialScore
from assessments.filters import FindingFilter
from assessments.models import Finding
from assessments.queries import dashboard_figures
from assessments.rules import Perm, check, get_assessment_for
from assessments.services import EditConflict, allowed_transitions
from review import queries, services
from review.choices import Disposition, Verdict
from review.forms import CommentForm, PreferenceForm, ResolveForm, ReviseForm, VoteForm
from review.languages import reading_language, show_in
from review.models import LastSeen, NotificationPreference
from review.rendering import AttachmentFigures, normalise_newlines, word_diff
from review.views import comments, validation
from review.views.base import Bound, add_errors, perm_flags, run_action
from toolkit.csrf import CSRF_PLACEHOLDER


@login_required
def overview(request, code):
    assessment = get_assessment_for(request.user, code)
    # The same filters as the API's findings list (category, core, status, assignee, changed since, …).
    # The findings' query is built only when the list is not cached (_listing). Without a query string
    # there is no filter set at all: building one copies every filter, and its form every field.
    filters = (
        FindingFilter(request.GET, queryset=Finding.objects.none(), request=request) if request.GET else None
    )
    valid = filters is not None and filters.is_valid()
    changed_only = request.GET.get("changed") == "1"
    figures_key, list_key = queries.overview_fingerprints(assessment, request.user)
    return render(
        request,
        "review/overview.html",
        {
            "assessment": assessment,
            # The template caches the list's HTML under this key (per person: the "changed" flags are
            # theirs; per query string: the filters) and the chart under the dashboard's key; it calls
            # these only when it has no copy for the current key.
            "fingerprint": list_key,
            "figures_fingerprint": figures_key,
            "query": request.GET.urlencode(),
            "listing": partial(_listing, assessment, request.user, filters if valid else None, changed_only),
            "category_choices": FindingFilter.base_filters["category"].extra["choices"],
            "filter_errors": filters.errors if filters is not None else None,
            "filtered": changed_only or any(request.GET.get(name) for name in FindingFilter.base_filters),
            "status": request.GET.get("status", ""),
            "changed_only": changed_only,
            "statuses": FindingStatus.choices,
            "can": perm_flags(check(request.user, assessment)),
            # The report's category chart over every finding in scope, whatever the filters.
            "figures": partial(dashboard_figures, assessment),
        },
    )


def _listing(assessment, user, filters, changed_only):
    findings = queries.review_findings(assessment)
    if filters is not None:
        findings = filters.filter_queryset(findings)
    categories, shown = queries.overview(assessment, user, findings=findings, changed_only=changed_only)
    return {"categories": categories, "shown": shown}


def revise(request, finding):
    form = ReviseForm(request.POST, assessment=finding.assessment)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.revise_finding(
                finding,
                by=request.user,
                expected_version=data["version"],
                narrative=normalise_newlines(data["narrative"]),
                score=data["score"],
                special_score=data["special_score"],
                **(
                    {"narrative_second": normalise_newlines(data["narrative_second"])}
                    if "narrative_second" in data
                    else {}
                ),
            )
        except EditConflict as conflict:
            form.add_error(None, str(conflict))
            for label, _old, new in conflict.changes:
                form.add_error(None, _("%(field)s is now: %(new)s") % {"field": label, "new": new or "—"})
        except ValidationError as error:
            add_errors(form, error)
        else:
            services.record_seen(request.user, finding)
            messages.success(request, _("The finding is saved."))
            return redirect(finding.get_absolute_url())
    return Bound("revise", form)


FINDING_ACTIONS = {
    **comments.COMMENT_ACTIONS,
    "vote": validation.vote,
    "endorse": validation.endorse,
    "revise": revise,
}


@login_required
def finding_page(request, code, indicator):
    assessment = get_assessment_for(request.user, code)
    if request.method == "POST":
        finding = queries.finding_for_page(assessment, indicator)
        if finding is None:
            raise Http404("No such finding.")
        result = run_action(request, assessment, FINDING_ACTIONS, finding)
        if not isinstance(result, Bound):
            return result
        # A refused save may have touched the object in memory: show what is stored.
        finding = queries.finding_for_page(assessment, indicator)
        seen = queries.seen_by_one(request.user, finding)
        body = _render_body(request, finding_context(request, assessment, finding, seen, result))
        return _page(request, finding.indicator.code, body, status=400)
    # Everything the body shows, read in one plain-SQL query; the body is rendered only when no copy is
    # kept under that key (a repeat visit reads no finding, evidence, thread or votes).
    now = timezone.now()
    window = timezone.timedelta(minutes=settings.REVIEW_COMMENT_EDIT_MINUTES)
    state = queries.finding_page_state(assessment, indicator, request.user, now - window)
    if state is None:
        raise Http404("No such finding.")
    row, values = state
    language, _switch = reading_language(request, assessment)
    seen = _seen_from(row, request.user)
    lite = Finding(
        pk=row["id"], narrative=row["narrative"], score=row["score"], special_score=row["special_score"]
    )
    changed = bool(seen and (seen.narrative_changed(lite) or seen.score_changed(lite)))
    key = _body_key(request, assessment, row, values, language, seen if changed else None)
    body = cache.get(key)
    if body is None:
        finding = queries.finding_for_page(assessment, indicator)
        if finding is None:  # deleted since the query above
            raise Http404("No such finding.")
        body = _render_body(request, finding_context(request, assessment, finding, seen, None))
        cache.set(key, body, FINDING_BODY_SECONDS)
    if request.method == "GET":
        # Recorded after the flags and the diff are worked out, so this visit still shows them.
        services.record_seen(request.user, lite, seen)
    return _page(request, row["indicator_code"], body)


# How long a copy of a finding page's body is kept. Its key changes with everything the body shows, so
# this only bounds the memory a reader's old copies take.
FINDING_BODY_SECONDS = 600


def _render_body(request, context):
    """The body's HTML, with a placeholder where each form's CSRF token goes: it may be cached, and one
    request's token must never be shown to another (``finding.html`` puts the request's own in)."""
    return render_to_string(
        "review/_finding_body.html", {**context, "csrf_token": CSRF_PLACEHOLDER}, request=request
    )


def _page(request, indicator_code, body, status=200):
    return render(
        request,
        "review/finding.html",
        {"indicator_code": indicator_code, "body": body},
        status=status,
    )


def _seen_from(row, user):
    """The reader's last-seen record as the page's query read it (None if they never opened it)."""
    if row["seen_id"] is None:
        return None
    seen_at = row["seen_at"]
    if isinstance(seen_at, str):  # SQLite gives the stored text
        seen_at = datetime.fromisoformat(seen_at)
    if timezone.is_naive(seen_at):  # stored in UTC (USE_TZ)
        seen_at = timezone.make_aware(seen_at, UTC)
    return LastSeen(
        pk=row["seen_id"],
        user=user,
        finding_id=row["id"],
        seen_at=seen_at,
        narrative=row["seen_narrative"],
        score=row["seen_score"],
        special_score=row["seen_special_score"],
    )


def _body_key(request, assessment, row, values, language, changed_seen):
    """The cache key of a finding page's body: the rows it shows (queries.finding_page_state), the
    assessment (its title, scale, languages), the reader (their vote, their comments' edit links), the
    path (the forms post to it), and
    their role's permissions (which forms show), the interface language, the language the narrative is
    read in, the time zone (dates), and — when the finding changed since the reader's last visit — that
    record (the diff, the old score, the date of the visit)."""
    shown = {name: value for name, value in row.items() if not name.startswith("seen_")}
    if changed_seen is not None:
        shown["seen"] = (
            changed_seen.pk,
            changed_seen.seen_at.isoformat(),
            changed_seen.narrative,
            changed_seen.score,
            changed_seen.special_score,
        )
    # (A deploy's new code never reads these: a shared cache's keys carry the deploy's stamp, settings.)
    parts = [
        assessment.pk,
        assessment.updated.isoformat(),
        request.user.pk,
        request.path,
        sorted(str(perm) for perm in check(request.user, assessment)),
        get_language(),
        language,
        get_current_timezone_name(),
        sorted((name, repr(value)) for name, value in shown.items()),
        repr(values),
    ]
    return "review-finding:" + hashlib.sha256(repr(parts).encode()).hexdigest()


def finding_context(request, assessment, finding, seen, bound):
    user = request.user
    perms = check(user, assessment)
    queries.mark_changes(finding, seen)
    roots, all_comments = queries.thread(finding)
    votes = queries.votes_on(finding)
    language, switch = reading_language(request, assessment)
    show_in([finding], "narrative", assessment, language)
    context = {
        "switch": switch,
        "assessment": assessment,
        "finding": finding,
        "indicator": finding.indicator,
        "can": perm_flags(perms),
        "roots": roots,
        "comment_count": len(all_comments),
        "open_mab": sum(1 for c in all_comments if c.is_mab and c.is_open),
        "endorsers": [v for v in votes if v.verdict == Verdict.ENDORSE],
        "revisers": [v for v in votes if v.verdict == Verdict.NEEDS_REVISION],
        "my_vote": next((v for v in votes if v.member_id == user.pk), None),
        "seen": seen,
        "diff": word_diff(seen.narrative, finding.narrative) if finding.narrative_changed else None,
        "old_score": _score_display(assessment, seen) if finding.score_changed else "",
        "bound": bound,
        "post_url": request.path,
        "now": timezone.now(),
        "comment_form": CommentForm(),
        "resolve_form": ResolveForm(),
        "vote_form": VoteForm(),
        "dispositions": Disposition.choices,
        "figures": AttachmentFigures(assessment, [finding.shown.text]),
        "can_mark_endorsed": FindingStatus.ENDORSED in allowed_transitions(finding.status),
    }
    if Perm.EDIT_EVIDENCE in perms:
        context["revise_form"] = (
            bound.form
            if bound and bound.action == "revise"
            else ReviseForm(
                assessment=assessment,
                initial={
                    "narrative": finding.narrative,
                    "narrative_second": finding.narrative_second,
                    "score": finding.score,
                    "special_score": finding.special_score,
                    "version": finding.version,
                },
            )
        )
    return context


def _score_display(assessment, seen):
    if seen.special_score:
        return dict(SpecialScore.choices).get(seen.special_score, seen.special_score)
    if seen.score is None:
        return "—"
    return f"{seen.score} — {assessment.score_label(seen.score)}"


@login_required
def preferences(request, code):
    assessment = get_assessment_for(request.user, code)
    preference = NotificationPreference.objects.filter(user=request.user).first()
    form = PreferenceForm(
        request.POST or None, instance=preference or NotificationPreference(user=request.user)
    )
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("Your email preference is saved."))
        return redirect("review:preferences", code=assessment.code)
    return render(
        request,
        "review/preferences.html",
        {"assessment": assessment, "form": form, "has_email": bool(request.user.email)},
        status=400 if form.errors else 200,
    )
