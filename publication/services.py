"""The writes of publication: publish, change what is public, unpublish — by the assessment's lead."""

from django.db import transaction
from django.utils import timezone

from assessments.rules import Perm, check
from publication.models import Publication


def save_publication(assessment, *, by, publish, licence=None, choices=None):
    """Publish (``publish=True``) or unpublish the assessment's results, with the licence and the parts the
    lead chose (``choices``: the names in ``Publication.CHOICES``). One transaction; ``by`` must hold
    ``Perm.PUBLISH`` (the doors check it first; several call this)."""
    check(by, assessment, Perm.PUBLISH)
    with transaction.atomic():
        publication, _created = Publication.objects.select_for_update().get_or_create(assessment=assessment)
        if licence is not None:
            publication.licence = licence
        for name, value in (choices or {}).items():
            if name not in Publication.CHOICES:
                raise ValueError(f"Not a publication choice: {name}")
            setattr(publication, name, bool(value))
        if publish and not publication.is_published:
            publication.published_at = timezone.now()
            publication.published_by = by
        publication.is_published = bool(publish)
        publication.full_clean()
        publication.save()
    return publication
