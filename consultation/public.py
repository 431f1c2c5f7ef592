"""The participants' pages: reached only through a personal link or the open link, nothing else of roamx.

A personal link's token is looked up by its SHA-256 digest; the open link's is compared in constant
time. A browser on the open link is one participant, named by a signed cookie, so it replaces its answer
on an item rather than voting twice. Requests on the open link are rate-limited per address.
"""

import hmac

from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django_ratelimit.core import is_ratelimited

from assessments.timezones import activate_for
from consultation import queries, services
from consultation.choices import JoinedBy
from consultation.forms import AnswerForm, DetailsForm
from consultation.models import Consultation, Participant, digest
from review.rendering import render_markdown
from toolkit.security import client_ip

COOKIE_SALT = "roamx.consultation.participant"


def cookie_name(consultation):
    return f"roamx_c{consultation.pk}"


def _address(group, request):
    return client_ip(request) or "unknown"


class Refused(Exception):
    def __init__(self, template, status, context=None):
        self.template, self.status, self.context = template, status, context or {}


def _resolve(request, kind, key, token):
    """(consultation, participant or None) for the link, or Refused / Http404: one query for a personal
    link (the participant with its consultation), two for the open link with its cookie."""
    participant = None
    if kind == "p":
        participant = (
            Participant.objects.select_related("consultation__assessment")
            .filter(consultation_id=key, token_digest=digest(token), joined_by=JoinedBy.INVITATION)
            .first()
            if token
            else None
        )
        if participant is None:
            raise Http404
        consultation = participant.consultation
        activate_for(consultation.assessment)
        if participant.revoked:
            raise Refused("consultation/public/gone.html", 410, {"reason": "revoked"})
    else:
        consultation = Consultation.objects.select_related("assessment").filter(pk=key).first()
        if consultation is None:
            raise Http404
        activate_for(consultation.assessment)
        if not consultation.open_token or not hmac.compare_digest(
            token.encode(), consultation.open_token.encode()
        ):
            raise Http404
        if is_ratelimited(
            request,
            group="consultation-open",
            key=_address,
            rate=settings.CONSULTATION_OPEN_RATE,
            method=is_ratelimited.ALL,
            increment=True,
        ):
            raise Refused("consultation/public/slow_down.html", 429)
        if consultation.open_link_revoked:
            raise Refused("consultation/public/gone.html", 410, {"reason": "revoked"})
        pk = request.get_signed_cookie(cookie_name(consultation), default=None, salt=COOKIE_SALT)
        if pk is not None:
            participant = Participant.objects.filter(
                pk=pk, consultation=consultation, joined_by=JoinedBy.OPEN_LINK, revoked=False
            ).first()
            if participant is not None:
                participant.consultation = consultation
    now = timezone.now()
    if now >= consultation.closes_at:
        raise Refused("consultation/public/gone.html", 410, {"reason": "closed"})
    if now < consultation.opens_at:
        raise Refused("consultation/public/not_yet.html", 200)
    return consultation, participant


def _page(view):
    @never_cache
    def wrapper(request, kind, key, token, **kwargs):
        try:
            consultation, participant = _resolve(request, kind, key, token)
        except Refused as refused:
            return render(request, refused.template, refused.context, status=refused.status)
        context = {"consultation": consultation, "participant": participant, "base": request.path_info}
        context["home"] = reverse(
            "consultation_public:home", kwargs={"kind": kind, "key": key, "token": token}
        )
        return view(request, consultation, participant, context, kind=kind, **kwargs)

    return wrapper


@_page
def home(request, consultation, participant, context, kind):
    """The participant's details first; then the items, each with the participant's answer."""
    needs_details = participant is None or not participant.details_given or request.GET.get("details")
    if request.method == "POST" or needs_details:
        initial = (
            {
                f: getattr(participant, f)
                for f in ("name", "organisation", "stakeholder_group", "gender", "list_organisation")
            }
            if participant
            else None
        )
        form = DetailsForm(
            request.POST if request.method == "POST" else None, initial=initial, name_required=kind == "p"
        )
        if request.method == "POST" and form.is_valid():
            response = redirect(context["home"])
            if participant is None:
                participant = services.join_open(consultation)
                response.set_signed_cookie(
                    cookie_name(consultation),
                    participant.pk,
                    salt=COOKIE_SALT,
                    httponly=True,
                    samesite="Lax",
                    secure=request.is_secure(),
                    max_age=int((consultation.closes_at - timezone.now()).total_seconds()) + 60,
                )
            services.save_details(participant, form.cleaned_data)
            return response
        return render(request, "consultation/public/details.html", {**context, "form": form})
    return render(
        request,
        "consultation/public/items.html",
        {**context, "items": queries.items_with_answers(participant)},
    )


@_page
def item(request, consultation, participant, context, kind, number):
    if participant is None or not participant.details_given:
        return redirect(context["home"])
    # The item, how many there are and the next one's number from the consultation's snapshot (the
    # items never change), the participant's answer: one query.
    current, count, following, answer = queries.item_for(participant, int(number))
    if current is None:
        raise Http404
    initial = {"position": answer[0], "comment": answer[1]} if answer else None
    form = AnswerForm(request.POST if request.method == "POST" else None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.save_answer(participant, current, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            return redirect(f"{context['home']}i/{following}/" if following else context["home"] + "?done=1")
    return render(
        request,
        "consultation/public/item.html",
        {
            **context,
            "item": current,
            "item_html": render_markdown(current.text),
            "form": form,
            "count": count,
            "answer": answer is not None,
        },
    )
