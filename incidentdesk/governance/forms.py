"""Forms of the governance pages. They parse what was typed; the services check the rules
and their ValidationError lands beside the fields of the same names."""

from __future__ import annotations

from typing import Any

from django import forms

from incidentdesk.investigations.forms import DateInput
from incidentdesk.organisations.models import InformationPolicy, Organisation, PolicyPoint
from incidentdesk.regulator.forms import RequiredMessages

TEXT_MAX = 20_000
NO_NAMES = "Do not name people: this may go into the governors' papers."


def _text(label: str, *, hint: str = "") -> forms.CharField:
    return forms.CharField(
        label=label,
        help_text=hint,
        required=False,
        max_length=TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"max_length": f"{label} must be {TEXT_MAX:,} characters or fewer"},
    )


def _line(label: str, *, hint: str = "", max_length: int = 200) -> forms.CharField:
    return forms.CharField(
        label=label,
        help_text=hint,
        required=False,
        max_length=max_length,
        error_messages={"max_length": f"{label} must be {max_length} characters or fewer"},
    )


def _date(label: str, *, hint: str = "") -> forms.DateField:
    return forms.DateField(
        label=label,
        help_text=hint,
        required=False,
        widget=DateInput(),
        error_messages={"invalid": f"{label} must be a real date"},
    )


def _organisation_field(organisations: list[Organisation]) -> forms.ModelChoiceField:
    return forms.ModelChoiceField(
        label="Which school or trust is it for?",
        queryset=Organisation.objects.filter(pk__in=[o.pk for o in organisations]),
        required=False,
        empty_label="Choose one",
        error_messages={"invalid_choice": "Choose one of your schools or trusts"},
    )


def target_choices(organisations: list[Organisation], *, whole_policy: bool) -> list:
    """The policy points and information policies of each organisation's profile, as
    "point:<id>" / "policy:<id>" values; grouped by organisation when there are several."""
    choices: list = [("", "Choose one")]
    if whole_policy:
        choices.append(("whole", "The policy as a whole"))
    profiles: dict[int, list[Organisation]] = {}
    for organisation in organisations:
        profile = organisation.effective_profile
        if profile is not None:
            profiles.setdefault(profile.pk, []).append(organisation)
    points = PolicyPoint.objects.filter(profile_id__in=profiles).order_by("profile_id", "number")
    policies = InformationPolicy.objects.filter(profile_id__in=profiles)
    for profile_id in profiles:
        for point in points:
            if point.profile_id == profile_id:
                must = point.must if len(point.must) <= 90 else point.must[:87] + "…"
                label = f"Point {point.number}: {must}"
                if len(profiles) > 1:
                    names = ", ".join(o.name for o in profiles[profile_id])
                    label = f"{names} – {label}"
                choices.append((f"point:{point.pk}", label))
        for policy in policies:
            if policy.profile_id == profile_id:
                choices.append((f"policy:{policy.pk}", f"{policy.name} (information policy)"))
    return choices


def parse_target(value: str) -> tuple[PolicyPoint | None, InformationPolicy | None]:
    kind, _, pk = (value or "").partition(":")
    if not pk.isdigit():
        return None, None
    if kind == "point":
        return PolicyPoint.objects.filter(pk=pk).first(), None
    if kind == "policy":
        return None, InformationPolicy.objects.filter(pk=pk).first()
    return None, None


class _AskForm(RequiredMessages):
    whole_policy = False

    def __init__(self, *args: Any, organisations: list[Organisation], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.organisations = organisations
        if len(organisations) > 1:
            self.fields["organisation"] = _organisation_field(organisations)
            self.order_fields(["organisation"])
            self.required_messages = {
                **self.required_messages,
                "organisation": "Choose the school or trust it is for",
            }
        self.fields["policy_point"].choices = target_choices(
            organisations, whole_policy=self.whole_policy
        )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if len(self.organisations) == 1:
            cleaned["organisation"] = self.organisations[0]
        point, policy = parse_target(cleaned.get("policy_point", ""))
        cleaned["point"], cleaned["information_policy"] = point, policy
        return cleaned


class ExceptionRequestForm(_AskForm):
    policy_point = forms.ChoiceField(
        label="Which policy point do you need an exception to?",
        required=False,
        error_messages={"invalid_choice": "Choose a point of the policy"},
    )
    title = _line("Give it a short title", hint=NO_NAMES)
    what = _text("What do you need to do differently?")
    business_reason = _text(
        "What is the business reason?",
        hint="Say why the policy point cannot be followed, having read why it is there. "
        + NO_NAMES,
    )
    required_messages = {
        "policy_point": "Choose the policy point the exception is for",
        "title": "Enter a short title for the exception",
        "what": "Enter what you need to do differently",
        "business_reason": "Enter the business reason",
    }


class ProposalForm(_AskForm):
    whole_policy = True
    policy_point = forms.ChoiceField(
        label="Which part of the policy is it about?",
        required=False,
        error_messages={"invalid_choice": "Choose a part of the policy"},
    )
    title = _line("Give it a short title", hint=NO_NAMES)
    change = _text("What change do you propose?")
    reason = _text("Why does the policy not meet your needs?", hint=NO_NAMES)
    required_messages = {
        "policy_point": "Choose the part of the policy it is about",
        "title": "Enter a short title for the change",
        "change": "Enter the change you propose",
        "reason": "Enter why the policy does not meet your needs",
    }


DECISION_EXCEPTION = [("approve", "Approve"), ("decline", "Decline")]
DECISION_PROPOSAL = [("agree", "Agree and propose it onwards"), ("decline", "Decline")]


class ExceptionDecisionForm(RequiredMessages):
    decision = forms.ChoiceField(
        label="Your decision",
        choices=DECISION_EXCEPTION,
        widget=forms.RadioSelect,
        required=False,
        error_messages={"invalid_choice": "Choose approve or decline"},
    )
    reasons = _text("Reasons for the decision", hint="The person who asked will see them.")
    expires_on = _date("When does the exception end?", hint="Only if you approve it.")
    review_on = _date(
        "When will it be reviewed?",
        hint="Only if you approve it. On or before the day it ends.",
    )
    required_messages = {
        "decision": "Choose approve or decline",
        "reasons": "Enter the reasons for the decision",
    }

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if cleaned.get("decision") == "approve":
            # Asked together with the rest, so every problem shows at once.
            for name, message in (
                ("expires_on", "Enter the date the exception ends"),
                ("review_on", "Enter the date the exception will be reviewed"),
            ):
                if name not in self.errors and cleaned.get(name) is None:
                    self.add_error(name, message)
        return cleaned


class ExceptionReviewForm(RequiredMessages):
    notes = _text("What did the review find?")
    expires_on = _date("When does the exception now end?")
    review_on = _date("When will it next be reviewed?")
    required_messages = {
        "notes": "Enter what the review found",
        "expires_on": "Enter the date the exception ends",
        "review_on": "Enter the date the exception will be reviewed",
    }


class ProposalDecisionForm(RequiredMessages):
    decision = forms.ChoiceField(
        label="Your decision",
        choices=DECISION_PROPOSAL,
        widget=forms.RadioSelect,
        required=False,
        error_messages={"invalid_choice": "Choose agree or decline"},
    )
    reasons = _text("Reasons for the decision", hint="The person who proposed it will see them.")
    required_messages = {
        "decision": "Choose agree or decline",
        "reasons": "Enter the reasons for the decision",
    }


class OnwardsForm(RequiredMessages):
    to = _line(
        "Who was the change proposed to?",
        hint="For example, the trust, the governing body or a committee of it.",
    )
    on = _date("When was it proposed?")
    required_messages = {
        "to": "Enter who the change was proposed to",
        "on": "Enter the date it was proposed",
    }


class PolicyFileInput(forms.ClearableFileInput):
    template_name = "django/forms/widgets/file.html"


class DocumentForm(RequiredMessages):
    def __init__(
        self,
        *args: Any,
        organisations: list[Organisation],
        owners: Any,
        with_title: bool = True,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.organisations = organisations
        self.fields["owner"].queryset = owners
        if not with_title:
            del self.fields["title"]
            self.required_messages = {
                k: v for k, v in self.required_messages.items() if k != "title"
            }
        if len(organisations) > 1 and with_title:
            self.fields["organisation"] = _organisation_field(organisations)
            self.order_fields(["organisation"])
            self.required_messages = {
                **self.required_messages,
                "organisation": "Choose the school or trust it is for",
            }

    title = _line("Title", hint="For example, Security Incidents Policy.")
    version = _line("Version", max_length=30)
    approved_by = _line(
        "Approved by", hint="A person, a committee or the board, for example Board of Trustees."
    )
    approved_on = _date("Date approved")
    next_review_on = _date("Next review date")
    owner = forms.ModelChoiceField(
        label="Owner",
        help_text="Reminded before the next review date.",
        queryset=None,
        required=False,
        empty_label="Choose one",
        error_messages={"invalid_choice": "Choose someone in your organisation"},
    )
    file = forms.FileField(
        label="The policy document",
        help_text="Optional. A PDF or a Word document, up to 20 MB. "
        "If the page shows a problem, choose the file again.",
        required=False,
        widget=PolicyFileInput,
    )
    required_messages = {
        "title": "Enter the title of the policy",
        "version": "Enter the version",
        "approved_by": "Enter who approved it",
        "next_review_on": "Enter the next review date",
        "owner": "Choose the owner of the policy",
    }

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if "organisation" not in self.fields:
            cleaned["organisation"] = self.organisations[0] if self.organisations else None
        return cleaned
