"""Importing a Common Transfer File: the preview of each pupil (new, changed field by field,
unchanged, in error), how each was matched, what confirming stores, re-importing, SEN that differs
from the school's record, transfers from another school, and the command line."""

from __future__ import annotations

import json
from datetime import date

import pytest
import sqlalchemy as sa

from sentrack.models import (
    AuditEvent,
    Contact,
    ContactMethod,
    ContactPhone,
    DifferenceStatus,
    ImportBatch,
    ImportKind,
    ImportStatus,
    LocalAuthority,
    MisSen,
    NeedType,
    Phase,
    Provision,
    Pupil,
    Role,
    School,
    SenDifference,
    SenStatus,
)
from sentrack.workflows import RuleBroken, imports
from sentrack.workflows.sen_differences import accept_difference, keep_school_record
from sentrack.workflows.upn import check_letter
from sentrack.workflows.year_groups import expected_year
from tests import ctf_samples
from tests.conftest import TODAY
from tests.ctf_samples import ADDRESS_XML, contact_xml, ctf_xml, many_pupils, pupil_xml, sample_upn
from tests.factories import make_user

OAK = ("999", "2001", "900001")  # the world's school: LA 999, establishment 2001, URN 900001
ASH = ("999", "2002", "900002")


@pytest.fixture
def schools(world, session):
    world.school.estab_number = "2001"
    world.sibling.estab_number = "2002"
    session.commit()
    return world


def oak_file(*pupils: str, dest=OAK) -> bytes:
    return ctf_xml(*pupils, dest=dest)


def preview(session, world, data: bytes, *, actor="admin", file_name="8201234_CTF_9992001_001.xml"):
    return imports.preview(
        session,
        actor=world.users[actor] if actor else None,
        school=world.school,
        kind=ImportKind.CTF,
        file_name=file_name,
        data=data,
        today=TODAY,
    )


def confirm(session, world, batch, actor="admin"):
    imports.confirm(session, actor=world.users[actor] if actor else None, batch=batch, today=TODAY)
    session.commit()


def rows(batch):
    return imports.rows_of(batch)


def pupil_by_upn(session, upn: str) -> Pupil:
    return session.scalar(sa.select(Pupil).where(Pupil.upn == upn))


def upn_of(pupil: Pupil) -> str:
    return pupil.upn


# --- New pupils: what confirming stores ---------------------------------------------------------


def test_a_new_pupil_is_stored_with_every_field_contacts_and_sen_history(schools, session):
    upn, former = sample_upn(501), sample_upn(502)
    data = oak_file(
        pupil_xml(
            upn=upn,
            former_upn=former,
            surname="SMITH",
            forename="JO",
            preferred_surname="Smith-Jones",
            preferred_forename="Joey",
            dob="2015-05-01",
            sex="F",
            year="6",
            sen=(("2021-09-06", "K"), ("2023-01-09", "E")),
            needs=((1, "SLCN"), (2, "SPLD")),
            contacts=(
                contact_xml(order=1, forename="Ann", surname="Smith", relationship="PAM"),
                contact_xml(
                    order=2,
                    title="Mr",
                    forename="Bob",
                    surname="Smith",
                    relationship="PAF",
                    responsibility="false",
                    address_as_pupil=False,
                    address_xml=ADDRESS_XML,
                    phones=(),
                    email="bob@example.org",
                ),
            ),
            entry_date="2019-09-04",
        )
    )
    batch = preview(session, schools, data)
    session.commit()
    (row,) = rows(batch)
    assert (row.status, row.match, row.label) == ("new", None, "JO SMITH")
    assert batch.counts["new"] == 1 and batch.status is ImportStatus.PREVIEW
    assert pupil_by_upn(session, upn) is None  # nothing stored before confirming

    confirm(session, schools, batch)

    pupil = pupil_by_upn(session, upn)
    assert pupil.school_id == schools.school.id
    assert (pupil.first_name, pupil.last_name) == ("JO", "SMITH")
    assert (pupil.preferred_name, pupil.preferred_last_name) == ("Joey", "Smith-Jones")
    assert (pupil.date_of_birth, pupil.sex, pupil.former_upn) == (date(2015, 5, 1), "F", former)
    assert (pupil.year_group, pupil.admitted_on, pupil.left_on) == (6, date(2019, 9, 4), None)
    contacts = session.scalars(sa.select(Contact).where(Contact.pupil_id == pupil.id).order_by(Contact.priority)).all()
    assert [(c.name, c.relationship_code, c.relationship_to_pupil) for c in contacts] == [
        ("Ann Smith", "PAM", "Mother"),
        ("Bob Smith", "PAF", "Father"),
    ]
    ann, bob = contacts
    assert (ann.parental_responsibility, ann.phone, ann.email) == (True, "07700900000", "ann@example.org")
    assert ann.phone_numbers == (("M", "07700900000"),)
    assert ann.address and "High St" in ann.address and ann.preferred_contact is ContactMethod.PHONE
    assert (bob.parental_responsibility, bob.phone, bob.email) == (False, None, "bob@example.org")
    assert bob.phone_numbers == ()
    assert bob.preferred_contact is ContactMethod.EMAIL
    statuses = session.scalars(
        sa.select(SenStatus).where(SenStatus.pupil_id == pupil.id).order_by(SenStatus.start_date)
    ).all()
    assert [(s.provision, s.primary_need, s.secondary_need, s.start_date, s.end_date) for s in statuses] == [
        (Provision.SEN_SUPPORT, NeedType.SLCN, NeedType.SPLD, date(2021, 9, 6), date(2023, 1, 8)),
        (Provision.EHC_PLAN, NeedType.SLCN, NeedType.SPLD, date(2023, 1, 9), None),
    ]
    assert all("8201234_CTF_9992001_001.xml" in s.reason for s in statuses)
    kept = session.get(MisSen, pupil.id)
    assert (kept.provision, kept.start_date, kept.batch_id) == (Provision.EHC_PLAN, date(2023, 1, 9), batch.id)
    assert kept.needs == [{"rank": 1, "type": "SLCN"}, {"rank": 2, "type": "SPLD"}]
    actions = session.scalars(sa.select(AuditEvent.action).where(AuditEvent.pupil_id == pupil.id)).all()
    assert {"pupil_added", "contact_added", "sen_history_imported"} <= set(actions)
    assert session.get(ImportBatch, batch.id).status is ImportStatus.APPLIED


def test_the_preview_names_how_each_pupil_was_matched(schools, session):
    by_upn = schools.pupils["taught"]
    by_former = schools.pupils["taught_plain"]
    by_name = schools.pupils["untaught_k"]
    temporary = by_former.upn
    data = oak_file(
        _pupil_of(by_upn),
        _pupil_of(by_former, upn=sample_upn(601), former_upn=temporary),
        _pupil_of(by_name, upn=sample_upn(602), surname="ELLIS", forename="dev"),
        pupil_xml(upn=sample_upn(603), surname="NEW", forename="PUPIL", dob="2017-03-01", year="4"),
    )

    planned = rows(preview(session, schools, data))

    assert [(r.status, r.match, r.record_id) for r in planned] == [
        ("unchanged", "upn", by_upn.id),
        ("changed", "former_upn", by_former.id),
        ("changed", "name_dob", by_name.id),
        ("new", None, None),
    ]
    assert [c.field for c in planned[1].changes] == ["upn", "former_upn"]
    assert planned[1].changes[0].was == temporary and planned[1].changes[0].becomes == sample_upn(601)
    assert [c.field for c in planned[2].changes] == ["upn"]


def test_a_pupil_on_the_roll_is_matched_before_one_who_left_with_the_same_upn(schools, session):
    on_roll = schools.pupils["taught"]
    left = Pupil(
        school_id=schools.school.id,
        upn=on_roll.upn,
        first_name="Ada",
        last_name="Brook",
        date_of_birth=on_roll.date_of_birth,
        year_group=4,
        admitted_on=date(2020, 9, 1),
        left_on=date(2021, 7, 20),
        leaving_reason="Moved away",
    )
    session.add(left)
    session.commit()

    (row,) = rows(preview(session, schools, oak_file(pupil_xml(upn=on_roll.upn))))

    assert (row.match, row.record_id) == ("upn", on_roll.id)


# --- Changed and unchanged ------------------------------------------------------------------------


def _pupil_of(pupil: Pupil, **changes) -> str:
    """The pupil as a file gives them, with no more than SEN Track holds, and `changes`."""
    given = {
        "upn": pupil.upn,
        "surname": pupil.last_name.upper(),
        "forename": pupil.first_name,
        "dob": pupil.date_of_birth.isoformat(),
        "year": str(pupil.year_group),
        "sen": (),
        "needs": (),
        "contacts": (),
        "entry_date": None,
        "sex": None,
    }
    return pupil_xml(**(given | changes))


def _file_of(pupil: Pupil, **changes) -> bytes:
    return oak_file(_pupil_of(pupil, **changes))


def test_a_changed_pupil_is_shown_field_by_field_and_only_those_fields_change(schools, session):
    pupil = schools.pupils["taught_plain"]
    data = _file_of(pupil, forename="Benjamin", year="5", sex="M", entry_date="2021-09-01")

    batch = preview(session, schools, data)
    (row,) = rows(batch)

    assert row.status == "changed"
    assert {(c.field, c.was, c.becomes) for c in row.changes} == {
        ("first_name", "Ben", "Benjamin"),
        ("year_group", "Year 4", "Year 5"),
        ("sex", "(blank)", "Male"),
        ("admitted_on", "(blank)", "1 September 2021"),
    }
    version = pupil.version
    confirm(session, schools, batch)
    session.refresh(pupil)
    assert (pupil.first_name, pupil.year_group, pupil.sex, pupil.admitted_on) == ("Benjamin", 5, "M", date(2021, 9, 1))
    assert pupil.last_name == "Cole"  # the file's capitals are no change
    assert pupil.version == version + 1
    event = session.scalar(
        sa.select(AuditEvent).where(AuditEvent.pupil_id == pupil.id, AuditEvent.action == "pupil_updated")
    )
    assert event.details == {"fields": ["admitted_on", "first_name", "sex", "year_group"]}  # names, never values


def test_contacts_are_added_and_changed_and_none_is_removed(schools, session):
    pupil = schools.pupils["taught_plain"]  # has "Parent of Ben" (phone 07700 900123)
    data = _file_of(
        pupil,
        contacts=(
            contact_xml(forename="Parent of", surname="Ben", relationship="CAR", phones=("07700900999",), email=None),
            contact_xml(forename="Gran", surname="Cole", relationship="FAM"),
        ),
        sex=None,
    )

    batch = preview(session, schools, data)
    (row,) = rows(batch)
    assert row.status == "changed"
    labels = {c.label for c in row.changes}
    assert "Contact added" in labels and "Parent of Ben: phones" in labels and "Parent of Ben: relationship" in labels
    phones = next(c for c in row.changes if c.label == "Parent of Ben: phones")
    assert (phones.was, phones.becomes) == ("07700 900123", "07700900999 (mobile)")

    confirm(session, schools, batch)
    session.expire_all()
    contacts = {c.name: c for c in session.get(Pupil, pupil.id).contacts}
    assert set(contacts) == {"Parent of Ben", "Gran Cole"}
    assert (contacts["Parent of Ben"].phone, contacts["Parent of Ben"].relationship_code) == ("07700900999", "CAR")
    assert contacts["Parent of Ben"].relationship_to_pupil == "Carer"
    assert contacts["Gran Cole"].relationship_to_pupil == "Other family member"


THREE_PHONES = (("M", "07700 900111"), ("H", "01632 960111"), (None, "0113 496 0111"))


def test_a_contact_keeps_all_three_phones_and_the_same_file_again_changes_nothing(schools, session):
    pupil = schools.pupils["taught_plain"]
    data = _file_of(pupil, contacts=(contact_xml(forename="Gran", surname="Cole", phones=THREE_PHONES),), sex=None)
    confirm(session, schools, preview(session, schools, data))
    session.expire_all()
    gran = next(c for c in session.get(Pupil, pupil.id).contacts if c.name == "Gran Cole")
    assert gran.phone_numbers == THREE_PHONES
    assert gran.phones_shown == "07700 900111 (mobile), 01632 960111 (home), 0113 496 0111"
    before = _everything(session)

    again = preview(session, schools, data)
    assert again.counts["unchanged"] == 1 and again.counts["changed"] == 0
    confirm(session, schools, again)
    assert _everything(session) == before


def test_phones_in_another_order_or_of_another_kind_are_a_change_and_replace_the_held_ones(schools, session):
    pupil = schools.pupils["taught_plain"]
    first = _file_of(pupil, contacts=(contact_xml(forename="Gran", surname="Cole", phones=THREE_PHONES),), sex=None)
    confirm(session, schools, preview(session, schools, first))
    swapped = (("W", "01632 960111"), ("M", "07700 900111"))
    data = _file_of(pupil, contacts=(contact_xml(forename="Gran", surname="Cole", phones=swapped),), sex=None)

    batch = preview(session, schools, data)
    (row,) = rows(batch)
    (change,) = [c for c in row.changes if c.field == "contact.phones"]
    assert change.was == "07700 900111 (mobile), 01632 960111 (home), 0113 496 0111"
    assert change.becomes == "01632 960111 (work), 07700 900111 (mobile)"
    confirm(session, schools, batch)
    session.expire_all()
    gran = next(c for c in session.get(Pupil, pupil.id).contacts if c.name == "Gran Cole")
    assert gran.phone_numbers == swapped
    assert (
        session.scalar(sa.select(sa.func.count()).select_from(ContactPhone).where(ContactPhone.contact_id == gran.id))
        == 2
    )


def test_a_file_giving_no_phone_keeps_the_held_ones(schools, session):
    pupil = schools.pupils["taught_plain"]  # "Parent of Ben" has 07700 900123
    data = _file_of(pupil, contacts=(contact_xml(forename="Parent of", surname="Ben", phones=()),), sex=None)
    confirm(session, schools, preview(session, schools, data))
    session.expire_all()
    ben = next(c for c in session.get(Pupil, pupil.id).contacts if c.name == "Parent of Ben")
    assert ben.phone_numbers == ((None, "07700 900123"),)


def test_a_phone_number_too_long_to_keep_is_left_out_with_a_warning(schools, session):
    pupil = schools.pupils["taught_plain"]
    phones = (("M", "07700 900222"), ("H", "0" * 31))
    data = _file_of(pupil, contacts=(contact_xml(forename="Gran", surname="Cole", phones=phones),), sex=None)
    batch = preview(session, schools, data)
    (row,) = rows(batch)
    assert "A phone number longer than 30 characters is not kept" in row.warnings
    confirm(session, schools, batch)
    session.expire_all()
    gran = next(c for c in session.get(Pupil, pupil.id).contacts if c.name == "Gran Cole")
    assert gran.phone_numbers == (("M", "07700 900222"),)


def test_re_importing_the_same_file_changes_nothing(schools, session):
    data = many_pupils(12, dest=OAK)
    first = preview(session, schools, data)
    confirm(session, schools, first)
    before = _everything(session)

    again = preview(session, schools, data)
    assert again.counts["unchanged"] == 12 and again.counts["new"] == again.counts["changed"] == 0
    confirm(session, schools, again)

    assert _everything(session) == before


def _everything(session) -> dict:
    session.expire_all()
    pupils = [
        (p.upn, p.first_name, p.last_name, p.year_group, p.version, p.updated_at)
        for p in session.scalars(sa.select(Pupil).order_by(Pupil.id))
    ]
    pupil_events = session.scalar(
        sa.select(sa.func.count()).select_from(AuditEvent).where(AuditEvent.pupil_id.is_not(None))
    )
    return {
        "pupils": pupils,
        "contacts": session.scalar(sa.select(sa.func.count()).select_from(Contact)),
        "phones": session.execute(
            sa.select(
                ContactPhone.id, ContactPhone.contact_id, ContactPhone.position, ContactPhone.kind, ContactPhone.number
            ).order_by(ContactPhone.id)
        ).all(),
        "statuses": session.scalar(sa.select(sa.func.count()).select_from(SenStatus)),
        "differences": session.scalar(sa.select(sa.func.count()).select_from(SenDifference)),
        "mis": [(m.pupil_id, m.batch_id) for m in session.scalars(sa.select(MisSen).order_by(MisSen.pupil_id))],
        "pupil_events": pupil_events,
    }


# --- Errors and warnings --------------------------------------------------------------------------


def test_rows_in_error_say_why_and_confirming_applies_the_others(schools, session):
    bad_upn = "A" + sample_upn(701)[1:]
    if check_letter(bad_upn[1:]) == "A":
        bad_upn = "B" + bad_upn[1:]
    twice = sample_upn(702)
    data = oak_file(
        pupil_xml(upn=bad_upn, surname="BAD", forename="UPN"),
        pupil_xml(upn=twice, surname="ONE", forename="TWICE"),
        pupil_xml(upn=twice, surname="TWO", forename="TWICE"),
        pupil_xml(upn=sample_upn(703), surname="LATER", forename="BORN", dob="2027-01-01"),
        pupil_xml(upn=sample_upn(704), surname="GOOD", forename="ROW"),
    )

    batch = preview(session, schools, data)
    planned = rows(batch)

    assert [r.status for r in planned] == ["error", "error", "error", "error", "new"]
    assert planned[0].errors == [("upn", "This UPN's check letter does not match: check it has been copied correctly")]
    assert planned[1].errors == [("upn", "The same UPN is given to more than one pupil in this file")]
    assert planned[3].errors == [("date_of_birth", "The date of birth must be in the past")]
    assert batch.counts["errors"] == 4

    confirm(session, schools, batch)
    assert pupil_by_upn(session, sample_upn(704)) is not None
    assert pupil_by_upn(session, twice) is None and pupil_by_upn(session, sample_upn(703)) is None


def test_a_year_group_that_does_not_fit_the_age_is_a_warning_only(schools, session):
    born = date(2016, 3, 10)
    expected = expected_year(born, TODAY)
    data = oak_file(pupil_xml(upn=sample_upn(801), dob=born.isoformat(), year=str(expected + 2)))

    (row,) = rows(preview(session, schools, data))

    assert row.status == "new" and not row.errors
    assert row.warnings == [f"Year {expected + 2} does not fit the date of birth (Year {expected} expected)"]


def test_the_expected_year_follows_the_september_birthday_rule():
    assert expected_year(date(2020, 8, 31), date(2026, 11, 27)) == 2  # Reception 2024/25
    assert expected_year(date(2020, 9, 1), date(2026, 11, 27)) == 1
    assert expected_year(date(2015, 5, 1), date(2026, 3, 4)) == 6


def test_a_file_for_another_school_is_refused_naming_the_file_and_nothing_is_stored(schools, session):
    before = session.scalar(sa.select(sa.func.count()).select_from(ImportBatch))
    for dest in (ASH, ("998", "7777", "123456"), (None, None, None)):
        with pytest.raises(RuleBroken) as refused:
            preview(session, schools, oak_file(pupil_xml(), dest=dest), file_name="other.xml")
        assert refused.value.field == "file" and "other.xml" in refused.value.message
        session.rollback()
    assert session.scalar(sa.select(sa.func.count()).select_from(ImportBatch)) == before


def test_a_file_named_by_urn_alone_or_from_the_previous_school_is_taken(schools, session):
    for dest in ((None, None, "900001"), ("999", "LLLL", "900001")):
        batch = preview(session, schools, ctf_xml(pupil_xml(upn=sample_upn(901)), dest=dest, source=ASH))
        assert batch.counts["new"] == 1


def test_the_la_and_establishment_number_name_the_school_before_the_urn(schools, session):
    """DestSchool names the school by LA and establishment number, else by URN: a URN that
    disagrees with the numbers is not what decides."""
    batch = preview(session, schools, oak_file(pupil_xml(upn=sample_upn(902)), dest=("999", "2001", "900002")))
    assert batch.counts["new"] == 1
    with pytest.raises(RuleBroken) as refused:
        preview(session, schools, oak_file(pupil_xml(), dest=("999", "2002", "900001")), file_name="ash.xml")
    assert (
        refused.value.message
        == "ash.xml is a Common Transfer File for another school: it cannot be imported for Oak Primary"
    )
    unknown_numbers = preview(
        session, schools, oak_file(pupil_xml(upn=sample_upn(903)), dest=("999", "7777", "900001"))
    )
    assert unknown_numbers.counts["new"] == 1


# --- SEN that differs from the school's record -----------------------------------------------------


def _sen_file(pupil: Pupil, provision="E", needs=((1, "ASD"),), start="2026-10-01") -> bytes:
    return _file_of(pupil, sen=((start, provision),), needs=needs)


def test_sen_that_differs_is_set_aside_for_the_senco_and_is_not_a_change(schools, session):
    pupil = schools.pupils["taught"]  # K, SPLD in SEN Track
    batch = preview(session, schools, _sen_file(pupil))
    (row,) = rows(batch)
    assert (row.status, row.sen_differs, row.changes) == ("unchanged", True, [])
    assert batch.counts["sen_differences"] == 1

    confirm(session, schools, batch)

    status = session.scalar(sa.select(SenStatus).where(SenStatus.pupil_id == pupil.id, SenStatus.end_date.is_(None)))
    assert (status.provision, status.primary_need) == (Provision.SEN_SUPPORT, NeedType.SPLD)  # never overwritten
    difference = session.scalar(sa.select(SenDifference).where(SenDifference.pupil_id == pupil.id))
    assert (difference.status, difference.provision, difference.primary_need) == (
        DifferenceStatus.OPEN,
        Provision.EHC_PLAN,
        NeedType.ASD,
    )
    assert difference.batch_id == batch.id and difference.start_date == date(2026, 10, 1)
    assert session.get(MisSen, pupil.id).provision is Provision.EHC_PLAN


def test_a_newer_import_replaces_the_open_difference_and_the_same_one_is_not_repeated(schools, session):
    pupil = schools.pupils["taught"]
    confirm(session, schools, preview(session, schools, _sen_file(pupil)))
    confirm(session, schools, preview(session, schools, _sen_file(pupil)))
    assert session.scalar(sa.select(sa.func.count()).select_from(SenDifference)) == 1

    newer = preview(session, schools, _sen_file(pupil, needs=((1, "SEMH"),)))
    confirm(session, schools, newer)

    (difference,) = session.scalars(sa.select(SenDifference)).all()
    assert (difference.primary_need, difference.batch_id, difference.status) == (
        NeedType.SEMH,
        newer.id,
        DifferenceStatus.OPEN,
    )


def test_accepting_a_difference_changes_the_status_through_the_sen_status_rules(schools, session):
    pupil = schools.pupils["taught"]
    confirm(session, schools, preview(session, schools, _sen_file(pupil)))
    difference = session.scalar(sa.select(SenDifference))

    accept_difference(session, actor=schools.users["senco"], difference=difference, today=TODAY)
    session.commit()

    statuses = session.scalars(
        sa.select(SenStatus).where(SenStatus.pupil_id == pupil.id).order_by(SenStatus.start_date)
    ).all()
    assert [(s.provision, s.primary_need, s.start_date, s.end_date) for s in statuses] == [
        (Provision.SEN_SUPPORT, NeedType.SPLD, date(2025, 9, 10), date(2026, 9, 30)),
        (Provision.EHC_PLAN, NeedType.ASD, date(2026, 10, 1), None),
    ]
    assert difference.status is DifferenceStatus.ACCEPTED and difference.decided_by_id == schools.users["senco"].id
    with pytest.raises(RuleBroken):
        keep_school_record(session, actor=schools.users["senco"], difference=difference, today=TODAY)
    session.rollback()
    # Imported again, the file now agrees with the school's record.
    (row,) = rows(preview(session, schools, _sen_file(pupil)))
    assert row.sen_differs is False


def test_a_difference_the_senco_kept_does_not_come_back_with_the_same_file(schools, session):
    pupil = schools.pupils["taught"]
    confirm(session, schools, preview(session, schools, _sen_file(pupil)))
    difference = session.scalar(sa.select(SenDifference))
    keep_school_record(session, actor=schools.users["senco"], difference=difference, today=TODAY)
    session.commit()

    batch = preview(session, schools, _sen_file(pupil))
    (row,) = rows(batch)
    assert row.sen_differs is False and batch.counts["sen_differences"] == 0
    confirm(session, schools, batch)
    assert session.scalar(sa.select(sa.func.count()).select_from(SenDifference)) == 1
    # Other values than those kept are set aside again.
    confirm(session, schools, preview(session, schools, _sen_file(pupil, needs=((1, "HI"),))))
    assert session.scalar(sa.select(sa.func.count()).select_from(SenDifference)) == 2


# --- Confirming once ------------------------------------------------------------------------------


def test_a_preview_is_applied_once_however_often_it_is_confirmed(schools, session):
    batch = preview(session, schools, oak_file(pupil_xml(upn=sample_upn(951))))
    session.commit()
    confirm(session, schools, batch)

    with pytest.raises(RuleBroken, match="already been applied"):
        imports.confirm(session, actor=schools.users["senco"], batch=batch, today=TODAY)
    session.rollback()
    assert session.scalar(sa.select(sa.func.count()).select_from(Pupil).where(Pupil.upn == sample_upn(951))) == 1


# --- Many pupils ------------------------------------------------------------------------------------


def test_two_thousand_pupils_are_previewed_and_applied(schools, session):
    data = many_pupils(2000, dest=OAK)

    batch = preview(session, schools, data)
    assert batch.counts["new"] == 2000 and batch.counts["errors"] == 0
    confirm(session, schools, batch)

    added = session.scalar(sa.select(sa.func.count()).select_from(Pupil).where(Pupil.school_id == schools.school.id))
    assert added == 2000 + 4
    assert session.scalar(sa.select(sa.func.count()).select_from(MisSen)) == 2000
    ehc = session.scalar(
        sa.select(sa.func.count())
        .select_from(SenStatus)
        .where(SenStatus.end_date.is_(None), SenStatus.provision == Provision.EHC_PLAN)
    )
    assert ehc >= 200


def _json(output: str) -> dict:
    return json.loads(output)


# --- Transfers from another school of this SEN Track ------------------------------------------------


def test_a_upn_held_by_another_schools_pupil_asks_that_school_for_a_transfer(schools, session):
    from sentrack.models import PupilTransfer, TransferStatus
    from sentrack.workflows.transfers import confirm_transfer

    finn = schools.pupils["sibling_k"]  # on Ash Secondary's roll
    data = oak_file(_pupil_of(finn, surname="GRAY", contacts=(contact_xml(forename="Fay", surname="Gray"),)))

    batch = preview(session, schools, data)
    (row,) = rows(batch)
    assert (row.status, row.transfer_from, row.match) == ("new", finn.id, None)
    assert batch.counts["transfers"] == 1
    confirm(session, schools, batch)

    transfer = session.scalar(sa.select(PupilTransfer))
    assert (transfer.from_pupil_id, transfer.to_school_id, transfer.batch_id) == (
        finn.id,
        schools.school.id,
        batch.id,
    )
    assert transfer.status is TransferStatus.AWAITING
    oak_pupils = sa.select(sa.func.count()).select_from(Pupil).where(Pupil.school_id == schools.school.id)
    assert session.scalar(oak_pupils) == 4  # the record is made when the previous school confirms

    (again,) = rows(preview(session, schools, data))
    assert (again.status, again.transfer_from) == ("unchanged", None)
    confirm(session, schools, preview(session, schools, data))
    assert session.scalar(sa.select(sa.func.count()).select_from(PupilTransfer)) == 1

    ash_senco = make_user(session, "senco@ash.test", Role.SENCO, school=schools.sibling)
    arrived = confirm_transfer(session, actor=ash_senco, transfer=transfer, today=TODAY)
    session.commit()
    assert (arrived.school_id, arrived.upn, arrived.previous_pupil_id) == (schools.school.id, finn.upn, finn.id)
    assert [c.name for c in arrived.contacts] == ["Fay Gray"]
    (matched,) = rows(preview(session, schools, data))
    assert (matched.match, matched.record_id) == ("upn", arrived.id)


# --- The versions of the file ------------------------------------------------------------------------


@pytest.fixture
def bedford(world, session):
    """A school in LA 820 with establishment number 5678, where the hand-written files go."""
    la = LocalAuthority(code="820", name="Bedford")
    session.add(la)
    session.flush()
    school = School(
        urn="100002", estab_number="5678", name="Example Lower", phase=Phase.PRIMARY, local_authority_id=la.id
    )
    session.add(school)
    session.commit()
    return school


@pytest.mark.parametrize(
    ("sample", "sex", "year"),
    [("CTF_23_GENDER", "M", None), ("CTF_24_GENDER", "F", 0), ("CTF_24_SEX", "F", 0)],
)
def test_each_version_is_previewed_with_sex_from_sex_or_gender(world, session, bedford, sample, sex, year):
    batch = imports.preview(
        session,
        actor=world.users["admin"],
        school=bedford,
        kind=ImportKind.CTF,
        file_name=f"{sample}.xml",
        data=getattr(ctf_samples, sample),
        today=TODAY,
    )

    (row,) = rows(batch)
    assert row.values["sex"] == sex and row.values["year_group"] == year
    if year is None:  # a partial file gives no year: a pupil new to the school cannot be added
        assert row.errors == [
            ("year_group", "The file gives no national curriculum year for a pupil new to the school")
        ]
    else:
        assert row.status == "new", row.errors


def test_a_field_the_reader_could_not_read_puts_the_pupil_in_error(schools, session):
    data = oak_file(pupil_xml(upn=sample_upn(1501), dob="2017-02-30"), pupil_xml(upn=sample_upn(1502)))

    planned = rows(preview(session, schools, data))

    assert planned[0].status == "error" and [field for field, _ in planned[0].errors] == ["date_of_birth"]
    assert planned[1].status == "new"


# --- Two rows of one file about the same pupil --------------------------------------------------------


def test_a_second_row_matching_the_same_pupil_is_an_error_naming_the_first(schools, session):
    ada = schools.pupils["taught"]
    data = oak_file(
        _pupil_of(ada, forename="Adaline"),
        _pupil_of(ada, upn=sample_upn(611), forename=ada.first_name, year="6"),  # by name and date of birth
    )

    batch = preview(session, schools, data)
    first, second = rows(batch)

    assert (first.status, first.match, first.record_id) == ("changed", "upn", ada.id)
    assert (second.status, second.record_id, second.changes) == ("error", None, [])
    assert second.errors == [
        ("upn", "Row 1 of this file is about the same pupil (matched by UPN): only that row is applied")
    ]
    assert batch.counts["errors"] == 1
    confirm(session, schools, batch)
    session.refresh(ada)
    assert (ada.first_name, ada.upn) == ("Adaline", ada.upn)
    assert pupil_by_upn(session, sample_upn(611)) is None


def test_the_row_first_in_the_file_keeps_the_pupil_whichever_way_it_matched(schools, session):
    ada = schools.pupils["taught"]
    data = oak_file(_pupil_of(ada, upn=sample_upn(612)), _pupil_of(ada))

    first, second = rows(preview(session, schools, data))

    assert (first.match, first.record_id) == ("name_dob", ada.id)
    assert second.status == "error"
    assert second.errors == [
        (
            "upn",
            "Row 1 of this file is about the same pupil (matched by name and date of birth): only that row is applied",
        )
    ]


def test_a_row_that_matches_the_same_pupil_by_the_time_it_is_applied_is_left_out_and_shown_in_error(schools, session):
    ada = schools.pupils["taught"]
    newcomer = sample_upn(613)
    data = oak_file(
        _pupil_of(ada), pupil_xml(upn=newcomer, surname="NEW", forename="PUPIL", dob="2017-03-01", year="4")
    )
    batch = preview(session, schools, data)
    assert [row.status for row in rows(batch)] == ["unchanged", "new"]
    ada.former_upn = newcomer  # a colleague records the newcomer's UPN as Ada's former UPN meanwhile
    session.commit()

    confirm(session, schools, batch)

    assert pupil_by_upn(session, newcomer) is None
    batch = session.get(ImportBatch, batch.id)
    stored = rows(batch)
    assert [row.status for row in stored] == ["unchanged", "error"]
    assert stored[1].errors == [
        ("upn", "Row 1 of this file is about the same pupil (matched by UPN): only that row is applied")
    ]
    assert (batch.counts["new"], batch.counts["errors"]) == (0, 1)


# --- A pupil another school is already waiting for ----------------------------------------------------


def _awaited_by_far(session, schools, pupil):
    from sentrack.workflows.transfers import start_transfer

    details = {"upn": pupil.upn, "first_name": pupil.first_name, "last_name": pupil.last_name}
    start_transfer(session, actor=None, school=schools.foreign, from_pupil=pupil, details=details, batch=None)
    session.commit()


def test_a_pupil_another_school_is_already_transferring_is_an_error_at_preview(schools, session):
    finn = schools.pupils["sibling_k"]  # on Ash Secondary's roll, asked for by Far Primary
    _awaited_by_far(session, schools, finn)
    newcomer = sample_upn(614)
    data = oak_file(
        _pupil_of(finn), pupil_xml(upn=newcomer, surname="NEW", forename="PUPIL", dob="2017-03-01", year="4")
    )

    batch = preview(session, schools, data)
    waiting, new = rows(batch)

    assert (waiting.status, waiting.transfer_from) == ("error", None)
    assert waiting.errors[0][0] == "upn" and "a third school is already waiting for" in waiting.errors[0][1]
    assert (batch.counts["errors"], batch.counts["transfers"], new.status) == (1, 0, "new")
    confirm(session, schools, batch)
    assert pupil_by_upn(session, newcomer) is not None


def test_a_transfer_another_school_started_since_the_preview_leaves_that_row_out_and_applies_the_others(
    schools, session
):
    from sentrack.models import PupilTransfer

    finn = schools.pupils["sibling_k"]
    newcomer = sample_upn(615)
    data = oak_file(
        _pupil_of(finn), pupil_xml(upn=newcomer, surname="NEW", forename="PUPIL", dob="2017-03-01", year="4")
    )
    batch = preview(session, schools, data)
    assert rows(batch)[0].transfer_from == finn.id
    _awaited_by_far(session, schools, finn)

    confirm(session, schools, batch)

    assert pupil_by_upn(session, newcomer) is not None
    batch = session.get(ImportBatch, batch.id)
    refused = rows(batch)[0]
    assert (refused.status, refused.transfer_from) == ("error", None)
    assert "a third school is already waiting for" in refused.errors[0][1]
    assert (batch.counts["errors"], batch.counts["transfers"], batch.counts["new"]) == (1, 0, 1)
    assert session.scalar(sa.select(sa.func.count(PupilTransfer.id))) == 1


def test_a_transfer_refused_while_the_file_is_applied_is_reported_on_its_row(schools, session, monkeypatch):
    """Far Primary asks for the same record at the very moment: the planner did not see it, the
    database's one awaiting transfer per record refuses the second, and only that row is left out."""
    from sentrack.workflows import ctf_import, ctf_known

    finn = schools.pupils["sibling_k"]
    newcomer = sample_upn(616)
    data = oak_file(
        _pupil_of(finn), pupil_xml(upn=newcomer, surname="NEW", forename="PUPIL", dob="2017-03-01", year="4")
    )
    batch = preview(session, schools, data)
    _awaited_by_far(session, schools, finn)

    def unaware(*args):
        known = ctf_known.load_known(*args)
        known.awaited_elsewhere.clear()  # read before Far Primary's transfer was written
        return known

    monkeypatch.setattr(ctf_import, "load_known", unaware)
    confirm(session, schools, batch)

    assert pupil_by_upn(session, newcomer) is not None
    batch = session.get(ImportBatch, batch.id)
    refused = rows(batch)[0]
    assert refused.status == "error"
    assert refused.errors == [("upn", "Another school is already waiting for this pupil's previous school to confirm")]
    assert batch.counts["errors"] == 1


# --- The next September: every pupil changed, applied together ------------------------------------


def _year_up(data: bytes) -> bytes:
    import re

    return re.sub(
        rb"<NCyearActual>(\d+)</NCyearActual>", lambda m: b"<NCyearActual>%d</NCyearActual>" % (int(m[1]) + 1), data
    )


def _confirm_counting(session, schools, batch) -> int:
    seen = []

    def count(conn, cursor, statement, parameters, context, executemany):
        seen.append(statement)

    engine = session.get_bind()
    sa.event.listen(engine, "before_cursor_execute", count)
    try:
        confirm(session, schools, batch)
    finally:
        sa.event.remove(engine, "before_cursor_execute", count)
    return len(seen)


def test_pupils_changed_together_are_each_versioned_and_audited_in_a_few_statements(schools, session):
    from sentrack.models.cycles import RecordRevision

    data = many_pupils(60, dest=OAK, first=7001)
    confirm(session, schools, preview(session, schools, data))
    pupils = session.scalars(sa.select(Pupil).where(Pupil.upn.in_(_upns_of(data)))).all()
    versions = {pupil.id: (pupil.version, pupil.year_group) for pupil in pupils}
    later = preview(session, schools, _year_up(data))
    assert later.counts["changed"] == 60

    statements = _confirm_counting(session, schools, later)

    assert statements < 60  # not several for each pupil (it was about ten each)
    session.expire_all()
    for pupil in session.scalars(sa.select(Pupil).where(Pupil.id.in_(versions))):
        version, year = versions[pupil.id]
        assert (pupil.version, pupil.year_group) == (version + 1, year + 1)
    kept = session.execute(
        sa.select(RecordRevision.record_id, RecordRevision.version, RecordRevision.snapshot).where(
            RecordRevision.record_type == "pupil", RecordRevision.record_id.in_(versions)
        )
    ).all()
    by_version = {(record_id, version): snapshot for record_id, version, snapshot in kept}
    for pupil_id, (version, year) in versions.items():
        assert by_version[(pupil_id, version)]["year_group"] == year
        assert by_version[(pupil_id, version + 1)]["year_group"] == year + 1
    updated = session.scalars(
        sa.select(AuditEvent).where(AuditEvent.action == "pupil_updated", AuditEvent.pupil_id.in_(versions))
    ).all()
    assert sorted(event.pupil_id for event in updated) == sorted(versions)
    assert {tuple(event.details["fields"]) for event in updated} == {("year_group",)}


def _upns_of(data: bytes) -> list[str]:
    import re

    return [upn.decode() for upn in re.findall(rb"<UPN>([^<]+)</UPN>", data)]


def test_a_pupil_saved_by_a_colleague_meanwhile_is_refused_alone_and_the_others_change(schools, session, monkeypatch):
    """The versions are claimed together: one pupil saved since the file's records were loaded
    sends the rows back one by one, and only that pupil's row is refused."""
    from sentrack.workflows import ctf_import, ctf_known

    data = many_pupils(5, dest=OAK, first=7101)
    confirm(session, schools, preview(session, schools, data))
    later = preview(session, schools, _year_up(data))
    upns = _upns_of(data)
    moved = pupil_by_upn(session, upns[2])

    def then_saved_by_a_colleague(*args):
        known = ctf_known.load_known(*args)
        saved = sa.update(Pupil).where(Pupil.id == moved.id).values(version=Pupil.version + 1)
        session.execute(saved.execution_options(synchronize_session=False))  # as another connection
        return known

    monkeypatch.setattr(ctf_import, "load_known", then_saved_by_a_colleague)
    confirm(session, schools, later)

    session.expire_all()
    years = {upn: pupil_by_upn(session, upn).year_group for upn in upns}
    batch = session.get(ImportBatch, later.id)
    refused = [row for row in rows(batch) if row.status == "error"]
    assert [row.values["upn"] for row in refused] == [upns[2]]
    assert years[upns[2]] == _file_year(later, upns[2]) - 1  # left as the colleague saved it
    assert all(years[upn] == _file_year(later, upn) for upn in upns if upn != upns[2])
    assert "changed this record while you were editing it" in refused[0].errors[0][1]


def _file_year(batch, upn: str) -> int:
    return next(row.values["year_group"] for row in rows(batch) if row.values["upn"] == upn)
