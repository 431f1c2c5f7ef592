"""Findings' bulk actions: change the status of, or assign, many findings through the same service."""

from functools import partial

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from assessments.admin.scoped import can_edit_somewhere
from assessments.choices import FindingStatus
from assessments.queries import editable_assessments_for, evidence_members
from assessments.rules import settable_statuses
from assessments.services import EditConflict, save_finding


class FindingActionsMixin:
    """For FindingAdmin: the status and assignment actions, each finding through save_finding."""

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        if not can_edit_somewhere(request):
            return actions
        for status in (
            FindingStatus.DRAFT,
            FindingStatus.READY,
            FindingStatus.NEEDS_REVISION,
            FindingStatus.ENDORSED,
        ):
            name = f"status_{status.value}"
            actions[name] = (
                partial(FindingActionsMixin.change_status, status=status),
                name,
                _("Change status to “%s”") % status.label,
            )
        actions["assign_none"] = (
            partial(FindingActionsMixin.assign, user=None),
            "assign_none",
            _("Unassign"),
        )
        people = evidence_members(editable_assessments_for(request.user))
        for person in people:
            name = f"assign_{person.pk}"
            actions[name] = (
                partial(FindingActionsMixin.assign, user=person),
                name,
                _("Assign to %s") % (person.get_full_name() or person.username),
            )
        return actions

    def _editable(self, request, queryset):
        """Split the selection: findings the user may edit, and the rest (refused)."""
        editable_ids = set(editable_assessments_for(request.user).values_list("pk", flat=True))
        findings = list(queryset.select_related("indicator", "assessment"))
        return (
            [f for f in findings if f.assessment_id in editable_ids],
            [f for f in findings if f.assessment_id not in editable_ids],
        )

    def _report(self, request, done, refused, verb):
        if done:
            self.message_user(
                request,
                _("%(verb)s: %(codes)s.")
                % {"verb": verb, "codes": ", ".join(f.indicator.code for f in done)},
                messages.SUCCESS,
            )
        for finding, reason in refused:
            self.message_user(
                request,
                _("%(code)s not changed: %(reason)s") % {"code": finding.indicator.code, "reason": reason},
                messages.WARNING,
            )

    def change_status(self, request, queryset, status):
        editable, locked = self._editable(request, queryset)
        done, refused = [], [(f, _("your role cannot edit this assessment")) for f in locked]
        for finding in editable:
            if finding.status == status:
                refused.append((finding, _("it is already “%s”") % FindingStatus(status).label))
                continue
            if status not in settable_statuses(request.user, finding.assessment, finding.status):
                refused.append(
                    (
                        finding,
                        _("a finding cannot go from “%(old)s” to “%(new)s”")
                        % {"old": finding.get_status_display(), "new": FindingStatus(status).label},
                    )
                )
                continue
            _save(request, finding, {"status": status}, done, refused)
        self._report(request, done, refused, _("Status changed to “%s”") % FindingStatus(status).label)

    def assign(self, request, queryset, user):
        editable, locked = self._editable(request, queryset)
        done, refused = [], [(f, _("your role cannot edit this assessment")) for f in locked]
        for finding in editable:
            if user is not None and not evidence_members(finding.assessment).filter(pk=user.pk).exists():
                refused.append((finding, _("%s is not a researcher of this assessment") % user.username))
                continue
            _save(request, finding, {"assignee": user}, done, refused)
        who = (user.get_full_name() or user.username) if user else _("nobody")
        self._report(request, done, refused, _("Assigned to %s") % who)


def _save(request, finding, fields, done, refused):
    """One finding of a bulk action, through the service: saved into ``done``, or refused with why."""
    try:
        save_finding(finding, by=request.user, expected_version=finding.version, fields=fields)
    except (EditConflict, ValidationError) as exc:
        refused.append((finding, str(exc)))
    else:
        done.append(finding)
