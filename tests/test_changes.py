"""Each school's version moves in the transaction that changes its records, traced along the
records' foreign keys (`sentrack.changes`): only the schools changed, and never none of them."""

from __future__ import annotations

import re
from datetime import date

import pytest
import sqlalchemy as sa
from flask import g, has_request_context
from sqlalchemy import event

from sentrack import changes
from sentrack.audit import record_for_pupils
from sentrack.extensions import db
from sentrack.models import ANY_SCHOOL, Concern, CycleState, Notification, Plan, Pupil, SupportCycle
from sentrack.workflows.notices import mark_all_read
from tests import factories


def _version(session, school_id: int) -> int:
    return dict(changes.versions(session, [school_id]))[school_id]


def _any(session) -> int:
    return dict(changes.versions(session, []))[ANY_SCHOOL]


@pytest.fixture
def before(session, world):
    """The versions of the world's two schools of the authority and of ANY_SCHOOL, committed."""
    session.commit()

    def taken():
        return {
            "school": _version(session, world.school.id),
            "sibling": _version(session, world.sibling.id),
            "any": _any(session),
        }

    return taken


def _moved(old: dict, new: dict) -> set[str]:
    return {name for name in old if old[name] != new[name]}


def test_a_record_of_a_pupil_moves_the_pupil_s_school_alone(session, world, before):
    old = before()
    pupil = world.pupils["taught"]
    session.add(Concern(pupil_id=pupil.id, raised_by_id=world.users["teacher"].id, **_concern()))
    assert changes.unsettled(session)
    session.commit()
    assert not changes.unsettled(session)
    assert _moved(old, before()) == {"school"}


def test_a_record_traced_through_a_parent_not_loaded_moves_its_school(session, world, before):
    """A cycle's record names its cycle, the cycle its pupil, the pupil the school: read when not loaded."""
    cycle = factories.drive_cycle(session, actor=world.users["senco"], pupil=world.pupils["taught"], to=CycleState.DO)
    session.commit()
    plan_id = session.scalar(sa.select(Plan.id).where(Plan.cycle_id == cycle.id))
    old = before()
    session.expire_all()  # nothing loaded but the plan: its cycle and the pupil are read by the trace
    plan = session.get(Plan, plan_id)
    plan.strategies = "Read with an adult every day."
    session.commit()
    assert _moved(old, before()) == {"school"}


def test_a_record_that_names_only_a_member_of_staff_moves_their_school(session, world, before):
    """A notification is its recipient's: a SENCO's moves the SENCO's school, an officer's every page."""
    old = before()
    session.add(Notification(recipient_id=world.users["senco"].id, **_notification()))
    session.commit()
    assert _moved(old, before()) == {"school"}

    old = before()
    session.add(Notification(recipient_id=world.users["la"].id, **_notification()))
    session.commit()
    assert _moved(old, before()) == {"any"}


def test_a_savepoint_released_moves_nothing_until_its_transaction_commits(session, world, before):
    """Versions move as the transaction commits (their rows locked only then), not at each
    savepoint, as a CTF import of many rows releases them; until then the transaction is unsettled."""
    old = before()
    with session.begin_nested():
        world.pupils["taught"].first_name = "Robin"
    assert _moved(old, before()) == set()
    assert changes.unsettled(session)
    session.commit()
    assert _moved(old, before()) == {"school"}


def test_marking_notifications_read_moves_the_reader_s_school_alone(session, world, before):
    """The notifications' UPDATE names its school, as the trace of a notification would."""
    session.add(Notification(recipient_id=world.users["senco"].id, **_notification()))
    session.commit()
    old = before()
    assert mark_all_read(session, user=world.users["senco"], newest=None) == 1
    session.commit()
    assert _moved(old, before()) == {"school"}


def test_a_pupil_moving_school_moves_both_schools(session, world, before):
    pupil = world.pupils["taught_plain"]
    old = before()
    assert pupil.school_id == world.school.id  # loaded: the flush knows where the pupil was
    pupil.school_id = world.sibling.id
    session.commit()
    assert _moved(old, before()) == {"school", "sibling"}


def test_a_record_moved_from_a_school_never_loaded_moves_every_kept_page(session, world, before):
    pupil = world.pupils["taught_plain"]
    old = before()
    session.expire(pupil)
    pupil.school_id = world.sibling.id  # where it was is not known: every page is written again
    session.commit()
    assert _moved(old, before()) == {"sibling", "any"}


def test_a_record_of_no_one_school_moves_every_kept_page(session, world, before):
    old = before()
    world.la.name = "Test Borough Council"
    session.commit()
    assert _moved(old, before()) == {"any"}


def test_a_statement_outside_a_flush_moves_every_kept_page_unless_it_names_its_schools(session, world, before):
    old = before()
    session.execute(sa.update(Pupil).where(Pupil.school_id == world.school.id).values(first_name="Alex"))
    session.commit()
    assert _moved(old, before()) == {"any"}

    old = before()
    statement = sa.update(Pupil).where(Pupil.school_id == world.sibling.id).values(first_name="Alex")
    session.execute(statement.execution_options(**changes.touching(world.sibling.id)))
    session.commit()
    assert _moved(old, before()) == {"sibling"}


def test_sql_written_out_is_read_for_the_table_it_changes(session, world, before):
    old = before()
    session.execute(sa.text("UPDATE pupil SET last_name = 'Moss' WHERE id = :id"), {"id": world.pupils["taught"].id})
    session.commit()
    assert _moved(old, before()) == {"any"}


def test_a_write_to_a_table_no_page_shows_moves_nothing(session, world, before):
    old = before()
    pupil = world.pupils["taught"]
    record_for_pupils(session, "page_viewed", actor=world.users["senco"], pupils=[pupil])
    session.commit()
    assert _moved(old, before()) == set()


def test_a_staff_member_of_the_authority_moves_every_kept_page(session, world, before):
    officer = world.users["la"]
    old = before()
    officer.full_name = "Pat Officer-Jones"
    session.commit()
    assert _moved(old, before()) == {"any"}


def test_reading_moves_nothing_and_a_commit_with_nothing_written_moves_nothing(session, world, before):
    old = before()
    session.scalars(sa.select(SupportCycle)).all()
    session.commit()
    assert _moved(old, before()) == set()


def test_the_versions_are_tokens_that_never_repeat(session, world, before):
    seen = {before()["school"]}
    pupil = world.pupils["taught"]
    for n in range(5):
        pupil.first_name = f"Sam{n}"
        session.commit()
        seen.add(before()["school"])
    assert len(seen) == 6


def _notification() -> dict:
    return {
        "kind": "task_due",
        "subject_type": "task",
        "subject_id": 1,
        "period": "2026-11-27",
        "title": "A task is due",
        "body": "A task is due.",
    }


def _concern() -> dict:
    return {
        "description": "Finds it hard to settle after break.",
        "raised_on": date(2026, 11, 20),
        "deadline": date(2026, 12, 18),
    }


KEPT_PAGES = [
    ("senco", "/"),
    ("head", "/"),
    ("teacher", "/"),
    ("ta", "/"),
    ("head", "/dashboard/"),
    ("head", "/dashboard/figures/concerns_past_deadline"),
    ("senco", "/provision-map"),
    ("la", "/ehc/"),
    ("senco", "/census"),
    ("senco", "/pupils/"),
    ("la", "/pupils/"),
    ("senco", "/pupils/{taught}"),
    ("la", "/pupils/{sibling_ehc}"),
    ("senco", "/pupils/{taught}/cycles/1"),
]


@pytest.mark.parametrize(("who", "path"), KEPT_PAGES)
def test_a_kept_page_reads_no_table_whose_writes_move_nothing(app, session, world, login, who, path):
    """A write to the tables in UNSHOWN moves no version: no kept page may be written from them."""
    read: list[str] = []

    def while_writing(conn, cursor, statement, parameters, context, executemany):
        if has_request_context() and g.get("sentrack_kept_writing"):
            read.append(statement)

    if "/cycles/" in path:
        factories.drive_cycle(session, actor=world.users["senco"], pupil=world.pupils["taught"], to=CycleState.REVIEW)
    client = login(world.users[who])
    event.listen(db.engine, "before_cursor_execute", while_writing)
    try:
        assert client.get(path.format(**{k: p.public_id for k, p in world.pupils.items()})).status_code == 200
    finally:
        event.remove(db.engine, "before_cursor_execute", while_writing)
    assert read, "the page was written while the test watched"
    tables = {name for statement in read for name in re.findall(r'(?:FROM|JOIN)\s+"?(\w+)', statement, re.I)}
    assert tables, read
    assert not tables & changes.UNSHOWN


def test_flask_pages_changed_moves_every_kept_page(app, session, world, before):
    old = before()
    result = app.test_cli_runner().invoke(args=["pages-changed"])
    assert result.exit_code == 0, result.output
    assert "Every school's version moved" in result.output
    assert _moved(old, before()) == {"any"}
