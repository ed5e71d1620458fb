"""The audit log's worker job: a signed checkpoint every few minutes, the DPO's daily copy."""

from incidentdesk.deadlines.worker import job

from .checkpoints import email_checkpoint_if_due, write_checkpoint_if_due


@job("audit checkpoints")
def audit_checkpoints() -> int:
    return write_checkpoint_if_due() + email_checkpoint_if_due()
