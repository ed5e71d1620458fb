"""Issue 8.1, the authorization matrix, closed world.

1. Every route Django resolves and every API operation is in the table
   (access_matrix.py), and every entry of the table still exists.
2. Every route × method × member of the cast gets the answer the table gives.
3. Every route that takes an identifier answers 404 to everyone of this organisation
   when the identifier is another organisation's object (never 403, never 200).

The world (tests/security/world.py) is made once per module and rolled back after it;
each case runs in its own savepoint, so a POST that succeeds changes nothing for the
next case. CSRF is switched off here (the test client's default): it is tested apart.
"""

from __future__ import annotations

import functools
import json
import os

import pytest
from django.conf import settings
from django.db import transaction
from django.test import Client

from . import access_matrix as table
from .routes import (
    Operation,
    Route,
    answer,
    api_operations,
    api_url,
    identifiers,
    page_routes,
    page_url,
)
from .world import Side, World, pending_session

pytestmark = pytest.mark.django_db

BAD_TOKEN = "idk_" + "A" * 43


# --- Making one request as one member of the cast -------------------------------------


def page_client(world: World, member: str) -> Client:
    client = Client(raise_request_exception=False)
    if member == table.PENDING:
        key = pending_session(world.pending)
    else:
        key = world.sessions.get(member)
    if key is not None:
        client.cookies[settings.SESSION_COOKIE_NAME] = key
    return client


def page_post_data(world: World, member: str, route_name: str) -> dict[str, str]:
    # Empty forms throughout; the anonymous reporter brings the receipt they kept.
    if member == "anonymous_reporter" and route_name == "reporting:anonymous_follow_up":
        return {"code": world.here.anonymous_receipt}
    return {}


def request_page(world: World, member: str, route: Route, method: str, side: Side) -> str:
    client = page_client(world, member)
    url = page_url(route, identifiers(side, route.name))
    if method == "GET":
        response = client.get(url)
    else:
        response = client.post(url, page_post_data(world, member, route.name))
    return answer(response)


def api_headers(world: World, member: str) -> dict[str, str]:
    if member == "bad_token":
        return {"HTTP_AUTHORIZATION": f"Bearer {BAD_TOKEN}"}
    token = world.tokens.get(member)
    if token is None:
        return {}
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


def body_values(world: World, member: str, side: Side) -> dict[str, str]:
    """Values that make a minimal body name real things of the organisation under test."""
    return {
        # Only the anonymous reporter knows the receipt; everyone else sends a wrong one.
        "receipt": world.here.anonymous_receipt if member == "anonymous_reporter" else "x",
        "organisation": side.organisation.slug,
        "investigator": side.people["investigator"].email,
        "owner": side.people["manager"].email,
        "severity": "major",
    }


def request_api(world: World, member: str, operation: Operation, side: Side) -> str:
    client = Client(raise_request_exception=False)
    url = api_url(operation, identifiers(side, operation.operation_id))
    headers = api_headers(world, member)
    body = dict(operation.body) if isinstance(operation.body, dict) else operation.body
    if isinstance(body, dict):
        body = {**body, **{k: v for k, v in body_values(world, member, side).items() if k in body}}
    if operation.method == "GET":
        response = client.get(url, **headers)
    elif operation.multipart:
        data = {k: v for k, v in (body or {}).items() if v is not None}
        response = client.post(url, data, **headers)
    else:
        response = client.generic(
            operation.method,
            url,
            data=json.dumps(body if body is not None else {}),
            content_type="application/json",
            **headers,
        )
    return answer(response)


# --- 1. Closed world: the table and the routes name the same things --------------------

PAGE_TABLE = {**table.PAGES, **table.ADMIN_SAMPLE}


@functools.cache
def routes() -> dict[str, Route]:
    return page_routes()


@functools.cache
def operations() -> dict[str, Operation]:
    return api_operations()


def test_every_route_is_in_the_table() -> None:
    found = routes()
    admin = sorted(n for n in found if n.split(":")[0] == table.ADMIN_NAMESPACE)
    missing = sorted(n for n in found if n not in table.PAGES and n not in admin)
    assert not missing, f"Routes missing from tests/security/access_matrix.py PAGES: {missing}"
    gone = sorted(n for n in PAGE_TABLE if n not in found)
    assert not gone, f"Entries in the table for routes that no longer exist: {gone}"
    # The admin namespace is covered by ADMIN_RULE as a whole; every admin route is one of
    # Django's ModelAdmin or AdminSite views (none of ours is mounted under admin/).
    assert admin and all(found[n].pattern.startswith("admin/") for n in admin)


def test_every_api_operation_is_in_the_table() -> None:
    found = operations()
    missing = sorted(set(found) - set(table.API))
    assert not missing, f"API operations missing from access_matrix.py API: {missing}"
    gone = sorted(set(table.API) - set(found))
    assert not gone, f"Entries in the API table for operations that no longer exist: {gone}"


def test_every_rule_names_the_whole_cast() -> None:
    for name, methods in PAGE_TABLE.items():
        for method, rule in methods.items():
            assert set(rule) == set(table.PAGE_CAST), (name, method)
    for name, rule in table.API.items():
        assert set(rule) == set(table.API_CAST), name


# --- 2. Every route x method x member of the cast gets the table's answer -------------

PAGE_CASES = [
    pytest.param(name, method, member, id=f"{name}-{method}-{member}")
    for name, methods in PAGE_TABLE.items()
    for method in methods
    for member in table.PAGE_CAST
]
API_CASES = [
    pytest.param(operation_id, member, id=f"{operation_id}-{member}")
    for operation_id in table.API
    for member in table.API_CAST
]


@pytest.mark.parametrize(("name", "method", "member"), PAGE_CASES)
def test_route(world: World, name: str, method: str, member: str) -> None:
    expected = PAGE_TABLE[name][method][member]
    assert request_page(world, member, routes()[name], method, world.here) == expected


@pytest.mark.parametrize(("operation_id", "member"), API_CASES)
def test_api(world: World, operation_id: str, member: str) -> None:
    expected = table.API[operation_id][member]
    assert request_api(world, member, operations()[operation_id], world.here) == expected


# --- 3. Another organisation's objects answer 404 -------------------------------------

OBJECT_IDS = ("reference", "evidence_id", "action_id", "attachment_id", "pk", "slug", "object_id")
CHILD_IDS = ("evidence_id", "action_id", "attachment_id")


def route_kwargs(name: str) -> tuple[str, ...]:
    # Read from the URL pattern itself, at collection, without the database.
    return routes()[name].kwargs


CROSS_PAGE_CASES = [
    pytest.param(name, method, id=f"{name}-{method}")
    for name, methods in table.PAGES.items()
    for method in methods
    if name not in table.PUBLIC_BY_DESIGN and any(key in route_kwargs(name) for key in OBJECT_IDS)
]


def cross_expected(rule: dict[str, str], member: str) -> str:
    # A method not allowed is refused before any lookup, and tells nothing.
    return "405" if rule[member] == "405" else "404"


@pytest.mark.parametrize(("name", "method"), CROSS_PAGE_CASES)
def test_other_organisations_objects_are_not_found(world: World, name: str, method: str) -> None:
    route = routes()[name]
    rule = table.PAGES[name][method]
    wrong = {}
    for member in table.HERE:
        # The whole object elsewhere...
        got = request_page(world, member, route, method, world.there)
        if got != cross_expected(rule, member):
            wrong[member] = got
        # ...and our own incident with a piece of Cedar's (its evidence, action, file).
        children = [key for key in CHILD_IDS if key in route.kwargs]
        if children:
            mixed = {**identifiers(world.here, name)}
            mixed.update({key: identifiers(world.there, name)[key] for key in children})
            got = answer(_send_page(world, member, route, method, mixed))
            if got != cross_expected(rule, member):
                wrong[f"{member} (own incident, Cedar's {children[0]})"] = got
    assert not wrong, f"{name} {method} with Cedar's object: {wrong}"


def _send_page(world: World, member: str, route: Route, method: str, values: dict):
    client = page_client(world, member)
    url = page_url(route, values)
    if method == "GET":
        return client.get(url)
    return client.post(url, page_post_data(world, member, route.name))


CROSS_API_CASES = [
    pytest.param(operation_id, id=operation_id)
    for operation_id in table.API
    if operation_id not in table.PUBLIC_BY_DESIGN
]


@pytest.mark.parametrize("operation_id", CROSS_API_CASES)
def test_other_organisations_objects_are_not_found_by_the_api(
    world: World, operation_id: str
) -> None:
    operation = operations()[operation_id]
    names_an_object = "{" in operation.path or (
        isinstance(operation.body, dict) and "organisation" in operation.body
    )
    if not names_an_object:
        pytest.skip("names no object of an organisation")
    wrong = {}
    for member in table.HERE:
        got = request_api(world, member, operation, world.there)
        if got != "404":
            wrong[member] = got
    assert not wrong, f"{operation_id} with Cedar's object: {wrong}"


# --- Recording what the code answers today (to write or check the table) --------------
#
#   ACCESS_MATRIX_RECORD=/tmp/observed.jsonl .venv/bin/pytest tests/security -k record
#
# writes one JSON line per route x method x member with the answer it got. Only for
# writing a new route's rule or reviewing a change: the tests compare with the table,
# which says what *should* happen, never with a recording.

RECORD = os.environ.get("ACCESS_MATRIX_RECORD")


@pytest.mark.skipif(not RECORD, reason="set ACCESS_MATRIX_RECORD=<file> to record")
def test_record(world: World) -> None:
    lines = []
    for route in page_routes().values():
        if route.name.startswith("admin:") and route.name not in PAGE_TABLE:
            continue
        for method in ("GET", "POST"):
            for member in table.PAGE_CAST:
                with transaction.atomic():
                    got = request_page(world, member, route, method, world.here)
                    transaction.set_rollback(True)
                lines.append(
                    {
                        "kind": "page",
                        "route": route.name,
                        "method": method,
                        "member": member,
                        "got": got,
                    }
                )
    for operation in api_operations().values():
        for member in table.API_CAST:
            with transaction.atomic():
                got = request_api(world, member, operation, world.here)
                transaction.set_rollback(True)
            lines.append(
                {
                    "kind": "api",
                    "route": operation.operation_id,
                    "method": operation.method,
                    "member": member,
                    "got": got,
                }
            )
    with open(RECORD, "w") as out:
        for line in lines:
            out.write(json.dumps(line) + "\n")
