"""E-mail leaves through a real SMTP server, after the transaction that queued it."""

import socket
from email import message_from_bytes
from email.message import Message

import pytest
from aiosmtpd.controller import Controller
from django.db import transaction
from django.test import override_settings

from incidentdesk.deadlines.worker import run_pass
from incidentdesk.notifications.models import OutgoingEmail
from incidentdesk.notifications.services import email_queue, send_due_emails
from incidentdesk.organisations.models import Duty
from tests.factories import make_organisation, make_person

pytestmark = pytest.mark.django_db


class Inbox:
    def __init__(self) -> None:
        self.messages: list[Message] = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's name
        self.messages.append(message_from_bytes(envelope.content))
        return "250 Message accepted for delivery"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def smtp_server():
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    with override_settings(
        EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
        EMAIL_HOST="127.0.0.1",
        EMAIL_PORT=controller.port,
        EMAIL_USE_TLS=False,
    ):
        yield inbox
    controller.stop()


def queue_report_emails():
    from incidentdesk.incidents.models import ReportingMode
    from incidentdesk.reporting.services import ReportDetails, report_incident

    school = make_organisation()
    head = make_person("Head", organisation=school, duties=(Duty.INCIDENT_MANAGER,))
    teacher = make_person("Teacher", organisation=school)
    incident = report_incident(
        organisation=school,
        reporter=teacher,
        mode=ReportingMode.NAMED,
        details=ReportDetails(what_happened="Register left in the hall"),
    ).incident
    return incident, head, teacher


def test_the_worker_delivers_report_emails_through_smtp(smtp_server):
    incident, head, teacher = queue_report_emails()

    handled = run_pass()

    assert handled["send e-mails"] == 2
    delivered = {m["To"]: m for m in smtp_server.messages}
    assert set(delivered) == {head.email, teacher.email}
    acknowledgement = delivered[teacher.email]
    assert incident.reference in acknowledgement["Subject"]
    parts = {
        p.get_content_type(): p.get_payload(decode=True).decode()
        for p in acknowledgement.walk()
        if not p.is_multipart()
    }
    assert "What happens next" in parts["text/plain"]
    assert f"/report/mine/{incident.reference}/" in parts["text/html"]
    assert OutgoingEmail.objects.filter(sent_at__isnull=True).count() == 0


def test_each_email_is_sent_once(smtp_server):
    queue_report_emails()

    send_due_emails()
    send_due_emails()

    assert len(smtp_server.messages) == 2


def test_nothing_is_sent_when_the_transaction_rolls_back(smtp_server):
    with pytest.raises(RuntimeError), transaction.atomic():
        email_queue(
            to="someone@example.org",
            template="reporter_message",
            context={"incident": None, "link": "/"},
        )
        raise RuntimeError("the report failed to save")

    send_due_emails()

    assert smtp_server.messages == []
    assert OutgoingEmail.objects.count() == 0


def test_an_unreachable_mail_server_leaves_the_email_to_be_retried():
    queue_report_emails()
    with override_settings(
        EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
        EMAIL_HOST="127.0.0.1",
        EMAIL_PORT=free_port(),  # nothing listens there
        EMAIL_TIMEOUT=2,
    ):
        assert send_due_emails() == 0

    pending = OutgoingEmail.objects.filter(sent_at__isnull=True)
    assert pending.count() == 2
    assert all(e.last_error and e.claimed_at is None and e.attempts == 1 for e in pending)
