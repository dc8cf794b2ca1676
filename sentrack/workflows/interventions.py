"""Interventions: the school's catalogue, starting an intervention for pupils, the register of
each session, and the impact for each pupil when it ends."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import Session

from sentrack import access, audit
from sentrack.access import Ability, may_change_sen_status, may_deliver
from sentrack.models import (
    CostBasis,
    CycleState,
    Delivery,
    Intervention,
    InterventionPupil,
    InterventionSession,
    InterventionType,
    MeasureType,
    NeedType,
    Notification,
    Outcome,
    Provision,
    Pupil,
    Role,
    School,
    SenStatus,
    SessionAttendance,
    SupportCycle,
    User,
)
from sentrack.models.enums import AreaOfNeed
from sentrack.models.interventions import DEFAULT_IMPACT_SCALE, Wave
from sentrack.workflows import RuleBroken, measures, timeline
from sentrack.workflows.fulfilment import settle_tasks
from sentrack.workflows.measures import MeasureSpec
from sentrack.workflows.register import needs_impact
from sentrack.workflows.registers import (  # noqa: F401 (the register's operations, as callers know them)
    Mark,
    correct_register,
    record_everyone_present,
    record_session,
    register_places,
    writable_register,
)
from sentrack.workflows.revisions import Change, EditConflict, begin_edit, check_version, display, edit, finish_edit
from sentrack.workflows.sen_status import change_sen_status
from sentrack.workflows.timeline import add_event

# --- Catalogue -------------------------------------------------------------------------------------


@dataclass
class TypeDetails:
    name: str
    description: str | None
    area_of_need: AreaOfNeed
    wave: int
    sessions_per_week: int
    minutes_per_session: int
    weeks: int
    cost_basis: CostBasis
    cost_per_session_pence: int | None
    hourly_rate_pence: int | None
    active: bool = True


TYPE_FIELDS = {
    "name": "Name",
    "description": "Description",
    "area_of_need": "Area of need",
    "wave": "Wave",
    "sessions_per_week": "Sessions a week",
    "minutes_per_session": "Minutes a session",
    "weeks": "Weeks",
    "cost_basis": "Cost basis",
    "cost_per_session_pence": "Cost of a session (pence)",
    "hourly_rate_pence": "Hourly rate (pence)",
    "active": "Offered for new interventions",
}
INTERVENTION_FIELDS = {
    "name": "Name",
    "type_name": "Intervention from the catalogue",
    "delivery": "Delivery",
    "delivered_by_name": "Delivered by",
    "weekday_names": "Days",
    "minutes_per_session": "Minutes a session",
    "starts_on": "Start date",
    "ends_on": "End date",
    "measure": "What the scores measure",
    "measure_type": "How the measures are written",
    "measure_min": "Lowest score on the scale",
    "measure_max": "Highest score on the scale",
    "planned_ends_on": "Planned end date, before it ended early",
    "pupil_count": "Number of pupils",
}


def _check_type_name(session: Session, actor: User, details: TypeDetails, existing: InterventionType | None) -> None:
    """The name is needed, and no other entry of the school's catalogue has it (whatever its case)."""
    clash = sa.select(InterventionType.id).where(
        InterventionType.school_id == actor.school_id,
        sa.func.lower(InterventionType.name) == details.name.strip().lower(),
    )
    if existing is not None:
        clash = clash.where(InterventionType.id != existing.id)
    details.name = details.name.strip()
    if not details.name:
        raise RuleBroken("Enter the name of the intervention", field="name")
    if session.scalar(clash) is not None:
        raise RuleBroken("The catalogue already has an intervention with this name", field="name")


def _check_type_numbers(details: TypeDetails) -> None:
    """The wave, sessions a week, minutes and weeks are within their ranges."""
    if details.wave not in (1, 2, 3):
        raise RuleBroken("Choose wave 1, 2 or 3", field="wave")
    if not 1 <= details.sessions_per_week <= 5:
        raise RuleBroken("Sessions a week must be between 1 and 5", field="sessions_per_week")
    if not 5 <= details.minutes_per_session <= 240:
        raise RuleBroken("Minutes a session must be between 5 and 240", field="minutes_per_session")
    if not 1 <= details.weeks <= 52:
        raise RuleBroken("The number of weeks must be between 1 and 52", field="weeks")


def _settle_type_cost(details: TypeDetails) -> None:
    """The cost of the chosen basis is needed; the other is cleared."""
    if details.cost_basis is CostBasis.PER_SESSION:
        if details.cost_per_session_pence is None or details.cost_per_session_pence < 0:
            raise RuleBroken("Enter the cost of a session, for example 12.50", field="cost_per_session")
        details.hourly_rate_pence = None
    else:
        if details.hourly_rate_pence is None or details.hourly_rate_pence < 0:
            raise RuleBroken(
                "Enter the hourly rate of the staff who deliver it, for example 18.20", field="hourly_rate"
            )
        details.cost_per_session_pence = None


def save_intervention_type(
    session: Session,
    *,
    actor: User,
    existing: InterventionType | None = None,
    details: TypeDetails,
    expected_version: int | None = None,
) -> InterventionType:
    """Add or change a catalogue entry. Refused for a duplicate name, a missing cost, or numbers
    out of range; EditConflict when someone else saved the entry after `expected_version`."""
    if existing is not None:
        check_version(session, "intervention_type", existing, TYPE_FIELDS, expected_version)
    _check_type_name(session, actor, details, existing)
    _check_type_numbers(details)
    _settle_type_cost(details)
    entry = existing or InterventionType(school_id=actor.school_id)
    if existing is not None:
        begin_edit(session, "intervention_type", entry, TYPE_FIELDS, expected_version)
    for name, value in vars(details).items():
        setattr(entry, name, value)
    session.add(entry)
    if existing is not None:
        finish_edit(session, "intervention_type", entry, TYPE_FIELDS, actor)
    session.flush()
    audit.record(session, "intervention_type_saved", actor=actor, object_type="intervention_type", object_id=entry.id)
    session.flush()
    return entry


def set_impact_scale(
    session: Session, *, actor: User, school: School, labels: dict[int, str], expected_version: int | None = None
) -> None:
    """Relabel the impact scale (-2 to +2). Every label is needed and labels must differ.
    EditConflict when someone else saved the school's settings after `expected_version`."""
    from sentrack.workflows.settings import SCHOOL_FIELDS

    check_version(session, "school", school, SCHOOL_FIELDS, expected_version)
    cleaned = {value: (labels.get(value) or "").strip() for value in DEFAULT_IMPACT_SCALE}
    for value, label in cleaned.items():
        if not label:
            raise RuleBroken("Enter a label for every point of the scale", field=f"label_{value + 2}")
    if len({label.lower() for label in cleaned.values()}) != len(cleaned):
        raise RuleBroken("Each point of the scale needs its own label", field="label_0")
    begin_edit(session, "school", school, SCHOOL_FIELDS, expected_version)
    school.impact_scale = {str(k): v for k, v in cleaned.items()}
    finish_edit(session, "school", school, SCHOOL_FIELDS, actor)
    audit.record(
        session, "impact_scale_saved", actor=actor, school_id=school.id, object_type="school", object_id=school.id
    )
    session.flush()


# --- Starting and changing an intervention ---------------------------------------------------------


@dataclass
class Place:
    pupil: Pupil
    entry_score: str | None = None
    outcome_id: int | None = None
    # For a wave 3 intervention and a pupil not on the SEN register: True places them on SEN
    # support (with `primary_need`), which prepares the letter to parents; otherwise they stay
    # off the register and the SENCO is told.
    sen_support: bool | None = None
    primary_need: NeedType | None = None


OFF_REGISTER_WAVE_3 = "wave3_off_register"


def off_register(session: Session, pupils: list[Pupil]) -> set[int]:
    """The ids of `pupils` not on the SEN register (neither SEN support nor an EHC plan) now."""
    if not pupils:
        return set()
    on = set(
        session.scalars(
            sa.select(SenStatus.pupil_id).where(
                SenStatus.pupil_id.in_([p.id for p in pupils]),
                SenStatus.end_date.is_(None),
                SenStatus.provision.in_([Provision.SEN_SUPPORT, Provision.EHC_PLAN]),
            )
        )
    )
    return {p.id for p in pupils} - on


def needs_sen_decision(session: Session, kind: InterventionType | None, pupils: list[Pupil]) -> set[int]:
    """The pupils (ids) whom starting `kind` asks about: wave 3 is SEN provision, so a pupil in it
    who is not on the register is offered SEN support, or the SENCO is told."""
    if kind is None or kind.wave != Wave.SEN_PROVISION:
        return set()
    return off_register(session, pupils)


def _sen_decisions(
    session: Session, actor: User, kind: InterventionType, places: list[Place]
) -> tuple[list[Place], list[Place]]:
    """Check the choices made for wave 3 pupils off the register: (to place on SEN support, to
    leave off and tell the SENCO about). Only a user whom access lets change SEN status places."""
    asked = needs_sen_decision(session, kind, [p.pupil for p in places])
    placing, leaving = [], []
    for place in places:
        if place.pupil.id not in asked:
            continue
        if not place.sen_support:
            leaving.append(place)
            continue
        key = place.pupil.public_id
        if not may_change_sen_status(actor):
            raise RuleBroken(
                "Only the SENCO can place a pupil on SEN support: leave this to the SENCO, who will be told",
                field=f"sen_{key}",
            )
        if place.primary_need is None:
            raise RuleBroken(f"Select {place.pupil.full_name}'s primary type of need", field=f"need_{key}")
        placing.append(place)
    return placing, leaving


def _place_on_sen_support(
    session: Session, actor: User, intervention: Intervention, placing: list[Place], today: date
) -> None:
    """Place the chosen pupils starting a wave 3 intervention on SEN support (the s.68 letter is
    prepared with it); a refusal is told beside the pupil's choice."""
    for place in placing:
        try:
            change_sen_status(
                session,
                actor=actor,
                pupil=place.pupil,
                provision=Provision.SEN_SUPPORT,
                primary_need=place.primary_need,
                secondary_need=None,
                start_date=today,
                reason=f"Placed on SEN support on starting {intervention.name}, a wave 3 intervention",
                today=today,
            )
        except RuleBroken as error:
            key = place.pupil.public_id
            raise RuleBroken(
                error.message, field=f"need_{key}" if error.field == "primary_need" else f"sen_{key}"
            ) from error


def wave3_notice(actor_name: str, intervention_name: str, starts_on: date) -> tuple[str, str]:
    """The title and body of the SENCO's notice of a pupil off the register in a wave 3
    intervention: neither names the pupil."""
    return (
        "A pupil starting a wave 3 intervention is not on SEN support",
        f"{actor_name} set up {intervention_name} (wave 3: SEN provision) from {starts_on.day} {starts_on:%B %Y} "
        "for a pupil who is not on the SEN register. Decide whether to place them on SEN support: the pupil's "
        "record has the details.",
    )


def _tell_the_senco(session: Session, actor: User, intervention: Intervention, leaving: list[Place]) -> int:
    """An in-app notification to each SENCO of the school (but the actor) for each pupil left off
    the register in a wave 3 intervention. The title names no pupil; the link is the pupil's
    record, opened only through access. Returns how many were made."""
    if not leaving:
        return 0
    sencos = session.scalars(access.role_holders(intervention.school_id, Role.SENCO, besides=actor.id)).all()
    rows = {p.pupil_id: p for p in intervention.places}  # the InterventionPupil row of each place
    made = 0
    for place in leaving:
        for senco_id in sencos:
            title, body = wave3_notice(actor.full_name, intervention.name, intervention.starts_on)
            link = f"/pupils/{place.pupil.public_id}"
            session.add(
                Notification.once(
                    senco_id, OFF_REGISTER_WAVE_3, rows[place.pupil.id], title=title, body=body, link=link
                )
            )
            made += 1
    session.flush()
    return made


@dataclass
class InterventionDetails:
    type_id: int
    name: str
    delivery: Delivery
    delivered_by_id: int
    weekdays: list[int]
    minutes_per_session: int
    starts_on: date
    ends_on: date
    measure: str | None
    measure_type: MeasureType = MeasureType.FREE_TEXT
    measure_min: int | None = None
    measure_max: int | None = None

    @property
    def measure_spec(self) -> MeasureSpec:
        return MeasureSpec(self.measure_type, self.measure, self.measure_min, self.measure_max)


def _check_measure(details: InterventionDetails, places: list[Place]) -> None:
    """The measure is complete for its type, and each entry score posted is written as it asks
    (kept in its usual form: "7 years 6 months"). Refused beside the field at fault."""
    spec = measures.check_spec(details.measure_spec)
    details.measure, details.measure_min, details.measure_max = spec.name, spec.lowest, spec.highest
    for place in places:
        try:
            place.entry_score = measures.read(spec, place.entry_score, f"{place.pupil.full_name}'s entry score")
        except RuleBroken as error:
            raise RuleBroken(error.message, field=f"entry_{place.pupil.public_id}") from None


def _check_schedule(session: Session, actor: User, details: InterventionDetails) -> None:
    """The dates, days and minutes make a timetable, and the deliverer is staff of the school
    who may deliver it."""
    if details.ends_on <= details.starts_on:
        raise RuleBroken("The end date must be after the start date", field="ends_on")
    if not details.weekdays or not set(details.weekdays) <= {0, 1, 2, 3, 4}:
        raise RuleBroken("Choose the days the sessions happen", field="weekdays")
    details.weekdays = sorted(set(details.weekdays))  # a day posted twice is still one session a week
    if not 5 <= details.minutes_per_session <= 240:
        raise RuleBroken("Minutes a session must be between 5 and 240", field="minutes_per_session")
    deliverer = session.scalar(
        sa.select(User).where(User.id == details.delivered_by_id, User.school_id == actor.school_id, User.active)
    )
    if deliverer is None or not may_deliver(deliverer):
        raise RuleBroken("Choose a teacher or support assistant of this school to deliver it", field="delivered_by_id")


def _check_pupils(actor: User, details: InterventionDetails, places: list[Place], kept: int) -> None:
    """At least one pupil, of the school, each once; exactly one for a one-to-one."""
    if not places and not kept:
        raise RuleBroken("Choose at least one pupil", field="pupils")
    if any(place.pupil.school_id != actor.school_id for place in places):
        raise RuleBroken("Choose pupils of this school", field="pupils")
    if details.delivery is Delivery.ONE_TO_ONE and len(places) + kept != 1:
        raise RuleBroken("A one-to-one intervention has exactly one pupil", field="pupils")
    if len({p.pupil.id for p in places}) != len(places):
        raise RuleBroken("Each pupil can be in the intervention once", field="pupils")


def _check_outcomes(session: Session, places: list[Place]) -> None:
    """Each outcome a place serves is one of its pupil's current plan."""
    outcome_ids = [p.outcome_id for p in places if p.outcome_id is not None]
    if not outcome_ids:
        return
    allowed = dict(
        session.execute(
            sa.select(Outcome.id, SupportCycle.pupil_id)
            .join(SupportCycle, SupportCycle.id == Outcome.cycle_id)
            .where(Outcome.id.in_(outcome_ids), SupportCycle.state != CycleState.CLOSED)
        ).all()
    )
    for place in places:
        if place.outcome_id is not None and allowed.get(place.outcome_id) != place.pupil.id:
            raise RuleBroken("Choose an outcome from the pupil's current plan", field="pupils")


def _check(
    session: Session, actor: User, details: InterventionDetails, places: list[Place], *, kept: int = 0
) -> InterventionType:
    """`kept`: places the actor cannot reach, which stay in the intervention as they are."""
    kind = session.scalar(
        sa.select(InterventionType).where(
            InterventionType.id == details.type_id, InterventionType.school_id == actor.school_id
        )
    )
    if kind is None:
        raise RuleBroken("Choose an intervention from the school's catalogue", field="type_id")
    _check_schedule(session, actor, details)
    _check_pupils(actor, details, places, kept)
    _check_outcomes(session, places)
    _check_measure(details, places)
    return kind


def _refuse_out_of_reach(session: Session, actor: User, places: list[Place], on_it: frozenset[int]) -> None:
    """Refuse a pupil joining whom the actor may not set up an intervention for (`on_it`: the
    pupils already in it whose places the actor may change)."""
    joining = {place.pupil.id for place in places} - on_it
    if not joining:
        return
    reached = set(
        session.scalars(
            sa.select(Pupil.id).where(Pupil.id.in_(joining), access.scope_for(actor, Ability.SET_UP_INTERVENTION))
        )
    )
    if joining - reached:
        raise RuleBroken(
            "Choose pupils from the list: one of them is not a pupil you can set up an intervention for", field="pupils"
        )


def _audit(session: Session, action: str, actor: User, intervention: Intervention, **about: object) -> None:
    """An event about `intervention` in the audit trail; `about`: the pupil it concerns, or its school."""
    audit.record(session, action, actor=actor, object_type="intervention", object_id=intervention.id, **about)


def _started(intervention: Intervention, on: date, *, joined: bool = False) -> dict[str, object]:
    """The timeline event of a pupil starting `intervention` on `on`: from its start, or joining later."""
    weekly = f"{intervention.sessions_per_week} x {intervention.minutes_per_session} minutes a week"
    return {
        "kind": "intervention_started",
        "title": timeline.intervention_starts(intervention.name),
        "effective_on": on,
        "detail": ("Joined " if joined else "") + f"{weekly} until {display(intervention.ends_on)}",
    }


def _ended(intervention: Intervention, detail: str) -> dict[str, object]:
    """The timeline event of a pupil's impact recorded at the end of `intervention`."""
    return {
        "kind": "intervention_impact",
        "title": timeline.intervention_ended(intervention.name),
        "effective_on": intervention.ends_on,
        "detail": detail,
    }


def start_intervention(
    session: Session, *, actor: User, details: InterventionDetails, places: list[Place], today: date
) -> Intervention:
    """Set up an intervention for pupils the actor may reach (the caller resolves them through
    access). Refused for an end before the start, no days, a deliverer from elsewhere, no pupil,
    or a one-to-one with several pupils."""
    kind = _check(session, actor, details, places)
    _refuse_out_of_reach(session, actor, places, frozenset())
    if not kind.active:
        raise RuleBroken("This intervention is no longer offered: choose another from the catalogue", field="type_id")
    placing, leaving = _sen_decisions(session, actor, kind, places)
    intervention = Intervention(school_id=actor.school_id, created_by_id=actor.id, **vars(details))
    intervention.places = [
        InterventionPupil(pupil_id=p.pupil.id, entry_score=p.entry_score, outcome_id=p.outcome_id) for p in places
    ]
    session.add(intervention)
    session.flush()
    for place in places:
        add_event(session, pupil=place.pupil, actor=actor, **_started(intervention, details.starts_on))
        _audit(session, "intervention_started", actor, intervention, pupil=place.pupil)
    _place_on_sen_support(session, actor, intervention, placing, today)
    _tell_the_senco(session, actor, intervention, leaving)
    settle_tasks(session, today, pupil_ids=[place.pupil_id for place in intervention.places])
    return intervention


def _recorded_between(session: Session, intervention: Intervention) -> tuple[date | None, date | None]:
    """The dates of the first and last sessions recorded."""
    first, last = session.execute(
        sa.select(sa.func.min(InterventionSession.held_on), sa.func.max(InterventionSession.held_on)).where(
            InterventionSession.intervention_id == intervention.id
        )
    ).one()
    return first, last


def _refuse_moving_past_registers(session: Session, intervention: Intervention, details: InterventionDetails) -> None:
    """The dates cannot move past a session recorded: the registers stay true."""
    first, last = _recorded_between(session, intervention)
    if first is not None and details.starts_on > first:
        raise RuleBroken(
            f"The start date cannot be after the first session recorded ({display(first)})", field="starts_on"
        )
    if last is not None and details.ends_on < last:
        raise RuleBroken(f"The end date cannot be before the last session recorded ({display(last)})", field="ends_on")


def _refuse_taking_out_attenders(
    session: Session, intervention: Intervention, wanted: dict[int, Place], hidden: set[int]
) -> None:
    """A pupil with attendance recorded cannot be taken out of the intervention."""
    attended = set(
        session.scalars(
            sa.select(SessionAttendance.pupil_id)
            .join(InterventionSession, InterventionSession.id == SessionAttendance.session_id)
            .where(InterventionSession.intervention_id == intervention.id)
        )
    )
    if any(
        place.pupil_id not in wanted and place.pupil_id not in hidden and place.pupil_id in attended
        for place in intervention.places
    ):
        raise RuleBroken("A pupil with sessions recorded cannot be taken out of the intervention", field="pupils")


def _audit_places(session: Session, actor: User, intervention: Intervention, changes: dict[str, list[int]]) -> None:
    """Each pupil whose place changed has it in their own audit trail (`changes`: pupil ids by action)."""
    for action, pupil_ids in changes.items():
        for pupil_id in pupil_ids:
            _audit(session, action, actor, intervention, pupil_id=pupil_id, school_id=intervention.school_id)


def _replace_places(
    session: Session, actor: User, intervention: Intervention, wanted: dict[int, Place], hidden: set[int], today: date
) -> None:
    """The intervention's places become those `wanted` (by pupil id) and the `hidden` ones, kept
    as they are: places are changed in place, added or taken out, each in its pupil's trail, and
    each pupil joining has it on their timeline."""
    joining = dict(wanted)
    removed = [p.pupil_id for p in intervention.places if p.pupil_id not in wanted and p.pupil_id not in hidden]
    kept, changed = [], []
    for place in intervention.places:
        if place.pupil_id in hidden:
            kept.append(place)
        elif place.pupil_id in joining:
            new = joining.pop(place.pupil_id)
            if (place.entry_score, place.outcome_id) != (new.entry_score, new.outcome_id):
                changed.append(place.pupil_id)
            place.entry_score, place.outcome_id = new.entry_score, new.outcome_id
            kept.append(place)
    kept += [
        InterventionPupil(pupil_id=p.pupil.id, entry_score=p.entry_score, outcome_id=p.outcome_id)
        for p in joining.values()
    ]
    _audit_places(
        session,
        actor,
        intervention,
        {
            "intervention_place_added": list(joining),
            "intervention_place_removed": removed,
            "intervention_place_changed": changed,
        },
    )
    for place in joining.values():
        joined_on = max(intervention.starts_on, min(today, intervention.ends_on))
        add_event(session, pupil=place.pupil, actor=actor, **_started(intervention, joined_on, joined=True))
    intervention.places = kept


def _refuse_measure_misfit(intervention: Intervention, details: InterventionDetails, hidden: set[int]) -> None:
    """The scores kept as they are (other pupils' entry scores, and every exit score) fit the
    measure as changed."""
    kept = [place.exit_score for place in intervention.places]
    kept += [place.entry_score for place in intervention.places if place.pupil_id in hidden]
    measures.spec_changes_allowed(details.measure_spec, kept)


def _settle_early_end(intervention: Intervention, today: date) -> None:
    """An intervention ended early whose end date is moved to its planned end or later, or into
    the future, has not ended early any more."""
    planned = intervention.planned_ends_on
    if planned is not None and (intervention.ends_on >= planned or intervention.ends_on > today):
        intervention.planned_ends_on = None


def update_intervention(
    session: Session,
    *,
    actor: User,
    intervention: Intervention,
    details: InterventionDetails,
    places: list[Place],
    today: date,
    expected_version: int | None = None,
) -> None:
    """Change an intervention. A pupil with attendance recorded cannot be taken out, nor can the
    dates move past a recorded session: the registers stay true. A pupil joining a wave 3
    intervention off the SEN register is placed on SEN support or the SENCO is told, as when one
    starts. Everything is checked before anything changes. EditConflict when someone else saved
    the intervention after `expected_version`.

    The actor adds, changes and takes out only the places they may change (`access.place_scope`):
    the other pupils' places stay as they are, whatever is posted for them."""
    check_version(session, "intervention", intervention, INTERVENTION_FIELDS, expected_version)
    writable = access.intervention_pupil_ids(actor, intervention, Ability.SET_UP_INTERVENTION)
    current_ids = {place.pupil_id for place in intervention.places}
    hidden = current_ids - writable
    places = [place for place in places if place.pupil.id not in hidden]
    kind = _check(session, actor, details, places, kept=len(hidden))
    _refuse_out_of_reach(session, actor, places, frozenset(writable))
    placing, leaving = _sen_decisions(session, actor, kind, [p for p in places if p.pupil.id not in current_ids])
    _refuse_moving_past_registers(session, intervention, details)
    wanted = {p.pupil.id: p for p in places}
    _refuse_taking_out_attenders(session, intervention, wanted, hidden)
    _refuse_measure_misfit(intervention, details, hidden)
    begin_edit(session, "intervention", intervention, INTERVENTION_FIELDS, expected_version)
    for name, value in vars(details).items():
        setattr(intervention, name, value)
    _settle_early_end(intervention, today)
    _replace_places(session, actor, intervention, wanted, hidden, today)
    finish_edit(session, "intervention", intervention, INTERVENTION_FIELDS, actor)
    _audit(session, "intervention_updated", actor, intervention, school_id=intervention.school_id)
    session.flush()
    _place_on_sen_support(session, actor, intervention, placing, today)
    _tell_the_senco(session, actor, intervention, leaving)
    settle_tasks(session, today, pupil_ids=[place.pupil_id for place in intervention.places])


def end_intervention(session: Session, *, actor: User, intervention: Intervention, ended_on: date, today: date) -> None:
    """End early (or on time): the end date becomes `ended_on`; before the planned end, the planned
    end is kept and the intervention reads "Ended early" everywhere. Refused for a date in the
    future, on or before the start, after the planned end, or before the last session recorded."""
    if ended_on > today:
        raise RuleBroken("The end date cannot be in the future", field="ended_on")
    if ended_on <= intervention.starts_on:
        raise RuleBroken("The end date must be after the start date", field="ended_on")
    if ended_on > intervention.ends_on:
        raise RuleBroken("The intervention has already ended", field="ended_on")
    _, last = _recorded_between(session, intervention)
    if last is not None and ended_on < last:
        raise RuleBroken(f"The end date cannot be before the last session recorded ({display(last)})", field="ended_on")
    # A new version, so that an edit opened before it ended is told, not saved over the end date.
    with edit(session, "intervention", intervention, INTERVENTION_FIELDS, None, actor):
        if ended_on < intervention.ends_on:
            intervention.planned_ends_on = intervention.planned_ends_on or intervention.ends_on
        intervention.ends_on = ended_on
    _audit(session, "intervention_ended", actor, intervention, school_id=intervention.school_id)
    for place in intervention.places:
        _audit(
            session,
            "intervention_place_ended",
            actor,
            intervention,
            pupil_id=place.pupil_id,
            school_id=intervention.school_id,
        )
    session.flush()


# --- Sessions and impact ---------------------------------------------------------------------------


@dataclass
class ImpactResult:
    exit_score: str | None
    impact: int | None
    comment: str | None


def impact_places(intervention: Intervention) -> list[InterventionPupil]:
    """The places whose impact is to be recorded: those of pupils still on the roll on the
    intervention's last day (`register.needs_impact`)."""
    return [place for place in intervention.places if needs_impact(place, intervention.ends_on)]


def writable_impact_places(actor: User, intervention: Intervention) -> list[InterventionPupil]:
    """The places of `impact_places` whose exit measure and impact the actor may record
    (`access.place_scope`)."""
    writable = access.intervention_pupil_ids(actor, intervention, Ability.RECORD_SESSION)
    return [place for place in impact_places(intervention) if place.pupil_id in writable]


# What an impact conflict lists of a pupil's place, with the labels the impact form gives.
IMPACT_FIELDS = {"exit_score": "Exit score", "impact": "Impact", "impact_comment": "Comment"}


def impact_version_field(pupil_id: int) -> str:
    """The impact form's field carrying the version of this pupil's place."""
    return f"version_{pupil_id}"


def _impact_conflict(conflicts: list[tuple[InterventionPupil, EditConflict]]) -> EditConflict:
    """One conflict for the impact page from those of its places: each change named by its pupil
    (all of them pupils whose impact the person records), and the version each place's field
    must carry now."""
    first = conflicts[0][1]
    return EditConflict(
        changes=[
            Change(f"{place.pupil.full_name}: {change.label}", change.value)
            for place, conflict in conflicts
            for change in conflict.changes
        ],
        by=first.by,
        at=first.at,
        current_version=first.current_version,
        versions={impact_version_field(place.pupil_id): conflict.current_version for place, conflict in conflicts},
    )


def _check_ratings(places: list[InterventionPupil], results: dict[int, ImpactResult]) -> None:
    """Each place has a rating on the school's scale (-2 to +2)."""
    for place in places:
        result = results.get(place.pupil_id)
        if result is None or result.impact is None:
            raise RuleBroken("Choose the impact for every pupil", field=f"impact_{place.pupil_id}")
        if not -2 <= result.impact <= 2:
            raise RuleBroken("Choose the impact from the scale", field=f"impact_{place.pupil_id}")


def _check_exit_scores(intervention: Intervention, places: list[InterventionPupil], results: dict) -> None:
    """Each exit score is written as the intervention's measure asks (kept in its usual form)."""
    spec = MeasureSpec.of(intervention)
    for place in places:
        result = results[place.pupil_id]
        try:
            result.exit_score = measures.read(spec, result.exit_score, f"{place.pupil.full_name}'s exit score")
        except RuleBroken as error:
            raise RuleBroken(error.message, field=f"exit_{place.pupil_id}") from None


def _check_place_versions(session: Session, places: list[InterventionPupil], expected: dict[int, int | None]) -> None:
    """EditConflict, listing every place someone else saved since the page was opened, when any did."""
    conflicts = []
    for place in places:
        try:
            check_version(session, "intervention_pupil", place, IMPACT_FIELDS, expected.get(place.pupil_id))
        except EditConflict as conflict:
            conflicts.append((place, conflict))
    if conflicts:
        raise _impact_conflict(conflicts)


def _record_place_impact(
    session: Session,
    actor: User,
    place: InterventionPupil,
    result: ImpactResult,
    expected_version: int | None,
    today: date,
) -> None:
    """Write one place's exit measure and impact as a new version of it."""
    try:
        begin_edit(session, "intervention_pupil", place, IMPACT_FIELDS, expected_version)
    except EditConflict as conflict:
        raise _impact_conflict([(place, conflict)]) from None
    place.exit_score = (result.exit_score or "").strip() or None
    place.impact = result.impact
    place.impact_comment = (result.comment or "").strip() or None
    place.impact_recorded_on = today
    place.impact_recorded_by_id = actor.id
    try:
        finish_edit(session, "intervention_pupil", place, IMPACT_FIELDS, actor)
    except EditConflict as conflict:
        raise _impact_conflict([(place, conflict)]) from None


def record_impact(
    session: Session,
    *,
    actor: User,
    intervention: Intervention,
    results: dict[int, ImpactResult],
    today: date,
    expected_versions: dict[int, int | None] | None = None,
) -> None:
    """Record each pupil's exit measure and impact once the intervention has ended, for the
    pupils whose impact the actor may record: each of them who was still on the roll on its last
    day (`writable_impact_places`) needs a rating on the school's scale (-2 to +2). What is
    posted for any other pupil is ignored: their row, and who recorded it, stay as they are.
    Each place is a record of its own: `expected_versions` (by pupil id) the versions the person
    opened; EditConflict, listing every place someone else saved since, when any moved on."""
    if intervention.ends_on > today:
        raise RuleBroken(
            f"Impact is recorded when the intervention ends ({display(intervention.ends_on)}): "
            "end it early if it has finished"
        )
    places = writable_impact_places(actor, intervention)
    if not places:
        raise RuleBroken("No pupil of this intervention is one whose impact you record")
    _check_ratings(places, results)
    _check_exit_scores(intervention, places, results)
    expected = expected_versions or {}
    _check_place_versions(session, places, expected)
    labels = session.get(School, intervention.school_id).impact_labels
    for place in places:
        result = results[place.pupil_id]
        first_time = place.impact is None
        _record_place_impact(session, actor, place, result, expected.get(place.pupil_id), today)
        if first_time:
            exit_measure = f". Exit measure {place.exit_score}" if place.exit_score else ""
            detail = f"Impact: {labels[result.impact]}{exit_measure}"
            add_event(session, pupil=place.pupil, actor=actor, **_ended(intervention, detail))
        _audit(session, "impact_recorded", actor, intervention, pupil=place.pupil)
    settle_tasks(
        session,
        today,
        pupil_ids=[place.pupil_id for place in intervention.places],
        subjects=[("intervention", intervention.id)],
    )
