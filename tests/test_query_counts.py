"""No page runs a query per row: each key page takes the same number of SQL statements at a school
of 100 pupils as at one of 1,000, and at most 21.

The two schools are built by the demo builder (bulk inserts), each in a local authority of its
own so that the LA officer's pages can be compared too, and swept once so that tasks and
notifications exist. In each school the page is asked about a subject of the same shape: the
pupil on SEN support, with an open cycle, who has the most history; the class teacher with most
pupils on the register; the school's SENCO and head.
"""

from __future__ import annotations

import os
import random
from dataclasses import dataclass

import pytest
import sqlalchemy as sa
from sqlalchemy import event

from sentrack.dashboard.lists import rows_for
from sentrack.demo.builder import DemoBuilder
from sentrack.demo.ehc import add_ehc_work
from sentrack.demo.mis import add_mis_imports
from sentrack.demo.schools import SchoolSpec
from sentrack.demo.transfers import Arrivals
from sentrack.extensions import db
from sentrack.models import (
    EhcAdvice,
    EhcException,
    EhcPlan,
    EhcRequest,
    EhcReview,
    InterventionPupil,
    Phase,
    Provision,
    Pupil,
    Role,
    RoleAssignment,
    School,
    SenStatus,
    SupportCycle,
    TimelineEvent,
    User,
    group_pupils,
    group_teachers,
)
from sentrack.workflows.compliance import compliance_figures
from sentrack.workflows.sweep import run_sweep
from tests.conftest import TODAY

# 20, and one more on every page: the account bar's count of unread notifications (one count on
# the notification's (recipient, read) index, asked once a request).
MOST_STATEMENTS = 20 + 1
# A drill-down counts its one figure alone (one to three statements, not the dashboard's eleven),
# then loads the rows behind it with their open tasks' holders.
DRILL_DOWN_STATEMENTS = MOST_STATEMENTS - 8
SMALL, LARGE = 100, 1000
# The test's transaction wraps each app commit in a savepoint; production runs none of these.
HARNESS = ("SAVEPOINT", "RELEASE SAVEPOINT", "ROLLBACK TO SAVEPOINT")


@dataclass
class Subjects:
    """Who and what one school's pages are asked about (ids: each request loads afresh)."""

    head: int
    senco: int
    teacher: int
    officer: int
    admin: int
    pupil: str  # public id
    cycle_number: int


def _holder(school_id: int, role: Role) -> int:
    return db.session.scalars(
        sa.select(User.id)
        .join(RoleAssignment)
        .where(User.school_id == school_id, RoleAssignment.role == role)
        .order_by(User.id)
    ).first()


def _subjects(school_id: int, la_id: int) -> Subjects:
    on_register = sa.and_(
        SenStatus.pupil_id == group_pupils.c.pupil_id,
        SenStatus.end_date.is_(None),
        SenStatus.provision != Provision.NONE,
    )
    teacher_id = db.session.execute(
        sa.select(group_teachers.c.user_id)
        .join(group_pupils, group_pupils.c.group_id == group_teachers.c.group_id)
        .join(SenStatus, on_register)
        .join(User, User.id == group_teachers.c.user_id)
        .where(User.school_id == school_id)
        .group_by(group_teachers.c.user_id)
        .order_by(sa.func.count().desc(), group_teachers.c.user_id)
        .limit(1)
    ).scalar_one()
    history = sa.select(sa.func.count(TimelineEvent.id)).where(TimelineEvent.pupil_id == Pupil.id).scalar_subquery()
    in_interventions = sa.select(InterventionPupil.id).where(InterventionPupil.pupil_id == Pupil.id).exists()
    public_id, number = db.session.execute(
        sa.select(Pupil.public_id, SupportCycle.number)
        .join(SupportCycle, SupportCycle.pupil_id == Pupil.id)
        .join(SenStatus, sa.and_(SenStatus.pupil_id == Pupil.id, SenStatus.end_date.is_(None)))
        .where(
            Pupil.school_id == school_id,
            SupportCycle.state == "do",
            SenStatus.provision == Provision.SEN_SUPPORT,
            in_interventions,
        )
        .order_by(history.desc(), Pupil.id)
        .limit(1)
    ).one()
    officer = db.session.scalars(
        sa.select(User.id)
        .join(RoleAssignment)
        .where(User.local_authority_id == la_id, RoleAssignment.role == Role.LA_OFFICER)
    ).one()
    return Subjects(
        head=_holder(school_id, Role.HEAD),
        senco=_holder(school_id, Role.SENCO),
        teacher=teacher_id,
        officer=officer,
        admin=_holder(school_id, Role.ADMIN),
        pupil=public_id,
        cycle_number=number,
    )


@pytest.fixture
def builder(app) -> DemoBuilder:
    """Two authorities of one school each, the small (100 pupils) and the large (1,000), swept once;
    `rolls` in that order."""
    built = DemoBuilder(db.session, today=TODAY, seed=2026, progress=None)
    built.add_authority("901", "Small Borough", [SchoolSpec(1, Phase.PRIMARY, SMALL)])
    built.add_authority("902", "Large Borough", [SchoolSpec(3, Phase.PRIMARY, LARGE)])
    built.context.rows.advance_sequences()
    run_sweep(db.session, TODAY)
    db.session.commit()
    return built


@pytest.fixture
def schools(builder):
    """{100: subjects at a school of 100 pupils, 1000: at a school of 1,000}."""
    found = {}
    for roll, school in zip((SMALL, LARGE), builder.rolls, strict=True):
        la_id = db.session.get(School, school.school_id).local_authority_id
        assert db.session.scalar(sa.select(sa.func.count(Pupil.id)).where(Pupil.school_id == school.school_id)) == roll
        found[roll] = _subjects(school.school_id, la_id)
    return found


def statements(client, path: str) -> int:
    """The SQL statements one GET of `path` runs; it must answer 200."""
    seen: list[str] = []

    def count(conn, cursor, statement, parameters, context, executemany):
        if not statement.lstrip().upper().startswith(HARNESS):
            seen.append(statement)

    # Each test runs in one app context, whose session would keep what an earlier request
    # loaded; a request in production starts with an empty session.
    db.session.expunge_all()
    event.listen(db.engine, "before_cursor_execute", count)
    try:
        response = client.get(path)
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    assert response.status_code == 200, path
    if os.environ.get("SENTRACK_SHOW_STATEMENTS"):  # to see what a failing count is made of
        print(f"\n{path}: {len(seen)} statements")
        for statement in seen:
            print("  ", " ".join(statement.split())[:300])
    return len(seen)


def assert_flat(counts: dict[int, int], most: int = MOST_STATEMENTS) -> None:
    assert counts[SMALL] == counts[LARGE], f"{counts[SMALL]} statements at {SMALL} pupils, {counts[LARGE]} at {LARGE}"
    assert counts[LARGE] <= most, f"{counts[LARGE]} statements"


def count_pages(app, login, schools, who: str, path) -> dict[int, int]:
    counts = {}
    for roll, subject in schools.items():
        client = login(db.session.get(User, getattr(subject, who)), app.test_client())
        client.get(path(subject) if callable(path) else path)  # once first: the session's touch is not the page's
        counts[roll] = statements(client, path(subject) if callable(path) else path)
    return counts


def test_pupil_list_with_search_and_filter(app, login, schools):
    counts = {}
    for roll, subject in schools.items():
        client = login(db.session.get(User, subject.senco), app.test_client())
        # The search is posted (a name never goes in a URL) and kept in the session.
        response = client.post("/pupils/", data={"q": "a", "provision": "K"})
        assert response.status_code == 302
        path = response.headers["Location"]
        assert "provision=K" in path
        assert len([href for href in client.page(path).links() if href.startswith("/pupils/")]) >= 10
        counts[roll] = statements(client, path)
    assert_flat(counts)


def test_pupil_page(app, login, schools):
    # Two statements over the others' budget: the EHC section (its requests beside the plan in
    # force, and the plan's next review from the one schedule), and the contacts' phone numbers
    # (one statement for them all); the staff the record names are loaded without their roles.
    assert_flat(count_pages(app, login, schools, "senco", lambda s: f"/pupils/{s.pupil}"), MOST_STATEMENTS + 2)


def test_cycle_page(app, login, schools):
    assert_flat(count_pages(app, login, schools, "senco", lambda s: f"/pupils/{s.pupil}/cycles/{s.cycle_number}"))


def test_teacher_home(app, login, schools):
    # The school's terms (no register is asked for on a holiday) are among them; the passports come
    # with their pupils in one statement, and no deliverer's roles are loaded.
    assert_flat(count_pages(app, login, schools, "teacher", "/"), most=MOST_STATEMENTS - 2)


def test_senco_home(app, login, schools):
    # The single INSERT auditing the pupils the home page names, the EHC section's two (the plans'
    # review schedule, then its pupils with those on "E" without a plan) and the leavers' records
    # due for destruction are among them; the lists read their pupils in their own statement, and
    # every count of the page (overdue reviews and concerns, what the MIS and other schools leave
    # waiting, roles waiting) comes in one.
    assert_flat(count_pages(app, login, schools, "senco", "/"), most=MOST_STATEMENTS - 2)


def test_head_home(app, login, schools):
    # The counts of the page (the school's staff, roll and classes among them) come in one statement.
    assert_flat(count_pages(app, login, schools, "head", "/"), most=MOST_STATEMENTS - 5)


def test_records_due_for_destruction(app, login, schools):
    """Retention and destruction: the list of leavers' records due, and the destruction log."""
    assert_flat(count_pages(app, login, schools, "senco", "/retention"))
    assert_flat(count_pages(app, login, schools, "head", "/retention/log"))


def test_provision_map(app, login, schools):
    # The interventions come with their types and deliverers (not their roles), their places with
    # their pupils.
    assert_flat(count_pages(app, login, schools, "senco", "/provision-map"), most=MOST_STATEMENTS - 10)


def test_la_officer_pupil_list(app, login, schools):
    assert_flat(count_pages(app, login, schools, "officer", "/pupils/"))


def test_dashboard(app, login, schools):
    assert_flat(count_pages(app, login, schools, "head", "/dashboard/"))


def test_la_dashboard(app, login, schools):
    assert_flat(count_pages(app, login, schools, "officer", "/dashboard/"))


def test_the_count_sees_every_statement(app, login, schools):
    """The counter is not blind: a page that lists more rows without a query per row still
    counts the statements it runs, and more pages of the list cost no more."""
    subject = schools[LARGE]
    client = login(db.session.get(User, subject.senco), app.test_client())
    first = statements(client, "/pupils/?page=1")
    later = statements(client, "/pupils/?page=30")
    assert first == later > 3


def test_la_ehc_caseload(app, login, schools):
    for path in ("/ehc/", "/ehc/requests", "/ehc/reviews", "/ehc/figures/reviews_due_soon"):
        assert_flat(count_pages(app, login, schools, "officer", path))


def _add_ehc_work(builder) -> None:
    """The demo's EHC work (requests, advice, exceptions, plans, reviews) at each school, committed."""
    for school in builder.rolls:
        add_ehc_work(db.session, builder.context, school)
    db.session.commit()


def test_la_ehc_caseload_with_ehc_work(app, login, builder, schools):
    """The caseload and its lists as the EHC work grows with the authority: ten times the requests
    in progress, their advice and exceptions, the plans and their reviews, and the same statements."""
    _add_ehc_work(builder)
    work = {}
    for roll, school in zip((SMALL, LARGE), builder.rolls, strict=True):
        in_school = Pupil.school_id == school.school_id
        work[roll] = [
            db.session.scalar(sa.select(sa.func.count()).select_from(EhcRequest).join(Pupil).where(in_school)),
            db.session.scalar(
                sa.select(sa.func.count()).select_from(EhcAdvice).join(EhcRequest).join(Pupil).where(in_school)
            ),
            db.session.scalar(
                sa.select(sa.func.count()).select_from(EhcReview).join(EhcPlan).join(Pupil).where(in_school)
            ),
        ]
    assert all(large > small > 0 for small, large in zip(work[SMALL], work[LARGE], strict=True)), work
    paths = ["/ehc/", "/ehc/requests", "/ehc/reviews", "/ehc/figures/requests_at_risk", "/ehc/figures/issued_this_year"]
    for path in paths + ["/ehc/figures/decisions_waiting", "/ehc/sen2.csv"]:
        assert_flat(count_pages(app, login, schools, "officer", path))


def test_notifications_page(app, login, schools):
    """A page of 25 notifications, their tasks' titles naming pupils in reach, and the count."""
    assert_flat(count_pages(app, login, schools, "senco", "/notifications"))


# Subject access: the school's requests for pupils' data, however many.
def test_subject_access_list(app, login, schools):
    from datetime import timedelta

    from sentrack.models import AccessKind, Requester, SubjectAccessRequest

    for roll, subject in schools.items():
        senco = db.session.get(User, subject.senco)
        pupils = db.session.scalars(
            sa.select(Pupil.id).where(Pupil.school_id == senco.school_id).order_by(Pupil.id).limit(roll // 10)
        ).all()
        for n, pupil_id in enumerate(pupils):
            received = TODAY - timedelta(days=n % 40)
            db.session.add(
                SubjectAccessRequest(
                    pupil_id=pupil_id,
                    kind=AccessKind.SUBJECT_ACCESS,
                    requester_name="A parent",
                    requester=Requester.PARENT,
                    received_on=received,
                    due_on=received + timedelta(days=31),
                )
            )
    db.session.commit()
    assert_flat(count_pages(app, login, schools, "senco", "/subject-access"))


def test_pupil_audit_trail(app, login, schools):
    """The trail of the pupil with most history, as the head and the SENCO read it: a page of
    events, however long the trail."""
    assert_flat(count_pages(app, login, schools, "head", lambda s: f"/pupils/{s.pupil}/audit"))
    assert_flat(count_pages(app, login, schools, "senco", lambda s: f"/pupils/{s.pupil}/audit"))


def _linked_figures(app, login, schools) -> dict[int, set[str]]:
    """The drill-downs each school's dashboard links to, as the head sees it: {roll: figure keys}."""
    linked = {}
    for roll, subject in schools.items():
        client = login(db.session.get(User, subject.head), app.test_client())
        links = client.page("/dashboard/").links()
        linked[roll] = {
            href.removeprefix("/dashboard/figures/")
            for href in links
            if href.startswith("/dashboard/figures/") and not href.endswith(".csv")
        }
    return linked


def _holds_tasks(subject: Subjects, key: str) -> bool:
    """Whether the drill-down of `key` names an open task's holder on any row: only then does it
    load the holders (two statements, however many rows), so only lists of the same shape compare."""
    head = db.session.get(User, subject.head)
    compliance = compliance_figures(db.session, head.school, TODAY)
    figure = compliance.figures.get(key) or next(
        f for role, f in compliance.tasks_overdue_by_role.items() if key == f"tasks_overdue_{role.value}"
    )
    return any(row.tasks for row in rows_for(db.session, head, key, figure, head.school, TODAY))


def test_dashboard_drill_downs(app, login, schools):
    """Every list the dashboard links to at both schools: of pupils (parent meetings, reviews,
    plans), concerns, interventions and tasks (all, and by role)."""
    linked = _linked_figures(app, login, schools)
    keys = [
        key
        for key in sorted(linked[SMALL] & linked[LARGE])
        if _holds_tasks(schools[SMALL], key) == _holds_tasks(schools[LARGE], key)
    ]
    for kind in ("engagement_", "reviews_overdue", "k_without_plan", "concerns_", "interventions_", "tasks_overdue_"):
        assert any(key.startswith(kind) for key in keys), (kind, keys)
    for key in keys:
        counts = count_pages(app, login, schools, "head", f"/dashboard/figures/{key}")
        assert counts[SMALL] == counts[LARGE], (key, counts)
        assert counts[LARGE] <= DRILL_DOWN_STATEMENTS, (key, counts)


def test_la_ehc_case_pages(app, login, builder, schools):
    """An EHC request and an EHC plan as the LA officer opens them: the authority's case with
    the most advice and exceptions, and the plan with the most reviews."""
    _add_ehc_work(builder)
    cases = {}
    for roll, school in zip((SMALL, LARGE), builder.rolls, strict=True):
        in_school = Pupil.school_id == school.school_id
        steps = (
            sa.select(sa.func.count(EhcAdvice.id)).where(EhcAdvice.request_id == EhcRequest.id).scalar_subquery()
            + sa.select(sa.func.count(EhcException.id))
            .where(EhcException.request_id == EhcRequest.id)
            .scalar_subquery()
        )
        reviews = sa.select(sa.func.count(EhcReview.id)).where(EhcReview.plan_id == EhcPlan.id).scalar_subquery()
        request_id = db.session.scalars(
            sa.select(EhcRequest.id).join(Pupil).where(in_school).order_by(steps.desc(), EhcRequest.id).limit(1)
        ).one()
        plan_id = db.session.scalars(
            sa.select(EhcPlan.id)
            .join(Pupil, Pupil.id == EhcPlan.pupil_id)
            .where(in_school, EhcPlan.ceased_on.is_(None))
            .order_by(reviews.desc(), EhcPlan.id)
            .limit(1)
        ).one()
        cases[roll] = (request_id, plan_id)
    for path in (lambda roll: f"/ehc/requests/{cases[roll][0]}", lambda roll: f"/ehc/plans/{cases[roll][1]}"):
        counts = {}
        for roll, subject in schools.items():
            client = login(db.session.get(User, subject.officer), app.test_client())
            client.get(path(roll))
            counts[roll] = statements(client, path(roll))
        assert_flat(counts)


def test_roll_pages(app, login, builder, schools):
    """The roll as the administrator and the SENCO see it, after two imports of the whole roll
    from the MIS: the imports and their history, the census check, the SEN differences."""
    for school in builder.rolls:
        add_mis_imports(
            db.session,
            builder.context,
            random.Random(school.school_id),
            db.session.get(School, school.school_id),
            db.session.get(User, school.senco_id),
            Arrivals(),
        )
    db.session.commit()
    assert_flat(count_pages(app, login, schools, "admin", "/imports"))
    assert_flat(count_pages(app, login, schools, "senco", "/imports"))
    assert_flat(count_pages(app, login, schools, "senco", "/census"))
    assert_flat(count_pages(app, login, schools, "senco", "/imports/sen-differences"))
