"""The authorization matrix: every route, every method, every member of the cast, one answer.

Closed world: tests/security/test_access_matrix.py fails for a route Django resolves or an
API operation that is not in here, and for an entry here that no longer exists.

How to read it. Each page route (by URL name) and each API operation (by operation_id)
maps each HTTP method to a *rule*: the answer every member of the cast gets. Rules are
built by the helpers below from a default and the exceptions to it, so one line says
e.g. "the incident's viewers may open it, everyone else in the organisation and anyone
elsewhere gets 404, the signed-out are sent to sign in".

Answers: "200", "201", "302" (a redirect somewhere in the product, e.g. after a form
was accepted), "302:sign_in" (to the sign-in page), "302:code" (to the second-factor
code page), "302:admin_login" (the admin's login, which itself sends to our sign-in),
"401" (API: no or bad token), "403" (may see it, may not do this), "404" (may not know
it exists), "405" (method not allowed), "409" (API: not in this state), "422" (API:
the minimal body was not enough, after the permission check).

POST requests send an empty form (the API: the smallest body its schema accepts, naming
the organisation's own people and objects), with CSRF checks off: CSRF is tested apart.
So for those allowed a POST answers 200 (the form again, with its errors), or a 302/201
when nothing more was needed. Both are recorded as they are.

The cast (tests/security/world.py): Birch School runs the trust preset; its people are
below without a prefix. Cedar Academy is another organisation with the same duties
("cedar_" prefix). The incident under test is Birch's: major, reported confidentially
by `confidential_reporter`, classified (referred to the DPO, the SIRO brought in),
assigned to `investigator`, with evidence, an attachment, an action, an ICO decision
and a draft outcome report. It was reported in working hours, so the Head of School
(who sees out-of-hours reports) does not see it.
"""

from __future__ import annotations

Rule = dict[str, str]

# --- The cast --------------------------------------------------------------------------

HERE = (
    "staff",  # a member of staff with no duty, who asked for the exception under test
    "confidential_reporter",  # reported the incident under test, confidentially
    "investigator",  # assigned to it
    "investigator_unassigned",  # an investigating officer, not assigned
    "manager",  # the incident manager
    "head_of_school",
    "dpo",
    "siro",
    "governor",
)
CEDAR = tuple(f"cedar_{member}" for member in HERE)  # the same duties, another organisation
SIGNED_OUT = ("signed_out", "anonymous_reporter")  # the anonymous reporter has a receipt
PENDING = "pending_2fa"  # Birch's second incident manager: password given, code not yet
PAGE_CAST = (*SIGNED_OUT, PENDING, *HERE, *CEDAR)

NO_TOKEN = ("no_token", "bad_token", "anonymous_reporter")  # the reporter sends the receipt
API_CAST = (*NO_TOKEN, *HERE, *CEDAR)  # everyone signed in also has an API token
# The pending person is not in the API's cast: the API reads no session, only tokens.

# Who may do what with the incident under test (incidents/rules.py, DESIGN.md "Who may
# see what"): the incident manager, the assigned investigator, the DPO it was referred
# to, and the SIRO and governors, who oversee major and critical incidents.
VIEWERS = ("investigator", "manager", "dpo", "siro", "governor")
INVESTIGATORS = ("investigator", "manager")  # work on the investigation
OUTCOME_READERS = ("investigator", "manager", "dpo", "siro")  # not governors: outcomes/rules
MANAGERS = ("manager",)
HANDLERS = ("manager", "dpo", "siro")  # the register: those who handle incidents
OVERSEERS = ("manager", "dpo", "siro", "governor")  # dashboard and governors' report


# --- Rule builders ---------------------------------------------------------------------


def everyone(answer: str, *, pending: str = "302:code") -> Rule:
    """The same answer for everyone; the half-signed-in are kept on the code page."""
    rule = {member: answer for member in PAGE_CAST}
    rule[PENDING] = pending
    return rule


def signed_in(
    default: str,
    *,
    ok: tuple[str, ...] = (),
    answer: str = "200",
    known: tuple[str, ...] = (),
    known_answer: str = "403",
    cedar: str | None = None,
    cedar_ok: tuple[str, ...] = (),
) -> Rule:
    """A page for the signed-in: the signed-out sign in, the pending give their code.

    `ok` get `answer`; `known` (who may see the object but not do this) get `known_answer`;
    everyone else here gets `default`; Cedar's people get `cedar` (default: the same as
    here), except `cedar_ok`, the Cedar members who get `answer` on their own organisation.
    """
    rule = everyone("302:sign_in")
    for member in HERE:
        rule[member] = default
    for member in known:
        rule[member] = known_answer
    for member in ok:
        rule[member] = answer
    for member in CEDAR:
        rule[member] = default if cedar is None else cedar
    for member in cedar_ok:
        rule[f"cedar_{member}"] = answer
    return rule


def on_incident(
    ok: tuple[str, ...], answer: str = "200", *, viewers: tuple[str, ...] = VIEWERS
) -> Rule:
    """A page of the incident under test: 404 to whoever may not see it (and to everyone in
    Cedar), 403 to a viewer who may not do this, `answer` to those who may."""
    return signed_in("404", ok=ok, answer=answer, known=viewers)


def not_allowed() -> Rule:
    """The method is not allowed: 405 to everyone signed in, whatever the object."""
    return signed_in("405")


def api(
    default: str,
    *,
    ok: tuple[str, ...] = (),
    answer: str = "200",
    known: tuple[str, ...] = (),
    known_answer: str = "403",
    cedar: str | None = None,
    cedar_ok: tuple[str, ...] = (),
) -> Rule:
    """An API operation: 401 without a (good) token; otherwise as `signed_in`."""
    rule = {member: "401" for member in NO_TOKEN}
    for member in HERE:
        rule[member] = default
    for member in known:
        rule[member] = known_answer
    for member in ok:
        rule[member] = answer
    for member in CEDAR:
        rule[member] = default if cedar is None else cedar
    for member in cedar_ok:
        rule[f"cedar_{member}"] = answer
    return rule


def api_on_incident(
    ok: tuple[str, ...], answer: str = "200", *, viewers: tuple[str, ...] = VIEWERS
) -> Rule:
    return api("404", ok=ok, answer=answer, known=viewers)


def api_public(answer: str, *, reporter: str | None = None) -> Rule:
    """An anonymous operation: no token needed; only the receipt's holder gets `reporter`."""
    rule = {member: answer for member in API_CAST}
    if reporter is not None:
        rule["anonymous_reporter"] = reporter
    return rule


def with_(rule: Rule, **answers: str) -> Rule:
    """`rule` with a few members' answers changed."""
    return {**rule, **answers}


# --- Pages -----------------------------------------------------------------------------

PAGE = signed_in("200")  # a page every signed-in person may use
PUBLIC = everyone("200")
MINE = signed_in("404", ok=("confidential_reporter",))  # the reporter's own view of a report
OWN_ORGANISATION = signed_in("200", cedar="404")  # everyone in Birch; 404 in Cedar

PAGES: dict[str, dict[str, Rule]] = {
    # Public pages. healthz answers every method (a load balancer's probe).
    "home": {"GET": PAGE, "POST": PAGE},
    "healthz": {"GET": PUBLIC, "POST": PUBLIC},
    "favicon": {"GET": everyone("302"), "POST": everyone("302")},
    "help": {"GET": PUBLIC, "POST": PUBLIC},
    "accessibility": {"GET": PUBLIC, "POST": PUBLIC},
    "notifications:mark_read": {"GET": signed_in("405"), "POST": signed_in("302")},
    # Signing in. Someone signed in is sent on from the sign-in page; the code page is
    # only for the half-signed-in; the pages of a password reset are open to all.
    "accounts:sign_in": {
        "GET": with_(
            signed_in("302"), signed_out="200", anonymous_reporter="200", pending_2fa="200"
        ),
        "POST": with_(
            signed_in("302"), signed_out="200", anonymous_reporter="200", pending_2fa="200"
        ),
    },
    "accounts:second_factor": {
        "GET": with_(everyone("302:sign_in"), pending_2fa="200"),
        "POST": with_(everyone("302:sign_in"), pending_2fa="200"),
    },
    "accounts:sign_out": {
        "GET": everyone("200", pending="200"),
        "POST": everyone("302:sign_in", pending="302:sign_in"),
    },
    "accounts:enrol": {"GET": PAGE, "POST": PAGE},
    # The idle warning's "Stay signed in" button: a POST from a script, nothing to show.
    "accounts:stay_signed_in": {"GET": signed_in("405"), "POST": signed_in("204")},
    "accounts:password_reset": {
        "GET": everyone("200", pending="200"),
        "POST": everyone("200", pending="200"),
    },
    "accounts:password_reset_done": {
        "GET": everyone("200", pending="200"),
        "POST": everyone("405", pending="405"),
    },
    "accounts:password_reset_confirm": {
        "GET": everyone("200", pending="200"),
        "POST": everyone("200", pending="200"),
    },
    "accounts:password_reset_complete": {
        "GET": everyone("200", pending="200"),
        "POST": everyone("405", pending="405"),
    },
    "organisations:detail": {"GET": OWN_ORGANISATION, "POST": OWN_ORGANISATION},
    # Reporting: any signed-in member of staff reports and sees their own reports. The
    # anonymous routes take no cookie (even the pending session's is dropped) and are
    # open to anyone; the receipt, not the address, opens a report (a 200 either way).
    "reporting:report": {"GET": PAGE, "POST": PAGE},
    "reporting:report_sent": {"GET": MINE, "POST": MINE},
    "reporting:my_reports": {"GET": PAGE, "POST": PAGE},
    "reporting:my_report": {"GET": MINE, "POST": MINE},
    "reporting:anonymous_report": {
        "GET": everyone("200", pending="200"),
        "POST": everyone("200", pending="200"),
    },
    "reporting:anonymous_follow_up": {
        "GET": everyone("200", pending="200"),
        "POST": everyone("200", pending="200"),
    },
    # The investigation: read by the incident's viewers, written by the investigator and
    # the incident manager. Evidence is part of the incident's detail.
    "investigations:workspace": {"GET": on_incident(VIEWERS), "POST": not_allowed()},
    "investigations:evidence_download": {"GET": on_incident(VIEWERS), "POST": not_allowed()},
    **{
        f"investigations:{name}": {
            "GET": on_incident(INVESTIGATORS),
            "POST": on_incident(INVESTIGATORS),
        }
        for name in (
            "step",
            "add_stakeholder",
            "add_interview",
            "add_evidence",
            "add_expert_help",
            "add_escalation",
            "add_subjects_informed",
            "add_risk",
            "add_communication",
            "add_action",
            "action_status",
            "add_note",
        )
    },
    # The ICO assessment: the incident manager decides; the DPO reads and comments.
    "regulator:ico": {"GET": on_incident(("manager", "dpo")), "POST": not_allowed()},
    **{
        f"regulator:{name}": {"GET": on_incident(MANAGERS), "POST": on_incident(MANAGERS)}
        for name in ("decide", "became_aware", "submission", "data_subject_decision", "people_told")
    },
    "regulator:dpo_comments": {"GET": on_incident(("dpo",)), "POST": on_incident(("dpo",))},
    "regulator:draft_pdf": {"GET": on_incident(("manager", "dpo")), "POST": not_allowed()},
    "regulator:draft_docx": {"GET": on_incident(("manager", "dpo")), "POST": not_allowed()},
    # The outcome report: written by the investigator and manager (a POST saves the
    # draft and redirects), read by them and the DPO and SIRO; governors see the
    # incident but not its outcome report.
    "outcomes:report": {
        "GET": on_incident(OUTCOME_READERS),
        "POST": on_incident(INVESTIGATORS, answer="302"),
    },
    "outcomes:review": {"GET": not_allowed(), "POST": on_incident(OUTCOME_READERS)},
    "outcomes:export": {"GET": on_incident(OUTCOME_READERS), "POST": not_allowed()},
    # The incident pages. The queue is everyone's (each sees only what they may).
    "incidents:queue": {"GET": PAGE, "POST": not_allowed()},
    "incidents:detail": {"GET": on_incident(VIEWERS), "POST": not_allowed()},
    "incidents:timeline": {"GET": on_incident(VIEWERS), "POST": not_allowed()},
    "incidents:classify": {"GET": on_incident(MANAGERS), "POST": on_incident(MANAGERS)},
    "incidents:classify_enisa": {"GET": not_allowed(), "POST": on_incident(MANAGERS)},
    "incidents:verify": {"GET": not_allowed(), "POST": on_incident(MANAGERS)},
    "incidents:assign": {"GET": not_allowed(), "POST": on_incident(MANAGERS)},
    "incidents:acknowledge": {"GET": not_allowed(), "POST": on_incident(("dpo",), answer="302")},
    "incidents:change_state": {"GET": not_allowed(), "POST": on_incident(MANAGERS)},
    # Only the incident manager may be shown a confidential reporter's name.
    "incidents:reveal_reporter": {"GET": not_allowed(), "POST": on_incident(MANAGERS)},
    "incidents:message_reporter": {"GET": not_allowed(), "POST": on_incident(INVESTIGATORS)},
    "incidents:attachment": {"GET": on_incident(VIEWERS), "POST": not_allowed()},
    # Oversight: each sees their own organisation's figures. The register refuses the
    # signed-in who may not use it with 403 (there is no object to hide), the dashboard
    # with 404.
    **{
        f"oversight:{name}": {
            "GET": signed_in("403", ok=HANDLERS, cedar_ok=HANDLERS),
            "POST": not_allowed(),
        }
        for name in ("register", "register_csv", "register_xlsx")
    },
    **{
        f"oversight:{name}": {
            "GET": signed_in("404", ok=OVERSEERS, cedar_ok=OVERSEERS),
            "POST": not_allowed(),
        }
        for name in ("dashboard", "governors_report")
    },
    # Governance: anyone may ask for an exception or propose a change and see their own;
    # the incident manager decides. Policy documents are for all staff of the organisation.
    "governance:index": {"GET": PAGE, "POST": not_allowed()},
    "governance:exceptions": {"GET": PAGE, "POST": not_allowed()},
    "governance:exception_new": {"GET": PAGE, "POST": PAGE},
    "governance:exception": {
        "GET": signed_in("404", ok=("staff", "manager")),
        "POST": not_allowed(),
    },
    "governance:proposals": {"GET": PAGE, "POST": not_allowed()},
    "governance:proposal_new": {"GET": PAGE, "POST": PAGE},
    "governance:proposal": {
        "GET": signed_in("404", ok=("staff", "manager")),
        "POST": not_allowed(),
    },
    **{
        f"governance:{name}": {
            "GET": signed_in("404", ok=MANAGERS, known=("staff",)),
            "POST": signed_in("404", ok=MANAGERS, known=("staff",)),
        }
        for name in (
            "exception_decide",
            "exception_review",
            "proposal_decide",
            "proposal_onwards",
        )
    },
    "governance:documents": {"GET": PAGE, "POST": not_allowed()},
    "governance:document_new": {
        "GET": signed_in("403", ok=MANAGERS, cedar_ok=MANAGERS),
        "POST": signed_in("403", ok=MANAGERS, cedar_ok=MANAGERS),
    },
    "governance:document": {"GET": OWN_ORGANISATION, "POST": not_allowed()},
    "governance:document_review": {
        "GET": signed_in("403", ok=MANAGERS, cedar="404"),
        "POST": signed_in("403", ok=MANAGERS, cedar="404"),
    },
    "governance:document_file": {"GET": OWN_ORGANISATION, "POST": not_allowed()},
    # Deadlines: everyone's own list.
    "deadlines:due": {"GET": PAGE, "POST": not_allowed()},
    # The API's two routes that are not operations (those are in API below): its OpenAPI
    # document is public; its root answers nothing. Neither reads the session.
    "api-v1:openapi-json": {
        "GET": everyone("200", pending="200"),
        "POST": everyone("200", pending="200"),
    },
    "api-v1:api-root": {
        "GET": everyone("404", pending="404"),
        "POST": everyone("404", pending="404"),
    },
}

# The Django admin is for superusers, and nobody in the cast is one. The whole `admin:`
# namespace is covered by this one rule (each route's pattern is listed by the
# completeness test's output, not here): its own login page sends to our sign-in, every
# other admin page to that login page; the half-signed-in are kept on the code page.
ADMIN_NAMESPACE = "admin"
ADMIN_RULE = everyone("302:admin_login")
ADMIN_SAMPLE: dict[str, dict[str, Rule]] = {
    "admin:index": {"GET": ADMIN_RULE, "POST": ADMIN_RULE},
    "admin:login": {
        "GET": everyone("302:sign_in", pending="302:sign_in"),
        "POST": everyone("302:sign_in", pending="302:sign_in"),
    },
    # Signing out of the admin signs out and goes home: nothing to refuse.
    "admin:logout": {"GET": everyone("302"), "POST": everyone("302")},
    "admin:organisations_person_changelist": {"GET": ADMIN_RULE, "POST": ADMIN_RULE},
    "admin:organisations_person_change": {"GET": ADMIN_RULE, "POST": ADMIN_RULE},
    "admin:audit_auditevent_changelist": {"GET": ADMIN_RULE, "POST": ADMIN_RULE},
}

# --- The API (/api/v1/), by operation_id -----------------------------------------------

API: dict[str, Rule] = {
    "get_me": api("200"),
    # Anyone reports to their own organisation; to another, it does not exist.
    "report_incident": api("201", cedar="404"),
    "list_incidents": api("200"),
    "submit_anonymous_report": api_public("201"),
    "anonymous_report_status": api_public("404", reporter="200"),
    "post_anonymous_message": api_public("404", reporter="201"),
    "get_incident": api_on_incident(VIEWERS),
    "classify_incident": api_on_incident(MANAGERS),
    "verify_incident": api_on_incident(MANAGERS),
    "assign_investigator": api_on_incident(MANAGERS),
    "acknowledge_dpo_referral": api_on_incident(("dpo",)),
    # An unknown action is refused for its state (409) by anyone who sees the incident.
    "transition_incident": api_on_incident(VIEWERS, answer="409"),
    "update_investigation_step": api_on_incident(INVESTIGATORS),
    "add_interview": api_on_incident(INVESTIGATORS, answer="201"),
    # A title without a file or note: refused as a body (422) only for those who may add.
    "add_evidence": api_on_incident(INVESTIGATORS, answer="422"),
    "download_evidence": api_on_incident(VIEWERS),
    "add_risk": api_on_incident(INVESTIGATORS, answer="201"),
    "add_action": api_on_incident(INVESTIGATORS, answer="201"),
    "update_action": api_on_incident(INVESTIGATORS),
    "add_note": api_on_incident(INVESTIGATORS, answer="201"),
    "record_ico_decision": api_on_incident(MANAGERS),
    "record_ico_submission": api_on_incident(MANAGERS, answer="201"),
    "get_ico_report_draft": api_on_incident(("manager", "dpo")),
    "record_data_subject_decision": api_on_incident(MANAGERS, answer="201"),
    "get_deadlines": api_on_incident(VIEWERS),
    "list_due_deadlines": api("200"),
    # An empty outcome report cannot be submitted (422) by those who write it.
    "submit_outcome_report": api_on_incident(INVESTIGATORS, answer="422"),
    # Nothing submitted yet: not in this state (409) for whoever sees the incident.
    "review_outcome_report": api_on_incident(VIEWERS, answer="409"),
    "close_incident": api_on_incident(MANAGERS, answer="409"),
    "reopen_incident": api_on_incident(VIEWERS, answer="409"),
    "export_incident": api_on_incident(OUTCOME_READERS),
    "get_outcome_report": api_on_incident(OUTCOME_READERS),
    "get_register": api("403", ok=HANDLERS, cedar_ok=HANDLERS),
    "get_statistics": api("404", ok=OVERSEERS, cedar_ok=OVERSEERS),
    "list_exceptions": api("200"),
    # No policy point named: refused as a body (422) in one's own organisation.
    "request_exception": api("422", cedar="404"),
    "decide_exception": api("404", ok=MANAGERS, known=("staff",)),
    "list_policy_changes": api("200"),
    "propose_policy_change": api("201", cedar="404"),
}

# Routes that take an organisation's identifier but are public by design: anyone may
# report anonymously to any organisation, and follow up by receipt. The cross-organisation
# test leaves them out; the password reset's identifiers are not an organisation's.
PUBLIC_BY_DESIGN = (
    "reporting:anonymous_report",
    "reporting:anonymous_follow_up",
    "accounts:password_reset_confirm",
    "submit_anonymous_report",
    "anonymous_report_status",
    "post_anonymous_message",
)
