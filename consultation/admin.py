"""Consultations in the admin, for the members who run them (``Perm.MANAGE_CONSULTATION``: the lead) and
no one else — scoped by ``assessments.admin.AssessmentScopedMixin`` like the rest of the admin.

A consultation is created on its page (which snapshots the items); here the lead corrects its title,
place and times. Inputs are read-only but for the spam flag, which goes through ``services.set_hidden``
(its permission checked again there). Participants' personal data are not shown: an input names only the
participant's stakeholder group.
"""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from assessments.admin import AssessmentScopedMixin
from assessments.admin.scoped import is_member_somewhere
from assessments.queries import editable_assessments_for
from assessments.rules import Perm, can
from consultation import services
from consultation.models import Answer, Consultation


class ConsultationScopedMixin(AssessmentScopedMixin):
    """Listed, seen and changed only by members who may ``Perm.MANAGE_CONSULTATION`` in the row's
    assessment: a row of an assessment one is not in is 404, other members of its assessment get 403."""

    edit_perm = Perm.MANAGE_CONSULTATION

    def _may_somewhere(self, request):
        cache = request.__dict__.setdefault("_roamx_consultation_admin", {})
        if "may" not in cache:
            cache["may"] = is_member_somewhere(request) and (
                editable_assessments_for(request.user, self.edit_perm).exists()
            )
        return cache["may"]

    def has_module_permission(self, request):
        return self._may_somewhere(request)

    def has_view_permission(self, request, obj=None):
        if obj is None:
            return self._may_somewhere(request)
        return can(request.user, self.assessment_of(obj), self.edit_perm)

    def has_add_permission(self, request, obj=None):
        return False  # on the consultation's page, which snapshots the items

    def has_delete_permission(self, request, obj=None):
        return False  # the inputs are the assessment's record; close the consultation instead

    def get_queryset(self, request):
        if getattr(request, "_roamx_member_scope", False):
            return super().get_queryset(request)  # one row: found for members, then refused or shown
        # Lists: not all the assessments one belongs to, only those where one may run consultations.
        return (
            super()
            .get_queryset(request)
            .filter(
                **{f"{self.assessment_lookup}__in": editable_assessments_for(request.user, self.edit_perm)}
            )
        )

    def get_object(self, request, object_id, from_field=None):
        request._roamx_member_scope = True
        try:
            return super().get_object(request, object_id, from_field)
        finally:
            request._roamx_member_scope = False


@admin.register(Consultation)
class ConsultationAdmin(ConsultationScopedMixin, admin.ModelAdmin):
    list_display = ["title", "assessment", "place", "opens_at", "closes_at", "in_report"]
    list_filter = ["assessment__code"]
    search_fields = ["title", "place"]
    fields = ["assessment", "title", "place", "opens_at", "closes_at", "open_link_revoked", "in_report"]
    readonly_fields = ["assessment", "open_link_revoked", "in_report"]


@admin.register(Answer)
class InputAdmin(ConsultationScopedMixin, admin.ModelAdmin):
    assessment_lookup = "item__consultation__assessment"
    list_display = [
        "pk",
        "consultation",
        "item_label",
        "group",
        "position",
        "comment",
        "disposition",
        "hidden",
    ]
    list_filter = ["item__consultation__assessment__code", "hidden", "position", "disposition"]
    list_select_related = ["item__consultation", "participant"]
    search_fields = ["comment"]
    fields = [
        "consultation",
        "item_label",
        "group",
        "position",
        "comment",
        "disposition",
        "reason",
        "resolved_at",
        "hidden",
    ]
    readonly_fields = [f for f in fields if f != "hidden"]

    @admin.display(description=_("consultation"))
    def consultation(self, obj):
        return obj.item.consultation

    @admin.display(description=_("item"))
    def item_label(self, obj):
        return str(obj.item)

    @admin.display(description=_("stakeholder group"))
    def group(self, obj):
        return obj.participant.get_stakeholder_group_display()

    def save_model(self, request, obj, form, change):
        # Only the spam flag is editable: through the service, which checks the lead again.
        if "hidden" in form.changed_data:
            services.set_hidden(obj, by=request.user, hidden=obj.hidden)
