"""Staff accounts, roles and classes, managed by the head teacher or the school administrator."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from sentrack.models import NO_PASSWORD, Invitation, Notification, Role, RoleProposal, TeachingGroup, User, UserSession
from sentrack.workflows.staff import EMAIL_UNAVAILABLE
from tests.factories import PASSWORD, make_user
from tests.helpers import audit_events, count
from tests.pages import Page

COOKIE = "sentrack_session"


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
        "version": str(member.version),  # the version the edit page was opened at
    }
    form.update(changes)
    return {name: value for name, value in form.items() if value != ""}


# --- Adding a member ----------------------------------------------------------------------------


def test_the_head_adds_a_member_with_roles_and_classes_and_no_password(client, world, session, login):
    head = world.users["head"]
    login(head)

    response = client.post(
        "/staff/new", data=_member_form(roles=["teacher", "support_assistant"], groups=[str(world.group.id)])
    )

    assert response.status_code == 302
    assert response.headers["Location"] == "/staff/"
    member = session.scalar(sa.select(User).where(User.email == "nina.patel@oak.test"))
    assert member.roles == {Role.TEACHER, Role.SUPPORT_ASSISTANT}
    assert [g.id for g in member.groups] == [world.group.id]
    assert (member.school_id, member.active) == (world.school.id, True)
    assert member.password_hash == NO_PASSWORD  # they set it themselves, through the invitation
    assert count(session, Invitation, Invitation.user_id == member.id) == 1
    assert count(session, RoleProposal) == 0
    [event] = audit_events(session, "staff_added", user_id=head.id)
    assert event.details == {"roles": ["support_assistant", "teacher"], "proposed": []}


def test_the_head_gives_the_senco_role(client, world, session, login):
    login(world.users["head"])

    response = client.post("/staff/new", data=_member_form(roles=["teacher", "senco"]))

    assert response.status_code == 302
    member = session.scalar(sa.select(User).where(User.email == "nina.patel@oak.test"))
    assert member.roles == {Role.TEACHER, Role.SENCO}


def test_the_senco_gives_a_teacher_role_but_only_proposes_the_headship(client, world, session, login):
    login(world.users["senco"])

    assert client.post("/staff/new", data=_member_form(roles=["teacher"])).status_code == 302
    assert (
        client.post("/staff/new", data=_member_form(email="pat.head@oak.test", roles=["teacher", "head"])).status_code
        == 302
    )

    assert session.scalar(sa.select(User).where(User.email == "nina.patel@oak.test")).roles == {Role.TEACHER}
    proposed = session.scalar(sa.select(User).where(User.email == "pat.head@oak.test"))
    assert proposed.roles == {Role.TEACHER}
    assert session.scalars(sa.select(RoleProposal.role).where(RoleProposal.user_id == proposed.id)).all() == [Role.HEAD]


@pytest.mark.parametrize(
    "roles", [["teacher"], ["support_assistant"], ["senco"], ["head"], ["teacher", "head", "senco"]]
)
def test_an_administrator_only_proposes_roles_that_open_sen_records(client, world, session, login, roles):
    admin = world.users["admin"]
    login(admin)

    response = client.post("/staff/new", data=_member_form(roles=roles + ["governor"]))

    assert response.status_code == 302
    member = session.scalar(sa.select(User).where(User.email == "nina.patel@oak.test"))
    assert member.roles == {Role.GOVERNOR}  # an administrator may give roles that open no SEN record
    proposals = session.scalars(sa.select(RoleProposal).where(RoleProposal.user_id == member.id)).all()
    assert {p.role.value for p in proposals} == set(roles)
    assert {p.proposed_by_id for p in proposals} == {admin.id}
    assert len(audit_events(session, "role_proposed", user_id=admin.id)) == len(roles)
    # The head teacher (and the SENCO, for roles other than the headship) are told.
    told = set(session.scalars(sa.select(Notification.recipient_id).where(Notification.kind == "role_proposed")))
    assert world.users["head"].id in told and admin.id not in told
    assert (world.users["senco"].id in told) == (roles != ["head"])


def test_a_proposed_role_gives_no_access_until_confirmed(app, client, world, session, login):
    """A proposed teacher of the class sees none of its pupils; once the SENCO confirms, they do."""
    member = make_user(session, "nina.patel@oak.test", Role.GOVERNOR, school=world.school)
    world.group.teachers.append(member)
    session.add(RoleProposal(user_id=member.id, role=Role.TEACHER, proposed_by_id=world.users["admin"].id))
    session.commit()
    pupil = world.pupils["taught"]
    browser = login(member, app.test_client())
    assert browser.get(f"/pupils/{pupil.public_id}").status_code in (403, 404)

    login(world.users["senco"])
    [proposal] = session.scalars(sa.select(RoleProposal)).all()
    page = client.page("/staff/")
    assert page.text("h2#proposals") == "Roles waiting for your confirmation"
    waiting = page.table('[aria-label="Roles waiting for your confirmation"]')
    assert [row[0] for row in waiting] == ["Nina Patel nina.patel@oak.test"]
    response = client.post(f"/staff/proposals/{proposal.id}/confirm")

    assert response.status_code == 302
    session.expire_all()
    assert member.roles == {Role.GOVERNOR, Role.TEACHER}
    assert count(session, RoleProposal) == 0
    [event] = audit_events(session, "role_confirmed", user_id=world.users["senco"].id)
    assert event.details == {"role": "teacher", "proposed_by": world.users["admin"].id}
    browser.page(f"/pupils/{pupil.public_id}")


def test_the_home_page_tells_the_head_and_senco_of_roles_waiting(client, world, session, login):
    member = make_user(session, "nina.patel@oak.test", Role.GOVERNOR, school=world.school)
    session.add_all(
        [
            RoleProposal(user_id=member.id, role=Role.TEACHER, proposed_by_id=world.users["admin"].id),
            RoleProposal(user_id=member.id, role=Role.HEAD, proposed_by_id=world.users["admin"].id),
        ]
    )
    session.commit()

    seen = {}
    for key in ("head", "senco", "admin", "teacher"):
        login(world.users[key])
        page = client.page("/")
        seen[key] = int(page.text("#roles-waiting").split()[0]) if page.has("#roles-waiting") else 0

    assert seen == {"head": 2, "senco": 1, "admin": 0, "teacher": 0}


def test_a_declined_proposal_ends_without_a_role(client, world, session, login):
    member = make_user(session, "nina.patel@oak.test", Role.GOVERNOR, school=world.school)
    proposal = RoleProposal(user_id=member.id, role=Role.SENCO, proposed_by_id=world.users["admin"].id)
    session.add(proposal)
    session.commit()
    login(world.users["head"])

    assert client.post(f"/staff/proposals/{proposal.id}/decline").status_code == 302

    session.expire_all()
    assert member.roles == {Role.GOVERNOR}
    assert count(session, RoleProposal) == 0
    assert len(audit_events(session, "role_declined", user_id=world.users["head"].id)) == 1


@pytest.mark.parametrize(
    ("decider", "role", "answer"),
    [
        ("admin", "teacher", 403),
        ("senco", "head", 403),
        ("head", "head", 302),
    ],
)
def test_only_who_may_grant_a_role_decides_on_its_proposal(client, world, session, login, decider, role, answer):
    member = make_user(session, "nina.patel@oak.test", Role.GOVERNOR, school=world.school)
    proposal = RoleProposal(user_id=member.id, role=Role(role), proposed_by_id=world.users["admin"].id)
    session.add(proposal)
    session.commit()
    login(world.users[decider])

    assert client.post(f"/staff/proposals/{proposal.id}/confirm").status_code == answer

    session.expire_all()
    assert (Role(role) in member.roles) == (answer == 302)


def test_a_proposal_is_decided_once(client, world, session, login):
    member = make_user(session, "nina.patel@oak.test", Role.GOVERNOR, school=world.school)
    proposal = RoleProposal(user_id=member.id, role=Role.TEACHER, proposed_by_id=world.users["admin"].id)
    session.add(proposal)
    session.commit()
    login(world.users["head"])

    first = client.post(f"/staff/proposals/{proposal.id}/confirm")
    again = client.post(f"/staff/proposals/{proposal.id}/decline")

    assert (first.status_code, again.status_code) == (302, 404)
    session.expire_all()
    assert member.roles == {Role.GOVERNOR, Role.TEACHER}


def test_a_proposal_at_another_school_is_not_found(client, world, session, login):
    member = make_user(session, "far.person@far.test", Role.GOVERNOR, school=world.foreign)
    proposal = RoleProposal(user_id=member.id, role=Role.TEACHER, proposed_by_id=None)
    session.add(proposal)
    session.commit()
    login(world.users["head"])

    assert client.post(f"/staff/proposals/{proposal.id}/confirm").status_code == 404
    session.expire_all()
    assert member.roles == {Role.GOVERNOR}


def test_an_administrator_cannot_give_themselves_a_new_role(client, world, session, login):
    admin = world.users["admin"]
    login(admin)

    for roles in (["admin", "teacher"], ["admin", "senco"], ["admin", "governor"]):
        response = client.post(f"/staff/{admin.id}", data=_edit_form(admin, roles=roles))

        assert Page(response).field_error("roles") == "You cannot give yourself a new role: ask the head teacher"
    session.refresh(admin)
    assert admin.roles == {Role.ADMIN}
    assert count(session, RoleProposal) == 0


@pytest.mark.parametrize("member_key", ["teacher", "ta", "senco", "head"])
def test_an_administrator_cannot_change_the_roles_of_a_holder_of_sen_records(client, world, session, login, member_key):
    member = world.users[member_key]
    held = set(member.roles)
    login(world.users["admin"])

    for roles in (["governor"], [r.value for r in held] + ["admin"], [r.value for r in held] + ["teacher", "senco"]):
        response = client.post(f"/staff/{member.id}", data=_edit_form(member, roles=roles))

        assert Page(response).field_error("roles").startswith("Only the head teacher")
    session.refresh(member)
    assert member.roles == held
    assert count(session, RoleProposal) == 0


def test_an_administrator_proposes_a_role_for_a_governor(client, world, session, login):
    governor = world.users["governor"]
    login(world.users["admin"])

    response = client.post(f"/staff/{governor.id}", data=_edit_form(governor, roles=["governor", "teacher"]))

    assert response.status_code == 302
    session.refresh(governor)
    assert governor.roles == {Role.GOVERNOR}
    assert session.scalars(sa.select(RoleProposal.role)).all() == [Role.TEACHER]
    # Saved again (the form shows the proposal ticked), it stays one proposal; unticked, it is withdrawn.
    assert (
        client.post(f"/staff/{governor.id}", data=_edit_form(governor, roles=["governor", "teacher"])).status_code
        == 302
    )
    assert count(session, RoleProposal) == 1
    assert client.post(f"/staff/{governor.id}", data=_edit_form(governor, roles=["governor"])).status_code == 302
    assert count(session, RoleProposal) == 0


def test_an_administrator_cannot_take_over_an_account_holding_sen_records(client, world, session, login):
    """Changing the sign-in address of a teacher (then sending a new invitation to it) or
    reviving a deactivated one would hand the administrator their access."""
    teacher = world.users["teacher"]
    login(world.users["admin"])

    response = client.post(f"/staff/{teacher.id}", data=_edit_form(teacher, email="mine@oak.test"))

    assert Page(response).field_error("email").startswith("Only the head teacher or SENCO")
    session.refresh(teacher)
    assert teacher.email == "teacher@oak.test"
    assert client.post(f"/staff/{teacher.id}/invitation").status_code == 302
    assert count(session, Invitation) == 0  # they have a password: no new link


def test_an_administrator_cannot_deactivate_the_head_or_the_senco(client, world, session, login):
    login(world.users["admin"])
    for key in ("head", "senco"):
        member = world.users[key]

        response = client.post(f"/staff/{member.id}", data=_edit_form(member, active=""))

        assert Page(response).field_error("active").startswith("Only the head teacher")
        session.refresh(member)
        assert member.active is True


def test_with_a_second_head_teacher_one_may_step_down(client, world, session, login):
    login(world.users["head"])
    second = make_user(session, "deputy@oak.test", Role.HEAD, Role.TEACHER, school=world.school)
    session.commit()

    assert client.post(f"/staff/{second.id}", data=_edit_form(second, roles=["teacher"])).status_code == 302

    session.refresh(second)
    assert second.roles == {Role.TEACHER}


def test_the_last_active_senco_cannot_be_deactivated_or_demoted(client, world, session, login):
    senco = world.users["senco"]
    login(world.users["head"])

    demoted = client.post(f"/staff/{senco.id}", data=_edit_form(senco, roles=["teacher"]))
    deactivated = client.post(f"/staff/{senco.id}", data=_edit_form(senco, active=""))

    assert (
        Page(demoted).field_error("roles")
        == f"{senco.full_name} is the school's only active SENCO. Give the role to someone else first"
    )
    assert (
        Page(deactivated).field_error("active")
        == f"{senco.full_name} is the school's only active SENCO. Give the role to someone else first"
    )
    session.refresh(senco)
    assert (senco.roles, senco.active) == ({Role.SENCO}, True)
    # With another SENCO in post, the first may step down.
    make_user(session, "second.senco@oak.test", Role.SENCO, school=world.school)
    session.commit()
    assert client.post(f"/staff/{senco.id}", data=_edit_form(senco, roles=["teacher"])).status_code == 302


def test_the_last_head_teacher_cannot_be_demoted_by_themselves_or_a_second_account(client, world, session, login):
    head = world.users["head"]
    login(head)

    response = client.post(f"/staff/{head.id}", data=_edit_form(head, roles=["head", "admin"]))
    assert response.status_code == 302  # keeping the headship is fine
    session.refresh(head)
    response = client.post(f"/staff/{head.id}", data=_edit_form(head, roles=["admin"]))

    assert (
        Page(response).field_error("roles")
        == f"{head.full_name} is the school's only active head teacher. Give the role to someone else first"
    )
    session.refresh(head)
    assert Role.HEAD in head.roles


@pytest.mark.parametrize(
    ("changes", "field_id", "message"),
    [
        ({"email": "SENCO@oak.test"}, "email", EMAIL_UNAVAILABLE),
        ({"email": "senco@far.test"}, "email", EMAIL_UNAVAILABLE),
        ({"roles": []}, "roles", "Select at least one role"),
        ({"roles": ["la_officer"]}, "roles", None),
        ({"full_name": "   "}, "full_name", "Enter the person's full name"),
        ({"email": "not an email"}, "email", "Enter an email address in the correct format, like name@school.sch.uk"),
    ],
    ids=["duplicate-email", "email-of-another-school", "no-role", "la-officer-role", "blank-name", "bad-email"],
)
def test_adding_a_member_is_refused(client, world, session, manager, changes, field_id, message):
    before = count(session, User)

    response = client.post("/staff/new", data=_member_form(**changes))

    error = Page(response).field_error(field_id)
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

    assert Page(response).field_error("groups") is not None
    assert count(session, User) == before


# --- Managers and their own account -------------------------------------------------------------


def test_a_manager_cannot_remove_their_own_managing_role(client, world, session, manager):
    response = client.post(f"/staff/{manager.id}", data=_edit_form(manager, roles=["teacher"]))

    assert (
        Page(response).field_error("roles") == "You cannot remove your own role as head teacher, SENCO or administrator"
    )
    session.refresh(manager)
    assert manager.has_role(Role.HEAD, Role.ADMIN)


def test_a_manager_cannot_deactivate_themselves(client, world, session, manager):
    response = client.post(f"/staff/{manager.id}", data=_edit_form(manager, active=""))

    assert Page(response).field_error("active") == "You cannot deactivate your own account"
    session.refresh(manager)
    assert manager.active is True
    client.page("/")


def test_a_manager_may_change_their_own_name(client, world, session, manager):
    response = client.post(f"/staff/{manager.id}", data=_edit_form(manager, full_name="Pat Renamed"))

    assert response.status_code == 302
    session.refresh(manager)
    assert manager.full_name == "Pat Renamed"


@pytest.mark.parametrize("key", ["head", "senco"])
def test_the_head_or_senco_changes_another_members_roles(client, world, session, login, key):
    manager = world.users[key]
    login(manager)
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
    copied.page("/")

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

    assert Page(response).field_error("email") == "Enter a correct email address and password"


def test_reactivating_a_member_does_not_revive_their_old_sessions(app, client, world, session, login):
    login(world.users["head"])
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
        "/staff/classes/new",
        data={
            "name": "5 Pine",
            "year_group": "5",
            "kind": "registration",
            "teachers": [str(world.users["teacher"].id)],
        },
    )

    assert response.status_code == 302
    group = session.scalar(sa.select(TeachingGroup).where(TeachingGroup.name == "5 Pine"))
    assert (group.school_id, group.year_group) == (world.school.id, 5)
    assert [t.id for t in group.teachers] == [world.users["teacher"].id]
    assert len(audit_events(session, "class_added", user_id=manager.id)) == 1


@pytest.mark.parametrize("name", ["4 Elm", "4 elm", " 4 ELM "])
def test_a_new_class_may_not_take_an_existing_name(client, world, session, manager, name):
    before = count(session, TeachingGroup)

    response = client.post("/staff/classes/new", data={"name": name, "year_group": "4", "kind": "registration"})

    assert Page(response).field_error("name") == "There is already a class with this name"
    assert count(session, TeachingGroup) == before


def test_renaming_a_class_to_another_classes_name_is_refused(client, world, session, manager):
    response = client.post(
        f"/staff/classes/{world.group.id}",
        data={"name": "4 Elm", "year_group": "4", "kind": "registration", "version": str(world.group.version)},
    )

    assert Page(response).field_error("name") == "There is already a class with this name"
    session.refresh(world.group)
    assert world.group.name == "4 Oak"


def test_a_class_keeps_its_own_name_when_edited(client, world, session, manager):
    response = client.post(
        f"/staff/classes/{world.group.id}",
        data={
            "name": "4 Oak",
            "year_group": "5",
            "kind": "registration",
            "teachers": [str(world.users["head"].id)],
            "version": str(world.group.version),
        },
    )

    assert response.status_code == 302
    session.refresh(world.group)
    assert world.group.year_group == 5
    assert [t.id for t in world.group.teachers] == [world.users["head"].id]
    assert len(audit_events(session, "class_updated", user_id=manager.id)) == 1


def test_a_class_name_of_only_spaces_is_refused(client, world, session, manager):
    before = count(session, TeachingGroup)

    response = client.post("/staff/classes/new", data={"name": "   ", "year_group": "4"})

    assert Page(response).field_error("name") == "Enter the class name"
    assert count(session, TeachingGroup) == before


def test_a_teacher_of_another_school_cannot_be_assigned_to_a_class(client, world, session, manager):
    far_teacher = world.users["foreign_senco"]

    response = client.post(
        f"/staff/classes/{world.group.id}",
        data={
            "name": "4 Oak",
            "year_group": "4",
            "teachers": [str(far_teacher.id)],
            "version": str(world.group.version),
        },
    )

    assert Page(response).field_error("teachers") is not None
    session.refresh(world.group)
    assert [t.id for t in world.group.teachers] == [world.users["teacher"].id]


def test_the_class_form_offers_only_this_schools_active_staff(client, world, session, manager):
    world.users["ta"].active = False
    session.commit()

    page = client.page("/staff/classes/new")

    offered = {int(box["value"]) for box in page.all('input[name="teachers"]')}
    assert world.users["teacher"].id in offered
    assert world.users["ta"].id not in offered
    assert world.users["foreign_senco"].id not in offered


# --- What the "already used" checks tell about other schools --------------------------------------


@pytest.mark.parametrize("key", ["head", "senco", "admin"])
def test_an_email_in_use_gets_the_same_neutral_answer_whichever_school_holds_it(client, world, session, login, key):
    """Emails are sign-in names, unique across schools: the refusal must not tell whether the
    address belongs to another school's account (or to which), so it reads the same for both."""
    login(world.users[key])
    governor = world.users["governor"]

    answers = [
        Page(client.post("/staff/new", data=_member_form(email=email))).field_error("email")
        for email in ("teacher@oak.test", "senco@far.test", "OFFICER@elsewhere.test")
    ] + [
        Page(client.post(f"/staff/{governor.id}", data=_edit_form(governor, email=email))).field_error("email")
        for email in ("teacher@oak.test", "senco@far.test")
    ]

    assert answers == [EMAIL_UNAVAILABLE] * 5
    assert "already" not in EMAIL_UNAVAILABLE and "school" not in EMAIL_UNAVAILABLE
    session.refresh(governor)
    assert governor.email == "governor@oak.test"


def test_a_upn_is_checked_against_this_schools_roll_only(world, session):
    """Adding or editing a pupil: another school's pupil with the same UPN neither blocks it nor is
    revealed by it (the index uq_pupil_upn_on_roll is per school too)."""
    from sentrack.workflows.pupils import upn_on_roll_clash

    foreign = world.pupils["foreign"]
    own = world.pupils["taught"]

    assert upn_on_roll_clash(session, school_id=world.school.id, upn=foreign.upn, pupil_id=None) is False
    assert upn_on_roll_clash(session, school_id=world.school.id, upn=foreign.upn, pupil_id=own.id) is False
    assert (
        upn_on_roll_clash(session, school_id=world.school.id, upn=world.pupils["untaught"].upn, pupil_id=own.id) is True
    )
