"""Forms of the investigation pages. They parse what was typed; they never save.

Which answers are required is the services' rule (`services.InvestigationRefused` says
which field, in words), so the fields here are optional and only turn text into dates,
numbers and people; a form's own messages are for what cannot be read at all ("Enter a
real date"). Each form's field names are the service's keyword arguments, so a view can
pass `cleaned_data` straight through.
"""

from __future__ import annotations

from typing import Any

from django import forms

from incidentdesk.incidents.models import Incident

from .models import ActionKind, ActionStatus, DisciplinaryDecision, RiskStatus, StepStatus
from .selectors import possible_action_owners

# The browser's own date and time pickers: usable with a phone's keyboard and a screen
# reader, and they send one unambiguous format back.
DATETIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"]
TEXT_MAX = 20_000
LINE_MAX = 200


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self) -> None:
        super().__init__(format="%Y-%m-%d")


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self) -> None:
        super().__init__(format="%Y-%m-%dT%H:%M")


def _line(label: str, *, hint: str = "", max_length: int = LINE_MAX) -> forms.CharField:
    return forms.CharField(
        label=label,
        help_text=hint,
        required=False,
        max_length=max_length,
        error_messages={"max_length": f"{label} must be {max_length} characters or fewer"},
    )


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
        help_text=hint or "For example, 27 March 2026 at 2:30pm",
        required=False,
        input_formats=DATETIME_FORMATS,
        widget=DateTimeInput(),
        error_messages={"invalid": f"{label} must be a real date and time"},
    )


def _date(label: str, *, hint: str = "") -> forms.DateField:
    return forms.DateField(
        label=label,
        help_text=hint,
        required=False,
        widget=DateInput(),
        error_messages={"invalid": f"{label} must be a real date"},
    )


class InvestigationForm(forms.Form):
    """A form about one incident: some choices (who may own an action) depend on it."""

    def __init__(self, *args: Any, incident: Incident, **kwargs: Any) -> None:
        self.incident = incident
        super().__init__(*args, **kwargs)

    def add_refusal(self, errors: dict[str, str]) -> None:
        """Shows a service's refusal beside the fields it names."""
        for name, message in errors.items():
            self.add_error(name if name in self.fields else None, message)


class StepForm(InvestigationForm):
    status = forms.ChoiceField(
        label="Have you completed this step?",
        required=False,
        choices=[
            (StepStatus.DONE, "Yes, it is complete"),
            (StepStatus.IN_PROGRESS, "No, I will come back to it later"),
            (StepStatus.NOT_APPLICABLE, "It does not apply to this incident"),
        ],
        widget=forms.RadioSelect,
        error_messages={"invalid_choice": "Choose whether you have completed this step"},
    )
    what_was_done = _text("What was done")
    not_applicable_reason = _text("Why does it not apply?")
    disciplinary_decision = forms.ChoiceField(
        label="Has disciplinary action been commenced?",
        required=False,
        choices=[
            (DisciplinaryDecision.COMMENCED, "Yes, disciplinary action has been commenced"),
            (DisciplinaryDecision.NOT_COMMENCED, "No, there will be no disciplinary action"),
        ],
        widget=forms.RadioSelect,
        error_messages={
            "invalid_choice": "Choose whether disciplinary action was commenced",
        },
    )


class StakeholderForm(InvestigationForm):
    name = _line("Who is the stakeholder?", hint="A person, a group or an organisation")
    expected_outcome = _text("What do they expect from the outcome?")


class InterviewForm(InvestigationForm):
    person_spoken_to = _line("Who did you speak to?")
    spoken_at = _when("When did you speak to them?")
    spoken_by = _line("Who spoke to them?")
    notes = _text("What did they say?")


class EvidenceForm(InvestigationForm):
    title = _line("Title", hint="For example, “Screenshot of the sent e-mail”")
    file = forms.FileField(
        label="Upload a file",
        required=False,
        help_text=(
            "A photo (JPG, PNG, HEIC, WEBP, GIF), a PDF, a text or CSV file, or a saved "
            "e-mail (.eml), smaller than 20 MB. Leave it empty to write the evidence as a note."
        ),
        error_messages={"invalid": "The file could not be read. Choose it again"},
    )
    description = _text(
        "Description or note",
        hint="What it shows and where it came from. With no file, this is the evidence.",
    )
    collected_by = _line("Who collected it?", hint="Leave empty if it was you")
    collected_at = _when("When was it collected?", hint="Leave empty if it was just now")


class ExpertHelpForm(InvestigationForm):
    expert = _line("Who did you ask for help?", hint="A person, a team or a company")
    asked_for = _text("What did you ask them for?")
    given = _text("What help did they give?", hint="Leave empty if you are still waiting")


class EscalationForm(InvestigationForm):
    escalated_to = _line("Who was it escalated to?")
    reason = _text("Why was it escalated?")


class SubjectsInformedForm(InvestigationForm):
    who = _line(
        "Who was told?", hint="The people whose information it was, for example “Parents of 5B”"
    )
    informed_at = _when("When were they told?")
    how = _line("How were they told?", hint="For example, letter, e-mail or phone call")
    informed_by = _line("Who told them?")


LIKELIHOOD_CHOICES = [
    (1, "1 – Very unlikely"),
    (2, "2 – Unlikely"),
    (3, "3 – Possible"),
    (4, "4 – Likely"),
    (5, "5 – Very likely"),
]
IMPACT_CHOICES = [
    (1, "1 – Very low"),
    (2, "2 – Low"),
    (3, "3 – Medium"),
    (4, "4 – High"),
    (5, "5 – Very high"),
]


def _scale(label: str, choices: list[tuple[int, str]]) -> forms.TypedChoiceField:
    return forms.TypedChoiceField(
        label=label,
        choices=choices,
        coerce=int,
        empty_value=None,
        required=False,
        widget=forms.RadioSelect,
        error_messages={"invalid_choice": f"{label} must be from 1 to 5"},
    )


class RiskForm(InvestigationForm):
    description = _text("What is the risk?")
    likelihood = _scale("How likely is it?", LIKELIHOOD_CHOICES)
    impact = _scale("How much harm would it do?", IMPACT_CHOICES)
    owner = _line("Who owns the risk?")
    mitigation = _text("How will it be reduced?")
    status = forms.ChoiceField(
        label="Status",
        choices=RiskStatus.choices,
        initial=RiskStatus.OPEN,
        required=False,
        widget=forms.RadioSelect,
    )


class CommunicationItemForm(InvestigationForm):
    audience = _line("Who is the message for?")
    message = _text("What is the message?")
    channel = _line("How will it be sent?", hint="For example, letter, staff briefing, website")
    owner = _line("Who will send it?")
    due = _date("When should it be sent?", hint="Leave empty if there is no date yet")
    done = forms.BooleanField(label="It has been sent", required=False)


class ActionForm(InvestigationForm):
    kind = forms.ChoiceField(
        label="What kind of action is it?",
        choices=[
            (ActionKind.REMEDIAL, "Remedial: puts right what went wrong"),
            (ActionKind.PREVENTIVE, "Preventive: stops it happening again"),
        ],
        required=False,
        widget=forms.RadioSelect,
    )
    description = _text("What needs to be done?")
    owner = forms.ModelChoiceField(
        label="Who owns it?",
        queryset=None,  # set per incident below
        required=False,
        empty_label="Choose a person",
        error_messages={"invalid_choice": "Choose someone who works in this school or its trust"},
    )
    due_on = _date("When is it due?")

    def __init__(self, *args: Any, incident: Incident, **kwargs: Any) -> None:
        super().__init__(*args, incident=incident, **kwargs)
        owner = self.fields["owner"]
        assert isinstance(owner, forms.ModelChoiceField)
        owner.queryset = possible_action_owners(incident)
        owner.label_from_instance = lambda person: person.full_name  # type: ignore[method-assign]


class ActionStatusForm(InvestigationForm):
    status = forms.ChoiceField(
        label="What is the status of this action?",
        choices=ActionStatus.choices,
        required=False,
        widget=forms.RadioSelect,
    )


class NoteForm(InvestigationForm):
    body = _text(
        "Note",
        hint="Only those handling the incident can read notes. The reporter never sees them.",
    )
