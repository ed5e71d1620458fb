"""The incident's life: which state may follow which, and by what action.

One table. `services.transition` is the only code that writes `Incident.state`.
"""

from __future__ import annotations

from dataclasses import dataclass

from .models import State


@dataclass(frozen=True)
class Transition:
    action: str
    sources: frozenset[str]
    target: str
    label: str
    needs_reason: bool = False


TRANSITIONS: dict[str, Transition] = {
    t.action: t
    for t in [
        Transition("classify", frozenset({State.REPORTED}), State.TRIAGED, "Classify"),
        Transition(
            "start_investigation",
            frozenset({State.TRIAGED}),
            State.INVESTIGATING,
            "Start the investigation",
        ),
        Transition(
            "not_an_incident",
            frozenset({State.REPORTED, State.TRIAGED}),
            State.NOT_AN_INCIDENT,
            "Close as not a security incident",
            needs_reason=True,
        ),
        Transition(
            "submit_outcome",
            frozenset({State.INVESTIGATING}),
            State.OUTCOME_SUBMITTED,
            "Submit the outcome report",
        ),
        Transition(
            "return_outcome",
            frozenset({State.OUTCOME_SUBMITTED}),
            State.INVESTIGATING,
            "Return the outcome report",
            needs_reason=True,
        ),
        Transition("close", frozenset({State.OUTCOME_SUBMITTED}), State.CLOSED, "Close"),
        Transition(
            "reopen",
            frozenset({State.CLOSED, State.NOT_AN_INCIDENT}),
            State.INVESTIGATING,
            "Reopen",
            needs_reason=True,
        ),
    ]
}


class TransitionRefused(Exception):
    """The change cannot be made; the message says why, in words for the person."""


def transition_for(action: str, current: str) -> Transition:
    transition = TRANSITIONS.get(action)
    if transition is None:
        raise TransitionRefused(f"“{action}” is not something that can be done to an incident.")
    if current not in transition.sources:
        raise TransitionRefused(
            f"An incident that is “{State(current).label.lower()}” cannot be "
            f"“{transition.label.lower()}”."
        )
    return transition


def allowed_actions(current: str) -> list[Transition]:
    return [t for t in TRANSITIONS.values() if current in t.sources]
