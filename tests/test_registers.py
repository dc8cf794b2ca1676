"""Registers as teachers keep them: absences with their reasons, sessions that did not take place
(counted nowhere as delivered or missed), weekends and holidays confirmed first, corrections by
whoever took the register or the SENCO with their history, an intervention ended early reading so
everywhere, the home page's register in three interactions, and the one-page passport."""

from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa

from sentrack.models import (
    AbsenceReason,
    InterventionSession,
    NotHeldReason,
    SchoolTerm,
    Season,
)
from sentrack.workflows import RuleBroken, registers
from sentrack.workflows import interventions as flow
from sentrack.workflows.intervention_status import Stage, status
from tests.factories import drive_cycle, make_pupil
from tests.helpers import audit_events, date_parts, field_error, rows
from tests.test_interventions_views import TODAY, _register, _start

MONDAY = date(2026, 11, 23)


@pytest.fixture
def trio(session, world):
    """Three pupils of the teacher's class."""
    third = make_pupil(session, world.school, first="Cy", last="Dunn", group=world.group)
    session.commit()
    return [world.pupils["taught"], world.pupils["taught_plain"], third]


@pytest.fixture
def running(session, world, trio):
    """The three in a group delivered by the assistant on Mondays, Wednesdays and Fridays: it runs today."""
    return _start(session, world, trio)


def _session_on(session, intervention, day) -> InterventionSession | None:
    session.expire_all()
    return session.scalar(
        sa.select(InterventionSession).where(
            InterventionSession.intervention_id == intervention.id, InterventionSession.held_on == day
        )
    )


def _marks(register: InterventionSession) -> dict[int, tuple]:
    return {row.pupil_id: (row.attended, row.absence_reason, row.absence_note) for row in register.attendance}


# --- What counts ----------------------------------------------------------------------------------


def test_a_session_that_did_not_happen_counts_neither_as_delivered_nor_as_missed(session, world, running, trio):
    _register(session, world, running, date(2026, 11, 20), absent=[trio[1]])
    flow.record_session(
        session,
        actor=world.users["ta"],
        intervention=running,
        held_on=MONDAY,
        not_held=NotHeldReason.STAFF_ABSENT,
        today=TODAY,
    )
    session.commit()

    counts = registers.session_counts(session, [running.id])[running.id]
    tallies = registers.attendance(running)
    pupil = registers.pupil_attendance(session, trio[1].id, [running.id])[running.id]

    assert (counts.delivered, counts.not_held) == (1, 1)
    assert (tallies[trio[0].id].attended, tallies[trio[0].id].recorded) == (1, 1)
    assert (pupil.attended, pupil.recorded) == (0, 1)
    assert _session_on(session, running, MONDAY).attendance == []


def test_the_pages_count_a_session_not_held_apart(client, world, login, session, running, trio):
    _register(session, world, running, date(2026, 11, 20))
    flow.record_session(
        session, actor=world.users["ta"], intervention=running, held_on=MONDAY, not_held=NotHeldReason.TRIP, today=TODAY
    )
    session.commit()
    login(world.users["senco"])

    shown = client.page(f"/interventions/{running.id}")
    listed = client.page("/interventions/")
    mapped = client.page("/provision-map")

    assert shown.summary()["Sessions recorded"] == "1 delivered, 1 did not take place"
    assert ["23 Nov 2026", "Did not take place", "Trip or school event", ""] in shown.table(
        "2 sessions recorded, newest first"
    )
    assert "100%" in shown.html and "50%" not in shown.html  # attendance over the delivered session only
    assert listed.table("1 intervention")[0][5] == "1 1 did not take place"
    assert "1 delivered, 1 did not take place" in mapped.table("table.app-map")[0][4]


# --- Taking a register ----------------------------------------------------------------------------


def test_an_absence_for_another_reason_needs_its_note_and_nothing_is_stored(
    client, world, login, session, running, trio
):
    login(world.users["ta"])

    page = client.post_page(
        f"/interventions/{running.id}/sessions/new",
        data={
            "held_on": date_parts(TODAY),
            "happened": "yes",
            **rows(*({"pupil": str(p.id), "mark": "other" if p == trio[2] else "present"} for p in trio)),
        },
    )

    assert field_error(page, "rows-2-note") == f"Say why {trio[2].full_name} was absent"
    assert _session_on(session, running, TODAY) is None


def test_a_session_that_did_not_happen_is_recorded_with_its_reason(client, world, login, session, running, trio):
    login(world.users["ta"])

    response = client.post(
        f"/interventions/{running.id}/sessions/new",
        data={
            "held_on": date_parts(MONDAY),
            "happened": "other",
            "note": "Fire drill",
            **rows({"pupil": str(trio[0].id), "mark": "ill"}),
        },
    )

    assert response.status_code == 302
    register = _session_on(session, running, MONDAY)
    assert (register.not_held_reason, register.note, register.attendance) == (NotHeldReason.OTHER, "Fire drill", [])
    assert [e.object_id for e in audit_events(session, "session_not_held")] == [str(register.id)]


def test_another_reason_for_a_session_not_held_needs_a_note(client, world, login, session, running):
    login(world.users["ta"])

    page = client.post_page(
        f"/interventions/{running.id}/sessions/new", data={"held_on": date_parts(MONDAY), "happened": "other"}
    )

    assert field_error(page, "note") == "Say why the session did not take place"
    assert _session_on(session, running, MONDAY) is None


def test_a_weekend_session_asks_to_confirm_before_anything_is_stored(client, world, login, session, running, trio):
    login(world.users["ta"])
    saturday = date(2026, 11, 21)
    data = {"held_on": date_parts(saturday), "happened": "yes", **rows({"pupil": str(trio[1].id), "mark": "ill"})}

    asked = client.post_page(f"/interventions/{running.id}/sessions/new", data=data)
    assert _session_on(session, running, saturday) is None
    assert "21 November 2026 is a Saturday" in asked
    assert asked.one('input[name="confirmed"]')["value"] == "2026-11-21"
    assert asked.one('input[name="rows-0-mark"][value="ill"]').has_attr("checked")  # nothing typed is lost

    response = client.post(f"/interventions/{running.id}/sessions/new", data={**data, "confirmed": "2026-11-21"})

    assert response.status_code == 302
    assert _marks(_session_on(session, running, saturday))[trio[1].id] == (False, AbsenceReason.ILL, None)


def test_a_day_in_the_school_s_half_term_is_a_holiday(session, world):
    session.add(
        SchoolTerm(
            school_id=world.school.id,
            academic_year=2026,
            season=Season.AUTUMN,
            starts_on=date(2026, 9, 2),
            ends_on=date(2026, 12, 18),
            half_term_starts_on=date(2026, 10, 26),
            half_term_ends_on=date(2026, 10, 30),
        )
    )
    session.commit()

    assert registers.unusual_day(session, world.school, date(2026, 10, 27)) == "in the school holidays"
    assert registers.unusual_day(session, world.school, date(2026, 12, 21)) == "in the school holidays"
    assert registers.unusual_day(session, world.school, date(2026, 11, 22)) == "a Sunday"
    assert registers.unusual_day(session, world.school, MONDAY) is None


def test_the_workflow_refuses_an_unconfirmed_weekend(session, world, running):
    with pytest.raises(RuleBroken, match="is a Saturday"):
        flow.record_session(
            session,
            actor=world.users["ta"],
            intervention=running,
            held_on=date(2026, 11, 21),
            attended=set(),
            today=TODAY,
        )


# --- Corrections ----------------------------------------------------------------------------------


def _correct(client, intervention, register, **data):
    return client.post(
        f"/interventions/{intervention.id}/sessions/{register.id}/correct",
        data={"version": str(register.version), "happened": "yes", **data},
    )


def test_whoever_took_the_register_corrects_it_and_the_history_says_what_changed(
    client, world, login, session, running, trio
):
    _register(session, world, running, MONDAY)
    session.commit()
    register = _session_on(session, running, MONDAY)
    login(world.users["ta"])

    response = _correct(client, running, register, **rows({"pupil": str(trio[1].id), "mark": "declined"}))

    assert response.headers["Location"] == f"/interventions/{running.id}/sessions/{register.id}"
    corrected = _session_on(session, running, MONDAY)
    assert (corrected.version, _marks(corrected)[trio[1].id]) == (2, (False, AbsenceReason.DECLINED, None))
    page = client.page(f"/interventions/{running.id}/sessions/{register.id}")
    assert f"{trio[1].full_name}: Present to Absent: Did not want to come" in page
    assert [e.pupil_id for e in audit_events(session, "attendance_corrected")] == [trio[1].id]


def test_the_senco_corrects_a_register_to_say_it_did_not_happen(client, world, login, session, running, trio):
    _register(session, world, running, MONDAY)
    session.commit()
    register = _session_on(session, running, MONDAY)
    login(world.users["senco"])

    _correct(client, running, register, happened="school_closed")

    corrected = _session_on(session, running, MONDAY)
    assert (corrected.not_held_reason, corrected.attendance) == (NotHeldReason.SCHOOL_CLOSED, [])
    assert registers.session_counts(session, [running.id])[running.id].delivered == 0
    page = client.page(f"/interventions/{running.id}/sessions/{register.id}")
    assert page.summary()["Did the session take place?"] == "No: School closed"


def test_a_teacher_who_did_not_take_it_cannot_correct_it(client, world, login, session, running):
    _register(session, world, running, MONDAY)
    session.commit()
    register = _session_on(session, running, MONDAY)
    login(world.users["teacher"])

    assert _correct(client, running, register, happened="trip").status_code == 404
    assert _session_on(session, running, MONDAY).held


def test_a_correction_from_an_old_version_is_told_what_changed_and_saves_nothing(
    client, world, login, session, running, trio
):
    _register(session, world, running, MONDAY)
    session.commit()
    register = _session_on(session, running, MONDAY)
    login(world.users["senco"])
    _correct(client, running, register, **rows({"pupil": str(trio[0].id), "mark": "ill"}))

    page = client.post_page(
        f"/interventions/{running.id}/sessions/{register.id}/correct",
        data={"version": "1", "happened": "yes", **rows({"pupil": str(trio[0].id), "mark": "appointment"})},
    )

    assert "saved a change to this record" in page
    assert [trio[0].full_name, "Present to Absent: Ill"] in page.table("What they changed")
    assert _marks(_session_on(session, running, MONDAY))[trio[0].id] == (False, AbsenceReason.ILL, None)


# --- Ended early ----------------------------------------------------------------------------------


def test_an_intervention_ended_early_reads_so_everywhere(client, world, login, session, running, trio):
    login(world.users["senco"])
    client.post(f"/interventions/{running.id}/end", data={"ended_on": date_parts(date(2026, 11, 26))})
    session.expire_all()
    words = "Ended early on 26 November 2026"

    assert (running.ends_on, running.planned_ends_on) == (date(2026, 11, 26), date(2026, 12, 18))
    assert status(running, TODAY).stage is Stage.ENDED_EARLY
    assert words in client.page(f"/interventions/{running.id}")
    assert words in client.page("/interventions/?show=ended")
    assert words not in client.page("/interventions/")
    assert words in client.page(f"/pupils/{trio[0].public_id}")
    assert words in client.page("/provision-map")
    assert words in client.page(f"/pupils/{trio[0].public_id}/passport")
    login(world.users["ta"])
    assert "ended early on 26 november 2026" in client.page("/").html.lower()


def test_ended_early_today_reads_as_ended_from_today(session, world, running):
    flow.end_intervention(session, actor=world.users["senco"], intervention=running, ended_on=TODAY, today=TODAY)

    assert status(running, TODAY).text == "Ended early on 27 November 2026"


def test_ending_on_the_planned_day_is_not_early(session, world, running):
    flow.end_intervention(
        session, actor=world.users["senco"], intervention=running, ended_on=running.ends_on, today=date(2026, 12, 18)
    )

    assert status(running, date(2026, 12, 19)).text == "Ended on 18 December 2026"


# --- The home page --------------------------------------------------------------------------------


def test_todays_register_from_home_takes_three_interactions(client, world, login, session, running, trio):
    login(world.users["ta"])
    home = client.page("/")
    link = f"/interventions/{running.id}/sessions/new?from=home"
    assert link in home.links('section[aria-labelledby="sessions-heading"]')  # 1: Take the register

    form = client.page(link)  # 2: one choice for the absent pupil
    assert [box["name"] for box in form.all('input[value="present"][checked]')] == [
        "rows-0-mark",
        "rows-1-mark",
        "rows-2-mark",
    ]
    response = client.post(
        link,
        data={
            "held_on": date_parts(TODAY),
            "happened": "yes",
            **rows(*({"pupil": str(p.id), "mark": "ill" if p == trio[1] else "present"} for p in trio)),
        },
    )  # 3: save

    assert response.headers["Location"] == "/"
    assert _marks(_session_on(session, running, TODAY))[trio[1].id] == (False, AbsenceReason.ILL, None)


def test_no_register_is_asked_for_on_a_holiday(client, world, login, session, running):
    session.add(
        SchoolTerm(
            school_id=world.school.id,
            academic_year=2026,
            season=Season.AUTUMN,
            starts_on=date(2026, 9, 2),
            ends_on=date(2026, 11, 26),
        )
    )
    session.commit()
    login(world.users["ta"])

    assert "No session to record today." in client.page("/")


# --- The passport ---------------------------------------------------------------------------------


def test_the_passport_shows_the_current_outcomes_of_the_plan(client, world, login, session):
    from sentrack.models import CycleState

    pupil = world.pupils["taught"]
    drive_cycle(session, actor=world.users["senco"], pupil=pupil, to=CycleState.DO)
    session.commit()
    login(world.users["teacher"])

    page = client.page(f"/pupils/{pupil.public_id}/passport")

    outcomes = page.table(f"The outcomes of {pupil.first_name}'s current plan")
    assert outcomes and all(len(row) == 3 for row in outcomes)
    assert "print" in page.all(".app-no-print")[0].get_text()  # the hint to print stays off the paper
    assert [e.pupil_id for e in audit_events(session, "passport_viewed")] == [pupil.id]


def test_a_teacher_cannot_open_the_passport_of_another_class_s_pupil(client, world, login):
    login(world.users["teacher"])

    assert client.get(f"/pupils/{world.pupils['untaught'].public_id}/passport").status_code == 404
