"""The demo's exchange with the MIS and other schools (`sentrack.demo.exchange`, `mis`,
`transfers`): establishment numbers, leavers' next schools, SEN files sent and to send, applied CTF
imports with the MIS's SEN and the differences for the SENCO, transfers between the authority's
schools, last July's year end; and `flask demo` saying where the sample files are."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

import pytest
import sqlalchemy as sa
from flask import Flask
from sqlalchemy.orm import Session

from sentrack import create_app
from sentrack.demo import build_demo, names
from sentrack.demo.dates import school_days_before
from sentrack.demo.exchange import SEN_FILE_AIMS
from sentrack.demo.samples_ctf import ARRIVALS, SAMPLES
from sentrack.extensions import db
from sentrack.models import (
    Base,
    CtfExport,
    DifferenceStatus,
    ExportKind,
    ImportBatch,
    ImportKind,
    ImportStatus,
    MisSen,
    Phase,
    Provision,
    Pupil,
    PupilTransfer,
    Role,
    RoleAssignment,
    School,
    SenDifference,
    SenStatus,
    TeachingGroup,
    TransferStatus,
    User,
    YearEnd,
)
from sentrack.workflows.census_check import census_check
from sentrack.workflows.ctf_format import file_name
from sentrack.workflows.imports import counts, rows_of
from sentrack.workflows.register import on_roll
from sentrack.workflows.upn import upn_problem

TODAY = date(2026, 2, 10)
DETAIL_KEYS = {
    "upn",
    "first_name",
    "last_name",
    "preferred_name",
    "preferred_last_name",
    "date_of_birth",
    "sex",
    "year_group",
    "admitted_on",
    "former_upn",
    "contacts",
}
CONTACT_KEYS = {
    "name",
    "relationship_to_pupil",
    "relationship_code",
    "parental_responsibility",
    "phones",
    "email",
    "address",
}


def _engine() -> sa.Engine:
    engine = sa.create_engine("sqlite://")

    @sa.event.listens_for(engine, "connect")
    def enforce_foreign_keys(connection, _record):
        connection.execute("PRAGMA foreign_keys=ON")

    Base.metadata.create_all(engine)
    return engine


@pytest.fixture(scope="module")
def demo(app):
    """Three schools (two primaries, so that a pupil can move between them) of 140 pupils."""
    engine = _engine()
    with app.app_context(), Session(engine) as session:
        summary = build_demo(session, today=TODAY, schools=3, pupils_per_school=140)
        session.commit()
        yield session, summary
    engine.dispose()


@pytest.fixture(scope="module")
def session(demo):
    return demo[0]


def _schools(session) -> list[School]:
    return list(session.scalars(sa.select(School).order_by(School.urn)))


def _user(session, email: str) -> User:
    return session.scalar(sa.select(User).where(User.email == email))


def _open_status(session, pupil_id: int) -> SenStatus | None:
    return session.scalar(sa.select(SenStatus).where(SenStatus.pupil_id == pupil_id, SenStatus.end_date.is_(None)))


def test_each_school_has_its_establishment_number_and_this_year_s_classes(session):
    schools = _schools(session)
    assert [(s.phase, s.estab_number) for s in schools] == [
        (Phase.PRIMARY, "2001"),
        (Phase.SECONDARY, "4002"),
        (Phase.PRIMARY, "2003"),
    ]
    assert schools[0].dfe_number == "9992001"
    # A primary's pupils were given their UPNs by the school itself.
    assert session.scalar(sa.select(Pupil.upn).where(Pupil.school_id == schools[0].id)).startswith("9992001", 1)
    years = session.scalars(sa.select(TeachingGroup.academic_year).distinct()).all()
    assert years == [2025]
    assert session.scalar(sa.select(sa.func.count()).where(TeachingGroup.ended_on.is_not(None))) == 0


def test_every_pupil_has_the_sex_of_their_first_name_and_a_few_a_former_upn(session):
    for first_name, sex in session.execute(sa.select(Pupil.first_name, Pupil.sex)):
        assert sex == names.child_sex(first_name) and sex in ("M", "F")
    former = session.scalars(sa.select(Pupil.former_upn).where(Pupil.former_upn.is_not(None))).all()
    assert 2 <= len(former) <= 6
    for upn in former:
        assert upn_problem(upn) is None and upn[-1].isalpha()  # a temporary UPN


def test_leavers_go_to_schools_of_the_authority_elsewhere_or_nobody_knows_where(demo):
    session, summary = demo
    schools = {(s.local_authority.code, s.estab_number): s for s in _schools(session)}
    leavers = session.scalars(sa.select(Pupil).where(Pupil.left_on.is_not(None))).all()
    known = [p for p in leavers if p.destination_name]
    assert summary.leavers_with_destination == len(known)
    within = [p for p in known if (p.destination_la, p.destination_estab) in schools]
    assert within and all(
        (schools[(p.destination_la, p.destination_estab)].name, schools[(p.destination_la, p.destination_estab)].urn)
        == (p.destination_name, p.destination_urn)
        for p in within
    )
    elsewhere = [p for p in known if p.destination_la != "999"]
    assert elsewhere and all(len(p.destination_estab) == 4 and len(p.destination_urn) == 6 for p in elsewhere)
    assert len(known) < len(leavers)  # some unknown
    assert all(p.destination_name is None for p in leavers if p.leaving_reason == "Educated at home")


def test_the_demo_school_s_sen_leavers_left_as_their_sen_files_fell_due_and_one_was_sent(demo):
    session, summary = demo
    school, senco = _schools(session)[0], _user(session, "senco@demo.test")
    leavers = session.scalars(
        sa.select(Pupil).where(Pupil.school_id == school.id, Pupil.left_on.is_not(None)).order_by(Pupil.left_on)
    ).all()
    assert [p.left_on for p in leavers] == [school_days_before(TODAY, aim) for aim in SEN_FILE_AIMS]
    assert all(_open_status(session, p.id).provision in (Provision.SEN_SUPPORT, Provision.EHC_PLAN) for p in leavers)
    assert all(p.destination_la and p.destination_estab for p in leavers)
    sent, overdue, due = leavers
    exports = session.scalars(sa.select(CtfExport).order_by(CtfExport.sequence)).all()
    assert summary.ctf_exports == len(exports) == 2
    assert [(e.pupil_id, e.kind, e.sequence) for e in exports] == [
        (sent.id, ExportKind.CTF, 1),
        (sent.id, ExportKind.PACK, 2),
    ]
    destination = sent.destination_la + sent.destination_estab
    for export in exports:
        assert export.destination == destination and export.school_id == school.id
        assert export.file_name == file_name("9992001", destination, export.sequence)
        assert export.exported_by_id == senco.id
        assert sent.left_on < export.exported_at.date() < school_days_before(TODAY, SEN_FILE_AIMS[1])
    assert exports[0].exported_at < exports[1].exported_at
    # The others' files are still to send: one past the 15 school days, one due soon.
    assert school_days_before(TODAY, 16) > overdue.left_on and due.left_on > school_days_before(TODAY, 15)


def _batches(session) -> list[ImportBatch]:
    return list(session.scalars(sa.select(ImportBatch).order_by(ImportBatch.uploaded_at)))


def test_two_ctf_imports_from_the_mis_were_applied_by_the_administrator(session):
    school, admin = _schools(session)[0], _user(session, "admin@demo.test")
    batches = _batches(session)
    assert len(batches) == 2
    for sequence, batch in enumerate(batches, start=1):
        assert (batch.school_id, batch.kind, batch.status) == (school.id, ImportKind.CTF, ImportStatus.APPLIED)
        assert batch.uploaded_by_id == batch.decided_by_id == admin.id
        assert batch.uploaded_at < batch.decided_at < batch.uploaded_at.replace(hour=23)
        assert batch.file_name == file_name("9992001", "9992001", sequence)
        assert len(batch.digest) == 64
        assert batch.header["destination"] == {
            "la": "999",
            "estab": "2001",
            "urn": "100001",
            "name": None,
            "academic_year": None,
        }
        rows = rows_of(batch)
        assert batch.counts == counts(rows)
        on_roll_then = set(
            session.scalars(sa.select(Pupil.id).where(Pupil.school_id == school.id, on_roll(batch.decided_at.date())))
        )
        unchanged = {row.record_id for row in rows if row.status == "unchanged"}
        assert unchanged <= on_roll_then and len(unchanged) >= len(on_roll_then) - 1
    earlier, recent = batches
    assert school_days_before(TODAY, 4) < recent.decided_at.date() < TODAY
    assert (earlier.counts["sen_differences"], recent.counts["sen_differences"]) == (2, 3)
    assert recent.counts["transfers"] >= 1 and recent.counts["new"] == recent.counts["transfers"]


def test_the_mis_s_sen_is_sen_track_s_but_for_the_three_differences_the_census_check_flags(demo):
    session, summary = demo
    school, recent = _schools(session)[0], _batches(session)[-1]
    on_roll_now = set(session.scalars(sa.select(Pupil.id).where(Pupil.school_id == school.id, on_roll(TODAY))))
    mis = session.scalars(sa.select(MisSen)).all()
    assert {m.pupil_id for m in mis} == on_roll_now and {m.batch_id for m in mis} == {recent.id}
    open_differences = session.scalars(
        sa.select(SenDifference).where(SenDifference.status == DifferenceStatus.OPEN)
    ).all()
    assert summary.sen_differences_open == len(open_differences) == 3
    assert {d.batch_id for d in open_differences} == {recent.id}
    flagged = {
        row.pupil_id
        for row in census_check(session, school.id, TODAY).rows
        if any(flag.kind == "disagrees" for flag in row.flags)
    }
    assert flagged == {d.pupil_id for d in open_differences}
    kinds = set()
    for difference in open_differences:
        status = _open_status(session, difference.pupil_id)
        ours = status.provision if status else Provision.NONE
        kinds.add((ours, difference.provision))
    assert (Provision.NONE, Provision.SEN_SUPPORT) in kinds  # K in the MIS where SEN Track has N
    assert (Provision.SEN_SUPPORT, Provision.SEN_SUPPORT) in kinds  # another primary need


def test_one_difference_was_kept_and_one_accepted_by_the_senco_after_the_earlier_import(session):
    earlier, senco = _batches(session)[0], _user(session, "senco@demo.test")
    decided = session.scalars(
        sa.select(SenDifference).where(SenDifference.status != DifferenceStatus.OPEN).order_by(SenDifference.status)
    ).all()
    assert sorted(d.status for d in decided) == [DifferenceStatus.ACCEPTED, DifferenceStatus.KEPT]
    for difference in decided:
        assert (difference.batch_id, difference.decided_by_id) == (earlier.id, senco.id)
        assert earlier.decided_at < difference.decided_at < _batches(session)[1].decided_at
        status = _open_status(session, difference.pupil_id)
        accepted = (status.provision, status.primary_need, status.secondary_need) == (
            difference.provision,
            difference.primary_need,
            difference.secondary_need,
        )
        assert accepted is (difference.status is DifferenceStatus.ACCEPTED)


def test_a_pupil_arriving_from_the_other_primary_waits_for_its_senco(demo):
    session, summary = demo
    demo_school, _secondary, other = _schools(session)
    [transfer] = session.scalars(sa.select(PupilTransfer).where(PupilTransfer.status == TransferStatus.AWAITING))
    assert summary.transfers_awaiting == 1
    pupil = transfer.from_pupil
    assert pupil.school_id == other.id and pupil.left_on is None
    assert (transfer.to_school_id, transfer.to_pupil_id) == (demo_school.id, None)
    assert transfer.requested_by_id == _user(session, "admin@demo.test").id
    assert transfer.batch_id == _batches(session)[-1].id
    details = transfer.details
    assert set(details) == DETAIL_KEYS
    assert (details["upn"], details["date_of_birth"], details["year_group"]) == (
        pupil.upn,
        pupil.date_of_birth.isoformat(),
        pupil.year_group,
    )
    assert date.fromisoformat(details["admitted_on"]) == transfer.requested_at.date()
    assert details["contacts"] and all(set(c) == CONTACT_KEYS for c in details["contacts"])
    assert all(c["relationship_code"] in ("PAM", "PAF", "STM", "STF", "FAM", "CAR") for c in details["contacts"])
    rows = [row for row in rows_of(_batches(session)[-1]) if row.transfer_from == pupil.id]
    assert len(rows) == 1 and rows[0].values == details


def test_a_pupil_who_moved_between_the_primaries_was_confirmed_with_the_sen_history_copied(demo):
    session, summary = demo
    demo_school, _secondary, other = _schools(session)
    [transfer] = session.scalars(sa.select(PupilTransfer).where(PupilTransfer.status == TransferStatus.CONFIRMED))
    assert summary.transfers_confirmed == 1
    old, new = transfer.from_pupil, transfer.to_pupil
    assert (old.school_id, new.school_id) == (other.id, demo_school.id)
    assert new.previous_pupil_id == old.id
    fields = ("upn", "first_name", "last_name", "date_of_birth", "sex", "year_group")
    assert [getattr(new, f) for f in fields] == [getattr(old, f) for f in fields]
    assert new.admitted_on == old.left_on < transfer.requested_at.date() + date.resolution
    assert old.leaving_reason.startswith("Moved to another school")
    assert (old.destination_name, old.destination_urn, old.destination_estab) == (
        demo_school.name,
        demo_school.urn,
        "2001",
    )
    assert transfer.decided_by_id == _senco_of(session, other.id)
    assert transfer.requested_at < transfer.decided_at < datetime.combine(TODAY, time(0), tzinfo=UTC)
    copied = session.scalars(sa.select(SenStatus).where(SenStatus.pupil_id == new.id)).all()
    kept = session.scalars(sa.select(SenStatus).where(SenStatus.pupil_id == old.id)).all()
    assert sorted((s.provision, s.start_date, s.end_date) for s in copied) == sorted(
        (s.provision, s.start_date, s.end_date) for s in kept
    )
    assert all(s.reason.startswith(f"Copied from the previous school ({other.name}): ") for s in copied)
    assert set(transfer.details) == DETAIL_KEYS and transfer.details["upn"] == new.upn


def _senco_of(session, school_id: int) -> int:
    return session.scalar(
        sa.select(User.id)
        .join(RoleAssignment, RoleAssignment.user_id == User.id)
        .where(User.school_id == school_id, RoleAssignment.role == Role.SENCO)
    )


def test_last_july_s_year_end_was_run_by_the_senco(session):
    school, senco = _schools(session)[0], _user(session, "senco@demo.test")
    [year_end] = session.scalars(sa.select(YearEnd)).all()
    assert (year_end.school_id, year_end.academic_year, year_end.run_by_id) == (school.id, 2024, senco.id)
    assert year_end.run_at.date() == date(2025, 7, 22)
    summary = year_end.summary
    assert set(summary) == {"pupils_moved", "finishing", "classes_ended", "classes_opened"}
    assert summary["classes_opened"] == 14 and 0 < summary["finishing"] < summary["pupils_moved"] < 140


def test_with_two_schools_the_arrival_comes_from_the_second_and_the_same_seed_gives_the_same_exchange(app):
    def exchange(seed: int) -> tuple:
        engine = _engine()
        with app.app_context(), Session(engine) as session:
            build_demo(session, today=TODAY, seed=seed, pupils_per_school=60)
            schools = _schools(session)
            transfers = session.scalars(sa.select(PupilTransfer)).all()
            assert [(t.status, t.from_pupil.school_id) for t in transfers] == [(TransferStatus.AWAITING, schools[1].id)]
            found = (
                [(t.from_pupil_id, t.details) for t in transfers],
                [(b.rows, b.counts) for b in _batches(session)],
                session.execute(sa.select(SenDifference.pupil_id, SenDifference.status)).all(),
                session.execute(sa.select(Pupil.id, Pupil.destination_name, Pupil.former_upn)).all(),
            )
        engine.dispose()
        return found

    assert exchange(5) == exchange(5)


# --- The command ----------------------------------------------------------------------------------


@pytest.fixture
def cli_app():
    app = create_app({"TESTING": True, "TODAY": TODAY, "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    with app.app_context():
        db.create_all()
    yield app
    with app.app_context():
        db.engine.dispose()


def test_the_command_says_where_the_sample_files_are_and_what_waits_at_the_demo_school(cli_app: Flask):
    with cli_app.app_context():
        result = cli_app.test_cli_runner().invoke(args=["demo", "--schools", "1", "--pupils-per-school", "30"])
    assert result.exit_code == 0, result.output
    assert f"Sample files to import are in {SAMPLES}\n" in result.output
    assert ARRIVALS.parent == SAMPLES and ARRIVALS.is_file()
    assert "leavers with a destination" in result.output
    assert "SEN differences to reconcile" in result.output


def test_each_row_of_the_demo_s_imports_holds_the_pupil_as_the_file_gave_them(session):
    """The preview of an applied demo import reads each row as the planner writes it: the
    pupil's details, and where the file's SEN differs, the SEN the difference holds."""
    from sentrack.imports.queries import file_sen
    from sentrack.workflows.ctf_rows import current_sen

    differences = {
        (difference.batch_id, difference.pupil_id): difference
        for difference in session.scalars(sa.select(SenDifference))
    }
    for batch in _batches(session):
        for row in rows_of(batch):
            if row.transfer_from is not None:
                continue
            pupil = session.get(Pupil, row.record_id)
            assert (row.values["upn"], row.values["last_name"]) == (pupil.upn, pupil.last_name)
            assert row.values["date_of_birth"] == pupil.date_of_birth.isoformat()
            sen = current_sen(row.values)
            difference = differences.get((batch.id, pupil.id))
            assert row.sen_differs is (difference is not None)
            if difference is not None:
                assert (sen.provision, sen.primary_need) == (difference.provision, difference.primary_need)
                assert file_sen(row).startswith(difference.provision.label)
            else:
                status = _open_status(session, pupil.id)
                assert sen.provision == (status.provision if status else Provision.NONE)
