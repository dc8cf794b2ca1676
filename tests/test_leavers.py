"""Leavers (issue 16, section 3): a pupil leaves with a date, a reason and, where known, the
destination school (a school of this SEN Track, or one typed in by name with its URN or its LA
and establishment numbers); a leaver's record stays read-only with the retention date that
applies: date of birth + 31 years for an SEN file, + 25 otherwise (IRMS toolkit).

Today is Friday 27 November 2026 (tests/conftest.py).
"""

from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa

from sentrack.models import EhcRequest, EhcRequester, Provision, Pupil, SenStatus
from sentrack.workflows import RuleBroken
from sentrack.workflows.retention import kept_until, retention_dates
from sentrack.workflows.roll import LeavingDetails, TypedSchool, leave_roll, undo_leaving
from tests.conftest import TODAY
from tests.factories import make_pupil
from tests.helpers import audit_events, date_parts, field_error
from tests.pages import Page

LEFT_ON = date(2026, 12, 7)


def _form(**changes) -> dict:
    form = {"left_on": date_parts(LEFT_ON), "reason": "moved_school", "detail": ""}
    return form | changes


def _leave(session, world, pupil: Pupil, destination: TypedSchool | None = None) -> None:
    destination = destination or TypedSchool()
    details = LeavingDetails(left_on=LEFT_ON, reason="moved_school", detail=None, destination=destination)
    leave_roll(session, actor=world.users["senco"], pupil=pupil, details=details, today=TODAY)


# --- The retention date ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("born", "sen_file", "kept"),
    [
        (date(2015, 3, 14), True, date(2046, 3, 14)),
        (date(2015, 3, 14), False, date(2040, 3, 14)),
        # Born on 29 February: 2047 and 2041 have none, so the anniversary is 1 March (never earlier).
        (date(2016, 2, 29), True, date(2047, 3, 1)),
        (date(2016, 2, 29), False, date(2041, 3, 1)),
        # ... and 29 February itself when the year has one (2012 + 31 = 2043: not leap; + 32 would be).
        (date(2012, 2, 29), False, date(2037, 3, 1)),
        (date(2008, 2, 29), True, date(2039, 3, 1)),
        (date(2004, 2, 29), False, date(2029, 3, 1)),
        (date(2003, 2, 28), True, date(2034, 2, 28)),
    ],
)
def test_records_are_kept_to_the_date_of_birth_plus_31_years_for_an_sen_file_else_25(born, sen_file, kept):
    assert kept_until(born, sen_file=sen_file) == kept


def test_a_leap_day_birthday_keeps_it_in_a_leap_year():
    assert kept_until(date(2000, 2, 29), sen_file=False) == date(2025, 3, 1)
    assert kept_until(date(1999, 2, 28), sen_file=True) == date(2030, 2, 28)
    assert kept_until(date(2001, 2, 28), sen_file=True) == date(2032, 2, 28)


def test_any_sen_status_but_none_ever_or_any_ehc_request_makes_an_sen_file(session, world):
    school = world.school
    never = make_pupil(session, school, first="Never", provision=Provision.NONE)
    past = make_pupil(session, school, first="Past", provision=Provision.SEN_SUPPORT)
    status = session.scalar(sa.select(SenStatus).where(SenStatus.pupil_id == past.id))
    status.end_date = date(2026, 1, 31)  # support ended: the file stays an SEN file
    session.add(SenStatus(pupil_id=past.id, provision=Provision.NONE, start_date=date(2026, 2, 1), reason="Ended"))
    asked = make_pupil(session, school, first="Asked")
    session.add(EhcRequest(pupil_id=asked.id, received_on=date(2026, 10, 1), requested_by=EhcRequester.PARENT))
    session.flush()
    pupils = [never, past, asked, world.pupils["untaught"]]

    dates = retention_dates(session, pupils)

    assert dates == {
        never.id: kept_until(never.date_of_birth, sen_file=False),
        past.id: kept_until(past.date_of_birth, sen_file=True),
        asked.id: kept_until(asked.date_of_birth, sen_file=True),
        world.pupils["untaught"].id: kept_until(world.pupils["untaught"].date_of_birth, sen_file=True),
    }


def _statements(session, run) -> int:
    seen = []

    def count(*args):
        seen.append(args)

    engine = session.get_bind()
    sa.event.listen(engine, "before_cursor_execute", count)
    try:
        run()
    finally:
        sa.event.remove(engine, "before_cursor_execute", count)
    return len(seen)


def test_the_retention_dates_of_a_list_are_one_query_whatever_its_length(session, world):
    few = [make_pupil(session, world.school, first=f"P{i}") for i in range(2)]
    many = few + [make_pupil(session, world.school, first=f"Q{i}", provision=Provision.SEN_SUPPORT) for i in range(8)]
    session.expire_all()
    few = [session.get(Pupil, p.id) for p in few]
    many = [session.get(Pupil, p.id) for p in many]
    for pupil in many:
        _ = pupil.date_of_birth

    assert _statements(session, lambda: retention_dates(session, few)) == 1
    assert _statements(session, lambda: retention_dates(session, many)) == 1


def test_the_leavers_list_shows_how_long_each_record_is_kept(client, world, login, session):
    sen, plain = world.pupils["taught"], world.pupils["taught_plain"]
    for pupil in (sen, plain):
        pupil.left_on, pupil.leaving_reason = date(2026, 11, 1), "Moved away from the area"
    session.commit()
    login(world.users["senco"])

    page = client.page("/pupils/left")

    caption = "Pupils who have left, latest first"
    assert page.table_head(caption)[-1] == "Records kept until"
    kept = {row[0]: row[-1] for row in page.table(caption)}
    assert kept[f"Brook, {sen.first_name}"] == f"{kept_until(sen.date_of_birth, sen_file=True):%-d %B %Y}"
    assert kept[f"Cole, {plain.first_name}"] == f"{kept_until(plain.date_of_birth, sen_file=False):%-d %B %Y}"


def test_a_leavers_record_says_until_when_it_is_kept(client, world, login, session):
    pupil = world.pupils["taught"]
    pupil.left_on, pupil.leaving_reason = date(2026, 11, 1), "Moved away from the area"
    session.commit()
    login(world.users["head"])

    page = client.page(f"/pupils/{pupil.public_id}")

    kept = kept_until(pupil.date_of_birth, sen_file=True)
    assert f"read-only, until {kept:%-d %B %Y}" in page.text()


# --- The destination school --------------------------------------------------------------------


def test_a_school_of_this_sen_track_is_chosen_as_the_destination(client, world, login, session):
    pupil, sibling = world.pupils["taught"], world.sibling
    sibling.estab_number = "4001"
    session.commit()
    login(world.users["senco"])

    page = client.page(f"/pupils/{pupil.public_id}/leaving")
    response = client.post(f"/pupils/{pupil.public_id}/leaving", data=_form(destination=str(sibling.id)))

    assert (sibling.name + " (URN 900002)") in page.text() and "Oak Primary (URN" not in page.text()
    assert "Far Primary (URN 900003)" in page.text()  # a school of another authority too
    assert response.status_code == 302
    session.refresh(pupil)
    assert (pupil.destination_name, pupil.destination_urn) == ("Ash Secondary", "900002")
    assert (pupil.destination_la, pupil.destination_estab) == ("999", "4001")
    [event] = audit_events(session, "pupil_left", pupil_id=pupil.id)
    assert "destination_urn" in event.details["fields"] and "900002" not in str(event.details)


def test_a_destination_typed_in_is_stored_without_its_spaces(client, world, login, session):
    pupil = world.pupils["taught"]
    login(world.users["admin"])

    typed = {"destination_name": "  St Mary's  School ", "destination_la": " 202", "destination_estab": "23 45"}
    response = client.post(f"/pupils/{pupil.public_id}/leaving", data=_form(**typed, destination_urn="100 123"))

    assert response.status_code == 302
    session.refresh(pupil)
    assert (pupil.destination_name, pupil.destination_urn) == ("St Mary's School", "100123")
    assert (pupil.destination_la, pupil.destination_estab) == ("202", "2345")


@pytest.mark.parametrize(
    ("typed", "field", "message"),
    [
        ({"destination_name": "Leeds High", "destination_urn": "12345"}, "destination_urn", "The URN must be 6 digits"),
        ({"destination_name": "Leeds High", "destination_urn": "12345a"}, "destination_urn", "6 digits"),
        (
            {"destination_name": "Leeds High", "destination_la": "20", "destination_estab": "2345"},
            "destination_la",
            "3",
        ),
        (
            {"destination_name": "Leeds High", "destination_la": "202", "destination_estab": "234"},
            "destination_estab",
            "4",
        ),
        ({"destination_name": "Leeds High", "destination_la": "202"}, "destination_estab", "with the LA number"),
        ({"destination_name": "Leeds High", "destination_estab": "2345"}, "destination_la", "with the establishment"),
        ({"destination_urn": "100123"}, "destination_name", "Enter the name of the school"),
        ({"destination_name": "Leeds High", "destination_urn": "１２３４５６"}, "destination_urn", "6 digits"),
    ],
)
def test_a_destination_typed_in_is_checked_beside_the_field(client, world, login, session, typed, field, message):
    pupil = world.pupils["taught"]
    login(world.users["senco"])

    page = client.post_page(f"/pupils/{pupil.public_id}/leaving", data=_form(**typed))

    assert message in (field_error(page.html, field) or "")
    session.refresh(pupil)
    assert pupil.left_on is None and pupil.destination_name is None


def test_a_school_is_chosen_or_typed_not_both(client, world, login, session):
    pupil = world.pupils["taught"]
    login(world.users["senco"])

    page = client.post_page(
        f"/pupils/{pupil.public_id}/leaving",
        data=_form(destination=str(world.sibling.id), destination_name="Leeds High"),
    )

    assert "not both" in (field_error(page.html, "destination_name") or "")
    session.refresh(pupil)
    assert pupil.left_on is None


def test_the_pupils_own_school_is_no_destination(session, world):
    with pytest.raises(RuleBroken) as refused:
        _leave(session, world, world.pupils["taught"], TypedSchool(school_id=world.school.id))
    assert refused.value.field == "destination"


def test_a_move_to_an_unknown_school_is_recorded_and_the_lost_pupils_route_said(client, world, login, session):
    pupil = world.pupils["taught"]
    login(world.users["senco"])

    response = client.post(f"/pupils/{pupil.public_id}/leaving", data=_form(), follow_redirects=True)

    page = Page(response)
    assert "No destination school was recorded" in page.text() and "lost pupils" in page.text()
    session.refresh(pupil)
    assert pupil.left_on == LEFT_ON and pupil.destination_name is None


def test_another_reason_with_no_destination_says_nothing_of_it(client, world, login, session):
    pupil = world.pupils["taught"]
    login(world.users["senco"])

    response = client.post(f"/pupils/{pupil.public_id}/leaving", data=_form(reason="moved_away"), follow_redirects=True)

    assert "No destination school" not in Page(response).text()


def test_the_leavers_record_names_the_destination(client, world, login, session):
    pupil = world.pupils["taught"]
    _leave(session, world, pupil, TypedSchool(name="Leeds High", la="202", estab="2345"))
    session.commit()
    login(world.users["senco"])

    page = client.page(f"/pupils/{pupil.public_id}")

    assert "Moved to Leeds High, DfE number 202/2345." in page.text()


def test_undoing_a_leaving_clears_its_destination(session, world):
    pupil = world.pupils["taught"]
    _leave(session, world, pupil, TypedSchool(school_id=world.sibling.id))
    session.commit()

    undo_leaving(session, actor=world.users["senco"], pupil=pupil, today=TODAY)

    assert (pupil.left_on, pupil.leaving_reason) == (None, None)
    assert (pupil.destination_name, pupil.destination_urn, pupil.destination_la, pupil.destination_estab) == (
        None,
        None,
        None,
        None,
    )
    [event] = audit_events(session, "leaving_undone", pupil_id=pupil.id)
    assert "destination_name" in event.details["fields"]
