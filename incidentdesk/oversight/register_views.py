"""The register's page and its exports. Thin: the rows come from `register`, who may
use it from `rules`, the files from `exports`.

Someone the register is not for gets a 403 (the page is not an object whose existence
could leak; the menu and the home page do not link it for them)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils.http import urlencode
from django.views.decorators.http import require_GET

from . import exports, rules
from .register import (
    COUNT_CAP,
    SEARCHED_IN_WORDS,
    SORTS,
    BadCursor,
    RegisterScope,
    register_page,
    register_scope,
)
from .register_forms import RegisterFilterForm

CURSOR_MAX_LENGTH = 400


def _allowed(request: HttpRequest) -> RegisterScope:
    if not rules.may_see(request.user):  # type: ignore[arg-type]
        raise PermissionDenied("The register is for incident managers, the DPO and the SIRO.")
    return register_scope(request.user)  # type: ignore[arg-type]


def _pairs(request: HttpRequest, *without: str) -> list[tuple[str, str]]:
    """The query string's filled-in values, less the `without` names."""
    return [
        (key, value)
        for key, values in request.GET.lists()
        if key not in without
        for value in values
        if value != ""
    ]


def _query_without(request: HttpRequest, *names: str) -> str:
    """The query string of the filters in use, without `names` (the paging, say)."""
    return urlencode(_pairs(request, *names))


def _chosen(request: HttpRequest) -> int:
    """How many of the filters under "More filters" are in use, for its summary."""
    boxes = ("organisation", "state", "kind", "category", "severity", "policy", "overdue")
    chosen = sum(len([v for v in request.GET.getlist(name) if v]) for name in boxes)
    for name in ("reported_from", "reported_to"):
        if any(request.GET.get(f"{name}_{part}") for part in ("day", "month", "year")):
            chosen += 1
    return chosen


def _cursor(request: HttpRequest, name: str) -> str | None:
    value = request.GET.get(name)
    if not value:
        return None
    return value[:CURSOR_MAX_LENGTH]


@login_required
@require_GET
def register(request: HttpRequest) -> HttpResponse:
    scope = _allowed(request)
    form = RegisterFilterForm(request.GET, scope=scope)
    page = None
    cursor_problem = False
    if form.is_valid():
        filters = form.filters()
        try:
            page = register_page(
                request.user,  # type: ignore[arg-type]
                scope,
                filters,
                after=_cursor(request, "after"),
                before=_cursor(request, "before") if not request.GET.get("after") else None,
            )
        except BadCursor:
            # A link from an old page or a typed address: start from the first page.
            cursor_problem = True
            page = register_page(request.user, scope, filters)  # type: ignore[arg-type]
    filters_query = _query_without(request, "after", "before")
    sort_in_use = form.cleaned_data["sort"] if form.is_valid() else None
    sort_links = [
        {
            "label": label,
            "url": "?" + urlencode([*_pairs(request, "after", "before", "sort"), ("sort", key)]),
            "current": key == sort_in_use,
        }
        for key, (label, _) in SORTS.items()
    ]
    context = {
        "current": "register",
        "form": form,
        "page": page,
        "error_links": form.error_links() if form.is_bound and not form.is_valid() else [],
        "cursor_problem": cursor_problem,
        "filters_query": filters_query,
        "sort_links": sort_links,
        "sort_label": SORTS[sort_in_use][0] if sort_in_use else "",
        "several_organisations": len(scope.organisations) > 1,
        "count_cap": COUNT_CAP,
        "searched": SEARCHED_IN_WORDS,
        "chosen": _chosen(request),
        "date_from": form.date_values("reported_from"),
        "date_to": form.date_values("reported_to"),
        "filtered": bool(_query_without(request, "after", "before", "sort")),
    }
    return render(request, "oversight/register.html", context)


def _export(request: HttpRequest, file_format: str) -> HttpResponse:
    scope = _allowed(request)
    form = RegisterFilterForm(request.GET, scope=scope)
    if not form.is_valid():
        return render(
            request,
            "oversight/register_export_problem.html",
            {
                "current": "register",
                "problem": "Correct the filters on the register, then download again.",
                "back": "?" + _query_without(request),
            },
            status=400,
        )
    try:
        export = exports.prepare_export(
            person=request.user,  # type: ignore[arg-type]
            scope=scope,
            filters=form.filters(),
            file_format=file_format,
        )
    except exports.TooManyRows:
        return render(
            request,
            "oversight/register_export_problem.html",
            {
                "current": "register",
                "problem": f"More than {exports.EXPORT_MAX_ROWS:,} incidents match. "
                "Narrow the filters, for example to a year, then download again.",
                "back": "?" + _query_without(request),
            },
            status=400,
        )
    disposition = f'attachment; filename="{export.filename}"'
    if file_format == "csv":
        response: HttpResponse = StreamingHttpResponse(
            exports.csv_lines(export.rows), content_type="text/csv; charset=utf-8"
        )
        response["Content-Disposition"] = disposition
        return response
    return FileResponse(
        exports.write_xlsx(export.rows),
        as_attachment=True,
        filename=export.filename,
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )


@login_required
@require_GET
def export_csv(request: HttpRequest) -> HttpResponse:
    return _export(request, "csv")


@login_required
@require_GET
def export_xlsx(request: HttpRequest) -> HttpResponse:
    return _export(request, "xlsx")
