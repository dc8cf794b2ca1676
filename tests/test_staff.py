"""Staff accounts, roles and classes, managed by the head teacher or the school administrator."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from sentrack.auth.passwords import ADVICE, verify_password
from sentrack.models import Role, TeachingGroup, User, UserSession
from tests.factories import PASSWORD
from tests.helpers import audit_events, count, field_error, text

COOKIE = "sentrack_session"
TEMPORARY_PASSWORD = "plum orchard tuesday"


@pytest.fixture(params=["head", "admin"])
def manager(request, client, world, login):
    """Each test runs once for the head teacher and once for the administrator."""
    login(world.users[request.param])
    return world.users[request.param]


def _member_form(**changes) -> dict:
    form = {
        "full_name": "Nina Patel",
        "email": "nina.patel@oak.test",
        "roles": ["teacher"],
        "groups": [],
        "temporary_password": TEMPORARY_PASSWORD,
    }
    form.update(changes)
    return form


def _edit_form(member: User, **changes) -> dict:
    form = {
        "full_name": member.full_name,
        "email": member.email,
        "roles": [role.value for role in member.roles],
        "groups": [str(g.id) for g in member.groups],
        "active": "y" if member.active else "",
    }
    form.update(changes)
    return {name: value for name, value in form.items() if value != ""}


# --- Adding a member ----------------------------------------------------------------------------

def test_a_manager_adds_a_member_with_roles_and_classes(client, world, session, manager):
    response = client.post(
        "/staff/new", data=_member_form(roles=["teacher", "support_assistant"], groups=[str(world.group.id)])
    )

    assert response.status_code == 302
    assert response.headers["Location"] == "/staff/"
    member = session.scalar(sa.select(User).where(User.email == "nina.patel@oak.test"))
    assert member.roles == {Role.TEACHER, Role.SUPPORT_ASSISTANT}
    assert [g.id for g in member.groups] == [world.group.id]
    assert (member.school_id, member.active) == (world.school.id, True)
    assert verify_password(member.password_hash, TEMPORARY_PASSWORD)
    [event] = audit_events(session, "staff_added", user_id=manager.id)
    assert event.details == {"roles": ["support_assistant", "teacher"]}


def test_the_head_gives_the_senco_role(client, world, session, login):
    login(world.users["head"])

    response = client.post("/staff/new", data=_member_form(roles=["teacher", "senco"]))

    assert response.status_code == 302
    member = session.scalar(sa.select(User).where(User.email == "nina.patel@oak.test"))
    assert member.roles == {Role.TEACHER, Role.SENCO}


@pytest.mark.parametrize("role", ["senco", "head"])
def test_an_administrator_cannot_give_sen_access_or_the_headship(client, world, session, login, role):
    login(world.users["admin"])

    response = client.post("/staff/new", data=_member_form(roles=["teacher", role]))

    assert response.status_code == 200
    assert field_error(text(response), "roles") == "Only the head teacher can give or take away the SENCO and head teacher roles"
    assert count(session, User, User.email == "nina.patel@oak.test") == 0


def test_an_administrator_cannot_give_themselves_a_new_role(client, world, session, login):
    admin = world.users["admin"]
    login(admin)

    response = client.post(f"/staff/{admin.id}", data=_edit_form(admin, roles=["admin", "teacher"]))

    assert response.status_code == 200
    assert field_error(text(response), "roles") == "You cannot give yourself a new role: ask the head teacher"
    session.refresh(admin)
    assert admin.roles == {Role.ADMIN}


def test_a_head_in_a_small_school_makes_themselves_the_senco(client, world, session, login):
    head = world.users["head"]
    login(head)

    response = client.post(f"/staff/{head.id}", data=_edit_form(head, roles=["head", "senco"]))

    assert response.status_code == 302
    session.refresh(head)
    assert head.roles == {Role.HEAD, Role.SENCO}


def test_a_new_member_signs_in_with_the_temporary_password(app, client, world, manager):
    client.post("/staff/new", data=_member_form(email="New.Person@Oak.Test"))
    newcomer = app.test_client()

    response = newcomer.post("/sign-in", data={"email": "new.person@oak.test", "password": TEMPORARY_PASSWORD})

    assert response.status_code == 302


@pytest.mark.parametrize(
    ("changes", "field_id", "message"),
    [
        ({"email": "SENCO@oak.test"}, "email", "Another account already uses this email address"),
        ({"email": "senco@far.test"}, "email", "Another account already uses this email address"),
        ({"roles": []}, "roles", "Select at least one role"),
        ({"roles": ["la_officer"]}, "roles", None),
        ({"temporary_password": "short"}, "temporary_password", f"Password must be 12 characters or more. {ADVICE}"),
        ({"temporary_password": "nina.patel@oak.test"}, "temporary_password", "Password must not be your email address"),
        ({"temporary_password": ""}, "temporary_password", "Enter a temporary password"),
        ({"full_name": "   "}, "full_name", "Enter the person's full name"),
        ({"email": "not an email"}, "email", "Enter an email address in the correct format, like name@school.sch.uk"),
    ],
    ids=[
        "duplicate-email", "email-of-another-school", "no-role", "la-officer-role", "weak-password",
        "password-is-email", "no-password", "blank-name", "bad-email",
    ],
)
def test_adding_a_member_is_refused(client, world, session, manager, changes, field_id, message):
    before = count(session, User)

    response = client.post("/staff/new", data=_member_form(**changes))

    assert response.status_code == 200
    error = field_error(text(response), field_id)
    assert error is not None
    if message is not None:
        assert error == message
    assert count(session, User) == before


def test_a_class_of_another_school_cannot_be_given_to_a_member(client, world, session, manager):
    far = TeachingGroup(school_id=world.foreign.id, name="2 Far")
    session.add(far)
    session.commit()
    before = count(session, User)

    response = client.post("/staff/new", data=_member_form(groups=[str(far.id)]))

    assert response.status_code == 200
    assert field_error(text(response), "groups") is not None
    assert count(session, User) == before


# --- Managers and their own account -------------------------------------------------------------

def test_a_manager_cannot_remove_their_own_managing_role(client, world, session, manager):
    response = client.post(f"/staff/{manager.id}", data=_edit_form(manager, roles=["teacher"]))

    assert response.status_code == 200
    assert field_error(text(response), "roles") == "You cannot remove your own role as head teacher or administrator"
    session.refresh(manager)
    assert manager.has_role(Role.HEAD, Role.ADMIN)


def test_a_manager_cannot_deactivate_themselves(client, world, session, manager):
    response = client.post(f"/staff/{manager.id}", data=_edit_form(manager, active=""))

    assert response.status_code == 200
    assert field_error(text(response), "active") == "You cannot deactivate your own account"
    session.refresh(manager)
    assert manager.active is True
    assert client.get("/").status_code == 200


def test_a_manager_may_change_their_own_name(client, world, session, manager):
    response = client.post(f"/staff/{manager.id}", data=_edit_form(manager, full_name="Pat Renamed"))

    assert response.status_code == 302
    session.refresh(manager)
    assert manager.full_name == "Pat Renamed"


def test_a_manager_changes_another_members_roles(client, world, session, manager):
    teacher = world.users["teacher"]

    response = client.post(f"/staff/{teacher.id}", data=_edit_form(teacher, roles=["teacher", "support_assistant"]))

    assert response.status_code == 302
    session.refresh(teacher)
    assert teacher.roles == {Role.TEACHER, Role.SUPPORT_ASSISTANT}
    [event] = audit_events(session, "staff_updated", user_id=manager.id)
    assert event.details["fields"] == ["roles"]


# --- Deactivating a member ----------------------------------------------------------------------

def test_deactivating_a_member_ends_their_sessions(app, client, world, session, login, manager):
    teacher = world.users["teacher"]
    teachers_browser = login(teacher, app.test_client())
    copied = app.test_client()
    copied.set_cookie(COOKIE, teachers_browser.get_cookie(COOKIE).value)
    assert copied.get("/").status_code == 200

    response = client.post(f"/staff/{teacher.id}", data=_edit_form(teacher, active=""))

    assert response.status_code == 302
    for browser in (teachers_browser, copied):
        signed_out = browser.get("/")
        assert signed_out.status_code == 302
        assert signed_out.headers["Location"].startswith("/sign-in")
    reasons = session.scalars(sa.select(UserSession.ended_reason).where(UserSession.user_id == teacher.id)).all()
    assert reasons == ["deactivated"]


def test_a_deactivated_member_cannot_sign_in(app, client, world, session, manager):
    teacher = world.users["teacher"]
    client.post(f"/staff/{teacher.id}", data=_edit_form(teacher, active=""))

    response = app.test_client().post("/sign-in", data={"email": teacher.email, "password": PASSWORD})

    assert response.status_code == 200
    assert field_error(text(response), "email") == "Enter a correct email address and password"


def test_reactivating_a_member_does_not_revive_their_old_sessions(app, client, world, session, login, manager):
    teacher = world.users["teacher"]
    teachers_browser = login(teacher, app.test_client())
    client.post(f"/staff/{teacher.id}", data=_edit_form(teacher, active=""))
    session.refresh(teacher)

    client.post(f"/staff/{teacher.id}", data=_edit_form(teacher, active="y"))

    session.refresh(teacher)
    assert teacher.active is True
    assert teachers_browser.get("/").status_code == 302


# --- Classes ------------------------------------------------------------------------------------

def test_a_manager_creates_a_class_with_teachers(client, world, session, manager):
    response = client.post(
        "/staff/classes/new", data={"name": "5 Pine", "year_group": "5", "teachers": [str(world.users["teacher"].id)]}
    )

    assert response.status_code == 302
    group = session.scalar(sa.select(TeachingGroup).where(TeachingGroup.name == "5 Pine"))
    assert (group.school_id, group.year_group) == (world.school.id, 5)
    assert [t.id for t in group.teachers] == [world.users["teacher"].id]
    assert len(audit_events(session, "class_added", user_id=manager.id)) == 1


@pytest.mark.parametrize("name", ["4 Elm", "4 elm", " 4 ELM "])
def test_a_new_class_may_not_take_an_existing_name(client, world, session, manager, name):
    before = count(session, TeachingGroup)

    response = client.post("/staff/classes/new", data={"name": name, "year_group": "4"})

    assert response.status_code == 200
    assert field_error(text(response), "name") == "There is already a class with this name"
    assert count(session, TeachingGroup) == before


def test_renaming_a_class_to_another_classes_name_is_refused(client, world, session, manager):
    response = client.post(f"/staff/classes/{world.group.id}", data={"name": "4 Elm", "year_group": "4"})

    assert field_error(text(response), "name") == "There is already a class with this name"
    session.refresh(world.group)
    assert world.group.name == "4 Oak"


def test_a_class_keeps_its_own_name_when_edited(client, world, session, manager):
    response = client.post(
        f"/staff/classes/{world.group.id}", data={"name": "4 Oak", "year_group": "5", "teachers": [str(world.users["head"].id)]}
    )

    assert response.status_code == 302
    session.refresh(world.group)
    assert world.group.year_group == 5
    assert [t.id for t in world.group.teachers] == [world.users["head"].id]
    assert len(audit_events(session, "class_updated", user_id=manager.id)) == 1


def test_a_class_name_of_only_spaces_is_refused(client, world, session, manager):
    before = count(session, TeachingGroup)

    response = client.post("/staff/classes/new", data={"name": "   ", "year_group": "4"})

    assert field_error(text(response), "name") == "Enter the class name"
    assert count(session, TeachingGroup) == before


def test_a_teacher_of_another_school_cannot_be_assigned_to_a_class(client, world, session, manager):
    far_teacher = world.users["foreign_senco"]

    response = client.post(
        f"/staff/classes/{world.group.id}", data={"name": "4 Oak", "year_group": "4", "teachers": [str(far_teacher.id)]}
    )

    assert response.status_code == 200
    assert field_error(text(response), "teachers") is not None
    session.refresh(world.group)
    assert [t.id for t in world.group.teachers] == [world.users["teacher"].id]


def test_the_class_form_offers_only_this_schools_active_staff(client, world, session, manager):
    world.users["ta"].active = False
    session.commit()

    page = text(client.get("/staff/classes/new"))

    offered = {
        int(re.search(r'value="(\d+)"', tag).group(1)) for tag in re.findall(r'<input[^>]*name="teachers"[^>]*>', page)
    }
    assert world.users["teacher"].id in offered
    assert world.users["ta"].id not in offered
    assert world.users["foreign_senco"].id not in offered
