"""Exception requests and policy change proposals through the API: who may do what, and
what each answer says (404 for what the caller may not see, 403 for what they may see but
not decide, 409 for a second decision, 422 naming the field)."""

from __future__ import annotations

import datetime
import json

import pytest
from django.utils import timezone

from incidentdesk.api.services import create_api_token
from incidentdesk.governance.models import ExceptionRequest, ExceptionStatus, ProposalStatus
from tests.governance.conftest import cast  # noqa: F401  (the governance cast)

pytestmark = pytest.mark.django_db


def call(client, person, method: str, path: str, body: dict | None = None):
    token = create_api_token(person=person, name="script")[1]
    return getattr(client, method)(
        f"/api/v1{path}",
        data=json.dumps(body) if body is not None else None,
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )


def request_body(**extra) -> dict:
    return {
        "organisation": "birch",
        "policy_point": 3,
        "title": "Trip photos on the tablet",
        "what": "Keep them a week",
        "business_reason": "No signal on the trip",
        **extra,
    }


def later(days: int) -> str:
    return (timezone.localdate() + datetime.timedelta(days=days)).isoformat()


def test_a_member_requests_and_the_manager_decides(client, cast):  # noqa: F811
    response = call(client, cast.staff, "post", "/governance/exceptions", request_body())
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "requested"
    assert body["status_words"] == "Waiting for a decision"
    assert body["policy_point"] == "Policy point 3"
    assert body["requested_by"] == "Sam Staff"
    exception_id = body["id"]

    decision = {
        "approve": True,
        "reasons": "Low risk",
        "expires_on": later(60),
        "review_on": later(30),
    }
    # The asker may see it but not decide it; another organisation does not find it.
    path = f"/governance/exceptions/{exception_id}/decision"
    assert call(client, cast.staff, "post", path, decision).status_code == 403
    assert call(client, cast.outsider, "post", path, decision).status_code == 404
    response = call(client, cast.manager, "post", path, decision)
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "approved"
    assert response.json()["expires_on"] == later(60)
    assert ExceptionRequest.objects.get().status == ExceptionStatus.APPROVED
    again = call(client, cast.manager, "post", path, decision)
    assert again.status_code == 409
    assert again.json() == {"detail": "This request has already been decided."}


def test_an_approval_without_dates_is_422_naming_the_fields(client, cast):  # noqa: F811
    exception_id = call(
        client, cast.staff, "post", "/governance/exceptions", request_body()
    ).json()["id"]
    response = call(
        client,
        cast.manager,
        "post",
        f"/governance/exceptions/{exception_id}/decision",
        {"approve": True, "reasons": "ok"},
    )
    assert response.status_code == 422
    fields = {error["loc"][-1] for error in response.json()["errors"]}
    assert fields == {"expires_on", "review_on"}


def test_bad_requests(client, cast):  # noqa: F811
    # Another organisation's slug: not found, whether it exists or not.
    assert (
        call(
            client, cast.staff, "post", "/governance/exceptions", request_body(organisation="cedar")
        ).status_code
        == 404
    )
    response = call(
        client, cast.staff, "post", "/governance/exceptions", request_body(policy_point=99)
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["loc"][-1] == "policy_point"
    response = call(
        client, cast.staff, "post", "/governance/exceptions", request_body(policy_point=None)
    )
    assert response.status_code == 422
    response = call(client, cast.staff, "post", "/governance/exceptions", request_body(title=""))
    assert response.status_code == 422


def test_anyone_proposes_a_change_and_lists_show_what_they_may_see(client, cast):  # noqa: F811
    response = call(
        client,
        cast.colleague,
        "post",
        "/governance/policy-changes",
        {
            "organisation": "birch",
            "title": "Allow encrypted USB sticks",
            "change": "Let staff use encrypted sticks",
            "reason": "Trips",
        },
    )
    assert response.status_code == 201, response.content
    assert response.json()["status"] == ProposalStatus.PROPOSED
    assert response.json()["policy_point"] == "The policy as a whole"
    call(client, cast.staff, "post", "/governance/exceptions", request_body())

    def titles(person, path):
        response = call(client, person, "get", path)
        assert response.status_code == 200
        return [row["title"] for row in response.json()]

    assert titles(cast.manager, "/governance/policy-changes") == ["Allow encrypted USB sticks"]
    assert titles(cast.colleague, "/governance/policy-changes") == ["Allow encrypted USB sticks"]
    assert titles(cast.staff, "/governance/policy-changes") == []
    assert titles(cast.outsider, "/governance/policy-changes") == []
    assert titles(cast.manager, "/governance/exceptions") == ["Trip photos on the tablet"]
    assert titles(cast.colleague, "/governance/exceptions") == []
    assert titles(cast.outsider, "/governance/exceptions") == []


def test_the_operation_ids(client, db):
    document = client.get("/api/v1/openapi.json").json()
    ids = {
        op["operationId"]
        for path, item in document["paths"].items()
        if path.startswith("/api/v1/governance/")
        for op in item.values()
    }
    assert ids == {
        "request_exception",
        "decide_exception",
        "propose_policy_change",
        "list_exceptions",
        "list_policy_changes",
    }
