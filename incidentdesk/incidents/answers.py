"""The report's answers in words, for the incident page and the documents made from it."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import TextChoices

from .models import (
    Incident,
    InformationCategory,
    InformationForm,
    PeopleCount,
    Source,
    WhoseInformation,
)

REMOVED = "Removed under the retention policy"


def labels(choices: type[TextChoices], values: Iterable[str]) -> str:
    words = []
    for value in values:
        try:
            words.append(str(choices(value).label))
        except ValueError:
            # A value from an older form: show it rather than lose it.
            words.append(str(value))
    return ", ".join(words)


def report_answers(incident: Incident) -> list[tuple[str, str]]:
    """The report's questions in the reporter's words, and what they answered.

    The reporter and how the report was made are shown apart (they need a decision:
    reveal or not), as are the kind and the times, which the template formats. After
    anonymisation (incidents/retention.py) the free text says it was removed, not that
    it was never given.
    """
    source = Source(incident.source).label if incident.source else ""
    if incident.source == Source.SUPPLIER and incident.supplier_name:
        source = f"{source}: {incident.supplier_name}"
    removed = incident.anonymised_at is not None

    def free_text(value: str) -> str:
        return REMOVED if removed else value

    return [
        ("Who it came from", source),
        ("What happened", incident.what_happened),
        ("How it was found", free_text(incident.how_discovered)),
        ("Where it happened", free_text(incident.location)),
        ("Whose information was involved", labels(WhoseInformation, incident.whose_information)),
        (
            "How many people’s information",
            PeopleCount(incident.people_count).label if incident.people_count else "",
        ),
        (
            "What information was involved",
            labels(InformationCategory, incident.information_categories),
        ),
        ("What form it was in", labels(InformationForm, incident.information_forms)),
        ("Who was involved", free_text(incident.people_involved)),
        ("What has been done already", free_text(incident.already_done)),
    ]
