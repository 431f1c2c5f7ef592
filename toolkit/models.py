"""Model pieces every app shares."""

from django.db import models


class Timestamped(models.Model):
    """When a row was created and last saved."""

    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True
