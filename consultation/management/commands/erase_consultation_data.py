from django.conf import settings
from django.core.management.base import BaseCommand

from consultation.services import erase_expired


class Command(BaseCommand):
    help = (
        "Erase the personal data of participants in consultations that closed more than "
        "CONSULTATION_RETENTION_DAYS ago (run daily: deploy/systemd/roamx-consultation-erase.timer)."
    )

    def handle(self, *args, **options):
        erased = erase_expired()
        self.stdout.write(
            f"{erased} participant(s) erased (retention {settings.CONSULTATION_RETENTION_DAYS} days)."
        )
