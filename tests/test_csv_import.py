"""CSV imports of pupils and of classes with their teachers, through the import preview and
confirm (`workflows.imports`): every column stored, the names MIS exports give the columns, both
date forms, the encodings spreadsheets save in, files refused as a whole, each row error with its
line and column, re-imports that change nothing; the templates and the demo's sample files."""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest
import sqlalchemy as sa

from sentrack.demo import samples
from sentrack.imports.csv_templates import TEMPLATE_HELP, template_rows
from sentrack.models import (
    AuditEvent,
    ImportKind,
    ImportStatus,
    Notification,
    Provision,
    Pupil,
    PupilTransfer,
    Role,
    TeachingGroup,
    TransferStatus,
)
from sentrack.workflows import RuleBroken, imports
from sentrack.workflows.csv_rows import MAX_BYTES, read_date, read_year_group
from sentrack.workflows.ctf_import import AWAITED_ELSEWHERE
from sentrack.workflows.transfers import confirm_transfer, decline_transfer, start_transfer
from sentrack.workflows.upn import check_letter
from tests.conftest import TODAY
from tests.factories import make_pupil, make_user
from tests.pages import Page

HEADER = (
    "UPN,Surname,Forename,Preferred forename,Preferred surname,Date of birth,Sex,Year group,Admission date,"
    "Former UPN,Classes"
)


def upn(serial: int) -> str:
    rest = f"9990000{serial:05d}"
    return check_letter(rest) + rest


def temporary_upn(serial: int) -> str:
    rest = f"99900000{serial:03d}T"
    return check_letter(rest) + rest


def text(*lines: str) -> bytes:
    return ("\n".join(lines) + "\n").encode()


def preview(session, world, data: bytes, kind=ImportKind.PUPILS_CSV, name="roll.csv", actor="admin"):
    return imports.preview(
        session,
        actor=world.users[actor],
        school=world.school,
        kind=kind,
        file_name=name,
        data=data,
        today=TODAY,
    )


def confirm(session, world, batch, actor="admin"):
    imports.confirm(session, actor=world.users[actor], batch=batch, today=TODAY)


def row_at(batch, line: int) -> imports.RowPlan:
    return next(row for row in imports.rows_of(batch) if row.position == line)


def pupil_by_upn(session, world, value: str) -> Pupil:
    return session.scalar(sa.select(Pupil).where(Pupil.school_id == world.school.id, Pupil.upn == value))


def refusal(session, world, data: bytes, kind=ImportKind.PUPILS_CSV) -> RuleBroken:
    before = session.scalar(sa.select(sa.func.count()).select_from(imports.ImportBatch))
    with pytest.raises(RuleBroken) as raised:
        preview(session, world, data, kind=kind)
    assert raised.value.field == "file"
    assert session.scalar(sa.select(sa.func.count()).select_from(imports.ImportBatch)) == before
    return raised.value


FULL_ROW = f"{upn(1)},Okafor,Chidinma,Chi,Okafor-Bell,14/03/2018,F,4,01/09/2022,{temporary_upn(1)},4 Oak; 4 Elm"


# --- Pupils: each column stored -------------------------------------------------------------------


def test_each_column_of_a_new_pupil_is_stored(session, world):
    batch = preview(session, world, text(HEADER, FULL_ROW))

    row = row_at(batch, 2)
    assert (row.status, row.label, row.errors) == (imports.NEW, "Chidinma Okafor", [])
    assert row.warnings == ["4 Elm and 4 Oak are registration classes: the pupil will be in each of them"]
    assert batch.counts["new"] == 1
    assert pupil_by_upn(session, world, upn(1)) is None  # a preview stores nothing
    confirm(session, world, batch)

    pupil = pupil_by_upn(session, world, upn(1))
    assert (pupil.last_name, pupil.first_name, pupil.preferred_name, pupil.preferred_last_name) == (
        "Okafor",
        "Chidinma",
        "Chi",
        "Okafor-Bell",
    )
    assert (pupil.date_of_birth, pupil.sex, pupil.year_group, pupil.admitted_on) == (
        date(2018, 3, 14),
        "F",
        4,
        date(2022, 9, 1),
    )
    assert pupil.former_upn == temporary_upn(1)
    assert sorted(group.name for group in pupil.groups) == ["4 Elm", "4 Oak"]
    assert batch.status is ImportStatus.APPLIED
    added = session.scalars(sa.select(AuditEvent).where(AuditEvent.pupil_id == pupil.id)).all()
    assert [event.action for event in added] == ["pupil_added"]


def test_aliases_of_mis_exports_are_read_in_any_order_case_and_punctuation(session, world):
    header = "Legal Forename,LEGAL SURNAME,D.O.B.,nc_year,Reg Group,Gender,U.P.N.,Unused column"
    batch = preview(session, world, text(header, f"Ola,Adeyemi,2019-05-02,R,4 Oak,Female,{upn(2)},x"))

    row = row_at(batch, 2)
    assert row.status == imports.NEW, row.errors
    assert batch.header["ignored_columns"] == ["Unused column"]
    confirm(session, world, batch)
    pupil = pupil_by_upn(session, world, upn(2))
    assert (pupil.first_name, pupil.last_name, pupil.date_of_birth, pupil.year_group, pupil.sex) == (
        "Ola",
        "Adeyemi",
        date(2019, 5, 2),
        0,
        "F",
    )
    assert [group.name for group in pupil.groups] == ["4 Oak"]


def test_both_date_forms_and_year_group_words_are_read():
    assert read_date("05/09/2017") == read_date("2017-09-05") == read_date("5/9/2017 00:00") == date(2017, 9, 5)
    assert [read_year_group(value) for value in ("N1", "N2", "R", "Reception", "Y5", "Year 11", "14", "-1")] == [
        -1,
        -1,
        0,
        0,
        5,
        11,
        14,
        -1,
    ]
    for wrong in ("15", "X", "Year 0.5"):
        with pytest.raises(ValueError, match="is not a year group"):
            read_year_group(wrong)


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(("\ufeff" + HEADER + "\n" + FULL_ROW + "\n").encode("utf-8"), id="utf-8 with BOM"),
        pytest.param((HEADER + "\r\n" + FULL_ROW.replace("Chidinma", "Zoë") + "\r\n").encode("cp1252"), id="cp1252"),
        pytest.param((HEADER + "\n" + FULL_ROW.replace("Chidinma", "Zoë") + "\n").encode("utf-8"), id="utf-8"),
    ],
)
def test_utf8_with_or_without_bom_and_windows_1252_are_read(session, world, data):
    batch = preview(session, world, data)

    assert row_at(batch, 2).status == imports.NEW
    confirm(session, world, batch)
    assert pupil_by_upn(session, world, upn(1)).first_name in {"Chidinma", "Zoë"}
    assert batch.header["encoding"] == ("Windows-1252" if b"Zo\xeb" in data else "UTF-8")


# --- Files refused as a whole ---------------------------------------------------------------------


def test_missing_required_columns_refuse_the_file_naming_it_and_them(session, world):
    error = refusal(session, world, text("UPN,Surname,Sex", f"{upn(3)},Ng,M"))

    assert error.message.startswith("roll.csv has no Forename, Date of birth or Year group columns")


@pytest.mark.parametrize(
    ("data", "says"),
    [
        (b"", "roll.csv is empty"),
        (b"\n\n,,,\n", "roll.csv is empty"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "roll.csv is not a text file"),
        (b"PK\x03\x04\x14\x00\x06\x00", "roll.csv is a spreadsheet workbook"),
        ("\ufeffUPN\tSurname\n".encode("utf-16"), "roll.csv is saved as Unicode text"),
        (b'<?xml version="1.0"?><CTfile></CTfile>', "roll.csv is XML or a web page"),
        (b"UPN;Surname;Forename\nA;B;C\n", "roll.csv separates its columns with semicolons"),
        (b'UPN,Surname\n"A,B\n', "roll.csv cannot be read as CSV"),
        (b"UPN,Surname,Legal Surname,Forename,DOB,Year\n", "roll.csv has two columns for Surname"),
        (b"\x81\x8d\x8f\x90", "roll.csv is not a text file"),
    ],
)
def test_a_file_that_is_not_a_readable_csv_is_refused_and_nothing_stored(session, world, data, says):
    assert refusal(session, world, data).message.startswith(says)


def test_the_size_limit_is_checked_before_anything_else(session, world):
    error = refusal(session, world, b"\x00" * (MAX_BYTES + 1))

    assert error.message == "roll.csv is larger than 2 MB: split it into smaller files"


# --- Row errors, each with its line and column ----------------------------------------------------


def test_each_row_error_names_its_line_and_column(session, world):
    lines = [
        HEADER,
        f"{upn(10)},Ali,Sara,,,31/02/2018,F,3,,,",  # line 2: a date that does not exist
        f"{upn(11)[:-1]}0,Ali,Sami,,,01/02/2018,M,3,,,",  # line 3: a bad check letter
        f"{upn(12)},Ali,Tom,,,01/02/2018,M,15,,,",  # line 4: year group out of range
        f"{upn(13)},Ali,Una,,,01/02/2018,X,3,,,",  # line 5: sex
        f"{upn(14)},Ali,Vic,,,01/02/2018,M,3,,,",  # line 6: UPN twice
        f"{upn(14)},Ali,Wes,,,01/02/2018,M,3,,,",  # line 7: UPN twice
        f"{upn(15)},Ali,Xan,,,01/02/2018,M,3,,,5 Nowhere",  # line 8: unknown class
        f"{upn(16)},,Yas,,,01/02/18,M,3,01/09/2030,,",  # line 9: no surname, two-digit year, future admission
    ]
    batch = preview(session, world, text(*lines))

    errors = {row.position: row.errors for row in imports.rows_of(batch)}
    assert errors[2] == [("Date of birth", "“31/02/2018” is not a date that exists")]
    assert errors[3] == [
        ("UPN", f"“{upn(11)[:-1]}0”: This UPN's check letter does not match: check it has been copied correctly")
    ]
    assert errors[4] == [("Year group", "“15” is not a year group: write N1, N2, R or a year from 1 to 14")]
    assert errors[5] == [("Sex", "“X” is not a sex the census records: write M or F")]
    assert errors[6] == [("UPN", "This UPN is also on line 7")]
    assert errors[7] == [("UPN", "This UPN is also on line 6")]
    assert errors[8] == [("Classes", "No class of the school is called 5 Nowhere: import the classes first")]
    assert errors[9] == [
        ("Date of birth", "“01/02/18” has a two-digit year: write the year in full, as DD/MM/YYYY"),
        ("Surname", "Enter the surname"),
        ("Admission date", "The admission date cannot be in the future"),
    ]
    assert batch.counts["errors"] == 8
    confirm(session, world, batch)
    assert session.scalar(sa.select(sa.func.count()).where(Pupil.upn.in_([upn(n) for n in range(10, 17)]))) == 0


def test_row_errors_use_the_files_own_heading_and_physical_line(session, world):
    data = text("UPN,Legal Surname,Forename,DOB,NC Year", f'{upn(20)},"Two\nLines",Ann,30/02/2018,3')

    row = row_at(preview(session, world, data), 2)
    assert row.errors == [("DOB", "“30/02/2018” is not a date that exists")]
    after = text("UPN,Surname,Forename,DOB,NC Year", f'{upn(20)},"Two\nLines",Ann,01/02/2018,3', f"{upn(21)},B,C,x,3")
    assert row_at(preview(session, world, after), 4).errors == [
        ("DOB", "“x” is not a date: write it as DD/MM/YYYY or YYYY-MM-DD")
    ]


# --- Matching, changes and re-imports -------------------------------------------------------------


def test_reimporting_the_same_file_changes_nothing(session, world):
    data = text(HEADER, FULL_ROW)
    confirm(session, world, preview(session, world, data))
    pupil = pupil_by_upn(session, world, upn(1))
    version = pupil.version
    events = session.scalar(sa.select(sa.func.count()).select_from(AuditEvent))

    again = preview(session, world, data)
    assert [row.status for row in imports.rows_of(again)] == [imports.UNCHANGED]
    assert row_at(again, 2).match == "upn"
    confirm(session, world, again)
    assert pupil.version == version
    audited = session.scalars(sa.select(AuditEvent.action).order_by(AuditEvent.id).offset(events)).all()
    assert audited == ["import_previewed", "import_applied"]


def test_a_changed_row_lists_each_field_and_is_applied_with_its_fields_audited(session, world):
    pupil = world.pupils["taught_plain"]  # Ben Cole, Year 4, in 4 Oak
    data = text(
        "UPN,Surname,Forename,Date of birth,Year group,Sex,Classes",
        f"{pupil.upn},Cole,Benjamin,{pupil.date_of_birth:%d/%m/%Y},5,M,4 Elm",
    )
    batch = preview(session, world, data)

    row = row_at(batch, 2)
    assert (row.status, row.match, row.record_id) == (imports.CHANGED, "upn", pupil.id)
    assert [(c.field, c.was, c.becomes) for c in row.changes] == [
        ("first_name", "Ben", "Benjamin"),
        ("sex", "(blank)", "Male"),
        ("year_group", "Year 4", "Year 5"),
        ("classes", "4 Oak", "4 Elm"),
    ]
    confirm(session, world, batch)
    session.refresh(pupil)
    assert (pupil.first_name, pupil.sex, pupil.year_group, [g.name for g in pupil.groups]) == (
        "Benjamin",
        "M",
        5,
        ["4 Elm"],
    )
    fields = session.scalars(
        sa.select(AuditEvent.details).where(AuditEvent.pupil_id == pupil.id, AuditEvent.action == "pupil_updated")
    ).all()
    assert sorted(name for details in fields for name in details["fields"]) == [
        "first_name",
        "groups",
        "sex",
        "year_group",
    ]
    assert "Benjamin" not in str(fields)  # fields, never values


def test_matching_by_former_upn_then_name_and_date_of_birth(session, world):
    by_former = world.pupils["taught"]  # Ada Brook
    by_name = world.pupils["untaught"]  # Cara Dale
    data = text(
        "UPN,Former UPN,Surname,Forename,Date of birth,Year group",
        f"{upn(30)},{by_former.upn},Brook,Ada,{by_former.date_of_birth:%d/%m/%Y},4",
        f"{upn(31)},,dale,CARA,{by_name.date_of_birth.isoformat()},4",
    )
    batch = preview(session, world, data)

    assert (row_at(batch, 2).match, row_at(batch, 2).record_id) == ("former_upn", by_former.id)
    assert (row_at(batch, 3).match, row_at(batch, 3).record_id) == ("name_dob", by_name.id)
    assert [c.field for c in row_at(batch, 2).changes] == ["upn", "former_upn"]
    confirm(session, world, batch)
    assert (by_former.upn, by_former.former_upn, by_name.upn) == (
        upn(30),
        row_at(batch, 2).values["former_upn"],
        upn(31),
    )


def test_a_blank_cell_leaves_what_is_held(session, world):
    pupil = world.pupils["taught"]
    pupil.preferred_name, pupil.sex = "Addy", "F"
    session.flush()
    data = text(HEADER, f"{pupil.upn},Brook,Ada,,,{pupil.date_of_birth:%d/%m/%Y},,4,,,")

    assert row_at(preview(session, world, data), 2).status == imports.UNCHANGED


def test_a_year_group_that_does_not_fit_the_age_is_a_warning_only(session, world):
    batch = preview(session, world, text(HEADER, f"{upn(40)},Ray,Ivo,,,10/10/2018,M,5,,,"))

    row = row_at(batch, 2)
    assert row.status == imports.NEW
    assert row.warnings == ["Year 5 does not fit the date of birth (Year 3 expected)"]


def _arriving(pupil, year: int = 8) -> bytes:
    return text(HEADER, f"{pupil.upn},Gray,Finn,,,{pupil.date_of_birth:%d/%m/%Y},M,{year},01/11/2026,,")


def test_a_upn_on_another_schools_record_asks_that_school_for_a_transfer_as_a_ctf_does(session, world):
    """Issue 16, point 5: the receiving school's import (a CSV as much as a CTF) finds the UPN on
    another school's record and starts a transfer; the record, with the SEN history copied, is
    made when the previous school's SENCO confirms; the same file again changes nothing."""
    finn = world.pupils["sibling_k"]  # on Ash Secondary's roll, on SEN support
    ash_senco = make_user(session, "senco@ash.test", Role.SENCO, school=world.sibling)
    batch = preview(session, world, _arriving(finn))

    row = row_at(batch, 2)
    assert (row.status, row.transfer_from, row.match) == (imports.NEW, finn.id, None)
    assert row.warnings[-1] == (
        "The pupil's UPN is on a record of another school in SEN Track: the previous school is asked to transfer it"
    )
    assert batch.counts["transfers"] == 1
    confirm(session, world, batch)
    transfer = session.scalar(sa.select(PupilTransfer))
    assert (transfer.from_pupil_id, transfer.to_school_id, transfer.batch_id, transfer.status) == (
        finn.id,
        world.school.id,
        batch.id,
        TransferStatus.AWAITING,
    )
    assert pupil_by_upn(session, world, finn.upn) is None  # made when the previous school confirms
    told = session.scalars(sa.select(Notification).where(Notification.recipient_id == ash_senco.id)).all()
    assert [n.kind for n in told] == ["transfer_asked"] and "Finn" not in told[0].body

    again = preview(session, world, _arriving(finn))
    assert (row_at(again, 2).status, again.counts["transfers"]) == (imports.UNCHANGED, 0)
    confirm(session, world, again)
    assert session.scalar(sa.select(sa.func.count()).select_from(PupilTransfer)) == 1

    arrived = confirm_transfer(session, actor=ash_senco, transfer=transfer, today=TODAY)
    assert (arrived.school_id, arrived.previous_pupil_id, arrived.year_group) == (world.school.id, finn.id, 8)
    assert [s.provision for s in arrived.sen_statuses] == [Provision.SEN_SUPPORT]
    assert finn.left_on == date(2026, 11, 1)
    matched = row_at(preview(session, world, _arriving(finn)), 2)
    assert (matched.status, matched.match, matched.record_id) == (imports.UNCHANGED, "upn", arrived.id)


def test_a_csv_pupil_whose_transfer_was_declined_is_added_as_a_new_pupil(session, world):
    finn = world.pupils["sibling_k"]
    ash_senco = make_user(session, "senco@ash.test", Role.SENCO, school=world.sibling)
    confirm(session, world, preview(session, world, _arriving(finn)))
    decline_transfer(session, actor=ash_senco, transfer=session.scalar(sa.select(PupilTransfer)), note="Not ours")

    batch = preview(session, world, _arriving(finn))
    row = row_at(batch, 2)
    assert (row.status, row.transfer_from) == (imports.NEW, None)
    assert row.warnings[-1] == "The previous school declined the transfer: the pupil is added as a new record"
    confirm(session, world, batch)
    added = pupil_by_upn(session, world, finn.upn)
    assert (added.previous_pupil_id, added.sen_statuses) == (None, [])


def test_a_csv_pupil_another_school_awaits_is_an_error_on_the_upn_column(session, world):
    finn = world.pupils["sibling_k"]
    start_transfer(session, actor=None, school=world.foreign, from_pupil=finn, details={}, batch=None)

    batch = preview(session, world, _arriving(finn))
    row = row_at(batch, 2)
    assert row.status == imports.ERROR
    assert row.errors == [("UPN", AWAITED_ELSEWHERE)]
    confirm(session, world, batch)
    assert pupil_by_upn(session, world, finn.upn) is None
    assert session.scalar(sa.select(sa.func.count()).select_from(PupilTransfer)) == 1


def test_a_transfer_another_school_asked_since_the_csv_preview_leaves_that_line_out(session, world):
    finn = world.pupils["sibling_k"]
    batch = preview(session, world, text(HEADER, _arriving(finn).decode().splitlines()[1], FULL_ROW))
    assert row_at(batch, 2).transfer_from == finn.id
    start_transfer(session, actor=None, school=world.foreign, from_pupil=finn, details={}, batch=None)

    confirm(session, world, batch)
    row = row_at(batch, 2)
    assert row.status == imports.ERROR and row.errors[-1][0] == "upn"
    assert pupil_by_upn(session, world, upn(1)) is not None  # the other line is applied
    assert batch.counts["errors"] == 1


def test_confirm_plans_again_and_leaves_a_colleagues_later_change(session, world):
    pupil = world.pupils["taught_plain"]  # Ben Cole, Year 4
    data = text("UPN,Surname,Forename,Date of birth,Year group", f"{pupil.upn},Cole,Benny,{pupil.date_of_birth},4")
    batch = preview(session, world, data)
    assert [c.field for c in row_at(batch, 2).changes] == ["first_name"]
    pupil.year_group = 5  # saved by a colleague after the preview, which showed no change of year
    session.flush()

    confirm(session, world, batch)
    assert (pupil.first_name, pupil.year_group) == ("Benny", 5)


def test_a_new_pupil_added_twice_from_two_previews_is_added_once(session, world):
    data = text(HEADER, FULL_ROW)
    first, second = preview(session, world, data), preview(session, world, data)
    confirm(session, world, first)
    confirm(session, world, second)

    assert session.scalar(sa.select(sa.func.count()).where(Pupil.upn == upn(1))) == 1


# --- Classes and their teachers -------------------------------------------------------------------


def test_classes_are_added_and_changed_with_their_teachers(session, world):
    second = make_user(session, "second@oak.test", Role.TEACHER, school=world.school, name="Zed Second")
    session.commit()
    data = text(
        "Class,Year group,Teachers",
        "5 Ash,5,teacher@oak.test; SENCO@oak.test",
        "4 Oak,4,second@oak.test",
        "4 Elm,4,",
    )
    batch = preview(session, world, data, kind=ImportKind.CLASSES_CSV)

    new, changed, unchanged = (row_at(batch, line) for line in (2, 3, 4))
    assert (new.status, new.warnings) == (imports.NEW, ["The class will have 2 teachers"])
    assert (changed.status, changed.match, changed.record_id) == (imports.CHANGED, "name", world.group.id)
    assert [(c.field, c.was, c.becomes) for c in changed.changes] == [("teachers", "Teacher", "Zed Second")]
    assert unchanged.status == imports.UNCHANGED
    confirm(session, world, batch)

    ash = session.scalar(sa.select(TeachingGroup).where(TeachingGroup.name == "5 Ash"))
    assert (ash.school_id, ash.year_group, ash.academic_year, ash.is_current) == (world.school.id, 5, 2026, True)
    assert sorted(t.email for t in ash.teachers) == ["senco@oak.test", "teacher@oak.test"]
    assert [t.id for t in world.group.teachers] == [second.id]
    again = preview(session, world, data, kind=ImportKind.CLASSES_CSV)
    assert {row.status for row in imports.rows_of(again)} == {imports.UNCHANGED}


@pytest.mark.parametrize(
    ("email", "says"),
    [
        ("nobody@oak.test", "nobody@oak.test is not the email address of a member of staff of this school"),
        ("senco@far.test", "senco@far.test is not the email address of a member of staff of this school"),
        ("ta@oak.test", "ta@oak.test is a member of staff who does not teach (class teacher, SENCO or head teacher)"),
    ],
)
def test_a_teacher_email_that_is_not_a_teacher_of_the_school_is_an_error_naming_it(session, world, email, says):
    batch = preview(session, world, text("Class,Teachers", f"6 Yew,{email}"), kind=ImportKind.CLASSES_CSV)

    assert row_at(batch, 2).errors == [("Teachers", says)]
    confirm(session, world, batch)
    assert session.scalar(sa.select(TeachingGroup).where(TeachingGroup.name == "6 Yew")) is None


def test_a_class_twice_or_named_like_an_ended_class_is_an_error(session, world):
    session.add(TeachingGroup(school_id=world.school.id, name="3 Old", ended_on=date(2026, 7, 20)))
    session.flush()
    batch = preview(session, world, text("Class", "3 Old", "6 Fir", "6 FIR"), kind=ImportKind.CLASSES_CSV)

    assert row_at(batch, 2).errors == [
        ("Class", "A class that has ended has this name: give the new class another name")
    ]
    assert row_at(batch, 3).errors == [("Class", "This class is also on line 4")]
    assert row_at(batch, 4).errors == [("Class", "This class is also on line 3")]


def test_a_classes_file_without_a_class_column_is_refused(session, world):
    error = refusal(session, world, text("Year group,Teachers", "5,teacher@oak.test"), kind=ImportKind.CLASSES_CSV)

    assert error.message.startswith("roll.csv has no Class column")


# --- Templates ------------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["pupils", "classes"])
def test_a_template_downloads_with_its_header_and_example_and_imports_as_nothing(session, world, login, client, kind):
    login(world.users["admin"])
    answer = client.get(f"/imports/templates/{kind}.csv")

    assert answer.status_code == 200
    assert answer.mimetype == "text/csv"
    assert f"sentrack-{kind}-template.csv" in answer.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(answer.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows == template_rows(kind) and len(rows) == 2
    assert TEMPLATE_HELP[kind]
    audited = session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "csv_template_downloaded")).one()
    assert (audited.school_id, audited.details) == (world.school.id, {"kind": kind})

    import_kind = ImportKind.PUPILS_CSV if kind == "pupils" else ImportKind.CLASSES_CSV
    batch = preview(session, world, answer.get_data(), kind=import_kind)
    assert (batch.rows, batch.header["example_row_skipped"]) == ([], 2)
    header_only = preview(session, world, answer.get_data().splitlines(keepends=True)[0], kind=import_kind)
    assert (header_only.rows, header_only.header["example_row_skipped"]) == ([], None)


def test_an_unknown_template_is_not_found(world, login, client):
    login(world.users["senco"])

    assert client.get("/imports/templates/staff.csv").status_code == 404


def test_the_example_row_is_imported_when_it_was_edited(session, world):
    rows = template_rows("pupils")
    rows[1][rows[0].index("Forename")] = "Alexa"
    data = "\n".join(",".join(row) for row in rows).encode()

    batch = preview(session, world, data)
    assert [row.status for row in imports.rows_of(batch)] == [imports.ERROR]  # its class is not in the school
    assert row_at(batch, 2).errors == [
        ("Classes", "No class of the school is called 2 Example: import the classes first")
    ]


# --- The demo's sample files ----------------------------------------------------------------------


def test_the_committed_samples_are_what_the_generator_writes(tmp_path):
    written = samples.write_samples(tmp_path)

    assert sorted(path.name for path in written) == ["classes.csv", "pupils.csv"]
    for path in written:
        assert (samples.FOLDER / path.name).read_bytes() == path.read_bytes(), f"run write_samples: {path.name}"


def test_the_samples_import_cleanly_classes_first(session, world):
    for email, role in (
        ("teacher@demo.test", Role.TEACHER),
        ("senco@demo.test", Role.SENCO),
        ("head@demo.test", Role.HEAD),
    ):
        make_user(session, email, role, school=world.school)
    session.commit()
    files = {path.name: path.read_bytes() for path in samples.FOLDER.glob("*.csv")}

    classes = preview(session, world, files["classes.csv"], kind=ImportKind.CLASSES_CSV, name="classes.csv")
    assert classes.counts["new"] == len(samples.CLASSES) and classes.counts["errors"] == 0
    confirm(session, world, classes)
    pupils = preview(session, world, files["pupils.csv"], name="pupils.csv")
    assert pupils.counts["new"] == len(samples.pupil_rows()) and pupils.counts["errors"] == 0
    assert all(not row.warnings for row in imports.rows_of(pupils))
    confirm(session, world, pupils)
    assert preview(session, world, files["pupils.csv"], name="pupils.csv").counts["unchanged"] == 12


def test_a_pupil_who_left_is_not_matched_and_the_row_says_so(session, world):
    left = make_pupil(session, world.school, first="Lee", last="Moss")
    left.left_on, left.leaving_reason = date(2026, 7, 20), "Moved away"
    session.flush()
    data = text("UPN,Surname,Forename,Date of birth,Year group", f"{left.upn},Moss,Lee,{left.date_of_birth},4")

    row = row_at(preview(session, world, data), 2)
    assert (row.status, row.warnings[-1]) == (
        imports.NEW,
        "A pupil with this UPN left the school on 20 July 2026: this row adds a new record",
    )


# --- The import pages, with a CSV -----------------------------------------------------------------


def upload(client, data: bytes, kind: str, name: str):
    return client.post(
        "/imports", data={"kind": kind, "file": (io.BytesIO(data), name)}, content_type="multipart/form-data"
    )


def newest_batch(session) -> imports.ImportBatch:
    return session.scalar(sa.select(imports.ImportBatch).order_by(imports.ImportBatch.id.desc()).limit(1))


def test_the_import_pages_take_a_classes_csv_then_a_pupils_csv(client, world, login, session):
    login(world.users["admin"])
    classes = text("Class,Year group,Teachers", "5 Ash,5,teacher@oak.test", "5 Fir,5,ta@oak.test")

    assert upload(client, classes, "classes_csv", "classes.csv").status_code == 302
    batch = newest_batch(session)
    page = client.page(f"/imports/{batch.id}")
    assert page.table("New (1)")[0][:3] == ["2", "5 Ash", "Not matched: new to the school"]
    assert page.table("In error (1)")[0][:2] == ["3", "5 Fir"]
    assert page.table("In error (1)")[0][3].startswith("Teachers : ta@oak.test is a member of staff who does not teach")
    client.post(f"/imports/{batch.id}/confirm")
    assert session.scalar(sa.select(TeachingGroup).where(TeachingGroup.name == "5 Ash")) is not None
    assert session.scalar(sa.select(TeachingGroup).where(TeachingGroup.name == "5 Fir")) is None

    pupils = text("UPN,Surname,Forename,DOB,NC Year,Reg Group", f"{upn(50)},Ray,Ivo,10/10/2016,5,5 Ash")
    upload(client, pupils, "pupils_csv", "pupils.csv")
    batch = newest_batch(session)
    assert client.page(f"/imports/{batch.id}").table("New (1)")[0][:2] == ["2", "Ivo Ray"]
    client.post(f"/imports/{batch.id}/confirm")
    assert [group.name for group in pupil_by_upn(session, world, upn(50)).groups] == ["5 Ash"]


def test_a_csv_refused_as_a_whole_is_said_beside_the_file_field(client, world, login, session):
    login(world.users["senco"])
    before = session.scalar(sa.select(sa.func.count()).select_from(imports.ImportBatch))

    page = Page(upload(client, text("UPN,Surname", f"{upn(51)},Ray"), "pupils_csv", "roll.csv"))

    assert page.field_error("file").startswith("roll.csv has no Forename, Date of birth or Year group columns")
    assert session.scalar(sa.select(sa.func.count()).select_from(imports.ImportBatch)) == before


def test_a_row_error_shows_its_line_and_column_on_the_preview(client, world, login, session):
    login(world.users["admin"])
    upload(client, text(HEADER, f"{upn(52)},Ray,Ivo,,,31/02/2016,M,5,,,"), "pupils_csv", "roll.csv")

    row = client.page(f"/imports/{newest_batch(session).id}").table("In error (1)")[0]
    assert row[:2] == ["2", "Ivo Ray"]
    assert row[3] == "Date of birth : “31/02/2016” is not a date that exists"


def test_hostile_text_in_a_csv_is_shown_escaped_on_the_preview(client, world, login, session):
    login(world.users["admin"])
    script = "<script>alert('csv')</script>"
    upload(client, text(HEADER, f"{upn(53)},{script},=HYPERLINK(1),,,01/02/2016,M,5,,,{script}"), "pupils_csv", "x.csv")

    page = client.page(f"/imports/{newest_batch(session).id}")
    assert script not in page.html
    assert page.table("In error (1)")[0][1] == f"=HYPERLINK(1) {script}"


def test_a_second_line_about_the_same_pupil_is_an_error_naming_the_first(session, world):
    ada = world.pupils["taught"]
    born = ada.date_of_birth.strftime("%d/%m/%Y")
    data = text(
        HEADER,
        f"{ada.upn},{ada.last_name},Adaline,,,{born},F,{ada.year_group},,,",
        f"{upn(40)},{ada.last_name},{ada.first_name},,,{born},F,{ada.year_group},,,",  # by name and date of birth
    )

    batch = preview(session, world, data)

    assert (row_at(batch, 2).status, row_at(batch, 2).match) == ("changed", "upn")
    assert row_at(batch, 3).errors == [
        ("UPN", "Line 2 of this file is about the same pupil (matched by UPN): only that row is applied")
    ]
    confirm(session, world, batch)
    assert pupil_by_upn(session, world, upn(40)) is None and ada.first_name == "Adaline"


def test_a_line_about_the_same_pupil_by_the_time_it_is_applied_is_left_out_and_shown_in_error(session, world):
    ada = world.pupils["taught"]
    born = ada.date_of_birth.strftime("%d/%m/%Y")
    data = text(
        HEADER,
        f"{ada.upn},{ada.last_name},{ada.first_name},,,{born},,{ada.year_group},,,",
        f"{upn(41)},{ada.last_name},Adaline,,,{born},,{ada.year_group},,,",
    )
    batch = preview(session, world, data)
    assert [row.status for row in imports.rows_of(batch)] == ["unchanged", "new"]
    ada.first_name = "Adaline"  # a colleague's change: line 3 now matches Ada by name and date of birth
    session.flush()

    confirm(session, world, batch)

    assert pupil_by_upn(session, world, upn(41)) is None
    assert ada.first_name == "Adaline"  # line 2, unchanged in the preview, changes nothing
    assert row_at(batch, 3).status == "error"
    assert row_at(batch, 3).errors == [
        ("upn", "Line 2 of this file is about the same pupil (matched by UPN): only that row is applied")
    ]
    assert batch.counts["errors"] == 1
