from django.apps import AppConfig
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from assessments import links


class PublicationConfig(AppConfig):
    name = "publication"
    verbose_name = _("Publication")

    def ready(self):
        # The dashboard links to the publication page; assessments does not know this app (assessments.links).
        links.register_assessment_link(
            "publication",
            _("Publication"),
            lambda code: reverse("publication:manage", args=[code]),
            order=40,
        )
