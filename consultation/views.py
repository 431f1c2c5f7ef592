"""The team's pages of a consultation (members of the assessment only; access by assessments.rules at
the door: outsiders 404, members without the permission 403)."""

import io
import json

import segno
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from assessments.choices import StakeholderGroup
from assessments.models import Finding
from assessments.rules import Perm, get_assessment_for, perms_for
from consultation import queries, services
from consultation.drafting import draft_validation
from consultation.forms import ConsultationForm, DispositionForm, InviteForm, ValidationForm
from consultation.models import Answer, Consultation, Participant
from review.rendering import word_diff


def _consultation(request, code, pk, perm=Perm.VIEW):
    assessment = get_assessment_for(request.user, code, perm)
    consultation = (
        Consultation.objects.filter(assessment=assessment, pk=pk)
        .select_related("assessment", "current_item")
        .first()
    )
    if consultation is None:
        raise Http404
    return consultation


def _base_context(request, consultation, tab):
    perms = perms_for(request.user, consultation.assessment)
    return {
        "assessment": consultation.assessment,
        "consultation": consultation,
        "tab": tab,
        "is_lead": Perm.MANAGE_CONSULTATION in perms,
        "can_resolve": Perm.RESOLVE_COMMENTS in perms,
        "can_write": Perm.EDIT_REPORT in perms,
    }


def open_link(request, consultation):
    return request.build_absolute_uri(services.open_url(consultation))


@login_required
def consultation_list(request, code):
    perm = Perm.MANAGE_CONSULTATION if request.method == "POST" else Perm.VIEW
    assessment = get_assessment_for(request.user, code, perm)
    is_lead = Perm.MANAGE_CONSULTATION in perms_for(request.user, assessment)
    findings = (
        Finding.objects.filter(assessment=assessment).select_related("indicator").order_by("indicator__order")
    )
    form = ConsultationForm(request.POST or None, findings=findings) if is_lead else None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            consultation = services.create_consultation(
                assessment,
                by=request.user,
                title=data["title"],
                opens_at=data["opens_at"],
                closes_at=data["closes_at"],
                place=data["place"],
                finding_ids=[int(pk) for pk in data["findings"]],
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            return redirect("consultation:detail", code=code, pk=consultation.pk)
    return render(
        request,
        "consultation/list.html",
        {
            "assessment": assessment,
            "consultations": queries.consultations_of(assessment),
            "form": form,
            "is_lead": is_lead,
        },
    )


@login_required
def detail(request, code, pk):
    consultation = _consultation(request, code, pk)
    context = _base_context(request, consultation, "detail")
    items = list(consultation.items.all())
    now = services.current_texts(items)
    for item in items:
        item.now = now[item.pk]
        item.changed = item.now != item.text
        item.diff = word_diff(item.text, item.now or "") if item.changed else None
    context.update({"items": items, "open_link": open_link(request, consultation)})
    return render(request, "consultation/detail.html", context)


@login_required
@require_POST
def link_action(request, code, pk):
    consultation = _consultation(request, code, pk, Perm.MANAGE_CONSULTATION)
    action = request.POST.get("action")
    if action == "revoke_open":
        services.set_open_link(consultation, by=request.user, revoked=True)
    elif action == "renew_open":
        services.set_open_link(consultation, by=request.user, revoked=False)
    elif action == "close":
        services.close_now(consultation, by=request.user)
    return redirect("consultation:detail", code=code, pk=pk)


def _qr(request, consultation):
    return segno.make(open_link(request, consultation), error="m")


@login_required
def qr(request, code, pk, fmt):
    if fmt not in ("svg", "png"):
        raise Http404
    consultation = _consultation(request, code, pk)
    out = io.BytesIO()
    if fmt == "svg":
        _qr(request, consultation).save(out, kind="svg", scale=8, border=2, xmldecl=False, svgns=True)
        return HttpResponse(out.getvalue(), content_type="image/svg+xml")
    _qr(request, consultation).save(out, kind="png", scale=10, border=2)
    return HttpResponse(out.getvalue(), content_type="image/png")


@login_required
def printable(request, code, pk):
    consultation = _consultation(request, code, pk)
    return render(
        request,
        "consultation/print.html",
        {**_base_context(request, consultation, "print"), "open_link": open_link(request, consultation)},
    )


@login_required
def projector(request, code, pk):
    consultation = _consultation(request, code, pk)
    context = _base_context(request, consultation, "projector")
    context.update(
        {
            "open_link": open_link(request, consultation),
            "tallies": queries.tallies(consultation),
            "current": consultation.current_item,
            "poll_seconds": settings.CONSULTATION_POLL_SECONDS,
        }
    )
    return render(request, "consultation/projector.html", context)


@login_required
def tallies(request, code, pk):
    consultation = _consultation(request, code, pk)
    return JsonResponse(queries.projector_tallies(consultation))


@login_required
def facilitator(request, code, pk):
    perm = Perm.MANAGE_CONSULTATION if request.method == "POST" else Perm.VIEW
    consultation = _consultation(request, code, pk, perm)
    if request.method == "POST":
        number = request.POST.get("number", "")
        item = consultation.items.filter(number=int(number)).first() if number.isdigit() else None
        if item is None:
            raise Http404
        services.set_current_item(consultation, item, by=request.user)
        return redirect("consultation:facilitator", code=code, pk=pk)
    context = _base_context(request, consultation, "facilitator")
    items = list(consultation.items.all())
    current = consultation.current_item
    index = next((n for n, i in enumerate(items) if current and i.pk == current.pk), 0)
    context.update(
        {
            "items": items,
            "current": current,
            "previous": items[index - 1] if index > 0 else None,
            "next": items[index + 1] if index + 1 < len(items) else None,
        }
    )
    return render(request, "consultation/facilitator.html", context)


@login_required
def inputs(request, code, pk):
    consultation = _consultation(request, code, pk)
    group = request.GET.get("group", "")
    if group not in dict(StakeholderGroup.choices):
        group = ""
    context = _base_context(request, consultation, "inputs")
    context.update(
        {
            "items": queries.inputs_by_item(consultation, group=group),
            "group": group,
            "groups": StakeholderGroup.choices,
            "disposition_form": DispositionForm(),
        }
    )
    return render(request, "consultation/inputs.html", context)


@login_required
@require_POST
def answer_action(request, code, pk, answer_pk):
    action = request.POST.get("action")
    perm = Perm.MANAGE_CONSULTATION if action in ("hide", "show") else Perm.RESOLVE_COMMENTS
    consultation = _consultation(request, code, pk, perm)
    answer = (
        Answer.objects.filter(item__consultation=consultation, pk=answer_pk)
        .select_related("item__consultation__assessment")
        .first()
    )
    if answer is None:
        raise Http404
    back = reverse("consultation:inputs", kwargs={"code": code, "pk": pk}) + f"#input-{answer.pk}"
    if action in ("hide", "show"):
        services.set_hidden(answer, by=request.user, hidden=action == "hide")
        return redirect(back)
    form = DispositionForm(request.POST)
    if form.is_valid():
        try:
            services.dispose(answer, by=request.user, **form.cleaned_data)
            return redirect(back)
        except ValidationError as error:
            form.add_error(None, error)
    context = _base_context(request, consultation, "inputs")
    context.update({"answer": answer, "form": form})
    return render(request, "consultation/disposition_error.html", context, status=400)


@login_required
def summary(request, code, pk):
    perm = Perm.EDIT_REPORT if request.method == "POST" else Perm.VIEW
    consultation = _consultation(request, code, pk, perm)
    context = _base_context(request, consultation, "summary")
    figures = queries.participation(consultation)
    initial = {
        "text": consultation.validation_text or draft_validation(consultation, figures),
        "in_report": consultation.in_report,
    }
    form = ValidationForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        services.save_validation(consultation, by=request.user, **form.cleaned_data)
        return redirect("consultation:summary", code=code, pk=pk)
    context.update({"figures": figures, "form": form, "drafted": not consultation.validation_text})
    return render(request, "consultation/summary.html", context)


@login_required
def participants(request, code, pk):
    consultation = _consultation(request, code, pk, Perm.MANAGE_CONSULTATION)
    form = InviteForm(request.POST or None)
    if request.method == "POST":
        action = request.POST.get("action", "invite")
        if action == "invite":
            if form.is_valid():
                sent = services.invite(consultation, by=request.user, emails=form.cleaned_data["emails"])
                request.session["consultation_invited"] = len(sent)
                return redirect("consultation:participants", code=code, pk=pk)
        else:
            participant = _participant(consultation, request.POST.get("participant"))
            if action in ("revoke", "restore"):
                services.set_participant_revoked(participant, by=request.user, revoked=action == "revoke")
            elif action == "erase":
                services.erase_participant(participant, by=request.user)
            return redirect("consultation:participants", code=code, pk=pk)
    context = _base_context(request, consultation, "participants")
    context.update(
        {
            "form": form,
            "participants": consultation.participants.all(),
            "invited": request.session.pop("consultation_invited", None),
            "retention": settings.CONSULTATION_RETENTION_DAYS,
        }
    )
    return render(request, "consultation/participants.html", context)


def _participant(consultation, pk):
    participant = Participant.objects.filter(
        consultation=consultation, pk=pk if str(pk).isdigit() else 0
    ).first()
    if participant is None:
        raise Http404
    return participant


@login_required
def participant_export(request, code, pk, participant_pk, fmt):
    consultation = _consultation(request, code, pk, Perm.MANAGE_CONSULTATION)
    participant = _participant(consultation, participant_pk)
    data = services.personal_data(participant, by=request.user)
    if fmt == "json":
        response = HttpResponse(
            json.dumps(data, ensure_ascii=False, indent=2), content_type="application/json"
        )
    else:
        response = HttpResponse(
            services.personal_data_csv(data).encode("utf-8-sig"), content_type="text/csv; charset=utf-8"
        )
    response["Content-Disposition"] = f'attachment; filename="participant-{participant.pk}.{fmt}"'
    return response
