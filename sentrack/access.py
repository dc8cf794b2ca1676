"""Who may see and do what: the one place that decides (DESIGN section 2).

Every query for pupils starts from `pupil_scope` or `sen_scope`. A record outside the user's
scope is answered with 404, so that the answer never confirms it exists; a page the user's roles
do not open at all is answered with 403.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from datetime import date, timedelta
from functools import wraps
from typing import TypeVar

import sqlalchemy as sa
from flask import abort, current_app
from flask_login import current_user, login_required
from sqlalchemy.orm import contains_eager, joinedload, selectinload
from werkzeug.exceptions import HTTPException

from sentrack import audit
from sentrack.clock import today
from sentrack.extensions import db
from sentrack.models import (
    EhcPlan,
    EhcReview,
    ImportBatch,
    Intervention,
    InterventionPupil,
    InterventionSession,
    Pupil,
    PupilTransfer,
    Role,
    RoleAssignment,
    RoleProposal,
    School,
    SenDifference,
    SubjectAccessRequest,
    Task,
    TeachingGroup,
    User,
    WebAuthnCredential,
    group_pupils,
    group_teachers,
)
from sentrack.workflows.ehc_register import in_ehc_work
from sentrack.workflows.register import on_roll

T = TypeVar("T")


class Ability(enum.StrEnum):
    VIEW_PUPILS = "view_pupils"  # the roll: names, details, contacts
    VIEW_SEN = "view_sen"  # SEN status, needs and concerns of pupils in scope
    EDIT_PUPIL = "edit_pupil"  # add and edit pupils and their contacts
    CHANGE_SEN_STATUS = "change_sen_status"
    RAISE_CONCERN = "raise_concern"
    MANAGE_STAFF = "manage_staff"  # staff accounts, roles and classes
    VIEW_FIGURES = "view_figures"  # anonymised figures for the school(s)
    VIEW_FIGURE_LISTS = "view_figure_lists"  # the pupils and tasks behind the dashboard's figures
    VIEW_AUDIT = "view_audit"
    OPEN_CYCLE = "open_cycle"  # open a support cycle and record its assessment
    MANAGE_CYCLE = "manage_cycle"  # plan, outcomes, moves, review, letters, concern decisions
    RECORD_OBSERVATION = "record_observation"
    MANAGE_CATALOGUE = "manage_catalogue"  # the school's intervention types and impact scale
    SET_UP_INTERVENTION = "set_up_intervention"  # start and change interventions
    RECORD_SESSION = "record_session"  # registers, exit measures and impact
    VIEW_PROVISION_MAP = "view_provision_map"
    RECORD_PARENT_MEETING = "record_parent_meeting"  # plan and record meetings with parents
    CORRECT_LED_MEETING = "correct_led_meeting"  # correct the record of a meeting with parents one led
    CORRECT_ANY_MEETING = "correct_any_meeting"  # correct the record of any meeting with parents
    MANAGE_SETTINGS = "manage_settings"  # the school's term dates and rule settings
    READ_PASSPORT = "read_passport"  # say "I have read it" of the passport of a pupil one teaches or supports
    HOLD_EARLY_REVIEW = "hold_early_review"  # review a plan before its agreed review date, saying why
    RECORD_LEAVING = "record_leaving"  # record that a pupil left the school's roll
    UNDO_LEAVING = "undo_leaving"  # undo a leaving recorded by mistake
    VIEW_LEAVERS = "view_leavers"  # the list of pupils who have left, and their records
    RECORD_EHC_SCHOOL = "record_ehc_school"  # the school's EHC steps: requests, convening, the meeting, the report
    RECORD_EHC_LA = "record_ehc_la"  # the authority's steps: decisions to assess and to issue, plans, review decisions
    VIEW_EHC_DOCUMENTS = "view_ehc_documents"  # download the plan, advice and reports
    UPLOAD_EHC_DOCUMENT = "upload_ehc_document"
    VIEW_EHC_CASELOAD = "view_ehc_caseload"  # the authority's requests, plans and reviews across its schools
    IMPORT_ROLL = "import_roll"  # upload a CTF or CSV from the MIS, preview it and apply it
    RECONCILE_SEN = "reconcile_sen"  # accept or keep an imported SEN history that differs
    EXPORT_CTF = "export_ctf"  # download a leaver's CTF and transfer pack for the next school
    RECORD_DESTINATION = "record_destination"  # record a leaver's next school once it is known
    CONFIRM_TRANSFER = "confirm_transfer"  # confirm or decline another school's transfer of a pupil
    RUN_YEAR_END = "run_year_end"  # the year-end rollover: pupils up a year, next year's classes
    VIEW_CENSUS_CHECK = "view_census_check"  # the roll's SEN as the January census will take it
    MANAGE_OUTCOME_BANK = "manage_outcome_bank"  # the school's bank of outcome wordings for plans
    EDIT_LETTER_TEMPLATES = "edit_letter_templates"  # the school's wording of its letters to parents
    READ_SEN_REPORT = "read_sen_report"  # the school's published SEN information reports
    READ_SEN_REPORT_DRAFTS = "read_sen_report_drafts"  # the report while it is drafted
    DRAFT_SEN_REPORT = "draft_sen_report"  # draft the report from the figures, edit and publish it
    CORRECT_REGISTERS = "correct_registers"  # correct any register of the school, not only one's own
    # Record and answer requests for a pupil's data, mark what is withheld, download the export.
    MANAGE_SUBJECT_ACCESS = "manage_subject_access"
    # Retention and destruction of leavers' records (issue 18, point 4)
    APPROVE_DESTRUCTION = "approve_destruction"  # see records due for destruction, destroy them, read the log
    HOLD_RECORDS = "hold_records"  # place or lift a legal hold on a leaver's records


# What only reads. Every other ability writes to a pupil's record, so it reaches only pupils on
# the school's roll today: a pupil who has left is read-only, whatever the route (undoing the
# leaving aside).
READING = frozenset(
    {
        Ability.VIEW_PUPILS,
        Ability.VIEW_SEN,
        Ability.VIEW_FIGURES,
        Ability.VIEW_FIGURE_LISTS,
        Ability.VIEW_AUDIT,
        Ability.VIEW_PROVISION_MAP,
        Ability.VIEW_LEAVERS,
        Ability.VIEW_EHC_DOCUMENTS,
        Ability.VIEW_EHC_CASELOAD,
        # Exporting and confirming a transfer reach the records of pupils who have left: the
        # export writes only its own log, and a confirmed transfer leaves the old record as it was.
        Ability.EXPORT_CTF,
        Ability.CONFIRM_TRANSFER,
        Ability.VIEW_CENSUS_CHECK,
        Ability.READ_SEN_REPORT,
        Ability.READ_SEN_REPORT_DRAFTS,
        # A request for a pupil's data reaches a pupil who has left: it writes only the request,
        # and the export reads the record as it stands.
        Ability.MANAGE_SUBJECT_ACCESS,
    }
)


# What reaches only the records of pupils who have left: their retention and destruction.
LEAVERS_RECORDS = frozenset({Ability.APPROVE_DESTRUCTION, Ability.HOLD_RECORDS})


ROLE_ABILITIES: dict[Role, frozenset[Ability]] = {
    Role.SENCO: frozenset(
        {
            Ability.VIEW_PUPILS,
            Ability.VIEW_SEN,
            Ability.EDIT_PUPIL,
            Ability.CHANGE_SEN_STATUS,
            Ability.RAISE_CONCERN,
            Ability.MANAGE_STAFF,  # to grant and confirm the roles that open SEN records
            Ability.VIEW_FIGURES,
            Ability.VIEW_FIGURE_LISTS,
            Ability.VIEW_AUDIT,
            Ability.OPEN_CYCLE,
            Ability.MANAGE_CYCLE,
            Ability.RECORD_OBSERVATION,
            Ability.MANAGE_CATALOGUE,
            Ability.SET_UP_INTERVENTION,
            Ability.RECORD_SESSION,
            Ability.VIEW_PROVISION_MAP,
            Ability.RECORD_PARENT_MEETING,
            Ability.CORRECT_LED_MEETING,
            Ability.CORRECT_ANY_MEETING,
            Ability.MANAGE_SETTINGS,
            Ability.READ_PASSPORT,
            Ability.HOLD_EARLY_REVIEW,
            Ability.RECORD_LEAVING,
            Ability.UNDO_LEAVING,
            Ability.VIEW_LEAVERS,
            Ability.RECORD_EHC_SCHOOL,
            Ability.VIEW_EHC_DOCUMENTS,
            Ability.UPLOAD_EHC_DOCUMENT,
            Ability.IMPORT_ROLL,
            Ability.RECONCILE_SEN,
            Ability.EXPORT_CTF,
            Ability.RECORD_DESTINATION,
            Ability.CONFIRM_TRANSFER,
            Ability.RUN_YEAR_END,
            Ability.VIEW_CENSUS_CHECK,
            Ability.MANAGE_OUTCOME_BANK,
            Ability.EDIT_LETTER_TEMPLATES,
            Ability.READ_SEN_REPORT,
            Ability.READ_SEN_REPORT_DRAFTS,
            Ability.DRAFT_SEN_REPORT,
            Ability.CORRECT_REGISTERS,
            Ability.MANAGE_SUBJECT_ACCESS,
            Ability.APPROVE_DESTRUCTION,
            Ability.HOLD_RECORDS,
        }
    ),
    Role.HEAD: frozenset(
        {
            Ability.VIEW_PUPILS,
            Ability.VIEW_SEN,
            Ability.RAISE_CONCERN,
            Ability.MANAGE_STAFF,
            Ability.VIEW_FIGURES,
            Ability.VIEW_FIGURE_LISTS,
            Ability.VIEW_AUDIT,
            Ability.VIEW_PROVISION_MAP,
            Ability.RECORD_LEAVING,
            Ability.UNDO_LEAVING,
            Ability.RECORD_DESTINATION,
            Ability.VIEW_LEAVERS,
            Ability.VIEW_EHC_DOCUMENTS,
            Ability.VIEW_CENSUS_CHECK,
            Ability.CORRECT_LED_MEETING,  # a meeting with parents the head teacher led
            Ability.READ_SEN_REPORT,
            Ability.READ_SEN_REPORT_DRAFTS,  # the head teacher reads the SENCO's draft before it goes out
            Ability.MANAGE_SUBJECT_ACCESS,  # the head answers for the school's data as the SENCO does
            Ability.APPROVE_DESTRUCTION,
            Ability.HOLD_RECORDS,
        }
    ),
    Role.TEACHER: frozenset(
        {
            Ability.VIEW_PUPILS,
            Ability.VIEW_SEN,
            Ability.RAISE_CONCERN,
            Ability.OPEN_CYCLE,
            Ability.RECORD_OBSERVATION,
            Ability.SET_UP_INTERVENTION,
            Ability.RECORD_SESSION,
            Ability.RECORD_PARENT_MEETING,
            Ability.CORRECT_LED_MEETING,
            Ability.READ_PASSPORT,
            Ability.VIEW_EHC_DOCUMENTS,  # of the pupils they teach: the plan they teach to
        }
    ),
    Role.SUPPORT_ASSISTANT: frozenset(
        {
            Ability.VIEW_PUPILS,
            Ability.VIEW_SEN,
            Ability.RECORD_OBSERVATION,
            Ability.RECORD_SESSION,
            Ability.READ_PASSPORT,
            Ability.CORRECT_LED_MEETING,  # a meeting with parents the assistant led
        }
    ),
    Role.GOVERNOR: frozenset({Ability.VIEW_FIGURES, Ability.READ_SEN_REPORT}),
    Role.LA_OFFICER: frozenset(
        {
            Ability.VIEW_PUPILS,
            Ability.VIEW_SEN,
            Ability.VIEW_FIGURES,
            Ability.RECORD_EHC_LA,
            Ability.VIEW_EHC_DOCUMENTS,
            Ability.UPLOAD_EHC_DOCUMENT,
            Ability.VIEW_EHC_CASELOAD,
        }
    ),
    Role.ADMIN: frozenset(
        {
            Ability.VIEW_PUPILS,
            Ability.EDIT_PUPIL,
            Ability.MANAGE_STAFF,
            Ability.RECORD_LEAVING,
            Ability.IMPORT_ROLL,
            Ability.RUN_YEAR_END,
        }
    ),
}


def abilities(user: User) -> frozenset[Ability]:
    if not user.is_authenticated:
        return frozenset()
    found: set[Ability] = set()
    for role in user.roles:
        found |= ROLE_ABILITIES[role]
    return frozenset(found)


def can(user: User, ability: Ability) -> bool:
    return ability in abilities(user)


def may_hold_early_review(user: User) -> bool:
    """Whether the user may hold a review before the plan's agreed review date (CoP 6.52: the
    SENCO decides when needs or the parents call for it). Their reach to the pupil is decided
    when the pupil is loaded."""
    return can(user, Ability.HOLD_EARLY_REVIEW)


def sees_small_numbers(user: User) -> bool:
    """Whether the user is shown figures of fewer than 5 pupils as they are: those who may see the
    pupils behind the figures (the SENCO, the head teacher). Everyone else who sees figures
    (governors, LA officers) sees anonymised figures only, with small numbers suppressed
    (`sentrack.workflows.small_numbers`)."""
    return can(user, Ability.VIEW_FIGURE_LISTS)


def may_correct_meeting(user: User, meeting, reach: frozenset[Ability]) -> bool:
    """Whether the user may correct the record of `meeting`, a held meeting with the parents of a
    pupil on whom the user's abilities are `reach` (`abilities_on`): the SENCO any, and whoever
    led it their own, while the pupil is on the roll (a leaver's records are read-only)."""
    if meeting.held_on is None:
        return False
    if Ability.CORRECT_ANY_MEETING in reach:
        return True
    return meeting.led_by_id == user.id and Ability.CORRECT_LED_MEETING in reach


def may_change_sen_status(user: User) -> bool:
    """Whether the user may place a pupil on SEN support (or change their status) themselves."""
    return can(user, Ability.CHANGE_SEN_STATUS)


def requires(ability: Ability) -> Callable:
    """View decorator: sign in first (as `login_required`), then 403 unless the signed-in user's
    roles give `ability` at all."""

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not can(current_user, ability):
                abort(403)
            return view(*args, **kwargs)

        return login_required(wrapped)

    return decorator


# --- Scopes: SQL conditions on Pupil -------------------------------------------------------------


def _taught_by(user: User) -> sa.ColumnElement[bool]:
    """The pupils of the user's current classes: a class ended at the year end gives no access."""
    taught = (
        sa.select(group_pupils.c.pupil_id)
        .join(group_teachers, group_teachers.c.group_id == group_pupils.c.group_id)
        .join(TeachingGroup, TeachingGroup.id == group_pupils.c.group_id)
        .where(group_teachers.c.user_id == user.id, TeachingGroup.ended_on.is_(None))
    )
    return Pupil.id.in_(taught)


def assistant_access_from(user: User, on: date | None = None) -> date:
    """The earliest end date of an intervention whose pupils a support assistant who delivered it
    still reaches: access lasts while it runs and for the school's set number of weeks after its
    last day (that day included)."""
    weeks = user.school.assistant_access_weeks if user.school is not None else 0
    return (on or today()) - timedelta(weeks=weeks)


def _delivered_by(user: User, role: Role) -> sa.ColumnElement[bool]:
    """The interventions of the user's school that `role` of the user reaches by delivering them:
    a teacher's or the SENCO's for as long as they exist, a support assistant's while they run
    and for the school's set period after they end."""
    condition = sa.and_(Intervention.school_id == user.school_id, Intervention.delivered_by_id == user.id)
    if role is Role.SUPPORT_ASSISTANT:
        condition = sa.and_(condition, Intervention.ends_on >= assistant_access_from(user))
    return condition


def _in_interventions_delivered_by(user: User) -> sa.ColumnElement[bool]:
    delivered = (
        sa.select(InterventionPupil.pupil_id)
        .join(Intervention, Intervention.id == InterventionPupil.intervention_id)
        .where(_delivered_by(user, Role.SUPPORT_ASSISTANT))
    )
    return Pupil.id.in_(delivered)


def _in_ehc_work_in_authority(user: User, listing: bool) -> sa.ColumnElement[bool]:
    """The pupils of the authority's schools with a needs assessment request in progress, an EHC
    plan in force, or an open "E" status (`sentrack.workflows.ehc_register.in_ehc_work`)."""
    schools = sa.select(School.id).where(School.local_authority_id == user.local_authority_id)
    return sa.and_(Pupil.school_id.in_(schools), in_ehc_work(today(), listing=listing))


def _role_condition(user: User, role: Role, listing: bool = False) -> sa.ColumnElement[bool]:
    """The pupils one role of the user reaches. The SENCO and the head teacher keep the records of
    pupils who have left, and an LA officer those of the authority's pupils in EHC work;
    class teachers, support assistants and administrators reach only the pupils on the roll."""
    if role in (Role.SENCO, Role.HEAD):
        return Pupil.school_id == user.school_id if user.school_id else sa.false()
    if role is Role.ADMIN:
        return sa.and_(Pupil.school_id == user.school_id, on_roll(today())) if user.school_id else sa.false()
    if role is Role.TEACHER:
        return sa.and_(Pupil.school_id == user.school_id, on_roll(today()), _taught_by(user))
    if role is Role.LA_OFFICER:
        return _in_ehc_work_in_authority(user, listing) if user.local_authority_id else sa.false()
    if role is Role.SUPPORT_ASSISTANT:
        return sa.and_(Pupil.school_id == user.school_id, on_roll(today()), _in_interventions_delivered_by(user))
    return sa.false()  # governors see no pupil


def _scope_kind(user: User, ability: Ability) -> tuple[tuple[Role, ...], str]:
    """What the ability's reach is built from: the user's roles that hold it, and the rule of the
    ability's kind. Two abilities of the same kind reach the same pupils (`abilities_on` asks once
    for each kind)."""
    roles = tuple(role for role in user.roles if ability in ROLE_ABILITIES[role])
    if ability in (Ability.UNDO_LEAVING, Ability.RECORD_DESTINATION):
        # Undoing a leaving reaches a pupil who left, above all (the workflow refuses one with no
        # leaving). Recording a destination is the one change to the record of a pupil who left:
        # the next school, learnt after the leaving was recorded, that their SEN file goes to. Held
        # by the SENCO and the head teacher, who keep leavers' records; the workflow changes only
        # the destination, and refuses a pupil with no leaving recorded.
        return roles, "as held"
    if ability in LEAVERS_RECORDS:
        # Destroying a leaver's records, or holding them, reaches the pupils who have left (the
        # SENCO's and the head teacher's, who keep their records); the workflows refuse a pupil
        # still on the roll.
        return roles, "leavers"
    if ability not in READING:
        # A write reaches only a pupil on the roll today, and recording a leaving only a pupil
        # with none recorded yet.
        return roles, "leaving" if ability is Ability.RECORD_LEAVING else "write"
    return roles, "read"


def _reach(user: User, roles: tuple[Role, ...], rule: str, listing: bool = False) -> sa.ColumnElement[bool]:
    """The pupils that the user's `roles` reach under `rule` (see `_scope_kind`); `listing`: see
    `pupil_scope`."""
    if not roles:
        return sa.false()
    reach = sa.or_(*(_role_condition(user, role, listing) for role in roles))
    if rule == "leavers":
        return sa.and_(reach, Pupil.left_on.is_not(None))
    if rule in ("write", "leaving"):
        reach = sa.and_(reach, on_roll(today()))
        if rule == "leaving":
            reach = sa.and_(reach, Pupil.left_on.is_(None))
    return reach


def _scope(user: User, ability: Ability, listing: bool = False) -> sa.ColumnElement[bool]:
    if not user.is_authenticated:
        return sa.false()
    return _reach(user, *_scope_kind(user, ability), listing=listing)


def pupil_scope(user: User, *, listing: bool = False) -> sa.ColumnElement[bool]:
    """The pupils whose record (details and contacts) the user may read. `listing`: written for a
    list of those pupils, where a reach that is a set of pupils (an LA officer's, the pupils in EHC
    work) is read through its ids rather than tested for each pupil of the authority."""
    return _scope(user, Ability.VIEW_PUPILS, listing)


def sen_scope(user: User) -> sa.ColumnElement[bool]:
    """The pupils whose SEN record (status, needs, concerns) the user may read."""
    return _scope(user, Ability.VIEW_SEN)


def sen_scope_among_readable(user: User) -> sa.ColumnElement[bool]:
    """`sen_scope`, asked of pupils already within `pupil_scope`: plainly true when the user's
    reach is of the same kind for both (`_scope_kind`), so that a list does not work out the same
    reach twice."""
    if user.is_authenticated and _scope_kind(user, Ability.VIEW_SEN) == _scope_kind(user, Ability.VIEW_PUPILS):
        return sa.true()
    return sen_scope(user)


def scope_for(user: User, ability: Ability) -> sa.ColumnElement[bool]:
    """The pupils on whom the user may exercise `ability`."""
    return _scope(user, ability)


def get_pupil(user: User, public_id: str, ability: Ability = Ability.VIEW_PUPILS) -> Pupil:
    """The pupil with `public_id` if `ability` reaches them for this user, else 404."""
    pupil = db.session.scalar(
        # The school comes with the pupil: every pupil page reads its settings.
        sa.select(Pupil).where(Pupil.public_id == public_id, _scope(user, ability)).options(joinedload(Pupil.school))
    )
    if pupil is None:
        abort(404)
    audit.note_loaded(pupil)  # a page that shows the pupil is audited after the request
    return pupil


def abilities_on(user: User, pupil: Pupil) -> frozenset[Ability]:
    """Every ability that reaches this pupil for this user, in one query: a page that offers
    several actions asks once rather than once per action."""
    held = sorted(abilities(user))
    if not held:
        return frozenset()
    # One column for each kind of reach rather than one for each ability: abilities of the same
    # kind (`_scope_kind`) reach the same pupils, and a SENCO holds dozens of abilities of a few kinds.
    kinds = {ability: _scope_kind(user, ability) for ability in held}
    asked = list(dict.fromkeys(kinds.values()))
    row = db.session.execute(
        sa.select(*(sa.case((_reach(user, *kind), 1), else_=0) for kind in asked)).where(Pupil.id == pupil.id)
    ).first()
    reached = {kind for kind, found in zip(asked, row or (), strict=False) if found}
    return frozenset(ability for ability, kind in kinds.items() if kind in reached)


def may(user: User, ability: Ability, pupil: Pupil) -> bool:
    """Whether `ability` reaches this pupil for this user (one indexed query)."""
    if ability not in abilities(user):
        return False
    return bool(db.session.scalar(sa.select(sa.literal(True)).where(Pupil.id == pupil.id, _scope(user, ability))))


# --- Staff, classes and schools ------------------------------------------------------------------


def visible_schools(user: User) -> sa.Select:
    """Schools whose (anonymised) figures the user may see."""
    if not can(user, Ability.VIEW_FIGURES) and not can(user, Ability.VIEW_PUPILS):
        return sa.select(School).where(sa.false())
    conditions = []
    if user.school_id:
        conditions.append(School.id == user.school_id)
    if user.has_role(Role.LA_OFFICER) and user.local_authority_id:
        conditions.append(School.local_authority_id == user.local_authority_id)
    return sa.select(School).where(sa.or_(*conditions) if conditions else sa.false())


def schools_shown(user: User) -> list[int] | None:
    """The schools whose records the user's pages may show: the user's own, or every school (None)
    for an LA officer, whose reach crosses the authority's schools. A page kept in a web process
    (`sentrack.kept`) is written again when any of them changes."""
    if user.has_role(Role.LA_OFFICER) or user.school_id is None:
        return None
    return [user.school_id]


def get_staff_member(user: User, user_id: int) -> User:
    """A member of the managing user's own school, else 404."""
    if not can(user, Ability.MANAGE_STAFF) or user.school_id is None:
        abort(404)
    member = db.session.scalar(sa.select(User).where(User.id == user_id, User.school_id == user.school_id))
    if member is None or member.has_role(Role.LA_OFFICER):  # an officer is the authority's, not the school's
        abort(404)
    return member


# Roles whose holders read SEN records: granted (or confirmed when proposed) only by the head
# teacher or the SENCO. Derived from the abilities, so a role given SEN reading later is covered.
SEN_ROLES = frozenset(role for role in Role if role.is_school_role and Ability.VIEW_SEN in ROLE_ABILITIES[role])
SCHOOL_ROLES = frozenset(role for role in Role if role.is_school_role)


# What each role may give to (or take from) a member of its school itself: the head teacher any
# school role; the SENCO any but the headship; an administrator only roles that open no SEN record
# (administrator, governor). Other roles manage no staff.
GRANTS: dict[Role, frozenset[Role]] = {
    Role.HEAD: SCHOOL_ROLES,
    Role.SENCO: SCHOOL_ROLES - {Role.HEAD},
    Role.ADMIN: SCHOOL_ROLES - SEN_ROLES,
}


def roles_grantable_by(user: User) -> frozenset[Role]:
    """The roles `user` may give to (or take from) a member of their school themselves."""
    if not can(user, Ability.MANAGE_STAFF) or user.school_id is None:
        return frozenset()
    return frozenset().union(*(GRANTS.get(role, frozenset()) for role in user.roles))


def roles_deciding_on(role: Role) -> frozenset[Role]:
    """The roles whose holders may confirm (or decline) a proposal of `role`."""
    return frozenset(holder for holder, grants in GRANTS.items() if role in grants)


def roles_proposable_by(user: User) -> frozenset[Role]:
    """The roles `user` may only propose: stored, giving no access until confirmed."""
    if not can(user, Ability.MANAGE_STAFF) or user.school_id is None:
        return frozenset()
    return SCHOOL_ROLES - roles_grantable_by(user)


def holds_any(user: User, roles: frozenset[Role]) -> bool:
    """Whether the user holds one of `roles` (the people a kind of notification is for, say)."""
    return not roles.isdisjoint(user.roles)


def may_give_self_roles(user: User) -> bool:
    """Whether `user` may give themselves a role they do not hold: only the head teacher (in a
    small school, the head who is also the SENCO); anyone else asks the head."""
    return can(user, Ability.MANAGE_STAFF) and user.has_role(Role.HEAD)


def may_decide_proposal(user: User, role: Role) -> bool:
    """Whether `user` may confirm or decline a proposal of `role`."""
    return role in roles_grantable_by(user)


def may_control_account(user: User, member: User) -> bool:
    """Whether `user` may change `member`'s sign-in (email address), send them a new invitation's
    address, or reactivate them: only if `user` could grant every role `member` holds, so an
    administrator never takes over, or revives, an account that opens SEN records."""
    return member.school_id == user.school_id and member.roles <= roles_grantable_by(user)


def may_deactivate(user: User, member: User) -> bool:
    """Whether `user` may deactivate `member`: anyone managing staff may stop the account of a
    class teacher or assistant who leaves; the head teacher's and the SENCO's accounts are
    stopped only by whoever could grant those roles (the head, or the SENCO for a SENCO)."""
    keeping = {Role.HEAD, Role.SENCO}
    return member.school_id == user.school_id and (member.roles & keeping) <= roles_grantable_by(user)


def get_proposal(user: User, proposal_id: int) -> RoleProposal:
    """A role proposed for a member of the user's school, else 404; 403 when the user may not
    decide on that role."""
    if not can(user, Ability.MANAGE_STAFF) or user.school_id is None:
        abort(404)
    proposal = db.session.scalar(
        sa.select(RoleProposal)
        .join(User, User.id == RoleProposal.user_id)
        .where(RoleProposal.id == proposal_id, User.school_id == user.school_id)
    )
    if proposal is None:
        abort(404)
    if not may_decide_proposal(user, proposal.role):
        abort(403)
    return proposal


def school_groups(user: User) -> sa.Select:
    """The classes of the user's school."""
    return (
        sa.select(TeachingGroup)
        .where(TeachingGroup.school_id == (user.school_id if user.school_id else -1), TeachingGroup.ended_on.is_(None))
        .order_by(TeachingGroup.year_group, TeachingGroup.name)
    )


def class_pupil_scope(user: User) -> sa.ColumnElement[bool]:
    """The pupils a manager of the school's classes may put in or take out of a class: the pupils
    of their own school whose record they may read (on the roll: the caller adds the day)."""
    if not can(user, Ability.MANAGE_STAFF) or not user.school_id:
        return sa.false()
    return sa.and_(Pupil.school_id == user.school_id, pupil_scope(user))


# --- Interventions --------------------------------------------------------------------------------


def intervention_scope(user: User, ability: Ability = Ability.VIEW_SEN) -> sa.ColumnElement[bool]:
    """The interventions on which `ability` reaches for the user: the whole school for the SENCO
    (and the head, reading); a teacher's, those with a pupil they teach or that they started or
    deliver; an assistant's, those they deliver, while they run and for the school's set period
    after they end. Reaching an intervention is not reaching all its pupils: see `place_scope`."""
    if not user.is_authenticated or user.school_id is None:
        return sa.false()
    conditions = []
    for role in user.roles:
        if ability not in ROLE_ABILITIES[role]:
            continue
        if role in (Role.SENCO, Role.HEAD):
            conditions.append(Intervention.school_id == user.school_id)
        elif role is Role.TEACHER:
            taught = (
                sa.select(InterventionPupil.intervention_id)
                .join(group_pupils, group_pupils.c.pupil_id == InterventionPupil.pupil_id)
                .join(group_teachers, group_teachers.c.group_id == group_pupils.c.group_id)
                .where(group_teachers.c.user_id == user.id)
            )
            conditions.append(
                sa.and_(
                    Intervention.school_id == user.school_id,
                    sa.or_(
                        Intervention.id.in_(taught),
                        Intervention.delivered_by_id == user.id,
                        Intervention.created_by_id == user.id,
                    ),
                )
            )
        elif role is Role.SUPPORT_ASSISTANT:
            conditions.append(_delivered_by(user, role))
    return sa.or_(*conditions) if conditions else sa.false()


def get_intervention(user: User, intervention_id: int, ability: Ability = Ability.VIEW_SEN) -> Intervention:
    """The intervention if `ability` reaches it for this user, else 404."""
    found = db.session.scalar(
        sa.select(Intervention).where(Intervention.id == intervention_id, intervention_scope(user, ability))
    )
    if found is None:
        abort(404)
    return found


def may_correct_register(user: User, register: InterventionSession) -> bool:
    """Whether the user may correct a register of an intervention they record sessions of: one they
    took, or any with `CORRECT_REGISTERS` (the SENCO). Which marks they change follows `place_scope`."""
    return Ability.RECORD_SESSION in abilities(user) and (
        register.recorded_by_id == user.id or Ability.CORRECT_REGISTERS in abilities(user)
    )


def get_register(
    user: User, intervention_id: int, register_id: int, *, correcting: bool = False
) -> InterventionSession:
    """A register of the intervention, if the user reaches the intervention (to read it), or may
    correct the register (`may_correct_register`), else 404."""
    ability = Ability.RECORD_SESSION if correcting else Ability.VIEW_SEN
    found = db.session.scalar(
        sa.select(InterventionSession)
        .join(Intervention, Intervention.id == InterventionSession.intervention_id)
        .where(
            InterventionSession.id == register_id,
            Intervention.id == intervention_id,
            intervention_scope(user, ability),
        )
    )
    if found is None or (correcting and not may_correct_register(user, found)):
        abort(404)
    return found


# --- Tasks -----------------------------------------------------------------------------------------

# Who sees and reassigns everyone's tasks at their school.
TASK_OVERSEERS = frozenset({Role.SENCO, Role.HEAD})

# What each duty's task asks of whoever does it, as the ability that must reach the task's pupil;
# any other duty about a pupil asks that the pupil's SEN record be open to them.
TASK_ABILITIES: dict[str, Ability] = {
    "teacher_meets_parents": Ability.RECORD_PARENT_MEETING,
    "teacher_acknowledges_passport": Ability.READ_PASSPORT,
    "senco_holds_review": Ability.MANAGE_CYCLE,
    "senco_decides_concern": Ability.MANAGE_CYCLE,
    "senco_tells_parents": Ability.MANAGE_CYCLE,
    "senco_keeps_records_current": Ability.MANAGE_CYCLE,
    # EHC work: the school's steps and the authority's (issue 15).
    "senco_convenes_ehc_review": Ability.RECORD_EHC_SCHOOL,
    "senco_holds_ehc_review": Ability.RECORD_EHC_SCHOOL,
    "senco_sends_ehc_review_report": Ability.RECORD_EHC_SCHOOL,
    "senco_adds_ehc_plan": Ability.RECORD_EHC_SCHOOL,
    "la_decides_assessment": Ability.RECORD_EHC_LA,
    "la_receives_advice": Ability.RECORD_EHC_LA,
    "la_decides_plan": Ability.RECORD_EHC_LA,
    "la_issues_final_plan": Ability.RECORD_EHC_LA,
    "la_decides_ehc_review": Ability.RECORD_EHC_LA,
    "la_finalises_amended_plan": Ability.RECORD_EHC_LA,
    "senco_sends_sen_file": Ability.EXPORT_CTF,  # a leaver's CTF and transfer pack
    "senco_answers_subject_access": Ability.MANAGE_SUBJECT_ACCESS,
}


def may_oversee_tasks(user: User) -> bool:
    """Whether the user sees and reassigns everyone's tasks at their school (and the school's
    email log)."""
    return user.is_authenticated and user.school_id is not None and not user.roles.isdisjoint(TASK_OVERSEERS)


def may_see_task(user: User, task: Task) -> bool:
    """A task is its assignee's, and open to whoever oversees the tasks of its school."""
    return task.assigned_to_id == user.id or (may_oversee_tasks(user) and task.school_id == user.school_id)


def task_ability(task: Task) -> Ability:
    return TASK_ABILITIES.get(task.duty.code, Ability.VIEW_SEN)


def task_assignees(task: Task) -> list[User]:
    """The people a task may be given to, by name: active members of the task's school (and, for
    the authority's duties, the officers of its local authority) whose abilities reach the task's
    pupil for what the task asks (`TASK_ABILITIES`); for an intervention's task, those who may
    record its sessions and impact; for a task about no pupil otherwise, those who hold the role
    the duty is for. Two queries and one for the roles, whatever the number of staff."""
    where = User.school_id == task.school_id
    if task.for_role is Role.LA_OFFICER:  # the authority's duty: its officers too
        authority = sa.select(School.local_authority_id).where(School.id == task.school_id).scalar_subquery()
        where = sa.or_(where, sa.and_(User.school_id.is_(None), User.local_authority_id == authority))
    people = db.session.scalars(sa.select(User).where(User.active, where).order_by(User.full_name, User.id)).all()
    if task.pupil_id is None and task.subject_type == "intervention":
        # An intervention's impact: whoever may record sessions and impact on that intervention.
        able = [person for person in people if Ability.RECORD_SESSION in abilities(person)]
        if not able:
            return []
        row = db.session.execute(
            sa.select(
                *(sa.case((intervention_scope(person, Ability.RECORD_SESSION), 1), else_=0) for person in able)
            ).where(Intervention.id == task.subject_id)
        ).first()
        return [person for person, reached in zip(able, row or (), strict=False) if reached]
    if task.pupil_id is None:
        return [person for person in people if task.for_role in person.roles]
    ability = task_ability(task)
    able = [person for person in people if ability in abilities(person)]
    if not able:
        return []
    row = db.session.execute(
        sa.select(*(sa.case((_scope(person, ability), 1), else_=0) for person in able)).where(Pupil.id == task.pupil_id)
    ).first()
    return [person for person, reached in zip(able, row or (), strict=False) if reached]


def may_be_given_task(person: User | None, task: Task) -> bool:
    """Whether `task` may be given to `person` (see `task_assignees`)."""
    return person is not None and any(p.id == person.id for p in task_assignees(task))


# --- The home page --------------------------------------------------------------------------------

# The sections of the home page, by the roles that open them.
HOME_SECTIONS: dict[str, frozenset[Role]] = {
    "delivers": frozenset({Role.TEACHER, Role.SUPPORT_ASSISTANT}),  # interventions delivered, passports
    "oversight": frozenset({Role.SENCO, Role.HEAD}),  # reviews, concerns, letters, engagement
    "classes": frozenset({Role.TEACHER}),  # the teacher's classes
    "impact_missing": frozenset({Role.SENCO}),  # interventions ended without impact
    "exchange": frozenset({Role.SENCO}),  # SEN differences from imports, transfers to confirm
    "school": frozenset({Role.ADMIN, Role.HEAD}),  # the school's counts and staff links
    "figures_only": frozenset({Role.GOVERNOR, Role.LA_OFFICER}),  # says that figures name no pupil
    "retention": frozenset({Role.SENCO, Role.HEAD}),  # leavers' records due for destruction
}


def home_sections(user: User) -> frozenset[str]:
    """The sections of the home page the user's roles open (`HOME_SECTIONS`)."""
    if not user.is_authenticated:
        return frozenset()
    return frozenset(name for name, roles in HOME_SECTIONS.items() if not user.roles.isdisjoint(roles))


# --- What pages show, by role ---------------------------------------------------------------------

# Wording and columns of pages that differ by role, given to every template as `user_sees`.
PAGE_FLAGS: dict[str, frozenset[Role]] = {
    "several_schools": frozenset({Role.LA_OFFICER}),  # pupils of several schools: lists name the school
    "every_intervention": frozenset(
        {Role.SENCO, Role.HEAD, Role.TEACHER}
    ),  # a pupil's interventions, not only one's own
}


def page_flags(user: User) -> frozenset[str]:
    """The `PAGE_FLAGS` the user's roles set."""
    if not user.is_authenticated:
        return frozenset()
    return frozenset(name for name, roles in PAGE_FLAGS.items() if not user.roles.isdisjoint(roles))


# The roles whose holders may deliver an intervention, and so reach its pupils on its pages.
DELIVERING_ROLES = frozenset({Role.TEACHER, Role.SUPPORT_ASSISTANT, Role.SENCO})
# Who may be named a class's teacher (a classes CSV names them): support assistants deliver
# interventions, not classes.
CLASS_TEACHING_ROLES = frozenset({Role.TEACHER, Role.SENCO, Role.HEAD})


def may_teach_classes(member: User) -> bool:
    """Whether `member` may be named a teacher of a class (`CLASS_TEACHING_ROLES`)."""
    return not member.roles.isdisjoint(CLASS_TEACHING_ROLES)


def school_staff(school_id: int) -> sa.Select:
    """The members of staff of the school, with their roles loaded (for `may_teach_classes`)."""
    return sa.select(User).where(User.school_id == school_id).options(selectinload(User.role_assignments))


def place_scope(user: User, ability: Ability = Ability.VIEW_SEN) -> sa.ColumnElement[bool]:
    """The places (InterventionPupil rows, in a query joined to their Pupil and Intervention) whose
    pupil the user reaches with `ability` on that intervention's pages: its register, impact,
    entry and exit scores and the plan outcome it serves.

    A pupil in the user's own scope, on every intervention; and whoever delivers an intervention
    reaches all its pupils, for that intervention only (an assistant while their access to it
    lasts). The pupil's other records stay outside their scope. A pupil reached by neither is
    counted on the intervention's pages, never named, shown or written.

    Writing a place follows the same reach, not the roll: a register of a day before a pupil left
    and the impact of one who took part to the end are kept by the workflow's own date rules."""
    if not user.is_authenticated or user.school_id is None:
        return sa.false()
    conditions = []
    for role in user.roles:
        if ability not in ROLE_ABILITIES[role]:
            continue
        conditions.append(_role_condition(user, role))
        if role in DELIVERING_ROLES:
            conditions.append(sa.and_(_delivered_by(user, role), Pupil.school_id == Intervention.school_id))
    if not conditions:
        return sa.false()
    return sa.and_(Intervention.school_id == user.school_id, sa.or_(*conditions))


def intervention_pupil_ids(
    user: User, intervention: Intervention, ability: Ability = Ability.VIEW_SEN
) -> frozenset[int]:
    """The ids of the pupils of `intervention` whom `ability` reaches for the user on its pages
    (`place_scope`): the others are counted, never named, shown or written. One query."""
    if ability not in abilities(user):
        return frozenset()
    return frozenset(
        db.session.scalars(
            sa.select(InterventionPupil.pupil_id)
            .join(Pupil, Pupil.id == InterventionPupil.pupil_id)
            .join(Intervention, Intervention.id == InterventionPupil.intervention_id)
            .where(InterventionPupil.intervention_id == intervention.id, place_scope(user, ability))
        )
    )


def delivered_interventions(user: User) -> sa.ColumnElement[bool]:
    """The interventions the user delivers and still reaches by delivering them (`_delivered_by`)."""
    if not user.is_authenticated or user.school_id is None:
        return sa.false()
    conditions = [_delivered_by(user, role) for role in user.roles if role in DELIVERING_ROLES]
    return sa.or_(*conditions) if conditions else sa.false()


def own_interventions(user: User) -> sa.ColumnElement[bool]:
    """The interventions a home page calls the user's own: those they deliver (an assistant's
    while their access lasts), and for a class teacher those with a pupil they teach (the teacher
    stays responsible)."""
    if not user.is_authenticated or user.school_id is None:
        return sa.false()
    conditions = [delivered_interventions(user)]
    if Role.TEACHER in user.roles:
        taught = (
            sa.select(InterventionPupil.intervention_id)
            .join(group_pupils, group_pupils.c.pupil_id == InterventionPupil.pupil_id)
            .join(group_teachers, group_teachers.c.group_id == group_pupils.c.group_id)
            .where(group_teachers.c.user_id == user.id)
        )
        conditions.append(sa.and_(Intervention.school_id == user.school_id, Intervention.id.in_(taught)))
    return sa.or_(*conditions) if conditions else sa.false()


def may_deliver(user: User) -> bool:
    """Whether the user may be chosen to deliver an intervention (`DELIVERING_ROLES`)."""
    return not user.roles.isdisjoint(DELIVERING_ROLES)


def teaches_classes(user: User) -> bool:
    """Whether the user is a class teacher, whose home page follows the pupils of their classes."""
    return user.is_authenticated and Role.TEACHER in user.roles


def may_see_authority_figures(user: User) -> bool:
    """Whether the user sees the side-by-side figures of their local authority's schools."""
    return user.is_authenticated and Role.LA_OFFICER in user.roles and user.local_authority_id is not None


def holds_only(user_id, role: Role) -> sa.ColumnElement[bool]:
    """SQL: the user whose id is `user_id` (a column) holds no role but `role`, so that what they
    reach is that role's reach alone (a support assistant's end with their interventions; a class
    teacher's with their classes)."""
    return ~sa.exists().where(RoleAssignment.user_id == user_id, RoleAssignment.role != role)


def may_see_addresses(user: User) -> bool:
    """Whether the user may see parents' and carers' home addresses: every role that reads
    pupils' contacts but a support assistant's (who may hold another role that does)."""
    return any(Ability.VIEW_PUPILS in ROLE_ABILITIES[role] for role in user.roles if role is not Role.SUPPORT_ASSISTANT)


def role_holders(school_id: int, role: Role, *, besides: int | None = None) -> sa.Select:
    """The ids of the school's active staff who hold `role`, other than `besides`: whom a notice
    for that role goes to."""
    return (
        sa.select(User.id)
        .join(RoleAssignment, RoleAssignment.user_id == User.id)
        .where(User.school_id == school_id, User.active, RoleAssignment.role == role, User.id != (besides or 0))
        .distinct()
    )


# --- EHC work ----------------------------------------------------------------------------------------


def get_ehc_record(
    user: User, model: type[T], record_id: int, ability: Ability | tuple[Ability, ...] = Ability.VIEW_SEN
) -> T:
    """An EHC request, plan or document (anything with a `pupil_id`) whose pupil `ability` (or, for
    a step either side may record, any of a tuple of abilities) reaches for this user, else 404.
    The pupil is audited as shown, like any page about them; it comes with the record, from the
    join that checks its reach."""
    abilities = ability if isinstance(ability, tuple) else (ability,)
    reach = sa.or_(*(_scope(user, one) for one in abilities))
    record = db.session.scalar(
        sa.select(model)
        .join(Pupil, Pupil.id == model.pupil_id)
        .where(model.id == record_id, reach)
        .options(contains_eager(model.pupil))
    )
    if record is None:
        abort(404)
    audit.note_loaded(record.pupil)
    return record


def get_ehc_review(user: User, review_id: int, ability: Ability = Ability.VIEW_SEN) -> EhcReview:
    """An annual or interim review of an EHC plan whose pupil `ability` reaches, else 404."""
    review = db.session.scalar(
        sa.select(EhcReview)
        .join(EhcPlan, EhcPlan.id == EhcReview.plan_id)
        .join(Pupil, Pupil.id == EhcPlan.pupil_id)
        .where(EhcReview.id == review_id, _scope(user, ability))
    )
    if review is None:
        abort(404)
    audit.note_loaded(review.plan.pupil)
    return review


def transfers_to_decide(user: User) -> sa.ColumnElement[bool]:
    """SQL, on PupilTransfer: the transfers the user decides, those of a record of a pupil their
    ability to confirm transfers reaches (of their own school, left or not)."""
    return PupilTransfer.from_pupil_id.in_(sa.select(Pupil.id).where(_scope(user, Ability.CONFIRM_TRANSFER)))


def transfers_asked(user: User) -> sa.ColumnElement[bool]:
    """SQL, on PupilTransfer: the transfers the user's school asked for (it sees their status)."""
    if not can(user, Ability.CONFIRM_TRANSFER) or user.school_id is None:
        return sa.false()
    return PupilTransfer.to_school_id == user.school_id


def get_transfer(user: User, transfer_id: int) -> PupilTransfer:
    """A transfer the user decides (`transfers_to_decide`), else 404. Its pupil is audited as shown."""
    transfer = db.session.scalar(
        sa.select(PupilTransfer).where(PupilTransfer.id == transfer_id, transfers_to_decide(user))
    )
    if transfer is None:
        abort(404)
    audit.note_loaded(transfer.from_pupil)
    return transfer


def may_see_ehc_caseload(user: User) -> bool:
    """Whether the user sees the authority's EHC requests, plans and reviews across its schools."""
    return can(user, Ability.VIEW_EHC_CASELOAD) and user.local_authority_id is not None


def ehc_plan_recorder(user: User) -> Ability | None:
    """The ability by which the user records an EHC plan already issued for a pupil (`ehc.new_plan`):
    the authority's (an LA officer), else the school's (the SENCO, for a pupil on "E" without a
    plan record); None for anyone else."""
    for ability in (Ability.RECORD_EHC_LA, Ability.RECORD_EHC_SCHOOL):
        if can(user, ability):
            return ability
    return None


# --- Imports from the school's MIS ---------------------------------------------------------------


def get_import_batch(user: User, batch_id: int) -> ImportBatch:
    """An import of the user's own school, for someone who imports the roll (Ability.IMPORT_ROLL);
    another school's, or one that does not exist, is not found."""
    batch = db.session.scalar(
        sa.select(ImportBatch).where(ImportBatch.id == batch_id, ImportBatch.school_id == user.school_id)
    )
    if batch is None or not can(user, Ability.IMPORT_ROLL):
        abort(404)
    return batch


def sees_imported_sen(user: User) -> bool:
    """Whether an import's preview shows what its SEN differences are (the SENCO's), rather than
    only how many there are (an administrator's: no SEN detail)."""
    return can(user, Ability.VIEW_SEN)


def get_sen_difference(user: User, difference_id: int) -> SenDifference:
    """An imported SEN history that differs, of a pupil the user reconciles (Ability.RECONCILE_SEN),
    else 404. The pupil is audited as shown."""
    difference = db.session.scalar(
        sa.select(SenDifference)
        .join(Pupil, Pupil.id == SenDifference.pupil_id)
        .where(SenDifference.id == difference_id, _scope(user, Ability.RECONCILE_SEN))
    )
    if difference is None:
        abort(404)
    audit.note_loaded(difference.pupil)
    return difference


# --- Notifications ---------------------------------------------------------------------------------


def pupils_in_reach(user: User, pupil_ids: set[int]) -> set[int]:
    """Those of `pupil_ids` whose record the user may read today (one query): a notification's
    title names only these pupils; any other is "a pupil"."""
    if not pupil_ids:
        return set()
    return set(db.session.scalars(sa.select(Pupil.id).where(Pupil.id.in_(sorted(pupil_ids)), pupil_scope(user))))


def may_open_notice_link(user: User, path: str, *, pupil_id: int | None = None) -> bool:
    """Whether the place a notification leads to is still open to the user, checked when the link
    is followed: a path of the app whose pupil (named by its public id, or `pupil_id`, the pupil
    of the notification's task) is within the user's reach today. A pupil who has left their
    classes, or a path that is no page of the app, is not: the notification leaks nothing of them."""
    try:
        _, args = current_app.url_map.bind("localhost").match(path, method="GET")
    except HTTPException:  # no page of the app, or one that redirects elsewhere
        return False
    public_id = args.get("public_id")
    if public_id is not None:
        found = db.session.scalar(sa.select(Pupil.id).where(Pupil.public_id == public_id))
        if found is None or (pupil_id is not None and found != pupil_id):
            return False
        pupil_id = found
    return pupil_id is None or bool(pupils_in_reach(user, {pupil_id}))


# --- The authority's schools and the school's SEN information report ---------------------------------


def get_authority_school(user: User, school_id: int) -> School:
    """A school of the LA officer's authority, whose figures page they open from the schools side by
    side: 403 for anyone who is not an LA officer (the page is never theirs); a school outside the
    officer's authority, or none, is not found (404)."""
    if not may_see_authority_figures(user):
        abort(403)
    school = db.session.scalar(
        sa.select(School).where(School.id == school_id, School.local_authority_id == user.local_authority_id)
    )
    if school is None:
        abort(404)
    return school


def may_read_report_drafts(user: User) -> bool:
    """Whether the user reads the school's SEN information report while it is a draft (the SENCO who
    writes it and the head teacher); governors read it once published."""
    return can(user, Ability.READ_SEN_REPORT_DRAFTS)


def may_draft_report(user: User) -> bool:
    """Whether the user drafts, edits and publishes the school's SEN information report (the SENCO)."""
    return can(user, Ability.DRAFT_SEN_REPORT) and user.school_id is not None


# --- Second factors of sign-in ------------------------------------------------------------------

# The roles that open many records (every pupil of a school, or of an authority's EHC work, or
# every account of a school): they sign in with a second factor wherever the authority requires it.
SECOND_FACTOR_ROLES = frozenset({Role.SENCO, Role.HEAD, Role.ADMIN, Role.LA_OFFICER})


def _authority_of(user: User):
    if user.school is not None:
        return user.school.local_authority
    return user.local_authority


def second_factor_required(user: User) -> bool:
    """Whether `user` must sign in with a second factor: the SENCO, the head teacher, an
    administrator and an LA officer, and everyone at a school that requires it of all its staff;
    nobody while their authority has switched the requirement off (the demo authority does)."""
    authority = _authority_of(user)
    if authority is not None and not authority.second_factor_required:
        return False
    if user.has_role(*SECOND_FACTOR_ROLES):
        return True
    return user.school is not None and user.school.second_factor_for_all


def may_set_second_factor_rule(user: User) -> bool:
    """Whether `user` may open the school's requirement of a second factor for all its staff: the
    SENCO (who may switch it on) and the head teacher (who may also switch it off)."""
    return user.has_role(Role.SENCO, Role.HEAD) and user.school_id is not None


def may_switch_second_factor_off(user: User) -> bool:
    """Whether `user` may switch off the school's requirement of a second factor for all its
    staff: only the head teacher (the SENCO may switch it on)."""
    return user.has_role(Role.HEAD) and user.school_id is not None


def may_reset_second_factor(user: User, member: User) -> bool:
    """Whether `user` may reset `member`'s second factor (when it is lost): the head teacher
    anyone's at their school but their own, the SENCO the head teacher's, and an LA officer
    another officer's of the same authority. Nobody resets their own: they use a recovery code."""
    if user.id == member.id or not member.active:
        return False
    if member.has_role(Role.LA_OFFICER):
        return (
            user.has_role(Role.LA_OFFICER)
            and user.local_authority_id is not None
            and user.local_authority_id == member.local_authority_id
        )
    if user.school_id is None or member.school_id != user.school_id:
        return False
    if user.has_role(Role.HEAD):
        return True
    return user.has_role(Role.SENCO) and member.has_role(Role.HEAD)


def may_reset_colleagues(user: User) -> bool:
    """Whether `user` holds a role that resets other people's second factors (the page listing them)."""
    return user.has_role(Role.HEAD, Role.SENCO, Role.LA_OFFICER)


def second_factor_colleagues(user: User) -> sa.Select:
    """The active people whose second factor `user` might reset, before `may_reset_second_factor`
    decides each: their school's staff, or their authority's officers."""
    if not may_reset_colleagues(user):
        return sa.select(User).where(sa.false())
    conditions = []
    if user.school_id is not None:
        conditions.append(User.school_id == user.school_id)
    if user.has_role(Role.LA_OFFICER) and user.local_authority_id is not None:
        officers = sa.select(RoleAssignment.user_id).where(RoleAssignment.role == Role.LA_OFFICER)
        conditions.append(sa.and_(User.local_authority_id == user.local_authority_id, User.id.in_(officers)))
    return (
        sa.select(User)
        .where(sa.or_(*conditions) if conditions else sa.false(), User.active, User.id != user.id)
        .order_by(User.full_name)
    )


def get_resettable_member(user: User, member_id: int) -> User:
    """The person whose second factor `user` resets, else 404 (403 for a role that resets none)."""
    if not may_reset_colleagues(user):
        abort(403)
    member = db.session.scalar(second_factor_colleagues(user).where(User.id == member_id))
    if member is None or not may_reset_second_factor(user, member):
        abort(404)
    return member


# --- Security keys and passkeys (WebAuthn) ------------------------------------------------------


def get_security_key(user: User, key_id: int) -> WebAuthnCredential:
    """One of the user's own security keys or passkeys: anyone else's is Not Found, as is a key
    that does not exist. Everyone manages their own keys and nobody else's (a lost key is removed
    by resetting the person's second factor)."""
    key = db.session.scalar(
        sa.select(WebAuthnCredential).where(WebAuthnCredential.id == key_id, WebAuthnCredential.user_id == user.id)
    )
    if key is None:
        abort(404)
    return key


# --- Subject access --------------------------------------------------------------------------------


def subject_access_scope(user: User) -> sa.ColumnElement[bool]:
    """SQL, on SubjectAccessRequest: the requests about pupils the user's ability to manage
    requests reaches (the SENCO's and head teacher's school, its leavers too)."""
    return SubjectAccessRequest.pupil_id.in_(sa.select(Pupil.id).where(_scope(user, Ability.MANAGE_SUBJECT_ACCESS)))


def get_access_request(user: User, request_id: int) -> SubjectAccessRequest:
    """A request for a pupil's data whose pupil the user's ability to manage requests reaches,
    else 404. The pupil is audited as shown, like any page about them."""
    request = db.session.scalar(
        sa.select(SubjectAccessRequest)
        .where(SubjectAccessRequest.id == request_id, subject_access_scope(user))
        .options(joinedload(SubjectAccessRequest.pupil).joinedload(Pupil.school))
    )
    if request is None:
        abort(404)
    audit.note_loaded(request.pupil)
    return request
