"""Intervention pages through the test client: the catalogue and impact scale, setting one up and
changing it, registers (and the one-click register from the home page), impact, the home pages,
the pupil page, and the provision map with its CSV and printable versions.

The app's date is Friday 27 November 2026. Records set up outside a request go through the
workflow operations, as the app itself would write them.
"""

from __future__ import annotations

import csv
import io
import re
from datetime import date

import pytest
import sqlalchemy as sa

from sentrack.extensions import db
from sentrack.models import (
    AbsenceReason,
    AreaOfNeed,
    CostBasis,
    Delivery,
    Intervention,
    InterventionPupil,
    InterventionSession,
    InterventionType,
    NeedType,
    Notification,
    ParentLetter,
    Provision,
    School,
    SessionAttendance,
    TeachingGroup,
)
from sentrack.workflows import interventions as flow
from sentrack.workflows.sen_status import current_status
from tests.factories import make_pupil
from tests.helpers import audit_events, count, date_parts, field_error, row_of, rows
from tests.pages import Html, words

TODAY = date(2026, 11, 27)  # a Friday
STARTS = date(2026, 11, 2)  # a Monday
ENDS = date(2026, 12, 18)  # a Friday


# --- Records made through the workflow ---------------------------------------------------------


def _entry(
    session,
    world,
    *,
    name="Phonics catch-up",
    wave=2,
    basis=CostBasis.PER_SESSION,
    pence=1250,
    sessions_per_week=3,
    minutes=20,
    weeks=8,
) -> InterventionType:
    return flow.save_intervention_type(
        session,
        actor=world.users["senco"],
        details=flow.TypeDetails(
            name=name,
            description=None,
            area_of_need=AreaOfNeed.COGNITION,
            wave=wave,
            sessions_per_week=sessions_per_week,
            minutes_per_session=minutes,
            weeks=weeks,
            cost_basis=basis,
            cost_per_session_pence=pence if basis is CostBasis.PER_SESSION else None,
            hourly_rate_pence=pence if basis is CostBasis.STAFF_HOURS else None,
        ),
    )


def _start(
    session,
    world,
    pupils,
    *,
    entry=None,
    deliverer="ta",
    name="Phonics group",
    weekdays=(0, 2, 4),
    minutes=20,
    starts=STARTS,
    ends=ENDS,
    delivery=Delivery.GROUP,
) -> Intervention:
    entry = (
        entry
        or session.scalar(sa.select(InterventionType).where(InterventionType.name == "Phonics catch-up"))
        or _entry(session, world)
    )
    intervention = flow.start_intervention(
        session,
        actor=world.users["senco"],
        details=flow.InterventionDetails(
            type_id=entry.id,
            name=name,
            delivery=delivery,
            delivered_by_id=world.users[deliverer].id,
            weekdays=list(weekdays),
            minutes_per_session=minutes,
            starts_on=starts,
            ends_on=ends,
            measure="Words read in a minute",
        ),
        places=[flow.Place(pupil=p, entry_score=str(10 + n)) for n, p in enumerate(pupils)],
        today=starts,
    )
    session.commit()
    return intervention


def _register(session, world, intervention, held_on, *, absent=(), actor="ta"):
    flow.record_session(
        session,
        actor=world.users[actor],
        intervention=intervention,
        held_on=held_on,
        attended={p.pupil_id for p in intervention.places} - {p.id for p in absent},
        note=None,
        today=TODAY,
    )
    session.commit()


@pytest.fixture
def third(session, world):
    """A third pupil in the teacher's class, so that a group of three can be taught."""
    pupil = make_pupil(session, world.school, first="Cy", last="Dunn", group=world.group)
    session.commit()
    return pupil


@pytest.fixture
def trio(world, third):
    return [world.pupils["taught"], world.pupils["taught_plain"], third]


@pytest.fixture
def running(session, world, trio) -> Intervention:
    """A group of the teacher's three pupils delivered by the assistant on Mondays, Wednesdays
    and Fridays: it runs today."""
    return _start(session, world, trio)


@pytest.fixture
def ended(session, world, trio) -> Intervention:
    """The same group, ended a week ago with two sessions registered and no impact yet."""
    intervention = _start(
        session, world, trio, starts=date(2026, 10, 5), ends=date(2026, 11, 20), name="Spelling group"
    )
    _register(session, world, intervention, date(2026, 11, 16))
    _register(session, world, intervention, date(2026, 11, 18), absent=[trio[1]])
    return intervention


def _rows(session, model, *conditions) -> int:
    session.expire_all()
    return count(session, model, *conditions)


def _date_value(page: Html, name: str) -> date:
    """The date a GOV.UK date field on the page holds."""
    parts = [page.one(f"#{name}-{part}").get("value", "") for part in ("year", "month", "day")]
    return date(*map(int, parts))


# --- The catalogue and the impact scale ---------------------------------------------------------


def _catalogue_form(**changes) -> dict:
    form = {
        "name": "Precision teaching",
        "description": "",
        "area_of_need": "cognition",
        "wave": "3",
        "sessions_per_week": "5",
        "minutes_per_session": "10",
        "weeks": "8",
        "cost_basis": "per_session",
        "cost_per_session": "12.50",
        "hourly_rate": "",
    }
    form.update(changes)
    return form


def test_senco_adds_to_the_catalogue_in_pounds_stored_in_pence(client, world, login, session):
    login(world.users["senco"])

    response = client.post("/interventions/catalogue/new", data=_catalogue_form(cost_per_session="£1,012.5"))

    assert response.status_code == 302
    entry = session.scalar(sa.select(InterventionType).where(InterventionType.name == "Precision teaching"))
    assert (entry.cost_per_session_pence, entry.wave, entry.active) == (101250, 3, True)
    assert "£1,012.50 a session" in client.page("/interventions/catalogue")


def test_staff_hours_ignore_a_cost_per_session_typed_before_changing_basis(client, world, login, session):
    login(world.users["senco"])

    client.post(
        "/interventions/catalogue/new",
        data=_catalogue_form(cost_basis="staff_hours", cost_per_session="abc", hourly_rate="18.20"),
    )

    entry = session.scalar(sa.select(InterventionType).where(InterventionType.name == "Precision teaching"))
    assert (entry.hourly_rate_pence, entry.cost_per_session_pence) == (1820, None)


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"minutes_per_session": "-10"}, "minutes_per_session", "Minutes a session must be between 5 and 240"),
        ({"minutes_per_session": "ten"}, "minutes_per_session", "Enter the minutes as a whole number, like 20"),
        ({"sessions_per_week": "6"}, "sessions_per_week", "Sessions a week must be between 1 and 5"),
        ({"weeks": ""}, "weeks", "Enter how many weeks it runs for"),
        (
            {"cost_per_session": "12.5.0"},
            "cost_per_session",
            "Enter the cost of a session in pounds and pence, for example 12.50",
        ),
        ({"cost_per_session": "-3"}, "cost_per_session", "Enter the cost of a session, for example 12.50"),
        (
            {"cost_basis": "staff_hours", "hourly_rate": ""},
            "hourly_rate",
            "Enter the hourly rate of the staff who deliver it, for example 18.20",
        ),
        ({"wave": "4"}, "wave", "Choose the wave of provision"),
        ({"name": "  "}, "name", "Enter the name of the intervention"),
    ],
    ids=[
        "negative-minutes",
        "minutes-not-a-number",
        "six-a-week",
        "no-weeks",
        "money-unreadable",
        "negative-cost",
        "no-rate",
        "wave-4",
        "blank-name",
    ],
)
def test_bad_catalogue_input_is_refused_beside_the_field(client, world, login, session, changes, field, message):
    login(world.users["senco"])

    page = client.post_page("/interventions/catalogue/new", data=_catalogue_form(**changes))

    assert field_error(page, field) == message
    assert _rows(session, InterventionType) == 0


def test_a_duplicate_name_is_refused_beside_the_name(client, world, login, session):
    _entry(session, world, name="Precision teaching")
    session.commit()
    login(world.users["senco"])

    page = client.post_page("/interventions/catalogue/new", data=_catalogue_form(name="precision TEACHING"))

    assert field_error(page, "name") == "The catalogue already has an intervention with this name"
    assert _rows(session, InterventionType) == 1


def test_senco_edits_an_entry_and_takes_it_out_of_use(client, world, login, session):
    entry = _entry(session, world)
    session.commit()
    login(world.users["senco"])
    page = client.page(f"/interventions/catalogue/{entry.id}")
    assert page.value("cost_per_session") == "12.50"

    client.post(
        f"/interventions/catalogue/{entry.id}",
        data=_catalogue_form(name="Phonics catch-up", minutes_per_session="25", version="1"),
    )

    session.expire_all()
    assert (entry.minutes_per_session, entry.active) == (25, False)


def test_another_schools_catalogue_entry_is_not_found(client, world, login, session):
    other = flow.save_intervention_type(
        session,
        actor=world.users["foreign_senco"],
        details=flow.TypeDetails(
            name="Far entry",
            description=None,
            area_of_need=AreaOfNeed.SEMH,
            wave=2,
            sessions_per_week=1,
            minutes_per_session=30,
            weeks=6,
            cost_basis=CostBasis.PER_SESSION,
            cost_per_session_pence=500,
            hourly_rate_pence=None,
        ),
    )
    session.commit()
    login(world.users["senco"])

    assert client.post_page(f"/interventions/catalogue/{other.id}", data=_catalogue_form(), status=404).status == 404
    session.expire_all()
    assert other.name == "Far entry"


def test_senco_relabels_the_impact_scale(client, world, login, session):
    login(world.users["senco"])
    labels = {
        "label_0": "Went backwards",
        "label_1": "Slower",
        "label_2": "As expected",
        "label_3": "Faster",
        "label_4": "Flew",
        "version": "1",
    }

    client.post("/interventions/impact-scale", data=labels)

    session.expire_all()
    assert session.get(School, world.school.id).impact_labels == {
        -2: "Went backwards",
        -1: "Slower",
        0: "As expected",
        1: "Faster",
        2: "Flew",
    }


def test_a_blank_point_of_the_scale_is_refused_beside_it(client, world, login, session):
    login(world.users["senco"])

    page = client.post_page(
        "/interventions/impact-scale",
        data={"label_0": "A", "label_1": "", "label_2": "C", "label_3": "D", "label_4": "E", "version": "1"},
    )

    assert field_error(page, "label_1") == "Enter a label for every point of the scale"
    session.expire_all()
    assert session.get(School, world.school.id).impact_scale is None


# --- Setting one up ------------------------------------------------------------------------------


def _new_url(entry, *groups) -> str:
    return f"/interventions/new?type={entry.id}&" + "&".join(f"group={g.id}" for g in groups) + "&chosen=1"


def _setup_form(world, entry, chosen, **changes) -> dict:
    form = {
        "type_id": str(entry.id),
        "name": "Year 4 phonics",
        "delivery": "group",
        "delivered_by_id": str(world.users["ta"].id),
        "weekdays": ["0", "2", "4"],
        "minutes_per_session": "20",
        "starts_on": date_parts(STARTS),
        "ends_on": date_parts(ENDS),
        "measure": "Words read in a minute",
        "pupils": [p.public_id for p in chosen],
    }
    form.update(rows(*({"pupil": p.public_id, "entry": str(20 + n)} for n, p in enumerate(chosen))))
    form.update(changes)
    return form


def test_the_first_step_offers_the_catalogue_and_the_teachers_own_classes(client, world, login, session):
    _entry(session, world)
    session.commit()
    login(world.users["teacher"])

    page = client.page("/interventions/new")

    assert "Phonics catch-up" in page
    assert "4 Oak" in page and "4 Elm" not in page.html
    # the teacher's only class is ticked
    assert [box["value"] for box in page.all('input[type="checkbox"][checked]')] == [str(world.group.id)]


def test_the_catalogue_fills_in_the_days_minutes_and_a_default_end(client, world, login, session):
    entry = _entry(session, world, sessions_per_week=2, minutes=25, weeks=10)
    session.commit()
    login(world.users["teacher"])

    page = client.page(_new_url(entry, world.group))

    assert page.value("minutes_per_session") == "25"
    assert [box["value"] for box in page.all('input[name="weekdays"][type="checkbox"][checked]')] == ["1", "3"]
    # Starts today, Friday 27 November; ten whole weeks later (each weekday ten times) the last
    # school day is Thursday 4 February 2027.
    assert _date_value(page, "starts_on") == TODAY
    assert _date_value(page, "ends_on") == date(2027, 2, 4)


def test_a_start_at_the_weekend_moves_to_the_monday(client, world, login, session, app, monkeypatch):
    monkeypatch.setitem(app.config, "TODAY", date(2026, 11, 28))
    entry = _entry(session, world, sessions_per_week=5, weeks=1)
    session.commit()
    login(world.users["teacher"])

    page = client.page(_new_url(entry, world.group))

    assert (_date_value(page, "starts_on"), _date_value(page, "ends_on")) == (date(2026, 11, 30), date(2026, 12, 4))


def test_the_second_step_lists_only_pupils_in_reach(client, world, login, session):
    entry = _entry(session, world)
    session.commit()
    other = session.scalar(sa.select(TeachingGroup).where(TeachingGroup.name == "4 Elm"))
    login(world.users["teacher"])

    page = client.page(_new_url(entry, world.group, other))

    assert "Ada Brook" in page and "Ben Cole" in page
    assert "Cara Dale" not in page.html and "Dev Ellis" not in page.html


def test_a_teacher_sets_up_a_group_for_three_pupils(client, world, login, session, trio):
    entry = _entry(session, world)
    session.commit()
    login(world.users["teacher"])

    response = client.post(_new_url(entry, world.group), data=_setup_form(world, entry, trio))

    assert response.status_code == 302
    intervention = session.scalar(sa.select(Intervention).where(Intervention.name == "Year 4 phonics"))
    assert response.headers["Location"] == f"/interventions/{intervention.id}"
    assert (intervention.delivered_by_id, intervention.weekdays, intervention.created_by_id) == (
        world.users["ta"].id,
        [0, 2, 4],
        world.users["teacher"].id,
    )
    assert sorted((p.pupil_id, p.entry_score) for p in intervention.places) == sorted(
        (p.id, str(20 + n)) for n, p in enumerate(trio)
    )


def test_an_outcome_of_the_pupils_plan_can_be_linked(client, world, login, session, trio):
    from sentrack.models import CycleState
    from tests.factories import drive_cycle

    cycle = drive_cycle(session, actor=world.users["senco"], pupil=trio[0], to=CycleState.DO)
    entry = _entry(session, world)
    session.commit()
    login(world.users["teacher"])
    outcome = cycle.outcomes[0]
    assert outcome.description[:40] in client.page(_new_url(entry, world.group))

    client.post(
        _new_url(entry, world.group),
        data=_setup_form(world, entry, trio, **{"rows-0-outcome": str(outcome.id)}),
    )

    place = session.scalar(sa.select(InterventionPupil).where(InterventionPupil.pupil_id == trio[0].id))
    assert place.outcome_id == outcome.id


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"ends_on": date_parts(date(2026, 11, 1))}, "ends_on", "The end date must be after the start date"),
        ({"minutes_per_session": "-20"}, "minutes_per_session", "Minutes a session must be between 5 and 240"),
        ({"weekdays": []}, "weekdays", "Choose the days the sessions happen"),
        (
            {"delivered_by_id": ""},
            "delivered_by_id",
            "Choose a teacher or support assistant of this school to deliver it",
        ),
        ({"pupils": []}, "pupils", "Choose at least one pupil"),
        ({"delivery": "one_to_one"}, "pupils", "A one-to-one intervention has exactly one pupil"),
        ({"ends_on": ["31", "2", "2027"]}, "ends_on", "The end date must be a real date"),
        ({"name": ""}, "name", "Enter a name for the intervention"),
    ],
    ids=[
        "end-before-start",
        "negative-minutes",
        "no-days",
        "no-deliverer",
        "no-pupil",
        "one-to-one-for-three",
        "unreal-date",
        "no-name",
    ],
)
def test_bad_set_up_input_is_refused_beside_the_field(client, world, login, session, trio, changes, field, message):
    entry = _entry(session, world)
    session.commit()
    login(world.users["teacher"])

    page = client.post_page(_new_url(entry, world.group), data=_setup_form(world, entry, trio, **changes))

    assert field_error(page, field) == message
    assert _rows(session, Intervention) == 0
    assert _rows(session, InterventionPupil) == 0


def test_a_pupil_outside_the_teachers_classes_is_refused_beside_the_pupils(client, world, login, session, trio):
    entry = _entry(session, world)
    session.commit()
    login(world.users["teacher"])
    outsider = world.pupils["untaught"]

    page = client.post_page(_new_url(entry, world.group), data=_setup_form(world, entry, [*trio, outsider]))

    assert (
        field_error(page, "pupils")
        == "Choose pupils from the list: one of them is not a pupil you can set up an intervention for"
    )
    assert "Cara Dale" not in page.html
    assert _rows(session, Intervention) == 0


def test_a_deliverer_of_another_school_is_refused(client, world, login, session, trio):
    entry = _entry(session, world)
    session.commit()
    login(world.users["teacher"])

    page = client.post_page(
        _new_url(entry, world.group),
        data=_setup_form(world, entry, trio, delivered_by_id=str(world.users["foreign_senco"].id)),
    )

    assert field_error(page, "delivered_by_id") == "Choose a teacher or support assistant of this school to deliver it"
    assert _rows(session, Intervention) == 0


def test_a_support_assistant_cannot_set_one_up(client, world, login, session, trio):
    entry = _entry(session, world)
    session.commit()
    login(world.users["ta"])

    assert (
        client.post_page(_new_url(entry, world.group), data=_setup_form(world, entry, trio), status=403).status == 403
    )
    assert _rows(session, Intervention) == 0


# --- Changing and ending -------------------------------------------------------------------------


def _edit_form(world, intervention, **changes) -> dict:
    form = {
        "version": str(intervention.version),
        "type_id": str(intervention.type_id),
        "name": intervention.name,
        "delivery": intervention.delivery.value,
        "delivered_by_id": str(intervention.delivered_by_id),
        "weekdays": [str(d) for d in intervention.weekdays],
        "minutes_per_session": str(intervention.minutes_per_session),
        "starts_on": date_parts(intervention.starts_on),
        "ends_on": date_parts(intervention.ends_on),
        "measure": intervention.measure or "",
        "pupils": [p.pupil.public_id for p in intervention.places],
    }
    form.update(rows(*({"pupil": p.pupil.public_id, "entry": p.entry_score or ""} for p in intervention.places)))
    form.update(changes)
    return form


def test_the_edit_page_shows_what_is_saved(client, world, login, running):
    login(world.users["teacher"])

    page = client.page(f"/interventions/{running.id}/edit")

    assert page.value("name") == "Phonics group"
    ticked = [box["value"] for box in page.all('input[name="pupils"][type="checkbox"][checked]')]
    assert len(ticked) == 3 and all(re.fullmatch(r"[0-9a-f]{24}", value) for value in ticked)


def test_a_teacher_changes_the_days_and_adds_a_classmate(client, world, login, session, running):
    newcomer = make_pupil(session, world.school, first="Eli", last="Ford", group=world.group)
    session.commit()
    login(world.users["teacher"])
    form = _edit_form(world, running, weekdays=["1", "3"])
    form["pupils"].append(newcomer.public_id)

    response = client.post(f"/interventions/{running.id}/edit", data=form)

    assert response.status_code == 302
    session.expire_all()
    assert running.weekdays == [1, 3]
    assert newcomer.id in {p.pupil_id for p in running.places}


def test_a_pupil_with_a_register_cannot_be_taken_out(client, world, login, session, running, trio):
    _register(session, world, running, date(2026, 11, 25))
    login(world.users["teacher"])
    form = _edit_form(world, running, name="Renamed")
    form["pupils"].remove(trio[0].public_id)

    page = client.post_page(f"/interventions/{running.id}/edit", data=form)

    assert field_error(page, "pupils") == "A pupil with sessions recorded cannot be taken out of the intervention"
    session.expire_all()
    assert running.name == "Phonics group" and len(running.places) == 3


def test_ending_early_moves_the_end_date(client, world, login, session, running):
    login(world.users["teacher"])

    response = client.post(f"/interventions/{running.id}/end", data={"ended_on": date_parts(date(2026, 11, 25))})

    assert response.status_code == 302
    session.expire_all()
    assert running.ends_on == date(2026, 11, 25)


def test_ending_in_the_future_is_refused_beside_the_date(client, world, login, session, running):
    login(world.users["teacher"])

    page = client.post_page(f"/interventions/{running.id}/end", data={"ended_on": date_parts(date(2026, 12, 1))})

    assert field_error(page, "ended_on") == "The end date cannot be in the future"
    session.expire_all()
    assert running.ends_on == ENDS


# --- The intervention page ----------------------------------------------------------------------


def test_the_page_shows_pupils_teachers_attendance_and_the_register(client, world, login, session, running, trio):
    _register(session, world, running, date(2026, 11, 23))
    _register(session, world, running, date(2026, 11, 25), absent=[trio[1]])
    login(world.users["ta"])

    page = client.page(f"/interventions/{running.id}")

    assert page.summary()["Class teachers, who stay responsible"] == "Teacher"
    assert "2 of 2 (100%)" in page and "1 of 2 (50%)" in page
    assert "Monday, Wednesday, Friday: 20 minutes" in page
    assert "2 sessions recorded" in page
    register = page.table("2 sessions recorded, newest first")
    assert [row[:3] for row in register if row[0] == "25 Nov 2026"] == [["25 Nov 2026", "2 of 3", "Ben Cole"]]


def test_viewing_an_intervention_is_audited_for_each_pupil(client, world, login, session, running, trio):
    login(world.users["head"])

    client.get(f"/interventions/{running.id}")

    events = audit_events(session, "intervention_viewed", object_id=str(running.id))
    assert sorted(e.pupil_id for e in events) == sorted(p.id for p in trio)


def test_the_list_holds_the_users_interventions_current_and_ended(client, world, login, session, running, ended):
    login(world.users["ta"])

    current, past = client.page("/interventions/"), client.page("/interventions/?show=ended")

    assert "Phonics group" in current and "Spelling group" not in current.html
    assert "Spelling group" in past and "Impact to record" in past


# --- Who may reach an intervention --------------------------------------------------------------


@pytest.fixture
def elsewhere(session, world) -> Intervention:
    """An intervention for a pupil of another class, delivered by the SENCO."""
    return _start(session, world, [world.pupils["untaught"]], deliverer="senco", name="Elm group")


@pytest.mark.parametrize("user", ["teacher", "ta"])
@pytest.mark.parametrize("path", ["", "/edit", "/end", "/sessions/new", "/impact"])
def test_an_intervention_out_of_scope_is_not_found(client, world, login, elsewhere, user, path):
    login(world.users[user])

    assert client.page(f"/interventions/{elsewhere.id}{path}", status=404).status == 404


@pytest.mark.parametrize("user", ["teacher", "ta"])
def test_a_register_cannot_be_posted_out_of_scope(client, world, login, session, elsewhere, user):
    login(world.users[user])

    quick = client.post_page(f"/interventions/{elsewhere.id}/sessions/quick", status=None)
    full = client.post_page(
        f"/interventions/{elsewhere.id}/sessions/new", data={"held_on": date_parts(TODAY), "attended": []}, status=None
    )

    assert (quick.status, full.status) == (404, 404)
    assert _rows(session, InterventionSession) == 0


@pytest.mark.parametrize("user", ["teacher", "ta"])
def test_changes_posted_out_of_scope_are_not_found_and_change_nothing(client, world, login, session, elsewhere, user):
    login(world.users[user])
    posts = {
        "/edit": _edit_form(world, elsewhere, name="Taken over"),
        "/end": {"ended_on": date_parts(date(2026, 11, 20))},
        "/impact": _impact_form(elsewhere.places),
    }

    answers = {
        path: client.post_page(f"/interventions/{elsewhere.id}{path}", data=data, status=None).status
        for path, data in posts.items()
    }

    assert answers == {"/edit": 404, "/end": 404, "/impact": 404}
    session.expire_all()
    assert (elsewhere.name, elsewhere.ends_on) == ("Elm group", ENDS)
    assert all(p.impact is None for p in elsewhere.places)


def test_a_teacher_cannot_add_a_pupil_of_another_class_when_editing(client, world, login, session, running):
    login(world.users["teacher"])
    form = _edit_form(world, running, name="Renamed")
    form["pupils"].append(world.pupils["untaught"].public_id)

    page = client.post_page(f"/interventions/{running.id}/edit", data=form)

    assert (
        field_error(page, "pupils")
        == "Choose pupils from the list: one of them is not a pupil you can set up an intervention for"
    )
    session.expire_all()
    assert running.name == "Phonics group" and len(running.places) == 3


def test_a_teacher_keeps_pupils_of_other_classes_the_senco_added(client, world, login, session, trio):
    mixed = _start(session, world, [trio[0], world.pupils["untaught"]], name="Mixed group")
    login(world.users["teacher"])

    response = client.post(
        f"/interventions/{mixed.id}/edit", data=_edit_form(world, mixed, name="Mixed group, renamed")
    )

    assert response.status_code == 302
    session.expire_all()
    assert mixed.name == "Mixed group, renamed" and {p.pupil_id for p in mixed.places} == {
        trio[0].id,
        world.pupils["untaught"].id,
    }


def test_an_assistant_sees_only_the_pupils_of_what_they_deliver(client, world, login, running, elsewhere):
    login(world.users["ta"])

    listed = client.page("/interventions/")

    assert "Phonics group" in listed and "Elm group" not in listed.html
    assert client.page(f"/pupils/{world.pupils['taught'].public_id}").status == 200
    assert client.page(f"/pupils/{world.pupils['untaught'].public_id}", status=404).status == 404


def test_an_assistant_cannot_change_or_end_what_they_deliver(client, world, login, session, running):
    login(world.users["ta"])

    ended = client.post_page(f"/interventions/{running.id}/end", data={"ended_on": date_parts(TODAY)}, status=404)
    assert ended.status == 404
    session.expire_all()
    assert running.ends_on == ENDS


# --- Registers ----------------------------------------------------------------------------------


def test_the_register_starts_with_today_and_everyone_ticked(client, world, login, running):
    login(world.users["ta"])

    page = client.page(f"/interventions/{running.id}/sessions/new")

    assert page.one("#held_on-day").get("value") == "27"
    present = [box["name"] for box in page.all('input[type="radio"][value="present"][checked]')]
    assert present == ["rows-0-mark", "rows-1-mark", "rows-2-mark"]
    assert page.one('input[name="happened"][value="yes"]').has_attr("checked")


def test_an_assistant_records_a_session_with_an_absence(client, world, login, session, running, trio):
    login(world.users["ta"])
    marks = rows(
        {"pupil": str(trio[0].id), "mark": "present"},
        {"pupil": str(trio[1].id), "mark": "ill", "note": "Cold"},
        {"pupil": str(trio[2].id), "mark": "present"},
    )

    response = client.post(
        f"/interventions/{running.id}/sessions/new",
        data={"held_on": date_parts(date(2026, 11, 25)), "happened": "yes", "note": "Blending", **marks},
    )

    assert response.headers["Location"] == f"/interventions/{running.id}#register"
    register = session.scalar(sa.select(InterventionSession).where(InterventionSession.intervention_id == running.id))
    assert (register.held_on, register.note) == (date(2026, 11, 25), "Blending")
    assert {a.pupil_id: (a.attended, a.absence_reason, a.absence_note) for a in register.attendance} == {
        trio[0].id: (True, None, None),
        trio[1].id: (False, AbsenceReason.ILL, "Cold"),
        trio[2].id: (True, None, None),
    }


@pytest.mark.parametrize(
    ("held_on", "message"),
    [
        (date(2026, 10, 30), "The date must be within the intervention: 2 November 2026 to 18 December 2026"),
        (date(2026, 11, 30), "A session cannot be recorded for a date in the future"),
    ],
    ids=["before-it-started", "future"],
)
def test_a_session_date_outside_the_intervention_is_refused_beside_the_date(
    client, world, login, session, running, trio, held_on, message
):
    login(world.users["ta"])

    page = client.post_page(
        f"/interventions/{running.id}/sessions/new",
        data={"held_on": date_parts(held_on), "attended": [str(trio[0].id)]},
    )

    assert field_error(page, "held_on") == message
    assert _rows(session, InterventionSession) == 0
    assert _rows(session, SessionAttendance) == 0


def test_a_second_register_for_a_day_is_refused(client, world, login, session, running):
    _register(session, world, running, date(2026, 11, 25))
    login(world.users["ta"])

    page = client.post_page(
        f"/interventions/{running.id}/sessions/new", data={"held_on": date_parts(date(2026, 11, 25))}
    )

    assert field_error(page, "held_on") == "A session on this date is already recorded"
    assert _rows(session, InterventionSession) == 1


def test_a_mark_posted_for_a_pupil_not_in_the_intervention_is_ignored(client, world, login, session, running, trio):
    login(world.users["ta"])
    stranger = world.pupils["untaught"]

    client.post(
        f"/interventions/{running.id}/sessions/new",
        data={"held_on": date_parts(TODAY), **rows({"pupil": str(stranger.id), "mark": "ill"})},
    )

    marks = session.execute(sa.select(SessionAttendance.pupil_id, SessionAttendance.attended)).all()
    assert sorted(marks) == sorted((pupil.id, True) for pupil in trio)


# --- The home page: three interactions at most ---------------------------------------------------


def test_the_assistants_home_lists_todays_session_with_a_one_click_register(client, world, login, running):
    login(world.users["ta"])

    page = client.page("/")

    section = page.one('section[aria-labelledby="sessions-heading"]')
    assert [form["action"] for form in section.select("form")] == [f"/interventions/{running.id}/sessions/quick"]
    assert [words(button) for button in section.select("button")] == ["Everyone attended Phonics group"]
    assert f"/interventions/{running.id}/sessions/new?from=home" in page.links(
        'section[aria-labelledby="sessions-heading"]'
    )


def test_one_click_records_everyone_present_today_and_clears_the_list(client, world, login, session, running, trio):
    login(world.users["ta"])

    response = client.post(f"/interventions/{running.id}/sessions/quick")

    assert response.headers["Location"] == "/"
    register = session.scalar(sa.select(InterventionSession).where(InterventionSession.intervention_id == running.id))
    assert register.held_on == TODAY and all(a.attended for a in register.attendance) and len(register.attendance) == 3
    home = client.page("/")
    assert "Register saved for Phonics group today: everyone attended." in home.flashes()
    assert f"/interventions/{running.id}/sessions/quick" not in home.html
    assert "No session to record today." in home


def test_one_click_needs_the_csrf_token(client, world, login, session, running, app, monkeypatch):
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    login(world.users["ta"])

    refused = client.post(f"/interventions/{running.id}/sessions/quick")
    accepted = client.post(
        f"/interventions/{running.id}/sessions/quick", data={"csrf_token": client.page("/").csrf_token()}
    )

    assert (refused.status_code, accepted.status_code) == (400, 302)
    assert _rows(session, InterventionSession) == 1


def test_recording_with_absences_from_home_takes_three_interactions(client, world, login, session, running, trio):
    login(world.users["ta"])
    link = f"/interventions/{running.id}/sessions/new?from=home"
    assert link in client.page("/").links()  # 1: the link

    form = client.page(link)  # 2: mark the absent pupil ill
    response = client.post(
        link,
        data={
            "held_on": date_parts(TODAY),
            **rows(*({"pupil": str(p.id), "mark": "ill" if p == trio[1] else "present"} for p in trio)),
        },
    )  # 3: save

    assert "Take the register" in form
    assert response.headers["Location"] == "/"
    assert _rows(session, SessionAttendance, SessionAttendance.attended.is_(False)) == 1


def test_a_session_not_due_today_is_not_listed(client, world, login, session, trio):
    _start(session, world, trio, weekdays=(1,), name="Tuesday group")
    login(world.users["ta"])

    page = client.page("/")

    assert "No session to record today." in page
    assert "Tuesday group" in page.text('section[aria-labelledby="week-heading"]')


def test_a_refused_one_click_says_why(client, world, login, session, running):
    _register(session, world, running, TODAY)
    login(world.users["ta"])

    client.post(f"/interventions/{running.id}/sessions/quick")

    assert "Phonics group: A session on this date is already recorded." in client.page("/").flashes()
    assert _rows(session, InterventionSession) == 1


def test_the_assistants_passports_hold_only_the_pupils_they_work_with(
    client, world, login, session, running, elsewhere, trio
):
    from sentrack.models import CycleState
    from tests.factories import drive_cycle

    drive_cycle(session, actor=world.users["senco"], pupil=trio[0], to=CycleState.DO)
    session.commit()
    login(world.users["ta"])

    page = client.page("/")

    passports = page.text('section[aria-labelledby="passports-heading"]')
    assert "Ada Brook" in passports and "Cy Dunn" in passports
    assert "Cara Dale" not in page.html
    assert "Seat near the front; instructions one step at a time" in passports  # the plan's strategies
    assert "Loves stories read aloud" in passports  # what helps: the assessment's strengths
    assert "Specific learning difficulty" in passports
    assert sorted(e.pupil_id for e in audit_events(session, "passport_viewed")) == sorted(p.id for p in trio)


def test_the_teachers_home_shows_this_weeks_interventions_of_their_pupils(client, world, login, running):
    login(world.users["teacher"])

    page = client.page("/")

    week = {row[0]: row for row in page.table('section[aria-labelledby="week-heading"]')}
    assert week["Phonics group"][2] == "Ta"  # the assistant delivers it
    assert week["Phonics group"][3] == "Running"
    assert week["Phonics group"][4] == "0 of 3"  # Monday, Wednesday and Friday planned this week, none recorded


def test_the_senco_sees_interventions_ended_without_impact(client, world, login, session, ended, running):
    login(world.users["senco"])

    page = client.page("/")

    section = page.one('section[aria-labelledby="impact-heading"]')
    ended_rows = {row[0]: row for row in page.table('section[aria-labelledby="impact-heading"]')}
    assert ended_rows["Spelling group"][3] == "3 of 3"
    assert "Phonics group" not in str(section)


def _reads(fn) -> int:
    """How many SELECT statements `fn` sends (the audit rows it writes are one a pupil, by design)."""
    seen = []

    def count_it(conn, cursor, statement, *args):
        if statement.lstrip().upper().startswith("SELECT"):
            seen.append(statement)

    sa.event.listen(db.engine, "before_cursor_execute", count_it)
    try:
        fn()
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", count_it)
    return len(seen)


@pytest.mark.parametrize("user", ["ta", "teacher"])
def test_the_home_page_reads_do_not_grow_with_pupils_or_interventions(client, world, login, session, trio, user):
    entry = _entry(session, world)
    _start(session, world, trio[:1], entry=entry, name="One")
    login(world.users[user])
    few = _reads(lambda: client.get("/"))
    for n in range(3):
        more = [
            make_pupil(session, world.school, first=f"Kid{n}{k}", last="Extra", group=world.group) for k in range(3)
        ]
        _start(session, world, more, entry=entry, name=f"Group {n}")
    _register(
        session, world, session.scalar(sa.select(Intervention).where(Intervention.name == "One")), date(2026, 11, 25)
    )

    many = _reads(lambda: client.get("/"))

    assert many == few


def test_the_intervention_page_reads_do_not_grow_with_pupils_or_sessions(client, world, login, session, trio):
    small = _start(session, world, trio[:1], name="Small")
    _register(session, world, small, date(2026, 11, 16))
    login(world.users["senco"])
    few = _reads(lambda: client.get(f"/interventions/{small.id}"))
    big = _start(
        session,
        world,
        [
            *trio,
            *(make_pupil(session, world.school, first=f"Kid{k}", last="Extra", group=world.group) for k in range(5)),
        ],
        name="Big",
    )
    for day in (16, 18, 20, 23, 25):
        _register(session, world, big, date(2026, 11, day))

    many = _reads(lambda: client.get(f"/interventions/{big.id}"))

    assert many == few


@pytest.mark.parametrize(
    "path",
    [
        "/interventions/",
        "/interventions/?show=ended",
        "/provision-map",
        "/provision-map/export",
        "/provision-map/print",
    ],
)
def test_list_and_map_reads_do_not_grow_with_interventions(client, world, login, session, trio, path):
    entry = _entry(session, world)
    first = _start(session, world, trio[:1], entry=entry, name="One", starts=date(2026, 10, 5), ends=date(2026, 11, 20))
    _register(session, world, first, date(2026, 11, 16))
    login(world.users["senco"])
    few = _reads(lambda: client.get(path))
    for n in range(3):
        more = [
            make_pupil(session, world.school, first=f"Kid{n}{k}", last="Extra", group=world.group) for k in range(3)
        ]
        other = _start(
            session,
            world,
            more,
            entry=_entry(session, world, name=f"Entry {n}"),
            name=f"Group {n}",
            starts=date(2026, 10, 5),
            ends=date(2026, 11, 20),
        )
        _register(session, world, other, date(2026, 11, 16))

    many = _reads(lambda: client.get(path))

    assert many == few


# --- Impact -------------------------------------------------------------------------------------


def _impact_form(places, impact=1, **changes) -> dict:
    form = rows(
        *(
            {
                "pupil": str(place.pupil_id),
                "version": str(place.version),  # as the page was opened
                "exit": "30",
                "impact": str(impact),
                "comment": "Reads more fluently",
            }
            for place in places
        )
    )
    form.update(changes)
    return form


def test_impact_waits_for_the_end(client, world, login, session, running):
    login(world.users["ta"])

    page = client.post_page(f"/interventions/{running.id}/impact", data=_impact_form(running.places))

    assert "The impact is recorded when the intervention ends. It runs until 18 December 2026." in page
    assert _rows(session, InterventionPupil, InterventionPupil.impact.is_not(None)) == 0


def test_the_impact_form_uses_the_schools_scale(client, world, login, session, ended):
    flow.set_impact_scale(
        session,
        actor=world.users["senco"],
        school=world.school,
        labels={-2: "Went backwards", -1: "Slower", 0: "As expected", 1: "Faster", 2: "Flew"},
    )
    session.commit()
    login(world.users["ta"])

    page = client.page(f"/interventions/{ended.id}/impact")

    assert "+2: Flew" in page and "-2: Went backwards" in page
    assert "Attendance: 1 of 2 (50%)" in page


def test_the_assistant_records_the_impact_at_the_end(client, world, login, session, ended, trio):
    login(world.users["ta"])

    response = client.post(f"/interventions/{ended.id}/impact", data=_impact_form(ended.places, impact=2))

    assert response.headers["Location"] == f"/interventions/{ended.id}#pupils"
    session.expire_all()
    assert {(p.exit_score, p.impact, p.impact_comment, p.impact_recorded_on) for p in ended.places} == {
        ("30", 2, "Reads more fluently", TODAY)
    }
    pupils = client.page(f"/interventions/{ended.id}").table("Each pupil's measures, attendance and impact")
    assert [row[5] for row in pupils] == ["+2: Much more progress than expected Reads more fluently"] * 3
    login(world.users["senco"])
    assert "Every intervention that has ended has its impact recorded." in client.page("/").text(
        'section[aria-labelledby="impact-heading"]'
    )


def test_a_pupil_without_an_impact_is_refused_beside_their_rating(client, world, login, session, ended, trio):
    login(world.users["ta"])
    form = _impact_form(ended.places)
    row = next(
        name.removesuffix("pupil") for name, key in form.items() if name.endswith("-pupil") and key == str(trio[1].id)
    )
    del form[f"{row}impact"]

    page = client.post_page(f"/interventions/{ended.id}/impact", data=form)

    assert field_error(page, f"{row_of(page, str(trio[1].id))}impact") == "Choose the impact for Ben Cole"
    assert _rows(session, InterventionPupil, InterventionPupil.impact.is_not(None)) == 0


def test_an_impact_off_the_scale_is_refused(client, world, login, session, ended, trio):
    login(world.users["ta"])

    page = client.post_page(f"/interventions/{ended.id}/impact", data=_impact_form(ended.places, impact=3))

    assert field_error(page, f"{row_of(page, str(trio[0].id))}impact") == "Choose the impact for Ada Brook"
    assert _rows(session, InterventionPupil, InterventionPupil.impact.is_not(None)) == 0


# --- The pupil page -----------------------------------------------------------------------------


def test_the_pupil_page_lists_current_and_past_interventions_with_impact(
    client, world, login, session, running, ended, trio
):
    flow.record_impact(
        session,
        actor=world.users["ta"],
        intervention=ended,
        today=TODAY,
        results={
            p.pupil_id: flow.ImpactResult(exit_score="31", impact=-1, comment="Absent a lot") for p in ended.places
        },
    )
    session.commit()
    login(world.users["teacher"])

    page = client.page(f"/pupils/{trio[1].public_id}")

    section = {row[0].split(" Wave ")[0]: row for row in page.table("The pupil's interventions, newest first")}
    assert set(section) == {"Phonics group", "Spelling group"}
    assert section["Phonics group"][1].endswith("Running")
    spelling = section["Spelling group"]
    assert spelling[4] == "-1: Less progress than expected Absent a lot"
    assert spelling[2] == "1 of 2 (50%)" and spelling[3].startswith("11 to 31")


def test_the_pupil_page_shows_an_assistant_only_what_they_deliver(client, world, login, session, running, trio):
    _start(session, world, trio[:1], deliverer="senco", name="SENCO's own group")
    login(world.users["ta"])

    section = client.page(f"/pupils/{trio[0].public_id}")

    assert "Phonics group" in section and "SENCO's own group" not in section.html


# --- The provision map --------------------------------------------------------------------------


@pytest.fixture
def mapped(session, world, trio):
    """Two interventions of the autumn term (1 September to 31 December 2026).

    Phonics group: wave 2, 12.50 a session, Mondays, Wednesdays and Fridays from 2 November to
    18 December: 21 sessions of 20 minutes = 7.0 hours, 262.50, 131.25 for each of two pupils.
    Speech one-to-one: wave 3, staff time at 50.00 an hour, an hour on Tuesdays from 3 November
    to 15 December: 7 sessions = 7.0 hours, 350.00, for one pupil in Year 5.
    """
    year5 = TeachingGroup(school_id=world.school.id, name="5 Ash", year_group=5)
    session.add(year5)
    session.flush()
    older = make_pupil(session, world.school, first="Fay", last="Gale", year=5, group=year5)
    phonics = _start(session, world, trio[:2], entry=_entry(session, world, pence=1250), name="Phonics group")
    speech = _start(
        session,
        world,
        [older],
        name="Speech one-to-one",
        weekdays=(1,),
        minutes=60,
        starts=date(2026, 11, 3),
        ends=date(2026, 12, 15),
        delivery=Delivery.ONE_TO_ONE,
        entry=_entry(session, world, name="Speech", wave=3, basis=CostBasis.STAFF_HOURS, pence=5000),
    )
    _register(session, world, phonics, date(2026, 11, 25))
    return phonics, speech


TOTAL_ROW = ["Total", "", "3 pupils", "", "28", "14.0", "£612.50", "£204.17"]


def _map_rows(page: Html) -> list[list[str]]:
    """The body rows of the provision map's table, as cell texts."""
    return page.table("table.app-map")


def test_the_map_shows_each_intervention_with_hours_cost_and_totals(client, world, login, mapped):
    login(world.users["head"])

    rows = _map_rows(client.page("/provision-map"))

    assert rows[0][0].startswith("Phonics group") and rows[0][2] == "Ada Brook (Year 4), Ben Cole (Year 4)"
    assert rows[0][4:] == ["21 1 delivered", "7.0", "£262.50", "£131.25"]
    assert rows[1][0].startswith("Speech one-to-one") and rows[1][4:] == ["7 0 delivered", "7.0", "£350.00", "£350.00"]
    assert rows[2] == TOTAL_ROW


@pytest.mark.parametrize(
    ("query", "names"),
    [
        ("year=4", ["Phonics group"]),
        ("year=5", ["Speech one-to-one"]),
        ("wave=3", ["Speech one-to-one"]),
        ("sort=cost", ["Speech one-to-one", "Phonics group"]),
        ("sort=name", ["Phonics group", "Speech one-to-one"]),
        ("term=2027-01-01", []),
    ],
)
def test_the_map_filters_and_sorts(client, world, login, mapped, query, names):
    login(world.users["senco"])

    page = client.page(f"/provision-map?{query}")

    listed = [
        name for row in _map_rows(page) for name in ("Phonics group", "Speech one-to-one") if row[0].startswith(name)
    ]
    assert listed == names


def test_the_map_says_which_column_it_is_sorted_by(client, world, login, mapped):
    login(world.users["senco"])

    def sorts(query: str) -> dict[str, str]:
        page = client.page(f"/provision-map?{query}")
        return {
            th.a.find(string=True).strip(): th["aria-sort"]
            for th in page.all('th[scope="col"][aria-sort]')
            if th.a is not None
        }

    assert sorts("sort=cost") == {
        "Intervention": "none",
        "Wave": "none",
        "Staff hours": "none",
        "Cost": "descending",
        "Cost per pupil": "none",
    }
    assert sorts("sort=name")["Intervention"] == "ascending"
    # The total row is headed by its first cell.
    assert "Total" in client.page("/provision-map").texts('table.app-map tbody th[scope="row"].govuk-table__header')


def test_the_map_is_audited(client, world, login, session, mapped):
    login(world.users["senco"])

    client.get("/provision-map?year=4")

    (event,) = audit_events(session, "provision_map_viewed")
    assert event.details == {"term": "2026-09-01", "year": 4, "wave": None}


def test_the_csv_holds_the_map_and_its_totals(client, world, login, session, mapped):
    login(world.users["head"])

    response = client.get("/provision-map/export?term=2026-09-01")

    assert response.mimetype == "text/csv"
    disposition = response.headers["Content-Disposition"]
    assert disposition == 'attachment; filename="provision-map-900001-autumn-2026.csv"'
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    header = rows[0]
    assert header[0] == "Intervention" and header[-3:] == ["Staff hours", "Cost (£)", "Cost per pupil (£)"]
    phonics = dict(zip(header, rows[1], strict=True))
    assert (phonics["Intervention"], phonics["Wave"], phonics["Pupils"], phonics["Number of pupils"]) == (
        "Phonics group",
        "Wave 2: catch-up",
        "Ada Brook; Ben Cole",
        "2",
    )
    assert (
        phonics["Sessions in the term"],
        phonics["Sessions delivered"],
        phonics["Sessions that did not happen"],
        phonics["Staff hours"],
        phonics["Cost (£)"],
        phonics["Cost per pupil (£)"],
    ) == ("21", "1", "0", "7.0", "262.50", "131.25")
    assert rows[2][0] == "Speech one-to-one" and rows[2][-3:] == ["7.0", "350.00", "350.00"]
    assert rows[3][0] == "Total" and rows[3][-7:] == ["3", "28", "1", "0", "14.0", "612.50", "204.17"]
    assert len(rows) == 4


def test_the_csv_is_audited_as_an_export_without_names(client, world, login, session, mapped):
    login(world.users["senco"])

    response = client.get("/provision-map/export?wave=2")

    (event,) = audit_events(session, "provision_map_exported")
    assert event.details == {"term": "2026-09-01", "year": None, "wave": 2, "rows": 1, "format": "csv"}
    assert "Brook" not in response.headers["Content-Disposition"]


def test_a_name_a_spreadsheet_would_run_is_written_as_text(client, world, login, session, mapped):
    phonics, _ = mapped
    phonics.name = "=HYPERLINK(1)"
    session.commit()
    login(world.users["senco"])

    body = client.get("/provision-map/export").get_data(as_text=True)

    assert "'=HYPERLINK(1)" in body


def test_the_printable_map_has_the_table_and_the_totals(client, world, login, session, mapped):
    login(world.users["senco"])

    page = client.page("/provision-map/print?sort=cost")

    assert "Provision map: Autumn 2026" in page and "Printed 27 November 2026" in page
    assert _map_rows(page)[-1] == TOTAL_ROW
    links = [link["href"] for link in page.one("#main-content").find_all_next("a", href=True)]
    assert not [href for href in links if href.startswith("/interventions/")]  # paper needs no links to records
    assert len(audit_events(session, "provision_map_printed")) == 1


def test_the_map_holds_only_the_users_school(client, world, login, session, mapped):
    flow.start_intervention(
        session,
        actor=world.users["foreign_senco"],
        details=flow.InterventionDetails(
            type_id=flow.save_intervention_type(
                session,
                actor=world.users["foreign_senco"],
                details=flow.TypeDetails(
                    name="Far phonics",
                    description=None,
                    area_of_need=AreaOfNeed.COGNITION,
                    wave=2,
                    sessions_per_week=1,
                    minutes_per_session=20,
                    weeks=6,
                    cost_basis=CostBasis.PER_SESSION,
                    cost_per_session_pence=100,
                    hourly_rate_pence=None,
                ),
            ).id,
            name="Far group",
            delivery=Delivery.GROUP,
            delivered_by_id=world.users["foreign_senco"].id,
            weekdays=[0],
            minutes_per_session=20,
            starts_on=STARTS,
            ends_on=ENDS,
            measure=None,
        ),
        places=[flow.Place(pupil=world.pupils["foreign"])],
        today=STARTS,
    )
    session.commit()
    login(world.users["senco"])

    assert "Far group" not in client.page("/provision-map").html
    assert "Far group" not in client.get("/provision-map/export").get_data(as_text=True)


# --- Navigation ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("user", "items"),
    [
        ("senco", ["Interventions", "Provision map"]),
        ("head", ["Provision map"]),
        ("teacher", ["Interventions"]),
        ("ta", ["Interventions"]),
        ("governor", []),
        ("admin", []),
    ],
)
def test_navigation_offers_interventions_and_the_map_by_role(client, world, login, user, items):
    login(world.users[user])

    page = client.page("/")

    nav = [words(link) for link in page.one('[aria-label="Main navigation"]').select("a")]
    assert [item for item in ("Interventions", "Provision map") if item in nav] == items


def test_a_teacher_sees_the_other_classes_pupils_of_a_group_unnamed(client, world, session, login):
    from tests.factories import make_intervention, make_intervention_type

    kind = make_intervention_type(session, actor=world.users["senco"], name="Mixed reading group")
    ours, theirs = world.pupils["taught"], world.pupils["untaught"]
    group = make_intervention(
        session, actor=world.users["senco"], kind=kind, deliverer=world.users["ta"], pupils=[ours, theirs]
    )
    session.commit()

    login(world.users["teacher"])
    page = client.page(f"/interventions/{group.id}")
    assert ours.last_name in page
    assert theirs.first_name not in page.html and theirs.last_name not in page.html
    assert "A pupil from another class" in page

    login(world.users["senco"])
    page = client.page(f"/interventions/{group.id}")
    assert theirs.last_name in page and "A pupil from another class" not in page.html


def test_the_intervention_list_counts_other_classes_pupils_without_naming_them(client, world, session, login):
    from tests.factories import make_intervention, make_intervention_type

    kind = make_intervention_type(session, actor=world.users["senco"], name="Mixed maths group")
    ours, theirs = world.pupils["taught"], world.pupils["untaught"]
    make_intervention(
        session, actor=world.users["senco"], kind=kind, deliverer=world.users["ta"], pupils=[ours, theirs]
    )
    session.commit()
    login(world.users["teacher"])

    page = client.page("/interventions/")

    assert ours.full_name in page
    assert theirs.last_name not in page.html
    assert "1 from other classes" in page


# --- Wave 3 for a pupil off the SEN register ------------------------------------------------------


def _wave3(session, world):
    entry = _entry(session, world, name="Speech one-to-one", wave=3)
    session.commit()
    return entry


def _told(session) -> list[Notification]:
    session.expire_all()
    return list(session.scalars(sa.select(Notification).where(Notification.kind == flow.OFF_REGISTER_WAVE_3)))


def test_wave_3_offers_the_senco_to_place_a_pupil_off_the_register_on_sen_support(client, world, login, session):
    entry = _wave3(session, world)
    login(world.users["senco"])
    plain, on_k = world.pupils["taught_plain"], world.pupils["taught"]

    page = client.page(_new_url(entry, world.group))

    assert page.has(f'[name="{row_of(page, plain.public_id)}sen"]')
    assert page.has(f'[name="{row_of(page, plain.public_id)}need"]')
    assert f'name="{row_of(page, on_k.public_id)}sen"' not in page.html
    assert "Ben Cole is not on the SEN register" in page


def test_wave_2_asks_nothing_about_the_register(client, world, login, session):
    entry = _entry(session, world)
    session.commit()
    login(world.users["senco"])

    page = client.page(_new_url(entry, world.group))

    assert f'name="{row_of(page, world.pupils["taught_plain"].public_id)}sen"' not in page.html
    assert "not on the SEN register" not in page.html


def test_the_senco_must_choose_for_a_pupil_off_the_register(client, world, login, session):
    entry = _wave3(session, world)
    login(world.users["senco"])
    plain = world.pupils["taught_plain"]
    before = count(session, Intervention)

    page = client.post_page(_new_url(entry, world.group), data=_setup_form(world, entry, [plain]))

    assert field_error(page, f"{row_of(page, plain.public_id)}sen") == "Choose whether to place Ben Cole on SEN support"
    assert _rows(session, Intervention) == before


def test_the_senco_places_the_pupil_on_sen_support_as_the_intervention_starts(client, world, login, session):
    entry = _wave3(session, world)
    login(world.users["senco"])
    plain = world.pupils["taught_plain"]

    response = client.post(
        _new_url(entry, world.group),
        data=_setup_form(world, entry, [plain], **{"rows-0-sen": "place", "rows-0-need": "SLCN"}),
    )

    assert response.status_code == 302
    session.expire_all()
    status = current_status(session, plain)
    assert (status.provision, status.primary_need, status.start_date) == (Provision.SEN_SUPPORT, NeedType.SLCN, TODAY)
    assert count(session, ParentLetter, ParentLetter.pupil_id == plain.id) == 1
    page = client.page(response.headers["Location"])
    assert page.flashes() == ["Year 4 phonics is set up. 1 pupil is now on SEN support: send the letter to parents."]


def test_placing_without_a_need_is_refused_beside_the_need(client, world, login, session):
    entry = _wave3(session, world)
    login(world.users["senco"])
    plain = world.pupils["taught_plain"]

    page = client.post_page(
        _new_url(entry, world.group), data=_setup_form(world, entry, [plain], **{"rows-0-sen": "place"})
    )

    assert field_error(page, f"{row_of(page, plain.public_id)}need") == "Select Ben Cole's primary type of need"
    assert current_status(session, plain) is None or current_status(session, plain).provision is Provision.NONE
    assert _rows(session, Intervention) == 0


def test_the_senco_may_leave_the_pupil_off_the_register(client, world, login, session):
    entry = _wave3(session, world)
    login(world.users["senco"])
    plain = world.pupils["taught_plain"]

    response = client.post(
        _new_url(entry, world.group), data=_setup_form(world, entry, [plain], **{"rows-0-sen": "leave"})
    )

    assert response.status_code == 302
    session.expire_all()
    assert current_status(session, plain) is None or current_status(session, plain).provision is Provision.NONE
    assert _told(session) == []  # the only SENCO made the choice


def test_a_teacher_is_told_the_senco_will_decide_and_the_senco_is_told(client, world, login, session):
    entry = _wave3(session, world)
    login(world.users["teacher"])
    plain = world.pupils["taught_plain"]

    page = client.page(_new_url(entry, world.group))
    assert f'name="{row_of(page, plain.public_id)}sen"' not in page.html
    [said] = [strong.parent for strong in page.all("strong") if words(strong) == "Ben Cole is not on the SEN register."]
    assert words(said).startswith(
        "Ben Cole is not on the SEN register. This is wave 3 provision: the SENCO will be told"
    )

    response = client.post(
        _new_url(entry, world.group),
        data=_setup_form(world, entry, [plain], **{"rows-0-sen": "place", "rows-0-need": "SLCN"}),
    )

    assert response.status_code == 302  # the offer is not the teacher's: what was posted for it is ignored
    [told] = _told(session)
    assert told.recipient_id == world.users["senco"].id
    assert current_status(session, plain) is None or current_status(session, plain).provision is Provision.NONE
    assert client.page(response.headers["Location"]).flashes() == [
        "Year 4 phonics is set up. 1 pupil is not on SEN support: the SENCO has been told, "
        "and decides whether to place them on it."
    ]


def _running_wave3(session, world, client):
    """A wave 3 intervention started by the SENCO with Ada (on SEN support) only."""
    entry = _wave3(session, world)
    ada = world.pupils["taught"]
    response = client.post(_new_url(entry, world.group), data=_setup_form(world, entry, [ada]))
    assert response.status_code == 302
    return entry, int(response.headers["Location"].rstrip("/").split("/")[-1])


def test_a_pupil_off_the_register_joining_a_running_wave_3_intervention_is_asked_about(client, world, login, session):
    login(world.users["senco"])
    entry, iv_id = _running_wave3(session, world, client)
    ada, plain = world.pupils["taught"], world.pupils["taught_plain"]

    page = client.page(f"/interventions/{iv_id}/edit?group={world.group.id}")
    assert page.has(f'[name="{row_of(page, plain.public_id)}sen"]')
    assert f'name="{row_of(page, ada.public_id)}sen"' not in page.html

    refused = client.post_page(
        f"/interventions/{iv_id}/edit?group={world.group.id}", data=_setup_form(world, entry, [ada, plain], version="1")
    )
    assert (
        field_error(refused, f"{row_of(refused, plain.public_id)}sen")
        == "Choose whether to place Ben Cole on SEN support"
    )

    response = client.post(
        f"/interventions/{iv_id}/edit?group={world.group.id}",
        data=_setup_form(
            world,
            entry,
            [ada, plain],
            version="1",
            **{"rows-1-sen": "place", "rows-1-need": "SLCN"},
        ),
    )
    assert response.status_code == 302
    session.expire_all()
    assert current_status(session, plain).provision is Provision.SEN_SUPPORT
    assert count(session, ParentLetter, ParentLetter.pupil_id == plain.id) == 1


def test_a_teacher_adding_a_pupil_off_the_register_to_a_running_wave_3_intervention_tells_the_senco(
    client, world, login, session
):
    login(world.users["senco"])
    entry, iv_id = _running_wave3(session, world, client)
    ada, plain = world.pupils["taught"], world.pupils["taught_plain"]
    login(world.users["teacher"])

    response = client.post(
        f"/interventions/{iv_id}/edit?group={world.group.id}", data=_setup_form(world, entry, [ada, plain], version="1")
    )

    assert response.status_code == 302
    [told] = _told(session)
    assert told.recipient_id == world.users["senco"].id
    assert client.page(response.headers["Location"]).flashes() == [
        "Year 4 phonics is saved. 1 pupil is not on SEN support: the SENCO has been told, "
        "and decides whether to place them on it."
    ]


def test_the_current_list_names_no_pupil_who_has_left_from_the_leaving_date(
    client, world, login, session, running, trio
):
    gone = trio[2]
    login(world.users["senco"])
    gone.left_on, gone.leaving_reason = date(2026, 11, 28), "Moved away from the area"  # the day after today
    session.commit()
    assert gone.full_name in client.page("/interventions/")  # still on the roll today

    gone.left_on = date(2026, 11, 27)  # leaves today: off every list from today
    session.commit()
    listed = client.page("/interventions/")

    assert "Phonics group" in listed
    assert gone.full_name not in listed.html and "from other classes" not in listed.html
    assert trio[0].full_name in listed and trio[1].full_name in listed
