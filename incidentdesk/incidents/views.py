"""The incident pages, for those who handle incidents: the queue and each incident.

Views stay thin: every incident comes from `selectors.incident_for_user` (404 for anyone
who may not see it), every decision from `rules`, every write from a service.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import TextChoices
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from incidentdesk.organisations.models import Person
from incidentdesk.reporting.services import ask_reporter

from . import disclosures, rules, selectors
from .forms import MessageToReporterForm
from .models import (
    Incident,
    InformationCategory,
    InformationForm,
    PeopleCount,
    ReportingMode,
    Source,
    WhoseInformation,
)

# A downloaded file is evidence, not a page: the browser must save it, never render or
# run it, whatever it claims to be.
DOWNLOAD_CSP = "default-src 'none'; sandbox"


@login_required
@require_GET
def queue(request: HttpRequest) -> HttpResponse:
    """The open incidents the person handles, new reports first, 50 a page."""
    result = selectors.queue_for(request.user, page_number=request.GET.get("page"))  # type: ignore[arg-type]
    paginator = result.page.paginator
    context = {
        "page": result.page,
        "incidents": result.incidents,
        "several_organisations": result.several_organisations,
        "page_range": (
            list(paginator.get_elided_page_range(result.page.number, on_each_side=1, on_ends=1))
            if paginator.num_pages > 1
            else []
        ),
        "ellipsis": paginator.ELLIPSIS,
    }
    return render(request, "incidents/queue.html", context)


@login_required
@require_GET
def incident_detail(request: HttpRequest, reference: str) -> HttpResponse:
    """Everything the reporter gave, their files, and the messages with them."""
    person: Person = request.user  # type: ignore[assignment]
    incident = selectors.incident_for_user(person=person, reference=reference)
    return _render_detail(request, incident)


@login_required
@require_POST
def reveal_reporter(request: HttpRequest, reference: str) -> HttpResponse:
    """Show who reported this: the confidential reporter's name, once, on the record.

    The page is answered straight from the POST rather than redirected, so the name is
    shown exactly as often as it is recorded: showing it again means asking again.
    """
    person: Person = request.user  # type: ignore[assignment]
    incident = selectors.incident_for_user(person=person, reference=reference)
    reporter = disclosures.reporter_reveal(incident=incident, person=person)
    return _render_detail(request, incident, revealed_reporter=reporter)


@login_required
@require_POST
def message_reporter(request: HttpRequest, reference: str) -> HttpResponse:
    person: Person = request.user  # type: ignore[assignment]
    incident = selectors.incident_for_user(person=person, reference=reference)
    if not rules.may_write_to_reporter(person, incident):
        raise PermissionDenied("You may not write to the reporter of this incident.")
    form = MessageToReporterForm(request.POST)
    if not form.is_valid():
        # As every form here: the page again, with the error summary and what was typed.
        return _render_detail(request, incident, message_form=form)
    ask_reporter(incident=incident, author=person, body=form.cleaned_data["body"])
    messages.success(request, "Message sent to the reporter")
    return redirect(reverse("incidents:detail", args=[incident.reference]) + "#messages")


@login_required
@require_GET
def attachment_download(request: HttpRequest, reference: str, attachment_id: int) -> FileResponse:
    """A file sent with the report, as a download; each one is an audit event."""
    person: Person = request.user  # type: ignore[assignment]
    attachment = selectors.attachment_for_user(
        person=person, reference=reference, attachment_id=attachment_id
    )
    handle = disclosures.attachment_open(attachment=attachment, person=person)
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=attachment.original_name,
        content_type=attachment.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = DOWNLOAD_CSP
    response["Cache-Control"] = "no-store"
    return response


def _render_detail(
    request: HttpRequest,
    incident: Incident,
    *,
    revealed_reporter: Person | None = None,
    message_form: MessageToReporterForm | None = None,
) -> HttpResponse:
    person: Person = request.user  # type: ignore[assignment]
    # Only a named reporter is ever read here; a confidential one only comes through
    # disclosures.reporter_reveal, which records that it was shown.
    named_reporter = (
        incident.reporter
        if incident.mode == ReportingMode.NAMED
        and rules.may_see_reporter_identity(person, incident)
        else None
    )
    form = message_form or MessageToReporterForm()
    context: dict[str, Any] = {
        "incident": incident,
        "answers": report_answers(incident),
        "named_reporter": named_reporter,
        "revealed_reporter": revealed_reporter,
        "may_reveal": rules.may_reveal_reporter(person, incident),
        "attachments": list(incident.attachments.all()),
        "messages_with_reporter": selectors.messages_for_handlers(
            incident=incident,
            reporter_name=named_reporter.full_name if named_reporter else None,
        ),
        "may_write": rules.may_write_to_reporter(person, incident),
        "form": form,
        "errors": {name: errors[0] for name, errors in form.errors.items()},
    }
    return render(request, "incidents/incident_detail.html", context)


def _labels(choices: type[TextChoices], values: Iterable[str]) -> str:
    labels = []
    for value in values:
        try:
            labels.append(str(choices(value).label))
        except ValueError:
            # A value from an older form: show it rather than lose it.
            labels.append(str(value))
    return ", ".join(labels)


def report_answers(incident: Incident) -> list[tuple[str, str]]:
    """The report's questions in the reporter's words, and what they answered.

    The reporter and how the report was made are shown apart (they need a decision:
    reveal or not), as are the kind and the times, which the template formats.
    """
    source = Source(incident.source).label if incident.source else ""
    if incident.source == Source.SUPPLIER and incident.supplier_name:
        source = f"{source}: {incident.supplier_name}"
    return [
        ("Who it came from", source),
        ("What happened", incident.what_happened),
        ("How it was found", incident.how_discovered),
        ("Where it happened", incident.location),
        ("Whose information was involved", _labels(WhoseInformation, incident.whose_information)),
        (
            "How many people’s information",
            PeopleCount(incident.people_count).label if incident.people_count else "",
        ),
        (
            "What information was involved",
            _labels(InformationCategory, incident.information_categories),
        ),
        ("What form it was in", _labels(InformationForm, incident.information_forms)),
        ("Who was involved", incident.people_involved),
        ("What has been done already", incident.already_done),
    ]
