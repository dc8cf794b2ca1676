"""Who may see what: a truth table over every route, every role and the pupils in and out of scope.

Expectations come from DESIGN section 2 and sentrack/access.py: a page a role's abilities do not
open at all is 403; a record outside the user's scope is 404, never 403; anonymous users are sent
to sign in. Every rule in the app's url_map must have an entry in ROUTES, so a new route cannot be
added without deciding who may reach it.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from itertools import count as _counter

import pytest
import sqlalchemy as sa
from flask import current_app

from sentrack.auth.sessions import start_session
from sentrack.extensions import db
from sentrack.models import (
    NO_PASSWORD,
    AccessKind,
    AreaOfNeed,
    Assessment,
    AssessmentDecision,
    Concern,
    ConcernStatus,
    CostBasis,
    CycleState,
    Delivery,
    DocumentKind,
    EhcAdvice,
    EhcDocument,
    EhcOutcome,
    EhcPlan,
    EhcRequest,
    EhcRequester,
    EhcReview,
    ImportBatch,
    ImportKind,
    Intervention,
    InterventionType,
    MeetingMode,
    NeedType,
    Notification,
    Outcome,
    OutcomeWording,
    ParentLetter,
    ParentMeeting,
    Plan,
    Provision,
    PupilTransfer,
    Requester,
    Review,
    ReviewKind,
    Role,
    RoleProposal,
    School,
    SchoolTerm,
    Season,
    SenDifference,
    SenStatus,
    SubjectAccessRequest,
    SubjectAccessWithheld,
    SupportCycle,
    Task,
    TeachingGroup,
    UserSession,
    WebAuthnCredential,
)
from sentrack.workflows import interventions as iflow
from sentrack.workflows.duty_catalogue import sync_catalogue
from sentrack.workflows.imports import preview as preview_import
from sentrack.workflows.invitations import invite, token_for
from sentrack.workflows.outcome_bank import seed_outcome_bank
from sentrack.workflows.password_resets import request_reset
from sentrack.workflows.password_resets import token_for as reset_token_for
from sentrack.workflows.sen_status import SEN_SUPPORT_LETTER, change_sen_status
from tests.conftest import TODAY, runs_on_the_committed_world
from tests.ctf_samples import ctf_xml, pupil_xml, sample_upn
from tests.factories import OPENED_ON, PLAN_STARTS, REVIEW_DATE, World, make_user
from tests.helpers import date_parts, rows, text

ROLES = ("senco", "head", "teacher", "ta", "governor", "admin", "la")
_newcomers = _counter(1)
ANONYMOUS = "anonymous"


@dataclass(frozen=True)
class Redirect:
    to: str | Callable[[Target], str]  # a path, or the path for the target of the request


def only(*roles: str, yes=200, no=403) -> dict[str, object]:
    return {role: (yes if role in roles else no) for role in ROLES}


EVERYONE = only(*ROLES)


@dataclass(frozen=True)
class CycleRecords:
    """A pupil's support cycle and what hangs off it, for the URLs of the cycle pages."""

    cycle: SupportCycle
    outcome: Outcome
    letter: ParentLetter
    concern: Concern
    meeting: ParentMeeting  # planned, not yet held
    held_meeting: ParentMeeting  # held, its record not yet shared with parents


@dataclass(frozen=True)
class EhcRecords:
    """A pupil's EHC work, for the URLs of the EHC pages: a needs assessment request (agreed, with
    advice asked and an exception), a plan with an outcome, an annual review convened and not yet
    held, and a document of the plan."""

    request: EhcRequest
    advice: EhcAdvice
    plan: EhcPlan
    review: EhcReview
    document: EhcDocument


@dataclass(frozen=True)
class Target:
    """What a URL is built around: a pupil, a member of staff, a class, an intervention or a
    catalogue entry (or nothing)."""

    world: World
    pupil_key: str | None = None
    member_key: str | None = None
    group: TeachingGroup | None = None
    records: CycleRecords | None = None  # the pupil's cycle, for the cycle pages
    ehc: EhcRecords | None = None  # the pupil's EHC work, for the EHC pages
    intervention: Intervention | None = None
    entry: InterventionType | None = None
    term: SchoolTerm | None = None
    task: Task | None = None
    notification: Notification | None = None
    proposal: RoleProposal | None = None
    invitation_token: str | None = None
    reset_token: str | None = None  # a link to reset the password of a member of a school
    own_session_id: int | None = None  # another open session of the SENCO's own
    batch: ImportBatch | None = None  # an import of a school's MIS file, waiting for confirmation
    difference: SenDifference | None = None  # an imported SEN history that differs, of a school's pupil
    transfer: PupilTransfer | None = None
    wording: OutcomeWording | None = None  # a wording of a school's bank of outcomes
    access_request: SubjectAccessRequest | None = None  # subject access: a request for a pupil's data

    @property
    def iv(self) -> str:
        """The URL of the intervention."""
        return f"/interventions/{self.intervention.id}"

    @property
    def pupil(self):
        return self.world.pupils[self.pupil_key]

    @property
    def base(self) -> str:
        return f"/pupils/{self.pupil.public_id}"

    @property
    def cycle(self) -> str:
        """The URL of the pupil's support cycle."""
        return f"{self.base}/cycles/{self.records.cycle.number}"

    @property
    def outcome_id(self) -> int:
        return self.records.outcome.id

    @property
    def letter_id(self) -> int:
        return self.records.letter.id

    @property
    def concern_id(self) -> int:
        return self.records.concern.id

    @property
    def member(self):
        return self.world.users[self.member_key]

    @property
    def request(self) -> str:
        """The URL of the pupil's EHC needs assessment request."""
        return f"/ehc/requests/{self.ehc.request.id}"

    @property
    def plan(self) -> str:
        """The URL of the pupil's EHC plan."""
        return f"/ehc/plans/{self.ehc.plan.id}"

    @property
    def review(self) -> str:
        """The URL of the annual review of the pupil's EHC plan."""
        return f"/ehc/reviews/{self.ehc.review.id}"

    @property
    def document(self) -> str:
        """The URL of a document of the pupil's EHC plan."""
        return f"/ehc/documents/{self.ehc.document.id}"


@dataclass(frozen=True)
class Route:
    url: Callable[[Target], str]
    expect: dict[str, object]  # per role, for a target inside the user's school and scope
    method: str = "GET"
    anonymous: object = Redirect("/sign-in")
    target: str | None = None  # "pupil", "member" or "group"


PUPIL = "pupil"
MEMBER = "member"
GROUP = "group"
INTERVENTION = "intervention"
ENTRY = "entry"  # an entry of a school's intervention catalogue
TERM = "term"  # a term of a school's year
TASK = "task"  # a task assigned to a school's SENCO, with the notification that told them
PROPOSAL = "proposal"  # a role proposed by the administrator for a member of a school
INVITATION = "invitation"  # an open invitation to set a password, of a new member of a school
BATCH = "batch"  # an import of a school's file from its MIS, previewed and not yet confirmed
DIFFERENCE = "difference"  # an imported SEN history that differs from the school's record of its pupil
TRANSFER = "transfer"  # a transfer of a pupil's record asked by another school of the authority
WORDING = "wording"  # a wording of a school's bank of outcomes
RESET = "reset"  # an open link to reset the password of a member of a school
OWN_SESSION = "own-session"  # another open session of the SENCO (the owner), on another device
LEAVER = "leaver"  # a pupil of a school who has left its roll (retention and destruction)
MANAGERS = ("senco", "head", "admin")  # who manages a school's staff (Ability.MANAGE_STAFF)
ACCESS_REQUEST = "access_request"  # subject access: a request for the data of a pupil of a school


def _senco_key_removal(t: Target) -> str:
    """The page removing a security key of the SENCO's (added the first time it is asked for)."""
    senco = t.world.users["senco"]
    key = db.session.scalar(sa.select(WebAuthnCredential).where(WebAuthnCredential.user_id == senco.id))
    if key is None:
        key = WebAuthnCredential(
            user_id=senco.id, credential_id=b"senco-key", public_key=b"\xa5", transports=[], name="Senco key"
        )
        db.session.add(key)
        db.session.commit()
    return f"/account/security/keys/{key.id}/remove"


# The key is the rule as Werkzeug spells it: one endpoint may have several rules.
ROUTES: dict[str, Route] = {
    "/sign-in": Route(lambda t: "/sign-in", {role: Redirect("/") for role in ROLES}, anonymous=200),
    "/sign-out": Route(lambda t: "/sign-out", {role: Redirect("/sign-in") for role in ROLES}, method="POST"),
    "/change-password": Route(lambda t: "/change-password", EVERYONE),
    # --- Account recovery and one's own sessions ---
    # Asking for a link to reset a forgotten password, and the link itself: the token is the key,
    # whoever (signed in or not) opens it.
    "/forgotten-password": Route(lambda t: "/forgotten-password", EVERYONE, anonymous=200),
    "/reset-password/<token>": Route(
        lambda t: f"/reset-password/{t.reset_token}", EVERYONE, anonymous=200, target=RESET
    ),
    # A person's own sessions: each sees theirs; a session is ended only by its owner (the SENCO
    # here), another person's is never found.
    "/account/sessions": Route(lambda t: "/account/sessions", EVERYONE),
    "/account/sessions/<int:session_id>/end": Route(
        lambda t: f"/account/sessions/{t.own_session_id}/end",
        only("senco", yes=Redirect("/account/sessions"), no=404),
        method="POST",
        target=OWN_SESSION,
    ),
    "/account/sessions/end-others": Route(
        lambda t: "/account/sessions/end-others", {role: Redirect("/account/sessions") for role in ROLES}, method="POST"
    ),
    # --- end of account recovery and one's own sessions ---
    # The timeout warning's "Stay signed in": anyone signed in, sent back home without a page to go to.
    "/session/stay": Route(lambda t: "/session/stay", {role: Redirect("/") for role in ROLES}, method="POST"),
    # Second factors of sign-in (tests/test_second_factor.py). The second step of signing in sends
    # anyone already through it home; the security pages are everyone's own; the codes just made
    # are shown once, and without any the page sends back to the security page.
    "/sign-in/second-factor": Route(lambda t: "/sign-in/second-factor", {role: Redirect("/") for role in ROLES}),
    "/sign-in/second-factor/recovery": Route(
        lambda t: "/sign-in/second-factor/recovery", {role: Redirect("/") for role in ROLES}
    ),
    "/account/security": Route(lambda t: "/account/security", EVERYONE),
    "/account/security/authenticator": Route(lambda t: "/account/security/authenticator", EVERYONE),
    "/account/security/authenticator/remove": Route(lambda t: "/account/security/authenticator/remove", EVERYONE),
    "/account/security/recovery-codes": Route(
        lambda t: "/account/security/recovery-codes", {role: Redirect("/account/security") for role in ROLES}
    ),
    # New recovery codes need a second factor first: refused back to the security page.
    "/account/security/recovery-codes/new": Route(
        lambda t: "/account/security/recovery-codes/new",
        {role: Redirect("/account/security") for role in ROLES},
        method="POST",
    ),
    # Resetting a colleague's: the head teacher a member of the school (here the class teacher); the
    # SENCO only the head's and an officer only another officer's, so the teacher is not found.
    "/account/security/resets": Route(lambda t: "/account/security/resets", only("senco", "head", "la")),
    "/account/security/resets/<int:user_id>": Route(
        lambda t: f"/account/security/resets/{t.world.users['teacher'].id}",
        only("head") | {"senco": 404, "la": 404},
    ),
    "/account/security/resets/<int:user_id>/reset": Route(
        lambda t: f"/account/security/resets/{t.world.users['teacher'].id}/reset",
        only("head", yes=Redirect("/account/security/resets")) | {"senco": 404, "la": 404},
        method="POST",
    ),
    # Who must use a second factor: the SENCO and the head teacher (only the head switches it off).
    "/settings/second-factor": Route(lambda t: "/settings/second-factor", only("senco", "head")),
    # Drafts of a long form (here the meeting form) are refused exactly as the form is: they run its view.
    "/drafts/keep/<path:form>": Route(
        lambda t: f"/drafts/keep{t.base}/meetings/new",
        only("senco", "teacher", no=404),
        method="POST",
        target=PUPIL,
        anonymous=401,
    ),
    "/drafts/discard/<path:form>": Route(
        lambda t: f"/drafts/discard{t.base}/meetings/new",
        only("senco", "teacher", yes=Redirect(lambda t: f"{t.base}/meetings/new"), no=404),
        method="POST",
        target=PUPIL,
    ),
    "/": Route(lambda t: "/", EVERYONE),
    "/accessibility": Route(lambda t: "/accessibility", EVERYONE, anonymous=200),
    "/privacy": Route(lambda t: "/privacy", EVERYONE, anonymous=200),
    "/cookies": Route(lambda t: "/cookies", EVERYONE, anonymous=200),
    # Governors see figures only: the pupil list is closed to them.
    "/pupils/": Route(lambda t: "/pupils/", only("senco", "head", "teacher", "ta", "admin", "la")),
    # Clearing the search only forgets the search text: harmless for anyone signed in.
    "/pupils/clear-search": Route(
        lambda t: "/pupils/clear-search", {role: Redirect("/pupils/") for role in ROLES}, method="POST"
    ),
    "/pupils/new": Route(lambda t: "/pupils/new", only("senco", "admin")),
    # The pupils who have left (Ability.VIEW_LEAVERS): the SENCO's and the head teacher's.
    "/pupils/left": Route(lambda t: "/pupils/left", only("senco", "head")),
    "/pupils/left/clear-search": Route(
        lambda t: "/pupils/left/clear-search", {role: Redirect("/pupils/left") for role in ROLES}, method="POST"
    ),
    # Recording a leaving (Ability.RECORD_LEAVING) is the SENCO's, the head's and the admin's;
    # undoing one the SENCO's and the head's. The target has no leaving to undo, so the undo is
    # refused back to the pupil record (tests/test_roll.py undoes one).
    "/pupils/<public_id>/leaving": Route(
        lambda t: f"{t.base}/leaving", only("senco", "head", "admin", no=404), target=PUPIL
    ),
    "/pupils/<public_id>/leaving/undo": Route(
        lambda t: f"{t.base}/leaving/undo",
        only("senco", "head", yes=Redirect(lambda t: t.base), no=404),
        method="POST",
        target=PUPIL,
    ),
    "/pupils/<public_id>": Route(
        lambda t: f"/pupils/{t.pupil.public_id}", only("senco", "head", "teacher", "admin", "la", no=404), target=PUPIL
    ),
    "/pupils/<public_id>/edit": Route(
        lambda t: f"/pupils/{t.pupil.public_id}/edit", only("senco", "admin", no=404), target=PUPIL
    ),
    "/pupils/<public_id>/contacts/new": Route(
        lambda t: f"/pupils/{t.pupil.public_id}/contacts/new", only("senco", "admin", no=404), target=PUPIL
    ),
    "/pupils/<public_id>/contacts/<int:contact_id>": Route(
        lambda t: f"/pupils/{t.pupil.public_id}/contacts/{t.pupil.contacts[0].id}",
        only("senco", "admin", no=404),
        target=PUPIL,
    ),
    "/pupils/<public_id>/sen-status": Route(
        lambda t: f"/pupils/{t.pupil.public_id}/sen-status", only("senco", no=404), target=PUPIL
    ),
    # access.py lets the head raise a concern as well as teachers and the SENCO.
    "/pupils/<public_id>/concerns/new": Route(
        lambda t: f"/pupils/{t.pupil.public_id}/concerns/new", only("senco", "head", "teacher", no=404), target=PUPIL
    ),
    # Support cycles (sentrack/cycles): reading needs VIEW_SEN; opening and assessing OPEN_CYCLE
    # (the SENCO, and a teacher for their own pupils); observations RECORD_OBSERVATION (support
    # assistants too, but their scope is empty until interventions exist); everything else
    # MANAGE_CYCLE, the SENCO's alone. Each answer outside that is 404.
    # The audit trail of one pupil: the SENCO's and the head teacher's (Ability.VIEW_AUDIT).
    "/pupils/<public_id>/audit": Route(lambda t: f"{t.base}/audit", only("senco", "head", no=404), target=PUPIL),
    "/pupils/<public_id>/timeline": Route(
        lambda t: f"{t.base}/timeline", only("senco", "head", "teacher", "la", no=404), target=PUPIL
    ),
    "/pupils/<public_id>/cycles/<int:number>": Route(
        lambda t: t.cycle, only("senco", "head", "teacher", "la", no=404), target=PUPIL
    ),
    "/pupils/<public_id>/cycles/<int:number>/plan/print": Route(
        lambda t: f"{t.cycle}/plan/print", only("senco", "head", "teacher", "la", no=404), target=PUPIL
    ),
    # The target's cycle is open, so opening another is refused back to the pupil record.
    "/pupils/<public_id>/cycles": Route(
        lambda t: f"{t.base}/cycles",
        only("senco", "teacher", yes=Redirect(lambda t: t.base), no=404),
        method="POST",
        target=PUPIL,
    ),
    "/pupils/<public_id>/cycles/<int:number>/assessment": Route(
        lambda t: f"{t.cycle}/assessment", only("senco", "teacher", no=404), target=PUPIL
    ),
    "/pupils/<public_id>/cycles/<int:number>/observations/new": Route(
        lambda t: f"{t.cycle}/observations/new", only("senco", "teacher", no=404), target=PUPIL
    ),
    "/pupils/<public_id>/cycles/<int:number>/plan": Route(
        lambda t: f"{t.cycle}/plan", only("senco", no=404), target=PUPIL
    ),
    "/pupils/<public_id>/cycles/<int:number>/outcomes/new": Route(
        lambda t: f"{t.cycle}/outcomes/new", only("senco", no=404), target=PUPIL
    ),
    "/pupils/<public_id>/cycles/<int:number>/outcomes/<int:outcome_id>": Route(
        lambda t: f"{t.cycle}/outcomes/{t.outcome_id}", only("senco", no=404), target=PUPIL
    ),
    "/pupils/<public_id>/cycles/<int:number>/start": Route(
        lambda t: f"{t.cycle}/start", only("senco", no=404), target=PUPIL
    ),
    "/pupils/<public_id>/cycles/<int:number>/review": Route(
        lambda t: f"{t.cycle}/review", only("senco", no=404), target=PUPIL
    ),
    "/pupils/<public_id>/letters/<int:letter_id>": Route(
        lambda t: f"{t.base}/letters/{t.letter_id}", only("senco", no=404), target=PUPIL
    ),
    "/pupils/<public_id>/letters/<int:letter_id>/download": Route(
        lambda t: f"{t.base}/letters/{t.letter_id}/download", only("senco", no=404), target=PUPIL
    ),
    "/pupils/<public_id>/concerns/<int:concern_id>/decide": Route(
        lambda t: f"{t.base}/concerns/{t.concern_id}/decide", only("senco", no=404), target=PUPIL
    ),
    # The target's cycle is at review: the SENCO's move and removal are refused back to the cycle.
    "/pupils/<public_id>/cycles/<int:number>/move/<move>": Route(
        lambda t: f"{t.cycle}/move/start_review",
        only("senco", yes=Redirect(lambda t: t.cycle), no=404),
        method="POST",
        target=PUPIL,
    ),
    "/pupils/<public_id>/cycles/<int:number>/outcomes/<int:outcome_id>/remove": Route(
        lambda t: f"{t.cycle}/outcomes/{t.outcome_id}/remove",
        only("senco", yes=Redirect(lambda t: f"{t.cycle}#plan"), no=404),
        method="POST",
        target=PUPIL,
    ),
    # Asking before an outcome is removed (the target's cycle is at review: the page says why it stays).
    "/pupils/<public_id>/cycles/<int:number>/outcomes/<int:outcome_id>/confirm-removal": Route(
        lambda t: f"{t.cycle}/outcomes/{t.outcome_id}/confirm-removal", only("senco", no=404), target=PUPIL
    ),
    "/pupils/<public_id>/letters/<int:letter_id>/sent": Route(
        lambda t: f"{t.base}/letters/{t.letter_id}/sent",
        only("senco", yes=Redirect(lambda t: f"{t.base}#letters"), no=404),
        method="POST",
        target=PUPIL,
    ),
    # "I have read it": whoever teaches or supports the pupil (and the SENCO); back to the home page.
    "/pupils/<public_id>/passport/read": Route(
        lambda t: f"{t.base}/passport/read",
        only("senco", "teacher", "ta", yes=Redirect(lambda t: "/#passports-heading"), no=404),
        method="POST",
        target=PUPIL,
    ),
    # Interventions (sentrack/interventions). The list opens to whoever records sessions, sets
    # interventions up or reads the provision map; the catalogue and the impact scale are the
    # SENCO's. One intervention is read with VIEW_SEN (the head reads every one of the school),
    # changed and ended with SET_UP_INTERVENTION (the SENCO, a teacher of its pupils), its
    # registers and impact recorded with RECORD_SESSION (also the assistant who delivers it);
    # each answer outside that is 404. The target runs today, so the one-click register succeeds.
    "/interventions/": Route(lambda t: "/interventions/", only("senco", "head", "teacher", "ta")),
    "/interventions/new": Route(lambda t: "/interventions/new", only("senco", "teacher")),
    "/interventions/catalogue": Route(lambda t: "/interventions/catalogue", only("senco")),
    "/interventions/catalogue/new": Route(lambda t: "/interventions/catalogue/new", only("senco")),
    "/interventions/catalogue/<int:type_id>": Route(
        lambda t: f"/interventions/catalogue/{t.entry.id}", only("senco"), target=ENTRY
    ),
    "/interventions/impact-scale": Route(lambda t: "/interventions/impact-scale", only("senco")),
    # The school's bank of outcome wordings: the SENCO's.
    "/outcome-bank/": Route(lambda t: "/outcome-bank/", only("senco")),
    "/outcome-bank/new": Route(lambda t: "/outcome-bank/new", only("senco")),
    "/outcome-bank/<int:wording_id>": Route(lambda t: f"/outcome-bank/{t.wording.id}", only("senco"), target=WORDING),
    "/interventions/<int:intervention_id>": Route(
        lambda t: t.iv, only("senco", "head", "teacher", "ta", no=404), target=INTERVENTION
    ),
    "/interventions/<int:intervention_id>/edit": Route(
        lambda t: f"{t.iv}/edit", only("senco", "teacher", no=404), target=INTERVENTION
    ),
    "/interventions/<int:intervention_id>/end": Route(
        lambda t: f"{t.iv}/end", only("senco", "teacher", no=404), target=INTERVENTION
    ),
    "/interventions/<int:intervention_id>/sessions/new": Route(
        lambda t: f"{t.iv}/sessions/new", only("senco", "teacher", "ta", no=404), target=INTERVENTION
    ),
    "/interventions/<int:intervention_id>/sessions/quick": Route(
        lambda t: f"{t.iv}/sessions/quick",
        only("senco", "teacher", "ta", yes=Redirect("/"), no=404),
        method="POST",
        target=INTERVENTION,
    ),
    "/interventions/<int:intervention_id>/impact": Route(
        lambda t: f"{t.iv}/impact", only("senco", "teacher", "ta", no=404), target=INTERVENTION
    ),
    # A register is read by whoever reads the intervention; corrected by whoever took it (here the
    # assistant who delivers it) or the SENCO (Ability.CORRECT_REGISTERS). The pupil's passport is
    # read with VIEW_SEN.
    "/interventions/<int:intervention_id>/sessions/<int:register_id>": Route(
        lambda t: f"{t.iv}/sessions/{_register_of(t)}",
        only("senco", "head", "teacher", "ta", no=404),
        target=INTERVENTION,
    ),
    "/interventions/<int:intervention_id>/sessions/<int:register_id>/correct": Route(
        lambda t: f"{t.iv}/sessions/{_register_of(t)}/correct", only("senco", "ta", no=404), target=INTERVENTION
    ),
    "/pupils/<public_id>/passport": Route(
        lambda t: f"{t.base}/passport", only("senco", "head", "teacher", "la", no=404), target=PUPIL
    ),
    "/provision-map": Route(lambda t: "/provision-map", only("senco", "head")),
    "/provision-map/export": Route(lambda t: "/provision-map/export", only("senco", "head")),
    "/provision-map/print": Route(lambda t: "/provision-map/print", only("senco", "head")),
    # The school census check: the SENCO and the head teacher, for their own school's roll.
    "/census": Route(lambda t: "/census", only("senco", "head")),
    "/census.csv": Route(lambda t: "/census.csv", only("senco", "head")),
    # The dashboard: figures for the head, SENCO and governors of the school, the schools side by
    # side for an LA officer; the pupils and tasks behind a figure for the head and SENCO only.
    "/dashboard/": Route(lambda t: "/dashboard/", only("senco", "head", "governor", "la")),
    "/dashboard/print": Route(lambda t: "/dashboard/print", only("senco", "head", "governor", "la")),
    "/dashboard/figures.csv": Route(lambda t: "/dashboard/figures.csv", only("senco", "head", "governor", "la")),
    "/dashboard/figures/<key>": Route(lambda t: "/dashboard/figures/reviews_overdue", only("senco", "head")),
    "/dashboard/figures/<key>.csv": Route(lambda t: "/dashboard/figures/tasks_overdue.csv", only("senco", "head")),
    # A school of the authority, its figures in full, for the LA officer who opens it from the
    # schools side by side (another authority's school is not found: tests/test_dashboard_classes.py).
    "/dashboard/schools/<int:school_id>": Route(lambda t: f"/dashboard/schools/{t.world.school.id}", only("la")),
    # The SEN information report (sentrack/reports): read by the SENCO, the head teacher and the
    # governors; drafted, edited and published by the SENCO. The world has none: this year's page
    # says so, the form begins one, drafting makes one and publishing is refused back to the page.
    "/sen-report/": Route(lambda t: "/sen-report/", only("senco", "head", "governor")),
    "/sen-report/<int:year>": Route(lambda t: "/sen-report/2026", only("senco", "head", "governor")),
    "/sen-report/<int:year>/print": Route(lambda t: "/sen-report/2026/print", only("senco", "head", "governor")),
    "/sen-report/<int:year>/edit": Route(lambda t: "/sen-report/2026/edit", only("senco")),
    "/sen-report/<int:year>/draft": Route(
        lambda t: "/sen-report/2026/draft", only("senco", yes=Redirect("/sen-report/2026")), method="POST"
    ),
    "/sen-report/<int:year>/publish": Route(
        lambda t: "/sen-report/2026/publish", only("senco", yes=Redirect("/sen-report/2026")), method="POST"
    ),
    # Duties and tasks (sentrack/duties): the catalogue, My tasks and notifications are everyone's;
    # everyone's tasks and reassigning are the SENCO's and the head's. A task is reached by its
    # assignee and by the SENCO and head of its school; a notification by its recipient alone.
    "/duties": Route(lambda t: "/duties", EVERYONE),
    "/tasks": Route(lambda t: "/tasks", EVERYONE),
    "/tasks/all": Route(lambda t: "/tasks/all", only("senco", "head")),
    "/tasks/<int:task_id>": Route(lambda t: f"/tasks/{t.task.id}", only("senco", "head", no=404), target=TASK),
    "/tasks/<int:task_id>/reassign": Route(
        lambda t: f"/tasks/{t.task.id}/reassign", only("senco", "head"), target=TASK
    ),
    "/notifications": Route(lambda t: "/notifications", EVERYONE),
    "/notifications/email": Route(lambda t: "/notifications/email", only("senco", "head")),
    "/notifications/email/resend": Route(
        lambda t: "/notifications/email/resend",
        only("senco", "head", yes=Redirect("/notifications/email")),
        method="POST",
    ),
    "/notifications/<int:notification_id>/read": Route(
        lambda t: f"/notifications/{t.notification.id}/read",
        only("senco", yes=Redirect("/notifications"), no=404),
        method="POST",
        target=TASK,
    ),
    # Everyone marks their own notifications read and chooses how they come by email; a
    # notification is opened by its recipient alone, and leads on to the place to act.
    "/notifications/read-all": Route(
        lambda t: "/notifications/read-all", {role: Redirect("/notifications") for role in ROLES}, method="POST"
    ),
    "/notifications/<int:notification_id>": Route(
        lambda t: f"/notifications/{t.notification.id}",
        only("senco", yes=Redirect(lambda t: f"/tasks/{t.task.id}"), no=404),
        target=TASK,
    ),
    "/account/notifications": Route(lambda t: "/account/notifications", EVERYONE),
    # Meetings with parents (sentrack/meetings): recorded and planned with RECORD_PARENT_MEETING,
    # the SENCO's and, for their own pupils, the class teacher's; each answer outside that is 404.
    # The target has a planned meeting to record. Term dates and rule settings are the SENCO's.
    "/pupils/<public_id>/meetings/new": Route(
        lambda t: f"{t.base}/meetings/new", only("senco", "teacher", no=404), target=PUPIL
    ),
    "/pupils/<public_id>/meetings/plan": Route(
        lambda t: f"{t.base}/meetings/plan", only("senco", "teacher", no=404), target=PUPIL
    ),
    "/pupils/<public_id>/meetings/<int:meeting_id>/record": Route(
        lambda t: f"{t.base}/meetings/{t.records.meeting.id}/record", only("senco", "teacher", no=404), target=PUPIL
    ),
    "/pupils/<public_id>/meetings/<int:meeting_id>/shared": Route(
        lambda t: f"{t.base}/meetings/{t.records.held_meeting.id}/shared",
        only("senco", "teacher", no=404),
        target=PUPIL,
    ),
    # A meeting's record is read with VIEW_SEN (as the pupil page's meetings), printed for parents
    # the same; corrected by whoever led it (the target's has no leader) or the SENCO: anyone else
    # who could correct a meeting they led is refused (403), anyone who could not is not told it
    # exists (404), as for the other meeting forms.
    "/pupils/<public_id>/meetings/<int:meeting_id>": Route(
        lambda t: f"{t.base}/meetings/{t.records.held_meeting.id}",
        only("senco", "head", "teacher", "la", no=404),
        target=PUPIL,
    ),
    "/pupils/<public_id>/meetings/<int:meeting_id>/print": Route(
        lambda t: f"{t.base}/meetings/{t.records.held_meeting.id}/print",
        only("senco", "head", "teacher", "la", no=404),
        target=PUPIL,
    ),
    "/pupils/<public_id>/meetings/<int:meeting_id>/edit": Route(
        lambda t: f"{t.base}/meetings/{t.records.held_meeting.id}/edit",
        only("senco", yes=200, no=404) | {"head": 403, "teacher": 403},
        target=PUPIL,
    ),
    "/settings": Route(lambda t: "/settings", only("senco")),
    "/settings/rules": Route(lambda t: "/settings/rules", only("senco")),
    # The school's letter templates (Ability.EDIT_LETTER_TEMPLATES): the SENCO's.
    "/letter-templates": Route(lambda t: "/letter-templates", only("senco")),
    "/letter-templates/<kind>": Route(lambda t: "/letter-templates/s68", only("senco")),
    "/settings/terms/new": Route(lambda t: "/settings/terms/new", only("senco")),
    "/settings/terms/<int:term_id>": Route(lambda t: f"/settings/terms/{t.term.id}", only("senco"), target=TERM),
    "/settings/terms/<int:term_id>/default": Route(
        lambda t: f"/settings/terms/{t.term.id}/default",
        only("senco", yes=Redirect("/settings#terms")),
        method="POST",
        target=TERM,
    ),
    # Staff are managed by the head teacher, the SENCO and the administrator; roles that open SEN
    # records are granted (or, proposed by the administrator, confirmed) only by the head or SENCO.
    "/staff/": Route(lambda t: "/staff/", only(*MANAGERS)),
    "/staff/new": Route(lambda t: "/staff/new", only(*MANAGERS)),
    "/staff/<int:user_id>": Route(lambda t: f"/staff/{t.member.id}", only(*MANAGERS), target=MEMBER),
    # The target has a password already: the new link is refused back to their page.
    "/staff/<int:user_id>/invitation": Route(
        lambda t: f"/staff/{t.member.id}/invitation",
        only(*MANAGERS, yes=Redirect(lambda t: f"/staff/{t.member.id}")),
        method="POST",
        target=MEMBER,
    ),
    "/staff/proposals/<int:proposal_id>/confirm": Route(
        lambda t: f"/staff/proposals/{t.proposal.id}/confirm",
        only("senco", "head", yes=Redirect("/staff/")),
        method="POST",
        target=PROPOSAL,
    ),
    "/staff/proposals/<int:proposal_id>/decline": Route(
        lambda t: f"/staff/proposals/{t.proposal.id}/decline",
        only("senco", "head", yes=Redirect("/staff/")),
        method="POST",
        target=PROPOSAL,
    ),
    "/staff/classes": Route(lambda t: "/staff/classes", only(*MANAGERS)),
    "/staff/classes/new": Route(lambda t: "/staff/classes/new", only(*MANAGERS)),
    "/staff/classes/<int:group_id>": Route(lambda t: f"/staff/classes/{t.group.id}", only(*MANAGERS), target=GROUP),
    # The CSV templates for importing pupils and classes (IMPORT_ROLL: the SENCO and the administrator).
    "/imports/templates/<kind>.csv": Route(lambda t: "/imports/templates/pupils.csv", only("senco", "admin")),
    # A class's pupils changed many at once: for whoever manages the school's classes; another
    # school's class is never found.
    "/classes/<int:group_id>/pupils": Route(lambda t: f"/classes/{t.group.id}/pupils", only(*MANAGERS), target=GROUP),
    # The year-end rollover: its preview and its run, for the SENCO and the administrator.
    "/year-end": Route(lambda t: "/year-end", only("senco", "admin")),
    # The link in an invitation email: the token is the key, whoever (signed in or not) opens it.
    "/invitation/<token>": Route(
        lambda t: f"/invitation/{t.invitation_token}", EVERYONE, anonymous=200, target=INVITATION
    ),
    # EHC caseload: the authority's requests, plans and reviews across its schools, for the LA
    # officer alone (another authority's officer sees only their own: tests/test_ehc_caseload.py).
    "/ehc/": Route(lambda t: "/ehc/", only("la")),
    "/ehc/requests": Route(lambda t: "/ehc/requests", only("la")),
    "/ehc/reviews": Route(lambda t: "/ehc/reviews", only("la")),
    "/ehc/figures/<key>": Route(lambda t: "/ehc/figures/reviews_overdue", only("la")),
    "/ehc/sen2.csv": Route(lambda t: "/ehc/sen2.csv", only("la")),
    # EHC plans (one pupil's records: 404 for anyone the page is not for): reading the plan is VIEW_SEN;
    # recording a plan already issued the SENCO's or the LA officer's; changing and ceasing it
    # the LA officer's; documents uploaded by the SENCO and the LA officer and downloaded by
    # those who read them (a teacher of the pupil's class included).
    "/ehc/plans/<int:plan_id>": Route(lambda t: t.plan, only("senco", "head", "teacher", "la", no=404), target=PUPIL),
    "/pupils/<public_id>/ehc/plans/new": Route(
        lambda t: f"{t.base}/ehc/plans/new", only("senco", "la", no=404), target=PUPIL
    ),
    "/ehc/plans/<int:plan_id>/edit": Route(lambda t: f"{t.plan}/edit", only("la", no=404), target=PUPIL),
    "/ehc/plans/<int:plan_id>/cease": Route(lambda t: f"{t.plan}/cease", only("la", no=404), target=PUPIL),
    "/ehc/plans/<int:plan_id>/documents/new": Route(
        lambda t: f"{t.plan}/documents/new", only("senco", "la", no=404), target=PUPIL
    ),
    "/ehc/requests/<int:request_id>/documents/new": Route(
        lambda t: f"{t.request}/documents/new", only("senco", "la", no=404), target=PUPIL
    ),
    "/ehc/documents/<int:document_id>": Route(
        lambda t: t.document,
        only("senco", "head", "teacher", "la", no=404),
        target=PUPIL,
    ),
    # EHC reviews: reading a review needs VIEW_SEN on the pupil; the school's steps (convening,
    # the meeting, the report) are the SENCO's (RECORD_EHC_SCHOOL), the authority's (the decision,
    # the amendments) the LA officer's (RECORD_EHC_LA). Each answer outside that is 404.
    "/ehc/plans/<int:plan_id>/reviews/new": Route(
        lambda t: f"{t.plan}/reviews/new", only("senco", no=404), target=PUPIL
    ),
    "/ehc/reviews/<int:review_id>": Route(
        lambda t: t.review, only("senco", "head", "teacher", "la", no=404), target=PUPIL
    ),
    "/ehc/reviews/<int:review_id>/meeting": Route(lambda t: f"{t.review}/meeting", only("senco", no=404), target=PUPIL),
    "/ehc/reviews/<int:review_id>/report": Route(lambda t: f"{t.review}/report", only("senco", no=404), target=PUPIL),
    "/ehc/reviews/<int:review_id>/decision": Route(lambda t: f"{t.review}/decision", only("la", no=404), target=PUPIL),
    "/ehc/reviews/<int:review_id>/amendments": Route(
        lambda t: f"{t.review}/amendments", only("la", no=404), target=PUPIL
    ),
    # EHC requests: the SENCO records a request (Ability.RECORD_EHC_SCHOOL; the target's request is
    # in progress, so the page says so and links to it); whoever reads the pupil's SEN record reads
    # the request; the LA officer records the authority's steps (Ability.RECORD_EHC_LA: a step out of
    # order, as the decision to assess already recorded, answers with the reason in place of the
    # form); the SENCO and the officer each record a withdrawal or an exception.
    "/pupils/<public_id>/ehc/requests/new": Route(
        lambda t: f"{t.base}/ehc/requests/new", only("senco", no=404), target=PUPIL
    ),
    "/ehc/requests/<int:request_id>": Route(
        lambda t: t.request, only("senco", "head", "teacher", "la", no=404), target=PUPIL
    ),
    "/ehc/requests/<int:request_id>/assessment-decision": Route(
        lambda t: f"{t.request}/assessment-decision", only("la", no=404), target=PUPIL
    ),
    "/ehc/requests/<int:request_id>/advice/new": Route(
        lambda t: f"{t.request}/advice/new", only("la", no=404), target=PUPIL
    ),
    "/ehc/requests/<int:request_id>/advice/<int:advice_id>": Route(
        lambda t: f"{t.request}/advice/{t.ehc.advice.id}", only("la", no=404), target=PUPIL
    ),
    "/ehc/requests/<int:request_id>/plan-decision": Route(
        lambda t: f"{t.request}/plan-decision", only("la", no=404), target=PUPIL
    ),
    "/ehc/requests/<int:request_id>/draft": Route(lambda t: f"{t.request}/draft", only("la", no=404), target=PUPIL),
    "/ehc/requests/<int:request_id>/final-plan": Route(
        lambda t: f"{t.request}/final-plan", only("la", no=404), target=PUPIL
    ),
    "/ehc/requests/<int:request_id>/withdraw": Route(
        lambda t: f"{t.request}/withdraw", only("senco", "la", no=404), target=PUPIL
    ),
    "/ehc/requests/<int:request_id>/exceptions/new": Route(
        lambda t: f"{t.request}/exceptions/new", only("senco", "la", no=404), target=PUPIL
    ),
    # Imports from the MIS (Ability.IMPORT_ROLL): the SENCO's and the administrator's, for their own
    # school (another school's import is not found); the SEN differences an import sets aside are
    # the SENCO's to reconcile (Ability.RECONCILE_SEN), each of a pupil of their own school.
    "/imports": Route(lambda t: "/imports", only("senco", "admin")),
    "/imports/<int:batch_id>": Route(lambda t: f"/imports/{t.batch.id}", only("senco", "admin"), target=BATCH),
    "/imports/<int:batch_id>/confirm": Route(
        lambda t: f"/imports/{t.batch.id}/confirm",
        only("senco", "admin", yes=Redirect(lambda t: f"/imports/{t.batch.id}")),
        method="POST",
        target=BATCH,
    ),
    "/imports/<int:batch_id>/discard": Route(
        lambda t: f"/imports/{t.batch.id}/discard",
        only("senco", "admin", yes=Redirect("/imports")),
        method="POST",
        target=BATCH,
    ),
    "/imports/sen-differences": Route(lambda t: "/imports/sen-differences", only("senco")),
    "/imports/sen-differences/<int:difference_id>/accept": Route(
        lambda t: f"/imports/sen-differences/{t.difference.id}/accept",
        only("senco", yes=Redirect("/imports/sen-differences")),
        method="POST",
        target=DIFFERENCE,
    ),
    "/imports/sen-differences/<int:difference_id>/keep": Route(
        lambda t: f"/imports/sen-differences/{t.difference.id}/keep",
        only("senco", yes=Redirect("/imports/sen-differences")),
        method="POST",
        target=DIFFERENCE,
    ),
    # A leaver's SEN file (Ability.EXPORT_CTF, the SENCO's, reaching pupils who left): the page
    # opens for a pupil on the roll too, saying why nothing can be exported yet; an export of a
    # pupil who has not left is refused back on that page. Everyone else: 404.
    "/pupils/<public_id>/transfer": Route(lambda t: f"{t.base}/transfer", only("senco", no=404), target=PUPIL),
    "/pupils/<public_id>/transfer/ctf": Route(
        lambda t: f"{t.base}/transfer/ctf",
        only("senco", yes=Redirect(lambda t: f"{t.base}/transfer"), no=404),
        method="POST",
        target=PUPIL,
    ),
    "/pupils/<public_id>/transfer/pack": Route(
        lambda t: f"{t.base}/transfer/pack",
        only("senco", yes=Redirect(lambda t: f"{t.base}/transfer"), no=404),
        method="POST",
        target=PUPIL,
    ),
    # A leaver's next school recorded after the leaving (Ability.RECORD_DESTINATION: the SENCO and
    # the head teacher, who keep leavers' records): the one change reaching a pupil who left. For
    # a pupil on the roll the page opens, and saving is refused until a leaving is recorded.
    "/pupils/<public_id>/transfer/destination": Route(
        lambda t: f"{t.base}/transfer/destination", only("senco", "head", no=404), target=PUPIL
    ),
    # Transfers between schools of the authority (Ability.CONFIRM_TRANSFER): the SENCO decides those
    # of their own school's pupils (another school's: 404); a decline without its reason shows the
    # page again with the error.
    "/transfers": Route(lambda t: "/transfers", only("senco")),
    "/transfers/<int:transfer_id>/confirm": Route(
        lambda t: f"/transfers/{t.transfer.id}/confirm",
        only("senco", yes=Redirect("/transfers")),
        method="POST",
        target=TRANSFER,
    ),
    "/transfers/<int:transfer_id>/decline": Route(
        lambda t: f"/transfers/{t.transfer.id}/decline", only("senco"), method="POST", target=TRANSFER
    ),
    # --- Security keys and passkeys (WebAuthn): everyone adds and removes their own ---------------
    "/account/security/keys/add": Route(lambda t: "/account/security/keys/add", EVERYONE),
    # The options of a new key, as JSON: a post without the key's name is answered with its errors.
    "/account/security/keys/options": Route(lambda t: "/account/security/keys/options", EVERYONE, method="POST"),
    # A key of the SENCO's: theirs to remove; anyone else's answer never confirms it exists.
    "/account/security/keys/<int:key_id>/remove": Route(_senco_key_removal, only("senco", no=404)),
    # Signing in with a key is for a session awaiting its second factor: one signed in already goes home.
    "/sign-in/second-factor/key/options": Route(
        lambda t: "/sign-in/second-factor/key/options", {role: Redirect("/") for role in ROLES}, method="POST"
    ),
    "/sign-in/second-factor/key": Route(
        lambda t: "/sign-in/second-factor/key", {role: Redirect("/") for role in ROLES}, method="POST"
    ),
    # Subject access (Ability.MANAGE_SUBJECT_ACCESS: the SENCO and the head teacher): a request of
    # another school's pupil is never found; recording one for a pupil out of reach is 404.
    "/subject-access": Route(lambda t: "/subject-access", only("senco", "head")),
    "/pupils/<public_id>/subject-access/new": Route(
        lambda t: f"{t.base}/subject-access/new", only("senco", "head", no=404), target=PUPIL
    ),
    "/subject-access/<int:request_id>": Route(
        lambda t: f"/subject-access/{t.access_request.id}", only("senco", "head"), target=ACCESS_REQUEST
    ),
    "/subject-access/<int:request_id>/extend": Route(
        lambda t: f"/subject-access/{t.access_request.id}/extend", only("senco", "head"), target=ACCESS_REQUEST
    ),
    "/subject-access/<int:request_id>/close": Route(
        lambda t: f"/subject-access/{t.access_request.id}/close", only("senco", "head"), target=ACCESS_REQUEST
    ),
    "/subject-access/<int:request_id>/withhold": Route(
        lambda t: f"/subject-access/{t.access_request.id}/withhold", only("senco", "head"), target=ACCESS_REQUEST
    ),
    "/subject-access/<int:request_id>/withheld/<int:mark_id>/release": Route(
        lambda t: f"/subject-access/{t.access_request.id}/withheld/{t.access_request.withheld[0].id}/release",
        only("senco", "head", yes=Redirect(lambda t: f"/subject-access/{t.access_request.id}")),
        method="POST",
        target=ACCESS_REQUEST,
    ),
    "/subject-access/<int:request_id>/export": Route(
        lambda t: f"/subject-access/{t.access_request.id}/export",
        only("senco", "head"),
        method="POST",
        target=ACCESS_REQUEST,
    ),
    # Retention and destruction (Ability.APPROVE_DESTRUCTION, Ability.HOLD_RECORDS): the SENCO's and
    # the head teacher's, about the school's leavers; every other role is refused the pages (403);
    # another school's leaver is not found (404). Posted empty: destroying a record not yet due, or
    # lifting a hold that is not there, is refused back on the leaver's page; a hold without its
    # reason shows the page again with the error.
    "/retention": Route(lambda t: "/retention", only("senco", "head")),
    "/retention/log": Route(lambda t: "/retention/log", only("senco", "head")),
    "/pupils/<public_id>/retention": Route(lambda t: f"{t.base}/retention", only("senco", "head"), target=LEAVER),
    "/pupils/<public_id>/destroy": Route(
        lambda t: f"{t.base}/destroy",
        only("senco", "head", yes=Redirect(lambda t: f"{t.base}/retention")),
        method="POST",
        target=LEAVER,
    ),
    "/pupils/<public_id>/hold": Route(lambda t: f"{t.base}/hold", only("senco", "head"), method="POST", target=LEAVER),
    "/pupils/<public_id>/hold/lift": Route(
        lambda t: f"{t.base}/hold/lift",
        only("senco", "head", yes=Redirect(lambda t: f"{t.base}/retention")),
        method="POST",
        target=LEAVER,
    ),
}

# Pupils by how they stand to each role (names are keys of World.pupils).
# (a) a pupil the role may see; TAs (no interventions yet) and governors see none.
SEES = {"senco": "taught", "head": "taught", "teacher": "taught", "admin": "taught", "la": "untaught"}
# (b) a pupil of the role's own school (or authority) that the role may not see.
HIDDEN_NEARBY = {"teacher": "untaught", "ta": "taught", "governor": "taught", "la": "untaught_k"}
# (c) pupils of another school: in the same authority, and in another authority.
OTHER_SCHOOL = {role: ("sibling_ehc", "foreign") for role in ROLES if role != "la"} | {"la": ("foreign",)}


def _cases():
    for rule, route in ROUTES.items():
        yield pytest.param(rule, ANONYMOUS, "own", id=f"{rule} {ANONYMOUS}")
        if route.target is not None:
            other = ("other-school", "foreign") if route.target == PUPIL else "other-school"
            yield pytest.param(rule, ANONYMOUS, other, id=f"{rule} {ANONYMOUS} other-school")
        for role in ROLES:
            if route.target == PUPIL:
                kinds = [("sees", SEES[role])] if role in SEES else []
                kinds += [("hidden", HIDDEN_NEARBY[role])] if role in HIDDEN_NEARBY else []
                kinds += [("other-school", key) for key in OTHER_SCHOOL[role]]
                for kind, key in kinds:
                    yield pytest.param(rule, role, (kind, key), id=f"{rule} {role} {kind}:{key}")
            elif route.target == INTERVENTION:
                yield pytest.param(rule, role, "own", id=f"{rule} {role} own")
                yield pytest.param(rule, role, "shared", id=f"{rule} {role} shared")
                if role in ("teacher", "ta"):
                    yield pytest.param(rule, role, "hidden", id=f"{rule} {role} hidden")
                yield pytest.param(rule, role, "other-school", id=f"{rule} {role} other-school")
            elif route.target in (
                *(MEMBER, GROUP, ENTRY, TASK, TERM, PROPOSAL, INVITATION, BATCH, DIFFERENCE, TRANSFER),
                WORDING,
                ACCESS_REQUEST,
                LEAVER,
            ):
                yield pytest.param(rule, role, "own", id=f"{rule} {role} own-school")
                yield pytest.param(rule, role, "other-school", id=f"{rule} {role} other-school")
            else:
                yield pytest.param(rule, role, "own", id=f"{rule} {role}")


def _cycle_records(session, pupil) -> CycleRecords:
    """A cycle at review with an assessment, a plan, an outcome and a draft review; a letter to
    parents; and an open concern: so that a refusal is never just a record that is missing.
    Written as rows, not through the workflow, which opens no cycle for a pupil with an EHC plan;
    the cycle's shape only has to give every URL something to find."""
    cycle = SupportCycle(pupil_id=pupil.id, number=1, state=CycleState.REVIEW, opened_on=OPENED_ON)
    session.add(cycle)
    session.flush()
    outcome = Outcome(
        cycle_id=cycle.id,
        position=1,
        description="Reads a banded book",
        success_criteria="9 in 10 words",
        area_of_need=AreaOfNeed.COGNITION,
        target_date=REVIEW_DATE,
        version=1,
    )
    status = session.scalar(sa.select(SenStatus).where(SenStatus.pupil_id == pupil.id, SenStatus.end_date.is_(None)))
    letter = ParentLetter(pupil_id=pupil.id, sen_status_id=status.id, kind=SEN_SUPPORT_LETTER, created_on=PLAN_STARTS)
    concern = Concern(
        pupil_id=pupil.id,
        raised_on=date(2026, 11, 20),
        description="Reverses letters",
        deadline=date(2026, 12, 18),
        status=ConcernStatus.OPEN,
    )
    session.add_all(
        [
            Assessment(
                cycle_id=cycle.id,
                areas_of_need=["cognition"],
                strengths="Stories",
                difficulties="Decoding",
                evidence="Screening",
                assessed_on=OPENED_ON,
            ),
            Plan(
                cycle_id=cycle.id,
                starts_on=PLAN_STARTS,
                review_date=REVIEW_DATE,
                agreed_with_parents_on=PLAN_STARTS,
                version=1,
                provision="Daily phonics catch-up",
                expected_impact="Reads a banded book by the review",
            ),
            Review(cycle_id=cycle.id, version=0),
            outcome,
            letter,
            concern,
        ]
    )
    meeting = ParentMeeting(pupil_id=pupil.id, planned_for=date(2026, 12, 3), mode=MeetingMode.IN_PERSON)
    held_meeting = ParentMeeting(
        pupil_id=pupil.id,
        held_on=date(2026, 11, 13),
        mode=MeetingMode.PHONE,
        pupil_views="Likes the group",
        outcomes="Keep going",
    )
    session.add_all([meeting, held_meeting])
    session.commit()
    return CycleRecords(
        cycle=cycle, outcome=outcome, letter=letter, concern=concern, meeting=meeting, held_meeting=held_meeting
    )


# A PDF small enough to read: the document of every target pupil's EHC plan.
EHC_PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
)


def _ehc_records(session, world: World, key: str) -> EhcRecords:
    """The pupil's EHC work, written as rows. For the pupil an LA officer must not reach (of their
    authority, on SEN support alone), the request was refused and the plan ceased years ago, before
    the calendar years the authority's figures count, so that the records exist and bring the pupil
    into no officer's scope; for every other pupil the request is in progress and the plan in force."""
    pupil = world.pupils[key]
    made = session.scalar(sa.select(EhcDocument).where(EhcDocument.pupil_id == pupil.id))
    if made is not None:  # a test that builds the same target twice
        plan = session.get(EhcPlan, made.plan_id)
        request = session.scalar(sa.select(EhcRequest).where(EhcRequest.pupil_id == pupil.id))
        return EhcRecords(request, request.advice[0], plan, plan.reviews[0], made)
    ended = key == HIDDEN_NEARBY["la"]
    school = session.get(School, pupil.school_id)
    request = EhcRequest(
        pupil_id=pupil.id,
        requested_by=EhcRequester.SCHOOL,
        received_on=date(2023, 10, 2) if ended else date(2026, 10, 1),
        assessment=AssessmentDecision.REFUSED if ended else AssessmentDecision.AGREED,
        assessment_decided_on=date(2023, 11, 6) if ended else date(2026, 11, 5),
    )
    session.add(request)
    session.flush()
    advice = EhcAdvice(
        request_id=request.id,
        adviser="Educational psychologist",
        asked_on=date(2023, 10, 9) if ended else date(2026, 11, 6),
    )
    plan = EhcPlan(
        pupil_id=pupil.id,
        local_authority_id=school.local_authority_id,
        issued_on=date(2021, 12, 1) if ended else date(2025, 12, 1),
        named_setting=school.name,
        primary_need=NeedType.ASD,
        ceased_on=date(2023, 6, 1) if ended else None,
        cease_reason="No longer needed" if ended else None,
        outcomes=[EhcOutcome(position=1, description="Joins in group work", area_of_need=AreaOfNeed.COMMUNICATION)],
    )
    session.add_all([advice, plan])
    session.flush()
    review = EhcReview(
        plan_id=plan.id,
        kind=ReviewKind.ANNUAL,
        meeting_on=date(2022, 11, 21) if ended else date(2026, 11, 20),
        convened_on=date(2022, 11, 1) if ended else date(2026, 11, 2),
    )
    document = EhcDocument(
        pupil_id=pupil.id,
        plan_id=plan.id,
        kind=DocumentKind.PLAN,
        title="EHC plan",
        filename="plan.pdf",
        media_type="application/pdf",
        size=len(EHC_PDF),
        sha256=hashlib.sha256(EHC_PDF).hexdigest(),
        content=EHC_PDF,
    )
    session.add_all([review, document])
    session.commit()
    return EhcRecords(request=request, advice=advice, plan=plan, review=review, document=document)


def _catalogue_entry(session, actor) -> InterventionType:
    return iflow.save_intervention_type(
        session,
        actor=actor,
        details=iflow.TypeDetails(
            name="Reading catch-up",
            description=None,
            area_of_need=AreaOfNeed.COGNITION,
            wave=2,
            sessions_per_week=3,
            minutes_per_session=20,
            weeks=10,
            cost_basis=CostBasis.PER_SESSION,
            cost_per_session_pence=1250,
            hourly_rate_pence=None,
        ),
    )


# What only the other class's pupil's place on the 'shared' intervention holds.
SHARED_SECRET = "Entry-of-the-other-class-pupil-77"


def _intervention(session, world: World, kind: str) -> Intervention:
    """'own': for a pupil the teacher teaches, delivered by the assistant; 'hidden': for a pupil
    of another class, delivered by the SENCO; 'other-school': in the school of another authority;
    'shared': the teacher's pupil with a pupil of another class (Dev), delivered by the assistant,
    ended on Friday 20 November with a register and both pupils' impact recorded. The others run
    on Mondays, Wednesdays and Fridays, today (Friday 27 November 2026) among them."""
    actor, pupils, deliverer = {
        "own": (world.users["senco"], [world.pupils["taught"]], world.users["ta"]),
        "hidden": (world.users["senco"], [world.pupils["untaught"]], world.users["senco"]),
        "other-school": (world.users["foreign_senco"], [world.pupils["foreign"]], world.users["foreign_senco"]),
        "shared": (world.users["senco"], [world.pupils["taught"], world.pupils["untaught_k"]], world.users["ta"]),
    }[kind]
    starts, ends = (
        (date(2026, 10, 5), date(2026, 11, 20)) if kind == "shared" else (date(2026, 11, 2), date(2026, 12, 18))
    )
    entry = _catalogue_entry(session, actor)
    intervention = iflow.start_intervention(
        session,
        actor=actor,
        details=iflow.InterventionDetails(
            type_id=entry.id,
            name="Reading group",
            delivery=Delivery.GROUP,
            delivered_by_id=deliverer.id,
            weekdays=[0, 2, 4],
            minutes_per_session=20,
            starts_on=starts,
            ends_on=ends,
            measure=None,
        ),
        places=[
            iflow.Place(pupil=pupil, entry_score="12" if n == 0 else SHARED_SECRET) for n, pupil in enumerate(pupils)
        ],
        today=starts,
    )
    if kind == "shared":
        ours, theirs = pupils
        iflow.record_session(
            session,
            actor=deliverer,
            intervention=intervention,
            held_on=date(2026, 11, 16),
            attended={ours.id},
            note=None,
            today=date(2026, 11, 16),
        )
        iflow.record_impact(
            session,
            actor=deliverer,
            intervention=intervention,
            today=date(2026, 11, 23),
            results={
                ours.id: iflow.ImpactResult("14", 1, None),
                theirs.id: iflow.ImpactResult(SHARED_SECRET, 2, SHARED_SECRET),
            },
        )
    session.commit()
    return intervention


def _register_of(target: Target) -> int:
    """The id of a register of the target's intervention: its first, or one its deliverer takes
    of its first day (a Monday of the autumn term) when it has none."""
    from sentrack.extensions import db

    intervention = db.session.get(Intervention, target.intervention.id)
    if not intervention.sessions:
        iflow.record_session(
            db.session,
            actor=intervention.delivered_by,
            intervention=intervention,
            held_on=intervention.starts_on,
            attended={place.pupil_id for place in intervention.places},
            today=intervention.starts_on,
        )
        db.session.commit()
    return intervention.sessions[-1].id


def _task(session, world: World, kind: str) -> tuple[Task, Notification]:
    """A task of the school assigned to its SENCO ('own'), or of the school of another authority
    assigned to that school's SENCO ('other-school'), each with its notification."""
    school, senco = (
        (world.school, world.users["senco"]) if kind == "own" else (world.foreign, world.users["foreign_senco"])
    )
    duty = sync_catalogue(session)["senco_supports_transition"]  # closed by hand, with a note
    task = Task(
        school_id=school.id,
        duty_id=duty.id,
        subject_type="pupil",
        subject_id=1,
        period="",
        assigned_to_id=senco.id,
        for_role=Role.SENCO,
        title="Decide on the concern",
        due_on=date(2026, 12, 18),
    )
    session.add(task)
    session.flush()
    note = Notification(
        recipient_id=senco.id,
        kind="task_assigned",
        subject_type="task",
        subject_id=task.id,
        period="",
        title="Decide on the concern",
        body="Due by 18 December 2026.",
        link=f"/tasks/{task.id}",
    )
    session.add(note)
    session.commit()
    return task, note


def _import_records(session, world: World, kind: str) -> tuple[ImportBatch, SenDifference]:
    """An import of a Common Transfer File waiting for confirmation, of the school ('own') or of the
    school of another authority ('other-school'); and an open SEN difference an earlier import set
    aside for a pupil of that school (one on SEN support, whom the file gives an EHC plan)."""
    school, actor, pupil = (
        (world.school, world.users["admin"], world.pupils["taught"])
        if kind == "own"
        else (world.foreign, world.users["foreign_senco"], world.pupils["foreign"])
    )
    data = ctf_xml(pupil_xml(upn=sample_upn(9001)), dest=(None, None, school.urn))
    earlier = preview_import(
        session, actor=actor, school=school, kind=ImportKind.CTF, file_name="earlier.xml", data=data, today=TODAY
    )
    difference = SenDifference(
        pupil_id=pupil.id,
        batch_id=earlier.id,
        provision=Provision.EHC_PLAN,
        primary_need=NeedType.ASD,
        start_date=date(2026, 10, 1),
    )
    session.add(difference)
    batch = preview_import(
        session, actor=actor, school=school, kind=ImportKind.CTF, file_name="roll.xml", data=data, today=TODAY
    )
    session.commit()
    return batch, difference


def _transfer(session, world: World, kind: str) -> PupilTransfer:
    """A transfer asked by Ash Secondary for Ada's record at Oak ('own': Oak decides it), or asked
    by Oak for Finn's record at Ash ('other-school': Oak only sees its status)."""
    from_key, to_school = ("taught", world.sibling) if kind == "own" else ("sibling_k", world.school)
    pupil = world.pupils[from_key]
    details = {
        "upn": pupil.upn,
        "first_name": pupil.first_name,
        "last_name": pupil.last_name,
        "date_of_birth": pupil.date_of_birth.isoformat(),
        "year_group": pupil.year_group,
        "admitted_on": None,
        "contacts": [],
    }
    transfer = PupilTransfer(from_pupil_id=pupil.id, to_school_id=to_school.id, details=details)
    session.add(transfer)
    session.commit()
    return transfer


def _catalogue_target(session, world: World, target: str, kind: str) -> Target:
    """An entry of the intervention catalogue, or a wording of the bank of outcomes, of the
    user's school ("own") or of another."""
    if target == WORDING:
        school = world.school if kind == "own" else world.foreign
        seed_outcome_bank(session, [school.id])
        session.commit()
        wording = session.scalar(sa.select(OutcomeWording).where(OutcomeWording.school_id == school.id))
        return Target(world, wording=wording)
    entry = _catalogue_entry(session, world.users["senco" if kind == "own" else "foreign_senco"])
    session.commit()
    return Target(world, entry=entry)


def _recovery_target(session, world: World, route: Route) -> Target:
    """Account recovery: an open link to reset the password of a member of the school, or another
    open session of the SENCO's own (on another device)."""
    if route.target == RESET:
        member = make_user(session, f"newcomer{next(_newcomers)}@oak.test", Role.GOVERNOR, school=world.school)
        reset = request_reset(
            session,
            email=member.email,
            secret_key=current_app.config["SECRET_KEY"],
            moment=datetime.now(UTC),
            lifetime=timedelta(hours=1),
        )
        session.commit()
        return Target(world, reset_token=reset_token_for(reset, current_app.config["SECRET_KEY"]))
    start_session(session, world.users["senco"], remote_addr="192.0.2.7", user_agent="Firefox/133.0 (Windows)")
    session.commit()
    own = session.scalar(sa.select(sa.func.max(UserSession.id)).where(UserSession.user_id == world.users["senco"].id))
    return Target(world, own_session_id=own)


def _access_request(session, world: World, kind: str) -> SubjectAccessRequest:
    """A request for Ada's data at Oak ('own'), or for Finn's at Ash ('other-school'), with a
    record withheld from its export."""
    pupil = world.pupils["taught" if kind == "own" else "sibling_k"]
    request = SubjectAccessRequest(
        pupil_id=pupil.id,
        kind=AccessKind.SUBJECT_ACCESS,
        requester_name="A parent",
        requester=Requester.PARENT,
        received_on=date(2026, 11, 20),
        due_on=date(2026, 12, 21),
    )
    session.add(request)
    session.flush()
    request.withheld.append(SubjectAccessWithheld(table_name="pupil", row_id=pupil.id, reason="Test"))
    session.commit()
    return request


def _leaver(session, world: World, kind: str) -> Target:
    """A pupil who left this school ("own"), or another authority's school, earlier this month."""
    key = "taught" if kind == "own" else "foreign"
    pupil = world.pupils[key]
    pupil.left_on, pupil.leaving_reason = date(2026, 11, 2), "Moved away from the area"
    session.commit()
    return Target(world, pupil_key=key)


# Targets made from the session, the world and the kind ("own" or "other-school") alone.
_SIMPLE_TARGETS = {
    TRANSFER: lambda session, world, kind: Target(world, transfer=_transfer(session, world, kind)),
    ACCESS_REQUEST: lambda session, world, kind: Target(world, access_request=_access_request(session, world, kind)),
    LEAVER: _leaver,
}


def _target(world: World, route: Route, kind, foreign_group, session=None) -> Target:
    if route.target in (RESET, OWN_SESSION):
        return _recovery_target(session, world, route)
    return _school_target(world, route, kind, foreign_group, session)


def _school_target(world: World, route: Route, kind, foreign_group, session=None) -> Target:
    if route.target in _SIMPLE_TARGETS:
        return _SIMPLE_TARGETS[route.target](session, world, kind)
    if route.target in (PROPOSAL, INVITATION):
        school = world.school if kind == "own" else world.foreign
        member = make_user(
            session,
            f"newcomer{next(_newcomers)}@{'oak' if kind == 'own' else 'far'}.test",
            Role.GOVERNOR,
            school=school,
        )
        if route.target == PROPOSAL:
            proposal = RoleProposal(user_id=member.id, role=Role.TEACHER, proposed_by_id=world.users["admin"].id)
            session.add(proposal)
            session.commit()
            return Target(world, proposal=proposal)
        member.password_hash = NO_PASSWORD
        invitation = invite(
            session,
            actor=world.users["head"],
            member=member,
            secret_key=current_app.config["SECRET_KEY"],
            moment=datetime.now(UTC),
        )
        session.commit()
        return Target(world, invitation_token=token_for(invitation, current_app.config["SECRET_KEY"]))
    if route.target in (BATCH, DIFFERENCE):
        batch, difference = _import_records(session, world, kind)
        return Target(world, batch=batch, difference=difference)
    if route.target == TASK:
        task, note = _task(session, world, kind)
        return Target(world, task=task, notification=note)
    if route.target == INTERVENTION:
        return Target(world, intervention=_intervention(session, world, kind))
    if route.target == TERM:
        term = SchoolTerm(
            school_id=(world.school if kind == "own" else world.foreign).id,
            academic_year=2026,
            season=Season.AUTUMN,
            starts_on=date(2026, 9, 2),
            ends_on=date(2026, 12, 18),
        )
        session.add(term)
        session.commit()
        return Target(world, term=term)
    if route.target in (ENTRY, WORDING):
        return _catalogue_target(session, world, route.target, kind)
    if route.target == PUPIL:
        key = "taught" if kind == "own" else kind[1]
        records = _cycle_records(session, world.pupils[key]) if session is not None else None
        ehc = _ehc_records(session, world, key) if session is not None else None
        return Target(world, pupil_key=key, records=records, ehc=ehc)
    if route.target == MEMBER:
        return Target(world, member_key="teacher" if kind == "own" else "foreign_senco")
    if route.target == GROUP:
        return Target(world, group=world.group if kind == "own" else foreign_group)
    return Target(world)


def _expected(route: Route, role: str, kind) -> object:
    if role == ANONYMOUS:
        return route.anonymous
    expected = route.expect[role]
    if route.target == PUPIL and kind[0] != "sees":
        return 404  # out of scope: never confirm the record exists
    if route.target in (MEMBER, GROUP, ENTRY, TERM, WORDING) and kind == "other-school" and expected == 200:
        return 404
    if route.target == MEMBER and kind == "other-school" and isinstance(expected, Redirect):
        return 404  # another school's member is never found
    if route.target == PROPOSAL and kind == "other-school" and role in MANAGERS:
        return 404  # another school's proposal is never found, whoever may decide on one
    if route.target == TERM and kind == "other-school" and isinstance(expected, Redirect):
        return 404  # another school's term is never found
    if route.target == TASK and kind == "other-school" and (expected == 200 or isinstance(expected, Redirect)):
        return 404
    if route.target in (BATCH, DIFFERENCE, ACCESS_REQUEST, LEAVER) and kind == "other-school" and expected != 403:
        # another school's import, its pupil's SEN difference, a request for its pupil's data or its
        # leaver is never found
        return 404
    if route.target == TRANSFER and kind == "other-school" and (expected == 200 or isinstance(expected, Redirect)):
        return 404  # a transfer of another school's pupil is never found
    if route.target == INTERVENTION and kind not in ("own", "shared"):
        return 404  # out of scope: never confirm the record exists
    return expected


def test_every_route_has_an_entry_in_the_truth_table(app):
    rules = {rule.rule for rule in app.url_map.iter_rules() if rule.endpoint != "static"}

    assert rules - ROUTES.keys() == set(), "add these routes to ROUTES in test_permissions.py"
    assert ROUTES.keys() - rules == set(), "these ROUTES entries no longer exist"


def _beyond_reach(world: World, role: str) -> list:
    """The pupils whose names must never reach this user: every pupil for an anonymous user, the
    pupils of other schools for school staff, of other authorities for an LA officer."""
    if role == ANONYMOUS:
        return list(world.pupils.values())
    user = world.users[role]
    if role == "la":
        return [p for p in world.pupils.values() if p.school_id == world.foreign.id]
    return [p for p in world.pupils.values() if p.school_id != user.school_id]


@dataclass(frozen=True)
class Identifiers:
    """What would name a pupil on a page: their names, their parent's, their UPN and public id."""

    names: tuple[str, ...]
    upn: str
    public_id: str


# The identifiers beyond each role's reach in the world committed once per worker (`world` in
# tests/conftest.py), read once: every test starts from that same world, and reading them again
# took a query for each pupil, contact and user in each of the thousands of cases above.
_COMMITTED_WORLD_IDENTIFIERS: dict[str, list[Identifiers]] = {}


def _identifiers_beyond_reach(world: World, role: str) -> list[Identifiers]:
    def read() -> list[Identifiers]:
        return [
            Identifiers((p.first_name, p.last_name, p.contacts[0].name), p.upn, p.public_id)
            for p in _beyond_reach(world, role)
        ]

    if not runs_on_the_committed_world():
        return read()  # a world built in the test itself
    if role not in _COMMITTED_WORLD_IDENTIFIERS:
        _COMMITTED_WORLD_IDENTIFIERS[role] = read()
    return _COMMITTED_WORLD_IDENTIFIERS[role]


def assert_no_data_beyond_reach(world: World, role: str, response, url: str) -> None:
    """The response names no pupil beyond the user's reach. The URL asked for may come back (as
    the `next` of a redirect to sign in): it is the user's own, so it is taken out first."""
    page = (text(response) + response.headers.get("Location", "")).replace(url, "")
    for pupil in _identifiers_beyond_reach(world, role):
        for name in pupil.names:
            assert not re.search(rf"\b{re.escape(name)}\b", page), f"{name} ({role})"
        assert pupil.upn not in page
        assert pupil.public_id not in page


# Who reaches which pupils of the 'shared' intervention on its pages: the SENCO and the head all
# of them, the assistant who delivers it all of them; the class teacher only their own pupil.
SHARED_HIDDEN = {"teacher": ("untaught_k",)}


def assert_no_pupil_beyond_reach_on_the_intervention(world: World, role: str, kind, response) -> None:
    """On the 'shared' intervention's pages, nothing of a pupil outside the user's reach there:
    name, parent, UPN, link, entry or exit score, comment."""
    if kind != "shared":
        return
    page = text(response)
    for key in SHARED_HIDDEN.get(role, ()):
        pupil = world.pupils[key]
        for name in (pupil.first_name, pupil.last_name, pupil.contacts[0].name):
            assert not re.search(rf"\b{re.escape(name)}\b", page), f"{name} ({role})"
        assert pupil.upn not in page and pupil.public_id not in page
    if role in SHARED_HIDDEN or role not in ("senco", "head", "ta"):
        assert SHARED_SECRET not in page


def _check_answer(expected, target: Target, response) -> None:
    if isinstance(expected, Redirect):
        assert response.status_code == 302, text(response)[:500]
        to = expected.to(target) if callable(expected.to) else expected.to
        assert response.headers["Location"].split("?")[0] == to
    else:
        assert response.status_code == expected


@pytest.mark.parametrize(("rule", "role", "kind"), list(_cases()))
def test_truth_table(client, world, login, foreign_group, session, rule, role, kind):
    route = ROUTES[rule]
    target = _target(world, route, kind, foreign_group, session)
    url = route.url(target)
    if role != ANONYMOUS:
        login(world.users[role])

    response = client.open(url, method=route.method)

    _check_answer(_expected(route, role, kind), target, response)
    assert_no_data_beyond_reach(world, role, response, url)
    assert_no_pupil_beyond_reach_on_the_intervention(world, role, kind, response)


def _post_cases():
    """For every page that also takes a POST (a form), the cases of the truth table that differ
    in their answer: the anonymous user, and for each role the first target answered 200, 403
    or 404 (so a pupil they see and one of another school, or the refusal). The POST goes through
    the same view as the GET, so the other targets would repeat these."""
    seen = set()
    for case in _cases():
        rule, role, kind = case.values
        route = ROUTES[rule]
        if route.method != "GET" or rule not in POST_RULES:
            continue
        answer = _expected(route, role, kind)
        key = (rule, role, answer if not isinstance(answer, Redirect) else "redirect")
        if key not in seen:
            seen.add(key)
            yield case


def _rules_taking(method: str) -> set[str]:
    from sentrack import create_app

    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    return {rule.rule for rule in app.url_map.iter_rules() if method in rule.methods}


POST_RULES = _rules_taking("POST")


@pytest.mark.parametrize(("rule", "role", "kind"), list(_post_cases()))
def test_truth_table_for_posts(client, world, login, foreign_group, session, rule, role, kind):
    """A POST with an empty form: refused exactly as the page is (and changing nothing the
    refusal test below counts); where the page opens, the form answers (200 with its errors, or
    a redirect when an empty form is a complete one), never a refusal and never an error."""
    route = ROUTES[rule]
    target = _target(world, route, kind, foreign_group, session)
    if role != ANONYMOUS:
        login(world.users[role])
    before = _pupil_rows(session)
    url = route.url(target)

    response = client.post(url, data={})

    expected = _expected(route, role, kind)
    if expected == 200:
        assert response.status_code in (200, 302), text(response)[:500]
        if response.status_code == 302:
            assert not response.headers["Location"].startswith("/sign-in")
    else:
        _check_answer(expected, target, response)
        assert _pupil_rows(session) == before
    assert_no_data_beyond_reach(world, role, response, url)


def _tokenless_cases():
    """The POST truth table's cases, and for each button (a POST-only route) the first target
    of each role answered each way: posted without a one-time submission token."""
    yield from _post_cases()
    seen = set()
    for case in _cases():
        rule, role, kind = case.values
        route = ROUTES[rule]
        if route.method != "POST":
            continue
        answer = _expected(route, role, kind)
        key = (rule, role, answer if not isinstance(answer, Redirect) else "redirect")
        if key not in seen:
            seen.add(key)
            yield case


def _saves_once(rule: str) -> bool:
    from flask import current_app

    endpoint = next(r.endpoint for r in current_app.url_map.iter_rules() if r.rule == rule)
    return getattr(current_app.view_functions[endpoint], "saved_once", False)


@pytest.mark.parametrize(("rule", "role", "kind"), list(_tokenless_cases()))
def test_a_post_without_a_submission_token_meets_the_same_checks(
    client, world, login, foreign_group, session, rule, role, kind
):
    """Without its one-time token a POST is refused exactly as with one wherever the user may not
    use the form (the token never answers before the access check, so it confirms nothing), and
    where they may, a form that creates a record stores nothing."""
    client.sends_submission_tokens = False
    route = ROUTES[rule]
    target = _target(world, route, kind, foreign_group, session)
    if role != ANONYMOUS:
        login(world.users[role])
    before = _pupil_rows(session)
    url = route.url(target)

    response = client.post(url, data={})

    expected = _expected(route, role, kind)
    allowed = role != ANONYMOUS and (expected == 200 or isinstance(expected, Redirect))
    if allowed and _saves_once(rule):
        assert response.status_code in (200, 302), text(response)[:500]
        if response.status_code == 302:
            assert not response.headers["Location"].startswith("/sign-in")
        assert _pupil_rows(session) == before
    elif allowed and expected == 200:
        assert response.status_code in (200, 302), text(response)[:500]
    elif allowed:
        _check_answer(expected, target, response)  # a button that creates nothing needs no token
    else:
        _check_answer(expected, target, response)
        assert _pupil_rows(session) == before
    assert_no_data_beyond_reach(world, role, response, url)


def test_every_route_taking_a_post_is_in_the_post_truth_table(app):
    """Every rule accepting POST is asked by a POST: either its entry's method is POST, or it
    is a page whose form the POST truth table above submits."""
    rules = {rule.rule for rule in app.url_map.iter_rules() if "POST" in rule.methods}
    asked = {case.values[0] for case in _post_cases()} | {r for r, route in ROUTES.items() if route.method == "POST"}

    assert rules - asked == set()


# --- Intervention posts, per pupil ------------------------------------------------------------------
# Each post to an intervention's pages, naming both pupils of the 'shared' intervention: a user
# who does not reach the other class's pupil there changes nothing of theirs, whatever is posted.


def _shared_posts(target: Target) -> dict[str, dict]:
    iv, ours, theirs = target.intervention, target.world.pupils["taught"], target.world.pupils["untaught_k"]
    return {
        "/interventions/<int:intervention_id>/edit": {
            "type_id": str(iv.type_id),
            "name": iv.name,
            "delivery": iv.delivery.value,
            "delivered_by_id": str(iv.delivered_by_id),
            "weekdays": [str(d) for d in iv.weekdays],
            "minutes_per_session": str(iv.minutes_per_session),
            "starts_on": date_parts(iv.starts_on),
            "ends_on": date_parts(iv.ends_on),
            "pupils": [ours.public_id, theirs.public_id],
            **rows({"pupil": ours.public_id, "entry": "13"}, {"pupil": theirs.public_id, "entry": "Overwritten"}),
        },
        "/interventions/<int:intervention_id>/end": {"ended_on": date_parts(date(2026, 11, 18))},
        "/interventions/<int:intervention_id>/sessions/new": {
            "held_on": date_parts(date(2026, 11, 18)),
            "attended": [str(ours.id), str(theirs.id)],
            **rows({"pupil": str(ours.id), "mark": "present"}, {"pupil": str(theirs.id), "mark": "ill"}),
        },
        "/interventions/<int:intervention_id>/sessions/<int:register_id>/correct": {
            "version": "1",
            "happened": "yes",
            **rows({"pupil": str(ours.id), "mark": "present"}, {"pupil": str(theirs.id), "mark": "other", "note": "X"}),
        },
        "/interventions/<int:intervention_id>/sessions/quick": {},
        "/interventions/<int:intervention_id>/impact": rows(
            {"pupil": str(ours.id), "impact": "2"},
            {"pupil": str(theirs.id), "impact": "-2", "exit": "Overwritten", "comment": "Overwritten"},
        ),
    }


SHARED_POST_RULES = sorted(
    rule
    for rule, route in ROUTES.items()
    if route.target == INTERVENTION and (route.method == "POST" or rule in POST_RULES)
)


def _pupil_state(session, intervention: Intervention, pupil) -> tuple:
    from sentrack.models import InterventionPupil, InterventionSession, SessionAttendance

    session.expire_all()
    place = session.scalar(
        sa.select(InterventionPupil).where(
            InterventionPupil.intervention_id == intervention.id, InterventionPupil.pupil_id == pupil.id
        )
    )
    marks = session.execute(
        sa.select(InterventionSession.held_on, SessionAttendance.attended)
        .join(SessionAttendance, SessionAttendance.session_id == InterventionSession.id)
        .where(InterventionSession.intervention_id == intervention.id, SessionAttendance.pupil_id == pupil.id)
        .order_by(InterventionSession.held_on)
    ).all()
    return (
        place.entry_score,
        place.outcome_id,
        place.exit_score,
        place.impact,
        place.impact_comment,
        place.impact_recorded_on,
        place.impact_recorded_by_id,
        tuple(marks),
    )


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("rule", SHARED_POST_RULES)
def test_intervention_posts_change_nothing_of_a_pupil_beyond_reach(
    client, world, login, foreign_group, session, rule, role
):
    route = ROUTES[rule]
    target = _target(world, route, "shared", foreign_group, session)
    theirs = world.pupils["untaught_k"]
    before = _pupil_state(session, target.intervention, theirs)
    login(world.users[role])

    response = client.post(route.url(target), data=_shared_posts(target)[rule])

    assert response.status_code < 500
    if role not in ("senco", "ta"):  # who reach every pupil of it (the head only reads)
        assert _pupil_state(session, target.intervention, theirs) == before
        assert SHARED_SECRET not in text(response)


def test_every_intervention_post_is_in_the_per_pupil_table(client, world, login, foreign_group, session):
    target = _target(world, ROUTES["/interventions/<int:intervention_id>"], "shared", foreign_group, session)

    assert set(SHARED_POST_RULES) == set(_shared_posts(target))


# Pages with a form answer a POST as they answer a GET when the answer is a refusal, and the
# refused POST changes nothing. (Accepted POSTs are tested with each feature.)
FORM_RULES = (
    "/pupils/<public_id>/edit",
    "/pupils/<public_id>/contacts/new",
    "/pupils/<public_id>/contacts/<int:contact_id>",
    "/pupils/<public_id>/sen-status",
    "/pupils/<public_id>/concerns/new",
    "/pupils/<public_id>/concerns/<int:concern_id>/decide",
    "/pupils/<public_id>/cycles/<int:number>/assessment",
    "/pupils/<public_id>/cycles/<int:number>/plan",
    "/pupils/<public_id>/cycles/<int:number>/outcomes/new",
    "/pupils/<public_id>/cycles/<int:number>/outcomes/<int:outcome_id>",
    "/pupils/<public_id>/cycles/<int:number>/start",
    "/pupils/<public_id>/cycles/<int:number>/observations/new",
    "/pupils/<public_id>/cycles/<int:number>/review",
    "/pupils/<public_id>/meetings/new",
    "/pupils/<public_id>/meetings/plan",
    "/pupils/<public_id>/meetings/<int:meeting_id>/record",
    "/pupils/<public_id>/meetings/<int:meeting_id>/shared",
    "/pupils/<public_id>/meetings/<int:meeting_id>/edit",
    "/pupils/<public_id>/leaving",
    "/pupils/<public_id>/transfer/destination",
    # EHC plans
    "/pupils/<public_id>/ehc/plans/new",
    "/pupils/<public_id>/ehc/requests/new",  # EHC requests
    "/pupils/<public_id>/subject-access/new",  # a request for the pupil's data
)


def _refusal_cases():
    """For each page and role, the first pupil the role is refused (the nearest one): the POST
    takes the same access check as the GET whichever pupil it names."""
    for rule in FORM_RULES:
        route = ROUTES[rule]
        tried = set()
        for case in _cases():
            case_rule, role, kind = case.values
            if (
                case_rule == rule
                and role != ANONYMOUS
                and role not in tried
                and _expected(route, role, kind) in (403, 404)
            ):
                tried.add(role)
                yield case


def _pupil_rows(session) -> tuple:
    session.expire_all()
    return tuple(
        session.scalar(sa.select(sa.func.count()).select_from(model))
        for model in (
            SupportCycle,
            Assessment,
            Plan,
            Outcome,
            Review,
            Concern,
            SenStatus,
            ParentMeeting,
            SubjectAccessRequest,
        )
    ) + (
        session.scalar(sa.select(sa.func.count()).select_from(ParentMeeting).where(ParentMeeting.held_on.is_not(None))),
        session.scalar(
            sa.select(sa.func.count())
            .select_from(ParentMeeting)
            .where(ParentMeeting.shared_with_parents_on.is_not(None))
        ),
        session.scalar(sa.select(sa.func.count()).select_from(Concern).where(Concern.status != ConcernStatus.OPEN)),
        session.scalar(sa.select(sa.func.max(Plan.version))),
        session.scalar(sa.select(sa.func.max(Review.version))),
    )


@pytest.mark.parametrize(("rule", "role", "kind"), list(_refusal_cases()))
def test_a_refused_post_is_refused_like_the_page(client, world, login, foreign_group, session, rule, role, kind):
    route = ROUTES[rule]
    url = route.url(_target(world, route, kind, foreign_group, session))
    login(world.users[role])
    before = _pupil_rows(session)

    response = client.post(
        url,
        data={
            "strengths": "Changed",
            "description": "Changed",
            "decision": "no_further_action",
            "reason": "Changed",
            "note": "Changed",
            "primary_need": "SPLD",
        },
    )

    assert response.status_code == _expected(route, role, kind)
    assert _pupil_rows(session) == before


def test_every_page_with_a_form_is_checked_for_refused_posts(app):
    """The list above follows the app: it holds every pupil route taking GET and POST."""
    with_forms = {
        rule.rule
        for rule in app.url_map.iter_rules()
        if {"GET", "POST"} <= rule.methods and rule.rule.startswith("/pupils/<public_id>/")
    }

    assert with_forms == set(FORM_RULES)


# --- Local-authority officers: EHC plans in their own authority only ----------------------------


@pytest.mark.parametrize(
    ("pupil", "status"),
    [
        ("untaught", 200),
        ("sibling_ehc", 200),
        ("untaught_k", 404),
        ("sibling_k", 404),
        ("taught", 404),
        ("foreign", 404),
    ],
    ids=["ehc-school", "ehc-sibling-school", "k-school", "k-sibling-school", "k-taught", "ehc-other-authority"],
)
def test_la_officer_sees_ehc_pupils_of_their_authority_only(client, world, login, pupil, status):
    login(world.users["la"])

    assert client.get(f"/pupils/{world.pupils[pupil].public_id}").status_code == status


def test_la_officer_list_holds_the_ehc_pupils_of_their_authority(client, world, login):
    login(world.users["la"])

    listed = set(client.page("/pupils/").pupil_links())

    assert listed == {world.pupils["untaught"].public_id, world.pupils["sibling_ehc"].public_id}


def test_la_officer_loses_sight_of_a_pupil_whose_plan_ends(client, world, login, session):
    pupil = world.pupils["sibling_ehc"]
    change_sen_status(
        session,
        actor=world.users["senco"],
        pupil=pupil,
        provision=Provision.SEN_SUPPORT,
        primary_need=NeedType.SEMH,
        secondary_need=None,
        start_date=date(2026, 11, 1),
        reason="Plan ceased",
        today=date(2026, 11, 27),
    )
    session.commit()
    login(world.users["la"])

    assert client.get(f"/pupils/{pupil.public_id}").status_code == 404


def test_other_authority_officer_sees_none_of_this_authority(client, world, login):
    login(world.users["foreign_la"])

    listed = set(client.page("/pupils/").pupil_links())

    assert listed == {world.pupils["foreign"].public_id}


# --- Governors: figures, never names ------------------------------------------------------------


def test_governor_is_refused_the_pupil_list(client, world, login):
    login(world.users["governor"])

    assert client.get("/pupils/").status_code == 403


def test_governor_home_page_shows_figures_but_no_pupil_name(client, world, login):
    login(world.users["governor"])

    page = client.page("/")

    assert page.text("#register-heading") == "The SEN register"
    assert "Oak Primary" in page
    for pupil in world.pupils.values():  # nowhere in the HTML, attributes included
        for name in (pupil.first_name, pupil.last_name):
            assert not re.search(rf"\b{name}\b", page.html), name
        assert pupil.public_id not in page.html


def test_governor_home_page_shows_no_other_school(client, world, login):
    login(world.users["governor"])

    page = client.page("/")

    assert "Ash Secondary" not in page.html
    assert "Far Primary" not in page.html


def test_governor_has_no_link_to_pupils(client, world, login):
    login(world.users["governor"])

    assert [href for href in client.page("/").links() if href.startswith("/pupils/")] == []


# --- Administrators: the roll, not SEN ----------------------------------------------------------

SEN_HISTORY = "SEN status history"


def test_senco_sees_the_sen_history_and_concerns(client, world, login):
    """The control for the admin tests below: the headings are there for those who may see them."""
    login(world.users["senco"])

    page = client.page(f"/pupils/{world.pupils['taught'].public_id}")

    assert page.text("#sen-status") == SEN_HISTORY
    assert page.has("#concerns")


def test_admin_sees_a_pupils_details_but_not_their_sen_record(client, world, login):
    login(world.users["admin"])
    pupil = world.pupils["taught"]

    page = client.page(f"/pupils/{pupil.public_id}")

    assert pupil.upn in page.summary().values()
    assert page.text("#contacts") == "Parents and carers"
    assert not page.has("#sen-status")
    assert not page.has("#concerns")
    assert SEN_HISTORY not in page.html
    assert "SEN support" not in page.html
    assert pupil.sen_statuses[0].primary_need.label not in page.html


def test_admin_pupil_list_shows_no_provision(client, world, login):
    login(world.users["admin"])

    page = client.page("/pupils/")

    assert page.pupil_links()  # the control: the list lists pupils
    assert "SEN support" not in page.html
    assert "EHC plan" not in page.html


@pytest.mark.parametrize("query", ["provision=K", "provision=E", "need=SPLD"])
def test_admin_cannot_filter_the_list_by_sen(client, world, login, query):
    """A filter the admin may not see is ignored, so the list cannot reveal who is on the register."""
    login(world.users["admin"])

    listed = set(client.page(f"/pupils/?{query}").pupil_links())

    assert listed == {world.pupils[key].public_id for key in ("taught", "taught_plain", "untaught", "untaught_k")}


def test_admin_sorting_by_provision_reveals_nothing(client, world, login):
    login(world.users["admin"])

    by_provision = client.page("/pupils/?sort=provision").pupil_links()
    by_name = client.page("/pupils/?sort=name").pupil_links()

    assert by_provision == by_name


# --- Teachers and support assistants ------------------------------------------------------------


def test_teacher_home_page_names_only_pupils_of_their_classes(client, world, login):
    login(world.users["teacher"])

    page = client.page("/")

    assert world.pupils["taught"].last_name in page
    for key in ("untaught", "untaught_k", "sibling_ehc", "foreign"):
        assert world.pupils[key].last_name not in page.html


def test_support_assistant_list_is_empty_without_interventions(client, world, login):
    login(world.users["ta"])

    assert client.page("/pupils/").pupil_links() == []


# --- Staff pages stay inside the school ---------------------------------------------------------


@pytest.mark.parametrize("manager", ["head", "senco", "admin"])
def test_another_schools_staff_member_is_not_found(client, world, login, manager):
    login(world.users[manager])

    assert client.get(f"/staff/{world.users['foreign_senco'].id}").status_code == 404


@pytest.mark.parametrize("manager", ["head", "senco", "admin"])
def test_an_la_officer_account_is_not_a_schools_to_manage(client, world, login, manager, session):
    officer = world.users["la"]
    officer.school_id = world.school.id
    session.commit()
    login(world.users[manager])

    assert client.get(f"/staff/{officer.id}").status_code == 404


@pytest.mark.parametrize("manager", ["head", "senco", "admin"])
def test_another_schools_class_is_not_found(client, world, login, foreign_group, manager):
    login(world.users[manager])

    assert client.get(f"/staff/classes/{foreign_group.id}").status_code == 404


@pytest.mark.parametrize("manager", ["head", "senco", "admin"])
def test_the_staff_list_holds_only_the_school_s_own_staff(client, world, login, manager):
    login(world.users[manager])

    page = client.page("/staff/")

    assert "senco@oak.test" in page
    assert "senco@far.test" not in page.html
    assert "officer@borough.test" not in page.html


def test_a_contact_of_another_pupil_is_not_found_under_this_pupil(client, world, login):
    login(world.users["senco"])
    other_contact = world.pupils["taught_plain"].contacts[0]

    response = client.get(f"/pupils/{world.pupils['taught'].public_id}/contacts/{other_contact.id}")

    assert response.status_code == 404


def test_a_pupil_of_another_school_cannot_be_changed_by_post(client, world, login, session):
    login(world.users["senco"])
    pupil = world.pupils["foreign"]

    response = client.post(f"/pupils/{pupil.public_id}/edit", data={"first_name": "Changed"})

    assert response.status_code == 404
    session.refresh(pupil)
    assert pupil.first_name == "Gita"


def test_404_pages_do_not_name_the_pupil(client, world, login):
    login(world.users["teacher"])

    page = client.page(f"/pupils/{world.pupils['untaught'].public_id}", status=404)

    assert page.text("h1")  # the not-found page
    assert not re.search(r"Cara|Dale", page.html)


def test_the_check_for_data_beyond_reach_finds_a_name(client, world, login):
    """The control for `assert_no_data_beyond_reach`: a page that does show another school's pupil
    (to that school's own SENCO) fails the check made for this school's SENCO."""
    pupil = world.pupils["foreign"]
    login(world.users["foreign_senco"])
    url = f"/pupils/{pupil.public_id}"

    response = client.get(url)

    assert response.status_code == 200
    with pytest.raises(AssertionError):
        assert_no_data_beyond_reach(world, "senco", response, url)


# --- A pupil who has left: the record stays, read-only --------------------------------------------

# The pupil routes that only read (or, for undoing a leaving, that reach only a pupil who left).
READING_RULES = {
    "/pupils/<public_id>",
    "/pupils/<public_id>/audit",
    "/pupils/<public_id>/timeline",
    "/pupils/<public_id>/cycles/<int:number>",
    "/pupils/<public_id>/cycles/<int:number>/plan/print",
    "/pupils/<public_id>/meetings/<int:meeting_id>",
    "/pupils/<public_id>/meetings/<int:meeting_id>/print",
    "/pupils/<public_id>/leaving/undo",
    "/pupils/<public_id>/passport",  # the one-page profile, read with VIEW_SEN
    # EHC plans: the plan and its documents stay readable
    "/ehc/plans/<int:plan_id>",
    "/ehc/documents/<int:document_id>",
    # EHC reviews
    "/ehc/reviews/<int:review_id>",
    "/ehc/requests/<int:request_id>",  # EHC requests
    # A leaver's next school, recorded after the leaving: the one change to a pupil who left
    "/pupils/<public_id>/transfer/destination",
    # A leaver's SEN file: exporting writes only its own log
    "/pupils/<public_id>/transfer",
    "/pupils/<public_id>/transfer/ctf",
    "/pupils/<public_id>/transfer/pack",
    # Subject access: a request for a leaver's data is recorded too; it writes only the request
    "/pupils/<public_id>/subject-access/new",
}
WRITING_RULES = sorted(rule for rule, route in ROUTES.items() if route.target == PUPIL and rule not in READING_RULES)


def _leave(session, pupil, left_on=date(2026, 11, 27)):
    pupil.left_on, pupil.leaving_reason = left_on, "Moved away from the area"
    session.commit()


@pytest.mark.parametrize("rule", WRITING_RULES)
def test_every_write_to_a_pupil_who_has_left_is_refused(client, world, login, foreign_group, session, rule):
    """The SENCO reaches every write route for a pupil on the roll (the truth table above); from
    the leaving date each answers 404, to a GET and to a POST carrying a complete-looking form, and
    nothing is stored."""
    route = ROUTES[rule]
    target = _target(world, route, ("sees", "taught"), foreign_group, session)
    _leave(session, target.pupil)
    login(world.users["senco"])
    before = _pupil_rows(session)
    name = target.pupil.first_name
    url = route.url(target)

    answers = [client.open(url, method=route.method).status_code]
    if route.method == "GET":
        answers.append(
            client.post(
                url,
                data={
                    "strengths": "Changed",
                    "description": "Changed",
                    "decision": "no_further_action",
                    "reason": "moved_away",
                    "note": "Changed",
                    "primary_need": "SPLD",
                    "provision": "K",
                    "first_name": "Changed",
                },
            ).status_code
        )

    assert answers == [404] * len(answers)
    assert _pupil_rows(session) == before
    session.refresh(target.pupil)
    assert (target.pupil.first_name, target.pupil.left_on) == (name, date(2026, 11, 27))


def test_every_write_route_is_open_the_day_before_the_pupil_leaves(client, world, login, foreign_group, session):
    """The control for the test above: with the leaving tomorrow the same pages open (recording a
    leaving aside: one is recorded already)."""
    login(world.users["senco"])
    for rule in WRITING_RULES:
        route = ROUTES[rule]
        if route.method != "GET" or route.expect["senco"] != 200 or rule == "/pupils/<public_id>/leaving":
            continue
        target = _target(world, route, ("sees", "taught"), foreign_group, session)
        _leave(session, target.pupil, left_on=date(2026, 11, 28))
        assert client.get(route.url(target)).status_code == 200, rule
        target.pupil.left_on = target.pupil.leaving_reason = None
        session.commit()
        session.execute(sa.delete(ParentMeeting))
        for model in (Review, Plan, Outcome, Assessment, ParentLetter, Concern):
            session.execute(sa.delete(model))
        session.execute(sa.delete(SupportCycle))
        session.commit()


@pytest.mark.parametrize("rule", sorted(rule for rule in READING_RULES if ROUTES[rule].method == "GET"))
@pytest.mark.parametrize(
    ("role", "key", "status"),
    [
        ("senco", "taught", 200),
        ("head", "taught", 200),
        ("teacher", "taught", 404),
        ("admin", "taught", 404),
        ("la", "untaught", 200),
    ],
)
def test_who_reads_the_record_of_a_pupil_who_has_left(
    client, world, login, foreign_group, session, rule, role, key, status
):
    """The SENCO and head keep the record, and the LA officer that of a pupil with an EHC plan;
    the class teacher and the administrator no longer reach it."""
    route = ROUTES[rule]
    target = _target(world, route, ("sees", key), foreign_group, session)
    _leave(session, target.pupil)
    login(world.users[role])

    expected = status if route.expect[role] == 200 else 404

    assert client.get(route.url(target)).status_code == expected


# --- Who gives which role ------------------------------------------------------------------------

# Per signed-in role, what each school role is for them on the staff pages: "grant" (given at
# once), "propose" (stored, no access until the head teacher or SENCO confirms) or None (no staff
# pages at all). Roles that open SEN records are granted only by the head teacher or the SENCO.
ROLE_GRANTS = {
    "head": dict.fromkeys(("senco", "head", "teacher", "support_assistant", "governor", "admin"), "grant"),
    "senco": {
        "senco": "grant",
        "head": "propose",
        "teacher": "grant",
        "support_assistant": "grant",
        "governor": "grant",
        "admin": "grant",
    },
    "admin": {
        "senco": "propose",
        "head": "propose",
        "teacher": "propose",
        "support_assistant": "propose",
        "governor": "grant",
        "admin": "grant",
    },
    "teacher": {},
    "ta": {},
    "governor": {},
    "la": {},
}


@pytest.mark.parametrize("role", ROLES)
def test_who_grants_and_who_proposes_each_role(world, role):
    from sentrack import access

    user = world.users[role]
    grantable, proposable = access.roles_grantable_by(user), access.roles_proposable_by(user)
    found = {r.value: ("grant" if r in grantable else "propose") for r in grantable | proposable}

    assert found == ROLE_GRANTS[role]
    assert {Role.SENCO, Role.HEAD, Role.TEACHER, Role.SUPPORT_ASSISTANT} == access.SEN_ROLES
