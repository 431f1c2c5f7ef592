from django.db import models
from django.utils.translation import gettext_lazy as _


class Scope(models.TextChoices):
    CORE = "core", _("Core and contextual indicators")
    FULL = "full", _("All indicators")
    CORE_PLUS = "core_plus", _("Core and contextual plus selected indicators")
    SELECTED = "selected", _("Selected indicators only")


# The scopes whose indicators the lead picks (Assessment.selected_indicators).
CUSTOM_SCOPES = (Scope.CORE_PLUS, Scope.SELECTED)


class CarryOver(models.TextChoices):
    """What a new round can take from the previous one (services.start_round)."""

    SOURCES = "sources", _("Sources")
    DATA_POINTS = "data_points", _("Data points")
    NARRATIVES = "narratives", _("Narratives, as a starting draft")
    CITATIONS = "citations", _("Citations of the carried sources")
    ASSIGNEES = "assignees", _("Assignees")
    MEMBERS = "members", _("Members and their roles")


class Phase(models.TextChoices):
    SETUP = "setup", _("Set-up")
    DATA_GATHERING = "data_gathering", _("Data gathering")
    ANALYSIS = "analysis", _("Analysis")
    MAB_REVIEW = "mab_review", _("MAB review")
    VALIDATION = "validation", _("Validation")
    PUBLISHED = "published", _("Published")


class Role(models.TextChoices):
    LEAD = "lead", _("Lead researcher")
    RESEARCHER = "researcher", _("Researcher")
    MAB = "mab", _("MAB member")
    STAFF = "staff", _("Staff")


class StakeholderGroup(models.TextChoices):
    GOVERNMENT = "government", _("Government")
    JUDICIARY = "judiciary", _("Judiciary")
    PRIVATE_SECTOR = "private_sector", _("Private sector")
    TECHNICAL = "technical", _("Technical community")
    CIVIL_SOCIETY = "civil_society", _("Civil society")
    ACADEMIA = "academia", _("Academia")
    USERS = "users", _("Internet users")
    INTERNATIONAL = "international", _("International organisations")


class FindingStatus(models.TextChoices):
    NOT_STARTED = "not_started", _("Not started")
    DRAFT = "draft", _("Draft")
    READY = "ready", _("Ready for review")
    NEEDS_REVISION = "needs_revision", _("Needs revision")
    ENDORSED = "endorsed", _("Endorsed")


# The only status changes a finding may make (the review issue adds who may make which).
TRANSITIONS = {
    FindingStatus.NOT_STARTED: {FindingStatus.DRAFT},
    FindingStatus.DRAFT: {FindingStatus.READY},
    FindingStatus.READY: {FindingStatus.DRAFT, FindingStatus.NEEDS_REVISION, FindingStatus.ENDORSED},
    FindingStatus.NEEDS_REVISION: {FindingStatus.DRAFT, FindingStatus.READY},
    FindingStatus.ENDORSED: {FindingStatus.NEEDS_REVISION},
}


class SpecialScore(models.TextChoices):
    NOT_APPLICABLE = "not_applicable", _("Not applicable")
    INSUFFICIENT_DATA = "insufficient_data", _("Insufficient data")


class Confidence(models.TextChoices):
    LOW = "low", _("Low")
    MEDIUM = "medium", _("Medium")
    HIGH = "high", _("High")


class SourceType(models.TextChoices):
    LAW = "law", _("Law or regulation")
    POLICY = "policy", _("Policy")
    STATISTICS = "statistics", _("Official statistics")
    INDEX = "index", _("International index")
    REPORT = "report", _("Report or study")
    MEDIA = "media", _("Media")
    INTERVIEW = "interview", _("Interview")
    SURVEY = "survey", _("Survey")


class Disaggregation(models.TextChoices):
    TOTAL = "total", _("Total (not disaggregated)")
    SEX = "sex", _("Sex")
    LOCATION = "location", _("Urban / rural")
    AGE = "age", _("Age group")
    INCOME = "income", _("Income group")
    REGION = "region", _("Region")
    OTHER = "other", _("Other")


# The default score scale: five named levels. Scores are the national team's own judgement.
DEFAULT_SCALE = [
    "Very weak",
    "Weak",
    "Moderate",
    "Strong",
    "Very strong",
]
MAX_SCALE_LEVELS = 10
