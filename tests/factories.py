"""factory_boy factories for every model the tests create.

Each builds a valid row (tests/test_factories.py runs ``full_clean`` on each) of the shipped framework
edition, which the test database loads once (tests/conftest.py). Related rows follow each other: a
citation's source belongs to its finding's assessment, a comment's assessment and category come from its
target. An assessment is made by ``create_assessment`` (the service), so it has its findings; a finding is
one of those, picked by indicator code (``FindingFactory(assessment=a, code="R.1.1", narrative=...)``).
"""

import datetime
from decimal import Decimal

import factory
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.utils.timezone import now as django_now
from rest_framework.authtoken.models import Token

from accounts.models import Profile
from assessments.choices import Role, SourceType, StakeholderGroup
from assessments.models import Assessment, Attachment, Citation, DataPoint, Finding, Membership, Source
from assessments.services import create_assessment
from indicators.models import Framework
from publication.models import Publication
from reports.choices import SectionKind
from reports.models import (
    ChapterCache,
    Recommendation,
    RecommendationFollowUp,
    Report,
    ReportExport,
    ReportSection,
)
from review import targets
from review.choices import Frequency, NotificationKind, Verdict
from review.models import Comment, LastSeen, Notification, NotificationPreference, Vote

PDF_BYTES = b"%PDF-1.4 test"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.org")
    password = factory.django.Password("pw-test-1")


class TokenFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Token

    user = factory.SubFactory(UserFactory)


class ProfileFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Profile
        django_get_or_create = ("user",)

    user = factory.SubFactory(UserFactory)
    language = "km"


class AssessmentFactory(factory.django.DjangoModelFactory):
    """Through ``create_assessment``, so the findings of its scope exist."""

    class Meta:
        model = Assessment

    code = factory.Sequence(lambda n: f"tst-{n}")
    title = factory.LazyAttribute(lambda a: f"Assessing Internet Development in {a.country_name}")
    country_code = "KHM"
    country_name = "Cambodia"
    framework = factory.LazyFunction(lambda: Framework.objects.get(code="iui-2019"))

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        return create_assessment(**kwargs)


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    assessment = factory.SubFactory(AssessmentFactory)
    user = factory.SubFactory(UserFactory)
    role = Role.RESEARCHER


class FindingFactory(factory.django.DjangoModelFactory):
    """One of the assessment's findings (they exist from its creation), with the given fields saved."""

    class Meta:
        model = Finding

    class Params:
        code = "R.1.1"

    assessment = factory.SubFactory(AssessmentFactory)
    indicator = factory.LazyAttribute(lambda f: f.assessment.framework.indicators.get(code=f.code))

    @classmethod
    def _create(cls, model_class, *args, assessment, indicator, **fields):
        finding = model_class.objects.select_related("indicator", "assessment").get(
            assessment=assessment, indicator=indicator
        )
        for name, value in fields.items():
            setattr(finding, name, value)
        if fields:
            finding.save()
        return finding


class SourceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Source

    assessment = factory.SubFactory(AssessmentFactory)
    type = SourceType.REPORT
    title = factory.Sequence(lambda n: f"Report {n}")
    author = "Ministry of Post and Telecommunications"
    url = "https://example.org/report"


class CitationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Citation

    finding = factory.SubFactory(FindingFactory)
    source = factory.SubFactory(SourceFactory, assessment=factory.SelfAttribute("..finding.assessment"))
    locator = "p. 4"


class DataPointFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = DataPoint

    finding = factory.SubFactory(FindingFactory)
    value = Decimal("41.5")
    unit = "%"
    year = 2022
    source = factory.SubFactory(SourceFactory, assessment=factory.SelfAttribute("..finding.assessment"))


class AttachmentFactory(factory.django.DjangoModelFactory):
    """Writes its file to the storage (MEDIA_ROOT): tests that mind point MEDIA_ROOT at tmp_path."""

    class Meta:
        model = Attachment

    finding = factory.SubFactory(FindingFactory)
    file = factory.django.FileField(filename="law.pdf", data=PDF_BYTES)
    original_name = "telecom-law.pdf"
    content_type = "application/pdf"
    size = len(PDF_BYTES)


class ReportFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Report
        django_get_or_create = ("assessment",)

    assessment = factory.SubFactory(AssessmentFactory)
    report_date = datetime.date(2023, 10, 23)


class ReportSectionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ReportSection
        django_get_or_create = ("assessment", "kind")

    assessment = factory.SubFactory(AssessmentFactory)
    kind = SectionKind.BACKGROUND
    body = "Connectivity has grown fast, led by **mobile broadband**."


class RecommendationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Recommendation

    assessment = factory.SubFactory(AssessmentFactory)
    stakeholder_group = StakeholderGroup.GOVERNMENT
    text = factory.Sequence(lambda n: f"Publish public data in open formats ({n}).")
    order = factory.Sequence(lambda n: n)


class RecommendationFollowUpFactory(factory.django.DjangoModelFactory):
    """A later round's follow-up of one recommendation of its previous round (the round made directly,
    not through start_round, so no other follow-up rows come with it)."""

    class Meta:
        model = RecommendationFollowUp

    recommendation = factory.SubFactory(RecommendationFactory)
    assessment = factory.LazyAttribute(lambda f: AssessmentFactory(previous=f.recommendation.assessment))


class ReportExportFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ReportExport

    assessment = factory.SubFactory(AssessmentFactory)
    requested_by = factory.SubFactory(UserFactory)
    content_hash = factory.Sequence(lambda n: f"{n:064x}")


class ChapterCacheFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ChapterCache

    assessment = factory.SubFactory(AssessmentFactory)
    key = "cover"
    html_hash = factory.Sequence(lambda n: f"{n:064x}")
    pdf = b"%PDF"
    pages = 1
    anchors = factory.LazyFunction(lambda: {"anchors": {"cover": [0, 0.0, 842.0]}, "links": []})  # the layout


class PublicationFactory(factory.django.DjangoModelFactory):
    """A published assessment with the default choices (no MAB names, CC BY 4.0)."""

    class Meta:
        model = Publication
        django_get_or_create = ("assessment",)

    assessment = factory.SubFactory(AssessmentFactory)
    is_published = True


class CommentFactory(factory.django.DjangoModelFactory):
    """A MAB member's open comment on ``target`` (a finding unless given; any registered review target)."""

    class Meta:
        model = Comment
        exclude = ["target"]

    target = factory.SubFactory(FindingFactory)
    assessment = factory.LazyAttribute(lambda c: targets.spec_for(c.target).assessment(c.target))
    category = factory.LazyAttribute(lambda c: targets.spec_for(c.target).category(c.target))
    content_type = factory.LazyAttribute(lambda c: ContentType.objects.get_for_model(c.target))
    object_id = factory.LazyAttribute(lambda c: c.target.pk)
    author = factory.SubFactory(UserFactory)
    author_role = Role.MAB
    body = factory.Sequence(lambda n: f"Please cite the source of this figure ({n}).")


class VoteFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Vote

    finding = factory.SubFactory(FindingFactory)
    member = factory.SubFactory(UserFactory)
    verdict = Verdict.ENDORSE


class LastSeenFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = LastSeen

    user = factory.SubFactory(UserFactory)
    finding = factory.SubFactory(FindingFactory)
    narrative = factory.LazyAttribute(lambda s: s.finding.narrative)
    score = factory.LazyAttribute(lambda s: s.finding.score)
    special_score = factory.LazyAttribute(lambda s: s.finding.special_score)


class NotificationPreferenceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = NotificationPreference
        django_get_or_create = ("user",)

    user = factory.SubFactory(UserFactory)
    frequency = Frequency.DAILY


class NotificationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Notification

    recipient = factory.SubFactory(UserFactory)
    kind = NotificationKind.ASSIGNMENT
    subject = "You are assigned R.1.1 in khm-2023"
    body = "Existence of a legal framework for human rights"
    url = "https://roamx.example.org/a/khm-2023/"


# The consultation app (consultation/): a consultation of the assessment, one item, a participant, an answer.
class ConsultationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "consultation.Consultation"

    assessment = factory.SubFactory(AssessmentFactory)
    title = factory.Sequence(lambda n: f"National validation workshop {n}")
    opens_at = factory.LazyFunction(lambda: django_now() - datetime.timedelta(hours=1))
    closes_at = factory.LazyFunction(lambda: django_now() + datetime.timedelta(days=1))
    place = "Phnom Penh, Sokha Hotel"
    open_token = factory.Sequence(lambda n: f"open-token-{n:040d}")


class ConsultationItemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "consultation.ConsultationItem"

    consultation = factory.SubFactory(ConsultationFactory)
    number = factory.Sequence(lambda n: n + 1)
    kind = "recommendation"
    object_id = factory.Sequence(lambda n: n + 1)
    label = "Recommendation to Government"
    text = "Publish public data in open formats."


class ParticipantFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "consultation.Participant"

    consultation = factory.SubFactory(ConsultationFactory)
    joined_by = "invitation"
    token_digest = factory.Sequence(lambda n: f"{n:064x}")
    email = factory.Sequence(lambda n: f"participant{n}@example.org")
    name = factory.Sequence(lambda n: f"Participant {n}")
    organisation = "Open Development Cambodia"
    stakeholder_group = StakeholderGroup.CIVIL_SOCIETY
    details_given = True


class AnswerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "consultation.Answer"

    participant = factory.SubFactory(ParticipantFactory)
    item = factory.SubFactory(
        ConsultationItemFactory, consultation=factory.SelfAttribute("..participant.consultation")
    )
    position = "agree"
    comment = "Add a deadline."
