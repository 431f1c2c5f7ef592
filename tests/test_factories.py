"""Every factory in tests/factories.py builds a valid row, and every model of the apps has one."""

import factory
import pytest
from django.apps import apps

from tests import factories

FACTORIES = [
    value
    for value in vars(factories).values()
    if isinstance(value, type)
    and issubclass(value, factory.django.DjangoModelFactory)
    and value is not factory.django.DjangoModelFactory
]
# Loaded from the shipped edition by `load_framework`, never made row by row.
LOADED = {"indicators"}


@pytest.mark.parametrize("factory_class", FACTORIES, ids=lambda f: f.__name__)
def test_each_factory_builds_a_valid_row(framework, settings, tmp_path, factory_class):
    settings.MEDIA_ROOT = tmp_path
    first, second = factory_class(), factory_class()
    for row in (first, second):
        row.full_clean()
        assert type(row).objects.filter(pk=row.pk).exists()
    assert first.pk != second.pk  # a second call makes a second row, not a clash


def test_every_model_the_apps_define_has_a_factory():
    covered = {f._meta.model for f in FACTORIES}
    models = {
        model
        for app in ("accounts", "assessments", "reports", "review", "consultation", "publication")
        for model in apps.get_app_config(app).get_models()
        if not model.__name__.startswith("Historical")
    }
    assert not models - covered, f"no factory for {sorted(m.__name__ for m in models - covered)}"
    assert not {m._meta.app_label for m in covered} & LOADED
