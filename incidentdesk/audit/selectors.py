"""Reading the audit log, and checking that nobody has rewritten it."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import QuerySet

from incidentdesk.audit.chain import GENESIS_HASH, chain_hash, content_digest
from incidentdesk.audit.models import ERASED_ACTION, AuditEvent, AuditHead

CHUNK_SIZE = 2000
# Events appended while the log is being verified are verified too; stop chasing a
# busy log after this many rounds rather than run forever.
MAX_ROUNDS = 5


def events_for_object(*, object_type: str, object_id: str) -> QuerySet[AuditEvent]:
    """The events about one object, oldest first."""
    return AuditEvent.objects.filter(object_type=object_type, object_id=object_id).order_by(
        "sequence"
    )


@dataclass(frozen=True)
class VerificationResult:
    ok: bool
    checked: int
    first_bad_sequence: int | None = None
    problem: str = ""
    erased: int = 0
    last_hash: str = GENESIS_HASH


class _ChainBroken(Exception):
    def __init__(self, sequence: int | None, problem: str) -> None:
        super().__init__(problem)
        self.sequence = sequence
        self.problem = problem


class _Walker:
    """Checks events in sequence order, remembering the last good one."""

    def __init__(self) -> None:
        self.checked = 0
        self.last_sequence = 0
        self.last_hash = GENESIS_HASH
        self.erased = 0
        # Erased events waiting for the erasure record that vouches for them:
        # {sequence: digest of what the event still holds}.
        self.unvouched: dict[int, str] = {}

    def check(self, event: AuditEvent) -> None:
        name = event.describe()
        expected = self.last_sequence + 1
        if event.sequence == self.last_sequence and self.checked:
            raise _ChainBroken(event.sequence, f"{name}: its sequence number appears twice")
        if event.sequence < expected:
            raise _ChainBroken(
                event.sequence, f"{name}: its sequence number is out of order (expected {expected})"
            )
        if event.sequence > expected:
            missing = (
                f"event {expected} is"
                if event.sequence == expected + 1
                else f"events {expected} to {event.sequence - 1} are"
            )
            raise _ChainBroken(event.sequence, f"{name}: {missing} missing before it (deleted)")
        if event.erased_at is not None:
            # Its original content is gone, so its digest cannot be re-computed; what it
            # still holds must be what the erasure record vouched for (checked there).
            if event.changes or event.details:
                raise _ChainBroken(
                    event.sequence, f"{name}: marked erased but holds content (altered)"
                )
            self.unvouched[event.sequence] = content_digest(event.content())
            self.erased += 1
        elif content_digest(event.content()) != event.content_digest:
            raise _ChainBroken(
                event.sequence, f"{name}: content does not match its digest (altered)"
            )
        if event.previous_hash != self.last_hash:
            before = f"event {self.last_sequence}" if self.last_sequence else "the start"
            raise _ChainBroken(
                event.sequence,
                f"{name}: does not follow {before}, its previous hash does not match "
                "(events inserted, removed or reordered)",
            )
        recomputed = chain_hash(
            sequence=event.sequence,
            previous_hash=event.previous_hash,
            digest=event.content_digest,
        )
        if recomputed != event.hash:
            raise _ChainBroken(
                event.sequence,
                f"{name}: its hash does not match its sequence number, previous hash and "
                "digest (altered or renumbered)",
            )
        if event.action == ERASED_ACTION and event.erased_at is None:
            self._check_erasure_record(event, name)
        self.checked += 1
        self.last_sequence = event.sequence
        self.last_hash = event.hash

    def _check_erasure_record(self, event: AuditEvent, name: str) -> None:
        vouched = event.details.get("events")
        if not isinstance(vouched, dict):
            raise _ChainBroken(event.sequence, f"{name}: names no erased events")
        for sequence_text, digest in sorted(vouched.items(), key=lambda item: int(item[0])):
            sequence = int(sequence_text)
            held = self.unvouched.pop(sequence, None)
            if held is None:
                raise _ChainBroken(
                    event.sequence,
                    f"{name}: vouches for event {sequence}, which is not erased",
                )
            if held != digest:
                raise _ChainBroken(
                    sequence,
                    f"event {sequence}: what it holds since its erasure does not match the "
                    f"digest recorded by {name} (altered after erasure)",
                )

    def check_unvouched(self) -> None:
        if self.unvouched:
            sequence = min(self.unvouched)
            raise _ChainBroken(
                sequence,
                f"event {sequence}: its content was erased, but no erasure record vouches "
                "for it (erased outside retention)",
            )

    def check_from(self, after: int) -> int:
        """Check the events after sequence `after`; return how many there were."""
        count = 0
        events = AuditEvent.objects.filter(sequence__gt=after).order_by("sequence")
        for event in events.iterator(chunk_size=CHUNK_SIZE):
            self.check(event)
            count += 1
        return count


def _check_head(walker: _Walker, head: AuditHead | None) -> bool:
    """True when the head matches the last checked event; False when it is further on."""
    if head is None:
        if walker.checked:
            raise _ChainBroken(
                None,
                f"the audit head is missing, so the end of the log (now event "
                f"{walker.last_sequence}) cannot be confirmed (deleted)",
            )
        return True
    if head.last_sequence < walker.last_sequence:
        raise _ChainBroken(
            head.last_sequence + 1,
            f"event {head.last_sequence + 1} and after are beyond the recorded end of the log "
            f"(event {head.last_sequence}): inserted outside the audit service",
        )
    if head.last_sequence == walker.last_sequence:
        if head.last_hash != walker.last_hash:
            raise _ChainBroken(
                walker.last_sequence,
                f"event {walker.last_sequence}: its hash does not match the one recorded "
                "as the end of the log",
            )
        return True
    return False


def verify_chain() -> VerificationResult:
    """Re-compute every event's digest and hash, in sequence order, and the head.

    Finds events altered (content or chain columns), deleted (a gap, or a shorter log
    than the head records), inserted, or reordered, and names the first bad one. Reads
    in chunks, so it runs in constant memory however long the log is.
    """
    walker = _Walker()
    try:
        walker.check_from(0)
        for _ in range(MAX_ROUNDS):
            # The head is read after the events: it can only be ahead of them if events
            # were appended meanwhile (then check those) or the tail was cut off.
            head = AuditHead.objects.filter(pk=1).first()
            if _check_head(walker, head):
                walker.check_unvouched()
                return VerificationResult(
                    ok=True,
                    checked=walker.checked,
                    erased=walker.erased,
                    last_hash=walker.last_hash,
                )
            assert head is not None  # _check_head returns True without a head
            before = walker.last_sequence
            if walker.check_from(before) == 0:
                missing = before + 1
                raise _ChainBroken(
                    missing,
                    f"event {missing} is missing: the log ends at event {before} but its "
                    f"recorded end is event {head.last_sequence} (deleted from the end)",
                )
        raise _ChainBroken(None, "the log kept growing while it was being verified; try again")
    except _ChainBroken as broken:
        return VerificationResult(
            ok=False,
            checked=walker.checked,
            first_bad_sequence=broken.sequence,
            problem=broken.problem,
            erased=walker.erased,
        )
