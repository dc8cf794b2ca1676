"""A leaver's next school recorded after the leaving: the one change made to the record of a
pupil who left, by the SENCO or the head teacher, with the leaving form's fields and checks;
versioned and audited; the CTF can then be exported to it.

The world (tests.factories): Oak Primary (LA 999) and Ash Secondary (URN 900002) in one authority;
Ada Brook is on Oak's roll; today is Friday 27 November 2026.
"""

from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa

from sentrack.models import CtfExport, Pupil, TimelineEvent
from sentrack.models.cycles import RecordRevision
from sentrack.workflows import RuleBroken
from sentrack.workflows.revisions import EditConflict
from sentrack.workflows.roll import TypedSchool, record_destination, record_leaving
from tests.helpers import audit_events, text

TODAY = date(2026, 11, 27)
TYPED = {"destination_name": "Elm Academy", "destination_la": "202", "destination_estab": "4321"}


def _left(session, world, pupil=None) -> Pupil:
    """`pupil` (Ada) left on 23 November 2026, moving to a school not known then."""
    pupil = pupil or world.pupils["taught"]
    world.school.estab_number = "1234"
    pupil.admitted_on = date(2021, 9, 1)
    session.flush()
    record_leaving(
        session,
        actor=world.users["senco"],
        pupil=pupil,
        left_on=date(2026, 11, 23),
        reason="moved_school",
        detail=None,
        today=TODAY,
    )
    session.commit()
    return pupil


def test_the_next_school_is_recorded_for_a_pupil_who_left_versioned_and_audited(session, world):
    ada = _left(session, world)
    version = ada.version

    changed = record_destination(
        session,
        actor=world.users["head"],
        pupil=ada,
        details=TypedSchool(name="  Elm   Academy ", la="202", estab="4321"),
        expected_version=version,
    )
    session.commit()

    assert changed == ["destination_name", "destination_la", "destination_estab"]
    assert (ada.destination_name, ada.destination_urn, ada.destination_la, ada.destination_estab) == (
        "Elm Academy",
        None,
        "202",
        "4321",
    )
    assert ada.version == version + 1 and ada.left_on == date(2026, 11, 23)
    kept = session.scalar(
        sa.select(RecordRevision).where(RecordRevision.record_id == ada.id, RecordRevision.version == version + 1)
    )
    assert kept.snapshot["destination_name"] == "Elm Academy"
    (event,) = audit_events(session, "destination_recorded", pupil_id=ada.id)
    assert (event.user_id, event.details) == (world.users["head"].id, {"fields": changed})


def test_a_school_of_this_sen_track_is_taken_with_its_numbers(session, world):
    ada = _left(session, world)
    world.sibling.estab_number = "5678"
    session.flush()

    record_destination(session, actor=world.users["senco"], pupil=ada, details=TypedSchool(school_id=world.sibling.id))

    assert (ada.destination_name, ada.destination_urn, ada.destination_la, ada.destination_estab) == (
        "Ash Secondary",
        "900002",
        "999",
        "5678",
    )


@pytest.mark.parametrize(
    ("typed", "field", "message"),
    [
        (TypedSchool(), "destination", "Choose the school the pupil moved to, or type its details"),
        (TypedSchool(name="Elm", la="202"), "destination_estab", "Enter the establishment number with the LA number"),
        (TypedSchool(name="Elm", urn="12"), "destination_urn", "The URN must be 6 digits"),
        (TypedSchool(urn="100000"), "destination_name", "Enter the name of the school the pupil moved to"),
    ],
)
def test_the_school_is_checked_as_the_leaving_form_checks_it(session, world, typed, field, message):
    ada = _left(session, world)

    with pytest.raises(RuleBroken) as refused:
        record_destination(session, actor=world.users["senco"], pupil=ada, details=typed)

    assert (refused.value.field, refused.value.message) == (field, message)
    assert audit_events(session, "destination_recorded") == []


def test_a_pupil_with_no_leaving_recorded_is_refused(session, world):
    ada = world.pupils["taught"]

    with pytest.raises(RuleBroken, match="No leaving is recorded"):
        record_destination(session, actor=world.users["senco"], pupil=ada, details=TypedSchool(name="Elm"))

    assert ada.destination_name is None


def test_a_save_over_a_colleagues_change_is_a_conflict(session, world):
    ada = _left(session, world)
    opened = ada.version
    record_destination(session, actor=world.users["head"], pupil=ada, details=TypedSchool(name="Elm Academy"))
    session.commit()

    with pytest.raises(EditConflict) as conflict:
        record_destination(
            session,
            actor=world.users["senco"],
            pupil=ada,
            details=TypedSchool(name="Oak Academy"),
            expected_version=opened,
        )

    assert [change.label for change in conflict.value.changes] == ["Name of the school"]
    assert ada.destination_name == "Elm Academy"


# --- The page -------------------------------------------------------------------------------------


def test_the_senco_records_the_next_school_and_then_exports_the_ctf(session, world, client, login):
    ada = _left(session, world)
    login(world.users["senco"])
    page = text(client.get(f"/pupils/{ada.public_id}/transfer"))
    assert f"/pupils/{ada.public_id}/transfer/destination" in page and "Record the next school" in page
    refused = client.post(f"/pupils/{ada.public_id}/transfer/ctf", follow_redirects=True)
    assert "record the destination" in text(refused)

    answer = client.post(
        f"/pupils/{ada.public_id}/transfer/destination", data={"version": str(ada.version), "destination": "", **TYPED}
    )

    assert answer.status_code == 302 and answer.location.endswith(f"/pupils/{ada.public_id}/transfer")
    session.refresh(ada)
    assert (ada.destination_name, ada.destination_la, ada.destination_estab) == ("Elm Academy", "202", "4321")
    got = client.post(f"/pupils/{ada.public_id}/transfer/ctf")
    assert got.headers["Content-Disposition"] == "attachment; filename=9991234_CTF_2024321_001.xml"
    assert session.scalar(sa.select(sa.func.count(CtfExport.id))) == 1


def test_the_form_opens_filled_and_a_stale_save_shows_what_changed(session, world, client, login):
    ada = _left(session, world)
    opened = ada.version
    record_destination(session, actor=world.users["head"], pupil=ada, details=TypedSchool(name="Elm Academy"))
    session.commit()
    login(world.users["senco"])
    form = text(client.get(f"/pupils/{ada.public_id}/transfer/destination"))
    assert 'value="Elm Academy"' in form

    answer = client.post(
        f"/pupils/{ada.public_id}/transfer/destination",
        data={"version": str(opened), "destination": "", "destination_name": "Oak Academy"},
    )

    assert answer.status_code == 200 and "saved a change to this record" in text(answer)
    session.refresh(ada)
    assert ada.destination_name == "Elm Academy"


def test_the_head_records_it_from_the_record_and_no_other_write_opens(session, world, client, login):
    ada = _left(session, world)
    login(world.users["head"])
    record = text(client.get(f"/pupils/{ada.public_id}"))
    assert f"/pupils/{ada.public_id}/transfer/destination" in record

    answer = client.post(
        f"/pupils/{ada.public_id}/transfer/destination", data={"version": str(ada.version), "destination": "", **TYPED}
    )

    assert answer.status_code == 302 and answer.location.endswith(f"/pupils/{ada.public_id}")
    assert client.get(f"/pupils/{ada.public_id}/edit").status_code == 404
    events = session.scalars(sa.select(TimelineEvent.kind).where(TimelineEvent.pupil_id == ada.id)).all()
    assert "left_roll" in events


@pytest.mark.parametrize("role", ["teacher", "admin"])
def test_no_one_else_reaches_the_next_school_of_a_pupil_who_left(session, world, client, login, role):
    ada = _left(session, world)
    login(world.users[role])

    answers = [
        client.get(f"/pupils/{ada.public_id}/transfer/destination").status_code,
        client.post(
            f"/pupils/{ada.public_id}/transfer/destination", data={"version": str(ada.version), **TYPED}
        ).status_code,
    ]

    assert answers == [404, 404]
    session.refresh(ada)
    assert ada.destination_name is None
