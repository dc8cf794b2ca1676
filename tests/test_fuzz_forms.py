"""Bad input into every form of the app, generated with hypothesis.

The forms are found from the app itself: every rule of the url_map that takes a POST is either a
form page (GET and POST), which must have an entry in FORMS below, or a button (POST only),
which must have an entry in BUTTONS. A new form without an entry fails
`test_every_form_has_a_fuzz_entry`.

Each form page is opened as a user who may use it (the first such role in the permission truth
table, against a record of their own school), and the form object the page rendered is read from
the template context: its fields, their kinds, their length limits and choices. Each example then
breaks one field in a way no form may accept (text over the field's limit, only spaces and
control characters where text is required, an impossible date, letters in a number, a choice
that is not offered) and fills the other fields with hostile text (HTML and script, SQL
fragments, control characters, other scripts). The answer must be the form again (never a 500)
with the GOV.UK error summary and a message beside the broken field; nothing stored (every row of
every table is the same after as before); and nothing posted shown back unescaped.

Examples are derandomised, so CI repeats exactly the same inputs: EXAMPLES per form.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date

import pytest
import sqlalchemy as sa
from flask import current_app, template_rendered
from flask_wtf import FlaskForm
from hypothesis import HealthCheck, Phase, assume, given, settings
from hypothesis import strategies as st
from sqlalchemy.orm import Session
from wtforms import (
    BooleanField,
    FieldList,
    HiddenField,
    PasswordField,
    RadioField,
    SelectField,
    SelectMultipleField,
    SubmitField,
)
from wtforms import FormField as SubForm
from wtforms.csrf.core import CSRFTokenField
from wtforms.fields import DateField
from wtforms.validators import DataRequired, InputRequired, Length

from sentrack import submissions

# The sign-in and password throttles, reset between examples. (Named as before: hypothesis seeds
# its derandomized examples from the test's source.)
from sentrack.auth import throttle as limiter
from sentrack.extensions import db
from sentrack.forms import Required
from sentrack.models import (
    Assessment,
    AssessmentDecision,
    AuditEvent,
    Concern,
    Contact,
    CycleState,
    EhcAdvice,
    EhcDocument,
    EhcException,
    EhcOutcome,
    EhcPlan,
    EhcRequest,
    EhcReview,
    ImportBatch,
    Intervention,
    InterventionPupil,
    InterventionSession,
    InterventionType,
    Invitation,
    LetterTemplate,
    MeetingAction,
    Notification,
    NotificationPreference,
    Observation,
    Outcome,
    OutcomeWording,
    ParentMeeting,
    PasswordReset,
    Plan,
    PlanDecision,
    Provision,
    Pupil,
    RecordRevision,
    RecoveryCode,
    Review,
    RoleAssignment,
    RoleProposal,
    School,
    SchoolTerm,
    SenReport,
    SenStatus,
    SessionAttendance,
    SessionValue,
    SubjectAccessRequest,
    SubjectAccessWithheld,
    SupportCycle,
    Task,
    TeachingGroup,
    TimelineEvent,
    TotpFactor,
    User,
    UserSession,
    WebAuthnCredential,
    YearEnd,
)
from tests import ctf_samples
from tests.factories import World
from tests.helpers import text
from tests.pages import Page
from tests.test_permissions import (
    ANONYMOUS,
    PUPIL,
    ROUTES,
    SEES,
    SHARED_SECRET,
    Route,
    Target,
    _catalogue_entry,
    _pupil_state,
    _shared_posts,
    _target,
)

EXAMPLES = 25
# The hidden field naming a row's record in a list of rows: a pupil, or a class (the year end's).
ROW_KEYS = ("-pupil", "-group")

# --- Which forms there are --------------------------------------------------------------------


@dataclass(frozen=True)
class Fuzz:
    """A form page: the tables a successful post would write to (counted before and after each
    example, beside the check that no row of any table changed), and, where the truth table's
    target does not show the form yet, how to bring it to where it does (returning the URL)."""

    writes: tuple
    prepare: Callable[[World, Session, Target, str], str] | None = None
    # Who opens the form when it is no page of the truth table's first role as it stands (the
    # second step of signing in, for a session awaiting it: `prepare` brings it there).
    actor: str | None = None


def _choose_first(world: World, session: Session, target: Target, url: str) -> str:
    """The second step of setting up: a catalogue entry and a class chosen."""
    entry = _catalogue_entry(session, world.users["senco"])
    session.commit()
    return f"{url}?type={entry.id}&group={world.group.id}&chosen=1"


def _ended(world: World, session: Session, target: Target, url: str) -> str:
    """Impact is recorded once the intervention has ended."""
    target.intervention.ends_on = date(2026, 11, 20)
    session.commit()
    return url


def _left(world: World, session: Session, target: Target, url: str) -> str:
    """The next school is recorded for a pupil who left."""
    target.pupil.left_on, target.pupil.leaving_reason = date(2026, 11, 20), "Moved to another school"
    session.commit()
    return url


def _planned(world: World, session: Session, target: Target, url: str) -> str:
    """The plan starts from a cycle at plan, whose review date is still ahead, for a pupil not yet
    on SEN support (so that the page asks for the need)."""
    target.records.cycle.state = CycleState.PLAN
    status = session.scalar(
        sa.select(SenStatus).where(SenStatus.pupil_id == target.pupil.id, SenStatus.end_date.is_(None))
    )
    status.provision, status.primary_need, status.secondary_need = Provision.NONE, None, None  # not yet on SEN support
    session.scalar(sa.select(Plan).where(Plan.cycle_id == target.records.cycle.id)).review_date = date(2027, 2, 1)
    session.commit()
    return url


# EHC requests: the truth table's request is agreed, with advice asked; each step's form is shown
# once the request stands where that step comes next.


def _ehc_request_withdrawn(world: World, session: Session, target: Target, url: str) -> str:
    """A new request is recorded once the one in progress has ended."""
    target.ehc.request.withdrawn_on, target.ehc.request.withdrawn_reason = date(2026, 11, 2), "Moved away"
    session.commit()
    return url


def _ehc_assessment_undecided(world: World, session: Session, target: Target, url: str) -> str:
    request = target.ehc.request
    request.assessment, request.assessment_decided_on = AssessmentDecision.NOT_DECIDED, None
    session.commit()
    return url


def _ehc_plan_to_issue(world: World, session: Session, target: Target, url: str) -> str:
    request = target.ehc.request
    request.plan_decision, request.plan_decided_on = PlanDecision.ISSUE, date(2026, 11, 16)
    session.commit()
    return url


def _summer(world: World, session: Session, target: Target, url: str) -> str:
    """The year end's form is shown from 1 June of the year's end: the app stands on 20 June 2027."""
    current_app.config["TODAY"] = date(2027, 6, 20)
    return url


def _ehc_draft_sent(world: World, session: Session, target: Target, url: str) -> str:
    target.ehc.request.draft_sent_on = date(2026, 11, 18)
    return _ehc_plan_to_issue(world, session, target, url)


def _awaiting_second_factor(world: World, session: Session, target: Target, url: str) -> str:
    """The class teacher, who has an authenticator app, has given the password: the session awaits
    the second factor."""
    teacher = world.users["teacher"]
    session.add(TotpFactor(user_id=teacher.id, secret="JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"))
    session.execute(
        sa.update(UserSession)
        .where(UserSession.user_id == teacher.id, UserSession.ended_at.is_(None))
        .values(second_factor_pending=True)
    )
    session.commit()
    return url


FORMS: dict[str, Fuzz] = {
    "/sign-in": Fuzz((UserSession, AuditEvent)),
    "/change-password": Fuzz((UserSession, AuditEvent)),
    # Account recovery: asking for a reset link, and choosing a new password with it
    "/forgotten-password": Fuzz((PasswordReset, Notification, AuditEvent)),
    "/reset-password/<token>": Fuzz((User, PasswordReset, UserSession, Notification, AuditEvent)),
    "/pupils/": Fuzz(()),  # the search: kept in the signed cookie, never in the database
    "/pupils/new": Fuzz((Pupil, Contact, AuditEvent)),
    "/pupils/left": Fuzz(()),  # the search of the leavers: kept in the signed cookie
    "/pupils/<public_id>/leaving": Fuzz((Pupil, TimelineEvent, AuditEvent)),
    "/pupils/<public_id>/transfer/destination": Fuzz((Pupil, RecordRevision, AuditEvent), prepare=_left),
    "/pupils/<public_id>/edit": Fuzz((Pupil, AuditEvent)),
    "/pupils/<public_id>/contacts/new": Fuzz((Contact, AuditEvent)),
    "/pupils/<public_id>/contacts/<int:contact_id>": Fuzz((Contact, AuditEvent)),
    "/pupils/<public_id>/sen-status": Fuzz((SenStatus, AuditEvent)),
    "/pupils/<public_id>/concerns/new": Fuzz((Concern, AuditEvent)),
    "/pupils/<public_id>/concerns/<int:concern_id>/decide": Fuzz((Concern, SupportCycle, AuditEvent)),
    "/pupils/<public_id>/cycles/<int:number>/assessment": Fuzz((Assessment, AuditEvent)),
    "/pupils/<public_id>/cycles/<int:number>/plan": Fuzz((Plan, AuditEvent)),
    "/pupils/<public_id>/cycles/<int:number>/outcomes/new": Fuzz((Outcome, AuditEvent)),
    "/pupils/<public_id>/cycles/<int:number>/outcomes/<int:outcome_id>": Fuzz((Outcome, AuditEvent)),
    "/pupils/<public_id>/cycles/<int:number>/start": Fuzz((SupportCycle, SenStatus, AuditEvent), _planned),
    "/pupils/<public_id>/cycles/<int:number>/observations/new": Fuzz((Observation, AuditEvent)),
    "/pupils/<public_id>/cycles/<int:number>/review": Fuzz((Review, SupportCycle, AuditEvent)),
    "/pupils/<public_id>/meetings/new": Fuzz((ParentMeeting, AuditEvent)),
    "/pupils/<public_id>/meetings/plan": Fuzz((ParentMeeting, AuditEvent)),
    "/pupils/<public_id>/meetings/<int:meeting_id>/record": Fuzz((ParentMeeting, AuditEvent)),
    "/pupils/<public_id>/meetings/<int:meeting_id>/shared": Fuzz((ParentMeeting, AuditEvent)),
    "/pupils/<public_id>/meetings/<int:meeting_id>/edit": Fuzz(
        (ParentMeeting, MeetingAction, RecordRevision, TimelineEvent, AuditEvent)
    ),
    "/interventions/new": Fuzz((Intervention, InterventionPupil, AuditEvent), _choose_first),
    "/interventions/<int:intervention_id>/edit": Fuzz((Intervention, InterventionPupil, AuditEvent)),
    "/interventions/<int:intervention_id>/end": Fuzz((Intervention, AuditEvent)),
    "/interventions/<int:intervention_id>/sessions/new": Fuzz(
        (InterventionSession, SessionAttendance, RecordRevision, AuditEvent)
    ),
    "/interventions/<int:intervention_id>/sessions/<int:register_id>/correct": Fuzz(
        (InterventionSession, SessionAttendance, RecordRevision, AuditEvent)
    ),
    "/interventions/<int:intervention_id>/impact": Fuzz((InterventionPupil, AuditEvent), _ended),
    "/interventions/catalogue/new": Fuzz((InterventionType, AuditEvent)),
    "/interventions/catalogue/<int:type_id>": Fuzz((InterventionType, AuditEvent)),
    "/interventions/impact-scale": Fuzz((School, AuditEvent)),
    "/outcome-bank/new": Fuzz((OutcomeWording, RecordRevision, AuditEvent)),
    "/outcome-bank/<int:wording_id>": Fuzz((OutcomeWording, RecordRevision, AuditEvent)),
    "/settings/rules": Fuzz((School, AuditEvent)),
    "/letter-templates/<kind>": Fuzz((LetterTemplate, RecordRevision, AuditEvent)),
    "/settings/terms/new": Fuzz((SchoolTerm, AuditEvent)),
    "/settings/terms/<int:term_id>": Fuzz((SchoolTerm, AuditEvent)),
    "/staff/new": Fuzz((User, RoleAssignment, RoleProposal, Invitation, Notification, AuditEvent)),
    "/staff/<int:user_id>": Fuzz((User, RoleAssignment, RoleProposal, Notification, AuditEvent)),
    "/invitation/<token>": Fuzz((User, Invitation, UserSession, AuditEvent)),
    "/staff/classes/new": Fuzz((TeachingGroup, AuditEvent)),
    "/staff/classes/<int:group_id>": Fuzz((TeachingGroup, AuditEvent)),
    "/classes/<int:group_id>/pupils": Fuzz((TeachingGroup, AuditEvent)),
    "/year-end": Fuzz((YearEnd, TeachingGroup, Pupil, AuditEvent), _summer),
    "/tasks/<int:task_id>": Fuzz((Task, AuditEvent)),
    "/tasks/<int:task_id>/reassign": Fuzz((Task, AuditEvent)),
    # EHC plans (the file field is posted as text by these examples: refused as no file chosen;
    # real uploads of the wrong kind or too large are in tests/test_ehc_documents.py)
    "/pupils/<public_id>/ehc/plans/new": Fuzz((EhcPlan, EhcOutcome, SenStatus, TimelineEvent, AuditEvent)),
    "/ehc/plans/<int:plan_id>/edit": Fuzz((EhcPlan, EhcOutcome, SenStatus, TimelineEvent, AuditEvent)),
    "/ehc/plans/<int:plan_id>/cease": Fuzz((EhcPlan, SenStatus, TimelineEvent, AuditEvent)),
    "/ehc/plans/<int:plan_id>/documents/new": Fuzz((EhcDocument, TimelineEvent, AuditEvent)),
    "/ehc/requests/<int:request_id>/documents/new": Fuzz((EhcDocument, TimelineEvent, AuditEvent)),
    # EHC reviews
    "/ehc/plans/<int:plan_id>/reviews/new": Fuzz((EhcReview, TimelineEvent, AuditEvent)),
    "/ehc/reviews/<int:review_id>/meeting": Fuzz((EhcReview, TimelineEvent, AuditEvent)),
    "/ehc/reviews/<int:review_id>/report": Fuzz((EhcReview, TimelineEvent, AuditEvent)),
    "/ehc/reviews/<int:review_id>/decision": Fuzz((EhcReview, TimelineEvent, AuditEvent)),
    "/ehc/reviews/<int:review_id>/amendments": Fuzz((EhcReview, TimelineEvent, AuditEvent)),
    # EHC requests
    "/pupils/<public_id>/ehc/requests/new": Fuzz((EhcRequest, TimelineEvent, AuditEvent), _ehc_request_withdrawn),
    "/ehc/requests/<int:request_id>/assessment-decision": Fuzz(
        (EhcRequest, TimelineEvent, AuditEvent), _ehc_assessment_undecided
    ),
    "/ehc/requests/<int:request_id>/advice/new": Fuzz((EhcAdvice, TimelineEvent, AuditEvent)),
    "/ehc/requests/<int:request_id>/advice/<int:advice_id>": Fuzz((EhcAdvice, TimelineEvent, AuditEvent)),
    "/ehc/requests/<int:request_id>/plan-decision": Fuzz((EhcRequest, TimelineEvent, AuditEvent)),
    "/ehc/requests/<int:request_id>/draft": Fuzz((EhcRequest, TimelineEvent, AuditEvent), _ehc_plan_to_issue),
    "/ehc/requests/<int:request_id>/final-plan": Fuzz((EhcPlan, EhcRequest, SenStatus, AuditEvent), _ehc_draft_sent),
    "/ehc/requests/<int:request_id>/withdraw": Fuzz((EhcRequest, TimelineEvent, AuditEvent)),
    "/ehc/requests/<int:request_id>/exceptions/new": Fuzz((EhcException, TimelineEvent, AuditEvent)),
    # Imports from the MIS (the file field posted as text: refused as no file chosen; real files in
    # test_hostile_import_files_are_refused_beside_the_file_field_and_store_nothing below)
    "/imports": Fuzz((ImportBatch, Pupil, AuditEvent)),
    # How notifications come by email
    "/account/notifications": Fuzz((NotificationPreference, AuditEvent)),
    # The SEN information report: this year's, begun by the form
    "/sen-report/<int:year>/edit": Fuzz((SenReport, RecordRevision, AuditEvent)),
    # Second factors of sign-in
    "/sign-in/second-factor": Fuzz((UserSession, AuditEvent), _awaiting_second_factor, actor="teacher"),
    "/sign-in/second-factor/recovery": Fuzz((UserSession, AuditEvent), _awaiting_second_factor, actor="teacher"),
    "/account/security/authenticator": Fuzz((TotpFactor, RecoveryCode, AuditEvent)),
    "/account/security/authenticator/remove": Fuzz((TotpFactor, RecoveryCode, AuditEvent)),
    "/settings/second-factor": Fuzz((School, AuditEvent)),
    # Security keys and passkeys (WebAuthn): adding one with its name, removing one with the password
    "/account/security/keys/add": Fuzz((WebAuthnCredential, RecoveryCode, SessionValue, AuditEvent)),
    "/account/security/keys/<int:key_id>/remove": Fuzz((WebAuthnCredential, RecoveryCode, AuditEvent)),
    # Subject access: a request for a pupil's data, its extension, its end and what it withholds
    "/pupils/<public_id>/subject-access/new": Fuzz((SubjectAccessRequest, AuditEvent)),
    "/subject-access/<int:request_id>/extend": Fuzz((SubjectAccessRequest, Task, AuditEvent)),
    "/subject-access/<int:request_id>/close": Fuzz((SubjectAccessRequest, Task, AuditEvent)),
    "/subject-access/<int:request_id>/withhold": Fuzz((SubjectAccessWithheld, AuditEvent)),
}

# Buttons: POST-only rules whose form carries nothing but the CSRF token. They are fuzzed below
# with junk fields (and, for moves, a junk move in the URL): never a 500.
BUTTONS: dict[str, str] = {
    "/sign-out": "sign out",
    "/session/stay": "stay signed in",
    # One's own sessions
    "/account/sessions/<int:session_id>/end": "end one of one's own sessions, on another device",
    "/account/sessions/end-others": "end every other session of one's own",
    "/drafts/keep/<path:form>": "keep what is typed into a long form as a draft",
    "/drafts/discard/<path:form>": "discard the draft of a long form",
    "/settings/terms/<int:term_id>/default": "give a term the default dates again",
    # Second factors of sign-in
    "/account/security/recovery-codes/new": "make new recovery codes",
    "/account/security/resets/<int:user_id>/reset": "reset a colleague's second factor",
    "/pupils/clear-search": "forget the search text",
    "/pupils/left/clear-search": "forget the search text of the leavers' list",
    "/pupils/<public_id>/leaving/undo": "undo a leaving recorded by mistake",
    "/pupils/<public_id>/cycles": "open a support cycle",
    "/pupils/<public_id>/cycles/<int:number>/move/<move>": "move the cycle on",
    "/pupils/<public_id>/cycles/<int:number>/outcomes/<int:outcome_id>/remove": "remove an outcome",
    "/pupils/<public_id>/letters/<int:letter_id>/sent": "mark a letter sent",
    "/pupils/<public_id>/passport/read": "say the passport is read",
    "/interventions/<int:intervention_id>/sessions/quick": "everyone attended today",
    "/notifications/<int:notification_id>/read": "mark a notification read",
    "/notifications/email/resend": "resend the failed emails",
    "/notifications/read-all": "mark every notification read",
    "/staff/<int:user_id>/invitation": "email a new link to set a password",
    "/staff/proposals/<int:proposal_id>/confirm": "confirm a proposed role",
    "/staff/proposals/<int:proposal_id>/decline": "decline a proposed role",
    "/imports/<int:batch_id>/confirm": "confirm an import",
    "/imports/<int:batch_id>/discard": "set an import aside",
    "/imports/sen-differences/<int:difference_id>/accept": "take the pupil's SEN status from the file",
    "/imports/sen-differences/<int:difference_id>/keep": "keep the school's SEN record",
    "/pupils/<public_id>/transfer/ctf": "download a leaver's CTF",
    "/pupils/<public_id>/transfer/pack": "download a leaver's transfer pack",
    "/transfers/<int:transfer_id>/confirm": "confirm a transfer to another school",
    "/transfers/<int:transfer_id>/decline": "decline a transfer to another school, with the reason",
    "/sen-report/<int:year>/draft": "draft the SEN information report from the figures",
    "/sen-report/<int:year>/publish": "publish the SEN information report",
    # Security keys and passkeys (WebAuthn): the options of each ceremony, and a sign-in with a key
    "/account/security/keys/options": "ask for the options to make a new security key or passkey",
    "/sign-in/second-factor/key/options": "ask for the options to sign in with a security key or passkey",
    "/sign-in/second-factor/key": "sign in with a security key or passkey",
    # Subject access
    "/subject-access/<int:request_id>/withheld/<int:mark_id>/release": "include a withheld record again",
    "/subject-access/<int:request_id>/export": "download the export of everything held about a pupil",
    # Retention and destruction (the hold's reason is checked in tests/test_destruction.py)
    "/pupils/<public_id>/destroy": "destroy a leaver's records past their retention date",
    "/pupils/<public_id>/hold": "place a legal hold on a leaver's records, with the reason",
    "/pupils/<public_id>/hold/lift": "lift the legal hold on a leaver's records",
}


def _post_rules(app) -> tuple[set[str], set[str]]:
    forms, buttons = set(), set()
    for rule in app.url_map.iter_rules():
        if "POST" in rule.methods:
            (forms if "GET" in rule.methods else buttons).add(rule.rule)
    return forms, buttons


def test_every_form_has_a_fuzz_entry(app):
    forms, buttons = _post_rules(app)

    assert forms ^ FORMS.keys() == set(), "add each form page to FORMS in test_fuzz_forms.py"
    assert buttons ^ BUTTONS.keys() == set(), "add each POST-only rule to BUTTONS in test_fuzz_forms.py"


# --- Who opens each form, and on what ---------------------------------------------------------

ROLE_PREFERENCE = ("senco", "head", "admin", "teacher", "ta", "la")


def _actor(route: Route) -> str:
    if route.anonymous == 200:
        return ANONYMOUS
    return next(role for role in ROLE_PREFERENCE if route.expect[role] == 200)


def _kind(route: Route, role: str):
    return ("sees", SEES[role]) if route.target == PUPIL else "own"


@contextmanager
def rendered_forms(app):
    """The forms the templates rendered while the block ran, as (template context name, form)."""
    seen: list[tuple[str, FlaskForm]] = []

    def keep(sender, template, context, **extra):
        seen.extend((name, value) for name, value in context.items() if isinstance(value, FlaskForm))

    template_rendered.connect(keep, app)
    try:
        yield seen
    finally:
        template_rendered.disconnect(keep, app)


def open_form(app, client, world, login, session, foreign_group, rule: str):
    """Sign in as the form's user, open its page and return (url, the form the page rendered, the Page)."""
    route = ROUTES[rule]
    role = FORMS[rule].actor or _actor(route)
    target = _target(world, route, _kind(route, role), foreign_group, session)
    if role != ANONYMOUS:
        login(world.users[role])
    url = route.url(target)
    if FORMS[rule].prepare is not None:
        url = FORMS[rule].prepare(world, session, target, url)
    with rendered_forms(app) as seen:
        response = client.get(url)
    assert response.status_code == 200, (rule, role, response.status_code)
    named = [form for name, form in seen if name == "form"]
    assert named or seen, f"{rule}: the page rendered no form"
    return url, (named or [seen[0][1]])[0], Page(response)


# --- The fields of a form, by kind -------------------------------------------------------------

TEXT, REQUIRED_TEXT, DATE, CHOICE, MULTI, NUMBER, FLAG, HIDDEN, SUBMIT = (
    "text",
    "required text",
    "date",
    "choice",
    "multi",
    "number",
    "flag",
    "hidden",
    "submit",
)
NO_LIMIT = 10_000  # a text field without a length limit is sent more than this


@dataclass(frozen=True)
class FormField:
    name: str
    id: str
    kind: str
    max_length: int | None = None
    choices: tuple[str, ...] = ()
    value: str = ""


def _max_length(field) -> int | None:
    limits = [v.max for v in field.validators if isinstance(v, Length) and v.max and v.max > 0]
    return min(limits) if limits else None


def _required(field) -> bool:
    return any(isinstance(v, (DataRequired, InputRequired, Required)) for v in field.validators)


def _choices(field) -> tuple[str, ...]:
    return tuple(str(value) for value, *_ in (field.choices or []))


def leaf_fields(form: FlaskForm):
    """The form's fields as posted: each row of a list of rows (a FieldList of sub-forms) field by field."""
    for field in form:
        if isinstance(field, (FieldList, SubForm)):
            yield from leaf_fields(field)
        elif not isinstance(field, CSRFTokenField):
            yield field


def fields_of(form: FlaskForm) -> list[FormField]:
    found = []
    for field in leaf_fields(form):
        common = {"name": field.name, "id": field.id}
        if isinstance(field, SubmitField):
            found.append(FormField(kind=SUBMIT, value=str(field.label.text), **common))
        elif isinstance(field, HiddenField):
            found.append(FormField(kind=HIDDEN, value=field._value(), **common))
        elif isinstance(field, BooleanField):
            found.append(FormField(kind=FLAG, **common))
        elif isinstance(field, DateField):
            found.append(FormField(kind=DATE, **common))
        elif isinstance(field, SelectMultipleField):
            found.append(FormField(kind=MULTI, choices=_choices(field), **common))
        elif isinstance(field, (SelectField, RadioField)):
            found.append(FormField(kind=CHOICE, choices=_choices(field), **common))
        elif type(field).__name__ in ("WholeNumberField", "MoneyField", "IntegerField", "DecimalField"):
            found.append(FormField(kind=NUMBER, **common))
        else:  # StringField, TextAreaField, PasswordField and anything else typed as text
            # A password of spaces is still a password: only text fields are blank when blank.
            kind = REQUIRED_TEXT if _required(field) and not isinstance(field, PasswordField) else TEXT
            found.append(FormField(kind=kind, max_length=_max_length(field), **common))
    return found


# --- What goes into them -----------------------------------------------------------------------

SCRIPT = "<script>alert('sentrack')</script>"
IMAGE = '"><img src=x onerror=alert(1)>'
HOSTILE = (
    SCRIPT,
    IMAGE,
    "<b onmouseover=alert(2)>bold</b>",
    "'; DROP TABLE pupil; --",
    "1' OR '1'='1",
    "Robert'); DELETE FROM audit_event WHERE ('1'='1",
    "\x00\x07\x1b[31mred\x7f",
    "line one\r\nline two\ttab",
    "{{ 7 * 7 }} {% raw %}",
    "%s %n %x ${jndi:ldap://x}",
    "../../etc/passwd",
    "\u202eevil\u202c",
    "Zoë Ñúñez 名前 🙂 عربى",
    "",
)
CONTROL = "\x00\x01\x02\x07\x08\x0b\x0c\x0e\x1b\x1f\x7f"
HTML_MARKERS = ("<script>alert('sentrack')", "<img src=x onerror", "<b onmouseover")
C0 = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")

IMPOSSIBLE_DATES = (
    ("31", "2", "2026"),  # 31 February
    ("29", "2", "2027"),  # not a leap year
    ("1", "1", "0"),  # year 0
    ("1", "1", "0000"),
    ("1", "1", "0001"),  # real dates, but outside 1900 to 2100
    ("31", "12", "9999"),
    ("31", "12", "1899"),
    ("1", "1", "2101"),
    ("0", "1", "2026"),
    ("32", "1", "2026"),
    ("1", "13", "2026"),
    ("aa", "bb", "cccc"),
    ("1", "1", "20x6"),
    ("1", "", "2026"),
    ("1", "1", "99999"),
    ("-1", "1", "2026"),
    ("1.5", "1", "2026"),
    (SCRIPT, "1", "2026"),
)
NOT_NUMBERS = (
    "abc",
    "12abc",
    "1e5",
    "½",
    "0x10",
    "9" * 40,
    "1 000 000 000",
    SCRIPT,
    "'; DROP TABLE pupil; --",
    "NaN",
    "--1",
)

hostile_text = st.one_of(
    st.sampled_from(HOSTILE),
    st.text(st.characters(exclude_categories=("Cs",)), max_size=40),
)


def _unknown(choices: tuple[str, ...]):
    return st.one_of(
        st.sampled_from(
            [
                "not-a-choice",
                "999999",
                "-1",
                "99999999999999999999",
                "2147483648",
                SCRIPT,
                "' OR 1=1 --",
                "K; DROP TABLE pupil",
            ]
        ),
        st.text(st.characters(min_codepoint=0x21, max_codepoint=0x7E), min_size=1, max_size=12),
    ).filter(lambda value: value.strip() not in choices and value.strip() != "")


def _breaks(field: FormField):
    """Values for `field` that no form may accept, as (what was done, value)."""
    if field.kind in (TEXT, REQUIRED_TEXT):
        limit = field.max_length or NO_LIMIT
        over = st.tuples(st.integers(1, 300), st.sampled_from(HOSTILE)).map(
            lambda pair: ("over-long text", "x" * (limit + pair[0]) + pair[1])
        )
        if field.kind == REQUIRED_TEXT:
            blank = st.text(st.sampled_from(CONTROL + " \t\r\n"), min_size=1, max_size=12).map(
                lambda value: ("only control characters and spaces", value)
            )
            return st.one_of(over, blank)
        return over
    if field.kind == DATE:
        return st.sampled_from(IMPOSSIBLE_DATES).map(lambda parts: ("impossible date", list(parts)))
    if field.kind == NUMBER:
        return st.one_of(
            st.sampled_from(NOT_NUMBERS),
            st.text(st.characters(categories=("L",)), min_size=1, max_size=8),
        ).map(lambda value: ("not a number", value))
    if field.kind == CHOICE:
        return _unknown(field.choices).map(lambda value: ("unknown choice", value))
    if field.kind == MULTI:
        return st.lists(_unknown(field.choices), min_size=1, max_size=3).map(lambda values: ("unknown choices", values))
    raise AssertionError(field.kind)


def _filler(field: FormField):
    """A value for a field that is not the broken one: hostile text in text fields, anything
    offered (or not) in the others."""
    if field.kind in (TEXT, REQUIRED_TEXT):
        return hostile_text
    if field.kind == DATE:
        valid = st.dates().map(lambda d: [str(d.day), str(d.month), f"{d.year:04d}"])
        return st.one_of(valid, st.sampled_from(IMPOSSIBLE_DATES).map(list))
    if field.kind == NUMBER:
        return st.one_of(st.integers(-5, 500).map(str), st.sampled_from(NOT_NUMBERS))
    if field.kind == CHOICE:
        offered = st.sampled_from(field.choices) if field.choices else st.just("")
        return st.one_of(offered, _unknown(field.choices))
    if field.kind == MULTI:
        offered = st.lists(st.sampled_from(field.choices), max_size=3, unique=True) if field.choices else st.just([])
        return st.one_of(offered, st.lists(_unknown(field.choices), max_size=2))
    if field.kind == FLAG:
        return st.sampled_from(["", "y", SCRIPT])
    if field.kind == HIDDEN and field.name.endswith(ROW_KEYS):
        return st.just(field.value)  # a row's key: whose fields the row's are, as the page named them
    if field.kind == HIDDEN:
        return st.one_of(st.just(field.value), st.sampled_from(["abc", "-1", "99999999999999999999", SCRIPT, ""]))
    raise AssertionError(field.kind)


BREAKABLE = (TEXT, REQUIRED_TEXT, DATE, CHOICE, MULTI, NUMBER)


# --- Checking the answer ---------------------------------------------------------------------


def snapshot(session) -> dict[str, list]:
    """Every row of every table, except when sessions were last seen (each request may touch it)."""
    session.expire_all()
    rows = {}
    for table in db.metadata.sorted_tables:
        columns = [c for c in table.columns if not (table.name == "user_session" and c.name == "last_seen_at")]
        query = sa.select(*columns).order_by(*table.primary_key.columns)
        rows[table.name] = [tuple(row) for row in session.execute(query)]
    return rows


def counts(session, models) -> dict[str, int]:
    return {model.__tablename__: session.scalar(sa.select(sa.func.count()).select_from(model)) for model in models}


def assert_escaped(page: str, posted: dict) -> None:
    for marker in HTML_MARKERS:
        if any(marker in str(value) for value in posted.values()):
            assert marker not in page, f"{marker!r} shown back unescaped"
    assert not C0.search(page), "a control character was shown back"


# What a one-time submission token may be made into: the page's own, another form's, none, junk.
def _tokens(page_token: str | None):
    junk = st.one_of(
        st.sampled_from(["", "   ", "garbled", SCRIPT, "x" * 400, "WzEsImFiYyJd.abc.def", "\x00\x1b"]),
        st.text(st.characters(exclude_categories=("Cs",)), max_size=60),
    )
    return junk if page_token is None else st.one_of(st.just(page_token), junk)


def _submission(data, fields: list[FormField], shown: set[str], page_token: str | None = None):
    breakable = [f for f in fields if f.kind in BREAKABLE and f.name in shown]
    broken = data.draw(st.sampled_from(breakable), label="broken field")
    how, value = data.draw(_breaks(broken), label=f"break {broken.name}")
    posted = {broken.name: value}
    for field in fields:
        if field is broken or field.kind == SUBMIT:
            continue
        posted[field.name] = data.draw(_filler(field), label=field.name)
    posted[submissions.FIELD] = data.draw(_tokens(page_token), label="submission token")
    submits = [f for f in fields if f.kind == SUBMIT]
    if submits:
        button = data.draw(st.sampled_from(submits), label="button")
        posted[button.name] = button.value
    return broken, how, {name: v for name, v in posted.items() if v != [] and v is not None}


IGNORED_BESIDE = {("cost_per_session", "staff_hours"), ("hourly_rate", "per_session")}


@pytest.mark.parametrize("rule", list(FORMS))
def test_bad_input_is_refused_beside_the_field_and_stores_nothing(
    app, client, world, login, session, foreign_group, rule
):
    url, form, page = open_form(app, client, world, login, session, foreign_group, rule)
    fields = fields_of(form)
    # Fields the page shows are broken; the others (shown only in another state) are still posted.
    shown = {f.name for f in fields if page.has(f'[name="{f.name}"]')}
    # The token the page carried (a page for signed-in users carries one), fuzzed with the fields.
    page_token = page.submission_token() if page.has(f'[name="{submissions.FIELD}"]') else None
    assert any(f.kind in BREAKABLE and f.name in shown for f in fields), f"{rule}: no field to break"

    # Every example must leave the database as it was, so one picture before them all serves each.
    before, written = snapshot(session), counts(session, FORMS[rule].writes)

    @settings(
        max_examples=EXAMPLES,
        derandomize=True,
        deadline=None,
        database=None,
        phases=(Phase.explicit, Phase.generate),  # repeatable without shrinking: the report names the inputs
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.data_too_large],
    )
    @given(st.data())
    def post_bad_input(data):
        broken, how, posted = _submission(data, fields, shown, page_token)
        # A catalogue entry ignores, by design, what is typed in the cost of the basis not chosen.
        assume((broken.name, posted.get("cost_basis")) not in IGNORED_BESIDE)
        limiter.reset()

        response = client.post(url, data=posted)

        assert response.status_code == 200, f"{rule}: {how} in {broken.name}: {response.status_code}"
        page = Page(response)
        assert page.error_summary(), f"{rule}: {how} in {broken.name}: no error summary"
        assert page.field_error(broken.id), f"{rule}: {how} in {broken.name}: no message beside the field"
        assert counts(session, FORMS[rule].writes) == written
        assert snapshot(session) == before, f"{rule}: {how} in {broken.name}: something was stored"
        assert_escaped(page.html, posted)

    post_bad_input()


# --- Uploads ---------------------------------------------------------------------------------
# The upload pages are fuzzed above with text where the file goes. Here they are sent files, as a
# browser sends them (multipart): contents no check may accept (no known file type at all, or
# another type than the name says: an executable, a web page, an image named as a PDF, an empty
# file), under hostile names, with hostile titles. Each is refused beside the file field, and
# nothing is stored.

UPLOAD_RULES = [rule for rule in FORMS if rule.endswith("/documents/new")]
MISNAMED = [
    (b"", "plan.pdf"),
    (b"\x7fELF\x02\x01\x01\x00" + bytes(120), "plan.pdf"),
    (b"MZ\x90\x00\x03" + bytes(120), "report.docx"),
    (b"<!doctype html><html><script>alert(1)</script></html>", "report.docx"),
    (b"\x89PNG\r\n\x1a\n" + bytes(40), "plan.pdf"),
    (b"%PDF-1.4\n%%EOF\n", "scan.png"),
]
upload_names = st.one_of(
    st.sampled_from(["plan.pdf", "../../etc/passwd.pdf", f"{SCRIPT}.pdf", "plan", ".docx", "C:\\x\\report.doc"]),
    st.text(st.characters(exclude_categories=("Cs",)), max_size=60).map(lambda name: name + ".pdf"),
)
# A byte no file type starts with, then anything: no file type is ever recognised in it.
unknown_content = st.binary(min_size=0, max_size=512).map(lambda data: b"\x00\x01junk" + data)


@pytest.mark.parametrize("rule", UPLOAD_RULES)
def test_hostile_files_are_refused_beside_the_file_field_and_store_nothing(
    app, client, world, login, session, foreign_group, rule
):
    url, form, page = open_form(app, client, world, login, session, foreign_group, rule)
    assert page.has('input[type="file"][name="file"]'), f"{rule}: no file field"
    page_token = page.submission_token()
    before = snapshot(session)

    @settings(
        max_examples=EXAMPLES, derandomize=True, deadline=None, database=None, phases=(Phase.explicit, Phase.generate)
    )
    @given(
        st.one_of(st.sampled_from(MISNAMED), st.tuples(unknown_content, upload_names)),
        st.one_of(st.just("EHC plan"), st.sampled_from([SCRIPT, "' OR 1=1 --", 'Plan & advice: "final"'])),
    )
    def post_file(file, title):
        content, name = file
        posted = {"kind": "plan", "title": title, "file": (io.BytesIO(content), name), submissions.FIELD: page_token}

        response = client.post(url, data=posted, content_type="multipart/form-data")

        assert response.status_code == 200, f"{rule}: {name!r}: {response.status_code}"
        answer = Page(response)
        assert answer.error_summary(), f"{rule}: {name!r}: no error summary"
        assert answer.field_error("file"), f"{rule}: {name!r}: no message beside the file field"
        assert snapshot(session) == before, f"{rule}: {name!r}: something was stored"
        assert_escaped(answer.html, {"title": title, "name": name})

    post_file()


@pytest.mark.parametrize("rule", UPLOAD_RULES)
def test_a_real_file_for_another_schools_pupil_is_not_found_and_stores_nothing(
    client, world, login, session, foreign_group, rule
):
    """A valid PDF posted to the plan or request of a pupil of another school (the upload pages'
    own user, signed in) answers 404, and nothing is stored but the audit of the refusal."""
    route = ROUTES[rule]
    role = _actor(route)
    url = route.url(_target(world, route, ("other-school", "foreign"), foreign_group, session))
    login(world.users[role])
    before = snapshot(session)
    pdf = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"

    response = client.post(
        url,
        data={"kind": "plan", "title": "EHC plan", "file": (io.BytesIO(pdf), "plan.pdf")},
        content_type="multipart/form-data",
    )

    assert response.status_code == 404
    after = snapshot(session)
    refused = after.pop("audit_event")[len(before.pop("audit_event")) :]
    assert after == before
    last = session.scalar(sa.select(AuditEvent.action).order_by(AuditEvent.id.desc()).limit(1))
    assert len(refused) == 1 and last == "access_refused"


# The import page is sent files as a browser sends them: contents that are no Common Transfer File
# (no known type, another type, hostile XML with entities or external references, too large) and
# real files for another school or for none, under hostile names. Each is refused beside the file
# field with the file named, and nothing is stored.

IMPORT_REFUSED = [
    (ctf_samples.NOT_XML, "roll.xml"),
    (ctf_samples.BILLION_LAUGHS, "roll.xml"),
    (ctf_samples.EXTERNAL_ENTITY, "roll.xml"),
    (ctf_samples.DTD_ONLY, "roll.xml"),
    (ctf_samples.TRUNCATED, "roll.xml"),
    (ctf_samples.WRONG_ROOT, "roll.xml"),
    (ctf_samples.ctf_xml(ctf_samples.pupil_xml(), dest=(None, None, "900003")), "far.xml"),
    (ctf_samples.ctf_xml(ctf_samples.pupil_xml(), dest=("555", "1111", "111111")), "nowhere.xml"),
    *MISNAMED,
]


def test_hostile_import_files_are_refused_beside_the_file_field_and_store_nothing(
    app, client, world, login, session, foreign_group
):
    url, form, page = open_form(app, client, world, login, session, foreign_group, "/imports")
    assert page.has('input[type="file"][name="file"]')
    page_token = page.submission_token()
    before = snapshot(session)

    @settings(
        max_examples=EXAMPLES, derandomize=True, deadline=None, database=None, phases=(Phase.explicit, Phase.generate)
    )
    @given(st.one_of(st.sampled_from(IMPORT_REFUSED), st.tuples(unknown_content, upload_names)))
    def post_file(file):
        content, name = file
        posted = {"kind": "ctf", "file": (io.BytesIO(content), name), submissions.FIELD: page_token}

        response = client.post(url, data=posted, content_type="multipart/form-data")

        assert response.status_code == 200, f"{name!r}: {response.status_code}"
        answer = Page(response)
        assert answer.error_summary(), f"{name!r}: no error summary"
        assert answer.field_error("file"), f"{name!r}: no message beside the file field"
        assert snapshot(session) == before, f"{name!r}: something was stored"
        assert_escaped(answer.html, {"name": name})

    post_file()


# --- Buttons ---------------------------------------------------------------------------------

junk_fields = st.dictionaries(
    st.sampled_from(
        ["csrf_token", submissions.FIELD, "submit", "version", "move", "pupil", "id", "school_id", "user_id", SCRIPT]
    ),
    st.one_of(st.sampled_from(HOSTILE), st.text(max_size=20)),
    max_size=4,
)


@pytest.mark.parametrize("rule", list(BUTTONS))
def test_buttons_take_junk_without_an_error(app, client, world, login, session, foreign_group, rule):
    """Junk beside a button (and a junk move in a move's URL) never makes a server error, and no
    junk is shown back unescaped."""
    route = ROUTES[rule]
    role = next(r for r in ROLE_PREFERENCE if route.expect[r] != 403 and route.expect[r] != 404)
    target = _target(world, route, _kind(route, role), foreign_group, session)
    url = route.url(target)
    login(world.users[role])

    @settings(
        max_examples=10,
        derandomize=True,
        deadline=None,
        database=None,
        phases=(Phase.explicit, Phase.generate),
        suppress_health_check=[HealthCheck.too_slow],
    )
    @given(junk_fields, st.sampled_from(["start_review", "not-a-move", SCRIPT, "' OR 1=1 --", "%00", "review" * 50]))
    def press(junk, move):
        target_url = url.replace("/move/start_review", f"/move/{move}") if "/move/" in url else url
        login(world.users[role])
        response = client.post(target_url, data=junk)

        assert response.status_code < 500
        assert_escaped(text(response), {**junk, "move": move})

    press()


# --- Intervention forms, per pupil -----------------------------------------------------------
# The class teacher on an intervention shared with another class's pupil: whatever is posted for
# that pupil (their fields, their id among those present, their place among the pupils), beside
# a complete or broken form for the teacher's own pupil, nothing of theirs changes or is shown.

SHARED_FORM_RULES = (
    "/interventions/<int:intervention_id>/edit",
    "/interventions/<int:intervention_id>/sessions/new",
    "/interventions/<int:intervention_id>/impact",
)
their_values = st.one_of(st.sampled_from(HOSTILE), st.sampled_from(["-2", "2", "0", "Overwritten", ""]), hostile_text)


@pytest.mark.parametrize("rule", SHARED_FORM_RULES)
def test_posts_on_a_shared_intervention_never_reach_the_other_class_s_pupil(
    app,
    client,
    world,
    login,
    session,
    foreign_group,
    rule,
):
    route = ROUTES[rule]
    target = _target(world, route, "shared", foreign_group, session)
    ours, theirs = world.pupils["taught"], world.pupils["untaught_k"]
    login(world.users["teacher"])
    url = route.url(target)
    with rendered_forms(app) as seen:
        assert client.get(url).status_code == 200
    fields = fields_of(next(form for name, form in seen if name == "form"))
    complete = _shared_posts(target)[rule]
    # Rows naming their pupil: by public id (the intervention form) and by id (the impact form).
    theirs_rows = {"rows-98-pupil": theirs.public_id, "rows-99-pupil": str(theirs.id)}
    theirs_named = {
        "rows-98-entry",
        "rows-98-outcome",
        "rows-99-exit",
        "rows-99-impact",
        "rows-99-comment",
        "rows-98-sen",
        "rows-98-need",
        "rows-99-mark",
        "rows-99-note",
    }
    before = _pupil_state(session, target.intervention, theirs)

    @settings(
        max_examples=EXAMPLES,
        derandomize=True,
        deadline=None,
        database=None,
        phases=(Phase.explicit, Phase.generate),
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.data_too_large],
    )
    @given(st.data())
    def post(data):
        posted = dict(complete)
        # Some of the teacher's own fields filled with anything, or the complete form as it is.
        for field in fields:
            if (
                field.kind != SUBMIT
                and field.name not in ("pupils", "attended")
                and data.draw(st.booleans(), label=f"fill {field.name}")
            ):
                posted[field.name] = data.draw(_filler(field), label=field.name)
        for name in theirs_named:
            posted[name] = data.draw(their_values, label=name)
        posted.update(theirs_rows)
        posted["pupils"] = [ours.public_id, theirs.public_id]
        posted["attended"] = data.draw(
            st.sampled_from([[str(theirs.id)], [str(ours.id), str(theirs.id)], [str(ours.id)]]), label="attended"
        )
        limiter.reset()

        response = client.post(url, data=posted)

        assert response.status_code in (200, 302), response.status_code
        assert _pupil_state(session, target.intervention, theirs) == before
        page = text(response)
        assert SHARED_SECRET not in page and not re.search(rf"\b{theirs.last_name}\b", page)
        assert_escaped(page, posted)

    post()


# --- One-time tokens of the buttons that create records -----------------------------------------


def _saves_once(app, rule: str) -> bool:
    endpoint = next(r.endpoint for r in app.url_map.iter_rules() if r.rule == rule)
    return getattr(app.view_functions[endpoint], "saved_once", False)


def _once_buttons():
    from sentrack import create_app

    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    return [rule for rule in BUTTONS if _saves_once(app, rule)]


def test_the_buttons_that_create_records_save_once(app):
    """The POST-only buttons whose press creates a record carry a one-time token (the
    double-submit walk sends each twice); they are fuzzed below."""
    assert set(_once_buttons()) == {
        "/pupils/<public_id>/cycles",
        "/pupils/<public_id>/cycles/<int:number>/move/<move>",
        "/pupils/<public_id>/letters/<int:letter_id>/sent",
        "/pupils/<public_id>/passport/read",
        "/interventions/<int:intervention_id>/sessions/quick",
        "/pupils/<public_id>/transfer/ctf",
        "/pupils/<public_id>/transfer/pack",
        "/transfers/<int:transfer_id>/confirm",
        "/sen-report/<int:year>/draft",
        "/sen-report/<int:year>/publish",
        # Second factors of sign-in
        "/account/security/recovery-codes/new",
        "/account/security/resets/<int:user_id>/reset",
        # Retention and destruction: the destruction log row
        "/pupils/<public_id>/destroy",
    }


@pytest.mark.parametrize("rule", _once_buttons())
def test_a_button_that_creates_a_record_refuses_a_bad_token_and_stores_nothing(
    app, client, world, login, session, foreign_group, rule
):
    """A button whose press creates a record, pressed with a token that is missing, garbled or
    junk: refused (sent back with an error message, never a 500), and nothing is stored."""
    route = ROUTES[rule]
    role = next(r for r in ROLE_PREFERENCE if route.expect[r] != 403 and route.expect[r] != 404)
    target = _target(world, route, _kind(route, role), foreign_group, session)
    url = route.url(target)
    login(world.users[role])
    before = snapshot(session)

    @settings(
        max_examples=15,
        derandomize=True,
        deadline=None,
        database=None,
        phases=(Phase.explicit, Phase.generate),
        suppress_health_check=[HealthCheck.too_slow],
    )
    @given(_tokens(None))
    def press(token):
        response = client.post(url, data={submissions.FIELD: token})

        assert response.status_code == 302, (token, response.status_code)
        assert snapshot(session) == before, f"{rule}: a press with the token {token!r} stored something"
        with client.session_transaction() as cookie:
            flashed = cookie.pop("_flashes", [])
        # Refused with a message: for the token, or by a rule that refuses the press before any write.
        assert flashed and all(category == "error" for category, _ in flashed), flashed

    press()


# --- CSV imports -------------------------------------------------------------------------------
# The import page takes pupils or classes as CSV. Files no CSV check may accept (a program, an
# image, a PDF, a workbook, Unicode text, semicolons, a broken quote, a header naming no column
# SEN Track reads), under hostile names: each is refused beside the file field, and nothing is
# stored. (The CSV size limit is tested in tests/test_csv_import.py, without a 2 MB request.)

CSV_KINDS = ("pupils_csv", "classes_csv")
NOT_CSV = [
    (b"\x7fELF\x02\x01\x01\x00" + bytes(120), "roll.csv"),
    (b"MZ\x90\x00\x03" + bytes(120), "roll.csv"),
    (b"<!doctype html><html><script>alert(1)</script></html>", "roll.csv"),
    (b"\x89PNG\r\n\x1a\n" + bytes(40), "roll.csv"),
    (b"%PDF-1.4\n%%EOF\n", "roll.csv"),
    (b"PK\x03\x04\x14\x00\x06\x00" + bytes(40), "roll.xlsx"),
    ("UPN,Surname,Forename\n".encode("utf-16"), "roll.csv"),
    (b"UPN;Surname;Forename;Class\n1;2;3;4\n", "roll.csv"),
    (b'UPN,Class,"Surname\n', "roll.csv"),
    (f"{SCRIPT},{IMAGE}\n{SCRIPT},1\n".encode(), f"{SCRIPT}.csv"),
    (b"Class,Class name,UPN,Surname,Legal surname\n", "roll.csv"),
]
csv_names = st.one_of(
    st.sampled_from(["roll.csv", "../../etc/passwd.csv", f"{SCRIPT}.csv", ".csv", "C:\\x\\roll.csv"]),
    st.text(st.characters(exclude_categories=("Cs",)), max_size=60).map(lambda name: name + ".csv"),
)


@pytest.mark.parametrize("kind", CSV_KINDS)
def test_hostile_csv_files_are_refused_beside_the_file_field_and_store_nothing(client, world, login, session, kind):
    login(world.users["admin"])
    page_token = client.page("/imports").submission_token()
    before = snapshot(session)

    @settings(
        max_examples=EXAMPLES, derandomize=True, deadline=None, database=None, phases=(Phase.explicit, Phase.generate)
    )
    @given(st.one_of(st.sampled_from(NOT_CSV), st.tuples(unknown_content, csv_names)))
    def post_file(file):
        content, name = file
        posted = {"kind": kind, "file": (io.BytesIO(content), name), submissions.FIELD: page_token}

        response = client.post("/imports", data=posted, content_type="multipart/form-data")

        assert response.status_code == 200, f"{kind}: {name!r}: {response.status_code}"
        answer = Page(response)
        assert answer.error_summary(), f"{kind}: {name!r}: no error summary"
        assert answer.field_error("file"), f"{kind}: {name!r}: no message beside the file field"
        assert snapshot(session) == before, f"{kind}: {name!r}: something was stored"
        assert_escaped(answer.html, {"name": name, "content": content.decode("utf-8", "replace")})

    post_file()
