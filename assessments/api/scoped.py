"""The base view for API resources inside one assessment, at /api/assessments/<code>/... — the API twin of
``assessments.admin``'s scoped admin: both take access from ``assessments.rules`` and nothing else."""

from django.utils import timezone
from rest_framework.permissions import SAFE_METHODS

from assessments.rules import Perm, get_assessment_for
from toolkit.rest import PlainViewMixin


class AssessmentScopedMixin(PlainViewMixin):
    """A resource inside one assessment, at /api/assessments/<code>/...

    Resolves ``self.assessment`` through the one access helper before any handler or validation runs:
    outsiders get 404, members whose role lacks the permission get 403. Reads need ``read_perm``,
    writes ``write_perm``; an app's viewset (comments, recommendations, ...) sets its own.
    """

    read_perm = Perm.VIEW
    write_perm = Perm.EDIT_EVIDENCE

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        perm = self.read_perm if request.method in SAFE_METHODS else self.write_perm
        self.assessment = get_assessment_for(request.user, kwargs["code"], perm)
        # get_assessment_for makes the assessment's time zone current (for pages); the API answers in
        # UTC everywhere, and gives each assessment's time_zone for clients that show times.
        timezone.deactivate()

    def get_serializer_context(self):
        context = super().get_serializer_context()
        context["assessment"] = getattr(self, "assessment", None)
        return context
