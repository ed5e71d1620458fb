"""The deadlines' worker job: reminders before a deadline, escalation after it."""

from incidentdesk.deadlines.worker import job

from .services import BATCH, send_due_reminders

# Due deadlines claimed and handled per transaction (the worker's --deadline-batch).
deadline_batch = BATCH


@job("deadline reminders")
def deadline_reminders() -> int:
    return send_due_reminders(batch=deadline_batch)
