"""The authorization matrix's world, made once per module and rolled back after it.

Making two organisations' worth of incidents, evidence and documents for each of
thousands of cases would take minutes; so the world is made once, inside a transaction
that is never committed, and each test's own transaction (a savepoint inside it) rolls
back whatever a case changed. The rest of the suite never sees any of it.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.db import transaction

from .world import World, build_world


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker) -> Iterator[World]:
    with django_db_blocker.unblock():
        with transaction.atomic():
            built = build_world()
            yield built
            transaction.set_rollback(True)
