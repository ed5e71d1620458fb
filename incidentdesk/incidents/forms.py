"""Forms of the incident pages. They validate and shape; they never save."""

from __future__ import annotations

from typing import Any

from django import forms

from incidentdesk.organisations.models import InformationPolicy, SeverityLevel

from .models import Category, Kind, PersonalData
from .services import ClassificationInput

MESSAGE_MAX_LENGTH = 5000


class MessageToReporterForm(forms.Form):
    body = forms.CharField(
        label="Write to the reporter",
        max_length=MESSAGE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 5}),
        error_messages={
            "required": "Enter your message to the reporter",
            "max_length": (f"Your message must be {MESSAGE_MAX_LENGTH:,} characters or fewer"),
        },
    )


# --- Handling: classification, the ENISA calculator, verification, assignment -------------

REASON_MAX_LENGTH = 5000

# The three security properties, in words a headteacher would use.
AFFECTED_CHOICES = [
    ("confidentiality", "Confidentiality: someone saw information they should not have"),
    ("integrity", "Integrity: information was changed, damaged or made unreliable"),
    ("availability", "Availability: information or a system could not be reached, or was lost"),
]

EASE_CHOICES = [
    ("negligible", "Negligible: very hard to tell who the people are"),
    ("limited", "Limited: possible, with other information"),
    ("significant", "Significant: easy, with a little other information"),
    ("maximum", "Maximum: the information names them"),
]
CONFIDENTIALITY_LOSS_CHOICES = [
    ("none", "No"),
    ("known", "Yes, by people we know, such as one parent"),
    ("unknown", "Yes, by people we do not know, or cannot tell"),
]
INTEGRITY_LOSS_CHOICES = [
    ("none", "No"),
    ("recoverable", "Yes, but it can be put right"),
    ("not_recoverable", "Yes, and it cannot be put right"),
]
AVAILABILITY_LOSS_CHOICES = [
    ("none", "No"),
    ("temporary", "Yes, for a while"),
    ("permanent", "Yes, for good"),
]


def _reason_field(label: str, required_message: str) -> forms.CharField:
    return forms.CharField(
        label=label,
        max_length=REASON_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={
            "required": required_message,
            "max_length": f"Write {REASON_MAX_LENGTH:,} characters or fewer",
        },
    )


class EnisaForm(forms.Form):
    """The ENISA calculator's questions. The data categories come from the report."""

    ease_of_identification = forms.ChoiceField(
        label="How easily could someone tell who the people are from the information?",
        choices=EASE_CHOICES,
        error_messages={"required": "Choose how easily the people could be identified"},
    )
    confidentiality_loss = forms.ChoiceField(
        label="Was the information seen by people who should not see it?",
        choices=CONFIDENTIALITY_LOSS_CHOICES,
        initial="none",
        required=False,
    )
    integrity_loss = forms.ChoiceField(
        label="Was the information changed or damaged?",
        choices=INTEGRITY_LOSS_CHOICES,
        initial="none",
        required=False,
    )
    availability_loss = forms.ChoiceField(
        label="Was the information lost, or out of reach?",
        choices=AVAILABILITY_LOSS_CHOICES,
        initial="none",
        required=False,
    )
    malicious = forms.BooleanField(label="Someone did it on purpose, meaning harm", required=False)


class ClassifyForm(forms.Form):
    """The incident manager's classification. Severity levels and policies come from the
    incident's profile, so both presets (and adjusted profiles) offer their own lists."""

    kind = forms.ChoiceField(
        label="What kind of incident is it?",
        choices=Kind.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose what kind of incident it is"},
    )
    category = forms.ChoiceField(
        label="What sort of incident is it?",
        choices=Category.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose what sort of incident it is"},
    )
    personal_data = forms.ChoiceField(
        label="Is personal information involved?",
        choices=PersonalData.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Say whether personal information is involved"},
    )
    affected = forms.MultipleChoiceField(
        label="What was affected?",
        choices=AFFECTED_CHOICES,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    policies_breached = forms.TypedMultipleChoiceField(
        label="Which of our information policies were breached?",
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": "Choose policies from the list"},
    )
    severity = forms.ChoiceField(
        label="How severe is it?",
        widget=forms.RadioSelect,
        error_messages={"required": "Choose the severity", "invalid_choice": "Choose the severity"},
    )
    severity_reason = _reason_field("Why this severity?", "Give the reason for the severity")
    safeguarding = forms.BooleanField(
        label="Children’s safeguarding information is involved", required=False
    )

    def __init__(
        self,
        *args: Any,
        severities: list[SeverityLevel],
        policies: list[InformationPolicy],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.severity_levels = severities
        self.fields["severity"].choices = [(level.key, level.name) for level in severities]  # type: ignore[attr-defined]
        self.fields["policies_breached"].choices = [(p.pk, p.name) for p in policies]  # type: ignore[attr-defined]

    def to_input(self, enisa: dict[str, Any] | None) -> ClassificationInput:
        data = self.cleaned_data
        affected = set(data["affected"])
        return ClassificationInput(
            kind=data["kind"],
            category=data["category"],
            personal_data=data["personal_data"],
            severity=data["severity"],
            severity_reason=data["severity_reason"].strip(),
            confidentiality_affected="confidentiality" in affected,
            integrity_affected="integrity" in affected,
            availability_affected="availability" in affected,
            policies_breached=tuple(data["policies_breached"]),
            safeguarding=data["safeguarding"],
            enisa=enisa,
        )


class VerifyForm(forms.Form):
    what_was_checked = _reason_field("What did you check?", "Say what you checked")


class AssignForm(forms.Form):
    investigator = forms.TypedChoiceField(
        label="Who will investigate it?",
        coerce=int,
        error_messages={
            "required": "Choose who will investigate it",
            "invalid_choice": "Choose someone from the list",
        },
    )

    def __init__(self, *args: Any, people: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["investigator"].choices = [("", "Choose someone"), *people]  # type: ignore[attr-defined]


class TransitionForm(forms.Form):
    """A change of state that the incident manager asks for; some need a reason.

    Prefixed with the action, so each form on the page has its own field ids; the action
    itself is posted as a plain `action` field beside it.
    """

    reason = forms.CharField(
        max_length=REASON_MAX_LENGTH,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"max_length": f"Write {REASON_MAX_LENGTH:,} characters or fewer"},
    )
