"""Model instances from hand-written SQL, for the few lookups every page view runs.

Building a query with the ORM costs CPU before the database is even asked: ~0.6 ms for a plain
``filter(code=…).first()``, ~2.7 ms with two ``select_related`` and a subquery annotation — more than the
rest of a cached page. A lookup that runs on every request can instead write its SQL once (from the
models' own table and column names, so a renamed column still follows) and turn the row into instances
here, with the same conversions the ORM applies (time zones, JSON, decimals per database), and with
related objects attached as ``select_related`` would attach them.
"""

from functools import lru_cache

from django.core.exceptions import ValidationError
from django.db import connections


def columns(model, alias, connection):
    """``alias."column", …`` for every concrete field of ``model``, in ``instance``'s order."""
    quote = connection.ops.quote_name
    return ", ".join(f"{alias}.{quote(field.column)}" for field in model._meta.concrete_fields)


def width(model):
    """How many values ``columns`` selects for ``model``."""
    return len(model._meta.concrete_fields)


def instance(model, values, using="default"):
    """A ``model`` instance from a row's values (in ``columns`` order), as the ORM would have loaded it;
    None when the row holds no such instance (a LEFT JOIN that found nothing: the primary key is NULL)."""
    connection = connections[using]
    pk_index, names, conversions = _plan(model, connection)
    if values[pk_index] is None:
        return None
    values = list(values)
    for index, converters, expression in conversions:
        for convert in converters:
            values[index] = convert(values[index], expression, connection)
    return model.from_db(using, names, values)


@lru_cache(maxsize=256)
def _plan(model, connection):
    """What ``instance`` needs of ``model`` on ``connection`` (one per thread), worked out once: the primary
    key's position, the field names, and each column's converters (only columns that have any)."""
    fields = model._meta.concrete_fields
    conversions = []
    for index, field in enumerate(fields):
        expression = field.get_col(model._meta.db_table)
        converters = connection.ops.get_db_converters(expression) + field.get_db_converters(connection)
        if converters:
            conversions.append((index, tuple(converters), expression))
    return fields.index(model._meta.pk), [field.attname for field in fields], tuple(conversions)


def fetch_one(connection, sql, params, models):
    """Run ``sql`` (selecting ``columns(model, …)`` for each of ``models`` in turn, then any further
    values) and split its first row: ``[instance or None per model, *further values]``; None when there
    is no row."""
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    if row is None:
        return None
    found, start = [], 0
    for model in models:
        found.append(instance(model, row[start : start + width(model)], connection.alias))
        start += width(model)
    return [*found, *row[start:]]


def primary_key(model, value, using="default"):
    """``value`` as ``model``'s primary key, or None when it cannot be one: not a number, or outside what
    the database's column holds. The ORM answers "no such row" for an out-of-range number; a plain query
    would fail (SQLite cannot even bind it), so a key from outside (a URL, a form) goes through here."""
    field = model._meta.pk
    try:
        value = field.to_python(value)
    except ValidationError:
        return None
    if isinstance(value, int):
        low, high = connections[using].ops.integer_field_range(field.get_internal_type())
        if (low is not None and value < low) or (high is not None and value > high):
            return None
    return value


def attach(obj, field_name, related):
    """Give ``obj`` its related object ``related`` for ``field_name`` (a foreign key), as
    ``select_related`` does: reading ``obj.<field_name>`` then runs no query."""
    obj._meta.get_field(field_name).set_cached_value(obj, related)


def encoded(*expressions):
    """SQL joining ``expressions`` into one text that no other values give: each as its length, ":" and
    its text, or "-" when NULL."""
    return " || ',' || ".join(
        f"CASE WHEN {e} IS NULL THEN '-' ELSE CAST(LENGTH(CAST({e} AS TEXT)) AS TEXT) || ':' || CAST({e} AS TEXT) END"
        for e in expressions
    )
