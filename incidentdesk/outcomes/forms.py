"""The outcome report's form (every section, all optional until submitting) and the review."""

from __future__ import annotations

from django import forms

from .models import SECTIONS, ReviewDecision

TEXT_MAX = 20_000


class OutcomeReportForm(forms.Form):
    def __init__(self, *args, **kwargs) -> None:  # noqa: ANN002, ANN003
        super().__init__(*args, **kwargs)
        for name, title, hint in SECTIONS:
            self.fields[name] = forms.CharField(
                label=title,
                help_text=hint,
                required=False,
                max_length=TEXT_MAX,
                widget=forms.Textarea,
                error_messages={"max_length": f"{title} must be {TEXT_MAX:,} characters or fewer"},
            )


class ReviewForm(forms.Form):
    decision = forms.ChoiceField(
        label="Your decision",
        choices=[
            (ReviewDecision.APPROVED, "Approve the report"),
            (ReviewDecision.RETURNED, "Return it to the investigator with comments"),
        ],
        widget=forms.RadioSelect,
        error_messages={"required": "Choose whether you approve the report or return it"},
    )
    comments = forms.CharField(
        label="Comments",
        help_text="Needed when you return the report: say what must change.",
        required=False,
        max_length=TEXT_MAX,
        widget=forms.Textarea,
    )
