"""Lists answered from plain rows (the findings list, ``views.FindingViewSet.list``).

A page of 50 findings through the model serializer cost most of the request's CPU in work that does not
depend on the data: a model instance per finding and per related object, a field object's
``get_attribute`` and ``to_representation`` per value, and building the same two queries (count and page)
with the ORM on every request. ``SerializerRows`` gives a read-only serializer's output from plain
``values_list()`` rows; ``CompiledList`` builds a list's SQL with the ORM once per process and runs it as
plain SQL. Both take everything from the serializer and the queryset, so neither writes a field or a join
by hand; ``tests/api/test_finding_rows.py`` compares the answers with the serializer's, byte for byte.
"""

import copy

from django.core.exceptions import FieldDoesNotExist, ImproperlyConfigured
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import F, OuterRef, Subquery
from django.utils.functional import cached_property
from rest_framework import serializers


class SerializerRows:
    """A read-only serializer's output for many objects, built from plain ``values_list()`` rows.

    Each of the serializer's fields reads its ``source`` as one column (``indicator.category.code`` is the
    lookup ``indicator__category__code``, joined by the database) and goes through that same field's
    ``to_representation``; a missing value (``None``, also a null relation on the way) stays ``None``, as
    the serializer gives it. ``computed`` names the fields that are no column — method fields — each a
    function ``(values, context)`` of the row's values by field name. The output is the serializer's, key
    for key and in its order.
    """

    def __init__(self, serializer_class, computed):
        self.serializer_class, self.computed = serializer_class, computed

    @cached_property
    def fields(self):
        # (name, field) in the serializer's order; built once per process, on first use (after app loading).
        return list(self.serializer_class().fields.items())

    @cached_property
    def lookups(self):
        """The ``values_list()`` lookups of the columns, in the order ``represent`` reads them."""
        return ["__".join(field.source_attrs) for name, field in self.fields if name not in self.computed]

    @cached_property
    def columns(self):
        """(name, to_representation, plain type) per column: the plain type is the one whose values the
        field's ``to_representation`` gives back unchanged (a str through a CharField), so they are not
        passed through it; any other value is."""
        return [
            (name, field.to_representation, plain_type(field))
            for name, field in self.fields
            if name not in self.computed
        ]

    def represent(self, rows, context):
        rows = list(rows)
        converted = []
        for position, (_name, to_representation, plain) in enumerate(self.columns):
            to_representation = in_current_zone(to_representation)
            values = [row[position] for row in rows]
            if plain is not None:
                converted.append(
                    [v if v is None or type(v) is plain else to_representation(v) for v in values]
                )
            else:
                converted.append([None if v is None else to_representation(v) for v in values])
        names = [name for name, _convert, _plain in self.columns]
        results = [dict(zip(names, row, strict=True)) for row in zip(*converted, strict=True)]
        if self.computed:
            order = [name for name, _field in self.fields]
            for values in results:
                for name, compute in self.computed.items():
                    values[name] = compute(values, context)
            results = [{name: values[name] for name in order} for values in results]
        return results


def in_current_zone(to_representation):
    """A DateTimeField's ``to_representation`` looks up the current time zone for every value (through
    asgiref's context-local storage: most of a page's time in this module). It takes the field's own
    ``timezone`` instead when it has one, so a copy holding the zone that is current now gives the same
    text for every value of this request, looking it up once."""
    field = to_representation.__self__
    if not isinstance(field, serializers.DateTimeField) or hasattr(field, "timezone"):
        return to_representation
    field = copy.copy(field)
    field.timezone = field.default_timezone()
    return field.to_representation


def plain_type(field):
    """The type whose values ``field.to_representation`` returns as they are (equal, same type), or None:
    str for DRF's CharField (``str(value)``) and for a ChoiceField whose choices are all strings (a known
    choice maps to itself, an unknown one stays), int for IntegerField, bool for BooleanField; only when the
    field's class does not override ``to_representation``."""
    own = type(field).to_representation
    if own is serializers.CharField.to_representation:
        return str
    if own is serializers.IntegerField.to_representation:
        return int
    if own is serializers.BooleanField.to_representation:
        return bool
    if own is serializers.ChoiceField.to_representation and all(
        type(key) is str for key in field.choice_strings_to_values.values()
    ):
        return str
    return None


def values_rows(queryset, lookups):
    """``queryset.values_list(*lookups)``, the same values in the same order, read so that the database joins
    only what the filter and the order need for every row: a lookup that goes on through a foreign key the
    order does not follow (``assignee__username``, ``indicator__category__code`` when the order is
    ``indicator__order``) becomes a correlated subquery on that key's table. PostgreSQL plans each of
    these as a small query of its own and runs it only for the rows of the page (after the sort and the
    limit), where a join of every table would be planned as one (seven tables: ~3 ms of planning on
    every request) and joined for every row before the sort. A null key gives None, as the join did.
    (For CompiledList, whose SQL is built once: building the subqueries with the ORM on every request, as
    the filtered path would, costs about as much CPU as the database saves.)"""
    followed = set()
    for name in queryset.query.order_by:
        parts = str(name).lstrip("-").split("__")
        followed.update("__".join(parts[:end]) for end in range(1, len(parts)))
    columns = {f"column_{n}": column(queryset.model, lookup, followed) for n, lookup in enumerate(lookups)}
    return queryset.annotate(**columns).values_list(*columns)


def column(model, lookup, followed):
    """The expression reading ``lookup`` (a path of forward foreign keys ending at a field): the path as a
    join as far as it is in ``followed``, the rest as a subquery on the first table beyond it."""
    parts = lookup.split("__")
    for hop, name in enumerate(parts[:-1]):
        try:
            field = model._meta.get_field(name)
        except FieldDoesNotExist:
            return F(lookup)
        if not (field.many_to_one or field.one_to_one) or field.auto_created:
            return F(lookup)  # not a forward key: as values_list() reads it
        if "__".join(parts[: hop + 1]) not in followed:
            key = OuterRef("__".join([*parts[:hop], field.attname]))
            related = field.related_model._base_manager.filter(pk=key).order_by()
            return Subquery(related.values("__".join(parts[hop + 1 :])))
        model = field.related_model
    return F(lookup)


class QuerysetRows:
    """A queryset's rows for Django's paginator, as ``values_list(*lookups)``: counted as the queryset
    itself (without the joins only the values need), each page read as plain values."""

    def __init__(self, queryset, lookups):
        self.queryset, self.lookups = queryset, lookups
        self.ordered = queryset.ordered

    def count(self):
        return self.queryset.count()

    def __getitem__(self, window):
        return list(self.queryset.values_list(*self.lookups)[window])

    def __iter__(self):
        return iter(self.queryset.values_list(*self.lookups))


class CompiledList:
    """A list's queryset compiled by the ORM once per process, then run as plain SQL.

    ``build(pk)`` gives the list's queryset for one parent object (an assessment's findings), ordered; its
    SQL must take that pk as its only parameter (checked when it is built). ``rows(pk)`` gives what
    Django's paginator needs — ``count()`` and slices — each one plain query with the ORM's SQL: the
    page is the queryset as ``values_list(*lookups)`` with the ORM's own converters applied to the values,
    the count counts the queryset's ids (no ORDER BY, no joins the values need), so the rows are the
    queryset's. Building a query (lookups, joins, compiling) cost about 1 ms of CPU, running it as plain
    SQL about 0.1 ms. ``lookups`` is a function giving them (they may need the app registry).
    """

    def __init__(self, build, lookups):
        self.build, self.lookups = build, lookups
        self._compiled = {}  # database alias -> (values query, page SQL, output expressions, count SQL)

    def compiled(self, pk, using):
        if using not in self._compiled:
            queryset = self.build(pk)
            query = values_rows(queryset, self.lookups()).query
            compiler = query.get_compiler(using)
            sql, params = compiler.as_sql()
            count_sql, count_params = queryset.order_by().values_list("pk").query.get_compiler(using).as_sql()
            if list(params) != [pk] or list(count_params) != [pk]:
                raise ImproperlyConfigured(
                    f"The list's SQL must take the pk as its only parameter: {params!r}, {count_params!r}"
                )
            expressions = [column for column, _sql, _alias in compiler.select[: compiler.col_count]]
            self._compiled[using] = (query, sql, expressions, f"SELECT COUNT(*) FROM ({count_sql}) counted")
        return self._compiled[using]

    def rows(self, pk, using=DEFAULT_DB_ALIAS):
        return PlainRows(self, pk, using)

    def queryset_rows(self, queryset):
        """The same rows from another queryset of the list (a filtered one), through the ORM."""
        return QuerysetRows(queryset, self.lookups())


class PlainRows:
    """A compiled list's rows for one pk, for Django's paginator: ``count()`` and ``[start:stop]``."""

    ordered = True  # the SQL has the queryset's ORDER BY (the paginator warns about unordered lists)

    def __init__(self, compiled_list, pk, using):
        self.query, self.sql, self.expressions, self.count_sql = compiled_list.compiled(pk, using)
        self.pk, self.using = pk, using

    def count(self):
        with connections[self.using].cursor() as cursor:
            cursor.execute(self.count_sql, [self.pk])
            return cursor.fetchone()[0]

    def __getitem__(self, window):
        if not isinstance(window, slice) or window.step is not None or window.stop is None:
            raise TypeError("Only [start:stop] slices of plain rows are supported.")
        start = window.start or 0
        return self.fetch(f"{self.sql} LIMIT %s OFFSET %s", [self.pk, max(window.stop - start, 0), start])

    def __iter__(self):
        return iter(self.fetch(self.sql, [self.pk]))

    def fetch(self, sql, params):
        with connections[self.using].cursor() as cursor:
            cursor.execute(sql, params)
            rows = cursor.fetchall()
        compiler = self.query.get_compiler(self.using)
        converters = compiler.get_converters(self.expressions)
        return list(compiler.apply_converters(rows, converters)) if converters else rows
