"""The research workspace: the admin, shaped for researchers (docs/architecture.md).

One module per admin, with the shared pieces beside them: ``scoped`` (permissions from the role),
``filters`` (the list filters, from ``assessments.filters.FindingFilter``), ``inlines``, and the findings'
bulk ``actions`` and ``spreadsheets`` views. Importing the package registers every admin.
"""

from assessments.admin.assessment import AssessmentAdmin
from assessments.admin.evidence import DataPointAdmin, SourceAdmin
from assessments.admin.findings import FindingAdmin
from assessments.admin.scoped import AssessmentScopedMixin, AssessmentTimesMixin, ScopedInlineMixin

__all__ = [
    "AssessmentAdmin",
    "AssessmentScopedMixin",
    "AssessmentTimesMixin",
    "DataPointAdmin",
    "FindingAdmin",
    "ScopedInlineMixin",
    "SourceAdmin",
]
