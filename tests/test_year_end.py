"""The year-end rollover (issue 16, section 3): every pupil on the roll moves up a year, the year's
classes end and next year's open from a preview the person edits, all history kept, once per
school and academic year, from 1 June of the year's end.

The world's school (tests/factories.py) teaches Reception to Year 6 by default (School's own
default years); its classes are 4 Oak (the teacher's: Ada, Ben) and 4 Elm (Cara, Dev).
"""

from __future__ import annotations

import os
from contextlib import ExitStack
from datetime import date

import pytest
import sqlalchemy as sa
from flask_migrate import upgrade

from sentrack import access, create_app
from sentrack.access import Ability
from sentrack.auth.sessions import start_session
from sentrack.extensions import db
from sentrack.models import Pupil, TeachingGroup, YearEnd, group_pupils
from sentrack.workflows import RuleBroken
from sentrack.workflows.classes import MembershipDetails, change_class_pupils
from sentrack.workflows.pupils import PUPIL_FIELDS, PupilDetails, update_pupil
from sentrack.workflows.staff import GroupDetails, save_group
from sentrack.workflows.year_end import (
    ClassChoice,
    YearEndDetails,
    _claim,
    allowed_from,
    next_name,
    plan_year_end,
    run_year_end,
)
from tests import factories
from tests.factories import make_pupil
from tests.helpers import audit_events, count, own_postgresql_database, text
from tests.pages import Page
from tests.test_concurrent_edits import _at_once

SUMMER = date(2027, 7, 16)  # the summer term of 2026 to 2027: the rollover may run
NOVEMBER = date(2026, 11, 27)


@pytest.mark.parametrize(
    ("name", "year_group", "next_"),
    [
        ("Year 3 Oak", 3, "Year 4 Oak"),
        ("3O", 3, "4O"),
        ("4 Oak", 4, "5 Oak"),
        ("10B", 10, "11B"),
        ("Oak", 3, "Oak"),  # no number: the name stays
        ("R Willow", 0, "R Willow"),  # Reception has no number to move up
        ("Room 12 Year 3", 3, "Room 12 Year 4"),  # only the class's own year number moves
        ("3/4 Mixed", None, "3/4 Mixed"),  # mixed year groups: the name stays
        ("Year 13 Sixth", 13, "Year 14 Sixth"),
    ],
)
def test_next_years_class_takes_the_name_with_the_year_number_moved_up(name, year_group, next_):
    assert next_name(name, year_group) == next_


def test_the_rollover_may_run_from_1_june_of_the_years_end():
    assert allowed_from(2026) == date(2027, 6, 1)


def _world_in_years(session, world):
    """Pupils across the school's years: Ada and Ben (4 Oak, Year 4), Cara and Dev (4 Elm, Year
    4), two Year 6 pupils finishing (one in 6 Ash), a Reception pupil and one who has left."""
    school = world.school
    school.lowest_year, school.highest_year = 0, 6
    ash = TeachingGroup(school_id=school.id, name="6 Ash", year_group=6)
    session.add(ash)
    session.flush()
    ash.teachers.append(world.users["teacher"])
    finishing = [
        make_pupil(session, school, first="Fay", year=6, group=ash),
        make_pupil(session, school, first="Gus", year=6),
    ]
    reception = make_pupil(session, school, first="Hal", year=0, group=world.group)
    gone = make_pupil(session, school, first="Ivy", year=2)
    gone.left_on, gone.leaving_reason = date(2026, 10, 1), "Moved away from the area"
    session.commit()
    return ash, finishing, reception, gone


def _details(plan, **names) -> YearEndDetails:
    """The rollover as the preview proposes it; `names` change a class's choice: a name, or None
    for "do not open"."""
    choices = []
    for proposal in plan.classes:
        chosen = names.get(proposal.group.name, proposal.name if proposal.opens else None)
        choices.append(ClassChoice(group_id=proposal.group.id, name=chosen, opens=chosen is not None))
    return YearEndDetails(academic_year=plan.academic_year, classes=choices)


def _run(session, world, day=SUMMER, **names):
    plan = plan_year_end(session, world.school, day)
    record = run_year_end(
        session, actor=world.users["senco"], school=world.school, details=_details(plan, **names), today=day
    )
    session.commit()
    return record


# --- The preview -------------------------------------------------------------------------------


def test_the_preview_counts_pupils_moving_up_and_lists_those_finishing(session, world):
    ash, finishing, reception, gone = _world_in_years(session, world)

    plan = plan_year_end(session, world.school, SUMMER)

    assert plan.academic_year == 2026 and plan.done is None
    assert [(m.from_year, m.to_year, m.pupils) for m in plan.moves] == [(0, 1, 1), (4, 5, 4)]
    assert {p.id for p in plan.finishing} == {p.id for p in finishing}
    proposals = {p.group.name: (p.name, p.year_group, p.pupils, p.opens) for p in plan.classes}
    assert proposals == {
        "4 Oak": ("5 Oak", 5, 3, True),  # Ada, Ben and Hal (the Reception pupil) go on
        "4 Elm": ("5 Elm", 5, 2, True),
        "6 Ash": ("7 Ash", 7, 0, False),  # its pupils all finish: not opened unless chosen
    }


def test_the_preview_page_says_when_the_rollover_can_run_and_offers_no_form_before(client, world, login, session):
    _world_in_years(session, world)
    login(world.users["senco"])

    page = client.page("/year-end")

    assert "can be run from 1 June 2027" in page.text()
    assert "Run the year end" not in page.buttons()
    assert page.table("Pupils moving up, by year group") == [["Reception", "Year 1", "1"], ["Year 4", "Year 5", "4"]]
    [event] = audit_events(session, "year_end_viewed")
    assert event.object_type == "school" and event.details == {"year": 2026}


def test_the_preview_lists_the_pupils_finishing_and_asks_for_their_leaving(client, world, login, session, app):
    _ash, finishing, _reception, _gone = _world_in_years(session, world)
    app.config["TODAY"] = SUMMER
    login(world.users["admin"])

    page = client.page("/year-end")

    names = [row[0] for row in page.table("Pupils finishing")]
    assert names == sorted(f"{p.last_name}, {p.first_name}" for p in finishing)
    assert {e.pupil_id for e in audit_events(session, "named_in_year_end")} == {p.id for p in finishing}
    assert "does not record them as leaving" in page.text()
    assert "Run the year end" in page.buttons()


# --- Running it --------------------------------------------------------------------------------


def test_the_rollover_moves_pupils_up_ends_classes_and_opens_next_years(session, world):
    ash, finishing, reception, gone = _world_in_years(session, world)
    oak, teacher = world.group, world.users["teacher"]
    ada = world.pupils["taught"]

    record = _run(session, world, **{"4 Elm": "Year 5 Elm"})

    session.expire_all()
    assert record.academic_year == 2026 and record.run_by_id == world.users["senco"].id
    assert record.summary == {"pupils_moved": 5, "finishing": 2, "classes_ended": 3, "classes_opened": 2}
    assert (session.get(Pupil, ada.id).year_group, session.get(Pupil, reception.id).year_group) == (5, 1)
    assert [session.get(Pupil, p.id).year_group for p in finishing] == [6, 6]  # until their leaving is recorded
    assert session.get(Pupil, gone.id).year_group == 2  # not on the roll: not moved
    assert session.get(Pupil, ada.id).version == 2  # a form opened before on the pupil is out of date
    # Every class of this year ended today, keeping its pupils and teachers.
    for group in (oak, ash):
        group = session.get(TeachingGroup, group.id)
        assert group.ended_on == SUMMER and teacher in group.teachers
    assert {p.first_name for p in session.get(TeachingGroup, oak.id).pupils} == {"Ada", "Ben", "Hal"}
    assert [p.first_name for p in session.get(TeachingGroup, ash.id).pupils] == ["Fay"]
    opened = session.scalars(sa.select(TeachingGroup).where(TeachingGroup.ended_on.is_(None))).all()
    assert {(g.name, g.year_group, g.academic_year) for g in opened} == {("5 Oak", 5, 2027), ("Year 5 Elm", 5, 2027)}
    five_oak = next(g for g in opened if g.name == "5 Oak")
    assert [t.id for t in five_oak.teachers] == [teacher.id]
    assert {p.first_name for p in five_oak.pupils} == {"Ada", "Ben", "Hal"}
    assert len(audit_events(session, "year_group_moved_up")) == 5
    [event] = audit_events(session, "year_end_run")
    assert event.object_type == "year_end" and event.details == record.summary


def test_a_pupil_leaving_in_the_last_days_of_term_is_not_moved_or_put_in_next_years_class(session, world):
    _world_in_years(session, world)
    ben = world.pupils["taught_plain"]
    ben.left_on, ben.leaving_reason = date(2027, 7, 21), "Moved away from the area"  # after the rollover's day
    session.commit()

    plan = plan_year_end(session, world.school, SUMMER)
    record = _run(session, world)

    assert [(m.from_year, m.pupils) for m in plan.moves] == [(0, 1), (4, 3)]
    assert record.summary["pupils_moved"] == 4
    assert session.get(Pupil, ben.id).year_group == 4
    five_oak = session.scalar(sa.select(TeachingGroup).where(TeachingGroup.name == "5 Oak"))
    assert {p.first_name for p in five_oak.pupils} == {"Ada", "Hal"}


def test_a_class_whose_pupils_finish_can_still_be_opened_with_a_name(session, world):
    ash, *_ = _world_in_years(session, world)

    _run(session, world, **{"6 Ash": "Nurture group"})

    opened = session.scalar(sa.select(TeachingGroup).where(TeachingGroup.name == "Nurture group"))
    assert opened.ended_on is None and opened.pupils == [] and opened.year_group == 7


def test_a_class_may_keep_its_name_since_the_one_it_follows_has_ended(session, world):
    _world_in_years(session, world)

    _run(session, world, **{"4 Oak": "4 Oak"})

    named = session.scalars(sa.select(TeachingGroup).where(TeachingGroup.name == "4 Oak")).all()
    assert sorted(g.ended_on is None for g in named) == [False, True]


def test_the_rollover_is_refused_before_1_june(session, world):
    _world_in_years(session, world)
    day = date(2027, 5, 31)
    plan = plan_year_end(session, world.school, day)

    with pytest.raises(RuleBroken, match="can be run from 1 June 2027"):
        run_year_end(session, actor=world.users["senco"], school=world.school, details=_details(plan), today=day)


def test_running_twice_is_refused_and_changes_nothing(client, world, login, session, app):
    _world_in_years(session, world)
    _run(session, world)
    before = {p.id: p.year_group for p in session.scalars(sa.select(Pupil))}
    classes = count(session, TeachingGroup)

    with pytest.raises(RuleBroken, match="already run") as refused:
        _run(session, world)

    session.rollback()
    assert "Nothing was changed" in refused.value.message
    assert {p.id: p.year_group for p in session.scalars(sa.select(Pupil))} == before
    assert count(session, TeachingGroup) == classes and count(session, YearEnd) == 1


def test_of_two_people_running_it_at_once_the_second_is_told(session, world):
    """The second finds the first's row only when inserting its own (it checked before the first
    committed): the unique key refuses it and it is told, with nothing changed."""
    _world_in_years(session, world)
    session.add(YearEnd(school_id=world.school.id, academic_year=2026, summary={}, run_by_id=world.users["admin"].id))
    session.commit()

    with pytest.raises(RuleBroken, match="already run"):
        _claim(session, world.school, 2026, world.users["senco"])

    assert count(session, YearEnd) == 1


def test_the_preview_and_the_run_are_for_the_year_of_the_day(session, world):
    _world_in_years(session, world)
    plan = plan_year_end(session, world.school, SUMMER)
    stale = YearEndDetails(academic_year=2025, classes=_details(plan).classes)

    with pytest.raises(RuleBroken, match="academic year has changed"):
        run_year_end(session, actor=world.users["senco"], school=world.school, details=stale, today=SUMMER)


def test_a_class_added_since_the_preview_refuses_the_run(session, world):
    _world_in_years(session, world)
    plan = plan_year_end(session, world.school, SUMMER)
    session.add(TeachingGroup(school_id=world.school.id, name="Late class", year_group=2))
    session.flush()

    with pytest.raises(RuleBroken, match="classes changed"):
        run_year_end(session, actor=world.users["senco"], school=world.school, details=_details(plan), today=SUMMER)


@pytest.mark.parametrize(
    ("names", "message"),
    [
        ({"4 Oak": "  "}, "Enter the name of next year's class"),
        ({"4 Oak": "5 Oak", "4 Elm": "5 OAK"}, "Two of next year's classes have this name"),
        ({"4 Oak": "x" * 41}, "at most 40 characters"),
    ],
)
def test_next_years_class_names_are_checked_beside_the_row(session, world, names, message):
    _world_in_years(session, world)

    with pytest.raises(RuleBroken, match=message) as refused:
        _run(session, world, **names)

    assert refused.value.field.startswith("name_")
    session.rollback()
    assert count(session, YearEnd) == 0


# --- History: last year's classes give no access and count nowhere --------------------------------


def test_a_teacher_loses_the_pupils_of_last_years_class_not_opened_again(session, world):
    ash, finishing, *_ = _world_in_years(session, world)
    teacher, fay = world.users["teacher"], finishing[0]
    assert access.may(teacher, Ability.VIEW_SEN, fay)

    _run(session, world)

    assert not access.may(teacher, Ability.VIEW_SEN, fay)


def test_a_teacher_keeps_the_pupils_going_on_with_them_and_loses_them_when_taken_off(session, world):
    _world_in_years(session, world)
    teacher, ada = world.users["teacher"], world.pupils["taught"]
    _run(session, world)
    assert access.may(teacher, Ability.VIEW_SEN, ada)  # through 5 Oak, next year's class

    five_oak = session.scalar(sa.select(TeachingGroup).where(TeachingGroup.name == "5 Oak"))
    save_group(session, actor=world.users["head"], details=GroupDetails("5 Oak", 5, []), group=five_oak)
    session.commit()

    assert not access.may(teacher, Ability.VIEW_SEN, ada)  # last year's 4 Oak gives nothing


def test_the_teachers_home_page_lists_only_this_years_classes(client, world, login, session):
    _world_in_years(session, world)
    _run(session, world)
    login(world.users["teacher"])

    page = client.page("/")

    assert "5 Oak" in page.text() and "4 Oak" not in page.text() and "6 Ash" not in page.text()


def test_last_years_classes_are_not_listed_edited_or_chosen(client, world, login, session):
    _world_in_years(session, world)
    _run(session, world)
    oak = world.group
    login(world.users["admin"])

    classes = client.page("/staff/classes")
    new_pupil = client.page("/pupils/new")

    assert sorted(row[0] for row in classes.table("table")) == ["5 Elm", "5 Oak"]
    assert client.get(f"/staff/classes/{oak.id}").status_code == 404
    assert client.get(f"/classes/{oak.id}/pupils").status_code == 404
    assert "4 Oak" not in new_pupil.text()


def test_a_pupils_classes_are_this_years_and_an_edit_keeps_last_years(session, world):
    _world_in_years(session, world)
    _run(session, world)
    ada = session.get(Pupil, world.pupils["taught"].id)
    assert ada.class_names == "5 Oak"

    details = PupilDetails(**{name: getattr(ada, name) for name in PUPIL_FIELDS})
    update_pupil(session, actor=world.users["senco"], pupil=ada, details=details, group_ids=[], today=SUMMER)
    session.commit()

    memberships = session.execute(sa.select(group_pupils.c.group_id).where(group_pupils.c.pupil_id == ada.id))
    assert [group_id for (group_id,) in memberships] == [world.group.id]  # 4 Oak kept as history
    with pytest.raises(RuleBroken, match="Choose classes from this school"):
        update_pupil(
            session, actor=world.users["senco"], pupil=ada, details=details, group_ids=[world.group.id], today=SUMMER
        )


def test_last_years_class_takes_no_pupil(session, world):
    _world_in_years(session, world)
    _run(session, world)

    with pytest.raises(RuleBroken, match="ended at the year end"):
        change_class_pupils(
            session,
            actor=world.users["head"],
            group=world.group,
            details=MembershipDetails(add_ids=[world.pupils["untaught"].id]),
            today=SUMMER,
        )


# --- The pages -----------------------------------------------------------------------------------


def _posted(page: Page) -> dict:
    """The year end's form as the page filled it."""
    form = page.form("/year-end")
    data = {}
    for field in form.select("input"):
        if field.get("type") == "checkbox":
            if field.has_attr("checked"):
                data[field["name"]] = field.get("value", "y")
        elif field.get("name"):
            data[field["name"]] = field.get("value", "")
    return data


def test_the_senco_runs_the_year_end_from_the_page_once(client, world, login, session, app):
    _world_in_years(session, world)
    app.config["TODAY"] = SUMMER
    login(world.users["senco"])
    page = client.page("/year-end")
    data = _posted(page)

    response = client.post("/year-end", data=data, follow_redirects=True)

    done = Page(response)
    assert "The year end was run: 5 pupils moved up a year, 3 classes ended and 2 opened" in done.text()
    assert "Record the leaving of each pupil finishing" in done.text()
    assert "was run on 16 July 2027" in done.text()
    assert count(session, YearEnd) == 1
    # The same form sent again (a double click) is answered as the first, saving nothing ...
    repeat = client.post("/year-end", data=data)
    assert repeat.status_code == 302 and count(session, YearEnd) == 1
    # ... and the page another person opened before it ran is refused with the reason.
    other = {name: value for name, value in data.items() if name != "submission_token"}
    again = client.post_page("/year-end", data=other)
    assert "already run" in again.text() and count(session, YearEnd) == 1
    assert {p.year_group for p in session.scalars(sa.select(Pupil).where(Pupil.first_name == "Ada"))} == {5}


def test_a_renamed_and_a_closed_class_from_the_page(client, world, login, session, app):
    _world_in_years(session, world)
    app.config["TODAY"] = SUMMER
    login(world.users["admin"])
    page = client.page("/year-end")
    data = _posted(page)
    rows = {value: key.rsplit("-", 1)[0] for key, value in data.items() if key.endswith("-group")}
    data[f"{rows[str(world.group.id)]}-name"] = "Year 5 Oak"
    elm = session.scalar(sa.select(TeachingGroup).where(TeachingGroup.name == "4 Elm"))
    data[f"{rows[str(elm.id)]}-skip"] = "y"

    response = client.post("/year-end", data=data)

    assert response.status_code == 302
    current = session.scalars(sa.select(TeachingGroup.name).where(TeachingGroup.ended_on.is_(None))).all()
    assert current == ["Year 5 Oak"]


def test_a_blank_name_is_refused_beside_its_row_and_nothing_runs(client, world, login, session, app):
    _world_in_years(session, world)
    app.config["TODAY"] = SUMMER
    login(world.users["senco"])
    data = _posted(client.page("/year-end"))
    key = next(k for k, v in data.items() if k.endswith("-group") and v == str(world.group.id)).rsplit("-", 1)[0]
    data[f"{key}-name"] = ""

    page = client.post_page("/year-end", data=data)

    assert "Enter the name of next year's class" in page.field_error(f"{key}-name")
    assert count(session, YearEnd) == 0 and session.get(TeachingGroup, world.group.id).ended_on is None


# --- Two people at once, on a database of the test's own ------------------------------------------


@pytest.fixture
def summer_app(tmp_path):
    """An app standing on a summer day, with a database of its own that threads reach through
    their own connections: a SQLite file, or PostgreSQL when the suite runs on it."""
    with ExitStack() as stack:
        url = os.environ.get("SENTRACK_TEST_DATABASE_URL")
        if url:
            if url.startswith("postgresql://"):
                url = "postgresql+psycopg://" + url[len("postgresql://") :]
            url = stack.enter_context(own_postgresql_database(url, f"sentrack_year_end_{os.getpid()}"))
        else:
            url = f"sqlite:///{tmp_path / 'year-end.sqlite'}"
        app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": url, "TODAY": SUMMER})
        with app.app_context():
            upgrade()
        try:
            yield app
        finally:
            with app.app_context():
                db.engine.dispose()


@pytest.mark.no_transaction
def test_two_people_running_the_year_end_at_the_same_moment_run_it_once(summer_app):
    with summer_app.app_context():
        world = factories.build_world(db.session)
        school_id, ada_id = world.school.id, world.pupils["taught"].id
        clients = []
        for role in ("senco", "admin"):
            token = start_session(db.session, world.users[role], remote_addr="127.0.0.1", user_agent="pytest")
            db.session.commit()
            client = summer_app.test_client()
            with client.session_transaction() as cookie:
                cookie["_user_id"], cookie["_fresh"] = token, True
            clients.append(client)
        db.session.remove()
    forms = [_posted(Page(client.get("/year-end"))) for client in clients]

    responses = _at_once(clients, lambda n, client: client.post("/year-end", data=forms[n]))

    said = [(r.status_code, r.headers.get("Location"), text(r)[-1500:]) for r in responses]
    assert sorted(r.status_code for r in responses) == [200, 302], said
    refused = Page(next(r for r in responses if r.status_code == 200))
    assert "already run" in refused.text() and "Nothing was changed" in refused.text(), said
    with summer_app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(YearEnd)) == 1
        assert db.session.get(Pupil, ada_id).year_group == 5  # moved up once, not twice
        opened = db.session.scalar(
            sa.select(sa.func.count(TeachingGroup.id)).where(
                TeachingGroup.school_id == school_id, TeachingGroup.academic_year == 2027
            )
        )
        assert opened == 2
        db.session.remove()
