"""Entry and exit measures by type: a score on a named scale, a standardised score, a reading
age, free text; checked with a clear message beside the field, kept in one form, and progress
shown only where the two measures are comparable."""

from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa

from sentrack.models import Intervention, InterventionPupil, MeasureType
from sentrack.workflows import RuleBroken
from sentrack.workflows import interventions as flow
from sentrack.workflows.measures import MeasureSpec, check_spec, progress, read
from tests.factories import make_pupil
from tests.helpers import field_error, rows
from tests.test_interventions_views import TODAY, _edit_form, _entry, _new_url, _setup_form, _start

SCALE = MeasureSpec(MeasureType.SCALE, "Phonics screening check", 0, 40)
STANDARDISED = MeasureSpec(MeasureType.STANDARDISED)
READING_AGE = MeasureSpec(MeasureType.READING_AGE)
FREE = MeasureSpec(MeasureType.FREE_TEXT)


@pytest.mark.parametrize(
    ("spec", "typed", "kept"),
    [
        (SCALE, " 32 ", "32"),
        (SCALE, "0", "0"),
        (STANDARDISED, "104", "104"),
        (READING_AGE, "7:06", "7 years 6 months"),
        (READING_AGE, "7y 6m", "7 years 6 months"),
        (READING_AGE, "8 years 1 month", "8 years 1 month"),
        (READING_AGE, "9", "9 years 0 months"),
        (FREE, "Reads CVC words", "Reads CVC words"),
        (SCALE, "", None),
    ],
)
def test_a_measure_is_kept_in_one_form(spec, typed, kept):
    assert read(spec, typed) == kept


@pytest.mark.parametrize(
    ("spec", "typed", "message"),
    [
        (SCALE, "41", "Enter Amy's entry score on Phonics screening check from 0 to 40"),
        (SCALE, "twelve", "Enter Amy's entry score as a whole number, for example 0"),
        (STANDARDISED, "30", "Enter Amy's entry score from 40 to 160"),
        (STANDARDISED, "99.5", "Enter Amy's entry score as a whole number, for example 100"),
        (
            READING_AGE,
            "7.6",
            "Enter Amy's entry score as years and months from 2 to 20 years, for example 7 years 6 months",
        ),
        (
            READING_AGE,
            "7:13",
            "Enter Amy's entry score as years and months from 2 to 20 years, for example 7 years 6 months",
        ),
        (FREE, "x" * 41, "Amy's entry score must be 40 characters or fewer"),
    ],
)
def test_a_measure_that_does_not_fit_its_type_is_refused_saying_how_to_write_it(spec, typed, message):
    with pytest.raises(RuleBroken) as refused:
        read(spec, typed, "Amy's entry score")

    assert refused.value.message == message


@pytest.mark.parametrize(
    ("spec", "entry", "exit_", "shown"),
    [
        (SCALE, "12", "20", "+8 points"),
        (STANDARDISED, "96", "95", "-1 point"),
        (READING_AGE, "7 years 6 months", "8 years 1 month", "+7 months"),
        (READING_AGE, "7 years 6 months", None, None),
        (FREE, "Reads CVC words", "Reads CCVC words", None),
    ],
)
def test_progress_is_worked_out_only_where_comparable(spec, entry, exit_, shown):
    found = progress(spec, entry, exit_)

    assert (str(found) if found else None) == shown


@pytest.mark.parametrize(
    ("spec", "field", "message"),
    [
        (MeasureSpec(MeasureType.SCALE, None, 0, 40), "measure", "Enter the name of the scale"),
        (MeasureSpec(MeasureType.SCALE, "Check", None, 40), "measure_min", "Enter the lowest score on the scale"),
        (
            MeasureSpec(MeasureType.SCALE, "Check", 40, 40),
            "measure_max",
            "The highest score must be more than the lowest",
        ),
    ],
)
def test_a_scale_needs_its_name_and_bounds(spec, field, message):
    with pytest.raises(RuleBroken) as refused:
        check_spec(spec)

    assert refused.value.field == field and refused.value.message.startswith(message)


def test_other_types_keep_no_bounds():
    assert check_spec(MeasureSpec(MeasureType.STANDARDISED, " York ", 1, 9)) == MeasureSpec(
        MeasureType.STANDARDISED, "York"
    )


# --- The forms ------------------------------------------------------------------------------------


@pytest.fixture
def pair(session, world):
    third = make_pupil(session, world.school, first="Cy", last="Dunn", group=world.group)
    session.commit()
    return [world.pupils["taught"], third]


def test_setting_one_up_checks_every_entry_score_by_its_type_and_stores_nothing(client, world, login, session, pair):
    entry = _entry(session, world)
    session.commit()
    login(world.users["senco"])
    form = _setup_form(world, entry, pair, measure_type="standardised", measure="")
    form.update(rows({"pupil": pair[0].public_id, "entry": "12"}, {"pupil": pair[1].public_id, "entry": "170"}))

    page = client.post_page(_new_url(entry, world.group), data=form)

    assert field_error(page, "rows-0-entry") == f"Enter {pair[0].full_name}'s entry score from 40 to 160"
    assert field_error(page, "rows-1-entry") == f"Enter {pair[1].full_name}'s entry score from 40 to 160"
    assert session.scalar(sa.select(sa.func.count(Intervention.id))) == 0


def test_a_scale_without_its_bounds_is_refused_beside_them(client, world, login, session, pair):
    entry = _entry(session, world)
    session.commit()
    login(world.users["senco"])

    page = client.post_page(
        _new_url(entry, world.group), data=_setup_form(world, entry, pair, measure_type="scale", measure_min="")
    )

    assert field_error(page, "measure_min") == "Enter the lowest score on the scale"
    assert session.scalar(sa.select(sa.func.count(Intervention.id))) == 0


def test_reading_ages_are_stored_in_one_form_and_progress_shows_when_it_ends(client, world, login, session, pair):
    entry = _entry(session, world)
    session.commit()
    login(world.users["senco"])
    form = _setup_form(world, entry, pair, measure_type="reading_age", measure="Salford reading test")
    form.update(rows({"pupil": pair[0].public_id, "entry": "7:06"}, {"pupil": pair[1].public_id, "entry": "6y 11m"}))
    assert client.post(_new_url(entry, world.group), data=form).status_code == 302
    intervention = session.scalar(sa.select(Intervention))
    assert sorted(p.entry_score for p in intervention.places) == ["6 years 11 months", "7 years 6 months"]

    flow.end_intervention(session, actor=world.users["senco"], intervention=intervention, ended_on=TODAY, today=TODAY)
    session.commit()
    first, second = (str(p.pupil_id) for p in intervention.places)
    refused = client.post_page(
        f"/interventions/{intervention.id}/impact",
        data=rows(
            {"pupil": first, "version": "1", "impact": "1", "exit": "8 years 1 month"},
            {"pupil": second, "version": "1", "impact": "0", "exit": "seven"},
        ),
    )
    assert field_error(refused, "rows-1-exit").startswith("Enter ")
    saved = client.post(
        f"/interventions/{intervention.id}/impact",
        data=rows(
            {"pupil": first, "version": "1", "impact": "1", "exit": "8:01"},
            {"pupil": second, "version": "1", "impact": "0", "exit": "7:00"},
        ),
    )
    assert saved.status_code == 302, saved.get_data(as_text=True)[-3000:]

    page = client.page(f"/interventions/{intervention.id}")
    assert page.summary()["Entry and exit measures"] == "A reading age in years and months: Salford reading test"
    assert "Progress +7 months" in page and "Progress +1 month" in page


def test_the_measure_cannot_change_to_one_the_scores_recorded_do_not_fit(client, world, login, session, pair):
    running = _start(session, world, pair)  # free text, entry scores 10 and 11
    login(world.users["senco"])

    ok = client.post(
        f"/interventions/{running.id}/edit",
        data=_edit_form(world, running, measure_type="scale", measure="Words", measure_min="0", measure_max="40"),
    )
    assert ok.status_code == 302
    session.expire_all()
    page = client.post_page(
        f"/interventions/{running.id}/edit",
        data=_edit_form(world, running, measure_type="scale", measure="Words", measure_min="0", measure_max="5"),
    )

    assert "from 0 to 5" in field_error(page, "rows-0-entry")
    session.expire_all()
    assert (running.measure_type, running.measure_max) == (MeasureType.SCALE, 40)
    assert (
        session.scalar(sa.select(InterventionPupil.entry_score).where(InterventionPupil.pupil_id == pair[0].id)) == "10"
    )


def test_an_exit_score_kept_by_another_class_must_still_fit_a_changed_measure(session, world, pair):
    running = _start(session, world, pair, starts=date(2026, 11, 2))
    running.places[1].exit_score = "39"
    session.commit()
    details = flow.InterventionDetails(
        type_id=running.type_id,
        name=running.name,
        delivery=running.delivery,
        delivered_by_id=running.delivered_by_id,
        weekdays=running.weekdays,
        minutes_per_session=20,
        starts_on=running.starts_on,
        ends_on=running.ends_on,
        measure="Check",
        measure_type=MeasureType.SCALE,
        measure_min=0,
        measure_max=20,
    )

    with pytest.raises(RuleBroken) as refused:
        flow.update_intervention(
            session,
            actor=world.users["senco"],
            intervention=running,
            details=details,
            places=[flow.Place(p.pupil, entry_score=p.entry_score) for p in running.places],
            today=TODAY,
        )

    assert refused.value.field == "measure_type"
