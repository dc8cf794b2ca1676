"""The administrator's roll checks: a year group that does not fit the pupil's date of birth, and a
pupil joining a second registration class, are asked about before anything is stored, wherever
they are set (the pupil form, a class's pupils, the CSV imports' previews).

The world's 4 Oak holds Ada and Ben, 4 Elm holds Cara and Dev; both are registration classes. The
test day is 27 November 2026, in the academic year 2026 to 2027: a child born between 1 September
2019 and 31 August 2020 is in Year 2.
"""

from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa

from sentrack.models import AuditEvent, Pupil, TeachingGroup, group_pupils
from sentrack.models.enums import GroupKind
from sentrack.workflows.classes import MembershipDetails, change_class_pupils
from sentrack.workflows.confirmations import Confirmed, NeedsConfirming
from sentrack.workflows.csv_classes import read_kind
from sentrack.workflows.pupils import PupilDetails, add_pupil
from sentrack.workflows.year_groups import expected_year, year_question
from tests.conftest import TODAY
from tests.factories import make_upn
from tests.helpers import audit_events, count, date_parts
from tests.pages import Page

ROSA_BORN = date(2020, 5, 1)  # Year 2 in 2026 to 2027


def _members(session, group_id: int) -> set[int]:
    return set(session.scalars(sa.select(group_pupils.c.pupil_id).where(group_pupils.c.group_id == group_id)))


def _elm(session) -> TeachingGroup:
    return session.scalar(sa.select(TeachingGroup).where(TeachingGroup.name == "4 Elm"))


def _rosa(**changes) -> dict:
    form = {
        "upn": make_upn(),
        "first_name": "Rosa",
        "last_name": "Field",
        "preferred_name": "",
        "date_of_birth": date_parts(ROSA_BORN),
        "year_group": "4",
        "admitted_on": ["", "", ""],
        "medical_notes": "",
    }
    form.update(changes)
    return form


def _rosa_saved(session) -> Pupil | None:
    return session.scalar(sa.select(Pupil).where(Pupil.first_name == "Rosa", Pupil.last_name == "Field"))


def _answers(page: Page, field: str) -> dict[str, str]:
    """The answers a question offers on the page: label text to value."""
    inputs = page.all(f"input[name={field}]")
    return {page.one(f"label[for={element['id']}]").get_text(" ", strip=True): element["value"] for element in inputs}


# --- The one age rule -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("born", "year"),
    [(date(2020, 8, 31), 2), (date(2020, 9, 1), 1), (date(2019, 9, 1), 2), (date(2015, 1, 15), 7)],
    ids=["youngest-of-year-2", "oldest-of-year-1", "oldest-of-year-2", "january-birthday"],
)
def test_the_year_group_follows_the_age_on_31_august(born, year):
    assert expected_year(born, TODAY) == year


def test_the_question_names_both_year_groups_and_the_pupil():
    question = year_question("Rosa", "F", ROSA_BORN, 4, TODAY)

    assert question.message == "Rosa's date of birth puts her in Year 2; you chose Year 4. Save anyway?"
    assert question.answers == (("4/2", "Yes, Rosa is in Year 4"),)
    assert year_question("Rosa", None, ROSA_BORN, 2, TODAY) is None
    assert "puts them in Year 2" in year_question("Sam", None, ROSA_BORN, 3, TODAY).message


# --- Year group: the pupil form -------------------------------------------------------------------


def test_a_year_group_that_does_not_fit_is_asked_about_and_nothing_is_stored(client, world, login, session):
    login(world.users["admin"])
    before = (count(session, Pupil), count(session, AuditEvent, AuditEvent.action == "pupil_added"))

    page = client.post_page("/pupils/new", data=_rosa(groups=[str(world.group.id)]))

    assert page.field_error("confirm_year") == (
        "Rosa's date of birth puts them in Year 2; you chose Year 4. Save anyway?"
    )
    assert page.error_summary() == ["Rosa's date of birth puts them in Year 2; you chose Year 4. Save anyway?"]
    assert _answers(page, "confirm_year") == {"Yes, Rosa is in Year 4": "4/2"}
    # What was typed is kept.
    assert page.value("first_name") == "Rosa"
    assert page.one("#year_group option[selected]")["value"] == "4"
    assert page.one(f"input[name=groups][value='{world.group.id}']").has_attr("checked")
    assert (count(session, Pupil), count(session, AuditEvent, AuditEvent.action == "pupil_added")) == before


def test_confirming_the_year_group_saves_the_pupil_in_it(client, world, login, session):
    login(world.users["admin"])

    response = client.post("/pupils/new", data=_rosa(confirm_year="4/2"))

    assert response.status_code == 302
    rosa = _rosa_saved(session)
    assert (rosa.year_group, rosa.date_of_birth) == (4, ROSA_BORN)
    assert len(audit_events(session, "pupil_added", pupil_id=rosa.id)) == 1


def test_a_year_group_that_fits_is_not_asked_about(client, world, login, session):
    login(world.users["admin"])

    response = client.post("/pupils/new", data=_rosa(year_group="2"))

    assert response.status_code == 302
    assert _rosa_saved(session).year_group == 2


def test_an_answer_given_for_another_year_group_is_asked_again(client, world, login, session):
    """Asked about Year 4, the person ticked yes but chose Year 5 instead: Year 5 is asked about."""
    login(world.users["admin"])

    page = client.post_page("/pupils/new", data=_rosa(year_group="5", confirm_year="4/2"))

    assert (
        page.field_error("confirm_year") == "Rosa's date of birth puts them in Year 2; you chose Year 5. Save anyway?"
    )
    assert _rosa_saved(session) is None


def test_both_questions_are_asked_at_once(client, world, login, session):
    login(world.users["admin"])

    page = client.post_page("/pupils/new", data=_rosa(groups=[str(world.group.id), str(_elm(session).id)]))

    assert page.field_error("confirm_year") is not None
    assert page.field_error("registration") == (
        "4 Elm and 4 Oak are registration classes, and a pupil usually has one. Keep Rosa in both them, or choose one?"
    )
    assert len(page.error_summary()) == 2
    assert _rosa_saved(session) is None


def test_editing_other_details_of_a_pupil_out_of_their_year_group_asks_nothing(client, world, login, session):
    """Ada's record says Year 4 though her date of birth gives Year 5 (held back, or imported so):
    changing her medical notes does not ask again; changing her year group to another that does
    not fit does."""
    ada = world.pupils["taught"]
    login(world.users["admin"])
    form = client.page(f"/pupils/{ada.public_id}/edit")
    data = {
        "version": form.value("version"),
        "upn": ada.upn,
        "first_name": ada.first_name,
        "last_name": ada.last_name,
        "preferred_name": "",
        "date_of_birth": date_parts(ada.date_of_birth),
        "year_group": "4",
        "groups": [str(world.group.id)],
        "admitted_on": ["", "", ""],
        "medical_notes": "Inhaler in the office",
    }

    saved = client.post(f"/pupils/{ada.public_id}/edit", data=data)
    session.refresh(ada)
    asked = client.post_page(
        f"/pupils/{ada.public_id}/edit", data={**data, "version": str(ada.version), "year_group": "3"}
    )

    assert saved.status_code == 302 and ada.medical_notes == "Inhaler in the office"
    assert (
        asked.field_error("confirm_year") == "Ada's date of birth puts them in Year 5; you chose Year 3. Save anyway?"
    )
    session.refresh(ada)
    assert ada.year_group == 4


def test_the_workflow_refuses_until_answered_and_stores_nothing(session, world):
    details = PupilDetails(
        upn=make_upn(),
        first_name="Rosa",
        last_name="Field",
        preferred_name=None,
        date_of_birth=ROSA_BORN,
        year_group=6,
        looked_after=False,
        medical_conditions=False,
        medical_notes=None,
        admitted_on=None,
    )
    before = count(session, Pupil)

    with pytest.raises(NeedsConfirming) as asked:
        add_pupil(
            session, actor=world.users["admin"], school_id=world.school.id, details=details, group_ids=[], today=TODAY
        )
    session.rollback()

    assert [question.field for question in asked.value.questions] == ["confirm_year"]
    assert count(session, Pupil) == before
    details.confirmed = Confirmed(given=frozenset({"6/2"}))
    pupil = add_pupil(
        session, actor=world.users["admin"], school_id=world.school.id, details=details, group_ids=[], today=TODAY
    )
    assert pupil.year_group == 6


# --- Registration classes: the pupil form ---------------------------------------------------------


def _edit_data(client, pupil, groups: list[int], **changes) -> dict:
    form = client.page(f"/pupils/{pupil.public_id}/edit")
    data = {
        "version": form.value("version"),
        "upn": pupil.upn,
        "first_name": pupil.first_name,
        "last_name": pupil.last_name,
        "preferred_name": "",
        "date_of_birth": date_parts(pupil.date_of_birth),
        "year_group": str(pupil.year_group),
        "groups": [str(group_id) for group_id in groups],
        "admitted_on": ["", "", ""],
        "medical_notes": "",
    }
    return data | changes


def test_a_second_registration_class_is_asked_about_naming_the_first(client, world, login, session):
    ada, elm = world.pupils["taught"], _elm(session)
    login(world.users["admin"])
    data = _edit_data(client, ada, [world.group.id, elm.id])

    page = client.post_page(f"/pupils/{ada.public_id}/edit", data=data)

    assert page.field_error("registration") == (
        "Ada is already in registration class 4 Oak. Move Ada to 4 Elm, or keep Ada in both?"
    )
    assert list(_answers(page, "registration")) == [
        "Keep Ada in both 4 Elm and 4 Oak",
        "Move Ada to 4 Elm, leaving 4 Oak",
    ]
    assert _members(session, elm.id) == {world.pupils["untaught"].id, world.pupils["untaught_k"].id}


@pytest.mark.parametrize(("answer", "classes"), [(0, "4 Elm, 4 Oak"), (1, "4 Elm")], ids=["both", "move"])
def test_the_answer_moves_the_pupil_or_keeps_them_in_both(client, world, login, session, answer, classes):
    ada, elm = world.pupils["taught"], _elm(session)
    login(world.users["admin"])
    data = _edit_data(client, ada, [world.group.id, elm.id])
    offered = list(_answers(client.post_page(f"/pupils/{ada.public_id}/edit", data=data), "registration").values())

    response = client.post(f"/pupils/{ada.public_id}/edit", data={**data, "registration": offered[answer]})

    assert response.status_code == 302
    session.expire_all()
    assert session.get(Pupil, ada.id).class_names == classes


def test_moving_by_unticking_the_old_class_asks_nothing(client, world, login, session):
    ada, elm = world.pupils["taught"], _elm(session)
    login(world.users["admin"])

    response = client.post(f"/pupils/{ada.public_id}/edit", data=_edit_data(client, ada, [elm.id]))

    assert response.status_code == 302
    session.expire_all()
    assert session.get(Pupil, ada.id).class_names == "4 Elm"


def test_a_teaching_group_is_never_asked_about(client, world, login, session):
    ada = world.pupils["taught"]
    sets = TeachingGroup(school_id=world.school.id, name="Maths set 2", year_group=4, kind=GroupKind.TEACHING)
    session.add(sets)
    session.commit()
    login(world.users["admin"])

    response = client.post(f"/pupils/{ada.public_id}/edit", data=_edit_data(client, ada, [world.group.id, sets.id]))

    assert response.status_code == 302
    session.expire_all()
    assert session.get(Pupil, ada.id).class_names == "4 Oak, Maths set 2"


def test_a_new_pupil_in_two_registration_classes_may_keep_one(client, world, login, session):
    login(world.users["admin"])
    data = _rosa(year_group="2", groups=[str(world.group.id), str(_elm(session).id)])
    offered = _answers(client.post_page("/pupils/new", data=data), "registration")

    response = client.post("/pupils/new", data={**data, "registration": offered["Only 4 Oak"]})

    assert list(offered) == ["Keep Rosa in both 4 Elm and 4 Oak", "Only 4 Elm", "Only 4 Oak"]
    assert response.status_code == 302
    assert _rosa_saved(session).class_names == "4 Oak"


# --- Registration classes: a class's pupils -------------------------------------------------------


def test_adding_pupils_of_another_registration_class_is_asked_about(client, world, login, session):
    cara = world.pupils["untaught"]
    login(world.users["admin"])
    page = client.page(f"/classes/{world.group.id}/pupils")
    before = _members(session, world.group.id)

    asked = client.post_page(
        f"/classes/{world.group.id}/pupils", data={"version": page.value("version"), "add_ids": [str(cara.id)]}
    )

    assert asked.field_error("registration") == (
        "Cara Dale is already in registration class 4 Elm. Move them to 4 Oak, or keep them in both?"
    )
    assert list(_answers(asked, "registration")) == [
        "Keep them in both registration classes",
        "Move them to 4 Oak: they leave their other registration class",
    ]
    assert asked.one(f"input[name=add_ids][value='{cara.id}']").has_attr("checked")
    assert _members(session, world.group.id) == before
    assert audit_events(session, "class_pupil_added") == []


def test_moving_pupils_takes_them_out_of_their_other_registration_class(client, world, login, session):
    cara, dev, elm = world.pupils["untaught"], world.pupils["untaught_k"], _elm(session)
    elm_version = elm.version
    login(world.users["admin"])
    page = client.page(f"/classes/{world.group.id}/pupils")
    data = {"version": page.value("version"), "add_ids": [str(cara.id), str(dev.id)]}
    asked = client.post_page(f"/classes/{world.group.id}/pupils", data=data)
    move = _answers(asked, "registration")["Move them to 4 Oak: they leave their other registration class"]

    response = client.post(
        f"/classes/{world.group.id}/pupils", data={**data, "registration": move}, follow_redirects=True
    )

    assert "2 pupils ticked are already in another registration class: Cara Dale (4 Elm), Dev Ellis (4 Elm)" in (
        asked.field_error("registration")
    )
    assert "Class 4 Oak saved: 2 added, 0 taken out." in Page(response).text()
    session.expire_all()
    assert _members(session, elm.id) == set()
    assert {cara.id, dev.id} <= _members(session, world.group.id)
    assert session.get(TeachingGroup, elm.id).version == elm_version + 1
    removed = audit_events(session, "class_pupil_removed")
    assert sorted((event.pupil_id, event.object_id) for event in removed) == sorted(
        [(cara.id, str(elm.id)), (dev.id, str(elm.id))]
    )
    assert all(event.details == {"fields": ["classes"]} for event in removed)


def test_keeping_pupils_in_both_leaves_their_other_class_alone(session, world):
    cara, elm = world.pupils["untaught"], _elm(session)
    both = Confirmed(given=frozenset({f"both:{world.group.id}:{cara.id}"}))

    change_class_pupils(
        session,
        actor=world.users["admin"],
        group=world.group,
        details=MembershipDetails(add_ids=[cara.id], confirmed=both),
        today=TODAY,
        expected_version=world.group.version,
    )

    assert cara.id in _members(session, elm.id) and cara.id in _members(session, world.group.id)


def test_an_answer_about_other_pupils_answers_nothing(session, world):
    """The answer names the pupils it was given for: ticking Dev as well asks again."""
    cara, dev = world.pupils["untaught"], world.pupils["untaught_k"]
    for_cara = Confirmed(given=frozenset({f"move:{world.group.id}:{cara.id}"}))

    with pytest.raises(NeedsConfirming):
        change_class_pupils(
            session,
            actor=world.users["admin"],
            group=world.group,
            details=MembershipDetails(add_ids=[cara.id, dev.id], confirmed=for_cara),
            today=TODAY,
            expected_version=world.group.version,
        )


def test_pupils_joining_a_teaching_group_are_not_asked_about(session, world):
    sets = TeachingGroup(school_id=world.school.id, name="Maths set 1", year_group=4, kind=GroupKind.TEACHING)
    session.add(sets)
    session.flush()
    cara = world.pupils["untaught"]

    added, _ = change_class_pupils(
        session, actor=world.users["admin"], group=sets, details=MembershipDetails(add_ids=[cara.id]), today=TODAY
    )

    assert added == 1


# --- Scope ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["teacher", "ta", "governor", "la"])
def test_only_those_who_manage_the_roll_reach_the_questions(client, world, login, role):
    login(world.users[role])

    assert client.post("/pupils/new", data=_rosa()).status_code == 403
    assert client.post(f"/classes/{world.group.id}/pupils", data={"add_ids": []}).status_code == 403


def test_a_pupil_of_another_school_is_refused_before_anything_is_asked(client, world, login, session):
    """The question names pupils: it is asked only of pupils on the user's own roll."""
    far = world.pupils["sibling_k"]
    login(world.users["admin"])
    page = client.page(f"/classes/{world.group.id}/pupils")

    answer = client.post_page(
        f"/classes/{world.group.id}/pupils", data={"version": page.value("version"), "add_ids": [str(far.id)]}
    )

    assert answer.field_error("add_ids") is not None
    assert answer.field_error("registration") is None
    assert far.last_name not in answer.text()


def test_a_class_of_another_school_answers_404(client, world, login, foreign_group):
    login(world.users["admin"])

    assert client.post(f"/classes/{foreign_group.id}/pupils", data={"add_ids": []}).status_code == 404


def test_no_pupil_detail_reaches_the_audit(client, world, login, session):
    login(world.users["admin"])
    client.post("/pupils/new", data=_rosa())
    client.post("/pupils/new", data=_rosa(confirm_year="4/2"))

    details = [str(event.details) for event in session.scalars(sa.select(AuditEvent))]
    assert not any("Rosa" in text or "Year 4" in text for text in details)


# --- Kinds of class -------------------------------------------------------------------------------


def test_a_class_is_saved_with_its_kind(client, world, login, session):
    login(world.users["admin"])

    response = client.post("/staff/classes/new", data={"name": "Maths set 3", "year_group": "4", "kind": "teaching"})

    assert response.status_code == 302
    group = session.scalar(sa.select(TeachingGroup).where(TeachingGroup.name == "Maths set 3"))
    assert group.kind is GroupKind.TEACHING


def test_the_class_form_asks_for_the_kind(client, world, login, session):
    login(world.users["admin"])

    page = client.post_page("/staff/classes/new", data={"name": "Maths set 3", "year_group": "4"})

    assert page.field_error("kind") == "Select the kind of class"
    assert count(session, TeachingGroup, TeachingGroup.name == "Maths set 3") == 0


@pytest.mark.parametrize(
    ("text", "kind"),
    [("Registration", GroupKind.REGISTRATION), ("Tutor group", GroupKind.REGISTRATION), ("set", GroupKind.TEACHING)],
)
def test_the_classes_csv_reads_the_kind(text, kind):
    assert read_kind(text) is kind


def test_the_classes_csv_refuses_an_unknown_kind():
    with pytest.raises(ValueError, match="is not a kind of class: write Registration"):
        read_kind("Club")


def test_the_pupils_csv_preview_warns_of_two_registration_classes(session, world):
    from tests.test_csv_import import HEADER, confirm, preview, row_at, text

    row = f"{make_upn()},Field,Rosa,,,01/05/2020,F,4,,,4 Oak; 4 Elm"
    batch = preview(session, world, text(HEADER, row))

    assert row_at(batch, 2).warnings == [
        "Year 4 does not fit the date of birth (Year 2 expected)",
        "4 Elm and 4 Oak are registration classes: the pupil will be in each of them",
    ]
    confirm(session, world, batch)  # the preview was the question: the import stores what it showed
    assert _rosa_saved(session).class_names == "4 Elm, 4 Oak"


def test_a_question_with_no_field_on_the_form_goes_at_its_head():
    from wtforms import Form

    from sentrack.forms import attach_questions
    from sentrack.workflows.confirmations import Question

    form = Form()
    attach_questions(form, NeedsConfirming([Question("nowhere", "Confirm this", (("yes", "Yes"),))]))

    assert form.general_errors == ["Confirm this"]


def test_the_year_end_opens_next_years_class_of_the_same_kind(session, world):
    from tests.test_year_end import _run, _world_in_years

    _world_in_years(session, world)
    _elm(session).kind = GroupKind.TEACHING
    session.commit()
    _run(session, world)

    current = session.scalars(sa.select(TeachingGroup).where(TeachingGroup.ended_on.is_(None))).all()
    assert {group.name: group.kind for group in current if group.name in {"5 Oak", "5 Elm"}} == {
        "5 Oak": GroupKind.REGISTRATION,
        "5 Elm": GroupKind.TEACHING,
    }
