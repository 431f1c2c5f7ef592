"""The scoped admin: every admin permission from the person's role in the object's assessment.

Users hold no Django model permissions; ``AssessmentScopedMixin`` derives them through
``assessments.rules`` (the one access helper) and ``assessments.queries``. Outsiders get 404 for objects of
assessments they are not members of; members whose role cannot edit (MAB members, staff) see read-only
pages and get 403 on any write. ``reports.admin`` uses the same mixin for the report content.
"""

from django.contrib import admin
from django.core.exceptions import FieldDoesNotExist, PermissionDenied
from django.db.models import DateTimeField
from django.http import Http404
from django.utils.translation import gettext as _
from simple_history.template_utils import HistoricalRecordContextHelper

from assessments.models import Membership
from assessments.queries import assessments_for, editable_assessments_for
from assessments.rules import Perm, can, check
from assessments.timezones import activate_for, show
from toolkit import rows


def can_edit_somewhere(request, perm=Perm.EDIT_EVIDENCE):
    """Whether the user may ``perm`` in at least one assessment (cached on the request, per permission)."""
    cache = request.__dict__.setdefault("_roamx_can_somewhere", {})
    if perm not in cache:
        cache[perm] = editable_assessments_for(request.user, perm).exists()
    return cache[perm]


def is_member_somewhere(request):
    """Staff who belong to some assessment (or superusers): the admin's rooms exist only for them."""
    user = request.user
    if not (user.is_active and user.is_staff):
        return False
    if not hasattr(request, "_roamx_member_somewhere"):
        request._roamx_member_somewhere = user.is_superuser or Membership.objects.filter(user=user).exists()
    return request._roamx_member_somewhere


class HistoryValues(HistoricalRecordContextHelper):
    """Show an empty relation as "—" (the default prints a placeholder for a "deleted" object)."""

    def prepare_delta_change_value(self, change, value):
        if value is None or getattr(value, "pk", True) is None:
            return "—"
        return super().prepare_delta_change_value(change, value)


class AssessmentTimesMixin:
    """List columns of date-times shown in each row's own assessment's time zone (a list can mix
    assessments). The row's assessment is joined, so the list's query count does not grow."""

    # The lookup path from this model to its Assessment.
    assessment_lookup = "assessment"

    def assessment_of(self, obj):
        for part in self.assessment_lookup.split("__"):
            obj = getattr(obj, part)
            if obj is None:
                return None
        return obj

    def get_list_display(self, request):
        return [self._in_zone(name) for name in super().get_list_display(request)]

    def get_list_select_related(self, request):
        joined = super().get_list_select_related(request)
        if self.assessment_lookup == "pk" or joined is True:
            return joined
        return [*(joined or []), self.assessment_lookup]

    def _in_zone(self, name):
        try:
            field = self.model._meta.get_field(name) if isinstance(name, str) else None
        except FieldDoesNotExist:
            field = None
        if not isinstance(field, DateTimeField):
            return name

        @admin.display(description=field.verbose_name, ordering=name)
        def column(obj):
            return show(getattr(obj, name), self.assessment_of(obj), "SHORT_DATETIME_FORMAT")

        column.__name__ = name
        return column


class AssessmentScopedMixin(AssessmentTimesMixin):
    """Admin permissions from the user's role in the object's assessment — the one scoped admin, used by
    the evidence here (``edit_perm = Perm.EDIT_EVIDENCE``) and by the report content in ``reports.admin``
    (``Perm.EDIT_REPORT``). Its API twin is ``assessments.api.scoped.AssessmentScopedMixin``."""

    edit_perm = Perm.EDIT_EVIDENCE

    def has_module_permission(self, request):
        # The admin asks this for anonymous visitors too (the login page lists the apps).
        return is_member_somewhere(request)

    def has_view_permission(self, request, obj=None):
        if obj is None:
            return is_member_somewhere(request)
        return can(request.user, self.assessment_of(obj), Perm.VIEW)

    def has_change_permission(self, request, obj=None):
        if obj is None:
            return can_edit_somewhere(request, self.edit_perm)
        return can(request.user, self.assessment_of(obj), self.edit_perm)

    def has_add_permission(self, request, obj=None):
        return can_edit_somewhere(request, self.edit_perm)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        # A new row can go only into an assessment where the user may write it.
        if db_field.name == "assessment":
            kwargs["queryset"] = editable_assessments_for(request.user, self.edit_perm)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def has_delete_permission(self, request, obj=None):
        return self.has_change_permission(request, obj)

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .filter(**{f"{self.assessment_lookup}__in": assessments_for(request.user)})
        )

    # A function (user, pk) -> the object if the user may see it (``get_queryset``'s scope) with what the
    # page reads of it, or None; when set, ``get_object`` asks it instead of building the admin's query.
    object_for = None

    def get_object(self, request, object_id, from_field=None):
        if self.object_for is not None and from_field is None:
            pk = rows.primary_key(self.model, object_id)  # None: no number, or none the table can hold
            obj = None if pk is None else self.object_for(request.user, pk)
        else:
            obj = super().get_object(request, object_id, from_field)
        if obj is None:
            # The admin would redirect with "doesn't exist"; for an assessment one is not a member of,
            # the object does not exist: 404, like every other page.
            raise Http404(_("No such object."))
        activate_for(self.assessment_of(obj))  # its pages show times in its assessment's time zone
        return obj

    def _object_for_history(self, request, object_id):
        obj = self.model._default_manager.filter(pk=object_id).first()
        if obj is None:
            raise Http404(_("No such object."))
        check(request.user, self.assessment_of(obj), Perm.VIEW)
        activate_for(self.assessment_of(obj))
        return obj

    def history_view(self, request, object_id, extra_context=None):
        self._object_for_history(request, object_id)
        return super().history_view(request, object_id, extra_context)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        self._object_for_history(request, object_id)
        if request.method == "POST":
            # Reverting would bypass the edit-conflict check: edit the object instead.
            raise PermissionDenied(_("Reverting from the history is not allowed; edit the object instead."))
        return super().history_form_view(request, object_id, version_id, extra_context)

    def revert_disabled(self, request, obj=None):
        return True

    def get_historical_record_context_helper(self, request, historical_record):
        return HistoryValues(self.model, historical_record)


class ScopedInlineMixin:
    """Inline rows follow the parent finding's assessment."""

    def _assessment(self, obj):
        return obj.assessment if obj is not None else None

    def has_view_permission(self, request, obj=None):
        return obj is None or can(request.user, self._assessment(obj), Perm.VIEW)

    def has_change_permission(self, request, obj=None):
        return obj is not None and can(request.user, self._assessment(obj), Perm.EDIT_EVIDENCE)

    def has_add_permission(self, request, obj=None):
        return self.has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return self.has_change_permission(request, obj)
