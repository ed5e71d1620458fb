"""Django's database sessions, read with one prepared SELECT instead of the ORM.

Every signed-in request reads its session row. Built by the ORM, that read cost more CPU
than the rest of a small page; the statement never changes, so it is written once here.
Everything else (saving, creating, ending other sessions, the table itself) is Django's
own database session store, unchanged: sessions stay on the server, so a person's other
sessions can still be ended.
"""

from __future__ import annotations

from typing import Any

from django.contrib.sessions.backends.db import SessionStore as DatabaseSessionStore
from django.db import connections, router
from django.utils import timezone


class SessionStore(DatabaseSessionStore):
    def _get_session_from_db(self) -> Any:
        # As Django's: a missing or expired row forgets the key, so a new one is made.
        session_key = self.session_key
        if not session_key:
            self._session_key = None
            return None
        model = self.model
        connection = connections[router.db_for_read(model)]
        quote = connection.ops.quote_name
        # Names from the model, quoted by the backend; the key and time are parameters.
        sql = (
            f"SELECT {quote('session_data')} FROM {quote(model._meta.db_table)} "  # noqa: S608
            f"WHERE {quote('session_key')} = %s AND {quote('expire_date')} > %s"
        )
        now = connection.ops.adapt_datetimefield_value(timezone.now())
        with connection.cursor() as cursor:
            cursor.execute(sql, [session_key, now])
            row = cursor.fetchone()
        if row is None:
            self._session_key = None
            return None
        return model(session_key=session_key, session_data=row[0])
