"""The two policy presets, built from the trust's and the school's Security Incidents Policy.

The texts of the numbered MUST points, the investigation steps a–k and the duty titles come
from the policies themselves. Contact details in the policy texts belong to real people and
are deliberately not copied here.
"""

from __future__ import annotations

from typing import Any

from .models import Duty, Preset, TimescaleStep, TimescaleUnit

INVESTIGATION_STEPS = [
    ["a", "Identify expected outcomes, stakeholders and any policies breached"],
    ["b", "Speak to staff involved"],
    ["c", "Record evidence and keep an audit trail of events and evidence supporting decisions"],
    ["d", "Get expert help"],
    ["e", "Escalate"],
    ["f", "Inform data subjects (service users, staff) where appropriate"],
    ["g", "Identify and manage risks of the incident"],
    ["h", "Commence disciplinary action, or record why not"],
    ["i", "Develop and implement a communications plan where appropriate"],
    ["j", "Put in place controls to prevent recurrence"],
    ["k", "Complete the Incident Outcome Report"],
]

SEVERITIES = [
    {
        "key": "minor",
        "name": "Minor",
        "rank": 1,
        "description": "Little or no harm is likely; the information was recovered or seen "
        "only by people entitled to it.",
        "criteria": "A near miss, or a few people's basic details; contained quickly.",
        "is_serious": False,
    },
    {
        "key": "moderate",
        "name": "Moderate",
        "rank": 2,
        "description": "Some harm or distress is possible for a small number of people.",
        "criteria": "Personal data of a class or a few staff seen by the wrong people, "
        "no special category data.",
        "is_serious": False,
    },
    {
        "key": "major",
        "name": "Major",
        "rank": 3,
        "description": "Significant harm or distress is likely, or many people are affected.",
        "criteria": "Special category or safeguarding information, financial data, or a "
        "large number of people; likely to be reportable to the ICO.",
        "is_serious": True,
    },
    {
        "key": "critical",
        "name": "Critical",
        "rank": 4,
        "description": "Serious harm is likely, or the school cannot operate.",
        "criteria": "A cyber attack, loss of systems, or sensitive information about "
        "children made public; high risk to the people affected.",
        "is_serious": True,
    },
]

# Defaults from the domain facts; the ICO's 72 hours is statutory.
TIMESCALES: list[dict[str, Any]] = [
    {"step": TimescaleStep.REPORT, "amount": 0, "unit": TimescaleUnit.IMMEDIATELY},
    {"step": TimescaleStep.ACKNOWLEDGE, "amount": 1, "unit": TimescaleUnit.WORKING_HOURS},
    {"step": TimescaleStep.CLASSIFY, "amount": 1, "unit": TimescaleUnit.WORKING_DAYS},
    {
        "step": TimescaleStep.DPO_REFERRAL,
        "amount": 24,
        "unit": TimescaleUnit.ELAPSED_HOURS,
        "notes": "At classification, at the latest 24 hours after becoming aware.",
    },
    {
        "step": TimescaleStep.ICO_DECISION,
        "amount": 72,
        "unit": TimescaleUnit.ELAPSED_HOURS,
        "statutory": True,
        "notes": "UK GDPR Article 33(1): 72 hours after becoming aware.",
    },
    {
        "step": TimescaleStep.TELL_PEOPLE,
        "amount": 0,
        "unit": TimescaleUnit.IMMEDIATELY,
        "notes": "Without undue delay once high risk is decided (Article 34).",
    },
    *[
        {
            "step": TimescaleStep.INVESTIGATION,
            "severity_key": key,
            "amount": days,
            "unit": TimescaleUnit.WORKING_DAYS,
        }
        for key, days in [("minor", 20), ("moderate", 15), ("major", 10), ("critical", 5)]
    ],
    {"step": TimescaleStep.OUTCOME_REVIEW, "amount": 5, "unit": TimescaleUnit.WORKING_DAYS},
]

INFORMATION_POLICIES = [
    "Data Protection Policy",
    "Information Security Policy",
    "Acceptable Use Policy",
    "Email and Internet Use Policy",
    "Clear Desk and Clear Screen Policy",
    "Records Management and Retention Policy",
    "Remote and Mobile Working Policy",
    "Password Policy",
    "Information Sharing Policy",
    "Security Incidents Policy",
]

TRUST = {
    "name": "Trust Security Incidents Policy",
    "preset": Preset.TRUST,
    "duty_titles": {
        Duty.INCIDENT_MANAGER: "Information Champion",
        Duty.INVESTIGATING_OFFICER: "Investigating officer",
        Duty.HEAD_OF_SCHOOL: "Head of School",
        Duty.SIRO: "Senior Information Risk Owner (SIRO)",
        Duty.DPO: "Data Protection Officer (DPO)",
        Duty.GOVERNOR: "Trustee",
        Duty.CHAIR_OF_GOVERNORS: "Chair of Trustees",
        Duty.SAFEGUARDING_LEAD: "Designated Safeguarding Lead",
        Duty.STAFF: "Member of staff",
    },
    "report_recipients": [Duty.INCIDENT_MANAGER],
    "anonymous_recipient": Duty.INCIDENT_MANAGER,
    "out_of_hours_recipient": Duty.HEAD_OF_SCHOOL,
    # Point 6b leaves "[insert role(s)/ team(s)]" to the trust; points 4b and 5c name the SIRO.
    "major_support": [Duty.SIRO],
    "critical_support": [Duty.INCIDENT_MANAGER, Duty.SIRO],
    "referral_recipients": [Duty.DPO],
    "manager_investigates_critical": True,
    "outcome_reviewers_serious": [Duty.SIRO],
    "points": [
        (
            1,
            "If you discover a security incident, you must immediately report it to the "
            "Information Champion.",
            "Capturing security incidents allows us to respond effectively when something "
            "has gone wrong, and to understand where our weaknesses are, how well our "
            "policies are working and what we should change.",
            "Notify the Information Champion immediately. No action will be taken against "
            "any member of staff who reports a security incident about another member of "
            "staff in good faith. Identification of a reporting party who requests anonymity "
            "shall be protected as far as is feasible. Out of hours, the Head of School must "
            "be alerted and must then contact the Information Champion at the earliest "
            "opportunity.",
        ),
        (
            2,
            "When reporting the incident, you must provide as much information as possible.",
            "To help us quickly assess the severity of the incident and to speed up the "
            "investigation.",
            "Include full details of the incident such as dates, names and any remedial "
            "action that has been taken.",
        ),
        (
            3,
            "The Information Champion must complete investigations and complete an outcome report.",
            "Carry out an effective process appropriate to the severity of the incident.",
            "Where appropriate, undertake the investigation steps a to k.",
        ),
        (
            4,
            "All staff must support investigations into incidents as required.",
            "Carry out an effective process appropriate to the severity of the incident.",
            "Work with the SIRO to investigate major security incidents; assess the outcome "
            "to ensure the appropriate action has been taken; provide knowledge and advice, "
            "and carry out any recommended actions for major or critical incidents.",
        ),
        (
            5,
            "Maintain a full record of each incident from reporting to closure.",
            "Ensure the process is followed to completion.",
            "Classify the security incident; verify the details and oversee the "
            "investigation; work with the SIRO to investigate major security incidents; "
            "advise, support and intervene as appropriate; review Incident Outcome Reports "
            "and close.",
        ),
        (
            6,
            "The Information Champion and SIRO must support the investigation of major and "
            "critical incidents.",
            "Ensure that there is appropriate resource, expertise and independent scrutiny "
            "of processes for higher impact incidents.",
            "For major and critical incidents: undertake the investigation (critical only); "
            "work with the named roles or teams (major only); assess if it is necessary for "
            "the security incident to be reported to the ICO; complete an outcome report and "
            "recommend remedial actions.",
        ),
        (
            7,
            "Comply with the timescales and escalation process outlined in the Procedures "
            "for Reporting or Handling a Security Incident.",
            "Ensure that all incidents are handled in a timely manner.",
            "Follow the process outlined in the Trust's Procedures for Reporting or Handling "
            "a Security Incident.",
        ),
        (
            8,
            "Major and critical incidents must be referred to the Data Protection Officer.",
            "Ensure that serious incidents are reviewed against the criteria for reporting "
            "to the regulator.",
            "Refer the incident to the DPO when it is classified major or critical.",
        ),
    ],
}

SCHOOL = {
    "name": "School Security Incidents Policy",
    "preset": Preset.SCHOOL,
    "duty_titles": {
        Duty.INCIDENT_MANAGER: "Headteacher or Bursar",
        Duty.INVESTIGATING_OFFICER: "Investigating Officer / Line Manager",
        Duty.HEAD_OF_SCHOOL: "Deputy Headteacher",
        Duty.SIRO: "Senior Information Risk Owner (SIRO)",
        Duty.DPO: "Data Protection Officer (DPO)",
        Duty.GOVERNOR: "Governing Body member",
        Duty.CHAIR_OF_GOVERNORS: "Chair of Governors",
        Duty.SAFEGUARDING_LEAD: "Designated Safeguarding Lead",
        Duty.STAFF: "Member of staff",
    },
    "report_recipients": [Duty.INCIDENT_MANAGER],
    "anonymous_recipient": Duty.CHAIR_OF_GOVERNORS,
    "out_of_hours_recipient": Duty.INCIDENT_MANAGER,
    "major_support": [Duty.GOVERNOR],
    "critical_support": [Duty.GOVERNOR],
    "referral_recipients": [Duty.DPO],
    "manager_investigates_critical": True,
    "outcome_reviewers_serious": [Duty.CHAIR_OF_GOVERNORS],
    "points": [
        (
            1,
            "If you discover a security incident, you must immediately report it.",
            "Capturing security incidents allows us to respond effectively when something "
            "has gone wrong, and to understand where our weaknesses are, how well our "
            "policies are working and what we should change.",
            "Speak immediately to the Headteacher or Bursar. To stay anonymous, report to the "
            "Chair of Governors. No action will be taken against any member of staff who "
            "reports a security incident about another member of staff in good faith. "
            "Identification of a reporting party who requests anonymity shall be protected "
            "as far as is feasible.",
        ),
        (
            2,
            "When reporting the incident, you must provide as much information as possible.",
            "To help us quickly assess the severity of the incident and to speed up the "
            "investigation.",
            "Include full details of the incident such as dates, names and any remedial "
            "action that has been taken.",
        ),
        (
            3,
            "The Investigating Officer / Line Manager must complete investigations as "
            "directed by the Governing Body and complete an outcome report.",
            "Carry out an effective process appropriate to the severity of the incident.",
            "Where appropriate, undertake the investigation steps a to k.",
        ),
        (
            4,
            "The Headteacher or Bursar must support investigations as directed by the "
            "Governing Body and provide an outcome report.",
            "Carry out an effective process appropriate to the severity of the incident.",
            "Work with the Governing Body to investigate major security incidents; decide "
            "whether to investigate personally or allocate to the line manager or "
            "investigating officer; assess the outcome; provide knowledge and advice, and "
            "carry out recommended actions for major or critical incidents.",
        ),
        (
            5,
            "The Headteacher or Bursar must oversee and support each investigation, "
            "maintaining a full record from reporting to closure.",
            "Ensure the process is followed to completion.",
            "Classify the security incident; verify the details and oversee the "
            "investigation; work with the Governing Body to investigate major security "
            "incidents; advise, support and intervene as appropriate; review Incident "
            "Outcome Reports and close.",
        ),
        (
            6,
            "The Governing Body must support the investigation of major and critical incidents.",
            "Ensure that there is appropriate resource, expertise and independent scrutiny "
            "of processes for higher impact incidents.",
            "For major and critical incidents: undertake the investigation (critical only); "
            "work with the Governing Body (major only); assess if it is necessary for the "
            "security incident to be reported to the ICO; complete an outcome report and "
            "recommend remedial actions.",
        ),
        (
            7,
            "Comply with the timescales and escalation process outlined in the Procedures "
            "for Reporting or Handling a Security Incident.",
            "Ensure that all incidents are handled in a timely manner.",
            "Follow the process outlined in the Procedures for Reporting or Handling a "
            "Security Incident.",
        ),
    ],
}

PRESETS = {Preset.TRUST: TRUST, Preset.SCHOOL: SCHOOL}
