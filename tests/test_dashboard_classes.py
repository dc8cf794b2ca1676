"""The head teacher's dashboard class by class, the drill-downs naming who holds each task, and the
LA officer's schools side by side leading to each school's figures.

The figures by class are the school's own figures divided by registration class: they add up to the
school's, each pupil counted once, worst class first."""

from __future__ import annotations

import csv
import io
import re
from datetime import date

import pytest
import sqlalchemy as sa

from sentrack.dashboard.cards import AUTHORITY_COLUMNS, BY_KEY
from sentrack.demo import build_demo
from sentrack.models import (
    AuditEvent,
    LocalAuthority,
    Provision,
    Pupil,
    School,
    Task,
    TaskStatus,
    TeachingGroup,
    User,
    group_pupils,
)
from sentrack.workflows.class_figures import NO_CLASS, NO_CLASS_NAME, figures_by_class
from sentrack.workflows.compliance import PupilFilter, compliance_figures
from sentrack.workflows.sweep import run_sweep
from tests.conftest import TODAY
from tests.factories import make_pupil
from tests.pages import Html


def _user(session, email: str) -> User:
    return session.scalars(sa.select(User).where(User.email == email)).one()


# A spring day: the autumn term has ended, so some parents' meetings are overdue, and the spring
# term ends within three weeks, so some are due.
SPRING = date(2027, 3, 10)


@pytest.fixture
def school(app, session):
    """A demo primary school of 200 pupils on a spring day, swept on the day (tasks made)."""
    build_demo(session, today=SPRING, schools=1, pupils_per_school=200)
    run_sweep(session, SPRING)
    session.commit()
    app.config["TODAY"] = SPRING
    return session.scalars(sa.select(School)).one()


# --- The figures by class ------------------------------------------------------------------------


def test_the_classes_add_up_to_the_schools_figures(school, session):
    figures = compliance_figures(session, school, SPRING)
    classes = figures_by_class(session, figures)

    assert len([c for c in classes if c.is_a_class]) >= 5
    assert sum(c.on_track for c in classes) == figures["engagement_on_track"].count
    assert sum(c.due for c in classes) == figures["engagement_due"].count
    assert sum(c.overdue for c in classes) == figures["engagement_overdue"].count
    assert sum(c.on_register for c in classes) == figures["engagement_overdue"].population
    assert sum(c.open_cycles for c in classes) == figures["reviews_overdue"].population
    assert sum(c.reviews_overdue for c in classes) == figures["reviews_overdue"].count
    assert figures["engagement_overdue"].count > 0 and figures["reviews_overdue"].count > 0


def test_each_class_counts_the_pupils_of_that_class(school, session):
    figures = compliance_figures(session, school, SPRING)
    membership = dict(session.execute(sa.select(group_pupils.c.pupil_id, group_pupils.c.group_id)).all())
    overdue = set(figures["engagement_overdue"].ids)
    for figure in figures_by_class(session, figures):
        in_class = {pupil for pupil, group in membership.items() if group == figure.group_id}
        assert figure.overdue == len(overdue & in_class), figure.name
        # The same class chosen on the dashboard gives the same number (one definition).
        narrowed = compliance_figures(session, school, SPRING, PupilFilter(registration=figure.group_id))
        assert narrowed["engagement_overdue"].count == figure.overdue, figure.name
        assert narrowed["reviews_overdue"].count == figure.reviews_overdue, figure.name


def test_the_classes_are_ranked_worst_first(school, session):
    classes = figures_by_class(session, compliance_figures(session, school, SPRING))
    shares = [c.behind_share for c in classes if c.is_a_class]

    assert shares == sorted(shares, reverse=True)
    assert shares[0] > shares[-1]


def test_a_pupil_in_two_classes_counts_in_their_own_year_groups_class(world, session):
    set_group = TeachingGroup(school_id=world.school.id, name="3 Maths set", year_group=3)
    session.add(set_group)
    session.flush()
    pupil = world.pupils["taught"]  # Year 4, in 4 Oak
    set_group.pupils.append(pupil)
    loner = make_pupil(session, world.school, first="Lou", last="Nash", provision=Provision.SEN_SUPPORT)
    session.commit()

    classes = {c.name: c for c in figures_by_class(session, compliance_figures(session, world.school, TODAY))}

    assert "3 Maths set" not in classes
    figures = compliance_figures(session, world.school, TODAY)
    assert pupil.id in figures["engagement_on_track"].population_ids
    assert classes["4 Oak"].on_register == 1  # Ada, once
    assert classes[NO_CLASS_NAME].on_register == 1  # Lou, in no class
    assert list(classes)[-1] == NO_CLASS_NAME
    narrowed = compliance_figures(session, world.school, TODAY, PupilFilter(registration=NO_CLASS))
    assert narrowed["engagement_on_track"].population_ids + narrowed["engagement_due"].population_ids == (
        loner.id,
        loner.id,
    )


# --- The page ------------------------------------------------------------------------------------


def _class_rows(page: Html) -> list[list[str]]:
    return page.table("Parent meetings and reviews by class, worst first")


def test_the_head_sees_each_class_worst_first_with_links_to_its_pupils(school, session, login, client):
    classes = figures_by_class(session, compliance_figures(session, school, SPRING))
    login(_user(session, "head@demo.test"))

    page = client.page("/dashboard/")

    rows = _class_rows(page)
    assert [row[0] for row in rows] == [c.name for c in classes]
    for row, figure in zip(rows, classes, strict=True):
        assert int(row[1]) == figure.on_register
        assert int(row[4].split()[0]) == figure.overdue
        assert int(row[7].split()[0]) == figure.reviews_overdue
    worst = next(c for c in classes if c.overdue)
    listed = client.page(f"/dashboard/figures/engagement_overdue?reg={worst.group_id}")
    assert listed.text("h1") == BY_KEY["engagement_overdue"].title
    assert f"for registration class {worst.name}" in listed.text("p.govuk-body-l")
    assert len(listed.table(f'[aria-label="{BY_KEY["engagement_overdue"].title}"]')) == worst.overdue
    assert f"/dashboard/figures/engagement_overdue?reg={worst.group_id}" in page.links()


def test_a_governor_sees_no_class_table(school, session, login, client):
    login(_user(session, "governor@demo.test"))

    page = client.page("/dashboard/")

    assert not page.has("#classes")
    assert "Parent meetings and reviews by class" not in page.text()


def test_an_unknown_class_in_the_address_is_ignored(school, session, login, client):
    login(_user(session, "head@demo.test"))
    whole = client.page("/dashboard/figures/engagement_overdue")

    for value in ("999999", "abc", "-1", "99999999999999999999"):
        page = client.page(f"/dashboard/figures/engagement_overdue?reg={value}")
        assert page.text("p.govuk-body-l") == whole.text("p.govuk-body-l"), value


# --- Who holds each task -------------------------------------------------------------------------


def test_each_drill_down_line_names_who_holds_its_task(school, session, login, client):
    open_tasks = session.scalars(sa.select(Task).where(Task.status == TaskStatus.OPEN)).all()
    meeting_tasks = {t.pupil_id: t for t in open_tasks if t.duty.code == "teacher_meets_parents"}
    figure = compliance_figures(session, school, SPRING)["engagement_on_track"]
    pupils = {p.id: p for p in session.scalars(sa.select(Pupil).where(Pupil.id.in_(figure.ids)))}
    login(_user(session, "head@demo.test"))

    page = client.page("/dashboard/figures/engagement_on_track")

    held = {row[0]: row[-1] for row in page.table(f'[aria-label="{BY_KEY["engagement_on_track"].title}"]')}
    assert len(held) == figure.count
    named = [pid for pid in figure.ids if pid in meeting_tasks]
    assert named, "the sweep made this term's meeting tasks"
    for pid in named:
        task = meeting_tasks[pid]
        assert held[pupils[pid].full_name].startswith(f"{task.holder} (Class teacher), due"), pupils[pid].full_name
        assert task.holder != "No one yet"
    assert f"/tasks/{meeting_tasks[named[0]].id}" in page.links()


def test_a_task_with_no_holder_says_so_and_the_csv_names_the_holders(school, session, login, client):
    figure = compliance_figures(session, school, SPRING)["concerns_past_deadline"]
    tasks = session.scalars(
        sa.select(Task).where(Task.subject_type == "concern", Task.subject_id.in_(figure.ids), Task.status == "open")
    ).all()
    assert tasks
    tasks[0].assigned_to_id = None
    session.commit()
    login(_user(session, "senco@demo.test"))

    page = client.page("/dashboard/figures/concerns_past_deadline")
    cells = [row[-1] for row in page.table(f'[aria-label="{BY_KEY["concerns_past_deadline"].title}"]')]
    assert any(cell.startswith("No one yet (SENCO), due") for cell in cells)
    assert any(re.match(r"^\S+ \S+ \(SENCO\), due", cell) for cell in cells)

    rows = list(csv.reader(io.StringIO(client.get("/dashboard/figures/concerns_past_deadline.csv").data.decode())))
    assert rows[0][-1] == "Task held by"
    assert sum(1 for row in rows[1:] if row[-1].startswith("No one yet (SENCO)")) == 1


# --- The LA officer's schools side by side -------------------------------------------------------


@pytest.fixture
def authority(session):
    build_demo(session, today=TODAY, schools=2, pupils_per_school=40)
    stranger_la = LocalAuthority(code="998", name="Elsewhere Council")
    session.add(stranger_la)
    session.flush()
    stranger = School(urn="999001", name="Faraway School", local_authority_id=stranger_la.id, phase="primary")
    session.add(stranger)
    run_sweep(session, TODAY)
    session.commit()
    return stranger


def test_the_officers_table_puts_the_ehc_columns_first_and_keeps_the_school_in_view(authority, session, login, client):
    login(_user(session, "la@demo.test"))

    page = client.page("/dashboard/")

    table = page.one('[aria-label="Schools side by side"] table')
    assert "app-table--sticky-first" in table["class"]
    headings = [h.get_text(" ", strip=True) for h in table.select("thead th")]
    assert headings == ["School", *(BY_KEY[key].title for key in AUTHORITY_COLUMNS), "Counted on"]
    assert headings[1] == "EHC annual reviews overdue"
    assert all(th["scope"] == "row" for th in table.select("tbody th"))
    exported = list(csv.reader(io.StringIO(client.get("/dashboard/figures.csv").data.decode("utf-8-sig"))))
    assert exported[0][:3] == ["School", "URN", "EHC annual reviews overdue (count)"]
    assert exported[0][-1] == "Counted on"


def test_each_school_leads_to_its_figures_for_the_officer_only(authority, session, login, client):
    officer = _user(session, "la@demo.test")
    schools = session.scalars(sa.select(School).where(School.local_authority_id == officer.local_authority_id)).all()
    login(officer)
    side_by_side = client.page("/dashboard/")
    for school in schools:
        assert f"/dashboard/schools/{school.id}" in side_by_side.links()

    page = client.page(f"/dashboard/schools/{schools[0].id}")

    assert page.text("h1") == schools[0].name
    figures = compliance_figures(session, schools[0], TODAY)
    card = page.one("#card-engagement_overdue .app-card__figure").get_text(strip=True)
    count = figures["engagement_overdue"].count
    assert card == ("fewer than 5" if 0 < count < 5 else card) and card in (str(count), "fewer than 5", "withheld")
    assert not any(href.startswith(("/pupils/", "/dashboard/figures/")) for href in page.links("main"))
    event = session.scalars(
        sa.select(AuditEvent).where(AuditEvent.action == "dashboard_viewed").order_by(AuditEvent.id)
    ).all()[-1]
    assert (event.object_type, event.object_id, event.details) == ("school", str(schools[0].id), {"from": "authority"})

    assert client.get(f"/dashboard/schools/{authority.id}").status_code == 404
    assert client.get("/dashboard/schools/987654").status_code == 404
    login(_user(session, "head@demo.test"))
    assert client.get(f"/dashboard/schools/{schools[0].id}").status_code == 403
