"""Classes in bulk (issue 16, section 3): a class's pupils changed many at once, within the
school's roll, version-checked and audited per pupil; the warnings when a class's teachers
change; and the school's DfE establishment number beside its URN.

The world's class 4 Oak (world.group) holds Ada and Ben and is taught by the teacher; 4 Elm holds
Cara and Dev, with no teacher.
"""

from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa

from sentrack.demo.schools import school_specs
from sentrack.models import School, TeachingGroup, User, group_pupils
from sentrack.workflows import RuleBroken
from sentrack.workflows.classes import MembershipDetails, change_class_pupils, save_class, save_member
from sentrack.workflows.confirmations import Confirmed
from sentrack.workflows.revisions import EditConflict
from sentrack.workflows.settings import RULE_SETTINGS, YEARS_TAUGHT, save_rule_settings
from sentrack.workflows.staff import GroupDetails, StaffDetails
from tests.conftest import TODAY
from tests.factories import make_pupil, make_user
from tests.helpers import audit_events, field_error
from tests.pages import Page

# Pupils joining 4 Oak from 4 Elm (both registration classes) stay in both, as asked.
BOTH = Confirmed(as_given=True)


def _cli(app, *args):
    return app.test_cli_runner().invoke(args=["move-school", *args])


def _members(session, group: TeachingGroup) -> set[int]:
    return set(session.scalars(sa.select(group_pupils.c.pupil_id).where(group_pupils.c.group_id == group.id)))


def _elm(session) -> TeachingGroup:
    return session.scalar(sa.select(TeachingGroup).where(TeachingGroup.name == "4 Elm"))


# --- The operation -------------------------------------------------------------------------------


def test_pupils_are_added_and_taken_out_at_once_audited_per_pupil_by_field(session, world):
    oak, p = world.group, world.pupils
    # Cara and Dev are in 4 Elm, another registration class: they are kept in both.
    details = MembershipDetails(
        add_ids=[p["untaught"].id, p["untaught_k"].id], remove_ids=[p["taught_plain"].id], confirmed=BOTH
    )

    added, removed = change_class_pupils(
        session, actor=world.users["admin"], group=oak, details=details, today=TODAY, expected_version=oak.version
    )
    session.commit()

    assert (added, removed) == (2, 1)
    assert _members(session, oak) == {p["taught"].id, p["untaught"].id, p["untaught_k"].id}
    assert oak.version == 2
    events = audit_events(session, "class_pupil_added")
    assert sorted(e.pupil_id for e in events) == sorted([p["untaught"].id, p["untaught_k"].id])
    assert all(e.details == {"fields": ["classes"]} and e.object_id == str(oak.id) for e in events)
    [out] = audit_events(session, "class_pupil_removed")
    assert out.pupil_id == p["taught_plain"].id


@pytest.mark.parametrize(
    "key", ["sibling_ehc", "foreign", "left", "nobody"], ids=["same-authority", "other-authority", "left", "no-id"]
)
def test_a_pupil_of_another_school_or_off_the_roll_cannot_be_added(session, world, key):
    if key == "left":
        pupil = make_pupil(session, world.school, first="Gone")
        pupil.left_on, pupil.leaving_reason = date(2026, 11, 1), "Moved away from the area"
        session.commit()
        pupil_id = pupil.id
    else:
        pupil_id = world.pupils[key].id if key in world.pupils else 999_999
    before = _members(session, world.group)

    with pytest.raises(RuleBroken, match="Choose pupils on the school's roll") as refused:
        change_class_pupils(
            session,
            actor=world.users["senco"],
            group=world.group,
            details=MembershipDetails(add_ids=[world.pupils["untaught"].id, pupil_id]),
            today=TODAY,
        )

    assert refused.value.field == "add_ids"
    session.rollback()
    assert _members(session, world.group) == before


def test_a_pupil_of_another_school_cannot_be_taken_out_either(session, world, foreign_group):
    foreign_group.pupils.append(world.pupils["foreign"])
    session.commit()

    with pytest.raises(RuleBroken) as refused:
        change_class_pupils(
            session,
            actor=world.users["senco"],
            group=world.group,
            details=MembershipDetails(remove_ids=[world.pupils["foreign"].id]),
            today=TODAY,
        )
    assert refused.value.field == "remove_ids"


def test_nothing_ticked_or_a_pupil_both_added_and_taken_out_is_refused(session, world):
    ada = world.pupils["taught"]
    with pytest.raises(RuleBroken, match="Tick the pupils"):
        change_class_pupils(
            session, actor=world.users["head"], group=world.group, details=MembershipDetails(), today=TODAY
        )
    with pytest.raises(RuleBroken, match="both added"):
        change_class_pupils(
            session,
            actor=world.users["head"],
            group=world.group,
            details=MembershipDetails(add_ids=[ada.id], remove_ids=[ada.id]),
            today=TODAY,
        )


def test_a_colleague_saving_the_class_first_is_named_and_nothing_is_saved(session, world):
    oak = world.group
    opened = oak.version
    save_class(
        session,
        actor=world.users["head"],
        details=GroupDetails("4 Oak", 4, [world.users["teacher"].id]),
        group=oak,
        expected_version=opened,
    )
    session.commit()

    with pytest.raises(EditConflict) as conflict:
        change_class_pupils(
            session,
            actor=world.users["admin"],
            group=oak,
            details=MembershipDetails(add_ids=[world.pupils["untaught"].id]),
            today=TODAY,
            expected_version=opened,
        )

    assert conflict.value.by.id == world.users["head"].id
    session.rollback()
    assert world.pupils["untaught"].id not in _members(session, oak)


def test_a_bulk_change_makes_a_class_edit_opened_before_it_conflict(session, world):
    oak = world.group
    opened = oak.version
    change_class_pupils(
        session,
        actor=world.users["admin"],
        group=oak,
        details=MembershipDetails(add_ids=[world.pupils["untaught"].id], confirmed=BOTH),
        today=TODAY,
        expected_version=opened,
    )
    session.commit()

    with pytest.raises(EditConflict) as conflict:
        save_class(
            session, actor=world.users["head"], details=GroupDetails("4 Oak", 4, []), group=oak, expected_version=opened
        )
    assert [change.label for change in conflict.value.changes] == ["Pupils in the class"]


# --- The page -----------------------------------------------------------------------------------


def test_the_page_lists_the_class_and_the_roll_by_year_group(client, world, login, session):
    make_pupil(session, world.school, first="Yan", last="Young", year=2)
    session.commit()
    login(world.users["admin"])

    everyone = client.page(f"/classes/{world.group.id}/pupils")
    year_two = client.page(f"/classes/{world.group.id}/pupils?year=2")

    assert "Brook, Ada (Year 4)" in everyone.text() and "Dale, Cara (Year 4)" in everyone.text()
    assert "Young, Yan (Year 2)" in everyone.text()
    assert "Young, Yan (Year 2)" in year_two.text() and "Dale, Cara" not in year_two.text()
    assert "Brook, Ada" in year_two.text()  # the class's own pupils are always listed
    assert "Frost" not in everyone.text() and "Hale" not in everyone.text()  # other schools' pupils
    # Each page names the pupils it lists: the school's five, then the class's two and Yan.
    assert len(audit_events(session, "named_in_class_pupils")) == 5 + 3


def test_the_page_saves_the_ticked_pupils(client, world, login, session):
    login(world.users["head"])
    page = client.page(f"/classes/{world.group.id}/pupils")
    cara, ben = world.pupils["untaught"], world.pupils["taught_plain"]

    response = client.post(
        f"/classes/{world.group.id}/pupils",
        data={
            "version": page.value("version"),
            "add_ids": [str(cara.id)],
            "remove_ids": [str(ben.id)],
            "registration": f"both:{world.group.id}:{cara.id}",  # Cara stays in 4 Elm too
        },
        follow_redirects=True,
    )

    assert "Class 4 Oak saved: 1 added, 1 taken out." in Page(response).text()
    assert _members(session, world.group) == {world.pupils["taught"].id, cara.id}


def test_the_same_form_sent_twice_saves_once(client, world, login, session):
    login(world.users["admin"])
    page = client.page(f"/classes/{world.group.id}/pupils")
    data = {
        "version": page.value("version"),
        "add_ids": [str(world.pupils["untaught"].id)],
        "registration": f"both:{world.group.id}:{world.pupils['untaught'].id}",
        "submission_token": page.submission_token(),
    }

    first = client.post(f"/classes/{world.group.id}/pupils", data=data)
    second = client.post(f"/classes/{world.group.id}/pupils", data=data)

    assert first.status_code == second.status_code == 302
    assert second.headers["Location"] == first.headers["Location"]
    assert len(audit_events(session, "class_pupil_added")) == 1


def test_posting_the_id_of_another_schools_pupil_stores_nothing(client, world, login, session):
    login(world.users["senco"])
    page = client.page(f"/classes/{world.group.id}/pupils")
    before = _members(session, world.group)

    answer = client.post_page(
        f"/classes/{world.group.id}/pupils",
        data={"version": page.value("version"), "add_ids": [str(world.pupils["sibling_k"].id)]},
    )

    assert field_error(answer.html, "add_ids")
    assert _members(session, world.group) == before
    assert "Gray" not in answer.text()


def test_the_class_page_links_to_its_pupils(client, world, login):
    login(world.users["admin"])

    page = client.page(f"/staff/classes/{world.group.id}")

    assert f"/classes/{world.group.id}/pupils" in page.links()


# --- Warnings when a class's teachers change ------------------------------------------------------


def test_a_class_left_with_no_teacher_is_warned_of(session, world):
    warnings = save_class(
        session, actor=world.users["head"], details=GroupDetails("4 Oak", 4, []), group=world.group, expected_version=1
    )
    assert warnings == ["Class 4 Oak has no teacher now: its pupils are not on any teacher's list."]


def test_a_class_gaining_a_second_teacher_is_warned_of_and_a_third_is_not_news(session, world):
    head, teacher, senco = world.users["head"], world.users["teacher"], world.users["senco"]
    warnings = save_class(
        session, actor=head, details=GroupDetails("4 Oak", 4, [teacher.id, senco.id]), group=world.group
    )
    assert warnings == ["Class 4 Oak now has 2 teachers. Check that this is meant."]

    more = save_class(
        session, actor=head, details=GroupDetails("4 Oak", 4, [teacher.id, senco.id, head.id]), group=world.group
    )
    same = save_class(session, actor=head, details=GroupDetails("Oak 4", 4, [teacher.id, senco.id]), group=world.group)
    assert (more, same) == ([], [])


def test_a_new_class_with_no_teacher_is_warned_of(session, world):
    warnings = save_class(session, actor=world.users["head"], details=GroupDetails("3 Ash", 3, []))
    assert warnings == ["Class 3 Ash has no teacher now: its pupils are not on any teacher's list."]


def test_moving_a_teacher_warns_of_both_classes(session, world):
    """The teacher moves from 4 Oak (its only teacher) to 4 Elm, which the head already teaches."""
    elm, teacher = _elm(session), world.users["teacher"]
    elm.teachers.append(world.users["head"])
    session.commit()
    details = StaffDetails(
        full_name=teacher.full_name, email=teacher.email, roles=set(teacher.roles), group_ids=[elm.id]
    )

    warnings = save_member(session, actor=world.users["head"], member=teacher, details=details)

    assert warnings == [
        "Class 4 Elm now has 2 teachers. Check that this is meant.",
        "Class 4 Oak has no teacher now: its pupils are not on any teacher's list.",
    ]


def test_the_class_form_shows_the_warning_after_saving(client, world, login, session):
    login(world.users["head"])
    page = client.page(f"/staff/classes/{world.group.id}")

    response = client.post(
        f"/staff/classes/{world.group.id}",
        data={"version": page.value("version"), "name": "4 Oak", "year_group": "4", "kind": "registration"},
        follow_redirects=True,
    )

    assert "Class 4 Oak has no teacher now" in Page(response).text()


def test_the_member_form_shows_the_warning_after_saving(client, world, login, session):
    teacher = world.users["teacher"]
    login(world.users["head"])
    page = client.page(f"/staff/{teacher.id}")

    response = client.post(
        f"/staff/{teacher.id}",
        data={
            "version": page.value("version"),
            "full_name": teacher.full_name,
            "email": teacher.email,
            "roles": ["teacher"],
            "active": "y",
        },
        follow_redirects=True,
    )

    assert "Class 4 Oak has no teacher now" in Page(response).text()


# --- The establishment number --------------------------------------------------------------------


def _settings(school: School, **changes) -> dict:
    values = {name: getattr(school, name) for name in (*RULE_SETTINGS, *YEARS_TAUGHT)}
    return values | changes


def test_the_senco_sets_the_establishment_number_shown_beside_the_urn(client, world, login, session):
    login(world.users["senco"])
    page = client.page("/settings/rules")
    data = {name: str(value) for name, value in _settings(world.school).items()}

    response = client.post(
        "/settings/rules",
        data=data | {"version": page.value("version"), "estab_number": " 2345 "},
        follow_redirects=True,
    )

    session.refresh(world.school)
    assert world.school.estab_number == "2345" and world.school.dfe_number == "9992345"
    shown = Page(response).summary()
    assert shown["URN"] == "900001" and shown["DfE establishment number"] == "2345"
    [event] = audit_events(session, "rule_settings_changed")
    assert event.details["changed"] == ["estab_number"]


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("234", "must be 4 digits"),
        ("23456", "must be 4 digits"),
        ("23a5", "must be 4 digits"),
        ("4001", "Another school of the local authority (Ash Secondary) has this establishment number"),
    ],
)
def test_a_bad_or_taken_establishment_number_is_refused_beside_the_field(client, world, login, session, value, message):
    world.sibling.estab_number = "4001"
    session.commit()
    login(world.users["senco"])
    page = client.page("/settings/rules")
    data = {name: str(v) for name, v in _settings(world.school).items()}

    answer = client.post_page("/settings/rules", data=data | {"version": page.value("version"), "estab_number": value})

    assert message in (field_error(answer.html, "estab_number") or "")
    session.refresh(world.school)
    assert world.school.estab_number is None


def test_the_same_establishment_number_in_another_authority_is_allowed(session, world):
    world.foreign.estab_number = "2345"
    session.commit()

    changed = save_rule_settings(
        session, actor=world.users["senco"], school=world.school, values={"estab_number": "2345"}
    )

    assert changed == ["estab_number"] and world.school.estab_number == "2345"


def test_a_blank_establishment_number_clears_it(session, world):
    world.school.estab_number = "2345"
    session.commit()

    save_rule_settings(session, actor=world.users["senco"], school=world.school, values={"estab_number": ""})

    assert world.school.estab_number is None


def test_moving_a_school_takes_its_new_establishment_number_or_refuses_a_taken_one(app, session, world):
    world.school.estab_number = "2001"
    world.foreign.estab_number = "2001"
    session.commit()

    refused = _cli(app, "900001", "998")
    session.expire_all()
    assert refused.exit_code != 0 and "Another school of the local authority" in refused.output
    assert session.get(School, world.school.id).local_authority_id == world.la.id

    moved = _cli(app, "900001", "998", "--estab", "2002")
    session.expire_all()
    school = session.get(School, world.school.id)
    assert moved.exit_code == 0, moved.output
    assert "as 9982002" in moved.output
    assert (school.local_authority_id, school.estab_number) == (world.other_la.id, "2002")


def test_the_demo_schools_have_distinct_establishment_numbers():
    specs = school_specs(6, 10)
    numbers = [spec.estab_number for spec in specs]
    assert numbers == ["2001", "4002", "2003", "4004", "2005", "4006"]
    assert len(set(numbers)) == len(numbers)


def test_a_new_member_of_staff_is_not_warned_of(session, world):
    member = make_user(session, "new.teacher@oak.test", *world.users["teacher"].roles, school=world.school)
    details = StaffDetails(full_name="New Teacher", email=member.email, roles=set(member.roles), group_ids=[])
    assert save_member(session, actor=world.users["head"], member=member, details=details) == []


@pytest.mark.parametrize("number", ["900001", "9992345", "999 2345"])
def test_create_user_finds_the_school_by_urn_or_dfe_number(app, session, world, number):
    world.school.estab_number = "2345"
    world.foreign.estab_number = "2346"
    session.commit()

    result = app.test_cli_runner().invoke(
        args=[
            *("create-user", "--email", "first.head@oak.test", "--name", "First Head", "--role", "head"),
            *("--school", number, "--password", "chosen by the installer"),
        ]
    )

    assert result.exit_code == 0, result.output
    user = session.scalar(sa.select(User).where(User.email == "first.head@oak.test"))
    assert user.school_id == world.school.id


def test_create_user_refuses_a_dfe_number_of_no_school(app, session, world):
    world.foreign.estab_number = "2345"  # 998 2345: another authority's
    session.commit()

    result = app.test_cli_runner().invoke(
        args=[
            *("create-user", "--email", "first.head@oak.test", "--name", "First Head", "--role", "head"),
            *("--school", "9992345", "--password", "chosen by the installer"),
        ]
    )

    assert result.exit_code != 0 and "no school has URN or DfE number 9992345" in result.output
