"""Forms of the anonymous routes: the report, the receipt confirmation, the follow-up.

The report is the staff form (forms.ReportForm, owned with the staff pages) without its
identity question, so both ask the same questions and check answers the same way. The
small forms here use ids equal to field names (auto_id="%s") so that the error summary
can link to them; messages say what is wrong and how to put it right.
"""

from __future__ import annotations

from typing import Any

from django import forms

from incidentdesk.incidents.models import Source
from incidentdesk.organisations.models import Organisation

from . import receipts
from .forms import Choice, ReportForm

MESSAGE_TEXT = 5_000
EXAMPLE_CODE = "ABCDE-FGHJK-MNPQR-STVWX"
CODE_FORMAT_ERROR = f"Enter the 20-character code, for example {EXAMPLE_CODE}"

# On the public page the reporter may work for the supplier, so the question is who is
# telling us rather than the staff form's "did a supplier tell you?". Same values.
SOURCE_CHOICES = (
    Choice(Source.STAFF, "A member of staff"),
    Choice(
        Source.SUPPLIER,
        "A supplier that handles our information",
        "For example, a company that runs an app or online service for the school or trust.",
    ),
)


class AnonymousReportForm(ReportForm):
    """The staff form's questions, minus "how do you want to report?", for one organisation.

    No files: a photo's metadata can name the phone that took it, and the reporter cannot
    be asked later to send a cleaned copy.
    """

    def __init__(self, *args: Any, organisation: Organisation, **kwargs: Any) -> None:
        kwargs.pop("files", None)
        super().__init__(*args, organisations=[organisation], **kwargs)
        # No identity question here; pop, as the staff form may or may not declare it.
        self.fields.pop("mode", None)
        self.fields["source"].choices = [(c.value, c.label) for c in SOURCE_CHOICES]
        self.fields["source"].error_messages["invalid_choice"] = "Select who is telling us"

    def clean(self) -> dict[str, Any]:
        supplier_name = self.cleaned_data.get("supplier_name", "")
        data = super().clean()
        # Here the supplier's name is a question of its own, not revealed under a choice
        # (GOV.UK's reveal puts aria-expanded on a radio, which axe rightly refuses), so
        # what is typed in it is never a stale answer: keep it, and let it answer "who".
        if supplier_name and not data.get("source"):
            data["source"] = Source.SUPPLIER
        data["supplier_name"] = supplier_name
        return data


class ErrorsByQuestion(forms.Form):
    """Collects the form's errors as {question: (id of the input to link to, message)}."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "%s")
        super().__init__(*args, **kwargs)

    def errors_by_question(self) -> dict[str, tuple[str, str]]:
        return {name: (name, self.errors[name][0]) for name in self.fields if name in self.errors}


class ReceiptField(forms.CharField):
    """A receipt code as typed: any case, with or without dashes and spaces."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 60)
        kwargs.setdefault(
            "error_messages",
            {"required": "Enter your receipt code", "max_length": CODE_FORMAT_ERROR},
        )
        super().__init__(**kwargs)


class ReceiptConfirmForm(ErrorsByQuestion):
    """ "I have kept my receipt code": the code comes back in a hidden field so the page
    can be shown again with an error (the server does not have it)."""

    code = ReceiptField(widget=forms.HiddenInput)
    kept = forms.BooleanField(
        label="I have kept my receipt code",
        error_messages={"required": "Confirm that you have kept your receipt code"},
    )

    def clean_code(self) -> str:
        normal = receipts.normalise(self.cleaned_data["code"])
        if normal is None:
            raise forms.ValidationError(CODE_FORMAT_ERROR)
        return normal


class ReceiptCodeForm(ErrorsByQuestion):
    """The code typed on the follow-up page. Its format is checked by the lookup, which
    counts a malformed code as a wrong one."""

    code = ReceiptField(label="Receipt code")


class ReplyForm(ErrorsByQuestion):
    body = forms.CharField(
        max_length=MESSAGE_TEXT,
        label="Your message",
        strip=True,
        error_messages={
            "required": "Enter your message",
            "max_length": f"Your message must be {MESSAGE_TEXT:,} characters or fewer",
        },
    )
    # The id of the last message the reporter was shown: see reply_by_receipt.
    seen = forms.IntegerField(required=False, min_value=0, widget=forms.HiddenInput)
