"""Run by benchmarks/workshop.sh through `manage.py shell`: a consultation of the demo assessment with
30 items (key-findings sections, recommendations, and as many findings as needed), PARTICIPANTS/2
personal links and the open link for the rest. Writes the links to LINKS_FILE and prints the
consultation's id."""

import datetime
import os

from django.contrib.auth import get_user_model
from django.utils import timezone

from assessments.models import Assessment
from consultation import services

ITEMS = int(os.environ.get("WORKSHOP_ITEMS", "30"))
PARTICIPANTS = int(os.environ.get("WORKSHOP_PARTICIPANTS", "60"))
assessment = Assessment.objects.get(code="khm-2023")
lead = get_user_model().objects.get(username="lead")
fixed = len(services.key_sections(assessment)) + len(services.recommendations(assessment))
findings = list(
    assessment.findings.exclude(narrative="")
    .order_by("indicator__order")
    .values_list("pk", flat=True)[: max(0, ITEMS - fixed)]
)
now = timezone.now()
consultation = services.create_consultation(
    assessment,
    by=lead,
    title="Workshop load",
    opens_at=now - datetime.timedelta(minutes=5),
    closes_at=now + datetime.timedelta(hours=2),
    place="Benchmark hall",
    finding_ids=findings,
)
count = consultation.items.count()
assert count == ITEMS, f"{count} items, not {ITEMS}"
links = [services.invite_with_token(consultation, by=lead, name=f"P{n}") for n in range(PARTICIPANTS // 2)]
links += [services.open_url(consultation)] * (PARTICIPANTS - len(links))
with open(os.environ["LINKS_FILE"], "w") as out:
    out.write("\n".join(links) + "\n")
print(consultation.pk)
