"""Shapes the API reads and writes. They validate and shape; they never save."""

from __future__ import annotations

from typing import Any

from ninja import Schema

from incidentdesk.organisations.models import Duty, OrganisationKind


class Error(Schema):
    """Every error answer: one sentence saying what went wrong and what to do."""

    detail: str


class FieldError(Schema):
    loc: list[str | int]
    message: str
    type: str


class InvalidInput(Schema):
    """A 422 answer: a summary, then one entry for each field that is wrong."""

    detail: str
    errors: list[FieldError]


# The error answers an operation can give, by status. Each operation lists the ones it
# can really give, so the document is exact enough for schemathesis to hold us to it.
ERROR_SCHEMAS: dict[int, type[Schema]] = {
    400: Error,  # a body that is not JSON
    401: Error,  # no token, a malformed one, or one that is not valid
    403: Error,
    404: Error,
    409: Error,
    413: Error,  # a body over DATA_UPLOAD_MAX_MEMORY_SIZE
    422: InvalidInput,
    429: Error,  # too many wrong anonymous receipt codes this minute
}


def responses(success: dict[int, Any], *errors: int) -> dict[int, Any]:
    """The `response=` of an authenticated operation: its successes, 401 and `errors`."""
    return public_responses(success, 401, *errors)


def public_responses(success: dict[int, Any], *errors: int) -> dict[int, Any]:
    """The `response=` of an operation open to anyone (no token, so no 401)."""
    result: dict[int, Any] = dict(success)
    for status in errors:
        result[status] = ERROR_SCHEMAS[status]
    return result


class DutyOut(Schema):
    duty: Duty
    title: str
    deputy: str | None


class OrganisationOut(Schema):
    name: str
    slug: str
    code: str
    kind: OrganisationKind
    trust: str | None
    duties: list[DutyOut]


class MeOut(Schema):
    email: str
    full_name: str
    organisations: list[OrganisationOut]
