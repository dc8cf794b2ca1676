"""A leaver's SEN file for the next school: the CTF exported and read back field by field, its
DfE file name and sequence per destination, the refusals, the transfer pack's contents, the audit
of every export, the duty to send the file within 15 school days, and the leaver's page.

The world (tests.factories): Oak Primary (LA 999); Ada Brook is on SEN support (SPLD since
10 September 2025); today is Friday 27 November 2026.
"""

from __future__ import annotations

import hashlib
import io
import zipfile
from datetime import date

import pytest
import sqlalchemy as sa

from sentrack.models import (
    Contact,
    ContactMethod,
    CtfExport,
    CycleState,
    DocumentKind,
    EhcDocument,
    EhcPlan,
    ExportKind,
    MeetingMode,
    NeedType,
    ParentMeeting,
    Provision,
    SchoolTerm,
    Season,
    SenStatus,
    TaskStatus,
)
from sentrack.workflows import RuleBroken
from sentrack.workflows.ctf_export import ctf_for, export_ctf, relationship_code
from sentrack.workflows.ctf_format import CtfPhone, file_name
from sentrack.workflows.ctf_read import read_ctf
from sentrack.workflows.ctf_write import write_ctf
from sentrack.workflows.roll import Destination, record_leaving, undo_leaving
from sentrack.workflows.school_days import school_days_after
from sentrack.workflows.sweep import run_sweep
from sentrack.workflows.terms import default_terms
from sentrack.workflows.transfer_pack import download, sen_file
from tests.factories import drive_cycle, make_intervention, make_intervention_type
from tests.helpers import audit_events, text

TODAY = date(2026, 11, 27)
LEFT_ON = date(2026, 11, 23)  # a Monday
PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"


def _ready(session, world, pupil=None, *, left_on=LEFT_ON, destination=("999", "5678")):
    """The school with its establishment number; `pupil` (Ada) left on `left_on` for Ash Secondary."""
    pupil = pupil or world.pupils["taught"]
    world.school.estab_number = "1234"
    pupil.admitted_on = date(2021, 9, 1)
    pupil.sex, pupil.former_upn, pupil.preferred_name = "F", "A999100100001", "Addie"
    session.flush()
    record_leaving(
        session,
        actor=world.users["senco"],
        pupil=pupil,
        left_on=left_on,
        reason="moved_school",
        detail=None,
        today=TODAY,
        destination=Destination(name="Ash Secondary", urn="900002", la=destination[0], estab=destination[1]),
    )
    session.commit()
    return pupil


# --- The CTF ------------------------------------------------------------------------------------


def test_the_exported_ctf_reads_back_as_it_was_exported(session, world):
    ada = world.pupils["taught"]
    status = session.scalar(sa.select(SenStatus).where(SenStatus.pupil_id == ada.id))
    status.end_date = date(2026, 3, 31)
    session.add(
        SenStatus(
            pupil_id=ada.id,
            provision=Provision.EHC_PLAN,
            primary_need=NeedType.SLCN,
            secondary_need=NeedType.SPLD,
            start_date=date(2026, 4, 1),
            reason="Plan issued",
        )
    )
    contact = ada.contacts[0]
    contact.name, contact.email, contact.address = "Ann Brook", "ann@example.org", "1 High St\nBedford\nMK40 1AA"
    contact.phone_numbers = [("M", "07700 900123"), ("H", "01632 960123"), (None, "0113 496 0123")]
    session.add(
        Contact(
            pupil_id=ada.id,
            name="Tom Brook",
            relationship_to_pupil="Father",
            relationship_code="PAF",
            parental_responsibility=False,
            preferred_contact=ContactMethod.PHONE,
            priority=2,
        )
    )
    _ready(session, world)
    exported = ctf_for(session, ada, today=TODAY)

    read = read_ctf(write_ctf(exported), file_name="export.xml")

    header, pupil = read.header, read.pupils[0]
    assert (header.source.la, header.source.estab, header.source.urn) == ("999", "1234", "900001")
    assert (header.source.name, header.source.academic_year) == ("Oak Primary", 2026)
    assert (header.destination.la, header.destination.estab, header.destination.urn) == ("999", "5678", "900002")
    assert (pupil.upn, pupil.surname, pupil.forename) == (ada.upn, "Brook", "Ada")
    assert (pupil.date_of_birth, pupil.sex, pupil.former_upn) == (ada.date_of_birth, "F", "A999100100001")
    assert (pupil.preferred_forename, pupil.year_group, pupil.entry_date) == ("Addie", 4, date(2021, 9, 1))
    assert pupil.leaving_date == LEFT_ON  # the school history's entry: admitted and left
    assert [(p.start_date, p.provision) for p in pupil.sen] == [(date(2025, 9, 10), "K"), (date(2026, 4, 1), "E")]
    assert [(n.rank, n.type) for n in pupil.needs] == [(1, "SLCN"), (2, "SPLD")]
    first, second = pupil.contacts
    assert (first.forename, first.surname, first.relationship, first.responsibility) == ("Ann", "Brook", "PAM", True)
    assert (first.email, first.address) == ("ann@example.org", contact.address)
    assert first.phones == (
        CtfPhone("M", "07700 900123"),
        CtfPhone("H", "01632 960123"),
        CtfPhone(None, "0113 496 0123"),
    )
    assert second.phones == ()
    assert (second.forename, second.surname, second.relationship) == ("Tom", "Brook", "PAF")
    assert second.responsibility is False
    assert read.pupils[0] == exported.pupils[0]


@pytest.mark.parametrize(
    ("code", "typed", "expected"),
    [("CAR", "Grandmother", "CAR"), (None, "Step-father", "STF"), (None, "mother", "PAM"), (None, "Aunt", "OTH")],
)
def test_a_contacts_relationship_is_its_code_else_the_code_of_its_words_else_oth(code, typed, expected):
    contact = Contact(name="A B", relationship_to_pupil=typed, relationship_code=code)
    assert relationship_code(contact) == expected


# --- File name, sequence, refusals, audit -------------------------------------------------------


def test_exports_are_numbered_per_destination_under_the_dfe_file_name(session, world):
    ada = _ready(session, world)
    dev = _ready(session, world, world.pupils["untaught_k"], destination=("999", "7777"))
    senco = world.users["senco"]

    first = export_ctf(session, actor=senco, pupil=ada, kind=ExportKind.CTF, today=TODAY)
    second = export_ctf(session, actor=senco, pupil=ada, kind=ExportKind.PACK, today=TODAY)
    elsewhere = export_ctf(session, actor=senco, pupil=dev, kind=ExportKind.CTF, today=TODAY)

    assert [first.file_name, second.file_name] == ["9991234_CTF_9995678_001.xml", "9991234_CTF_9995678_002.xml"]
    assert (elsewhere.sequence, elsewhere.file_name) == (1, file_name("9991234", "9997777", 1))
    assert [e.action for e in audit_events(session, "ctf_exported", pupil_id=ada.id)] == ["ctf_exported"]
    pack_audit = audit_events(session, "transfer_pack_exported", pupil_id=ada.id)
    assert [(e.object_type, e.object_id, e.user_id) for e in pack_audit] == [("ctf_export", str(second.id), senco.id)]


def test_a_number_taken_meanwhile_is_given_up_and_the_next_one_used(session, world, monkeypatch):
    """Two SENCOs at once: the first number read was taken before this export was written."""
    from sentrack.workflows import ctf_export

    ada = _ready(session, world)
    taken = export_ctf(session, actor=world.users["senco"], pupil=ada, kind=ExportKind.CTF, today=TODAY)
    reads = iter([0, 1])  # the first read misses the export just made
    monkeypatch.setattr(ctf_export, "_next_sequence", lambda *args: next(reads) + 1)

    export = export_ctf(session, actor=world.users["senco"], pupil=ada, kind=ExportKind.PACK, today=TODAY)

    assert (taken.sequence, export.sequence) == (1, 2)
    assert session.scalar(sa.select(sa.func.count(CtfExport.id))) == 2


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ("no_estab", "establishment number is not recorded"),
        ("not_left", "has not left"),
        ("leaves_later", "has not left"),
        ("no_destination", "record the destination"),
        ("urn_only", "record the destination"),
    ],
)
def test_an_export_is_refused_with_the_reason_and_nothing_stored(session, world, change, message):
    ada = _ready(session, world)
    if change == "no_estab":
        world.school.estab_number = None
    elif change in ("not_left", "leaves_later"):
        undo_leaving(session, actor=world.users["senco"], pupil=ada, today=TODAY)
        if change == "leaves_later":
            ada.left_on, ada.leaving_reason = date(2026, 12, 4), "Moved to another school"
    else:
        ada.destination_la = ada.destination_estab = None
        if change == "no_destination":
            ada.destination_urn = None
    session.commit()

    with pytest.raises(RuleBroken, match=message):
        export_ctf(session, actor=world.users["senco"], pupil=ada, kind=ExportKind.CTF, today=TODAY)
    session.rollback()
    assert session.scalar(sa.select(sa.func.count(CtfExport.id))) == 0


# --- The transfer pack --------------------------------------------------------------------------


def _sen_records(session, world, ada, *, cycle: bool = True):
    senco = world.users["senco"]
    if cycle:
        drive_cycle(session, actor=senco, pupil=ada, to=CycleState.CLOSED)
    kind = make_intervention_type(session, actor=senco, name="Phonics" if cycle else "Phonics again")
    intervention = make_intervention(
        session,
        actor=senco,
        kind=kind,
        deliverer=senco,
        pupils=[ada],
        today=date(2026, 9, 14),
        starts_on=date(2026, 9, 14),
        ends_on=date(2026, 10, 16),
        name="Phonics boost",
    )
    intervention.places[0].impact, intervention.places[0].impact_comment = 2, "Reads with confidence"
    intervention.places[0].impact_recorded_on = date(2026, 10, 20)
    session.add(
        ParentMeeting(
            pupil_id=ada.id,
            held_on=date(2026, 10, 8),
            mode=MeetingMode.IN_PERSON,
            pupil_views="Likes the group",
            outcomes="Keep the phonics group",
        )
    )
    plan = session.scalar(sa.select(EhcPlan).where(EhcPlan.pupil_id == ada.id))
    if plan is None:
        plan = EhcPlan(
            pupil_id=ada.id,
            local_authority_id=world.la.id,
            issued_on=date(2026, 6, 1),
            named_setting="Oak Primary",
            primary_need=NeedType.SPLD,
        )
        session.add(plan)
        session.flush()
    session.add(
        EhcDocument(
            pupil_id=ada.id,
            plan_id=plan.id,
            kind=DocumentKind.PLAN,
            title="Final plan",
            filename="final plan.pdf",
            media_type="application/pdf",
            size=len(PDF),
            sha256=hashlib.sha256(PDF).hexdigest(),
            content=PDF,
        )
    )
    session.commit()


def test_the_transfer_pack_holds_the_ctf_the_readable_record_and_the_ehc_documents(session, world):
    ada = world.pupils["taught"]
    _sen_records(session, world, ada)
    ada.contacts[0].phone_numbers = [("M", "07700 900123"), ("H", "01632 960123")]
    _ready(session, world)

    got = download(session, actor=world.users["senco"], pupil=ada, kind=ExportKind.PACK, today=TODAY)

    assert got.name == "9991234_CTF_9995678_001_transfer_pack.zip" and got.media_type == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(got.content))
    document = session.scalar(sa.select(EhcDocument))
    assert sorted(archive.namelist()) == sorted(
        ["9991234_CTF_9995678_001.xml", "record.html", f"documents/{document.id}-final plan.pdf"]
    )
    assert archive.read(f"documents/{document.id}-final plan.pdf") == PDF
    ctf = read_ctf(archive.read("9991234_CTF_9995678_001.xml"), file_name="in the pack")
    assert ctf.pupils[0].upn == ada.upn
    record = archive.read("record.html").decode()
    shown_all = [ada.upn, "Ada Brook", "Specific learning difficulty", "Cycle 1", "Phonics boost"]
    shown_all += ["Reads with confidence", "Keep the phonics group", "EHC plan issued 1 June 2026", "Final plan"]
    shown_all += ["07700 900123 (mobile), 01632 960123 (home)"]
    for shown in shown_all:
        assert shown in record, shown
    assert "<link" not in record and "<script" not in record and "src=" not in record  # self-contained


def _statements(session, pupil) -> int:
    """The statements `sen_file` runs for a pupil already loaded."""
    session.expire_all()
    session.refresh(pupil)
    seen = []

    def count(conn, cursor, statement, parameters, context, executemany):
        seen.append(statement)

    engine = session.get_bind()
    sa.event.listen(engine, "before_cursor_execute", count)
    try:
        sen_file(session, pupil)
    finally:
        sa.event.remove(engine, "before_cursor_execute", count)
    return len(seen)


def test_the_pack_reads_each_kind_of_record_once_however_many(session, world):
    ada = world.pupils["taught"]
    _sen_records(session, world, ada)
    one = _statements(session, ada)
    for day in (9, 12, 13):
        session.add(
            ParentMeeting(pupil_id=ada.id, held_on=date(2026, 10, day), mode=MeetingMode.PHONE, pupil_views="Fine")
        )
    _sen_records(session, world, ada, cycle=False)  # a second plan, document and intervention
    session.commit()

    assert _statements(session, ada) == one <= 20


# --- The duty: send the SEN file within 15 school days -----------------------------------------

DUTY = "senco_sends_sen_file"


def _sen_file_tasks(session, pupil):
    from sentrack.models import Duty, Task

    return session.scalars(
        sa.select(Task).join(Duty, Duty.id == Task.duty_id).where(Duty.code == DUTY, Task.pupil_id == pupil.id)
    ).all()


def test_fifteen_school_days_count_weekdays_of_the_terms_and_skip_holidays(session, world):
    from sentrack.workflows.terms import terms_of_schools

    assert school_days_after(LEFT_ON, 15, default_terms(2026)) == date(2026, 12, 14)
    session.add_all(
        [
            SchoolTerm(
                school_id=world.school.id,
                academic_year=2026,
                season=Season.AUTUMN,
                starts_on=date(2026, 9, 2),
                ends_on=date(2026, 12, 18),
                half_term_starts_on=date(2026, 10, 26),
                half_term_ends_on=date(2026, 10, 30),
            ),
            SchoolTerm(
                school_id=world.school.id,
                academic_year=2026,
                season=Season.SPRING,
                starts_on=date(2027, 1, 5),
                ends_on=date(2027, 3, 26),
            ),
        ]
    )
    session.flush()
    terms = terms_of_schools(session, [world.school.id], [2026])[world.school.id]

    assert school_days_after(date(2026, 12, 7), 15, terms) == date(2027, 1, 12)  # over the Christmas holiday
    assert school_days_after(date(2026, 10, 19), 5, terms) == date(2026, 11, 2)  # over half term


def test_a_leaver_with_an_sen_record_gives_the_senco_a_task_due_in_15_school_days(session, world):
    ada = _ready(session, world)
    ben = _ready(session, world, world.pupils["taught_plain"])  # no SEN record

    run_sweep(session, TODAY, codes=[DUTY])

    (task,) = _sen_file_tasks(session, ada)
    senco = world.users["senco"]
    assert (task.due_on, task.status, task.assigned_to_id) == (date(2026, 12, 14), TaskStatus.OPEN, senco.id)
    assert task.shown_title == "Send Addie Brook's SEN file to the next school"
    assert task.path == f"/pupils/{ada.public_id}/transfer"
    assert _sen_file_tasks(session, ben) == []
    run_sweep(session, TODAY)  # the whole sweep settles the leaver's other tasks, not this one
    assert _sen_file_tasks(session, ada)[0].status is TaskStatus.OPEN


def test_a_leaver_with_an_ehc_plan_alone_gets_the_task_and_one_who_left_long_ago_none(session, world):
    ben = world.pupils["taught_plain"]
    session.add(
        EhcPlan(
            pupil_id=ben.id,
            local_authority_id=world.la.id,
            issued_on=date(2026, 1, 5),
            named_setting="Oak Primary",
            primary_need=NeedType.ASD,
        )
    )
    _ready(session, world, ben)
    dev = world.pupils["untaught_k"]
    dev.left_on, dev.leaving_reason = date(2025, 7, 1), "Moved away"
    session.commit()

    run_sweep(session, TODAY, codes=[DUTY])

    assert len(_sen_file_tasks(session, ben)) == 1
    assert _sen_file_tasks(session, dev) == []


def test_exporting_the_file_closes_the_task_as_done_naming_the_file(session, world):
    ada = _ready(session, world)
    run_sweep(session, TODAY, codes=[DUTY])

    export_ctf(session, actor=world.users["senco"], pupil=ada, kind=ExportKind.PACK, today=TODAY)

    (task,) = _sen_file_tasks(session, ada)
    assert (task.status, task.done_by_type, task.completed_on) == (TaskStatus.DONE, "ctf_export", TODAY)
    assert task.note == "Done: 9991234_CTF_9995678_001.xml exported on 27 November 2026, recorded by Senco."


def test_an_export_made_before_the_task_closes_it_when_made(session, world):
    ada = _ready(session, world)
    export_ctf(session, actor=world.users["senco"], pupil=ada, kind=ExportKind.CTF, today=TODAY)

    run_sweep(session, TODAY, codes=[DUTY])

    assert _sen_file_tasks(session, ada)[0].status is TaskStatus.DONE


def test_undoing_the_leaving_makes_the_task_no_longer_needed(session, world):
    ada = _ready(session, world)
    run_sweep(session, TODAY, codes=[DUTY])

    undo_leaving(session, actor=world.users["senco"], pupil=ada, today=TODAY)

    (task,) = _sen_file_tasks(session, ada)
    assert task.status is TaskStatus.CANCELLED and task.note == "No longer needed: the leaving was undone."


# --- The leaver's page --------------------------------------------------------------------------


def test_the_senco_downloads_the_ctf_from_the_leavers_page_and_sees_it_listed(session, world, client, login):
    ada = _ready(session, world)
    run_sweep(session, TODAY, codes=[DUTY])
    login(world.users["senco"])
    record = client.get(f"/pupils/{ada.public_id}")
    assert f"/pupils/{ada.public_id}/transfer" in text(record)

    page = client.page(f"/pupils/{ada.public_id}/transfer")
    assert "14 December 2026" in page.text() and "Ash Secondary" in page.text()
    got = client.post(f"/pupils/{ada.public_id}/transfer/ctf")

    assert got.status_code == 200 and got.mimetype == "application/xml"
    assert got.headers["Content-Disposition"] == "attachment; filename=9991234_CTF_9995678_001.xml"
    assert got.headers["Cache-Control"] == "no-store"
    assert read_ctf(got.data, file_name="downloaded").pupils[0].upn == ada.upn
    again = text(client.get(f"/pupils/{ada.public_id}/transfer"))
    assert "9991234_CTF_9995678_001.xml" in again and "(done)" in again
    assert len(audit_events(session, "transfer_page_viewed", pupil_id=ada.id)) == 2


def test_a_download_refused_says_why_on_the_leavers_page(session, world, client, login):
    ada = _ready(session, world)
    ada.destination_la = ada.destination_estab = None
    session.commit()
    login(world.users["senco"])

    answer = client.post(f"/pupils/{ada.public_id}/transfer/pack", follow_redirects=True)

    assert answer.status_code == 200 and "record the destination" in text(answer)
    assert session.scalar(sa.select(sa.func.count(CtfExport.id))) == 0


# --- A download repeated within moments (a double click) ---------------------------------------


def test_a_download_repeated_by_the_same_person_within_the_window_is_the_same_export(session, world):
    ada = _ready(session, world)
    senco = world.users["senco"]

    first = download(session, actor=senco, pupil=ada, kind=ExportKind.CTF, today=TODAY)
    session.commit()
    second = download(session, actor=senco, pupil=ada, kind=ExportKind.CTF, today=TODAY)
    session.commit()

    assert first.name == second.name == "9991234_CTF_9995678_001.xml"
    assert second.export.id == first.export.id
    assert read_ctf(second.content, file_name="again").pupils[0].upn == ada.upn
    assert session.scalar(sa.select(sa.func.count(CtfExport.id))) == 1
    sent = audit_events(session, "ctf_exported", pupil_id=ada.id)
    assert [event.details.get("sent_again", False) for event in sent] == [False, True]
    assert {event.object_id for event in sent} == {str(first.export.id)}


def test_another_person_another_kind_or_a_download_after_the_window_takes_the_next_number(session, world):
    from sentrack.workflows.ctf_export import REPEAT_WINDOW

    ada = _ready(session, world)
    senco, head = world.users["senco"], world.users["head"]
    first = export_ctf(session, actor=senco, pupil=ada, kind=ExportKind.CTF, today=TODAY)
    by_another = export_ctf(session, actor=head, pupil=ada, kind=ExportKind.CTF, today=TODAY)
    as_pack = export_ctf(session, actor=senco, pupil=ada, kind=ExportKind.PACK, today=TODAY)
    for made in (first, by_another, as_pack):
        made.exported_at -= REPEAT_WINDOW + REPEAT_WINDOW / 30  # 31 seconds ago
    session.flush()
    later = export_ctf(session, actor=senco, pupil=ada, kind=ExportKind.CTF, today=TODAY)

    assert [first.sequence, by_another.sequence, as_pack.sequence, later.sequence] == [1, 2, 3, 4]
    assert session.scalar(sa.select(sa.func.count(CtfExport.id))) == 4


def test_a_double_click_on_the_download_sends_one_export_twice(session, world, client, login):
    from sentrack import submissions

    ada = _ready(session, world)
    login(world.users["senco"])
    token = submissions.issue(world.users["senco"].id, secret_key=client.application.secret_key)

    answers = [client.post(f"/pupils/{ada.public_id}/transfer/pack", data={submissions.FIELD: token}) for _ in range(2)]

    names = [answer.headers["Content-Disposition"] for answer in answers]
    assert [answer.status_code for answer in answers] == [200, 200]
    assert names == ["attachment; filename=9991234_CTF_9995678_001_transfer_pack.zip"] * 2
    assert session.scalar(sa.select(sa.func.count(CtfExport.id))) == 1


# --- Two exports to one destination at the same moment, on PostgreSQL ---------------------------


@pytest.mark.no_transaction
def test_two_exports_to_one_destination_at_once_get_001_and_002(monkeypatch):
    """Both read the numbers before either writes: the second's 001 meets the first's in the
    unique constraint, is given up in its savepoint, and it takes 002. Neither fails."""
    import os
    import threading

    from sentrack import create_app
    from sentrack.extensions import db
    from sentrack.workflows import ctf_export
    from tests import factories
    from tests.helpers import own_postgresql_database

    url = os.environ.get("SENTRACK_TEST_DATABASE_URL") or "postgresql://postgres@127.0.0.1:5432/test"
    url = "postgresql+psycopg://" + url.split("://", 1)[1]
    both_read = threading.Barrier(2, timeout=20)
    reading = ctf_export._next_sequence
    first_read = threading.local()

    reads: list = []

    def read_then_wait(*args):
        found = reading(*args)
        reads.append(found)
        if not getattr(first_read, "done", False):
            first_read.done = True
            both_read.wait()
        return found

    monkeypatch.setattr(ctf_export, "_next_sequence", read_then_wait)
    with own_postgresql_database(url, f"sentrack_ctf_race_{os.getpid()}") as own:
        app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": own, "TODAY": TODAY})
        with app.app_context():
            from flask_migrate import upgrade

            upgrade()
            world = factories.build_world(db.session)
            db.session.commit()
            ids = [_ready(db.session, world, world.pupils[key]).id for key in ("taught", "untaught_k")]
            senco_id = world.users["senco"].id
            db.session.remove()
        sequences: list = []

        def export(pupil_id: int) -> None:
            with app.app_context():
                session = db.session
                pupil, senco = session.get(ctf_export.Pupil, pupil_id), session.get(ctf_export.User, senco_id)
                made = export_ctf(session, actor=senco, pupil=pupil, kind=ExportKind.CTF, today=TODAY)
                sequences.append(made.sequence)
                session.commit()
                session.remove()

        threads = [threading.Thread(target=export, args=(pupil_id,)) for pupil_id in ids]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        with app.app_context():
            db.engine.dispose()

    assert sorted(sequences) == [1, 2]
    assert sorted(reads) == [1, 1, 2]  # the number taken meanwhile was read again


@pytest.mark.no_transaction
def test_a_double_click_whose_two_posts_read_at_once_records_one_export(monkeypatch):
    """The same person's two downloads of the same file both read the numbers before either
    writes: the second's 001 meets the first's in the unique constraint and, trying again, finds
    the first's export within the repeat window: one export, 001 sent twice."""
    import os
    import threading

    from sentrack import create_app
    from sentrack.extensions import db
    from sentrack.workflows import ctf_export
    from tests import factories
    from tests.helpers import own_postgresql_database

    url = os.environ.get("SENTRACK_TEST_DATABASE_URL") or "postgresql://postgres@127.0.0.1:5432/test"
    url = "postgresql+psycopg://" + url.split("://", 1)[1]
    both_read = threading.Barrier(2, timeout=20)
    reading = ctf_export._next_sequence
    first_read = threading.local()

    def read_then_wait(*args):
        found = reading(*args)
        if not getattr(first_read, "done", False):
            first_read.done = True
            both_read.wait()
        return found

    monkeypatch.setattr(ctf_export, "_next_sequence", read_then_wait)
    with own_postgresql_database(url, f"sentrack_ctf_twice_{os.getpid()}") as own:
        app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": own, "TODAY": TODAY})
        with app.app_context():
            from flask_migrate import upgrade

            upgrade()
            world = factories.build_world(db.session)
            db.session.commit()
            pupil_id = _ready(db.session, world).id
            senco_id = world.users["senco"].id
            db.session.remove()
        made: list = []

        def export() -> None:
            with app.app_context():
                session = db.session
                pupil, senco = session.get(ctf_export.Pupil, pupil_id), session.get(ctf_export.User, senco_id)
                got = export_ctf(session, actor=senco, pupil=pupil, kind=ExportKind.CTF, today=TODAY)
                made.append((got.id, got.sequence))
                session.commit()
                session.remove()

        threads = [threading.Thread(target=export) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        with app.app_context():
            count = db.session.scalar(sa.select(sa.func.count(CtfExport.id)))
            db.session.remove()
            db.engine.dispose()

    assert len(made) == 2 and len(set(made)) == 1 and made[0][1] == 1
    assert count == 1
