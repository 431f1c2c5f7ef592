"""The two lookups every signed-in request makes — its session and its user — in SQL written once.

Django's database session store and ModelBackend build each lookup with the ORM on every request, which
cost ~0.9 ms and ~0.7 ms of CPU (PostgreSQL, before the database even answers): about half of what a
request costs before any view runs (docs/operations.md, "CPU per request"). These subclasses run the
same lookups with the same conditions — the session's key and expiry, the user's primary key and
``is_active`` check — from SQL built once per database from the models' own table and column names;
everything else (saving, rotating, deleting sessions; authenticating, permissions) is Django's own.
"""

from functools import lru_cache

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.contrib.sessions.backends import db
from django.db import connections, router
from django.utils import timezone

from toolkit import rows


@lru_cache
def _session_sql(alias):
    model = db.SessionStore.get_model_class()
    connection = connections[alias]
    quote = connection.ops.quote_name

    def column(name):
        return quote(model._meta.get_field(name).column)

    return (
        f"SELECT {column('session_data')} FROM {quote(model._meta.db_table)} "
        f"WHERE {column('session_key')} = %s AND {column('expire_date')} > %s"
    )


class SessionStore(db.SessionStore):
    """Django's database sessions (``SESSION_ENGINE = "accounts.fast"``), read with one plain query."""

    def load(self):
        key = self.session_key
        # Django's own store never asks the database for a key that cannot be one (None, or too short to
        # have come from it: SessionBase._validate_session_key); nor does this one for a key with a NUL,
        # which PostgreSQL refuses in a query. Such a cookie is simply no session.
        if not key or "\x00" in key:
            self._session_key = None
            return {}
        alias = router.db_for_read(self.model)
        connection = connections[alias]
        now = connection.ops.adapt_datetimefield_value(timezone.now())
        with connection.cursor() as cursor:
            cursor.execute(_session_sql(alias), [key, now])
            row = cursor.fetchone()
        if row is None:
            self._session_key = None
            return {}
        return self.decode(row[0])


@lru_cache
def _user_sql(alias):
    User = get_user_model()
    connection = connections[alias]
    quote = connection.ops.quote_name
    return (
        f"SELECT {rows.columns(User, 'u', connection)} FROM {quote(User._meta.db_table)} u "
        f"WHERE u.{quote(User._meta.pk.column)} = %s"
    )


class Backend(ModelBackend):
    """Django's ModelBackend (``AUTHENTICATION_BACKENDS``); only ``get_user`` — the lookup of the signed-in
    person on each request — reads its row with plain SQL. The same user comes back (or None for an
    unknown or inactive one, as ModelBackend decides)."""

    def get_user(self, user_id):
        User = get_user_model()
        alias = router.db_for_read(User)
        user_id = rows.primary_key(User, user_id, alias)
        if user_id is None:  # not an id at all: nobody
            return None
        with connections[alias].cursor() as cursor:
            cursor.execute(_user_sql(alias), [user_id])
            row = cursor.fetchone()
        if row is None:
            return None
        user = rows.instance(User, row, alias)
        return user if self.user_can_authenticate(user) else None
