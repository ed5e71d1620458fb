"""A year of invented incidents for the demo, made through the real services.

Each story is played with the clock moved to the moment it happened
(`time_machine.travel`, docs/decisions/0003-demo-moves-the-clock.md), so references,
deadlines, audit events and the statistics summary are exactly what the services would
have written at the time. The steps of all stories are played in time order, so the
audit log of the stories reads forwards. Every name is invented; no real pupil, parent,
member of staff or address. A story already in the database is not played again.
"""

from __future__ import annotations

import datetime
import heapq
from collections.abc import Generator, Iterable
from dataclasses import dataclass, field

import time_machine
from django.utils import timezone

from incidentdesk.deadlines.calendar import local_zone
from incidentdesk.incidents.models import Incident, InvolvementRole, Kind, ReportingMode
from incidentdesk.incidents.services import (
    ClassificationInput,
    acknowledge_referral,
    assign_investigator,
    classify_incident,
    transition,
)
from incidentdesk.investigations.models import ActionStatus, InvestigationStep, StepStatus
from incidentdesk.investigations.services import (
    add_action,
    update_action,
    update_investigation_step,
)
from incidentdesk.organisations.models import Duty, Organisation, Person
from incidentdesk.organisations.selectors import duty_holders_for
from incidentdesk.outcomes.rules import serious_review_duties
from incidentdesk.outcomes.services import review_outcome_report, submit_outcome_report
from incidentdesk.regulator.models import SubmissionKind
from incidentdesk.regulator.services import (
    IcoDecisionInput,
    record_data_subject_decision,
    record_ico_decision,
    record_ico_submission,
)
from incidentdesk.reporting.services import ReportDetails, report_incident

ORGANISATIONS = {
    "T": "example-learning-trust",
    "P": "example-primary-academy",
    "H": "example-high-school",
    "J": "example-junior-school",
}

# How far each story goes.
REPORTED = "reported"  # just reported: in the queue, the ICO clock running
CLASSIFIED = "classified"  # classified, no investigator yet
NO_ICO = "no_ico"  # investigating, the ICO decision never recorded: overdue
INVESTIGATING = "investigating"
SUBMITTED = "submitted"  # outcome report waiting for the incident manager
NOT_AN_INCIDENT = "not_an_incident"
CLOSED = "closed"

# Working days to investigate, by severity.
INVESTIGATION_DAYS = {"minor": 6, "moderate": 12, "major": 20, "critical": 25}
SEVERITY_REASONS = {
    "minor": "Contained quickly; little or no risk to anyone.",
    "moderate": "Personal information went where it should not, but to few people.",
    "major": "Many people's information, or sensitive information, was exposed.",
    "critical": "Sensitive information about vulnerable pupils may be in unknown hands.",
}


@dataclass(frozen=True)
class Story:
    org: str  # a key of ORGANISATIONS
    # 0 is today, and `at` is hours before now. At most 330: the dashboard's default
    # period (this month and the eleven before it) shows every story.
    days_ago: int
    at: str  # local time "HH:MM", or hours before now when days_ago is 0
    kind: str
    category: str
    severity: str
    personal: str  # yes / no / unknown
    what: str
    cause: str
    lesson: str
    end: str = CLOSED
    mode: str = ReportingMode.NAMED
    reporter: int = 0  # which member of staff
    ico: str = ""  # "" not reportable; "notify": told the ICO
    action: str = ""
    action_overdue: bool = False
    safeguarding: bool = False
    policies: tuple[str, ...] = ()
    found_hours_before: float = 0.5
    location: str = ""
    whose: tuple[str, ...] = ()
    people_count: str = ""
    information: tuple[str, ...] = ()
    forms: tuple[str, ...] = ()


NM, PB, CB = Kind.NEAR_MISS, Kind.POTENTIAL_BREACH, Kind.CONFIRMED_BREACH
CONF, ANON = ReportingMode.CONFIDENTIAL, ReportingMode.ANONYMOUS
EMAIL_POLICY = "Email and Internet Use Policy"
CLEAR_DESK = "Clear Desk and Clear Screen Policy"
MOBILE = "Remote and Mobile Working Policy"
DATA_PROTECTION = "Data Protection Policy"
SECURITY = "Information Security Policy"
PASSWORDS = "Password Policy"

STORIES: list[Story] = [
    Story(
        "H", 328, "10:15", CB, "wrong_recipient", "moderate", "yes",
        "A Year 9 pupil's school report was e-mailed to another parent with the same surname.",
        "The e-mail program suggested the wrong address and it was not checked before sending.",
        "Check the recipient's full address before sending anything about a pupil.",
        action="Turn off address suggestions in the school's e-mail for office staff.",
        policies=(EMAIL_POLICY,), location="School office", whose=("pupils", "parents"),
        people_count="1", information=("education",), forms=("email",),
    ),
    Story(
        "P", 320, "08:40", NM, "wrong_recipient", "minor", "yes",
        "The bursar noticed the payroll file attached to an e-mail to the caterers and "
        "removed it before sending.",
        "Two files with similar names in the same folder.",
        "Keep payroll files in their own folder, away from supplier paperwork.",
        location="Finance office", whose=("staff",), people_count="11-50",
        information=("financial",), forms=("email",),
    ),
    Story(
        "J", 312, "19:20", PB, "loss_or_theft", "moderate", "yes",
        "A teacher lost an unencrypted memory stick with Year 6 practice test marks on the "
        "bus home.",
        "Marks were copied to a personal memory stick to work on at home.",
        "Staff work on marks through the remote desktop, never on memory sticks.",
        mode=CONF, reporter=1, action="Give teachers encrypted memory sticks and remote access.",
        policies=(MOBILE,), found_hours_before=2, location="Bus home",
        whose=("pupils",), people_count="11-50", information=("education",), forms=("device",),
    ),
    Story(
        "T", 300, "11:05", NM, "cyber_attack", "minor", "no",
        "An e-mail pretending to be from the chief executive asked for gift cards; it was "
        "reported before anyone replied.",
        "A spoofed sender name on an outside e-mail address.",
        "Staff recognised the request as unusual and reported it: the training works.",
        location="Trust office", forms=("email",),
    ),
    Story(
        "H", 290, "14:30", CB, "unauthorised_access", "moderate", "yes",
        "A printout of mock exam results was left on the library printer and read by "
        "Year 11 pupils.",
        "Printing to the shared library printer without secure print release.",
        "Results are printed only with secure print release.",
        mode=ANON, action="Turn on secure print release on the library printer.",
        policies=(CLEAR_DESK,), location="Library", whose=("pupils",), people_count="51-500",
        information=("education",), forms=("paper",),
    ),
    Story(
        "P", 280, "09:10", NM, "wrong_recipient", "minor", "yes",
        "A mail merge of letters to parents paired names with the wrong addresses; the "
        "office caught it before posting.",
        "The address list was sorted separately from the names.",
        "Check three letters against the register before printing a merge.",
        reporter=1, location="School office", whose=("parents",), people_count="51-500",
        information=("basic_identifiers",), forms=("paper",),
    ),
    Story(
        "J", 268, "07:55", PB, "cyber_attack", "major", "yes",
        "The office administrator entered her password on a fake sign-in page; her mailbox "
        "sent spam to parents for twenty minutes.",
        "A convincing phishing e-mail and no two-step sign-in on office accounts.",
        "Two-step sign-in for every account that can reach parents' details.",
        ico="notify", action="Turn on two-step sign-in for all office and leadership accounts.",
        policies=(PASSWORDS, EMAIL_POLICY), found_hours_before=0.3, location="School office",
        whose=("parents",), people_count="51-500", information=("contact",),
        forms=("email", "system"),
    ),
    Story(
        "H", 255, "13:20", NM, "it_failure", "minor", "no",
        "The nightly backup of the school's management information system failed three "
        "nights running; the technician noticed.",
        "The backup disk was full.",
        "Backup failures must raise an alert, not wait to be noticed.",
        reporter=1, action="Set the backup to e-mail the technician when it fails.",
        location="Server room", forms=("system",),
    ),
    Story(
        "T", 244, "16:45", CB, "wrong_recipient", "minor", "yes",
        "A reply to a payroll query, with one person's salary, was sent to a colleague of "
        "the same name at another school.",
        "Two staff with the same name in the trust's address book.",
        "Payroll replies go to the address the query came from.",
        reporter=1, location="Trust office", whose=("staff",), people_count="1",
        information=("financial",), forms=("email",),
    ),
    Story(
        "H", 232, "22:10", CB, "loss_or_theft", "critical", "yes",
        "Burglary overnight: two laptops were taken from the special needs office; one was "
        "not encrypted and held pupils' support plans.",
        "An older laptop had been missed when encryption was turned on.",
        "Every device is checked for encryption each term, not only new ones.",
        ico="notify", safeguarding=True, reporter=2,
        action="Check every laptop for encryption and record it on the asset register.",
        policies=(SECURITY, MOBILE), found_hours_before=1, location="Special needs office",
        whose=("pupils", "parents"), people_count="11-50",
        information=("sen", "health", "safeguarding"), forms=("device",),
    ),
    Story(
        "P", 238, "10:30", NM, "unauthorised_access", "minor", "yes",
        "A supply teacher was given a colleague's sign-in for the classroom computer; the "
        "deputy head stopped it the same morning.",
        "No supply staff account was ready when the teacher arrived.",
        "Keep two supply accounts ready at all times.",
        reporter=2, policies=(PASSWORDS,), location="Year 3 classroom", whose=("pupils",),
        information=("education",), forms=("system",),
    ),
    Story(
        "J", 226, "12:00", NM, "false_alarm", "minor", "no",
        "A parent said the class app had shown them another child's photo; it was their own "
        "child in a hat.",
        "A misunderstanding.",
        "None needed.",
        end=NOT_AN_INCIDENT, reporter=2, location="Class app", forms=("system",),
    ),
    Story(
        "H", 214, "15:15", PB, "unauthorised_access", "moderate", "yes",
        "A spreadsheet of a Year 10 class's predicted grades was shared with the whole year "
        "group in the online classroom instead of with staff.",
        "The share was set to the class group, not the staff group.",
        "Staff-only files live in the staff area, never in a class's space.",
        action="Move the department's tracking sheets to the staff area.",
        policies=(DATA_PROTECTION,), found_hours_before=3, location="Online classroom",
        whose=("pupils",), people_count="11-50", information=("education",), forms=("system",),
    ),
    Story(
        "T", 200, "09:45", NM, "other", "minor", "no",
        "The trust office door was left unlocked overnight after cleaning; nothing was "
        "disturbed.",
        "The cleaners' checklist did not include the side door.",
        "Locking every door is on the closing checklist.",
        action="Add the side door to the cleaners' closing checklist.",
        found_hours_before=1, location="Trust office",
    ),
    Story(
        "P", 190, "18:30", PB, "loss_or_theft", "moderate", "yes",
        "The Year 4 trip folder with pupils' medical forms was left at the museum; museum "
        "staff returned it the next day.",
        "The folder was put down while counting pupils onto the coach.",
        "Trip leaders carry medical details in a zipped bag worn at all times.",
        mode=CONF, reporter=0, action="Buy zipped trip bags for medical forms.",
        found_hours_before=1.5, location="Museum", whose=("pupils",), people_count="11-50",
        information=("health",), forms=("paper",),
    ),
    Story(
        "H", 175, "11:20", NM, "cyber_attack", "minor", "no",
        "A pupil tried to guess staff passwords on a shared computer; the account locked and "
        "no access was gained.",
        "Curiosity; the lock-out worked as it should.",
        "Remind pupils of the acceptable use rules.",
        reporter=1, policies=(PASSWORDS,), location="IT room", forms=("system",),
    ),
    Story(
        "J", 163, "14:00", CB, "wrong_recipient", "moderate", "yes",
        "The newsletter went to all parents with every address in the To line instead of "
        "Bcc.",
        "The newsletter was sent from an ordinary mailbox instead of the mailing service.",
        "Newsletters go through the mailing service only.",
        reporter=1, action="Close the all-parents group to ordinary mailboxes.",
        policies=(EMAIL_POLICY,), location="School office", whose=("parents",),
        people_count="51-500", information=("contact",), forms=("email",),
    ),
    Story(
        "P", 150, "08:20", NM, "wrong_recipient", "minor", "yes",
        "The bursar stopped a free school meals list, with a column of bank details, from "
        "being e-mailed to the catering supplier.",
        "The list was exported with every column.",
        "Export only the columns the supplier needs.",
        reporter=1, location="Finance office", whose=("parents", "pupils"),
        people_count="11-50", information=("financial",), forms=("email",),
    ),
    Story(
        "T", 139, "13:40", PB, "it_failure", "major", "yes",
        "The HR system's supplier told us a setting let other customers' administrators see "
        "our staff list for two days.",
        "A change on the supplier's side, now reversed.",
        "Supplier contracts must require notice of such errors within 24 hours.",
        ico="notify", action="Ask the supplier for its written report and review the contract.",
        policies=(DATA_PROTECTION,), found_hours_before=4, location="HR system",
        whose=("staff",), people_count="over-500", information=("basic_identifiers", "contact"),
        forms=("system",),
    ),
    Story(
        "H", 120, "10:05", NM, "accident", "minor", "yes",
        "Safeguarding notes were left on a desk in an unlocked classroom at lunchtime; a "
        "colleague found and locked them away.",
        "The notes were taken out for a meeting and not put back.",
        "Safeguarding notes stay in the safeguarding office.",
        safeguarding=True, reporter=2, policies=(CLEAR_DESK,), location="Classroom",
        whose=("pupils",), people_count="1", information=("safeguarding",), forms=("paper",),
    ),
    Story(
        "J", 108, "16:10", PB, "loss_or_theft", "moderate", "yes",
        "A Reception class iPad with photos of pupils is missing.",
        "The iPads are not signed out or counted at the end of the day.",
        "iPads are counted back into the locked trolley every day.",
        mode=ANON, action="Set a passcode and remote wipe on every class iPad.",
        policies=(MOBILE,), found_hours_before=6, location="Reception class",
        whose=("pupils",), people_count="11-50", information=("genetic_biometric",),
        forms=("device",),
    ),
    Story(
        "P", 96, "09:30", CB, "wrong_recipient", "moderate", "yes",
        "A pupil's special needs support plan was e-mailed to another parent with the same "
        "first name.",
        "The parent was picked from the address book by first name.",
        "Support plans are shared through the secure parent portal.",
        reporter=2, action="Share support plans through the parent portal only.",
        policies=(EMAIL_POLICY,), location="Special needs office", whose=("pupils",),
        people_count="1", information=("sen",), forms=("email",),
    ),
    Story(
        "H", 84, "12:50", NM, "cyber_attack", "minor", "no",
        "An invoice from a known supplier gave new bank details; the finance officer phoned "
        "the supplier and found it was fake.",
        "A supplier's e-mail account had been taken over.",
        "Always phone to check a change of bank details.",
        reporter=0, location="Finance office", forms=("email",),
    ),
    Story(
        "T", 72, "20:40", PB, "cyber_attack", "moderate", "unknown",
        "A staff member opened a link in a message sent through the trust website's contact "
        "form.",
        "The contact form has no spam filter.",
        "Links in website messages are not opened on trust computers.",
        mode=CONF, reporter=0, action="Add a spam filter to the website contact form.",
        location="Trust website", forms=("system",),
    ),
    Story(
        "J", 63, "11:00", NM, "accident", "minor", "yes",
        "A class register printout was left in the school hall after assembly and handed in "
        "by a lunchtime supervisor.",
        "Registers are printed for assemblies.",
        "Take the register on the tablet, not on paper.",
        reporter=2, policies=(CLEAR_DESK,), location="School hall", whose=("pupils",),
        people_count="11-50", information=("basic_identifiers",), forms=("paper",),
    ),
    Story(
        "H", 55, "14:25", CB, "unauthorised_access", "moderate", "yes",
        "A teacher who left at Easter could still open the shared drive three weeks later.",
        "The leavers' list did not reach the IT technician.",
        "Accounts close on the last day of work, from the HR leavers' list.",
        action="Check leavers' accounts against the HR list every month.", action_overdue=True,
        policies=(SECURITY, PASSWORDS), found_hours_before=48, location="Shared drive",
        whose=("pupils", "staff"), people_count="51-500", information=("education",),
        forms=("system",),
    ),
    Story(
        "P", 44, "10:40", NM, "loss_or_theft", "minor", "yes",
        "A teacher left a school laptop in her car overnight; it was still there in the "
        "morning and is encrypted.",
        "Tired after parents' evening.",
        "Laptops go home in a bag, never left in a car.",
        reporter=1, policies=(MOBILE,), found_hours_before=12, location="Car park",
        whose=("pupils",), people_count="11-50", information=("education",), forms=("device",),
    ),
    Story(
        "J", 35, "15:30", PB, "wrong_recipient", "moderate", "yes",
        "A letter about a pupil's attendance was posted to a separated parent's old address.",
        "The address change was made in one system but not the other.",
        "Address changes are made once, in the information system.",
        reporter=0, location="School office", whose=("pupils", "parents"), people_count="1",
        information=("education", "basic_identifiers"), forms=("paper",),
    ),
    Story(
        "H", 26, "09:15", PB, "unauthorised_access", "major", "yes",
        "A pupil photographed a teacher's screen showing the behaviour log and shared it in "
        "a class group chat.",
        "The screen was left on while the teacher stepped out.",
        "Lock the screen whenever you step away.",
        end=INVESTIGATING, ico="notify", policies=(CLEAR_DESK,), reporter=0,
        location="Year 10 classroom", whose=("pupils",), people_count="11-50",
        information=("education", "safeguarding"), forms=("system",),
    ),
    Story(
        "T", 18, "13:10", CB, "wrong_recipient", "minor", "yes",
        "The governors' meeting papers, with a summary of a staff grievance, were e-mailed to "
        "a former governor.",
        "The governors' mailing list had not been updated.",
        "Governors' mailing lists are checked before each meeting.",
        end=INVESTIGATING, reporter=1, policies=(EMAIL_POLICY,), location="Trust office",
        whose=("staff",), people_count="1", information=("other",), forms=("email",),
    ),
    Story(
        "P", 12, "11:45", NM, "cyber_attack", "minor", "no",
        "A link in a fake parcel delivery e-mail was clicked on a classroom computer; no "
        "details were entered.",
        "A convincing phishing e-mail.",
        "Report a clicked link at once, as this teacher did.",
        end=SUBMITTED, reporter=2, location="Year 5 classroom", forms=("email",),
    ),
    Story(
        "J", 9, "10:20", PB, "loss_or_theft", "moderate", "yes",
        "A box of old pupil files was found in the skip behind the school during the summer "
        "clear-out.",
        "Files were cleared out without the retention schedule.",
        "Clear-outs follow the retention schedule and use the shredding service.",
        end=INVESTIGATING, reporter=0, policies=("Records Management and Retention Policy",),
        location="Skip behind the school", whose=("pupils",), people_count="51-500",
        information=("basic_identifiers", "education"), forms=("paper",),
    ),
    Story(
        "H", 4, "10:00", PB, "unauthorised_access", "moderate", "yes",
        "Year 8 trip consent forms, with medical notes, were uploaded to the public page of "
        "the school website.",
        "The forms were uploaded to the wrong folder of the website.",
        "",
        end=NO_ICO, reporter=2, location="School website", whose=("pupils", "parents"),
        people_count="51-500", information=("health", "contact"), forms=("system",),
    ),
    Story(
        "J", 2, "14:15", NM, "accident", "minor", "no",
        "The staffroom filing cabinet was found unlocked after the fire drill; its contents "
        "were checked and nothing was missing.",
        "The key was left in the lock during the drill.",
        "",
        end=CLASSIFIED, reporter=1, location="Staffroom", forms=("paper",),
    ),
    Story(
        "P", 1, "16:40", PB, "loss_or_theft", "", "unknown",
        "A teaching assistant lost her phone in town; it has the class's parent messaging "
        "app on it.",
        "",
        "",
        end=REPORTED, mode=CONF, reporter=0, found_hours_before=2, location="Town centre",
        whose=("parents",), people_count="11-50", information=("contact",), forms=("device",),
    ),
    Story(
        "J", 0, "2", CB, "wrong_recipient", "", "yes",
        "An e-mail with a link to the staff absence spreadsheet was forwarded to a parent by "
        "mistake.",
        "",
        "",
        end=REPORTED, reporter=0, location="School office", whose=("staff",),
        people_count="11-50", information=("health",), forms=("email",),
    ),
]  # fmt: skip


@dataclass
class _Cast:
    """The people of one organisation that the stories need."""

    manager: Person
    investigator: Person
    staff: list[Person]
    policies: dict[str, int] = field(default_factory=dict)


def _cast(organisation: Organisation) -> _Cast:
    from incidentdesk.organisations.demo import DEMO_ORGANISATIONS, demo_email

    demo = next(d for d in DEMO_ORGANISATIONS if d.slug == organisation.slug)
    staff = list(
        Person.objects.filter(email__in=[demo_email(n, demo.slug) for n in demo.staff]).order_by(
            "pk"
        )
    )
    profile = organisation.effective_profile
    return _Cast(
        manager=duty_holders_for(organisation, Duty.INCIDENT_MANAGER)[0],
        investigator=duty_holders_for(organisation, Duty.INVESTIGATING_OFFICER)[0],
        staff=staff,
        policies=dict(profile.information_policies.values_list("name", "pk")) if profile else {},
    )


def _moment(story: Story, now: datetime.datetime) -> datetime.datetime:
    if story.days_ago == 0:
        return now - datetime.timedelta(hours=float(story.at))
    day = now.astimezone(local_zone()).date() - datetime.timedelta(days=story.days_ago)
    hour, minute = (int(part) for part in story.at.split(":"))
    if 8 <= hour < 18:
        # A story of the school day happens on a weekday, whatever day the demo runs.
        while day.weekday() >= 5:
            day -= datetime.timedelta(days=1)
    return datetime.datetime.combine(day, datetime.time(hour, minute), tzinfo=local_zone())


def _later(moment: datetime.datetime, *, days: float = 0, hours: float = 0) -> datetime.datetime:
    """A moment `days` later at a working hour of a weekday, or `hours` later as it is."""
    moment = moment + datetime.timedelta(hours=hours)
    if not days:
        return moment
    local = (moment + datetime.timedelta(days=days)).astimezone(local_zone())
    while local.weekday() >= 5:
        local += datetime.timedelta(days=1)
    return local.replace(hour=max(9, min(local.hour, 15)))


def _fresh(incident: Incident) -> Incident:
    return Incident.objects.get(pk=incident.pk)


def _play(
    story: Story, organisation: Organisation, cast: _Cast, now: datetime.datetime
) -> Generator[datetime.datetime, None, None]:
    """The story's steps; yields the moment of each next step before taking it."""
    reported = _moment(story, now)
    yield reported
    reporter = cast.staff[story.reporter % len(cast.staff)]
    local = reported.astimezone(local_zone())
    incident = report_incident(
        organisation=organisation,
        reporter=None if story.mode == ReportingMode.ANONYMOUS else reporter,
        mode=story.mode,
        details=ReportDetails(
            what_happened=story.what,
            reported_kind=story.kind,
            occurred_on=local.date(),
            discovered_at=reported - datetime.timedelta(hours=story.found_hours_before),
            location=story.location,
            whose_information=list(story.whose),
            people_count=story.people_count,
            information_categories=list(story.information),
            information_forms=list(story.forms),
        ),
    ).incident
    if story.end == REPORTED:
        return
    manager, investigator = cast.manager, cast.investigator

    classified = _later(reported, hours=2 if story.severity in {"major", "critical"} else 5)
    yield classified
    incident = classify_incident(
        incident=incident,
        actor=manager,
        data=ClassificationInput(
            kind=story.kind,
            category=story.category,
            personal_data=story.personal,
            severity=story.severity,
            severity_reason=SEVERITY_REASONS[story.severity],
            confidentiality_affected=story.personal == "yes",
            availability_affected=story.category in {"loss_or_theft", "it_failure"},
            policies_breached=tuple(cast.policies[p] for p in story.policies),
            safeguarding=story.safeguarding,
        ),
    )
    if story.end == NOT_AN_INCIDENT:
        transition(incident=incident, action="not_an_incident", actor=manager, reason=story.cause)
        return
    if incident.is_serious:
        yield _later(classified, hours=3)
        for involvement in incident.involvements.filter(
            role=InvolvementRole.REFERRAL, acknowledged_at__isnull=True
        ).select_related("person"):
            acknowledge_referral(incident=incident, actor=involvement.person)
    if story.end == CLASSIFIED:
        return

    yield _later(classified, hours=1)
    incident = assign_investigator(incident=incident, actor=manager, investigator=investigator)

    if story.personal in {"yes", "unknown"} and story.end != NO_ICO:
        decided = _later(classified, hours=20)
        yield decided
        notify = story.ico == "notify"
        record_ico_decision(
            incident=incident,
            actor=manager,
            data=IcoDecisionInput(
                personal_data_of_living_people=story.personal == "yes",
                risk_likely=notify,
                high_risk=False,
                reasons=(
                    "A risk to the people affected is likely: we report it to the ICO."
                    if notify
                    else "Few people, contained quickly: a risk to them is unlikely."
                ),
                dpo_involved=incident.is_serious,
            ),
        )
        if notify:
            yield _later(decided, hours=4)
            record_ico_submission(
                incident=incident,
                actor=manager,
                kind=SubmissionKind.INITIAL,
                submitted_at=timezone.now() - datetime.timedelta(minutes=30),
                notes="Reported on the ICO's online form.",
            )
            record_data_subject_decision(
                incident=incident,
                actor=manager,
                high_risk=False,
                reasons="The risk to the people affected is not high: no need to tell them.",
            )

    steps = list(InvestigationStep.objects.filter(incident=incident).order_by("letter"))
    days = INVESTIGATION_DAYS[story.severity]
    if story.end in {INVESTIGATING, NO_ICO}:
        yield _later(classified, days=1)
        for step in steps[:3]:
            update_investigation_step(
                incident=incident,
                actor=investigator,
                letter=step.letter,
                status=StepStatus.DONE,
                what_was_done="Spoke to the people involved and recorded what they said.",
            )
        return

    investigated = _later(classified, days=days)
    yield investigated
    for step in steps:
        update_investigation_step(
            incident=incident,
            actor=investigator,
            letter=step.letter,
            status=StepStatus.DONE,
            what_was_done="Done and recorded in the investigation.",
            disciplinary_decision="not_commenced" if step.letter == "h" else "",
        )
    action = None
    if story.action:
        action = add_action(
            incident=incident,
            actor=investigator,
            kind="preventive",
            description=story.action,
            owner=manager,
            due_on=(investigated + datetime.timedelta(days=21)).date(),
        )
    submit_outcome_report(
        incident=incident,
        actor=investigator,
        sections={
            "summary": story.what,
            "cause": story.cause,
            "impact": (
                "No personal information was exposed."
                if story.personal == "no" or story.kind == Kind.NEAR_MISS
                else "Personal information reached people who should not have it."
            ),
            "people_told": (
                "The ICO was told on its online form; the people affected did not need to be."
                if story.ico == "notify"
                else "No one needed to be told: the risk to the people affected was low."
            ),
            **(
                {}
                if action
                else {"actions_and_controls": "No new action: staff were reminded of the rule."}
            ),
            "lessons_learned": story.lesson,
            "recommendations": story.action or story.lesson,
        },
    )
    if story.end == SUBMITTED:
        return

    reviewed = _later(investigated, days=2)
    yield reviewed
    review_outcome_report(incident=incident, actor=manager, decision="approved")
    for duty in serious_review_duties(incident):
        reviewed = _later(reviewed, days=3)
        yield reviewed
        reviewer = duty_holders_for(organisation, duty)[0]
        review_outcome_report(incident=_fresh(incident), actor=reviewer, decision="approved")

    yield _later(reviewed, hours=2)
    transition(incident=_fresh(incident), action="close", actor=manager)
    if action is not None and not story.action_overdue:
        yield _later(reviewed, days=14)
        update_action(action=action, actor=investigator, status=ActionStatus.DONE)


def load_demo_year(organisations: dict[str, Organisation]) -> int:
    """Plays the stories not yet in the database; returns how many incidents it made."""
    by_key = {key: organisations[slug] for key, slug in ORGANISATIONS.items()}
    done = set(
        Incident.objects.filter(
            organisation__in=by_key.values(), what_happened__in=[s.what for s in STORIES]
        ).values_list("organisation_id", "what_happened")
    )
    todo = [s for s in STORIES if (by_key[s.org].pk, s.what) not in done]
    if not todo:
        return 0
    casts = {key: _cast(org) for key, org in by_key.items()}
    now = timezone.now()
    _run(_play(s, by_key[s.org], casts[s.org], now) for s in todo)
    return len(todo)


def _run(stories: Iterable[Generator[datetime.datetime, None, None]]) -> None:
    """Plays every story's steps in time order, each with the clock at its moment."""
    latest = timezone.now() - datetime.timedelta(minutes=1)
    queue: list[tuple[datetime.datetime, int, Generator[datetime.datetime, None, None]]] = []
    for number, story in enumerate(stories):
        heapq.heappush(queue, (next(story), number, story))
    while queue:
        moment, number, story = heapq.heappop(queue)
        # Never in the future: a recent story's later steps wait for the real clock.
        with time_machine.travel(min(moment, latest), tick=False):
            following = next(story, None)
        if following is not None:
            heapq.heappush(queue, (following, number, story))
