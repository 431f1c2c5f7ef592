"""The demo's consultation: the Cambodian national validation workshop, open for a week from when the
demo is seeded, with a few participants' answers (written directly: seeding mails nobody)."""

import datetime

from django.contrib.auth import get_user_model
from django.utils import timezone

from consultation import services
from consultation.choices import JoinedBy
from consultation.models import Answer, Consultation, Participant

TITLE = "National validation workshop on the ROAM-X findings"
PEOPLE = [
    ("Chea Sopheap", "Ministry of Posts and Telecommunications", "government", "woman", True),
    ("Vannak Kim", "Open Development Cambodia", "civil_society", "man", True),
    ("", "Royal University of Phnom Penh", "academia", "", False),
]
ANSWERS = [
    ("agree", ""),
    ("changes", "Name the deadline: 2027 would be realistic."),
    ("disagree", "Rural connectivity data from 2019 is too old to support this."),
]


def seed_consultation(assessment):
    """Idempotent: the workshop is created once, with its participants."""
    if Consultation.objects.filter(assessment=assessment, title=TITLE).exists():
        return Consultation.objects.get(assessment=assessment, title=TITLE)
    lead = get_user_model().objects.get(username="lead")
    now = timezone.now()
    consultation = services.create_consultation(
        assessment,
        by=lead,
        title=TITLE,
        opens_at=now - datetime.timedelta(hours=1),
        closes_at=now + datetime.timedelta(days=7),
        place="Phnom Penh, Sokha Hotel",
    )
    items = list(consultation.items.all()[:3])
    for n, (name, organisation, group, gender, listed) in enumerate(PEOPLE):
        participant = Participant.objects.create(
            consultation=consultation,
            joined_by=JoinedBy.OPEN_LINK,
            name=name,
            organisation=organisation,
            stakeholder_group=group,
            gender=gender,
            list_organisation=listed,
            details_given=True,
        )
        for k, item in enumerate(items):
            position, comment = ANSWERS[(n + k) % len(ANSWERS)]
            Answer.objects.create(participant=participant, item=item, position=position, comment=comment)
    return consultation
