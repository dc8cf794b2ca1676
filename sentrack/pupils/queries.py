"""The pupils' page queries: the list (search, filter, sort and page, all in SQL and always inside
the user's scope), the list of leavers, the pupil's record and its audit trail."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session, joinedload, selectinload

from sentrack import access, audit
from sentrack.access import Ability
from sentrack.forms import bounded_int, page_count
from sentrack.interventions.queries import PupilInterventionRow, pupil_interventions
from sentrack.models import (
    AssessmentDecision,
    Concern,
    Contact,
    EhcPlan,
    EhcRequest,
    NeedType,
    ParentLetter,
    ParentMeeting,
    PlanDecision,
    Provision,
    Pupil,
    School,
    SenStatus,
    SupportCycle,
    TimelineEvent,
    User,
    group_pupils,
)
from sentrack.workflows.ehc_clocks import next_statutory_date
from sentrack.workflows.ehc_register import is_request_in_progress, plan_in_force
from sentrack.workflows.ehc_schedule import review_schedule
from sentrack.workflows.engagement import PupilEngagement, engagement_for_pupil
from sentrack.workflows.meetings import pupil_meetings
from sentrack.workflows.recipients import copies_for
from sentrack.workflows.register import is_on_roll, on_roll
from sentrack.workflows.retention import retention_dates
from sentrack.workflows.upn import normalise

SORTS = {
    "name": (Pupil.last_name, Pupil.first_name, Pupil.id),
    "year": (Pupil.year_group, Pupil.last_name, Pupil.first_name, Pupil.id),
}


def _enum_arg(args: Mapping[str, str], name: str, enum):
    try:
        return enum(args[name]) if args.get(name) else None
    except ValueError:
        return None


@dataclass(frozen=True)
class PupilFilters:
    q: str | None = None
    year: int | None = None
    group: int | None = None
    provision: Provision | None = None
    need: NeedType | None = None
    sort: str = "name"
    descending: bool = False

    @classmethod
    def from_args(cls, args: Mapping[str, str], *, q: str | None, sen: bool) -> PupilFilters:
        """The filters in the list's URL (`args`), with the search kept for the session (`q`); an
        argument that names nothing is no filter, and the SEN filters only apply for `sen`."""
        sort = args.get("sort", "name")
        return cls(
            q=q,
            year=bounded_int(args.get("year", "")),
            group=bounded_int(args.get("group", "")),
            provision=_enum_arg(args, "provision", Provision) if sen else None,
            need=_enum_arg(args, "need", NeedType) if sen else None,
            sort=sort if sort in ("name", "year", "provision") else "name",
            descending=args.get("order") == "desc",
        )


@dataclass(frozen=True)
class PupilRow:
    pupil: Pupil
    sen_visible: bool
    provision: Provision | None
    primary_need: NeedType | None


@dataclass(frozen=True)
class PupilPage:
    rows: list[PupilRow]
    total: int
    page: int
    pages: int
    per_page: int


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _name_or_upn(q: str) -> sa.ColumnElement[bool]:
    upn = normalise(q)
    pattern = f"%{_escape_like(q.lower())}%"
    full_name = sa.func.lower(Pupil.first_name + " " + Pupil.last_name)
    preferred = sa.func.lower(sa.func.coalesce(Pupil.preferred_name, "") + " " + Pupil.last_name)
    return sa.or_(full_name.like(pattern, escape="\\"), preferred.like(pattern, escape="\\"), Pupil.upn == upn)


def _conditions(user: User, filters: PupilFilters, today: date) -> list[sa.ColumnElement[bool]]:
    # Within the pupils the user may read, the SEN filters ask whether the user may see each one's SEN.
    sen_scope = access.sen_scope_among_readable(user)
    # The pupils on the roll today: a pupil who has left is in the list of leavers instead.
    conditions = [access.pupil_scope(user, listing=True), on_roll(today)]
    if filters.q:
        conditions.append(_name_or_upn(filters.q))
    if filters.year is not None:
        conditions.append(Pupil.year_group == filters.year)
    if filters.group is not None:
        conditions.append(
            Pupil.id.in_(sa.select(group_pupils.c.pupil_id).where(group_pupils.c.group_id == filters.group))
        )
    if filters.provision is not None:
        if filters.provision is Provision.NONE:
            conditions.append(sa.and_(sen_scope, sa.or_(SenStatus.id.is_(None), SenStatus.provision == Provision.NONE)))
        else:
            conditions.append(sa.and_(sen_scope, SenStatus.provision == filters.provision))
    if filters.need is not None:
        conditions.append(
            sa.and_(sen_scope, sa.or_(SenStatus.primary_need == filters.need, SenStatus.secondary_need == filters.need))
        )
    return conditions


def _pupil_order(user: User, filters: PupilFilters) -> list:
    if filters.sort == "provision":
        rank = sa.case(
            (SenStatus.provision == Provision.EHC_PLAN, 0), (SenStatus.provision == Provision.SEN_SUPPORT, 1), else_=2
        )
        # Provision is only a sort key where it is visible, so the order reveals nothing more.
        order = [
            sa.case((access.sen_scope_among_readable(user), rank), else_=3),
            Pupil.last_name,
            Pupil.first_name,
            Pupil.id,
        ]
    else:
        order = list(SORTS.get(filters.sort, SORTS["name"]))
    if filters.descending:
        order = [order[0].desc(), *order[1:]]
    return order


def _open_status() -> sa.ColumnElement[bool]:
    return sa.and_(SenStatus.pupil_id == Pupil.id, SenStatus.end_date.is_(None))


def _pupils_found(filters: PupilFilters, conditions: list[sa.ColumnElement[bool]]) -> sa.Select:
    """The pupils the conditions find, as their ids: the SEN status (at most one open for each
    pupil) is joined only where a filter or the order asks about it."""
    found = sa.select(Pupil.id).select_from(Pupil)
    if filters.provision is not None or filters.need is not None or filters.sort == "provision":
        found = found.outerjoin(SenStatus, _open_status())
    return found.where(*conditions)


def _page_of(found: sa.Select, order: list, *, page: int, per_page: int) -> sa.Subquery:
    """The ids of one page of the pupils found, in the list's order, each with the number found
    in all (a window over the ids alone, before the page is cut)."""
    return (
        found.add_columns(sa.func.count().over().label("total"))
        .order_by(*order)
        .limit(per_page)
        .offset((page - 1) * per_page)
        .subquery("listed")
    )


def pupil_page(
    session: Session, user: User, filters: PupilFilters, *, page: int, per_page: int, today: date
) -> PupilPage:
    """One page of the pupils on the roll today that the user may see, with SEN provision where
    the user may see it. The page's rows and the number of pupils in all come from one statement:
    the scope and the filters are worked out once, over the pupils' ids and the order's columns
    (the count is a window over them), and only the page's pupils are then read in full. Only a
    page past the last asks again, for the last page."""
    found = _pupils_found(filters, _conditions(user, filters, today))
    order = _pupil_order(user, filters)
    sen_visible = sa.case((access.sen_scope_among_readable(user), sa.true()), else_=sa.false())

    def read(page: int) -> list:
        listed = _page_of(found, order, page=page, per_page=per_page)
        return session.execute(
            sa.select(Pupil, sen_visible, SenStatus.provision, SenStatus.primary_need, listed.c.total)
            .join(listed, listed.c.id == Pupil.id)
            .outerjoin(SenStatus, _open_status())
            .options(selectinload(Pupil.groups), selectinload(Pupil.school))
            .order_by(*order)
        ).all()

    page = max(1, page)
    rows = read(page)
    if not rows and page > 1:
        total = session.scalar(sa.select(sa.func.count()).select_from(found.subquery()))
        page = page_count(total or 0, per_page)
        rows = read(page)
    total = rows[0][-1] if rows else 0
    return PupilPage(
        rows=[
            PupilRow(
                pupil=pupil,
                sen_visible=bool(visible),
                provision=(provision or Provision.NONE) if visible else None,
                primary_need=need if visible else None,
            )
            for pupil, visible, provision, need, _ in rows
        ],
        total=total,
        page=page,
        pages=page_count(total, per_page),
        per_page=per_page,
    )


@dataclass(frozen=True)
class LeaverPage:
    pupils: list[Pupil]
    total: int
    page: int
    pages: int
    per_page: int
    kept_until: dict[int, date]  # pupil id -> the last day their records are kept


def leaver_page(session: Session, user: User, q: str | None, *, page: int, per_page: int, today: date) -> LeaverPage:
    """One page of the pupils of the user's reach who have left the roll by `today` (no longer on
    it, and admitted before they left), the latest leavers first."""
    conditions = [
        access.scope_for(user, access.Ability.VIEW_LEAVERS),
        Pupil.left_on.is_not(None),
        sa.not_(on_roll(today)),
    ]
    if q:
        conditions.append(_name_or_upn(q))
    total = session.scalar(sa.select(sa.func.count(Pupil.id)).where(*conditions)) or 0
    pages = page_count(total, per_page)
    page = min(max(1, page), pages)
    pupils = session.scalars(
        sa.select(Pupil)
        .where(*conditions)
        .order_by(Pupil.left_on.desc(), Pupil.last_name, Pupil.first_name, Pupil.id)
        .limit(per_page)
        .offset((page - 1) * per_page)
    ).all()
    return LeaverPage(
        pupils=list(pupils),
        total=total,
        page=page,
        pages=pages,
        per_page=per_page,
        kept_until=retention_dates(session, pupils),
    )


def destination_choices(session: Session, pupil: Pupil) -> list[tuple[int, str]]:
    """The schools of this SEN Track a pupil may move to (every one but their own, of any
    authority), by name, as the choices of the leaving form: id, name with URN."""
    schools = session.execute(
        sa.select(School.id, School.name, School.urn)
        .where(School.id != pupil.school_id)
        .order_by(School.name, School.urn)
    )
    return [(school_id, f"{name} (URN {urn})") for school_id, name, urn in schools]


def load_staff(session: Session, user_ids) -> list[User]:
    """The users with these ids, in one query, so that a page's links to them (who recorded, led or
    delivered something) find them in the session instead of loading them one by one. The pages
    show their names, not their roles: those are left to load if something asks for them. Keep
    the list while the page renders: the session holds loaded objects only as long as something
    refers to them."""
    wanted = {user_id for user_id in user_ids if user_id is not None}
    if not wanted:
        return []
    return list(session.scalars(sa.select(User).where(User.id.in_(wanted)).options(User.named_only())))


def group_choices(session: Session, user: User) -> list[tuple[int, str]]:
    """The classes of the user's school, as (id, name)."""
    return [(group.id, group.name) for group in session.scalars(access.school_groups(user))]


def find_contact(session: Session, pupil: Pupil, contact_id: int) -> Contact | None:
    """The pupil's contact with this id, or None when the pupil has no such contact."""
    return session.scalar(sa.select(Contact).where(Contact.id == contact_id, Contact.pupil_id == pupil.id))


@dataclass(frozen=True)
class SenRecord:
    """The SEN parts of a pupil's record, for a user who may see them."""

    statuses: list[SenStatus]
    concerns: list[Concern]
    cycles: list[SupportCycle]
    letters: list[ParentLetter]
    events: list[TimelineEvent]
    engagement: PupilEngagement | None
    meetings: list[ParentMeeting]
    planned_meetings: list[ParentMeeting]
    interventions: list[PupilInterventionRow]
    ehc: EhcSection | None

    def staff_ids(self) -> list[int | None]:
        """Everyone these parts name: who recorded, raised, led or delivered what."""
        meetings = self.meetings + self.planned_meetings
        return (
            [s.recorded_by_id for s in self.statuses]
            + [c.raised_by_id for c in self.concerns]
            + [e.actor_id for e in self.events]
            + [m.led_by_id for m in meetings]
            + [m.recorded_by_id for m in meetings]
            + [row.place.intervention.delivered_by_id for row in self.interventions]
        )


NO_SEN_RECORD = SenRecord([], [], [], [], [], None, [], [], [], None)


@dataclass(frozen=True)
class EhcRequestLine:
    request: EhcRequest
    status: str
    next_date: date | None  # the next statutory date, while the request is in progress


@dataclass(frozen=True)
class EhcSection:
    """The pupil's EHC work on their record: requests, the plan in force and its next review."""

    requests: list[EhcRequestLine]
    plan: EhcPlan | None
    next_review_on: date | None

    @property
    def empty(self) -> bool:
        return not self.requests and self.plan is None


def ehc_request_status(request: EhcRequest) -> str:
    """Where a needs assessment request stands, in words."""
    if request.withdrawn_on is not None:
        return "Withdrawn"
    if request.final_issued_on is not None:
        return "Final plan issued"
    if request.assessment is AssessmentDecision.REFUSED:
        return "Assessment refused"
    if request.plan_decision is PlanDecision.NO_PLAN:
        return "Decided not to issue a plan"
    if request.draft_sent_on is not None:
        return "Draft plan sent"
    if request.plan_decision is PlanDecision.ISSUE:
        return "A plan is to be issued"
    if request.assessment is AssessmentDecision.AGREED:
        return "Being assessed"
    return "Waiting for the decision whether to assess"


def _ehc_section(session: Session, pupil: Pupil, today: date) -> EhcSection:
    """Two statements whatever the pupil's history: the requests (with their advice) beside the
    plan in force (at most one), and the plan's next review from the one schedule."""
    in_force = sa.and_(EhcPlan.pupil_id == Pupil.id, plan_in_force(today))
    rows = (
        session.execute(
            sa.select(EhcRequest, EhcPlan)
            .select_from(Pupil)
            .outerjoin(EhcRequest, EhcRequest.pupil_id == Pupil.id)
            .outerjoin(EhcPlan, in_force)
            .where(Pupil.id == pupil.id)
            .options(joinedload(EhcRequest.advice))  # joined: one statement, with or without requests
            .order_by(EhcRequest.received_on.desc(), EhcRequest.id.desc())
        )
        .unique()
        .all()
    )
    requests = [request for request, _ in rows if request is not None]
    plan = next((plan for _, plan in rows if plan is not None), None)
    due = review_schedule(session, today, EhcPlan.pupil_id == pupil.id)
    return EhcSection(
        requests=[
            EhcRequestLine(r, ehc_request_status(r), next_statutory_date(r) if is_request_in_progress(r) else None)
            for r in requests
        ],
        plan=plan,
        next_review_on=due[0].due_on if due else None,
    )


def _sen_record(session: Session, user: User, pupil: Pupil, today: date) -> SenRecord:
    """Each SEN part of the record in one query, whatever the pupil's history."""
    cycles = session.scalars(
        sa.select(SupportCycle)
        .where(SupportCycle.pupil_id == pupil.id)
        .options(joinedload(SupportCycle.plan), joinedload(SupportCycle.review))
        .order_by(SupportCycle.number.desc())
    ).all()
    letters = session.scalars(
        sa.select(ParentLetter).where(ParentLetter.pupil_id == pupil.id).order_by(ParentLetter.created_on.desc())
    ).all()
    events = session.scalars(
        sa.select(TimelineEvent)
        .where(TimelineEvent.pupil_id == pupil.id)
        .order_by(TimelineEvent.effective_on.desc(), TimelineEvent.id.desc())
        .limit(5)
    ).all()
    engagement = engagement_for_pupil(session, pupil, today)
    meetings, planned = pupil_meetings(session, pupil)
    return SenRecord(
        statuses=list(pupil.sen_statuses),
        concerns=list(pupil.concerns),
        cycles=list(cycles),
        letters=list(letters),
        events=list(events),
        engagement=engagement,
        meetings=meetings,
        planned_meetings=planned,
        interventions=pupil_interventions(session, user, pupil),
        ehc=_ehc_section(session, pupil, today),
    )


# What the record page offers, by the name the template reads: each shown when the ability reaches the pupil.
RECORD_ACTIONS = {
    "may_edit": Ability.EDIT_PUPIL,
    "may_change_status": Ability.CHANGE_SEN_STATUS,
    "may_raise_concern": Ability.RAISE_CONCERN,
    "may_view_audit": Ability.VIEW_AUDIT,
    "may_record_leaving": Ability.RECORD_LEAVING,
    "may_undo_leaving": Ability.UNDO_LEAVING,
    "may_open_cycle": Ability.OPEN_CYCLE,
    "may_manage_cycle": Ability.MANAGE_CYCLE,
    "may_record_meeting": Ability.RECORD_PARENT_MEETING,
    "may_record_ehc_request": Ability.RECORD_EHC_SCHOOL,
    "may_record_ehc_la": Ability.RECORD_EHC_LA,
    "may_export_ctf": Ability.EXPORT_CTF,
    "may_record_destination": Ability.RECORD_DESTINATION,
    "may_record_subject_access": Ability.MANAGE_SUBJECT_ACCESS,
}


@dataclass(frozen=True)
class RecordPage:
    """A pupil's record page: the pupil, what the user may do to them, and the SEN parts where
    the user may see them. `staff` holds the users the page names while it renders."""

    pupil: Pupil
    today: date
    reach: frozenset[Ability]
    may_see_addresses: bool
    sen: SenRecord
    staff: list[User]
    kept_until: date | None  # for a pupil who left, the last day their records are kept

    @property
    def sen_visible(self) -> bool:
        return Ability.VIEW_SEN in self.reach

    def context(self) -> dict[str, Any]:
        """The names the record's template (and the parts it includes) reads."""
        sen = self.sen
        return {
            "pupil": self.pupil,
            "today": self.today,
            "on_roll": is_on_roll(self.pupil, self.today),
            "kept_until": self.kept_until,
            "sen_visible": self.sen_visible,
            "may_see_addresses": self.may_see_addresses,
            **{name: ability in self.reach for name, ability in RECORD_ACTIONS.items()},
            **{name: getattr(sen, name) for name in SenRecord.__dataclass_fields__},
            "current": next((s for s in sen.statuses if s.end_date is None), None),
            "open_cycle": next((c for c in sen.cycles if c.is_open), None),
            "may_add_ehc_plan": bool(self.reach & {Ability.RECORD_EHC_SCHOOL, Ability.RECORD_EHC_LA}),
            # Why a contact is sent no letters or copies of records (sentrack/workflows/recipients.py).
            "left_out": {left.contact.id: left.reason for left in copies_for(self.pupil.contacts).left_out},
        }


def record_page(session: Session, user: User, pupil: Pupil, today: date) -> RecordPage:
    """The pupil's record as the user may see it. Each part is one query whatever the pupil's
    history, and everyone the page names is loaded at once: the links to them then find them in
    the session instead of loading them one by one."""
    reach = access.abilities_on(user, pupil)
    sen = _sen_record(session, user, pupil, today) if Ability.VIEW_SEN in reach else NO_SEN_RECORD
    return RecordPage(
        pupil=pupil,
        today=today,
        reach=reach,
        may_see_addresses=access.may_see_addresses(user),
        sen=sen,
        staff=load_staff(session, sen.staff_ids()),
        kept_until=retention_dates(session, [pupil])[pupil.id] if pupil.left_on is not None else None,
    )


@dataclass(frozen=True)
class AuditRow:
    """One event of a pupil's audit trail, as shown."""

    when: datetime
    who: str
    role_names: str
    what: str
    where: str | None


@dataclass(frozen=True)
class AuditPage:
    rows: list[AuditRow]
    total: int
    page: int
    pages: int


def audit_page(session: Session, pupil: Pupil, *, page: int, per_page: int) -> AuditPage:
    """One page of who did what to the pupil's record, newest first. `page` may lie past the last."""
    events, total = audit.pupil_trail(session, pupil, page=page, per_page=per_page)
    rows = [
        AuditRow(
            when=event.occurred_at,
            # The name the actor had when they acted: a later rename rewrites no history.
            who=event.actor_name or (event.user.full_name if event.user else "No one signed in"),
            role_names=", ".join(sorted(role.label for role in event.user.roles)) if event.user else "",
            what=audit.describe(event),
            where=event.remote_addr,
        )
        for event in events
    ]
    return AuditPage(rows=rows, total=total, page=page, pages=page_count(total, per_page))
