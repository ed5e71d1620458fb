"""The exception handlers, on a throwaway API that raises each kind of error."""

from __future__ import annotations

import logging

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404
from ninja import NinjaAPI, Schema
from ninja.testing import TestClient

from incidentdesk.api.errors import SERVER_ERROR, register_exception_handlers


class ThingIn(Schema):
    name: str
    count: int


def make_client() -> TestClient:
    api = NinjaAPI(urls_namespace="errors-test", docs_url=None, openapi_url=None)
    register_exception_handlers(api)

    @api.get("/missing", operation_id="missing")
    def missing(request):
        raise Http404("Incident SCH-2026-0042 of Cedar Academy")

    @api.get("/forbidden", operation_id="forbidden")
    def forbidden(request):
        raise PermissionDenied("Only the incident manager may classify an incident.")

    @api.get("/forbidden-quietly", operation_id="forbidden_quietly")
    def forbidden_quietly(request):
        raise PermissionDenied

    @api.post("/things", operation_id="add_thing")
    def add_thing(request, thing: ThingIn):
        return {"name": thing.name}

    @api.get("/things", operation_id="list_things")
    def list_things(request, limit: int = 10):
        return {"limit": limit}

    @api.get("/broken", operation_id="broken")
    def broken(request):
        raise RuntimeError("a bug")

    return TestClient(api)


@pytest.fixture
def client_():
    return make_client()


def test_not_found_does_not_repeat_the_exception_text(client_):
    response = client_.get("/missing")

    assert response.status_code == 404
    assert response.json() == {"detail": "Not found."}


def test_permission_denied_is_403_with_its_reason(client_):
    assert client_.get("/forbidden").status_code == 403
    assert client_.get("/forbidden").json() == {
        "detail": "Only the incident manager may classify an incident."
    }
    assert client_.get("/forbidden-quietly").json() == {"detail": "You may not do this."}


def test_a_missing_field_is_422_naming_the_field(client_):
    response = client_.post("/things", json={"count": "many"})

    assert response.status_code == 422
    body = response.json()
    assert [(e["loc"], e["type"]) for e in body["errors"]] == [
        (["body", "thing", "name"], "missing"),
        (["body", "thing", "count"], "int_parsing"),
    ]
    assert body["detail"].startswith("Check the input. body.thing.name: Field required; ")


def test_a_bad_query_parameter_is_422(client_):
    response = client_.get("/things?limit=lots")

    assert response.status_code == 422
    assert response.json()["errors"][0]["loc"] == ["query", "limit"]


@pytest.mark.parametrize("body", [b"{", b"not json", b"\xff\xfe", b'{"name": "a", "count": 1'])
def test_a_body_that_is_not_json_is_400(client_, body: bytes):
    response = client_.post("/things", data=body, content_type="application/json")

    assert response.status_code == 400
    assert response.json()["detail"].startswith("Cannot parse request body")


def test_a_bug_is_logged_and_answered_with_json(client_, caplog):
    with caplog.at_level(logging.ERROR, logger="django.request"):
        response = client_.get("/broken")

    assert response.status_code == 500
    assert response.json() == {"detail": SERVER_ERROR}
    assert "a bug" not in response.content.decode()
    assert any(record.exc_info and "a bug" in str(record.exc_info[1]) for record in caplog.records)
