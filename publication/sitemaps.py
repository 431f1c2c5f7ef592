from django.contrib.sitemaps import Sitemap
from django.urls import reverse

from publication.queries import published


class PublishedResultsSitemap(Sitemap):
    """The public results page of every published assessment."""

    changefreq = "monthly"

    def items(self):
        return published().order_by("assessment__code")

    def location(self, publication):
        return reverse("publication:public", args=[publication.assessment.code])

    def lastmod(self, publication):
        return publication.updated
