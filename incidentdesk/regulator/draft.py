"""The draft of the ICO's online breach report, pre-filled and free of personal data.

The ICO's form cannot be saved part-way and must not contain the affected people's
personal data (domain.md), so the draft holds every field of the form, in the form's
order, ready to paste in one sitting. The reporter's free text ("What happened?") may
name pupils, so it is never copied: the description is built from the structured
answers, and what little free text is used passes through `redact` first, which removes
the names given as "people involved" and the names of everyone in the organisation.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass

from django.db.models import Q

from incidentdesk.deadlines.calendar import local_zone
from incidentdesk.incidents.models import (
    Category,
    Incident,
    InformationCategory,
    InformationForm,
    Kind,
    PeopleCount,
    WhoseInformation,
)
from incidentdesk.organisations.models import Duty, Membership
from incidentdesk.organisations.selectors import duty_holders_for

from .models import IcoDecision, SubmissionKind
from .selectors import assessment_of, became_aware_at, people_told_of, submissions_of

TO_COMPLETE = "To complete before sending:"
REMOVED = "[name removed]"

# Every field of the ICO's online form (domain.md), as (section, label), in its order.
# Tests hold the draft, the PDF and the Word file to this list.
ICO_FIELDS: list[tuple[str, str]] = [
    ("Report type", "Initial or follow-up report"),
    ("Report type", "ICO case reference"),
    ("About the breach", "What happened"),
    ("About the breach", "How it happened"),
    ("About the breach", "Was the breach caused by a cyber incident?"),
    ("About the breach", "How did you discover the breach?"),
    ("About the breach", "When did the breach happen?"),
    ("About the breach", "When did you discover the breach?"),
    ("About the breach", "Categories of personal data included"),
    ("About the breach", "Number of personal data records concerned"),
    ("About the breach", "Number of data subjects affected"),
    ("About the breach", "Categories of data subjects affected"),
    ("About the breach", "Potential consequences for the data subjects"),
    ("About the breach", "How likely are the consequences?"),
    ("Cyber incidents", "Was confidentiality, integrity or availability affected?"),
    ("Cyber incidents", "Impact on your organisation"),
    ("Cyber incidents", "Expected recovery time"),
    (
        "Containment and recovery",
        "Had the staff member involved received data protection training?",
    ),
    ("Containment and recovery", "Controls in place before the breach"),
    ("Containment and recovery", "Actions taken to contain the breach and reduce harm"),
    ("Containment and recovery", "Actions planned"),
    ("Containment and recovery", "Other organisations told"),
    ("Containment and recovery", "Have you told the data subjects?"),
    ("About you", "Organisation"),
    ("About you", "Reporter's name, role and contact details"),
    ("About you", "Data protection officer's name and contact details"),
]

# The school's categories in the ICO form's words; one of ours may be several of theirs.
ICO_DATA_CATEGORIES: dict[str, list[str]] = {
    InformationCategory.SAFEGUARDING: ["Other: safeguarding or child protection information"],
    InformationCategory.SEN: ["Health", "Other: special educational needs information"],
    InformationCategory.BASIC_IDENTIFIERS: ["Basic personal identifiers"],
    InformationCategory.CONTACT: ["Basic personal identifiers"],
    InformationCategory.EDUCATION: ["Other: education records (marks, reports, attendance)"],
    InformationCategory.HEALTH: ["Health"],
    InformationCategory.RACIAL_ETHNIC: ["Racial or ethnic origin"],
    InformationCategory.RELIGIOUS: ["Religious or philosophical beliefs"],
    InformationCategory.SEX_LIFE: ["Sex life", "Sexual orientation"],
    InformationCategory.GENDER_REASSIGNMENT: ["Gender reassignment"],
    InformationCategory.POLITICAL: ["Political opinions"],
    InformationCategory.TRADE_UNION: ["Trade union membership"],
    InformationCategory.GENETIC_BIOMETRIC: ["Genetic or biometric data"],
    InformationCategory.CRIMINAL: ["Criminal convictions or offences"],
    InformationCategory.FINANCIAL: ["Economic or financial data"],
    InformationCategory.IDENTIFICATION: ["Identification data (usernames, passwords)"],
    InformationCategory.OFFICIAL_DOCUMENTS: ["Official documents"],
    InformationCategory.LOCATION: ["Location data"],
    InformationCategory.NOT_KNOWN: ["Not yet known"],
    InformationCategory.OTHER: ["Other"],
}

ICO_SUBJECT_CATEGORIES: dict[str, list[str]] = {
    WhoseInformation.PUPILS: ["Children", "Students"],
    WhoseInformation.STAFF: ["Employees"],
    WhoseInformation.PARENTS: ["Users", "Other: parents and carers"],
    WhoseInformation.GOVERNORS: ["Other: governors and volunteers"],
    WhoseInformation.OTHERS: ["Other"],
    WhoseInformation.NOT_SURE: ["Not yet known"],
}

# The report gives a band, not a count: the ICO asks for approximate numbers (Art 33(3)(a)).
APPROXIMATE_COUNT = {
    PeopleCount.ONE: "1",
    PeopleCount.FEW: "Between 2 and 10",
    PeopleCount.CLASS: "Between 11 and 50",
    PeopleCount.MANY: "Between 51 and 500",
    PeopleCount.VERY_MANY: "More than 500",
}

# Categories whose loss is likely to cause distress or worse, in the form's plain terms.
CONSEQUENCES = {
    InformationCategory.SAFEGUARDING: "risk to the safety and wellbeing of children",
    InformationCategory.HEALTH: "distress and loss of confidentiality of health information",
    InformationCategory.SEN: "distress and loss of confidentiality of health or needs information",
    InformationCategory.FINANCIAL: "financial loss or fraud",
    InformationCategory.IDENTIFICATION: "unauthorised access to accounts, identity fraud",
    InformationCategory.OFFICIAL_DOCUMENTS: "identity fraud",
    InformationCategory.CONTACT: "unwanted contact, phishing",
    InformationCategory.LOCATION: "risk to physical safety",
    InformationCategory.CRIMINAL: "discrimination and reputational damage",
}


@dataclass(frozen=True)
class DraftField:
    section: str
    label: str
    value: str


# --- Redaction --------------------------------------------------------------------------

_SPLIT = re.compile(r"[,;\n/()]+|\band\b|&", re.IGNORECASE)
_NAME_WORD = re.compile(r"[A-Za-z][A-Za-z'\-]+")


def names_to_remove(incident: Incident) -> list[str]:
    """The names that must not leave in the draft: the people involved, as the reporter
    listed them, and everyone in the organisation and its trust (the reporter among them).

    Each full name and each of its words of three letters or more, longest first, so a
    full name goes before its parts.
    """
    names: set[str] = set()
    for chunk in _SPLIT.split(incident.people_involved or ""):
        chunk = chunk.strip()
        if chunk:
            names.add(chunk)
    org_ids = [incident.organisation_id, incident.organisation.trust_id]
    members = Membership.objects.filter(
        Q(organisation_id__in=[i for i in org_ids if i is not None])
    ).values_list("person__full_name", flat=True)
    names.update(name for name in members if name)
    parts = {w for name in names for w in _NAME_WORD.findall(name) if len(w) >= 3}
    return sorted(names | parts, key=len, reverse=True)


def redact(text: str, names: list[str]) -> str:
    """`text` with every one of `names` replaced, whole words only, whatever the case."""
    for name in names:
        text = re.sub(rf"(?<!\w){re.escape(name)}(?!\w)", REMOVED, text, flags=re.IGNORECASE)
    # "[name removed] [name removed]" reads as two people where there was one.
    removed = re.escape(REMOVED)
    return re.sub(rf"{removed}(?:\s+{removed})+", REMOVED, text).strip()


# --- The draft --------------------------------------------------------------------------


def _when(moment: datetime.datetime | None) -> str:
    if moment is None:
        return ""
    return moment.astimezone(local_zone()).strftime("%-d %B %Y at %H:%M")


def _labels(values: list[str], choices: type) -> list[str]:
    known = dict(choices.choices)
    return [str(known[v]) for v in values if v in known]


def _unique(items: list[str]) -> list[str]:
    return list(dict.fromkeys(items))


def _to_complete(prompt: str) -> str:
    return f"{TO_COMPLETE} {prompt}"


def ico_report_draft(incident: Incident, *, kind: str = SubmissionKind.INITIAL) -> list[DraftField]:
    """Every field of the ICO's online breach report for `incident`, as (section, label,
    value), pre-filled from the incident and free of the affected people's names.

    A field the incident cannot answer says what to write ("To complete before sending:").
    `kind` is the report being drafted: a follow-up carries the ICO's case reference.
    """
    from incidentdesk.investigations.models import Action, ActionStatus, Escalation

    names = names_to_remove(incident)
    assessment = assessment_of(incident)
    submissions = submissions_of(incident)
    case_reference = next((s.ico_case_reference for s in submissions if s.ico_case_reference), "")
    kind_label = dict(SubmissionKind.choices)[kind]
    cyber = incident.category == Category.CYBER_ATTACK
    categories = list(incident.information_categories or [])
    whose = list(incident.whose_information or [])

    description = [
        f"{dict(Kind.choices).get(incident.kind or incident.reported_kind, 'An incident')}"
        f" reported to {incident.organisation.name} (our reference {incident.reference}).",
    ]
    if incident.category:
        description.append(f"Type of incident: {incident.get_category_display().lower()}.")
    if whose:
        description.append(
            "Whose information: " + ", ".join(_labels(whose, WhoseInformation)).lower() + "."
        )
    if categories:
        description.append(
            "Information involved: "
            + "; ".join(_labels(categories, InformationCategory)).lower()
            + "."
        )
    description.append(_to_complete("describe what happened in your own words, without names."))

    forms = _labels(list(incident.information_forms or []), InformationForm)
    how = []
    if forms:
        how.append("The information was held as: " + ", ".join(forms).lower() + ".")
    if incident.source == "supplier":
        how.append("The breach happened at a supplier that processes our data.")
    how.append(_to_complete("how it happened, without names."))

    discovered = redact(incident.how_discovered, names) if incident.how_discovered else ""
    happened = ""
    if incident.occurred_on:
        happened = incident.occurred_on.strftime("%-d %B %Y")
        if incident.occurred_time:
            happened += incident.occurred_time.strftime(" at %H:%M")
    aware = became_aware_at(incident, assessment)
    discovered_at = _when(incident.discovered_at) or _when(aware)

    data_categories = _unique(
        [c for key in categories for c in ICO_DATA_CATEGORIES.get(key, ["Other"])]
    ) or ["Not yet known"]
    subject_categories = _unique(
        [c for key in whose for c in ICO_SUBJECT_CATEGORIES.get(key, ["Other"])]
    ) or ["Not yet known"]
    count = APPROXIMATE_COUNT.get(incident.people_count, "Not yet known")

    consequences = _unique([CONSEQUENCES[c] for c in categories if c in CONSEQUENCES])
    consequence_text = (
        (
            "Possible " + "; ".join(consequences) + "."
            if consequences
            else "Distress and loss of control of personal data."
        )
        + " "
        + _to_complete("anything particular to these people.")
    )
    if assessment is not None and assessment.decided_at is not None:
        likelihood = (
            "High risk: the people affected are being told."
            if assessment.high_risk
            else "A risk is likely, but not a high risk."
            if assessment.risk_likely
            else "A risk is unlikely."
        )
        likelihood += " " + redact(assessment.reasons, names)
    else:
        likelihood = _to_complete("record the ICO decision on Incident Desk first.")

    if cyber:
        affected = [
            name
            for name, flag in [
                ("Confidentiality", incident.confidentiality_affected),
                ("Integrity", incident.integrity_affected),
                ("Availability", incident.availability_affected),
            ]
            if flag
        ]
        cia = ", ".join(affected) if affected else "None recorded"
        impact = _to_complete("the impact on the school's systems and work.")
        recovery = _to_complete("when systems are expected to be recovered.")
    else:
        cia = impact = recovery = "Not applicable: not a cyber incident."

    actions = list(Action.objects.filter(incident=incident).order_by("due_on", "pk"))
    taken = [redact(a.description, names) for a in actions if a.status == ActionStatus.DONE]
    if incident.already_done:
        taken.insert(0, redact(incident.already_done, names))
    planned = [
        f"{redact(a.description, names)} (by {a.due_on:%-d %B %Y})"
        for a in actions
        if a.status != ActionStatus.DONE
    ]
    escalations = [
        redact(e.escalated_to, names) for e in Escalation.objects.filter(incident=incident)
    ]
    told = people_told_of(incident)
    if told:
        told_text = "Yes. " + " ".join(
            f"{t.get_audience_display()} on {_when(t.told_at)} by {t.how}." for t in told
        )
    elif assessment is not None and assessment.decision == IcoDecision.NOTIFY_ICO_AND_PEOPLE:
        told_text = "Not yet: they will be told without undue delay (high risk)."
    else:
        told_text = "No. " + _to_complete("say whether you plan to tell them, and why.")

    manager = duty_holders_for(incident.organisation, Duty.INCIDENT_MANAGER)
    dpo = duty_holders_for(incident.organisation, Duty.DPO)

    values = {
        "Initial or follow-up report": kind_label,
        "ICO case reference": case_reference
        if case_reference
        else (
            "Not yet given"
            if kind == SubmissionKind.INITIAL
            else _to_complete("the ICO's case reference.")
        ),
        "What happened": " ".join(description),
        "How it happened": " ".join(how),
        "Was the breach caused by a cyber incident?": "Yes" if cyber else "No",
        "How did you discover the breach?": discovered or _to_complete("how it was discovered."),
        "When did the breach happen?": happened or _to_complete("when it happened, if known."),
        "When did you discover the breach?": discovered_at,
        "Categories of personal data included": "; ".join(data_categories),
        "Number of personal data records concerned": f"{count} (approximate)"
        if incident.people_count in APPROXIMATE_COUNT
        else "Not yet known",
        "Number of data subjects affected": f"{count} (approximate)"
        if incident.people_count in APPROXIMATE_COUNT
        else "Not yet known",
        "Categories of data subjects affected": "; ".join(subject_categories),
        "Potential consequences for the data subjects": consequence_text,
        "How likely are the consequences?": likelihood,
        "Was confidentiality, integrity or availability affected?": cia,
        "Impact on your organisation": impact,
        "Expected recovery time": recovery,
        "Had the staff member involved received data protection training?": _to_complete(
            "yes or no, and when the training was last done."
        ),
        "Controls in place before the breach": _to_complete(
            "the policies, training and technical controls in place before the breach."
        ),
        "Actions taken to contain the breach and reduce harm": " ".join(taken)
        if taken
        else _to_complete("what has been done so far."),
        "Actions planned": " ".join(planned) if planned else _to_complete("what is planned."),
        "Other organisations told": "; ".join(escalations)
        if escalations
        else "None recorded. " + _to_complete("the police, insurer or DfE if they were told."),
        "Have you told the data subjects?": told_text,
        "Organisation": incident.organisation.name,
        "Reporter's name, role and contact details": "; ".join(
            f"{p.full_name}, incident manager, {p.email}" for p in manager
        )
        or _to_complete("your name, role and contact details."),
        "Data protection officer's name and contact details": "; ".join(
            f"{p.full_name}, {p.email}" for p in dpo
        )
        or _to_complete("the DPO's name and contact details."),
    }
    return [DraftField(section, label, values[label]) for section, label in ICO_FIELDS]


def sections(fields: list[DraftField]) -> list[tuple[str, list[DraftField]]]:
    """The fields grouped by section, in order, for the page and the documents."""
    grouped: dict[str, list[DraftField]] = {}
    for f in fields:
        grouped.setdefault(f.section, []).append(f)
    return list(grouped.items())
