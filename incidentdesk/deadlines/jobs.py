"""The deadlines' worker job: reminders before a deadline, escalation after it."""

from incidentdesk.deadlines.worker import job

from .services import send_due_reminders


@job("deadline reminders")
def deadline_reminders() -> int:
    return send_due_reminders()
