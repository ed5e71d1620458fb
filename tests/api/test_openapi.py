from __future__ import annotations

import pytest

from incidentdesk.api.api import api


@pytest.fixture
def document(client, db) -> dict:
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    return response.json()


def operations(document: dict) -> list[tuple[str, str, dict]]:
    return [
        (path, method, operation)
        for path, item in document["paths"].items()
        for method, operation in item.items()
    ]


def test_it_serves_an_openapi_3_document(document):
    assert document["openapi"].startswith("3.")
    assert document["info"]["title"] == "Incident Desk API"
    assert document["info"]["version"] == api.version
    assert document["paths"]["/api/v1/me"]["get"]["operationId"] == "get_me"


def test_it_declares_the_bearer_scheme(document):
    schemes = document["components"]["securitySchemes"]
    assert schemes == {
        "BearerToken": {
            "type": "http",
            "scheme": "bearer",
            "bearerFormat": "idk_…",
            "description": schemes["BearerToken"]["description"],
        }
    }
    assert document["paths"]["/api/v1/me"]["get"]["security"] == [{"BearerToken": []}]


def test_every_operation_has_an_explicit_id_and_documents_its_errors(document):
    ids = [operation["operationId"] for _, _, operation in operations(document)]
    assert len(ids) == len(set(ids))
    for path, method, operation in operations(document):
        # Ninja's generated ids are "<module>_<function>": ours are chosen by hand.
        assert not operation["operationId"].startswith("incidentdesk_"), (path, method)
        if "security" not in operation:
            # Open to anyone, so no 401: only the anonymous reporting operations.
            assert path.startswith("/api/v1/anonymous/"), (path, method)
            assert "401" not in operation["responses"], (path, method)
            continue
        error = operation["responses"]["401"]["content"]["application/json"]["schema"]
        assert error == {"$ref": "#/components/schemas/Error"}, (path, method)
    assert document["components"]["schemas"]["Error"]["required"] == ["detail"]


def test_it_documents_what_get_me_returns(document):
    schema = document["paths"]["/api/v1/me"]["get"]["responses"]["200"]["content"][
        "application/json"
    ]["schema"]
    assert schema == {"$ref": "#/components/schemas/MeOut"}
    assert set(document["components"]["schemas"]["MeOut"]["properties"]) == {
        "email",
        "full_name",
        "organisations",
    }


def test_it_has_no_docs_page_loading_scripts_from_a_cdn(client, db):
    assert client.get("/api/v1/docs").status_code == 404
