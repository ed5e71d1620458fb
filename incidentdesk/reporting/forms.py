"""The staff report form and the "add information" form.

The report form is one page, not question pages: the issue asks for a report in well
under a minute on a phone, so "what happened" and the way of reporting come first and every
other question is optional below them. Messages follow ux.md: say what is wrong and how to
fix it, the same words beside the field and in the error summary.

Date questions are the GOV.UK date input (day, month, year as three text boxes) plus a
free-text time, parsed here in Europe/London local time.
"""

from __future__ import annotations

import datetime
import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from django import forms
from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.utils import timezone

from incidentdesk.incidents.models import (
    KIND_PLAIN_WORDS,
    InformationCategory,
    InformationForm,
    Kind,
    PeopleCount,
    ReportingMode,
    Source,
    WhoseInformation,
)
from incidentdesk.organisations.models import Organisation

from .services import ReportDetails
from .uploads import MAX_FILES, UploadRefused, check_upload, safe_original_name

TEXT_MAX = 20_000
NOT_SURE = "not_sure"
# Only keys of this shape are kept: a UUID from the browser or from us, nothing longer.
_KEY_SHAPE = re.compile(r"^[A-Za-z0-9-]{16,100}$")


@dataclass(frozen=True)
class Choice:
    """One radio or checkbox, with a hint saying what choosing it means."""

    value: str
    label: str
    hint: str = ""
    # A "Not sure" checkbox unticks the others, and they untick it (GOV.UK's "none" option).
    exclusive: bool = False


MODE_CHOICES = (
    Choice(
        ReportingMode.NAMED,
        "With my name",
        "The people looking into it will know you reported it and can ask you about it.",
    ),
    Choice(
        ReportingMode.CONFIDENTIAL,
        "In confidence",
        "Only {manager} will see your name.",
    ),
    Choice(
        ReportingMode.ANONYMOUS,
        "Anonymously",
        "No one will know it was you. You will get a receipt code to follow it up. "
        "Leave your name out of what you write.",
    ),
)
KIND_CHOICES = (
    *(Choice(kind.value, words) for kind, words in KIND_PLAIN_WORDS.items()),
    Choice(NOT_SURE, "I'm not sure"),
)
SOURCE_CHOICES = (
    Choice(Source.STAFF, "No, someone at the school or trust found it"),
    Choice(Source.SUPPLIER, "Yes, a supplier told us"),
)


def _choices(text_choices: Any, *, exclusive: Sequence[str] = ()) -> tuple[Choice, ...]:
    return tuple(
        Choice(value, label, exclusive=value in exclusive) for value, label in text_choices.choices
    )


WHOSE_CHOICES = _choices(WhoseInformation, exclusive=[WhoseInformation.NOT_SURE])
COUNT_CHOICES = _choices(PeopleCount)
CATEGORY_CHOICES = _choices(InformationCategory, exclusive=[InformationCategory.NOT_KNOWN])
FORM_CHOICES = _choices(InformationForm)

# Field names of each optional section, so a section with an answer or a problem in it is
# shown open when the page comes back.
SECTIONS: dict[str, tuple[str, ...]] = {
    "about": (
        "reported_kind",
        "occurred_day",
        "occurred_month",
        "occurred_year",
        "occurred_time",
        "occurred_not_sure",
        "discovered_day",
        "discovered_month",
        "discovered_year",
        "discovered_time",
        "how_discovered",
        "location",
        "source",
        "supplier_name",
    ),
    "information": (
        "whose_information",
        "people_count",
        "information_categories",
        "information_forms",
    ),
    "people": ("people_involved", "already_done"),
    "files": ("attachments",),
}
DATE_PARTS = ("day", "month", "year")
_MONTHS = {
    name: number
    for number, names in enumerate(
        [
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ],
        start=1,
    )
    for name in names
}
# "9am", "9:30pm", "9.30 p.m." | "14:30", "9.05" | "14"
_TIME = re.compile(
    r"^(\d{1,2})(?:[:.](\d{2}))?\s*([ap])\.?\s*m?\.?$"
    r"|^(\d{1,2})[:.](\d{2})$"
    r"|^(\d{1,2})$"
)


def new_idempotency_key() -> str:
    """The server's own key, for a browser without JavaScript (report-form.js makes one too)."""
    return str(uuid.uuid4())


def local_zone() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


class DateProblem(ValueError):
    """A message for the person, and which of day / month / year / time it concerns."""

    def __init__(self, message: str, parts: Sequence[str]) -> None:
        super().__init__(message)
        self.message = message
        self.parts = tuple(parts)


def parse_time(text: str, *, subject: str) -> datetime.time:
    """'9:30am', '9.30 pm', '14:30', '2pm', '14' → a time; otherwise DateProblem."""
    cleaned = text.strip().lower().replace(" ", "")
    match = _TIME.match(cleaned)
    problem = DateProblem(f"{subject} must be a real time, like 9:30am or 14:30", ["time"])
    if match is None:
        raise problem
    if match.group(1) is not None:  # with am or pm
        hour, minute = int(match.group(1)), int(match.group(2) or 0)
        if not 1 <= hour <= 12:
            raise problem
        hour = hour % 12 + (12 if match.group(3) == "p" else 0)
    elif match.group(4) is not None:
        hour, minute = int(match.group(4)), int(match.group(5))
    else:
        hour, minute = int(match.group(6)), 0
    if hour > 23 or minute > 59:
        raise problem
    return datetime.time(hour, minute)


def parse_date(day: str, month: str, year: str, *, subject: str) -> datetime.date | None:
    """The GOV.UK date input's rules: None when all blank, else a real date or DateProblem."""
    values = {"day": day.strip(), "month": month.strip(), "year": year.strip()}
    missing = [part for part in DATE_PARTS if not values[part]]
    if len(missing) == 3:
        return None
    if missing:
        words = " and ".join(missing) if len(missing) == 2 else missing[0]
        raise DateProblem(f"{subject} must include a {words}", missing)
    month_number = _MONTHS.get(values["month"].lower().rstrip("."))
    if month_number is None and values["month"].isdigit():
        month_number = int(values["month"])
    if not re.fullmatch(r"\d{4}", values["year"]):
        raise DateProblem("Year must include 4 numbers", ["year"])
    try:
        if not values["day"].isdigit() or month_number is None:
            raise ValueError
        return datetime.date(int(values["year"]), month_number, int(values["day"]))
    except ValueError as exc:
        raise DateProblem(f"{subject} must be a real date", DATE_PARTS) from exc


@dataclass(frozen=True)
class Problem:
    """One thing to fix: the message, the id the error summary links to, the parts in error."""

    message: str
    anchor: str
    parts: frozenset[str] = frozenset()


def _text(label: str, *, required_message: str = "", max_length: int = TEXT_MAX) -> forms.CharField:
    return forms.CharField(
        label=label,
        required=bool(required_message),
        max_length=max_length,
        error_messages={
            "required": required_message,
            "max_length": f"{label} must be {max_length:,} characters or fewer",
            "null_characters_not_allowed": f"{label} must not contain special characters",
        },
    )


def _part() -> forms.CharField:
    return forms.CharField(required=False, max_length=20, strip=True)


def _choice(choices: Sequence[Choice], message: str) -> forms.ChoiceField:
    return forms.ChoiceField(
        required=False,
        choices=[(c.value, c.label) for c in choices],
        error_messages={"invalid_choice": message},
    )


def _multiple(choices: Sequence[Choice], message: str) -> forms.MultipleChoiceField:
    return forms.MultipleChoiceField(
        required=False,
        choices=[(c.value, c.label) for c in choices],
        error_messages={"invalid_choice": message, "invalid_list": message},
    )


class ReportForm(forms.Form):
    """Everything a member of staff can tell us; only "what happened" is required.

    `organisations` are the ones the person belongs to; with more than one, they say which
    the report is about. Files come in `files["attachments"]` and are checked here, so a
    refused file gets its message beside the file question with the rest kept.
    """

    what_happened = _text("What happened", required_message="Enter what happened")
    mode = forms.ChoiceField(
        required=False,
        choices=ReportingMode.choices,
        error_messages={"invalid_choice": "Choose how you want to report"},
    )
    reported_kind = _choice(KIND_CHOICES, "Choose which is closest to what happened")
    occurred_day = _part()
    occurred_month = _part()
    occurred_year = _part()
    occurred_time = _part()
    occurred_not_sure = forms.BooleanField(required=False)
    discovered_day = _part()
    discovered_month = _part()
    discovered_year = _part()
    discovered_time = _part()
    how_discovered = _text("How it was found out")
    location = _text("Where it happened", max_length=300)
    whose_information = _multiple(WHOSE_CHOICES, "Choose whose information was involved")
    people_count = _choice(COUNT_CHOICES, "Choose roughly how many people")
    information_categories = _multiple(CATEGORY_CHOICES, "Choose what information was involved")
    information_forms = _multiple(FORM_CHOICES, "Choose what form the information was in")
    people_involved = _text("The people involved")
    already_done = _text("What has already been done")
    source = _choice(SOURCE_CHOICES, "Choose whether a supplier told you about it")
    supplier_name = _text("The supplier's name", max_length=200)
    idempotency_key = forms.CharField(required=False, max_length=100)

    def __init__(
        self,
        *args: Any,
        organisations: Sequence[Organisation],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.organisations = list(organisations)
        self._by_slug = {o.slug: o for o in self.organisations}
        self._date_parts: dict[str, frozenset[str]] = {}
        self._upload_message = ""
        if len(self.organisations) > 1:
            self.fields["organisation"] = forms.ChoiceField(
                choices=[(o.slug, o.name) for o in self.organisations],
                error_messages={
                    "required": "Choose which school or trust this is about",
                    "invalid_choice": "Choose which school or trust this is about",
                },
            )
            # Straight after "what happened", where the page asks it.
            self.order_fields(["what_happened", "organisation"])

    # --- Checking ----------------------------------------------------------------------

    @property
    def uploads(self) -> list[UploadedFile]:
        return list(self.files.getlist("attachments")) if self.files else []

    def clean_idempotency_key(self) -> str:
        key = self.cleaned_data.get("idempotency_key", "")
        return key if _KEY_SHAPE.match(key) else ""

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        now = timezone.localtime(timezone.now(), local_zone())
        occurred_on = occurred_time = None
        if not data.get("occurred_not_sure"):
            occurred_on, occurred_time = self._date_and_time(
                "occurred",
                subject="The date it happened",
                time_subject="The time it happened",
                now=now,
            )
        discovered_on, discovered_time = self._date_and_time(
            "discovered",
            subject="The date it was found out",
            time_subject="The time it was found out",
            now=now,
        )
        if (
            occurred_on
            and discovered_on
            and (occurred_on, occurred_time or datetime.time.min)
            > (discovered_on, discovered_time or datetime.time.max)
        ):
            self._date_problem(
                "discovered",
                DateProblem(
                    "The date it was found out must be the same as or after the date it happened",
                    DATE_PARTS,
                ),
            )
        data["occurred_on"] = occurred_on
        data["occurred_time"] = occurred_time
        data["discovered_at"] = (
            datetime.datetime.combine(
                discovered_on, discovered_time or datetime.time.min, tzinfo=local_zone()
            )
            if discovered_on
            else None
        )
        if data.get("source") != Source.SUPPLIER:
            data["supplier_name"] = ""
        self._check_uploads()
        return data

    def _date_and_time(
        self, name: str, *, subject: str, time_subject: str, now: datetime.datetime
    ) -> tuple[datetime.date | None, datetime.time | None]:
        raw = {part: self.data.get(f"{name}_{part}", "") or "" for part in (*DATE_PARTS, "time")}
        try:
            day = parse_date(raw["day"], raw["month"], raw["year"], subject=subject)
            time = parse_time(raw["time"], subject=time_subject) if raw["time"].strip() else None
            if day is None and time is not None:
                raise DateProblem(f"Enter {subject.lower()}, or take out the time", DATE_PARTS)
            if day is not None and day > now.date():
                raise DateProblem(f"{subject} must be today or in the past", DATE_PARTS)
            if day == now.date() and time is not None and time > now.time():
                raise DateProblem(f"{time_subject} must be in the past", ["time"])
        except DateProblem as problem:
            self._date_problem(name, problem)
            return None, None
        return day, time

    def _date_problem(self, name: str, problem: DateProblem) -> None:
        self._date_parts[name] = frozenset(problem.parts)
        self.add_error(f"{name}_{problem.parts[0]}", problem.message)

    def _check_uploads(self) -> None:
        uploads = self.uploads
        if len(uploads) > MAX_FILES:
            self._upload_message = f"Choose {MAX_FILES} files or fewer"
            return
        for upload in uploads:
            try:
                check_upload(upload)
            except UploadRefused as refused:
                self._upload_message = f"{refused} Choose the files again"
                return

    def _post_clean(self) -> None:
        # Files cannot come back in the page: when anything else needs fixing, say beside
        # the file question that the chosen files must be chosen again.
        if self._upload_message:
            self.add_upload_problem(self._upload_message)
        elif self._errors:
            self.ask_for_files_again()

    def ask_for_files_again(self) -> None:
        if self.uploads and "attachments" not in self.errors:
            names = ", ".join(safe_original_name(u.name or "") for u in self.uploads)
            self.add_upload_problem(
                f"Choose {names} again: files are not kept while something else needs fixing"
            )

    def add_upload_problem(self, message: str) -> None:
        """A problem with the files, beside the file question (which is not a form field)."""
        self._errors.setdefault("attachments", self.error_class()).append(message)

    # --- What the view needs -----------------------------------------------------------

    @property
    def organisation(self) -> Organisation:
        if len(self.organisations) == 1:
            return self.organisations[0]
        return self._by_slug[self.cleaned_data["organisation"]]

    @property
    def reporting_mode(self) -> str:
        """Named unless the person chose otherwise (the page shows "With my name" chosen)."""
        return self.cleaned_data.get("mode") or ReportingMode.NAMED

    def details(self) -> ReportDetails:
        data = self.cleaned_data
        kind = data.get("reported_kind") or ""
        return ReportDetails(
            what_happened=data["what_happened"],
            reported_kind=kind if kind in Kind.values else "",
            occurred_on=data["occurred_on"],
            occurred_time=data["occurred_time"],
            discovered_at=data["discovered_at"],
            how_discovered=data.get("how_discovered", ""),
            location=data.get("location", ""),
            whose_information=list(data.get("whose_information") or []),
            people_count=data.get("people_count") or "",
            information_categories=list(data.get("information_categories") or []),
            information_forms=list(data.get("information_forms") or []),
            people_involved=data.get("people_involved", ""),
            already_done=data.get("already_done", ""),
            source=data.get("source") or Source.STAFF,
            supplier_name=data.get("supplier_name", ""),
        )

    def problems(self) -> dict[str, Problem]:
        """Each question's problem, in the page's order, keyed by question.

        A date's problem is keyed by the date ("occurred") and links to its first part in
        error; the error summary and the message beside the question use the same words.
        """
        found: dict[str, Problem] = {}
        for name in [*self.fields, "attachments"]:
            if name not in self.errors:
                continue
            message = str(self.errors[name][0])
            group, _, part = name.rpartition("_")
            if group in ("occurred", "discovered") and part in (*DATE_PARTS, "time"):
                if group not in found:
                    found[group] = Problem(
                        message, f"id_{name}", self._date_parts.get(group, frozenset({part}))
                    )
            else:
                found[name] = Problem(message, f"id_{name}")
        return found

    def date_values(self, name: str) -> dict[str, Any]:
        """What the person typed in a date question, for the page to show again."""

        def typed(part: str) -> str:
            return str(self[f"{name}_{part}"].value() or "")

        widths = {"day": 2, "month": 2, "year": 4}
        not_sure = f"{name}_not_sure"
        return {
            "parts": [
                {
                    "part": part,
                    "label": part.capitalize(),
                    "width": widths[part],
                    "value": typed(part),
                }
                for part in DATE_PARTS
            ],
            "time": typed("time"),
            "not_sure": not_sure in self.fields and bool(self[not_sure].value()),
        }

    def open_sections(self) -> set[str]:
        """The optional sections to show open: those with an answer or a problem in them."""
        if not self.is_bound:
            return set()
        problems = set(self.errors)
        opened = set()
        for section, names in SECTIONS.items():
            for name in names:
                if name in problems:
                    opened.add(section)
                value = self.data.getlist(name) if hasattr(self.data, "getlist") else []
                if name == "source":
                    value = [v for v in value if v != Source.STAFF]
                if any(str(v).strip() for v in value):
                    opened.add(section)
        return opened


def choice_items(
    field: forms.BoundField, choices: Sequence[Choice], **hint_words: str
) -> list[dict[str, Any]]:
    """The radios or checkboxes of `field`, ticked as the person left them.

    Ids follow GOV.UK: the first item takes the question's id (so the error summary can
    link to it), the others `<id>-2`, `<id>-3`. `hint_words` fill `{name}` in the hints.
    """
    value = field.value()
    values = value if isinstance(value, list | tuple) else [value]
    chosen = {str(v) for v in values if v not in (None, "")}
    return [
        {
            "value": choice.value,
            "label": choice.label,
            "hint": choice.hint.format(**hint_words) if hint_words else choice.hint,
            "id": field.auto_id if n == 1 else f"{field.auto_id}-{n}",
            "checked": choice.value in chosen,
            "exclusive": choice.exclusive,
        }
        for n, choice in enumerate(choices, start=1)
    ]


class AddInformationForm(forms.Form):
    body = _text("Information to add", required_message="Enter the information you want to add")
