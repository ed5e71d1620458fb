"""Showing sensitive detail of an incident, each time on the audit record.

DESIGN.md: "a confidential reporter's name is shown only to the incident manager, and
every view of it is an audit event". The same holds for opening a file sent with a
report. These are reads, but each leaves an audit event, so they live apart from the
side-effect-free selectors; the audit event is written in the same transaction as the
read is decided, so a refused or failed read leaves no event and a shown one always does.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.core.files.base import File
from django.core.files.storage import default_storage
from django.db import transaction
from django.http import Http404

from incidentdesk.audit.services import record_event
from incidentdesk.organisations.models import Person
from incidentdesk.reporting.models import Attachment

from . import rules
from .models import Incident


@transaction.atomic
def reporter_reveal(*, incident: Incident, person: Person) -> Person:
    """Who reported a confidential incident, for its incident manager.

    Guarantees: PermissionDenied for anyone `rules.may_reveal_reporter` refuses, and no
    event then; otherwise an `incident.reporter_revealed` event naming `person`, on every
    call. The event does not name the reporter: the history is read by others.
    """
    if not rules.may_reveal_reporter(person, incident):
        raise PermissionDenied("Only the incident manager may see who reported this.")
    reporter = Person.objects.get(pk=incident.reporter_id)
    record_event(
        actor=person,
        action="incident.reporter_revealed",
        obj=incident,
        details={"mode": incident.mode},
    )
    return reporter


@transaction.atomic
def attachment_open(*, attachment: Attachment, person: Person) -> File:
    """The stored file of `attachment`, opened for reading, and an audit event for it.

    Guarantees: PermissionDenied for anyone who may not view the incident; Http404 when
    the file is missing from storage (no event then); otherwise an `attachment.downloaded`
    event on the incident with the file's id and SHA-256, so the incident's history says
    who took a copy of which evidence. The caller closes the file (FileResponse does).
    """
    incident = attachment.incident
    if not rules.may_download_attachments(person, incident):
        raise PermissionDenied
    try:
        handle = default_storage.open(attachment.stored_name, "rb")
    except FileNotFoundError as exc:
        raise Http404 from exc
    try:
        record_event(
            actor=person,
            action="attachment.downloaded",
            obj=incident,
            details={"attachment": attachment.pk, "sha256": attachment.sha256},
        )
    except BaseException:
        handle.close()
        raise
    return handle
