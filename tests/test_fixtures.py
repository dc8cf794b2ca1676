"""The suite's own fixtures: the world built once per worker is the world `build_world` makes, each
test that uses it starts from it as built, and the tests without it start from an empty database."""

from __future__ import annotations

import pytest

from sentrack.models import Contact, LocalAuthority, Pupil, RoleAssignment, School, TeachingGroup, User
from tests import factories
from tests.helpers import count

MODELS = [LocalAuthority, School, TeachingGroup, User, RoleAssignment, Pupil, Contact]


def _counts(session) -> dict[str, int]:
    return {model.__tablename__: count(session, model) for model in MODELS}


def test_a_test_without_the_world_starts_from_an_empty_database(session):
    assert set(_counts(session).values()) == {0}


def test_the_world_built_in_a_test_is_the_world_the_fixture_holds(session):
    """Built here, on the empty database, `build_world` makes the rows the `world` fixture holds."""
    factories.build_world(session)
    session.commit()

    assert _counts(session) == WORLD_ROWS


WORLD_ROWS = {
    "local_authority": 2,
    "school": 3,
    "teaching_group": 2,
    "user": 9,
    "role_assignment": 9,
    "pupil": 7,
    "contact": 7,
}


def test_the_world_holds_what_build_world_makes(world, session):
    assert _counts(session) == WORLD_ROWS
    assert world.school.name == "Oak Primary" and world.foreign.local_authority_id == world.other_la.id
    assert world.users["teacher"] in world.group.teachers
    assert [p.first_name for p in world.pupils.values()] == ["Ada", "Ben", "Cara", "Dev", "Eve", "Finn", "Gita"]
    assert world.pupils["taught"].contacts[0].name == "Parent of Ada"
    assert all(record in session for record in [world.la, world.school, world.group, *world.users.values()])


@pytest.mark.parametrize("turn", ["first", "second"])
def test_what_a_test_changes_in_the_world_is_gone_for_the_next(world, session, turn):
    assert world.school.name == "Oak Primary" and count(session, Pupil) == 7

    world.school.name = f"Renamed by the {turn} test"
    factories.make_pupil(session, world.school, first="Extra")
    session.commit()

    assert count(session, Pupil) == 8
