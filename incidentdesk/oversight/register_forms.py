"""The register's filters, read from the query string: the page's GET form, the exports'
links and (through `filters_from`) nothing else. Bad input is a message beside the
field, never a 500: every field is optional and every value is checked against the
choices the person's register offers."""

from __future__ import annotations

import datetime
from typing import Any

from django import forms

from incidentdesk.incidents.models import Category, Kind, State
from incidentdesk.reporting.forms import DATE_PARTS, DateProblem, parse_date

from .register import DEFAULT_SORT, SEARCH_MAX_LENGTH, SORTS, RegisterFilters, RegisterScope

DATE_FIELDS = {"reported_from": "The first day", "reported_to": "The last day"}


def _choices(message: str) -> dict[str, str]:
    return {"invalid_choice": message, "invalid_list": message}


class RegisterFilterForm(forms.Form):
    organisation = forms.MultipleChoiceField(
        label="School or trust",
        required=False,
        error_messages=_choices("Choose schools from the list"),
    )
    state = forms.MultipleChoiceField(
        label="State",
        required=False,
        choices=State.choices,
        error_messages=_choices("Choose states from the list"),
    )
    kind = forms.MultipleChoiceField(
        label="Kind",
        required=False,
        choices=Kind.choices,
        error_messages=_choices("Choose kinds from the list"),
    )
    category = forms.MultipleChoiceField(
        label="Category",
        required=False,
        choices=Category.choices,
        error_messages=_choices("Choose categories from the list"),
    )
    severity = forms.MultipleChoiceField(
        label="Severity",
        required=False,
        error_messages=_choices("Choose severities from the list"),
    )
    policy = forms.MultipleChoiceField(
        label="Policy breached",
        required=False,
        error_messages=_choices("Choose policies from the list"),
    )
    overdue = forms.MultipleChoiceField(
        label="Overdue",
        required=False,
        choices=[("yes", "Only incidents with a deadline that has passed")],
        error_messages=_choices("Choose overdue from the list, or leave it empty"),
    )
    q = forms.CharField(
        label="Search",
        required=False,
        max_length=SEARCH_MAX_LENGTH,
        strip=True,
        error_messages={
            "max_length": f"Search must be {SEARCH_MAX_LENGTH} characters or fewer",
        },
    )
    # The sort comes from the page's own links: an unknown one is the default order.
    sort = forms.CharField(required=False, max_length=20)
    reported_from_day = forms.CharField(required=False, max_length=10)
    reported_from_month = forms.CharField(required=False, max_length=10)
    reported_from_year = forms.CharField(required=False, max_length=10)
    reported_to_day = forms.CharField(required=False, max_length=10)
    reported_to_month = forms.CharField(required=False, max_length=10)
    reported_to_year = forms.CharField(required=False, max_length=10)

    def __init__(self, data: Any, *, scope: RegisterScope) -> None:
        super().__init__(data)
        self.scope = scope
        self.fields["organisation"].choices = [(str(o.pk), o.name) for o in scope.organisations]
        self.fields["severity"].choices = scope.severities
        self.fields["policy"].choices = [(str(p.pk), p.name) for p in scope.policies]
        # Which date inputs to mark in error: {"reported_from": ("day",), ...}.
        self.date_problem_parts: dict[str, tuple[str, ...]] = {}

    def clean_sort(self) -> str:
        sort = self.cleaned_data.get("sort") or DEFAULT_SORT
        return sort if sort in SORTS else DEFAULT_SORT

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        days: dict[str, datetime.date | None] = {}
        for name, subject in DATE_FIELDS.items():
            parts = [str(data.get(f"{name}_{part}") or "") for part in DATE_PARTS]
            try:
                days[name] = parse_date(*parts, subject=subject)
            except DateProblem as problem:
                self.add_error(f"{name}_day", problem.message)
                self.date_problem_parts[name] = problem.parts
                days[name] = None
        start, end = days.get("reported_from"), days.get("reported_to")
        if start and end and start > end:
            self.add_error(
                "reported_to_day", "The last day must be the same as or after the first day"
            )
            self.date_problem_parts["reported_to"] = DATE_PARTS
        data["reported_from"], data["reported_to"] = start, end
        return data

    def date_error(self, name: str) -> str:
        errors = self.errors.get(f"{name}_day")
        return errors[0] if errors else ""

    def date_values(self, name: str) -> list[dict[str, Any]]:
        """The three boxes of a date input, with what was typed kept."""
        labels = {"day": "Day", "month": "Month", "year": "Year"}
        widths = {"day": 2, "month": 2, "year": 4}
        marked = self.date_problem_parts.get(name, ())
        return [
            {
                "part": part,
                "label": labels[part],
                "width": widths[part],
                "value": (self.data.get(f"{name}_{part}") or "")[:10] if self.is_bound else "",
                "error": part in marked,
            }
            for part in DATE_PARTS
        ]

    def error_links(self) -> list[tuple[str, str]]:
        """(the id to jump to, the message) for the error summary, in the page's order."""
        links = []
        for name in ("q", "organisation", "state", "kind", "category", "severity", "policy"):
            for message in self.errors.get(name, []):
                links.append((f"id_{name}", message))
        for name in DATE_FIELDS:
            message = self.date_error(name)
            if message:
                part = (self.date_problem_parts.get(name) or DATE_PARTS)[0]
                links.append((f"id_{name}_{part}", message))
        for name in ("overdue",):
            for message in self.errors.get(name, []):
                links.append((f"id_{name}", message))
        return links

    def filters(self) -> RegisterFilters:
        """The filters; call only when the form is valid."""
        data = self.cleaned_data
        return RegisterFilters(
            organisations=[int(pk) for pk in data["organisation"]],
            states=list(data["state"]),
            kinds=list(data["kind"]),
            categories=list(data["category"]),
            severities=list(data["severity"]),
            policies=[int(pk) for pk in data["policy"]],
            reported_from=data["reported_from"],
            reported_to=data["reported_to"],
            overdue=bool(data["overdue"]),
            search=data["q"],
            sort=data["sort"] or DEFAULT_SORT,
        )
