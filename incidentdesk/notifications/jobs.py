from incidentdesk.deadlines.worker import job

from .services import send_due_emails


@job("send e-mails")
def send_emails() -> int:
    return send_due_emails()
