"""Unit tests of interventions: the catalogue, starting, changing and ending an intervention, its
registers and impact (sentrack/workflows/interventions.py), the provision map
(sentrack/workflows/provision_map.py) and who reaches interventions (sentrack/access.py). A
session and a `today`, no request.

The default intervention (`tests.factories.make_intervention`) is a reading group on Mondays and
Thursdays from Monday 14 September to Friday 11 December 2026, delivered by the support assistant.
The test date is Friday 27 November 2026. Expected counts of sessions are worked out by hand from
the calendar and written out date by date.
"""

from __future__ import annotations

from contextlib import contextmanager
from datetime import date, timedelta

import pytest
import sqlalchemy as sa
from werkzeug.exceptions import NotFound

from sentrack.access import Ability, get_intervention, intervention_scope, pupil_scope, scope_for, sen_scope
from sentrack.models import (
    CostBasis,
    CycleState,
    Delivery,
    Intervention,
    InterventionPupil,
    InterventionSession,
    InterventionType,
    NeedType,
    Notification,
    ParentLetter,
    Provision,
    Pupil,
    Role,
    SchoolTerm,
    Season,
    SessionAttendance,
    TeachingGroup,
    TimelineEvent,
)
from sentrack.models.interventions import DEFAULT_IMPACT_SCALE
from sentrack.workflows import RuleBroken
from sentrack.workflows import interventions as iflow
from sentrack.workflows.provision_map import provision_map, sessions_between
from sentrack.workflows.sen_status import change_sen_status, current_status
from sentrack.workflows.terms import Term, current_term, school_terms
from tests.factories import (
    INTERVENTION_ENDS,
    INTERVENTION_STARTS,
    drive_cycle,
    intervention_details,
    make_intervention,
    make_intervention_type,
    make_pupil,
    make_user,
    type_details,
)
from tests.helpers import audit_events, count

TODAY = date(2026, 11, 27)  # a Friday
DAY = timedelta(days=1)
MON, TUE, WED, THU, FRI = range(5)


@pytest.fixture
def kind(session, world) -> InterventionType:
    return make_intervention_type(session, actor=world.users["senco"])


def _start(session, world, kind, pupils=("taught", "taught_plain"), deliverer="ta", **changes) -> Intervention:
    return make_intervention(
        session,
        actor=world.users["senco"],
        kind=kind,
        deliverer=world.users[deliverer],
        pupils=[world.pupils[key] for key in pupils],
        **changes,
    )


def _events(session, pupil, kind: str) -> list[TimelineEvent]:
    return list(
        session.scalars(
            sa.select(TimelineEvent)
            .where(TimelineEvent.pupil_id == pupil.id, TimelineEvent.kind == kind)
            .order_by(TimelineEvent.id)
        )
    )


def _refusal(refused) -> tuple[str | None, str]:
    return refused.value.field, refused.value.message


# --- The catalogue ------------------------------------------------------------------------------


def test_a_catalogue_entry_is_saved_with_its_cost_and_audited(session, world):
    senco = world.users["senco"]

    entry = make_intervention_type(session, actor=senco, hourly_rate_pence=1820)

    assert (
        entry.school_id,
        entry.name,
        entry.wave,
        entry.sessions_per_week,
        entry.minutes_per_session,
        entry.weeks,
    ) == (
        world.school.id,
        "Reading catch-up",
        2,
        2,
        30,
        12,
    )
    assert (entry.cost_basis, entry.cost_per_session_pence, entry.hourly_rate_pence) == (
        CostBasis.PER_SESSION,
        1250,
        None,
    )
    assert [(e.user_id, e.school_id, e.object_id) for e in audit_events(session, "intervention_type_saved")] == [
        (senco.id, world.school.id, str(entry.id))
    ]


def test_a_staff_hours_entry_keeps_the_rate_and_drops_a_cost_per_session(session, world):
    entry = make_intervention_type(
        session,
        actor=world.users["senco"],
        cost_basis=CostBasis.STAFF_HOURS,
        cost_per_session_pence=1250,
        hourly_rate_pence=1820,
    )

    assert (entry.cost_basis, entry.cost_per_session_pence, entry.hourly_rate_pence) == (
        CostBasis.STAFF_HOURS,
        None,
        1820,
    )


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"wave": 0}, "wave", "Choose wave 1, 2 or 3"),
        ({"wave": 4}, "wave", "Choose wave 1, 2 or 3"),
        ({"sessions_per_week": 0}, "sessions_per_week", "Sessions a week must be between 1 and 5"),
        ({"sessions_per_week": 6}, "sessions_per_week", "Sessions a week must be between 1 and 5"),
        ({"minutes_per_session": 4}, "minutes_per_session", "Minutes a session must be between 5 and 240"),
        ({"minutes_per_session": 241}, "minutes_per_session", "Minutes a session must be between 5 and 240"),
        ({"weeks": 0}, "weeks", "The number of weeks must be between 1 and 52"),
        ({"weeks": 53}, "weeks", "The number of weeks must be between 1 and 52"),
        (
            {"cost_per_session_pence": None, "hourly_rate_pence": 1820},
            "cost_per_session",
            "Enter the cost of a session, for example 12.50",
        ),
        ({"cost_per_session_pence": -1}, "cost_per_session", "Enter the cost of a session, for example 12.50"),
        (
            {"cost_basis": CostBasis.STAFF_HOURS, "hourly_rate_pence": None},
            "hourly_rate",
            "Enter the hourly rate of the staff who deliver it, for example 18.20",
        ),
        (
            {"cost_basis": CostBasis.STAFF_HOURS, "hourly_rate_pence": -1},
            "hourly_rate",
            "Enter the hourly rate of the staff who deliver it, for example 18.20",
        ),
    ],
    ids=[
        "wave-0",
        "wave-4",
        "sessions-0",
        "sessions-6",
        "minutes-4",
        "minutes-241",
        "weeks-0",
        "weeks-53",
        "per-session-without-cost",
        "per-session-negative",
        "staff-hours-without-rate",
        "staff-hours-negative",
    ],
)
def test_a_catalogue_entry_out_of_range_or_without_its_cost_is_refused(session, world, changes, field, message):
    with pytest.raises(RuleBroken) as refused:
        make_intervention_type(session, actor=world.users["senco"], **changes)

    assert _refusal(refused) == (field, message)
    assert count(session, InterventionType) == 0
    assert audit_events(session, "intervention_type_saved") == []


@pytest.mark.parametrize(
    "changes",
    [
        {"wave": 1, "sessions_per_week": 1, "minutes_per_session": 5, "weeks": 1, "cost_per_session_pence": 0},
        {"wave": 3, "sessions_per_week": 5, "minutes_per_session": 240, "weeks": 52},
    ],
    ids=["lowest", "highest"],
)
def test_the_ends_of_each_range_are_accepted(session, world, changes):
    make_intervention_type(session, actor=world.users["senco"], **changes)

    assert count(session, InterventionType) == 1


def test_a_second_entry_with_the_same_name_in_any_case_is_refused(session, world, kind):
    with pytest.raises(RuleBroken) as refused:
        make_intervention_type(session, actor=world.users["senco"], name="READING catch-up", wave=3)

    assert _refusal(refused) == ("name", "The catalogue already has an intervention with this name")
    assert count(session, InterventionType) == 1
    assert kind.wave == 2


def test_another_school_may_use_the_same_name(session, world, kind):
    make_intervention_type(session, actor=world.users["foreign_senco"])

    assert count(session, InterventionType, InterventionType.name == "Reading catch-up") == 2


def test_an_entry_keeps_its_own_name_when_changed(session, world, kind):
    iflow.save_intervention_type(session, actor=world.users["senco"], details=type_details(weeks=6), existing=kind)

    assert (kind.name, kind.weeks) == ("Reading catch-up", 6)
    assert count(session, InterventionType) == 1


# --- The impact scale ---------------------------------------------------------------------------

SCHOOL_SCALE = {-2: "Went backwards", -1: "Slower than hoped", 0: "As hoped", 1: "Better than hoped", 2: "Flew"}


def test_a_school_relabels_its_impact_scale(session, world):
    senco = world.users["senco"]

    iflow.set_impact_scale(
        session, actor=senco, school=world.school, labels={k: f"  {v} " for k, v in SCHOOL_SCALE.items()}
    )

    assert world.school.impact_scale == {str(k): v for k, v in SCHOOL_SCALE.items()}
    assert world.school.impact_labels == SCHOOL_SCALE
    assert world.sibling.impact_labels == DEFAULT_IMPACT_SCALE
    assert [(e.user_id, e.school_id, e.object_id) for e in audit_events(session, "impact_scale_saved")] == [
        (senco.id, world.school.id, str(world.school.id))
    ]


@pytest.mark.parametrize("value", sorted(DEFAULT_IMPACT_SCALE))
@pytest.mark.parametrize("blank", ["", "   ", None], ids=["empty", "spaces", "missing"])
def test_a_blank_label_is_refused_beside_its_point_of_the_scale(session, world, value, blank):
    labels = dict(SCHOOL_SCALE)
    if blank is None:
        del labels[value]
    else:
        labels[value] = blank

    with pytest.raises(RuleBroken) as refused:
        iflow.set_impact_scale(session, actor=world.users["senco"], school=world.school, labels=labels)

    assert _refusal(refused) == (f"label_{value + 2}", "Enter a label for every point of the scale")
    assert world.school.impact_scale is None
    assert audit_events(session, "impact_scale_saved") == []


def test_two_points_with_the_same_label_are_refused(session, world):
    labels = SCHOOL_SCALE | {1: " Flew "}

    with pytest.raises(RuleBroken) as refused:
        iflow.set_impact_scale(session, actor=world.users["senco"], school=world.school, labels=labels)

    assert _refusal(refused) == ("label_0", "Each point of the scale needs its own label")
    assert world.school.impact_scale is None


# --- Starting an intervention -------------------------------------------------------------------


def _deliverer(key):
    return lambda session, world: {"delivered_by_id": world.users[key].id}


def _sibling_teacher(session, world):
    return {"delivered_by_id": make_user(session, "teacher@ash.test", Role.TEACHER, school=world.sibling).id}


def _inactive_assistant(session, world):
    assistant = make_user(session, "left@oak.test", Role.SUPPORT_ASSISTANT, school=world.school)
    assistant.active = False
    session.flush()
    return {"delivered_by_id": assistant.id}


def _foreign_type(session, world):
    return {"type_id": make_intervention_type(session, actor=world.users["foreign_senco"]).id}


DETAIL_REFUSALS = {
    "type-of-another-school": (_foreign_type, "type_id", "Choose an intervention from the school's catalogue"),
    "ends-before-start": (
        {"ends_on": INTERVENTION_STARTS - DAY},
        "ends_on",
        "The end date must be after the start date",
    ),
    "ends-on-start": ({"ends_on": INTERVENTION_STARTS}, "ends_on", "The end date must be after the start date"),
    "no-weekdays": ({"weekdays": []}, "weekdays", "Choose the days the sessions happen"),
    "saturday": ({"weekdays": [MON, 5]}, "weekdays", "Choose the days the sessions happen"),
    "minutes-4": ({"minutes_per_session": 4}, "minutes_per_session", "Minutes a session must be between 5 and 240"),
    "minutes-241": ({"minutes_per_session": 241}, "minutes_per_session", "Minutes a session must be between 5 and 240"),
    "deliverer-of-another-authority": (
        _deliverer("foreign_senco"),
        "delivered_by_id",
        "Choose a teacher or support assistant of this school to deliver it",
    ),
    "deliverer-of-a-sibling-school": (
        _sibling_teacher,
        "delivered_by_id",
        "Choose a teacher or support assistant of this school to deliver it",
    ),
    "deliverer-head": (
        _deliverer("head"),
        "delivered_by_id",
        "Choose a teacher or support assistant of this school to deliver it",
    ),
    "deliverer-governor": (
        _deliverer("governor"),
        "delivered_by_id",
        "Choose a teacher or support assistant of this school to deliver it",
    ),
    "deliverer-admin": (
        _deliverer("admin"),
        "delivered_by_id",
        "Choose a teacher or support assistant of this school to deliver it",
    ),
    "deliverer-inactive": (
        _inactive_assistant,
        "delivered_by_id",
        "Choose a teacher or support assistant of this school to deliver it",
    ),
}


def _nothing_started(session) -> None:
    assert count(session, Intervention) == 0
    assert count(session, InterventionPupil) == 0
    assert count(session, TimelineEvent, TimelineEvent.kind == "intervention_started") == 0
    assert audit_events(session, "intervention_started") == []


@pytest.mark.parametrize(("arrange", "field", "message"), DETAIL_REFUSALS.values(), ids=DETAIL_REFUSALS.keys())
def test_starting_with_wrong_details_is_refused(session, world, kind, arrange, field, message):
    changes = arrange(session, world) if callable(arrange) else arrange

    with pytest.raises(RuleBroken) as refused:
        _start(session, world, kind, **changes)

    assert _refusal(refused) == (field, message)
    _nothing_started(session)


def _open_outcome(session, world, pupil_key):
    return drive_cycle(session, actor=world.users["senco"], pupil=world.pupils[pupil_key], to=CycleState.DO).outcomes[0]


def _closed_outcome(session, world, pupil_key):
    return drive_cycle(
        session, actor=world.users["senco"], pupil=world.pupils[pupil_key], to=CycleState.CLOSED
    ).outcomes[0]


PLACE_REFUSALS = {
    "no-pupil": (lambda s, w: [], {}, "Choose at least one pupil"),
    "one-to-one-with-two": (
        lambda s, w: [iflow.Place(w.pupils["taught"]), iflow.Place(w.pupils["taught_plain"])],
        {"delivery": Delivery.ONE_TO_ONE},
        "A one-to-one intervention has exactly one pupil",
    ),
    "same-pupil-twice": (
        lambda s, w: [iflow.Place(w.pupils["taught"]), iflow.Place(w.pupils["taught"], entry_score="9")],
        {},
        "Each pupil can be in the intervention once",
    ),
    "outcome-of-another-pupils-plan": (
        lambda s, w: [iflow.Place(w.pupils["taught"], outcome_id=_open_outcome(s, w, "untaught_k").id)],
        {},
        "Choose an outcome from the pupil's current plan",
    ),
    "outcome-of-a-reviewed-plan": (
        lambda s, w: [iflow.Place(w.pupils["taught"], outcome_id=_closed_outcome(s, w, "taught").id)],
        {},
        "Choose an outcome from the pupil's current plan",
    ),
}


@pytest.mark.parametrize(("arrange", "changes", "message"), PLACE_REFUSALS.values(), ids=PLACE_REFUSALS.keys())
def test_starting_with_the_wrong_pupils_is_refused(session, world, kind, arrange, changes, message):
    places = arrange(session, world)

    with pytest.raises(RuleBroken) as refused:
        iflow.start_intervention(
            session,
            actor=world.users["senco"],
            details=intervention_details(kind, world.users["ta"], **changes),
            places=places,
            today=TODAY,
        )

    assert _refusal(refused) == ("pupils", message)
    _nothing_started(session)


def test_starting_gives_each_pupil_a_place_with_their_entry_score(session, world, kind):
    senco, ta = world.users["senco"], world.users["ta"]
    taught, plain = world.pupils["taught"], world.pupils["taught_plain"]

    intervention = _start(session, world, kind)

    session.expire_all()
    assert (
        intervention.school_id,
        intervention.type_id,
        intervention.name,
        intervention.delivery,
        intervention.delivered_by_id,
    ) == (
        world.school.id,
        kind.id,
        "Reading group",
        Delivery.GROUP,
        ta.id,
    )
    assert (intervention.weekdays, intervention.minutes_per_session, intervention.starts_on, intervention.ends_on) == (
        [MON, THU],
        30,
        INTERVENTION_STARTS,
        INTERVENTION_ENDS,
    )
    assert (intervention.measure, intervention.created_by_id) == ("Words read correctly in a minute", senco.id)
    assert [(p.pupil_id, p.entry_score, p.outcome_id, p.exit_score, p.impact) for p in intervention.places] == [
        (taught.id, "20", None, None, None),
        (plain.id, "21", None, None, None),
    ]


def test_starting_writes_an_event_on_each_pupils_timeline(session, world, kind):
    intervention = _start(session, world, kind)

    for key in ("taught", "taught_plain"):
        [event] = _events(session, world.pupils[key], "intervention_started")
        assert (event.title, event.effective_on, event.actor_id) == (
            "Intervention starts: Reading group",
            INTERVENTION_STARTS,
            world.users["senco"].id,
        )
        assert event.detail == "2 x 30 minutes a week until 11 December 2026"
    assert [(e.pupil_id, e.user_id, e.object_id) for e in audit_events(session, "intervention_started")] == [
        (world.pupils["taught"].id, world.users["senco"].id, str(intervention.id)),
        (world.pupils["taught_plain"].id, world.users["senco"].id, str(intervention.id)),
    ]


def test_a_place_may_serve_an_outcome_of_the_pupils_open_plan(session, world, kind):
    outcome = _open_outcome(session, world, "taught")

    intervention = iflow.start_intervention(
        session,
        actor=world.users["teacher"],
        details=intervention_details(kind, world.users["teacher"], delivery=Delivery.ONE_TO_ONE),
        places=[iflow.Place(world.pupils["taught"], entry_score="12", outcome_id=outcome.id)],
        today=TODAY,
    )

    assert [(p.pupil_id, p.outcome_id) for p in intervention.places] == [(world.pupils["taught"].id, outcome.id)]


def test_a_day_chosen_twice_counts_once(session, world, kind):
    intervention = _start(session, world, kind, weekdays=[THU, MON, MON])

    assert (intervention.weekdays, intervention.sessions_per_week) == ([MON, THU], 2)
    [event] = _events(session, world.pupils["taught"], "intervention_started")
    assert event.detail.startswith("2 x 30 minutes a week")
    [row] = provision_map(session, world.school, AUTUMN).rows
    assert row.sessions == 26  # 13 Mondays and 13 Thursdays, as in the provision map below


# --- Changing an intervention -------------------------------------------------------------------


def test_changing_keeps_adds_and_takes_out_pupils(session, world, kind):
    taught, untaught = world.pupils["taught"], world.pupils["untaught"]
    intervention = _start(session, world, kind)
    kept = intervention.places[0]

    iflow.update_intervention(
        session,
        today=TODAY,
        actor=world.users["senco"],
        intervention=intervention,
        details=intervention_details(kind, world.users["teacher"], name="Reading group B", minutes_per_session=20),
        places=[iflow.Place(taught, entry_score="25"), iflow.Place(untaught, entry_score="8")],
    )

    session.expire_all()
    assert (intervention.name, intervention.minutes_per_session, intervention.delivered_by_id) == (
        "Reading group B",
        20,
        world.users["teacher"].id,
    )
    assert [(p.id, p.pupil_id, p.entry_score) for p in intervention.places][0] == (kept.id, taught.id, "25")
    assert [(p.pupil_id, p.entry_score) for p in intervention.places] == [(taught.id, "25"), (untaught.id, "8")]
    assert count(session, InterventionPupil) == 2
    assert [e.object_id for e in audit_events(session, "intervention_updated")] == [str(intervention.id)]


def test_changing_is_checked_like_starting(session, world, kind):
    intervention = _start(session, world, kind)

    with pytest.raises(RuleBroken) as refused:
        iflow.update_intervention(
            session,
            today=TODAY,
            actor=world.users["senco"],
            intervention=intervention,
            details=intervention_details(kind, world.users["ta"], name="Renamed", delivery=Delivery.ONE_TO_ONE),
            places=[iflow.Place(world.pupils["taught"]), iflow.Place(world.pupils["taught_plain"])],
        )

    assert _refusal(refused) == ("pupils", "A one-to-one intervention has exactly one pupil")
    assert (intervention.name, intervention.delivery) == ("Reading group", Delivery.GROUP)


@pytest.mark.parametrize("present", [True, False], ids=["marked-present", "marked-absent"])
def test_a_pupil_on_a_register_cannot_be_taken_out(session, world, kind, present):
    taught, plain = world.pupils["taught"], world.pupils["taught_plain"]
    intervention = _start(session, world, kind)
    iflow.record_session(
        session,
        actor=world.users["ta"],
        intervention=intervention,
        held_on=date(2026, 11, 26),
        attended={plain.id} if present else set(),
        note=None,
        today=TODAY,
    )

    with pytest.raises(RuleBroken) as refused:
        iflow.update_intervention(
            session,
            today=TODAY,
            actor=world.users["senco"],
            intervention=intervention,
            details=intervention_details(kind, world.users["ta"], name="Renamed", ends_on=date(2026, 12, 18)),
            places=[iflow.Place(taught, entry_score="99")],
        )

    assert _refusal(refused) == ("pupils", "A pupil with sessions recorded cannot be taken out of the intervention")
    assert (intervention.name, intervention.ends_on) == ("Reading group", INTERVENTION_ENDS)
    assert [(p.pupil_id, p.entry_score) for p in intervention.places] == [(taught.id, "20"), (plain.id, "21")]
    session.flush()
    session.expire_all()
    assert (intervention.name, intervention.ends_on) == ("Reading group", INTERVENTION_ENDS)
    assert [(p.pupil_id, p.entry_score) for p in intervention.places] == [(taught.id, "20"), (plain.id, "21")]
    assert audit_events(session, "intervention_updated") == []


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        (
            {"starts_on": date(2026, 11, 12)},
            "starts_on",
            "The start date cannot be after the first session recorded (9 November 2026)",
        ),
        (
            {"ends_on": date(2026, 11, 25)},
            "ends_on",
            "The end date cannot be before the last session recorded (26 November 2026)",
        ),
    ],
    ids=["start-after-first-register", "end-before-last-register"],
)
def test_the_dates_cannot_move_past_a_register(session, world, kind, changes, field, message):
    intervention = _start(session, world, kind)
    for held_on in (date(2026, 11, 9), date(2026, 11, 26)):
        iflow.record_session(
            session,
            actor=world.users["ta"],
            intervention=intervention,
            held_on=held_on,
            attended=set(),
            note=None,
            today=TODAY,
        )

    with pytest.raises(RuleBroken) as refused:
        iflow.update_intervention(
            session,
            today=TODAY,
            actor=world.users["senco"],
            intervention=intervention,
            details=intervention_details(kind, world.users["ta"], **changes),
            places=[iflow.Place(world.pupils["taught"]), iflow.Place(world.pupils["taught_plain"])],
        )

    assert _refusal(refused) == (field, message)
    assert (intervention.starts_on, intervention.ends_on) == (INTERVENTION_STARTS, INTERVENTION_ENDS)


def test_the_dates_may_move_up_to_the_registers(session, world, kind):
    intervention = _start(session, world, kind)
    for held_on in (date(2026, 11, 9), date(2026, 11, 26)):
        iflow.record_session(
            session,
            actor=world.users["ta"],
            intervention=intervention,
            held_on=held_on,
            attended=set(),
            note=None,
            today=TODAY,
        )

    iflow.update_intervention(
        session,
        today=TODAY,
        actor=world.users["senco"],
        intervention=intervention,
        details=intervention_details(kind, world.users["ta"], starts_on=date(2026, 11, 9), ends_on=date(2026, 11, 26)),
        places=[iflow.Place(world.pupils["taught"]), iflow.Place(world.pupils["taught_plain"])],
    )

    assert (intervention.starts_on, intervention.ends_on) == (date(2026, 11, 9), date(2026, 11, 26))


def test_a_pupil_added_after_the_last_register_can_be_taken_out(session, world, kind):
    taught, plain, untaught = world.pupils["taught"], world.pupils["taught_plain"], world.pupils["untaught"]
    intervention = _start(session, world, kind)
    iflow.record_session(
        session,
        actor=world.users["ta"],
        intervention=intervention,
        held_on=date(2026, 11, 26),
        attended={taught.id},
        note=None,
        today=TODAY,
    )
    details = intervention_details(kind, world.users["ta"])
    iflow.update_intervention(
        session,
        today=TODAY,
        actor=world.users["senco"],
        intervention=intervention,
        details=details,
        places=[iflow.Place(taught), iflow.Place(plain), iflow.Place(untaught)],
    )

    iflow.update_intervention(
        session,
        today=TODAY,
        actor=world.users["senco"],
        intervention=intervention,
        details=details,
        places=[iflow.Place(taught), iflow.Place(plain)],
    )

    assert [p.pupil_id for p in intervention.places] == [taught.id, plain.id]
    assert count(session, InterventionPupil, InterventionPupil.pupil_id == untaught.id) == 0


# --- Ending early -------------------------------------------------------------------------------


def test_ending_early_moves_the_end_date(session, world, kind):
    intervention = _start(session, world, kind)

    iflow.end_intervention(session, actor=world.users["senco"], intervention=intervention, ended_on=TODAY, today=TODAY)

    assert intervention.ends_on == TODAY
    assert [(e.user_id, e.object_id) for e in audit_events(session, "intervention_ended")] == [
        (world.users["senco"].id, str(intervention.id))
    ]


@pytest.mark.parametrize(
    ("ended_on", "ends_on", "message"),
    [
        (TODAY + DAY, INTERVENTION_ENDS, "The end date cannot be in the future"),
        (INTERVENTION_STARTS, INTERVENTION_ENDS, "The end date must be after the start date"),
        (INTERVENTION_STARTS - DAY, INTERVENTION_ENDS, "The end date must be after the start date"),
        (date(2026, 11, 20), date(2026, 11, 13), "The intervention has already ended"),
    ],
    ids=["future", "on-start", "before-start", "after-it-ended"],
)
def test_ending_on_a_wrong_date_is_refused(session, world, kind, ended_on, ends_on, message):
    intervention = _start(session, world, kind, ends_on=ends_on)

    with pytest.raises(RuleBroken) as refused:
        iflow.end_intervention(
            session, actor=world.users["senco"], intervention=intervention, ended_on=ended_on, today=TODAY
        )

    assert _refusal(refused) == ("ended_on", message)
    assert intervention.ends_on == ends_on
    assert audit_events(session, "intervention_ended") == []


def test_ending_before_a_recorded_session_is_refused(session, world, kind):
    intervention = _start(session, world, kind)
    iflow.record_session(
        session,
        actor=world.users["ta"],
        intervention=intervention,
        held_on=date(2026, 11, 26),
        attended=set(),
        note=None,
        today=TODAY,
    )

    with pytest.raises(RuleBroken) as refused:
        iflow.end_intervention(
            session, actor=world.users["senco"], intervention=intervention, ended_on=date(2026, 11, 25), today=TODAY
        )

    assert _refusal(refused) == (
        "ended_on",
        "The end date cannot be before the last session recorded (26 November 2026)",
    )
    assert intervention.ends_on == INTERVENTION_ENDS


# --- Registers ----------------------------------------------------------------------------------


def test_a_register_has_a_row_for_every_pupil(session, world, kind):
    taught, plain = world.pupils["taught"], world.pupils["taught_plain"]
    intervention = _start(session, world, kind)

    register = iflow.record_session(
        session,
        actor=world.users["ta"],
        intervention=intervention,
        held_on=date(2026, 11, 26),
        attended={plain.id},
        note="  Read the new book  ",
        today=TODAY,
    )

    session.expire_all()
    assert (register.intervention_id, register.held_on, register.note, register.recorded_by_id) == (
        intervention.id,
        date(2026, 11, 26),
        "Read the new book",
        world.users["ta"].id,
    )
    assert sorted((a.pupil_id, a.attended) for a in register.attendance) == [(taught.id, False), (plain.id, True)]
    assert [(e.user_id, e.school_id, e.object_id) for e in audit_events(session, "session_recorded")] == [
        (world.users["ta"].id, world.school.id, str(register.id))
    ]


def test_a_register_with_nobody_present_marks_everyone_absent(session, world, kind):
    intervention = _start(session, world, kind)

    register = iflow.record_session(
        session,
        actor=world.users["ta"],
        intervention=intervention,
        held_on=TODAY,
        attended=set(),
        note=" ",
        today=TODAY,
    )

    assert [a.attended for a in register.attendance] == [False, False]
    assert register.note is None


@pytest.mark.parametrize(
    ("held_on", "ends_on", "attended", "field", "message"),
    [
        (TODAY + 3 * DAY, INTERVENTION_ENDS, (), "held_on", "A session cannot be recorded for a date in the future"),
        (
            INTERVENTION_STARTS - 4 * DAY,
            INTERVENTION_ENDS,
            (),
            "held_on",
            "The date must be within the intervention: 14 September 2026 to 11 December 2026",
        ),
        (
            date(2026, 11, 16),
            date(2026, 11, 13),
            (),
            "held_on",
            "The date must be within the intervention: 14 September 2026 to 13 November 2026",
        ),
        (
            date(2026, 11, 12),
            INTERVENTION_ENDS,
            ("untaught",),
            "attended",
            "Only pupils in the intervention can be marked present",
        ),
    ],
    ids=["future", "before-start", "after-end", "pupil-not-in-it"],
)
def test_a_register_on_a_wrong_date_or_with_a_stranger_is_refused(
    session, world, kind, held_on, ends_on, attended, field, message
):
    intervention = _start(session, world, kind, ends_on=ends_on)

    with pytest.raises(RuleBroken) as refused:
        iflow.record_session(
            session,
            actor=world.users["ta"],
            intervention=intervention,
            held_on=held_on,
            attended={world.pupils[k].id for k in attended} | {world.pupils["taught"].id},
            note=None,
            today=TODAY,
        )

    assert _refusal(refused) == (field, message)
    assert (count(session, InterventionSession), count(session, SessionAttendance)) == (0, 0)
    assert audit_events(session, "session_recorded") == []


def test_a_second_register_on_one_date_is_refused(session, world, kind):
    intervention = _start(session, world, kind)
    first = iflow.record_session(
        session,
        actor=world.users["ta"],
        intervention=intervention,
        held_on=date(2026, 11, 26),
        attended=set(),
        note=None,
        today=TODAY,
    )

    with pytest.raises(RuleBroken) as refused:
        iflow.record_session(
            session,
            actor=world.users["senco"],
            intervention=intervention,
            held_on=date(2026, 11, 26),
            attended={world.pupils["taught"].id},
            note=None,
            today=TODAY,
        )

    assert _refusal(refused) == ("held_on", "A session on this date is already recorded")
    assert session.scalars(sa.select(InterventionSession.id)).all() == [first.id]
    assert session.scalars(sa.select(SessionAttendance.attended)).all() == [False, False]


# --- Impact -------------------------------------------------------------------------------------

ENDED_ON = date(2026, 11, 13)


def _results(world, **ratings) -> dict[int, iflow.ImpactResult]:
    return {
        world.pupils[key].id: iflow.ImpactResult(exit_score=exit_score, impact=impact, comment=None)
        for key, (impact, exit_score) in ratings.items()
    }


def _no_impact_recorded(session, intervention) -> None:
    session.expire_all()
    assert [(p.impact, p.exit_score, p.impact_recorded_on) for p in intervention.places] == [(None, None, None)] * 2
    assert count(session, TimelineEvent, TimelineEvent.kind == "intervention_impact") == 0
    assert audit_events(session, "impact_recorded") == []


def test_impact_waits_for_the_end(session, world, kind):
    intervention = _start(session, world, kind)

    with pytest.raises(RuleBroken) as refused:
        iflow.record_impact(
            session,
            actor=world.users["ta"],
            intervention=intervention,
            results=_results(world, taught=(1, "30"), taught_plain=(0, "25")),
            today=TODAY,
        )

    assert _refusal(refused) == (
        None,
        "Impact is recorded when the intervention ends (11 December 2026): end it early if it has finished",
    )
    _no_impact_recorded(session, intervention)


@pytest.mark.parametrize(
    ("ratings", "message"),
    [
        ({"taught": (1, "30")}, "Choose the impact for every pupil"),
        ({"taught": (1, "30"), "taught_plain": (None, "25")}, "Choose the impact for every pupil"),
        ({"taught": (1, "30"), "taught_plain": (3, "25")}, "Choose the impact from the scale"),
        ({"taught": (1, "30"), "taught_plain": (-3, "25")}, "Choose the impact from the scale"),
    ],
    ids=["pupil-left-out", "pupil-without-rating", "above-scale", "below-scale"],
)
def test_impact_needs_a_rating_on_the_scale_for_every_pupil(session, world, kind, ratings, message):
    intervention = _start(session, world, kind, ends_on=ENDED_ON)

    with pytest.raises(RuleBroken) as refused:
        iflow.record_impact(
            session, actor=world.users["ta"], intervention=intervention, results=_results(world, **ratings), today=TODAY
        )

    assert _refusal(refused) == (f"impact_{world.pupils['taught_plain'].id}", message)
    _no_impact_recorded(session, intervention)


def test_impact_is_recorded_for_each_pupil_with_an_event_on_their_timeline(session, world, kind):
    ta = world.users["ta"]
    taught, plain = world.pupils["taught"], world.pupils["taught_plain"]
    intervention = _start(session, world, kind, ends_on=ENDED_ON)
    results = _results(world, taught=(2, " 34 "), taught_plain=(-1, None))
    results[taught.id].comment = "  Reads with expression  "

    iflow.record_impact(session, actor=ta, intervention=intervention, results=results, today=TODAY)

    session.expire_all()
    assert [
        (p.pupil_id, p.exit_score, p.impact, p.impact_comment, p.impact_recorded_on, p.impact_recorded_by_id)
        for p in intervention.places
    ] == [
        (taught.id, "34", 2, "Reads with expression", TODAY, ta.id),
        (plain.id, None, -1, None, TODAY, ta.id),
    ]
    [first] = _events(session, taught, "intervention_impact")
    [second] = _events(session, plain, "intervention_impact")
    assert (first.title, first.effective_on, first.actor_id) == ("Intervention ended: Reading group", ENDED_ON, ta.id)
    assert first.detail == "Impact: Much more progress than expected. Exit measure 34"
    assert second.detail == "Impact: Less progress than expected"
    assert [(e.pupil_id, e.object_id) for e in audit_events(session, "impact_recorded")] == [
        (taught.id, str(intervention.id)),
        (plain.id, str(intervention.id)),
    ]


def test_the_timeline_uses_the_schools_own_labels(session, world, kind):
    iflow.set_impact_scale(session, actor=world.users["senco"], school=world.school, labels=SCHOOL_SCALE)
    intervention = _start(session, world, kind, ends_on=ENDED_ON)

    iflow.record_impact(
        session,
        actor=world.users["ta"],
        intervention=intervention,
        results=_results(world, taught=(2, "34"), taught_plain=(-1, None)),
        today=TODAY,
    )

    assert _events(session, world.pupils["taught"], "intervention_impact")[0].detail == "Impact: Flew. Exit measure 34"
    assert (
        _events(session, world.pupils["taught_plain"], "intervention_impact")[0].detail == "Impact: Slower than hoped"
    )


def test_impact_may_be_recorded_on_the_day_an_intervention_is_ended_early(session, world, kind):
    intervention = _start(session, world, kind)
    iflow.end_intervention(session, actor=world.users["senco"], intervention=intervention, ended_on=TODAY, today=TODAY)

    iflow.record_impact(
        session,
        actor=world.users["ta"],
        intervention=intervention,
        results=_results(world, taught=(0, None), taught_plain=(0, None)),
        today=TODAY,
    )

    assert [p.impact for p in intervention.places] == [0, 0]
    assert _events(session, world.pupils["taught"], "intervention_impact")[0].effective_on == TODAY


def test_correcting_the_impact_changes_it_without_a_second_timeline_event(session, world, kind):
    intervention = _start(session, world, kind, ends_on=ENDED_ON)
    iflow.record_impact(
        session,
        actor=world.users["ta"],
        intervention=intervention,
        results=_results(world, taught=(2, "34"), taught_plain=(-1, None)),
        today=TODAY - DAY,
    )

    iflow.record_impact(
        session,
        actor=world.users["senco"],
        intervention=intervention,
        results=_results(world, taught=(1, "33"), taught_plain=(-1, None)),
        today=TODAY,
    )

    assert [(p.impact, p.exit_score, p.impact_recorded_on, p.impact_recorded_by_id) for p in intervention.places][
        0
    ] == (
        1,
        "33",
        TODAY,
        world.users["senco"].id,
    )
    assert len(_events(session, world.pupils["taught"], "intervention_impact")) == 1
    assert len(audit_events(session, "impact_recorded")) == 4


# --- Counting sessions --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("weekdays", "start", "end", "sessions"),
    [
        # Mondays to Fridays through four whole weeks: 2-6, 9-13, 16-20 and 23-27 November.
        ([MON, TUE, WED, THU, FRI], date(2026, 11, 2), date(2026, 11, 27), 20),
        # Saturday to Sunday: a weekend holds no school day.
        ([MON, TUE, WED, THU, FRI], date(2026, 11, 7), date(2026, 11, 8), 0),
        # Friday to Monday across a weekend: Fri 27 Nov and Mon 30 Nov.
        ([MON, FRI], date(2026, 11, 27), date(2026, 11, 30), 2),
        # Wednesday to the next Tuesday: Wed 4 Nov and Mon 9 Nov; Tue 10 Nov is not a Wednesday or Monday.
        ([MON, WED], date(2026, 11, 4), date(2026, 11, 10), 2),
        # Thursday to Wednesday, a week and a day: Thu 12, Mon 16 and Thu 19 Nov (Mon 9 is before it starts).
        ([MON, THU], date(2026, 11, 12), date(2026, 11, 19), 3),
        # One day, the right weekday and the wrong one.
        ([FRI], date(2026, 11, 27), date(2026, 11, 27), 1),
        ([MON], date(2026, 11, 27), date(2026, 11, 27), 0),
        # Thursdays through the autumn: 3, 10, 17, 24 Sep; 1, 8, 15, 22, 29 Oct; 5, 12, 19, 26 Nov;
        # 3, 10, 17, 24, 31 Dec.
        ([THU], date(2026, 9, 1), date(2026, 12, 31), 18),
        # An end before the start.
        ([MON, TUE, WED, THU, FRI], date(2026, 11, 27), date(2026, 11, 26), 0),
    ],
    ids=[
        "four-weeks",
        "weekend",
        "across-a-weekend",
        "partial-week",
        "week-and-a-day",
        "one-day",
        "one-other-day",
        "autumn-thursdays",
        "backwards",
    ],
)
def test_sessions_between_counts_the_chosen_weekdays(weekdays, start, end, sessions):
    assert sessions_between(weekdays, start, end) == sessions


# --- Terms --------------------------------------------------------------------------------------


def _terms(terms) -> list[tuple[str, date, date]]:
    return [(t.name, t.starts_on, t.ends_on) for t in terms]


def _default_year(year: int) -> list[tuple[str, date, date]]:
    return [
        (f"Autumn {year}", date(year, 9, 1), date(year, 12, 31)),
        (f"Spring {year + 1}", date(year + 1, 1, 1), date(year + 1, 3, 31)),
        (f"Summer {year + 1}", date(year + 1, 4, 1), date(year + 1, 8, 31)),
    ]


@pytest.mark.parametrize(
    ("today", "this_year"),
    [(TODAY, 2026), (date(2027, 8, 31), 2026), (date(2026, 8, 31), 2025), (date(2026, 9, 1), 2026)],
    ids=["autumn", "last-day-of-summer", "day-before-the-year", "first-day-of-the-year"],
)
def test_a_school_without_terms_of_its_own_has_the_default_terms_of_last_this_and_next_year(
    session, world, today, this_year
):
    assert _terms(school_terms(session, world.school, today)) == (
        _default_year(this_year - 1) + _default_year(this_year) + _default_year(this_year + 1)
    )


OAK_TERMS = [
    ("Autumn 2026", date(2026, 9, 2), date(2026, 12, 18)),
    ("Spring 2027", date(2027, 1, 5), date(2027, 3, 26)),
    ("Summer 2027", date(2027, 4, 12), date(2027, 7, 21)),
]


@pytest.fixture
def oak_terms(session, world):
    for season, (_, starts_on, ends_on) in reversed(list(zip(Season, OAK_TERMS, strict=True))):
        session.add(
            SchoolTerm(
                school_id=world.school.id, academic_year=2026, season=season, starts_on=starts_on, ends_on=ends_on
            )
        )
    session.add(
        SchoolTerm(
            school_id=world.school.id,
            academic_year=2024,
            season=Season.AUTUMN,
            starts_on=date(2024, 9, 3),
            ends_on=date(2024, 12, 20),
        )
    )
    session.add(
        SchoolTerm(
            school_id=world.foreign.id,
            academic_year=2026,
            season=Season.AUTUMN,
            starts_on=date(2026, 9, 7),
            ends_on=date(2026, 12, 16),
        )
    )
    session.flush()


def test_a_school_with_terms_of_its_own_uses_them(session, world, oak_terms):
    # This year's own dates; last and next year, with none of their own, keep the defaults.
    assert _terms(school_terms(session, world.school, TODAY)) == _default_year(2025) + OAK_TERMS + _default_year(2027)
    assert _terms(school_terms(session, world.sibling, TODAY)) == _default_year(2025) + _default_year(
        2026
    ) + _default_year(2027)


@pytest.mark.parametrize(
    ("today", "term"),
    [
        (TODAY, "Autumn 2026"),
        (date(2026, 12, 18), "Autumn 2026"),
        (date(2027, 1, 5), "Spring 2027"),
        (date(2026, 12, 22), "Spring 2027"),
    ],
    ids=["in-term", "last-day", "first-day", "holiday-nearest-start"],
)
def test_the_current_term_is_the_one_today_falls_in_or_the_nearest(session, world, oak_terms, today, term):
    assert current_term(school_terms(session, world.school, TODAY), today).name == term


# --- The provision map --------------------------------------------------------------------------
# Three interventions at Oak in the autumn term, worked out by hand:
#   Reading group (wave 2, 2.50 a session): Mondays and Thursdays, 30 minutes, 14 Sep to 11 Dec;
#     Mondays 14, 21, 28 Sep, 5, 12, 19, 26 Oct, 2, 9, 16, 23, 30 Nov, 7 Dec (13) and Thursdays
#     17, 24 Sep, 1, 8, 15, 22, 29 Oct, 5, 12, 19, 26 Nov, 3, 10 Dec (13): 26 sessions, 13 hours,
#     26 x 250 = 6500p, two pupils: 3250p each.
#   Talk boost (wave 1, staff at 18.20 an hour): one-to-one on Tuesdays, 25 minutes, 3 Nov 2026 to
#     26 Jan 2027; in the autumn Tuesdays 3, 10, 17, 24 Nov, 1, 8, 15, 22, 29 Dec: 9 sessions,
#     3.75 hours (3.8 shown), 3.75 x 1820 = 6825p. In the spring 5, 12, 19, 26 Jan: 4 sessions,
#     1.67 hours (1.7 shown), 1.6667 x 1820 = 3033p.
#   Maths booster (wave 3, 9.00 a session): Fridays, 45 minutes, 2 Oct to 20 Nov; Fridays 2, 9,
#     16, 23, 30 Oct, 6, 13, 20 Nov: 8 sessions, 6 hours, 7200p, two pupils: 3600p each.
# A summer intervention and one at another school stay off the map.

AUTUMN = Term("Autumn 2026", date(2026, 9, 1), date(2026, 12, 31))
SPRING = Term("Spring 2027", date(2027, 1, 1), date(2027, 3, 31))


@pytest.fixture
def oak_map(session, world):
    senco, ta, teacher = world.users["senco"], world.users["ta"], world.users["teacher"]
    p = world.pupils
    year6 = make_pupil(session, world.school, first="Hana", last="Iqbal", year=6)
    reading = make_intervention_type(session, actor=senco, name="Reading catch-up", wave=2, cost_per_session_pence=250)
    talk = make_intervention_type(
        session,
        actor=senco,
        name="Talk boost",
        wave=1,
        cost_basis=CostBasis.STAFF_HOURS,
        cost_per_session_pence=None,
        hourly_rate_pence=1820,
    )
    maths = make_intervention_type(session, actor=senco, name="Maths booster", wave=3, cost_per_session_pence=900)
    made = {
        "Reading group": make_intervention(
            session, actor=senco, kind=reading, deliverer=ta, pupils=[p["taught"], p["taught_plain"]]
        ),
        "Talk boost": make_intervention(
            session,
            actor=senco,
            kind=talk,
            deliverer=ta,
            pupils=[p["untaught"]],
            name="Talk boost",
            delivery=Delivery.ONE_TO_ONE,
            weekdays=[TUE],
            minutes_per_session=25,
            starts_on=date(2026, 11, 3),
            ends_on=date(2027, 1, 26),
        ),
        "Maths booster": make_intervention(
            session,
            actor=senco,
            kind=maths,
            deliverer=teacher,
            pupils=[p["taught"], year6],
            name="Maths booster",
            weekdays=[FRI],
            minutes_per_session=45,
            starts_on=date(2026, 10, 2),
            ends_on=date(2026, 11, 20),
        ),
    }
    make_intervention(
        session,
        actor=senco,
        kind=reading,
        deliverer=ta,
        pupils=[p["untaught_k"]],
        name="Summer reading",
        starts_on=date(2026, 5, 4),
        ends_on=date(2026, 7, 10),
    )
    far = world.users["foreign_senco"]
    make_intervention(
        session, actor=far, kind=make_intervention_type(session, actor=far), deliverer=far, pupils=[p["foreign"]]
    )
    for held_on in (date(2026, 11, 23), date(2026, 11, 26)):
        iflow.record_session(
            session,
            actor=ta,
            intervention=made["Reading group"],
            held_on=held_on,
            attended=set(),
            note=None,
            today=TODAY,
        )
    return made


def _rows(result) -> list[tuple]:
    return [
        (r.intervention.name, r.sessions, r.staff_hours, r.cost_pence, len(r.pupils), r.cost_per_pupil_pence)
        for r in result.rows
    ]


def test_the_map_lists_the_terms_interventions_with_hours_and_cost(session, world, oak_map):
    result = provision_map(session, world.school, AUTUMN)

    assert result.term == AUTUMN
    assert _rows(result) == [
        ("Maths booster", 8, 6.0, 7200, 2, 3600),
        ("Reading group", 26, 13.0, 6500, 2, 3250),
        ("Talk boost", 9, 3.8, 6825, 1, 6825),
    ]


def test_hours_are_sessions_times_minutes(session, world, oak_map):
    for row in provision_map(session, world.school, AUTUMN).rows:
        assert row.staff_hours == round(row.sessions * row.intervention.minutes_per_session / 60, 1)


def test_staff_hours_are_costed_before_the_hours_are_rounded(session, world, oak_map):
    [row] = [r for r in provision_map(session, world.school, AUTUMN).rows if r.intervention.name == "Talk boost"]

    assert (row.staff_hours, row.cost_pence) == (3.8, 6825)  # 3.75 hours x 18.20, not 3.8 x 18.20 (6916)


def test_an_intervention_spanning_two_terms_counts_in_each_only_for_its_part(session, world, oak_map):
    talk = oak_map["Talk boost"]

    assert _rows(provision_map(session, world.school, SPRING)) == [("Talk boost", 4, 1.7, 3033, 1, 3033)]
    assert sessions_between(talk.weekdays, talk.starts_on, talk.ends_on) == 9 + 4


def test_the_map_counts_the_registers_taken_in_the_term(session, world, oak_map):
    recorded = {r.intervention.name: r.sessions_recorded for r in provision_map(session, world.school, AUTUMN).rows}

    assert recorded == {"Maths booster": 0, "Reading group": 2, "Talk boost": 0}


def test_the_totals_count_each_pupil_once(session, world, oak_map):
    result = provision_map(session, world.school, AUTUMN)

    assert result.total_hours == 22.8  # 6.0 + 13.0 + 3.8
    assert result.total_cost_pence == 20525  # 7200 + 6500 + 6825
    assert result.pupil_count == 4  # Ada is in two interventions: Ada, Ben, Cara, Hana
    assert result.cost_per_pupil_pence == 5131  # 20525 / 4 = 5131.25


def test_an_empty_map_has_nothing_to_divide(session, world):
    result = provision_map(session, world.school, AUTUMN)

    assert (
        result.rows,
        result.total_hours,
        result.total_cost_pence,
        result.pupil_count,
        result.cost_per_pupil_pence,
    ) == ([], 0, 0, 0, 0)


@pytest.mark.parametrize(
    ("year_group", "names"),
    [(6, ["Maths booster"]), (4, ["Maths booster", "Reading group", "Talk boost"]), (5, [])],
)
def test_the_year_group_filter_keeps_interventions_with_a_pupil_in_that_year(
    session, world, oak_map, year_group, names
):
    result = provision_map(session, world.school, AUTUMN, year_group=year_group)

    assert [r.intervention.name for r in result.rows] == names


def test_the_year_group_filter_shows_the_whole_group(session, world, oak_map):
    [row] = provision_map(session, world.school, AUTUMN, year_group=6).rows

    assert [(p.first_name, p.year_group) for p in row.pupils] == [("Ada", 4), ("Hana", 6)]


@pytest.mark.parametrize(("wave", "names"), [(1, ["Talk boost"]), (2, ["Reading group"]), (3, ["Maths booster"])])
def test_the_wave_filter_keeps_interventions_of_that_wave(session, world, oak_map, wave, names):
    assert [r.intervention.name for r in provision_map(session, world.school, AUTUMN, wave=wave).rows] == names


@pytest.mark.parametrize(
    ("sort", "names"),
    [
        ("name", ["Maths booster", "Reading group", "Talk boost"]),
        ("wave", ["Talk boost", "Reading group", "Maths booster"]),
        ("hours", ["Reading group", "Maths booster", "Talk boost"]),
        ("cost", ["Maths booster", "Talk boost", "Reading group"]),
        ("cost_per_pupil", ["Talk boost", "Maths booster", "Reading group"]),
        ("anything-else", ["Maths booster", "Reading group", "Talk boost"]),
    ],
)
def test_each_sort(session, world, oak_map, sort, names):
    assert [r.intervention.name for r in provision_map(session, world.school, AUTUMN, sort=sort).rows] == names


@contextmanager
def _statements(session):
    """The SQL statements sent on the session's connection inside the block."""
    sent: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany):
        sent.append(statement)

    connection = session.connection()
    sa.event.listen(connection, "before_cursor_execute", record)
    try:
        yield sent
    finally:
        sa.event.remove(connection, "before_cursor_execute", record)


def _add_interventions(session, world, number: int) -> None:
    """`number` interventions in the autumn, each with its own two pupils and a register, spread
    over three catalogue entries and two deliverers."""
    senco = world.users["senco"]
    kinds = list(session.scalars(sa.select(InterventionType).where(InterventionType.school_id == world.school.id)))
    for n in range(len(kinds), 3):
        kinds.append(make_intervention_type(session, actor=senco, name=f"Catalogue entry {n}", wave=n + 1))
    done = count(session, Intervention)
    for n in range(done, done + number):
        pupils = [make_pupil(session, world.school, first=f"Pupil{n}", last=x, year=3 + n % 4) for x in ("A", "B")]
        intervention = make_intervention(
            session,
            actor=senco,
            kind=kinds[n % 3],
            deliverer=world.users[("ta", "teacher")[n % 2]],
            pupils=pupils,
            name=f"Group {n:02}",
        )
        iflow.record_session(
            session,
            actor=senco,
            intervention=intervention,
            held_on=date(2026, 11, 26),
            attended={pupils[0].id},
            note=None,
            today=TODAY,
        )


def _statements_for_map(session, school, **filters) -> tuple[int, int]:
    """How many statements the map sends, and its number of rows, reading everything a page shows."""
    session.expire_all()
    session.refresh(school)  # reload the school before counting
    with _statements(session) as sent:
        result = provision_map(session, school, AUTUMN, **filters)
        for row in result.rows:
            assert row.intervention.type.name and row.intervention.delivered_by.full_name
            assert all(pupil.full_name for pupil in row.pupils)
    return len(sent), len(result.rows)


@pytest.mark.parametrize("filters", [{}, {"year_group": 4}, {"wave": 2, "sort": "cost"}], ids=["all", "year", "wave"])
def test_the_map_sends_as_many_statements_for_twenty_interventions_as_for_two(session, world, filters):
    _add_interventions(session, world, 2)
    few, few_rows = _statements_for_map(session, world.school, **filters)
    _add_interventions(session, world, 18)
    many, many_rows = _statements_for_map(session, world.school, **filters)

    assert 0 < few_rows < many_rows
    assert 0 < few == many


# --- Who reaches interventions and their pupils -------------------------------------------------


@pytest.fixture
def staff(session, world):
    other_teacher = make_user(session, "teacher2@oak.test", Role.TEACHER, school=world.school)
    other_ta = make_user(session, "ta2@oak.test", Role.SUPPORT_ASSISTANT, school=world.school)
    ash = TeachingGroup(school_id=world.school.id, name="4 Ash", year_group=4)
    ash.pupils.append(world.pupils["untaught_k"])
    ash.teachers.append(other_teacher)
    session.add(ash)
    session.flush()
    return world.users | {"other_teacher": other_teacher, "other_ta": other_ta}


@pytest.fixture
def delivered(session, world, staff, kind):
    """The assistant's group (Ada, taught by the teacher, and Cara) and the other assistant's
    one-to-one (Dev, taught by the other teacher)."""
    mine = _start(session, world, kind, pupils=("taught", "untaught"))
    theirs = make_intervention(
        session,
        actor=world.users["senco"],
        kind=kind,
        deliverer=staff["other_ta"],
        name="Dev's reading",
        delivery=Delivery.ONE_TO_ONE,
        pupils=[world.pupils["untaught_k"]],
    )
    return mine, theirs


def _pupils_in(session, condition) -> set[int]:
    return set(session.scalars(sa.select(Pupil.id).where(condition)))


def test_an_assistant_reaches_exactly_the_pupils_of_the_interventions_they_deliver(session, world, staff, delivered):
    mine, _ = delivered
    # Places for pupils of other schools, put in behind the workflow's back, stay out of reach.
    session.add_all(
        [InterventionPupil(intervention_id=mine.id, pupil_id=world.pupils[k].id) for k in ("sibling_k", "foreign")]
    )
    session.flush()
    expected = {world.pupils["taught"].id, world.pupils["untaught"].id}

    assert _pupils_in(session, pupil_scope(staff["ta"])) == expected
    assert _pupils_in(session, sen_scope(staff["ta"])) == expected
    assert _pupils_in(session, scope_for(staff["ta"], Ability.RECORD_SESSION)) == expected
    assert _pupils_in(session, pupil_scope(staff["other_ta"])) == {world.pupils["untaught_k"].id}


def test_an_assistant_who_delivers_nothing_reaches_no_pupil(session, world, staff):
    assert _pupils_in(session, pupil_scope(staff["other_ta"])) == set()


REACHES = {  # user: (view, record a session, set up or change)
    "senco": (True, True, True),
    "head": (True, False, False),
    "teacher": (True, True, True),  # teaches Ada, who is in the group
    "other_teacher": (False, False, False),  # teaches Dev, who is not
    "ta": (True, True, False),  # delivers it
    "other_ta": (False, False, False),  # delivers Dev's one-to-one
    "governor": (False, False, False),
    "foreign_senco": (False, False, False),
}
ABILITIES = (Ability.VIEW_SEN, Ability.RECORD_SESSION, Ability.SET_UP_INTERVENTION)


@pytest.mark.parametrize("user_key", REACHES)
@pytest.mark.parametrize("ability", ABILITIES, ids=lambda a: a.value)
def test_who_reaches_an_intervention(session, world, staff, delivered, user_key, ability):
    mine, _ = delivered
    user = staff[user_key]
    expected = REACHES[user_key][ABILITIES.index(ability)]

    in_scope = session.scalar(
        sa.select(sa.func.count()).where(Intervention.id == mine.id, intervention_scope(user, ability))
    )

    assert bool(in_scope) is expected
    if expected:
        assert get_intervention(user, mine.id, ability) is mine
    else:
        with pytest.raises(NotFound):
            get_intervention(user, mine.id, ability)


def test_a_teacher_reaches_an_intervention_they_set_up_once_its_pupil_moves_class(session, world, staff, kind):
    from sentrack.access import intervention_pupil_ids

    teacher, pupil = staff["teacher"], world.pupils["taught"]
    intervention = make_intervention(session, actor=teacher, kind=kind, deliverer=staff["ta"], pupils=[pupil])
    pupil.groups.remove(world.group)
    session.flush()

    assert get_intervention(teacher, intervention.id, Ability.RECORD_SESSION) is intervention
    # Reaching the intervention is not reaching its pupil, who is now another teacher's.
    assert intervention_pupil_ids(teacher, intervention) == frozenset()


def test_a_teacher_cannot_set_up_an_intervention_for_a_pupil_they_do_not_teach(session, world, staff, kind):
    with pytest.raises(RuleBroken, match="not a pupil you can set up an intervention for"):
        make_intervention(
            session, actor=staff["other_teacher"], kind=kind, deliverer=staff["ta"], pupils=[world.pupils["untaught"]]
        )


# --- Further refusals ---------------------------------------------------------------------------


def test_pupils_of_another_school_cannot_be_placed(session, world, kind):
    with pytest.raises(RuleBroken) as refused:
        _start(session, world, kind, pupils=("taught", "foreign"))

    assert _refusal(refused) == ("pupils", "Choose pupils of this school")
    assert session.scalar(sa.select(sa.func.count(Intervention.id))) == 0


def test_an_entry_taken_out_of_the_catalogue_cannot_start_a_new_intervention(session, world, kind):
    kind.active = False
    session.flush()

    with pytest.raises(RuleBroken) as refused:
        _start(session, world, kind)

    assert _refusal(refused) == ("type_id", "This intervention is no longer offered: choose another from the catalogue")


def test_a_catalogue_name_is_trimmed_and_may_not_be_blank(session, world):
    entry = make_intervention_type(session, actor=world.users["senco"], name="  Toe by Toe  ")
    assert entry.name == "Toe by Toe"

    with pytest.raises(RuleBroken) as refused:
        make_intervention_type(session, actor=world.users["senco"], name="   ")
    assert _refusal(refused) == ("name", "Enter the name of the intervention")

    with pytest.raises(RuleBroken) as refused:
        make_intervention_type(session, actor=world.users["senco"], name="toe BY toe ")
    assert _refusal(refused) == ("name", "The catalogue already has an intervention with this name")


def test_impact_labels_that_differ_only_in_case_are_refused(session, world):
    labels = {-2: "Poor", -1: "Weak", 0: "Good", 1: "good", 2: "Great"}

    with pytest.raises(RuleBroken) as refused:
        iflow.set_impact_scale(session, actor=world.users["senco"], school=world.school, labels=labels)

    assert _refusal(refused) == ("label_0", "Each point of the scale needs its own label")
    assert world.school.impact_scale is None


def test_a_pupil_who_joins_later_gets_a_timeline_event_dated_when_they_join(session, world, kind):
    intervention = _start(session, world, kind)
    joining = world.pupils["untaught"]

    iflow.update_intervention(
        session,
        today=TODAY,
        actor=world.users["senco"],
        intervention=intervention,
        details=intervention_details(kind, world.users["ta"]),
        places=[iflow.Place(world.pupils["taught"]), iflow.Place(world.pupils["taught_plain"]), iflow.Place(joining)],
    )

    [event] = session.scalars(
        sa.select(TimelineEvent).where(
            TimelineEvent.pupil_id == joining.id, TimelineEvent.kind == "intervention_started"
        )
    ).all()
    assert event.effective_on == min(TODAY, intervention.ends_on)
    assert event.title == f"Intervention starts: {intervention.name}"


# --- Wave 3 for a pupil off the SEN register ------------------------------------------------------


@pytest.fixture
def wave3(session, world) -> InterventionType:
    return make_intervention_type(session, actor=world.users["senco"], name="Speech and language one-to-one", wave=3)


def _start_with(session, world, kind, actor_key, places) -> Intervention:
    return iflow.start_intervention(
        session,
        actor=world.users[actor_key],
        details=intervention_details(kind, world.users["ta"]),
        places=places,
        today=TODAY,
    )


def _told(session) -> list[Notification]:
    return list(
        session.scalars(
            sa.select(Notification).where(Notification.kind == iflow.OFF_REGISTER_WAVE_3).order_by(Notification.id)
        )
    )


def _provision(session, pupil) -> Provision:
    status = current_status(session, pupil)
    return status.provision if status else Provision.NONE


def test_a_teacher_starting_wave_3_for_a_pupil_off_the_register_tells_the_senco(session, world, wave3):
    plain = world.pupils["taught_plain"]

    intervention = _start_with(
        session, world, wave3, "teacher", [iflow.Place(pupil=plain), iflow.Place(pupil=world.pupils["taught"])]
    )

    [told] = _told(session)
    place = next(p for p in intervention.places if p.pupil_id == plain.id)
    assert (told.recipient_id, told.subject_type, told.subject_id, told.period) == (
        world.users["senco"].id,
        "intervention_pupil",
        place.id,
        "",
    )
    assert told.title == "A pupil starting a wave 3 intervention is not on SEN support"
    assert plain.first_name not in told.title and plain.last_name not in told.title
    assert plain.first_name not in told.body and plain.last_name not in told.body
    assert told.link == f"/pupils/{plain.public_id}"
    assert _provision(session, plain) is Provision.NONE


def test_a_teacher_cannot_place_a_pupil_on_sen_support_through_an_intervention(session, world, wave3):
    plain = world.pupils["taught_plain"]
    before = count(session, Intervention)

    with pytest.raises(RuleBroken) as refused:
        _start_with(
            session, world, wave3, "teacher", [iflow.Place(pupil=plain, sen_support=True, primary_need=NeedType.SLCN)]
        )

    assert refused.value.field == f"sen_{plain.public_id}"
    assert refused.value.message.startswith("Only the SENCO can place a pupil on SEN support")
    assert count(session, Intervention) == before
    assert _provision(session, plain) is Provision.NONE


def test_the_senco_places_the_pupil_on_sen_support_with_the_letter(session, world, wave3):
    plain = world.pupils["taught_plain"]

    _start_with(
        session, world, wave3, "senco", [iflow.Place(pupil=plain, sen_support=True, primary_need=NeedType.SLCN)]
    )

    status = current_status(session, plain)
    assert (status.provision, status.primary_need, status.start_date) == (Provision.SEN_SUPPORT, NeedType.SLCN, TODAY)
    [letter] = session.scalars(sa.select(ParentLetter).where(ParentLetter.pupil_id == plain.id)).all()
    assert (letter.sen_status_id, letter.sent_on) == (status.id, None)
    assert [e.title for e in _events(session, plain, "sen_status")] == ["Placed on SEN support"]
    assert _told(session) == []


def test_placing_on_sen_support_needs_the_primary_need(session, world, wave3):
    plain = world.pupils["taught_plain"]
    before = count(session, Intervention)

    with pytest.raises(RuleBroken) as refused:
        _start_with(session, world, wave3, "senco", [iflow.Place(pupil=plain, sen_support=True)])

    assert (refused.value.field, refused.value.message) == (
        f"need_{plain.public_id}",
        "Select Ben Cole's primary type of need",
    )
    assert count(session, Intervention) == before


def test_the_senco_leaving_the_pupil_off_tells_the_other_sencos_not_themselves(session, world, wave3):
    deputy = make_user(session, "deputy@oak.test", Role.SENCO, school=world.school)
    plain = world.pupils["taught_plain"]

    _start_with(session, world, wave3, "senco", [iflow.Place(pupil=plain, sen_support=False)])

    assert [n.recipient_id for n in _told(session)] == [deputy.id]
    assert _provision(session, plain) is Provision.NONE


@pytest.mark.parametrize(
    ("wave", "pupil_key", "told"),
    [
        (2, "taught_plain", False),
        (3, "taught_plain", True),
        (3, "taught", False),  # on SEN support (K)
        (3, "untaught", False),  # with an EHC plan (E)
    ],
    ids=["wave-2-off-register", "wave-3-off-register", "wave-3-on-k", "wave-3-on-e"],
)
def test_only_wave_3_for_a_pupil_off_the_register_asks(session, world, wave, pupil_key, told):
    kind = make_intervention_type(session, actor=world.users["senco"], name=f"Entry {wave}", wave=wave)
    pupil = world.pupils[pupil_key]

    assert iflow.needs_sen_decision(session, kind, [pupil]) == ({pupil.id} if told else set())
    _start_with(session, world, kind, "senco" if pupil_key == "untaught" else "teacher", [iflow.Place(pupil=pupil)])
    assert len(_told(session)) == (1 if told else 0)


def test_a_pupil_whose_sen_support_ended_is_off_the_register(session, world, wave3):
    pupil = world.pupils["taught"]
    change_sen_status(
        session,
        actor=world.users["senco"],
        pupil=pupil,
        provision=Provision.NONE,
        primary_need=None,
        secondary_need=None,
        start_date=TODAY - DAY,
        reason="Stepped down",
        today=TODAY,
    )

    assert iflow.needs_sen_decision(session, wave3, [pupil]) == {pupil.id}
