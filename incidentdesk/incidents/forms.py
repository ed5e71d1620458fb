"""Forms of the incident pages. They validate and shape; they never save."""

from __future__ import annotations

from django import forms

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
