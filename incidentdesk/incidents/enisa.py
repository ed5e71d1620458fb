"""The ENISA (2013) method for grading a personal data breach: an aid that proposes, never decides.

SE = DPC × EI + CB, banded low (< 2), medium (< 3), high (< 4), very high (≥ 4).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

# Data processing context, 1 to 4, by the most sensitive category present.
DPC_BY_CATEGORY = {
    "basic_identifiers": 1,
    "contact": 1,
    "education": 2,
    "location": 2,
    "sen": 4,
    "financial": 3,
    "identification": 3,
    "official_documents": 3,
    "health": 4,
    "racial_ethnic": 4,
    "religious": 4,
    "sex_life": 4,
    "gender_reassignment": 4,
    "political": 4,
    "trade_union": 4,
    "genetic_biometric": 4,
    "criminal": 4,
    "safeguarding": 4,
}
EASE_OF_IDENTIFICATION = {
    "negligible": Decimal("0.25"),
    "limited": Decimal("0.5"),
    "significant": Decimal("0.75"),
    "maximum": Decimal("1"),
}
CONFIDENTIALITY = {"none": Decimal(0), "known": Decimal("0.25"), "unknown": Decimal("0.5")}
INTEGRITY = {"none": Decimal(0), "recoverable": Decimal("0.25"), "not_recoverable": Decimal("0.5")}
AVAILABILITY = {"none": Decimal(0), "temporary": Decimal("0.25"), "permanent": Decimal("0.5")}
MALICIOUS = Decimal("0.5")

# The ENISA band and the default severity scheme's level it suggests.
BANDS = [
    (Decimal(2), "low", "minor"),
    (Decimal(3), "medium", "moderate"),
    (Decimal(4), "high", "major"),
]
TOP_BAND = ("very high", "critical")


@dataclass(frozen=True)
class EnisaAssessment:
    dpc: int
    score: Decimal
    band: str
    suggested_severity: str
    explanation: str


def assess(
    *,
    categories: list[str],
    ease_of_identification: str,
    confidentiality: str = "none",
    integrity: str = "none",
    availability: str = "none",
    malicious: bool = False,
    involves_children: bool = True,
) -> EnisaAssessment:
    """Proposes a severity from the data involved and the circumstances.

    Schools hold children's data, so the context is raised by one for vulnerable people (to
    at most 4), as the method allows.
    """
    base = max((DPC_BY_CATEGORY.get(c, 1) for c in categories), default=1)
    dpc = min(4, base + 1) if involves_children and base < 4 else base
    ei = EASE_OF_IDENTIFICATION[ease_of_identification]
    cb = CONFIDENTIALITY[confidentiality] + INTEGRITY[integrity] + AVAILABILITY[availability]
    if malicious:
        cb += MALICIOUS
    score = Decimal(dpc) * ei + cb
    band, severity = TOP_BAND
    for limit, name, level in BANDS:
        if score < limit:
            band, severity = name, level
            break
    explanation = (
        f"Data context {dpc} × ease of identification {ei} + circumstances {cb} = {score} "
        f"({band}): suggests {severity}."
    )
    return EnisaAssessment(dpc, score, band, severity, explanation)
