"""The register through the API (`get_register`, routed in api/routes/oversight.py).

The same rows, filters, order and keyset paging as the register's page
(oversight/register.py), in the API's words: organisations by slug, policies by name.
A caller who may not use the register gets a 403; a filter the caller's register does
not offer, or a cursor it did not give, a 422.
"""

from __future__ import annotations

import datetime
from typing import Literal

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from ninja import Query, Schema
from ninja.errors import ValidationError
from pydantic import Field

from incidentdesk.incidents.models import Category, Kind, State
from incidentdesk.oversight import register, rules

REGISTER_LIMIT_MAX = 100
BAD_REGISTER_CURSOR = (
    "This cursor was not given by get_register for this sort: start again without one."
)


class RegisterQuery(Schema):
    organisation: list[str] = Field(
        [], description="Only these organisations (slugs); a trust's schools are separate."
    )
    state: list[State] = Field([], description="Only incidents in these states.")
    kind: list[Kind] = Field([], description="Only incidents classified as these kinds.")
    category: list[Category] = Field([], description="Only these categories.")
    severity: list[str] = Field([], description="Only these severity keys, as “major”.")
    policy: list[str] = Field(
        [], description="Only incidents that breached these policies (names)."
    )
    reported_from: datetime.date | None = Field(None, description="Reported on or after this day.")
    reported_to: datetime.date | None = Field(None, description="Reported on or before this day.")
    overdue: bool = Field(False, description="Only incidents with an open deadline past due.")
    q: str = Field(
        "",
        max_length=register.SEARCH_MAX_LENGTH,
        description="Text to find in the reference, what happened, where and the other "
        "written fields (not people's names).",
    )
    sort: Literal["newest", "oldest", "severity", "state", "reference"] = "newest"
    limit: int = Field(50, ge=1, le=REGISTER_LIMIT_MAX)
    cursor: str | None = Field(None, max_length=400, description="The previous page's next_cursor.")


class RegisterRowOut(Schema):
    """One incident of the register. Never the reporter."""

    reference: str
    organisation: str = Field(description="The organisation's slug.")
    state: State
    kind: str = Field(description="Empty until classified.")
    category: str = Field(description="Empty until classified.")
    severity: str = Field(description="The profile's severity key; empty until classified.")
    severity_name: str
    is_serious: bool
    reported_at: datetime.datetime
    overdue: bool = Field(description="Has an open deadline past due.")


class RegisterPageOut(Schema):
    items: list[RegisterRowOut]
    next_cursor: str | None = Field(
        description="Pass as `cursor` for the next page; null on the last."
    )
    count: int = Field(description=f"How many match, counted up to {register.COUNT_CAP + 1}.")
    count_is_capped: bool = Field(description=f"More than {register.COUNT_CAP} match.")


def _query_error(name: str, message: str) -> ValidationError:
    return ValidationError([{"loc": ["query", name], "msg": message, "type": "value_error"}])


def _register_filters(
    query: RegisterQuery, scope: register.RegisterScope
) -> register.RegisterFilters:
    by_slug = {o.slug: o.pk for o in scope.organisations}
    unknown = [slug for slug in query.organisation if slug not in by_slug]
    if unknown:
        raise _query_error("organisation", f"Not in your register: {', '.join(unknown)}.")
    keys = {key for key, _ in scope.severities}
    unknown = [key for key in query.severity if key not in keys]
    if unknown:
        raise _query_error("severity", f"Not a severity of your policies: {', '.join(unknown)}.")
    policy_ids = [p.pk for p in scope.policies if p.name in set(query.policy)]
    unknown = sorted(set(query.policy) - {p.name for p in scope.policies})
    if unknown:
        raise _query_error("policy", f"Not an information policy of yours: {', '.join(unknown)}.")
    if query.reported_from and query.reported_to and query.reported_from > query.reported_to:
        raise _query_error("reported_to", "reported_to must be on or after reported_from.")
    return register.RegisterFilters(
        organisations=[by_slug[slug] for slug in query.organisation],
        states=list(query.state),
        kinds=list(query.kind),
        categories=list(query.category),
        severities=list(query.severity),
        policies=policy_ids,
        reported_from=query.reported_from,
        reported_to=query.reported_to,
        overdue=query.overdue,
        search=query.q.strip(),
        sort=query.sort,
    )


def get_register(request: HttpRequest, query: Query[RegisterQuery]) -> RegisterPageOut:
    """The incidents of your register (as on /oversight/register/), filtered and sorted,
    at most `limit` a page. Keyset paging: pass `next_cursor` back as `cursor` with the
    same filters and sort. A fixed number of queries whatever the size of the register.
    """
    person = request.auth  # type: ignore[attr-defined]
    if not rules.may_see(person):
        raise PermissionDenied("The register is for incident managers, the DPO and the SIRO.")
    scope = register.register_scope(person)
    filters = _register_filters(query, scope)
    try:
        page = register.register_page(person, scope, filters, after=query.cursor, size=query.limit)
    except register.BadCursor:
        raise _query_error("cursor", BAD_REGISTER_CURSOR) from None
    return RegisterPageOut(
        items=[
            RegisterRowOut(
                reference=i.reference,
                organisation=i.organisation.slug,
                state=i.state,
                kind=i.kind,
                category=i.category,
                severity=i.severity,
                severity_name=i.severity_name or i.severity,  # type: ignore[attr-defined]
                is_serious=i.is_serious,
                reported_at=i.reported_at,
                overdue=i.is_overdue,  # type: ignore[attr-defined]
            )
            for i in page.incidents
        ],
        next_cursor=page.next_cursor,
        count=page.count,
        count_is_capped=page.count_is_capped,
    )
