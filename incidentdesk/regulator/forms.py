"""Forms of the ICO pages. They parse what was typed and say what is missing; they never
save. Each form's cleaned data maps onto one service's arguments."""

from __future__ import annotations

from typing import Any

from django import forms

from incidentdesk.investigations.forms import DATETIME_FORMATS, DateTimeInput

from .models import Art34Exception, Audience, SubmissionKind

YES_NO = [("yes", "Yes"), ("no", "No")]
TEXT_MAX = 20_000


def _text(label: str, *, hint: str = "") -> forms.CharField:
    return forms.CharField(
        label=label,
        help_text=hint,
        required=False,
        max_length=TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"max_length": f"{label} must be {TEXT_MAX:,} characters or fewer"},
    )


def _when(label: str, *, hint: str = "") -> forms.DateTimeField:
    return forms.DateTimeField(
        label=label,
        help_text=hint,
        required=False,
        input_formats=DATETIME_FORMATS,
        widget=DateTimeInput(),
        error_messages={"invalid": f"{label} must be a real date and time"},
    )


class RequiredMessages(forms.Form):
    """Required fields with a message each in the user's words (ux.md), not Django's."""

    required_messages: dict[str, str] = {}

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        for name, message in self.required_messages.items():
            if name not in self.errors and cleaned.get(name) in (None, ""):
                self.add_error(name, message)
        return cleaned


class IcoDecisionForm(RequiredMessages):
    personal_data_of_living_people = forms.ChoiceField(
        label="Does the breach involve personal data of living people?",
        choices=YES_NO,
        widget=forms.RadioSelect,
        required=False,
    )
    risk_likely = forms.ChoiceField(
        label="Is it likely to result in a risk to people's rights and freedoms?",
        help_text="Think of distress, embarrassment, discrimination, fraud or danger, "
        "and whether what was done since has removed the risk.",
        choices=YES_NO,
        widget=forms.RadioSelect,
        required=False,
    )
    high_risk = forms.ChoiceField(
        label="Is it likely to result in a high risk to them?",
        help_text="A high risk means the people affected must be told as well.",
        choices=YES_NO,
        widget=forms.RadioSelect,
        required=False,
    )
    reasons = _text("Reasons for the decision")
    dpo_involved = forms.BooleanField(
        label="The data protection officer (DPO) took part in this decision", required=False
    )
    dpo_comments = _text("The DPO's advice", hint="Optional. The DPO can also add it themselves.")
    delay_reasons = _text(
        "Reasons for the delay",
        hint="Needed when the decision is made more than 72 hours after the school "
        "became aware of the breach.",
    )

    required_messages = {
        "personal_data_of_living_people": (
            "Select yes if personal data of living people is involved"
        ),
        "reasons": "Enter the reasons for the decision",
    }

    def __init__(self, *args: Any, late: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.late = late
        if not late:
            del self.fields["delay_reasons"]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        # A later question matters only when the one before it is "yes".
        if cleaned.get("personal_data_of_living_people") == "yes" and not cleaned.get(
            "risk_likely"
        ):
            self.add_error("risk_likely", "Select yes if a risk to people is likely")
        if cleaned.get("risk_likely") == "yes" and not cleaned.get("high_risk"):
            self.add_error("high_risk", "Select yes if the risk is high")
        if self.late and not (cleaned.get("delay_reasons") or "").strip():
            self.add_error(
                "delay_reasons", "Enter the reasons the decision took more than 72 hours"
            )
        return cleaned


class BecameAwareForm(RequiredMessages):
    at = _when(
        "When did the school become reasonably certain that a breach happened?",
        hint="The 72 hours run from this moment.",
    )
    reason = _text("Why this moment?")
    required_messages = {
        "at": "Enter the date and time the school became aware",
        "reason": "Enter why the school became aware at this moment",
    }


class SubmissionForm(RequiredMessages):
    kind = forms.ChoiceField(
        label="Which report was sent?",
        choices=SubmissionKind.choices,
        widget=forms.RadioSelect,
        required=False,
    )
    submitted_at = _when("When was it sent to the ICO?")
    ico_case_reference = forms.CharField(
        label="The ICO's case reference",
        help_text="The ICO gives it when the report is sent. A follow-up report needs it.",
        required=False,
        max_length=100,
        error_messages={"max_length": "The ICO's case reference must be 100 characters or fewer"},
    )
    notes = _text("Notes", hint="Optional.")
    required_messages = {
        "kind": "Select the report that was sent",
        "submitted_at": "Enter the date and time it was sent",
    }


class DpoCommentsForm(RequiredMessages):
    comments = _text("Your advice on the decision")
    required_messages = {"comments": "Enter your advice on the decision"}


class DataSubjectDecisionForm(RequiredMessages):
    high_risk = forms.ChoiceField(
        label="Is the breach likely to result in a high risk to the people affected?",
        choices=YES_NO,
        widget=forms.RadioSelect,
        required=False,
    )
    exception = forms.ChoiceField(
        label="Does one of the exceptions apply?",
        help_text="Only for a high risk. With (c), make a public communication instead.",
        choices=Art34Exception.choices,
        widget=forms.RadioSelect,
        required=False,
    )
    reasons = _text("Reasons for the decision")
    required_messages = {
        "high_risk": "Select yes if the risk to the people affected is high",
        "reasons": "Enter the reasons for the decision",
    }


class PeopleToldForm(RequiredMessages):
    audience = forms.ChoiceField(
        label="Who was told?", choices=Audience.choices, widget=forms.RadioSelect, required=False
    )
    told_at = _when("When were they told?")
    how = forms.CharField(
        label="How were they told?",
        help_text="For example, a letter sent home, an e-mail or a meeting.",
        required=False,
        max_length=200,
        error_messages={"max_length": "How they were told must be 200 characters or fewer"},
    )
    required_messages = {
        "audience": "Select who was told",
        "told_at": "Enter the date and time they were told",
        "how": "Enter how they were told",
    }
