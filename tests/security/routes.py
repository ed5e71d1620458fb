"""Finding every route, filling in its identifiers, and naming the answer a request got.

Used by the authorization matrix's tests; the table itself is access_matrix.py.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.urls import URLPattern, URLResolver, get_resolver, resolve, reverse
from django.urls.exceptions import Resolver404

from incidentdesk.api.api import api

from .world import Side

API_NAMESPACE = "api-v1"


@dataclass(frozen=True)
class Route:
    name: str  # "namespace:name"
    pattern: str
    kwargs: tuple[str, ...]  # the identifiers the URL takes


def page_routes() -> dict[str, Route]:
    """Every named route Django resolves, but the API's (which has its own table by operation)."""
    found: dict[str, Route] = {}

    def walk(resolver: URLResolver, prefix: str, namespace: str) -> None:
        for entry in resolver.url_patterns:
            if isinstance(entry, URLResolver):
                inner = namespace
                if entry.namespace:
                    inner = f"{namespace}:{entry.namespace}" if namespace else entry.namespace
                walk(entry, prefix + str(entry.pattern), inner)
            elif isinstance(entry, URLPattern):
                name = f"{namespace}:{entry.name}" if namespace else str(entry.name)
                if getattr(entry.callback, "__module__", "") == "ninja.operation":
                    continue  # an API operation: in the API's table, by operation_id
                pattern = prefix + str(entry.pattern)
                found[name] = Route(
                    name, pattern, tuple(entry.pattern.converters) + _resolver_kwargs(prefix)
                )

    walk(get_resolver(), "", "")
    return found


def _resolver_kwargs(prefix: str) -> tuple[str, ...]:
    # Identifiers in an include's prefix (incidents/<str:reference>/...).
    names = []
    for piece in prefix.split("<")[1:]:
        names.append(piece.split(">")[0].split(":")[-1])
    return tuple(names)


@dataclass(frozen=True)
class Operation:
    operation_id: str
    method: str
    path: str  # with {placeholders}
    body: dict[str, Any] | None
    multipart: bool


def api_operations() -> dict[str, Operation]:
    """Every operation of the API, from its OpenAPI document (ninja builds both from one list)."""
    schema = api.get_openapi_schema(path_prefix="/api/v1/")
    components = schema.get("components", {}).get("schemas", {})
    found: dict[str, Operation] = {}
    for path, methods in schema["paths"].items():
        for method, spec in methods.items():
            body = None
            multipart = False
            content = spec.get("requestBody", {}).get("content", {})
            if "application/json" in content:
                body = minimal(content["application/json"]["schema"], components)
            elif "multipart/form-data" in content:
                multipart = True
                body = minimal(content["multipart/form-data"]["schema"], components)
            found[spec["operationId"]] = Operation(
                spec["operationId"], method.upper(), path, body, multipart
            )
    return found


def minimal(schema: dict[str, Any], components: dict[str, Any]) -> Any:
    """The smallest value that passes the schema's checks, so the handler itself answers."""
    if "$ref" in schema:
        return minimal(components[schema["$ref"].rsplit("/", 1)[-1]], components)
    for key in ("anyOf", "oneOf", "allOf"):
        if key in schema:
            options = [s for s in schema[key] if s.get("type") != "null"]
            return minimal(options[0], components) if options else None
    if "enum" in schema:
        return schema["enum"][0]
    if "default" in schema and schema.get("type") != "object":
        return schema["default"]
    kind = schema.get("type")
    if kind == "object":
        props = schema.get("properties", {})
        return {name: minimal(props[name], components) for name in schema.get("required", [])}
    if kind == "array":
        return [minimal(schema.get("items", {}), components)] * schema.get("minItems", 0)
    if kind == "integer":
        return max(int(schema.get("minimum", 1)), 1)
    if kind == "number":
        return 1
    if kind == "boolean":
        return False
    if kind == "string":
        fmt = schema.get("format")
        if fmt == "date":
            return datetime.date.today().isoformat()
        if fmt == "date-time":
            return datetime.datetime.now(datetime.UTC).isoformat()
        if fmt == "email":
            return "nobody@example.org"
        if fmt == "binary":
            return None
        return "x" * max(schema.get("minLength", 1), 1)
    return None


def identifiers(side: Side, route_name: str) -> dict[str, Any]:
    """Values for every identifier a route may take, from one organisation's objects."""
    if route_name.startswith("governance:exception"):
        pk = side.exception_id
    elif route_name.startswith("governance:proposal"):
        pk = side.proposal_id
    else:
        pk = side.document_id
    return {
        "reference": side.incident.reference,
        "letter": "c",
        "evidence_id": side.evidence_id,
        "action_id": side.action_id,
        "attachment_id": side.attachment_id,
        "exception_id": side.exception_id,
        "pk": pk,
        "slug": side.organisation.slug,
        "document": "outcome-report",
        "file_format": "docx",
        "object_id": str(side.people["manager"].pk),
        "uidb64": "MQ",
        "token": "no-such-token",
    }


def page_url(route: Route, values: dict[str, Any]) -> str:
    return reverse(route.name, kwargs={k: values[k] for k in route.kwargs})


def api_url(operation: Operation, values: dict[str, Any]) -> str:
    return operation.path.format(**values)


def answer(response) -> str:
    """The answer as the table writes it: the status, and for a redirect, where to."""
    status = response.status_code
    if status not in (301, 302, 303, 307, 308):
        return str(status)
    location = response["Location"].split("?")[0]
    try:
        view = resolve(location).view_name
    except Resolver404:
        return "302"
    return {
        "accounts:sign_in": "302:sign_in",
        "accounts:second_factor": "302:code",
        "accounts:enrol": "302:enrol",
        "admin:login": "302:admin_login",
    }.get(view, "302")
