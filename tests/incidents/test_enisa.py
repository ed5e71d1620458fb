from decimal import Decimal

from incidentdesk.incidents.enisa import assess


def test_a_class_list_sent_to_one_known_parent_is_low():
    result = assess(
        categories=["basic_identifiers"],
        ease_of_identification="maximum",
        confidentiality="known",
    )
    # Children raise the context from 1 to 2: 2 × 1 + 0.25.
    assert result.score == Decimal("2.25")
    assert (result.band, result.suggested_severity) == ("medium", "moderate")


def test_safeguarding_records_stolen_by_an_unknown_party_is_very_high():
    result = assess(
        categories=["safeguarding", "basic_identifiers"],
        ease_of_identification="maximum",
        confidentiality="unknown",
        malicious=True,
    )
    assert result.dpc == 4
    assert result.score == Decimal("5.0")
    assert (result.band, result.suggested_severity) == ("very high", "critical")


def test_unintelligible_data_stays_low():
    result = assess(
        categories=["health"], ease_of_identification="negligible", involves_children=False
    )
    assert result.score == Decimal("1.00")
    assert result.suggested_severity == "minor"
    assert "suggests minor" in result.explanation
