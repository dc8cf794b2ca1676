"""The demo's sample Common Transfer File (`sentrack/demo/samples/arrivals.xml`): written by
`samples_ctf.arrivals_ctf`, read back with the problems the import is to show, and addressed to
the demo school."""

from __future__ import annotations

import dataclasses
from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import Session

from sentrack.demo import build_demo, names
from sentrack.demo.samples_ctf import ARRIVALS, MISMATCHED_YEAR, UNKNOWN_NEED, arrivals_ctf, arrivals_xml
from sentrack.models import Base, LocalAuthority, Pupil, School
from sentrack.workflows.ctf_format import RELATIONSHIPS, SEN_PROVISIONS
from sentrack.workflows.ctf_read import read_ctf
from sentrack.workflows.upn import upn_problem

FIRST_DAY = date(2026, 9, 1)  # the 2026/27 academic year


def _read():
    return read_ctf(ARRIVALS.read_bytes(), file_name=ARRIVALS.name)


def test_the_committed_file_is_what_the_function_writes():
    assert ARRIVALS.read_bytes() == arrivals_xml()


def test_the_file_reads_back_to_the_function_s_values_with_one_pupil_in_error():
    read, written = _read(), arrivals_ctf()
    assert read.header == written.header
    assert len(read.pupils) == len(written.pupils) == 12
    problems = {pupil.forename: pupil.problems for pupil in read.pupils if pupil.problems}
    assert problems == {"Mei": (("SENtype", f"‘{UNKNOWN_NEED}’ is not a census need type"),)}
    assert [dataclasses.replace(pupil, problems=()) for pupil in read.pupils] == list(written.pupils)


def test_the_pupils_are_valid_fictional_arrivals_with_contacts():
    pupils = _read().pupils
    upns = [pupil.upn for pupil in pupils]
    assert len(set(upns)) == 12 and all(upn_problem(upn) is None for upn in upns)
    assert all(pupil.sex == names.child_sex(pupil.forename) in ("M", "F") for pupil in pupils)
    children = {name for group in names.NAME_GROUPS for name in group.children}
    surnames = {name for group in names.NAME_GROUPS for name in group.surnames}
    assert all(pupil.forename in children and pupil.surname in surnames for pupil in pupils)
    for pupil in pupils:
        assert pupil.contacts and all(contact.relationship in RELATIONSHIPS for contact in pupil.contacts)
        assert all(contact.phones[0].kind == "M" for contact in pupil.contacts)
        assert all(contact.phones[0].number.startswith("07700 900") for contact in pupil.contacts)
        drama = ("07700 900", "01632 960", "0113 496")
        assert all(phone.number.startswith(drama) for contact in pupil.contacts for phone in contact.phones)
        assert pupil.address and pupil.entry_date >= date(2026, 9, 3)
    kinds = [tuple(phone.kind for phone in contact.phones) for pupil in pupils for contact in pupil.contacts]
    assert ("M", "H") in kinds and ("M", "W") in kinds  # a home landline for some, a work number for the carer
    former = [pupil.former_upn for pupil in pupils if pupil.former_upn]
    assert len(former) == 1 and former[0][-1].isalpha()


def _fits(pupil) -> bool:
    born_from = date(FIRST_DAY.year - pupil.year_group - 5, 9, 1)
    return born_from <= pupil.date_of_birth <= date(born_from.year + 1, 8, 31)


def test_one_pupil_s_year_group_does_not_fit_their_age_and_a_few_have_sen_history():
    pupils = _read().pupils
    assert [pupil.forename for pupil in pupils if not _fits(pupil)] == [MISMATCHED_YEAR]
    with_sen = [pupil for pupil in pupils if pupil.sen]
    assert 3 <= len(with_sen) <= 6
    current = {pupil.forename: pupil.current_provision.provision for pupil in with_sen}
    assert set(current.values()) <= set(SEN_PROVISIONS) and list(current.values()).count("E") == 1
    assert all([need.rank for need in pupil.needs] == list(range(1, len(pupil.needs) + 1)) for pupil in with_sen)
    assert any(len(pupil.needs) == 2 for pupil in with_sen)


def test_the_file_is_for_the_demo_school_and_matches_none_of_its_pupils(app):
    engine = sa.create_engine("sqlite://")
    Base.metadata.create_all(engine)
    with app.app_context(), Session(engine) as session:
        build_demo(session, today=date(2026, 11, 23), pupils_per_school=60)
        school = session.scalar(sa.select(School).where(School.urn == "100001"))
        code = session.scalar(sa.select(LocalAuthority.code).where(LocalAuthority.id == school.local_authority_id))
        destination = _read().header.destination
        assert (destination.la, destination.estab, destination.urn) == (code, school.estab_number, school.urn)
        assert school.dfe_number == f"{code}{school.estab_number}"
        upns = {pupil.upn for pupil in _read().pupils}
        assert not session.scalars(sa.select(Pupil.id).where(Pupil.upn.in_(upns))).all()
    engine.dispose()
