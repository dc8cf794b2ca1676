"""The demo-data generator (`sentrack.demo`) and the `flask demo` command."""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from datetime import date, timedelta

import pytest
import sqlalchemy as sa
from flask import Flask
from sqlalchemy.orm import Session

from sentrack.auth.passwords import verify_password
from sentrack.demo import DEMO_PASSWORD, build_demo, demo_pupil_count
from sentrack.workflows.upn import check_letter, upn_problem
from sentrack.demo.cli import demo_command
from sentrack.extensions import db
from sentrack.models import (
    Base,
    Concern,
    ConcernStatus,
    Contact,
    NeedType,
    Phase,
    Provision,
    Pupil,
    Role,
    RoleAssignment,
    School,
    SchoolTerm,
    SenStatus,
    TeachingGroup,
    User,
    group_pupils,
    group_teachers,
)

TODAY = date(2026, 2, 10)


def _engine() -> sa.Engine:
    engine = sa.create_engine("sqlite://")

    @sa.event.listens_for(engine, "connect")
    def enforce_foreign_keys(connection, _record):
        connection.execute("PRAGMA foreign_keys=ON")

    Base.metadata.create_all(engine)
    return engine


@pytest.fixture
def session():
    engine = _engine()
    with Session(engine) as session:
        yield session
    engine.dispose()


@pytest.fixture(scope="module")
def demo():
    """The default demo (a primary and a secondary), built once for the read-only tests."""
    engine = _engine()
    with Session(engine) as session:
        summary = build_demo(session, today=TODAY)
        session.commit()
        yield session, summary
    engine.dispose()


@pytest.fixture(scope="module")
def db_session(demo):
    return demo[0]


def _pupil_rows(session: Session) -> list[tuple]:
    return session.execute(
        sa.select(Pupil.upn, Pupil.first_name, Pupil.last_name, Pupil.date_of_birth, Pupil.public_id)
        .order_by(Pupil.id)
    ).all()


def _open_provision(session: Session) -> dict[int, Provision]:
    rows = session.execute(
        sa.select(SenStatus.pupil_id, SenStatus.provision).where(SenStatus.end_date.is_(None))
    )
    return dict(rows.all())


def _schools(session: Session) -> dict[Phase, School]:
    return {school.phase: school for school in session.scalars(sa.select(School))}


# --- UPNs -----------------------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("rest12", "letter"),
    [
        ("000000000001", "P"),  # 1 x 13 = 13 -> the 14th letter, I and O skipped
        ("100000000000", "C"),  # 1 x 2 = 2
        ("000000000002", "D"),  # 2 x 13 = 26, mod 23 = 3
        ("000000000000", "A"),
    ],
)
def test_upn_check_letter_weights_each_digit_by_its_position(rest12, letter):
    assert check_letter(rest12) == letter


@pytest.mark.parametrize("rest12", ["12345678901", "1234567890123", "1234567890I2", "１２３４５６７８９０１２"])
def test_a_upn_of_the_wrong_shape_is_refused(rest12):
    assert upn_problem("A" + rest12) is not None


def test_every_upn_is_valid_and_unique_across_the_authority(db_session):
    upns = db_session.scalars(sa.select(Pupil.upn)).all()
    assert len(upns) == 1420
    assert len(set(upns)) == len(upns)
    for upn in upns:
        assert upn_problem(upn) is None, upn
        assert upn[1:4] == "999"  # the authority's code


# --- Determinism ----------------------------------------------------------------------------------

def test_same_seed_and_today_give_the_same_pupils_and_another_seed_does_not():
    def pupils(seed: int) -> list[tuple]:
        engine = _engine()
        with Session(engine) as session:
            build_demo(session, today=TODAY, seed=seed, pupils_per_school=80)
            rows = _pupil_rows(session)
        engine.dispose()
        return rows

    first, again, other = pupils(7), pupils(7), pupils(8)
    assert len(first) == 160
    assert first == again
    assert [row[:3] for row in first] != [row[:3] for row in other]


def test_build_flushes_but_leaves_the_commit_to_the_caller(session):
    build_demo(session, today=TODAY, pupils_per_school=20)
    assert session.scalar(sa.select(sa.func.count(Pupil.id))) == 40
    session.rollback()
    assert session.scalar(sa.select(sa.func.count(Pupil.id))) == 0


# --- Schools, classes and pupils ------------------------------------------------------------------

def test_default_demo_is_a_primary_of_420_and_a_secondary_of_1000(demo):
    session, summary = demo
    schools = _schools(session)
    assert schools[Phase.PRIMARY].urn == "100001"
    assert schools[Phase.SECONDARY].urn == "100002"
    counts = session.execute(sa.select(Pupil.school_id, sa.func.count()).group_by(Pupil.school_id))
    assert dict(counts.all()) == {schools[Phase.PRIMARY].id: 420, schools[Phase.SECONDARY].id: 1000}
    assert (summary.schools, summary.pupils) == (2, 1420)
    assert demo_pupil_count() == 1420


def test_classes_are_named_by_year_and_every_pupil_is_in_one(db_session):
    schools = _schools(db_session)
    names = db_session.scalars(
        sa.select(TeachingGroup.name).where(TeachingGroup.school_id == schools[Phase.PRIMARY].id)
    ).all()
    assert len(names) == 14
    assert {"R Ash", "R Beech"} <= set(names)
    assert len({name.split()[1] for name in names}) == 14  # distinct trees
    secondary = db_session.scalars(
        sa.select(TeachingGroup.name).where(TeachingGroup.school_id == schools[Phase.SECONDARY].id)
    ).all()
    assert {f"7{letter}" for letter in "ABCDEFGH"} <= set(secondary)
    memberships = Counter(db_session.scalars(sa.select(group_pupils.c.pupil_id)).all())
    assert len(memberships) == 1420 and set(memberships.values()) == {1}
    wrong_year = db_session.scalar(
        sa.select(sa.func.count())
        .select_from(group_pupils)
        .join(Pupil, Pupil.id == group_pupils.c.pupil_id)
        .join(TeachingGroup, TeachingGroup.id == group_pupils.c.group_id)
        .where(Pupil.year_group != TeachingGroup.year_group)
    )
    assert wrong_year == 0


def test_dates_of_birth_fit_the_year_group_and_admission_is_not_in_the_future(db_session):
    # 2025/26: Reception were born 1 Sep 2020 to 31 Aug 2021, Year 11 eleven years earlier.
    for year_group, born, admitted in db_session.execute(
        sa.select(Pupil.year_group, Pupil.date_of_birth, Pupil.admitted_on)
    ):
        assert date(2020 - year_group, 9, 1) <= born <= date(2021 - year_group, 8, 31)
        assert admitted <= TODAY


def test_looked_after_and_medical_pupils(db_session):
    schools = _schools(db_session)
    open_provision = _open_provision(db_session)
    for school in schools.values():
        looked_after = db_session.scalars(
            sa.select(Pupil.id).where(Pupil.school_id == school.id, Pupil.looked_after)
        ).all()
        assert len(looked_after) >= 2
        if school.phase is Phase.PRIMARY:
            assert any(open_provision.get(p) is Provision.SEN_SUPPORT for p in looked_after)
    medical = db_session.scalars(sa.select(Pupil.medical_notes).where(Pupil.medical_conditions)).all()
    assert 0.04 <= len(medical) / 1420 <= 0.06
    assert all(medical)


def test_every_pupil_has_one_or_two_contacts_with_drama_range_phones(db_session):
    contacts = db_session.execute(
        sa.select(Contact.pupil_id, Contact.priority, Contact.phone, Contact.email)
    )
    priorities = defaultdict(list)
    for pupil_id, priority, phone, email in contacts:
        priorities[pupil_id].append(priority)
        assert re.fullmatch(r"07700 900\d{3}", phone)
        assert email is None or email.endswith("@example.com")
    assert len(priorities) == 1420
    assert {tuple(sorted(p)) for p in priorities.values()} == {(1,), (1, 2)}


# --- The SEN register -----------------------------------------------------------------------------

def test_register_is_shaped_like_englands(db_session):
    open_provision = _open_provision(db_session)
    for phase, (low, high) in {Phase.PRIMARY: (0.02, 0.035), Phase.SECONDARY: (0.04, 0.06)}.items():
        school = _schools(db_session)[phase]
        pupil_ids = db_session.scalars(sa.select(Pupil.id).where(Pupil.school_id == school.id)).all()
        provisions = Counter(open_provision.get(pupil_id) for pupil_id in pupil_ids)
        assert 0.11 <= provisions[Provision.SEN_SUPPORT] / len(pupil_ids) <= 0.15
        assert low <= provisions[Provision.EHC_PLAN] / len(pupil_ids) <= high


def test_summary_counts_match_the_database(demo):
    session, summary = demo
    provisions = Counter(_open_provision(session).values())
    assert summary.sen_support == provisions[Provision.SEN_SUPPORT]
    assert summary.ehc_plans == provisions[Provision.EHC_PLAN]
    open_concerns = session.scalars(sa.select(Concern).where(Concern.status == ConcernStatus.OPEN)).all()
    assert summary.concerns_open == len(open_concerns)
    assert summary.concerns_overdue == sum(c.is_overdue(TODAY) for c in open_concerns)
    assert summary.staff == session.scalar(sa.select(sa.func.count(User.id)))


def test_primary_needs_follow_national_proportions(db_session):
    statuses = db_session.scalars(sa.select(SenStatus).where(SenStatus.end_date.is_(None))).all()
    support = Counter(s.primary_need for s in statuses if s.provision is Provision.SEN_SUPPORT)
    plans = Counter(s.primary_need for s in statuses if s.provision is Provision.EHC_PLAN)
    assert support.most_common(1)[0][0] in {NeedType.SLCN, NeedType.SEMH, NeedType.SPLD}
    assert plans.most_common(1)[0][0] is NeedType.ASD
    assert NeedType.NSA not in plans
    with_secondary = sum(s.secondary_need is not None for s in statuses if s.provision.on_register)
    assert 0.3 <= with_secondary / sum(s.provision.on_register for s in statuses) <= 0.5


def test_histories_have_one_open_period_each_closed_the_day_before_the_next(db_session):
    periods = defaultdict(list)
    statuses = db_session.scalars(sa.select(SenStatus).order_by(SenStatus.pupil_id, SenStatus.start_date))
    for status in statuses:
        periods[status.pupil_id].append(status)
    for history in periods.values():
        assert [s.end_date is None for s in history] == [False] * (len(history) - 1) + [True]
        for earlier, later in zip(history, history[1:]):
            assert earlier.end_date == later.start_date - timedelta(days=1)
    shapes = Counter(tuple(s.provision for s in history) for history in periods.values())
    assert shapes[(Provision.SEN_SUPPORT, Provision.EHC_PLAN)] > 0
    assert shapes[(Provision.SEN_SUPPORT, Provision.NONE)] > 0
    assert shapes[(Provision.EHC_PLAN,)] > 0


def test_status_rows_are_recorded_by_the_senco_with_plain_reasons(db_session):
    sencos = set(
        db_session.scalars(
            sa.select(RoleAssignment.user_id).where(RoleAssignment.role == Role.SENCO)
        ).all()
    )
    for status in db_session.scalars(sa.select(SenStatus)):
        assert status.recorded_by_id in sencos
        assert status.reason and len(status.reason) > 20
        assert status.secondary_need is not NeedType.NSA
        assert status.secondary_need is None or status.secondary_need != status.primary_need
        if status.provision is Provision.EHC_PLAN:
            assert status.primary_need is not NeedType.NSA


@pytest.mark.parametrize(
    "today", [date(2025, 9, 1), date(2025, 9, 8), TODAY, date(2026, 7, 20), date(2026, 8, 31)]
)
def test_no_status_or_concern_is_dated_before_admission_or_after_today(session, today):
    build_demo(session, today=today, seed=11, pupils_per_school=140)
    admitted = dict(session.execute(sa.select(Pupil.id, Pupil.admitted_on)).all())
    assert max(admitted.values()) <= today
    for status in session.scalars(sa.select(SenStatus)):
        assert admitted[status.pupil_id] <= status.start_date <= today
        assert status.start_date <= status.recorded_at.date() <= today
        assert status.recorded_at.tzinfo is not None
    for concern in session.scalars(sa.select(Concern)):
        assert admitted[concern.pupil_id] <= concern.raised_on <= today
        assert concern.recorded_at.date() <= today
        assert concern.decided_on is None or concern.raised_on <= concern.decided_on <= today


# --- Concerns -------------------------------------------------------------------------------------

def test_primary_has_about_twelve_recent_open_concerns_and_some_are_overdue(db_session):
    primary = _schools(db_session)[Phase.PRIMARY]
    concerns = db_session.scalars(
        sa.select(Concern).join(Pupil).where(Pupil.school_id == primary.id)
    ).all()
    open_ = [c for c in concerns if c.status is ConcernStatus.OPEN]
    closed = [c for c in concerns if c.status is not ConcernStatus.OPEN]
    assert 10 <= len(open_) <= 14
    assert 3 <= sum(c.is_overdue(TODAY) for c in open_) <= 5
    assert all(c.raised_on >= TODAY - timedelta(weeks=6) for c in open_)
    assert all(c.deadline == c.raised_on + timedelta(days=28) for c in concerns)
    assert 8 <= len(closed) <= 12
    assert {c.status for c in closed} == {ConcernStatus.ASSESSED, ConcernStatus.NO_FURTHER_ACTION}
    assert all(c.decided_on and c.decided_by_id and c.decision_note for c in closed)
    assert all(c.decided_on is None and c.decided_by_id is None for c in open_)


def test_open_concerns_are_about_pupils_off_the_register_raised_by_their_teacher(db_session):
    open_provision = _open_provision(db_session)
    teacher_of = dict(
        db_session.execute(
            sa.select(group_pupils.c.pupil_id, group_teachers.c.user_id).join(
                group_teachers, group_teachers.c.group_id == group_pupils.c.group_id
            )
        ).all()
    )
    for concern in db_session.scalars(sa.select(Concern).where(Concern.status == ConcernStatus.OPEN)):
        assert open_provision.get(concern.pupil_id, Provision.NONE) is Provision.NONE
        assert concern.raised_by_id == teacher_of[concern.pupil_id]
        assert concern.description


# --- Staff and sign-ins ---------------------------------------------------------------------------

DEMO_SIGN_INS = {
    "head@demo.test": Role.HEAD,
    "senco@demo.test": Role.SENCO,
    "teacher@demo.test": Role.TEACHER,
    "ta@demo.test": Role.SUPPORT_ASSISTANT,
    "governor@demo.test": Role.GOVERNOR,
    "admin@demo.test": Role.ADMIN,
    "la@demo.test": Role.LA_OFFICER,
}


def test_demo_accounts_have_their_roles_and_the_demo_password(demo):
    session, summary = demo
    primary = _schools(session)[Phase.PRIMARY]
    assert {email for email, _ in summary.sign_ins} == set(DEMO_SIGN_INS)
    users = {u.email: u for u in session.scalars(sa.select(User).where(User.email.in_(DEMO_SIGN_INS)))}
    for email, role in DEMO_SIGN_INS.items():
        user = users[email]
        assert user.roles == {role}
        assert verify_password(user.password_hash, DEMO_PASSWORD)
        if role is Role.LA_OFFICER:
            assert user.school_id is None and user.local_authority_id == primary.local_authority_id
        else:
            assert user.school_id == primary.id


def test_every_school_has_its_staff_and_every_class_a_teacher(db_session):
    for school in _schools(db_session).values():
        roles = Counter(
            db_session.scalars(
                sa.select(RoleAssignment.role).join(User).where(User.school_id == school.id)
            ).all()
        )
        groups = db_session.scalars(
            sa.select(TeachingGroup.id).where(TeachingGroup.school_id == school.id)
        ).all()
        assert roles[Role.HEAD] == roles[Role.SENCO] == roles[Role.ADMIN] == roles[Role.GOVERNOR] == 1
        assert roles[Role.TEACHER] == len(groups)
        assert roles[Role.SUPPORT_ASSISTANT] >= 2
        taught = db_session.scalars(
            sa.select(group_teachers.c.group_id).where(group_teachers.c.group_id.in_(groups))
        ).all()
        assert sorted(taught) == sorted(groups)
    emails = db_session.scalars(sa.select(User.email).where(User.email.not_in(DEMO_SIGN_INS))).all()
    assert all(re.fullmatch(r"[a-z0-9.-]+@[a-z0-9-]+\.demo\.test", email) for email in emails)


def test_the_demo_teachers_year_4_class_shows_support_a_plan_and_a_concern(db_session):
    teacher = db_session.scalar(sa.select(User).where(User.email == "teacher@demo.test"))
    (group,) = teacher.groups
    assert group.year_group == 4
    pupil_ids = [pupil.id for pupil in group.pupils]
    provisions = Counter(_open_provision(db_session).get(pupil_id) for pupil_id in pupil_ids)
    assert provisions[Provision.SEN_SUPPORT] >= 3
    assert provisions[Provision.EHC_PLAN] >= 1
    open_concerns = db_session.scalar(
        sa.select(sa.func.count(Concern.id)).where(
            Concern.pupil_id.in_(pupil_ids), Concern.status == ConcernStatus.OPEN
        )
    )
    assert open_concerns >= 1


def test_terms_cover_last_this_and_next_academic_year(db_session):
    for school in _schools(db_session).values():
        terms = db_session.scalars(
            sa.select(SchoolTerm).where(SchoolTerm.school_id == school.id).order_by(SchoolTerm.starts_on)
        ).all()
        assert [t.name for t in terms[:3]] == ["Autumn 2024", "Spring 2025", "Summer 2025"]
        assert (terms[0].starts_on, terms[-1].ends_on) == (date(2024, 9, 1), date(2027, 8, 31))
        for earlier, later in zip(terms, terms[1:]):
            assert later.starts_on == earlier.ends_on + timedelta(days=1)


def test_more_schools_alternate_primary_and_secondary_with_the_given_roll(session):
    summary = build_demo(session, today=TODAY, schools=5, pupils_per_school=30)
    schools = session.scalars(sa.select(School).order_by(School.urn)).all()
    assert [s.urn for s in schools] == [f"10000{n}" for n in range(1, 6)]
    assert [s.phase for s in schools] == [Phase.PRIMARY, Phase.SECONDARY] * 2 + [Phase.PRIMARY]
    assert summary.pupils == 150 == demo_pupil_count(5, 30)


# --- The command ----------------------------------------------------------------------------------

@pytest.fixture
def cli_app():
    """A bare app with the command. Commands run inside its app context, so that the command
    reads this app's settings even when a shared fixture has pushed another app."""
    app = Flask(__name__)
    app.config.update(NAME="testing", TODAY=TODAY, SQLALCHEMY_DATABASE_URI="sqlite://")
    db.init_app(app)
    app.cli.add_command(demo_command)
    with app.app_context():
        db.create_all()
    yield app
    with app.app_context():
        db.engine.dispose()


def _invoke(app: Flask, *args: str):
    with app.app_context():
        return app.test_cli_runner().invoke(args=["demo", *args])


def _count(app: Flask, model) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def test_command_builds_the_asked_number_of_schools_and_pupils(cli_app):
    result = _invoke(cli_app, "--schools", "3", "--pupils-per-school", "50")
    assert result.exit_code == 0, result.output
    assert _count(cli_app, Pupil) == 150
    assert _count(cli_app, School) == 3
    assert "sentrack-demo" in result.output
    assert "teacher@demo.test" in result.output


def test_command_refuses_in_production(cli_app):
    cli_app.config["NAME"] = "production"
    result = _invoke(cli_app)
    assert result.exit_code != 0
    assert "production" in result.output
    assert _count(cli_app, School) == 0


def test_command_needs_reset_when_schools_exist_and_reset_rebuilds(cli_app):
    args = ["--schools", "1", "--pupils-per-school", "20"]
    assert _invoke(cli_app, *args).exit_code == 0

    refused = _invoke(cli_app, *args)
    assert refused.exit_code != 0
    assert "--reset" in refused.output

    skipped = _invoke(cli_app, *args, "--if-empty")
    assert skipped.exit_code == 0
    assert "no demo data added" in skipped.output

    rebuilt = _invoke(cli_app, *args, "--reset", "--seed", "5")
    assert rebuilt.exit_code == 0, rebuilt.output
    assert _count(cli_app, Pupil) == 20
    assert _count(cli_app, School) == 1
