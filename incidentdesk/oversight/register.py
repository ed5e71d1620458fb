"""The register: every incident of the viewer's organisations they may see, filtered,
sorted and paged so a page costs the same at a thousand incidents or a million.

- Who: `rules.may_see` decides who may use it; the rows are
  `incidents_visible_to(person)` within the organisations where the person holds a
  register duty (and, for a trust's duty, its schools). The incident manager sees all of
  them; the DPO and SIRO what `incidents_visible_to` gives them.
- Cost: a fixed number of queries whatever the size (the organisations, the policies
  and the severity levels for the filters; the page; a count capped at `COUNT_CAP`). No
  `COUNT(*)` over the table: the count stops at `COUNT_CAP + 1` rows.
- Paging: keyset ("after this row" / "before this row"), so the hundredth page costs what
  the first does and a new report does not shift the pages under someone reading them.
- Indexes: each filter is on `Incident.Meta.indexes` led by the organisation, then the
  field, then `reported_at` (the default sort); bench/register_explain.py shows the plans.
- Search: `icontains` over the reference, what happened, how it was discovered, where,
  what was already done, the supplier's name, the reason for the severity and the
  closure reason. Not over people's names: the register is not a way to look people up.
"""

from __future__ import annotations

import base64
import binascii
import datetime
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connection
from django.db.models import (
    Case,
    Exists,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.expressions import RawSQL
from django.db.models.functions import Coalesce
from django.utils import timezone

from incidentdesk.deadlines.models import Deadline
from incidentdesk.incidents import rules as incident_rules
from incidentdesk.incidents.models import Incident
from incidentdesk.incidents.selectors import incidents_visible_to
from incidentdesk.organisations.models import (
    Duty,
    InformationPolicy,
    Organisation,
    SeverityLevel,
)

from .rules import REGISTER_DUTIES

PAGE_SIZE = 50
# A count beyond this is "more than 1,000": counting further would read every row.
COUNT_CAP = 1000
SEARCH_MAX_LENGTH = 100
SEARCHED_FIELDS = (
    "reference",
    "what_happened",
    "how_discovered",
    "location",
    "already_done",
    "supplier_name",
    "severity_reason",
    "closure_reason",
)

SEARCHED_IN_WORDS = (
    "reference, what happened, how it was found, where, what was done straight away, "
    "the supplier's name, the reason for the severity and the reason for closing"
)

PAGE_COLUMNS = (
    "reference",
    "organisation__name",
    "organisation__slug",
    "organisation__profile_id",
    "organisation__trust_id",
    "state",
    "reported_at",
    "kind",
    "category",
    "severity",
    "severity_rank",
    "severity_order",
    "state_order",
    "is_serious",
    "mode",
)


@dataclass(frozen=True)
class SortKey:
    name: str  # a field of Incident
    descending: bool
    kind: str  # how its value is written in a cursor: "datetime", "int" or "str"


SORTS: dict[str, tuple[str, tuple[SortKey, ...]]] = {
    "newest": (
        "Newest reported first",
        (SortKey("reported_at", True, "datetime"), SortKey("pk", True, "int")),
    ),
    "oldest": (
        "Oldest reported first",
        (SortKey("reported_at", False, "datetime"), SortKey("pk", False, "int")),
    ),
    "severity": (
        "Most severe first",
        (
            SortKey("severity_order", True, "int"),  # 0 for not classified: last
            SortKey("reported_at", True, "datetime"),
            SortKey("pk", True, "int"),
        ),
    ),
    "state": (
        "By state, from reported to closed",
        (
            SortKey("state_order", False, "int"),
            SortKey("reported_at", True, "datetime"),
            SortKey("pk", True, "int"),
        ),
    ),
    "reference": ("By reference", (SortKey("reference", False, "str"),)),
}
DEFAULT_SORT = "newest"


class BadCursor(ValueError):
    """A cursor the register did not give (or gave for another sort)."""


@dataclass(frozen=True)
class ScopeOrganisation:
    """An organisation of the register's scope: what its filters and rows need."""

    pk: int
    name: str
    slug: str
    trust_id: int | None
    managed: bool  # the person is its incident manager, or its trust's


@dataclass(frozen=True)
class ScopePolicy:
    pk: int
    name: str


@dataclass(frozen=True)
class RegisterScope:
    """What the person's register covers, and the choices its filters offer."""

    organisations: list[ScopeOrganisation]
    policies: list[ScopePolicy]
    severities: list[tuple[str, str]]  # (key, name), most severe first

    @property
    def organisation_ids(self) -> list[int]:
        return [organisation.pk for organisation in self.organisations]

    @property
    def managed_ids(self) -> list[int]:
        """Where the person is the incident manager (or their trust's)."""
        return [o.pk for o in self.organisations if o.managed]

    @property
    def overseen_ids(self) -> list[int]:
        """Where the person is the DPO or SIRO only."""
        return [o.pk for o in self.organisations if not o.managed]


@dataclass
class RegisterFilters:
    organisations: Sequence[int] = ()
    states: Sequence[str] = ()
    kinds: Sequence[str] = ()
    categories: Sequence[str] = ()
    severities: Sequence[str] = ()
    policies: Sequence[int] = ()
    reported_from: datetime.date | None = None
    reported_to: datetime.date | None = None
    overdue: bool = False
    search: str = ""
    sort: str = DEFAULT_SORT

    def as_record(self) -> dict[str, Any]:
        """The filters as the audit log keeps them with an export: only those in use."""
        record = {
            "organisations": list(self.organisations),
            "states": list(self.states),
            "kinds": list(self.kinds),
            "categories": list(self.categories),
            "severities": list(self.severities),
            "policies": list(self.policies),
            "reported_from": self.reported_from.isoformat() if self.reported_from else None,
            "reported_to": self.reported_to.isoformat() if self.reported_to else None,
            "overdue": self.overdue,
            "search": self.search,
        }
        record = {name: value for name, value in record.items() if value}
        record["sort"] = self.sort
        return record


class RowOrganisation:
    """The organisation of a register row: only what a row shows."""

    __slots__ = ("name", "slug")

    def __init__(self, name: str, slug: str) -> None:
        self.name, self.slug = name, slug


# What a register row holds of its incident, as the model names it.
_ROW_FIELDS = (
    "pk",
    "reference",
    "state",
    "reported_at",
    "kind",
    "category",
    "severity",
    "severity_rank",
    "severity_order",
    "state_order",
    "is_serious",
    "mode",
    "severity_name",
    "is_overdue",
)


class RegisterRow:
    """One incident as the register shows it, read as a tuple (`ROW_COLUMNS`).

    Not a model instance: building fifty-one of them (and their organisations) cost the
    page more than its queries. Attribute names are the model's, so the tags, the API
    and the cursors read it as they would an `Incident`.
    """

    __slots__ = (*_ROW_FIELDS, "organisation", "reported_words")

    def __init__(self, values: Sequence[Any]) -> None:
        *own, name, slug = values
        for attribute, value in zip(_ROW_FIELDS, own, strict=True):
            setattr(self, attribute, value)
        self.organisation = RowOrganisation(name, slug)
        # "25 November 2026 at 9:05am", escaped: written once by the register's tags for
        # the table and the cards.
        self.reported_words: str | None = None

    @property
    def id(self) -> int:
        return self.pk


# The columns of `RegisterRow`, in its order.
ROW_COLUMNS = (*_ROW_FIELDS, "organisation__name", "organisation__slug")


@dataclass
class RegisterPage:
    incidents: list[RegisterRow]
    next_cursor: str | None
    previous_cursor: str | None
    count: int  # capped: COUNT_CAP + 1 means "more than COUNT_CAP"
    several_organisations: bool = False
    filters: RegisterFilters = field(default_factory=RegisterFilters)

    @property
    def count_is_capped(self) -> bool:
        return self.count > COUNT_CAP


def register_scope(person: incident_rules.Someone) -> RegisterScope:
    """The organisations the person's register covers, with its filters' choices.

    Three small queries: the organisations (where the person acts for a register duty,
    and a trust's schools), the information policies of their profiles, and their
    severity levels. An organisation's profile is its own, else its trust's. The
    person's duties come from `acting_duties`, asked once a request and shared with the
    menu and the page's rule.
    """
    if not incident_rules.is_signed_in(person):
        return RegisterScope(organisations=[], policies=[], severities=[])
    acting = incident_rules.acting_duties(person)
    held = {pk for pk, duty in acting if duty in REGISTER_DUTIES}
    managed = {pk for pk, duty in acting if duty == Duty.INCIDENT_MANAGER}
    if not held:
        return RegisterScope(organisations=[], policies=[], severities=[])
    # Tuples, not model instances: a trust's scope is dozens of schools.
    found = (
        Organisation.objects.filter(Q(pk__in=held) | Q(trust_id__in=held))
        .annotate(effective_profile_id=Coalesce("profile_id", "trust__profile_id"))
        .order_by("name", "pk")
        .values_list("pk", "name", "slug", "trust_id", "effective_profile_id")
    )
    organisations, profile_ids = [], set()
    for pk, name, slug, trust_id, profile_id in found:
        # Managed here or through its trust: every incident of it is the person's to see.
        managed_here = pk in managed or trust_id in managed
        organisations.append(ScopeOrganisation(pk, name, slug, trust_id, managed_here))
        if profile_id is not None:
            profile_ids.add(profile_id)
    if not profile_ids:
        return RegisterScope(organisations=organisations, policies=[], severities=[])
    policies = [
        ScopePolicy(pk, name)
        for pk, name in InformationPolicy.objects.filter(profile_id__in=profile_ids)
        .order_by("order", "name", "pk")
        .values_list("pk", "name")
    ]
    severities: dict[str, str] = {}
    for key, name in (
        SeverityLevel.objects.filter(profile_id__in=profile_ids)
        .order_by("-rank", "key")
        .values_list("key", "name")
    ):
        severities.setdefault(key, name)
    return RegisterScope(
        organisations=organisations, policies=policies, severities=list(severities.items())
    )


def _local_midnight(day: datetime.date) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time.min, tzinfo=ZoneInfo(settings.TIME_ZONE))


def overdue_deadlines() -> QuerySet[Deadline]:
    """An incident's deadlines that are open and past due, for an EXISTS."""
    return Deadline.objects.filter(
        incident_id=OuterRef("pk"),
        met_at__isnull=True,
        withdrawn_at__isnull=True,
        due_at__lt=timezone.now(),
    )


def register_rows(
    person: incident_rules.Someone, scope: RegisterScope, filters: RegisterFilters
) -> QuerySet[Incident]:
    """The incidents the register shows for `filters`, unordered (one query, lazily).

    `incidents_visible_to(person)` within the scope's organisations. Where the person is
    the incident manager, that is every incident of the organisation (its first two
    reasons), so the rule's other reasons, asked row by row, are left out there: the
    rows are the same, and the page reads only what its index gives.
    """
    managed, overseen = scope.managed_ids, scope.overseen_ids
    if not overseen:
        rows = Incident.objects.filter(organisation_id__in=managed)
    elif not managed:
        rows = incidents_visible_to(person).filter(organisation_id__in=overseen)
    else:
        visible = incidents_visible_to(person).filter(organisation_id__in=overseen)
        rows = Incident.objects.filter(
            Q(organisation_id__in=managed) | Q(pk__in=visible.values("pk"))
        )
    if filters.organisations:
        rows = rows.filter(organisation_id__in=filters.organisations)
    if filters.states:
        rows = rows.filter(state__in=filters.states)
    if filters.kinds:
        rows = rows.filter(kind__in=filters.kinds)
    if filters.categories:
        rows = rows.filter(category__in=filters.categories)
    if filters.severities:
        rows = rows.filter(severity__in=filters.severities)
    if filters.policies:
        breached = Incident.policies_breached.through.objects.filter(
            incident_id=OuterRef("pk"), informationpolicy_id__in=filters.policies
        )
        rows = rows.filter(Exists(breached))
    if filters.reported_from:
        rows = rows.filter(reported_at__gte=_local_midnight(filters.reported_from))
    if filters.reported_to:
        next_day = filters.reported_to + datetime.timedelta(days=1)
        rows = rows.filter(reported_at__lt=_local_midnight(next_day))
    if filters.overdue:
        rows = rows.filter(Exists(overdue_deadlines()))
    if filters.search:
        words = Q()
        for name in SEARCHED_FIELDS:
            words |= Q(**{f"{name}__icontains": filters.search})
        rows = rows.filter(words)
    return rows


def sorted_rows(
    rows: QuerySet[Incident], sort: str, *, reverse: bool = False
) -> QuerySet[Incident]:
    """`rows` in the order of `sort` (backwards when `reverse`, to page back)."""
    keys = SORTS[sort][1]
    ordering = [
        F(key.name).asc() if key.descending == reverse else F(key.name).desc() for key in keys
    ]
    return rows.order_by(*ordering)


# --- Cursors ------------------------------------------------------------------------------


def _cursor_value(incident: Incident | RegisterRow, key: SortKey) -> Any:
    value = getattr(incident, key.name)
    if key.kind == "datetime":
        return value.isoformat()
    return value


def encode_cursor(sort: str, incident: Incident | RegisterRow) -> str:
    values = [_cursor_value(incident, key) for key in SORTS[sort][1]]
    raw = json.dumps([sort, values], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(sort: str, cursor: str) -> list[Any]:
    """The sort values a cursor holds; BadCursor if it is not one of ours for `sort`."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        given_sort, values = json.loads(raw)
        keys = SORTS[sort][1]
        if given_sort != sort or not isinstance(values, list) or len(values) != len(keys):
            raise BadCursor
        decoded: list[Any] = []
        for key, value in zip(keys, values, strict=True):
            if key.kind == "datetime":
                moment = datetime.datetime.fromisoformat(value)
                if timezone.is_naive(moment):
                    raise BadCursor
                decoded.append(moment)
            elif key.kind == "int":
                if not isinstance(value, int) or isinstance(value, bool):
                    raise BadCursor
                decoded.append(value)
            else:
                if not isinstance(value, str):
                    raise BadCursor
                decoded.append(value)
        return decoded
    except (binascii.Error, UnicodeDecodeError, ValueError, TypeError, KeyError):
        raise BadCursor from None


def _beyond(keys: Sequence[SortKey], values: Sequence[Any], *, reverse: bool) -> Q:
    """Rows after the cursor's row in the sort (before it when `reverse`)."""
    condition = Q()
    equal = Q()
    for key, value in zip(keys, values, strict=True):
        later = key.descending != reverse
        step = Q(**{f"{key.name}__{'lt' if later else 'gt'}": value})
        condition |= equal & step
        equal &= Q(**{key.name: value})
    return condition


# --- The page -----------------------------------------------------------------------------


def severity_names() -> Subquery:
    """The incident's severity level's name in its own profile (a school's, else its
    trust's), asked in the page's query so a tag costs no query per row."""
    return Subquery(
        SeverityLevel.objects.filter(
            key=OuterRef("severity"),
            profile_id=Coalesce(
                OuterRef("organisation__profile_id"), OuterRef("organisation__trust__profile_id")
            ),
        ).values("name")[:1]
    )


def capped_count(rows: QuerySet[Incident]) -> int:
    """How many rows match, counting no further than COUNT_CAP + 1."""
    return rows.order_by().values("pk")[: COUNT_CAP + 1].count()


# An organisation id no organisation has (ids start at 1), replaced in `page_ids`.
_ORGANISATION_MARKER = -7_070_707


def _column(key: SortKey) -> str:
    return "id" if key.name == "pk" else key.name


def page_ids(
    rows: QuerySet[Incident],
    sort: str,
    organisation_ids: Sequence[int],
    *,
    beyond: Q | None = None,
    reverse: bool = False,
    limit: int = PAGE_SIZE + 1,
) -> QuerySet[Incident] | RawSQL:
    """The ids of the page's rows, as a subquery for `pk__in` (read through indexes only).

    Neither SQLite nor PostgreSQL merges the ordered index ranges of several
    organisations: asked for `organisation_id IN (...)` in a sort, they read every row of
    every school and sort them. So for a trust, each organisation's first `limit` rows are
    read on their own (one index range each, stopping at `limit`), and only those few
    are merged: a page costs what the number of schools makes it, not the table.
    """
    page_rows = sorted_rows(rows, sort, reverse=reverse)
    if beyond is not None:
        page_rows = page_rows.filter(beyond)
    if len(organisation_ids) <= 1:
        return page_rows.values("pk")[:limit]
    keys = SORTS[sort][1]
    columns = [_column(key) for key in keys]
    if "id" not in columns:
        columns.append("id")
    order = ", ".join(
        f"o.{_column(key)} {'ASC' if key.descending == reverse else 'DESC'}" for key in keys
    )
    if connection.vendor == "postgresql":
        # One subquery, planned once, run for each organisation (LATERAL).
        one = page_rows.filter(organisation_id=RawSQL("register_org.id", ())).values_list(*columns)
        sql, params = one[:limit].query.sql_with_params()
        merged = (
            "SELECT o.id FROM unnest(%s::bigint[]) AS register_org(id) "  # noqa: S608
            f"CROSS JOIN LATERAL ({sql}) AS o ORDER BY {order} LIMIT {int(limit)}"
        )
        return RawSQL(merged, (list(organisation_ids), *params))  # noqa: S611
    # SQLite has no LATERAL: the same query for each organisation, joined by UNION ALL.
    # It is made once, with a marker where the organisation's id goes.
    one = page_rows.filter(organisation_id=_ORGANISATION_MARKER).values_list(*columns)[:limit]
    sql, one_params = one.query.sql_with_params()
    at = [n for n, value in enumerate(one_params) if value == _ORGANISATION_MARKER]
    parts, params = [], []
    for n, organisation_id in enumerate(organisation_ids):
        parts.append(f"SELECT * FROM ({sql}) AS o{n}")  # noqa: S608 - Django's own SQL
        params.extend(organisation_id if i in at else value for i, value in enumerate(one_params))
    # Every value is a parameter; the names come from SORTS, the limit is a number.
    merged = (
        f"SELECT o.id FROM ({' UNION ALL '.join(parts)}) AS o "  # noqa: S608
        f"ORDER BY {order} LIMIT {int(limit)}"
    )
    return RawSQL(merged, params)  # noqa: S611


def page_query(
    rows: QuerySet[Incident],
    sort: str,
    organisation_ids: Sequence[int],
    *,
    after: str | None = None,
    before: str | None = None,
    limit: int = PAGE_SIZE + 1,
) -> QuerySet[Incident]:
    """`limit` rows from the cursor's row on, in the sort's order (backwards for
    `before`), with each row's organisation, severity name and whether it is overdue.
    One query: the ids come from `page_ids` as a subquery, so the severity names and
    deadlines are looked up for the page's rows only. BadCursor for a cursor the
    register did not give."""
    reverse = before is not None
    cursor = before if reverse else after
    beyond = None
    if cursor is not None:
        beyond = _beyond(SORTS[sort][1], decode_cursor(sort, cursor), reverse=reverse)
    ids = page_ids(rows, sort, organisation_ids, beyond=beyond, reverse=reverse, limit=limit)
    # Only the columns a row shows: an incident has some fifty, with long text and JSON.
    return sorted_rows(
        Incident.objects.filter(pk__in=ids)
        .select_related("organisation")
        .only(*PAGE_COLUMNS)
        .annotate(severity_name=severity_names(), is_overdue=Exists(overdue_deadlines())),
        sort,
        reverse=reverse,
    )


def page_organisations(scope: RegisterScope, filters: RegisterFilters) -> list[int]:
    """The organisations a page's rows may come from: the scope's, or those chosen."""
    if filters.organisations:
        chosen = set(filters.organisations)
        return [pk for pk in scope.organisation_ids if pk in chosen]
    return scope.organisation_ids


def register_page(
    person: incident_rules.Someone,
    scope: RegisterScope,
    filters: RegisterFilters,
    *,
    after: str | None = None,
    before: str | None = None,
    size: int = PAGE_SIZE,
    count: bool = True,
) -> RegisterPage:
    """One page of the register: `size` rows after the `after` cursor's row, or before
    the `before` cursor's row. Two queries (one without the count): the page, with each
    row's organisation, severity name and whether it is overdue; and the capped count.

    Raises BadCursor for a cursor the register did not give.
    """
    rows = register_rows(person, scope, filters)
    reverse = before is not None
    # One more than a page tells whether there is another, without counting.
    found = [
        RegisterRow(values)
        for values in page_query(
            rows,
            filters.sort,
            page_organisations(scope, filters),
            after=after,
            before=before,
            limit=size + 1,
        ).values_list(*ROW_COLUMNS)
    ]
    more = len(found) > size
    found = found[:size]
    if reverse:
        found.reverse()
    cursor_given = after is not None or before is not None
    has_next = more if not reverse else True
    has_previous = more if reverse else cursor_given
    return RegisterPage(
        incidents=found,
        next_cursor=encode_cursor(filters.sort, found[-1]) if found and has_next else None,
        previous_cursor=encode_cursor(filters.sort, found[0]) if found and has_previous else None,
        count=capped_count(rows) if count else 0,
        several_organisations=len(scope.organisations) > 1,
        filters=filters,
    )


def export_rows(
    person: incident_rules.Someone, scope: RegisterScope, filters: RegisterFilters
) -> QuerySet[Incident]:
    """The filtered rows in the register's order, for the exports.

    The reporter's name comes out of the database only for a named report (as
    `reporter_shown`): a confidential reporter's name never reaches an export, and an
    anonymous report has none. The policies breached come in one query per chunk.
    """
    rows = register_rows(person, scope, filters)
    return (
        sorted_rows(rows, filters.sort)
        .select_related("organisation")
        .prefetch_related("policies_breached")
        .annotate(
            severity_name=severity_names(),
            is_overdue=Exists(overdue_deadlines()),
            reporter_shown=Case(
                When(mode="named", then=F("reporter__full_name")),
                default=Value(""),
            ),
        )
    )
