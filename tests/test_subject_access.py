"""Subject access: due dates by the ICO's rule and in school days, extensions, the task that follows
the request, the pages and the export parsed back (every table of the pupil-data registry, withheld
records absent, another pupil's data absent, the audit)."""

from __future__ import annotations

import io
import json
import zipfile
from datetime import UTC, date, datetime

import pytest
import sqlalchemy as sa

from sentrack import submissions
from sentrack.models import (
    AccessKind,
    AccessStatus,
    AuditEvent,
    Concern,
    CtfExport,
    CycleState,
    Draft,
    Duty,
    EhcAdvice,
    EhcDocument,
    EhcException,
    EhcOutcome,
    EhcPlan,
    EhcRequest,
    EhcReview,
    ExportKind,
    ImportBatch,
    InterventionPupil,
    InterventionSession,
    LegalHold,
    MeetingAction,
    MisSen,
    NeedType,
    Notification,
    Observation,
    ParentLetter,
    ParentMeeting,
    PassportRead,
    Provision,
    PupilTransfer,
    RecordRevision,
    Requester,
    Role,
    SchoolTerm,
    Season,
    SenDifference,
    SenStatus,
    SessionAttendance,
    SubjectAccessRequest,
    Task,
    TaskStatus,
    TimelineEvent,
)
from sentrack.workflows import RuleBroken
from sentrack.workflows import subject_access as flow
from sentrack.workflows.pupil_data import PUPIL_TABLES
from sentrack.workflows.school_days import is_school_day, is_working_day, school_days_after
from sentrack.workflows.subject_access_export import build_export
from sentrack.workflows.sweep import run_sweep
from sentrack.workflows.terms import terms_of_schools
from tests import factories
from tests.conftest import TODAY
from tests.helpers import date_parts, field_error

# --- Due dates -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("received", "due"),
    [
        (date(2026, 11, 12), date(2026, 12, 14)),  # 12 December is a Saturday: the Monday after
        (date(2028, 1, 31), date(2028, 2, 29)),  # no 31 February: the month's last day, a Tuesday
        (date(2027, 1, 31), date(2027, 3, 1)),  # 28 February 2027 is a Sunday
        (date(2026, 7, 31), date(2026, 9, 1)),  # 31 August 2026: the late summer bank holiday
        (date(2026, 4, 4), date(2026, 5, 5)),  # 4 May 2026: the early May bank holiday
        (date(2026, 11, 25), date(2026, 12, 29)),  # Christmas Friday, weekend, Boxing Day on Monday 28th
        (date(2026, 10, 14), date(2026, 11, 16)),  # 14 November is a Saturday
        (date(2026, 10, 13), date(2026, 11, 13)),  # a Friday: the same date
    ],
)
def test_a_subject_access_request_is_due_a_calendar_month_on_by_the_icos_rule(received, due):
    assert flow.month_due(received) == due


def test_working_days_leave_out_weekends_and_englands_bank_holidays():
    assert not is_working_day(date(2026, 12, 25))
    assert not is_working_day(date(2026, 12, 28))  # Boxing Day's substitute
    assert not is_working_day(date(2026, 12, 26))  # a Saturday
    assert is_working_day(date(2026, 12, 29))
    assert not is_working_day(date(2027, 5, 3))


def test_an_extension_is_three_months_from_the_day_received_by_the_same_rule():
    assert flow.extended_due(date(2026, 11, 25)) == date(2027, 2, 25)
    assert flow.extended_due(date(2026, 11, 30)) == date(2027, 3, 1)  # 28 February 2027 is a Sunday


def _summer_term(session, school):
    session.add(
        SchoolTerm(
            school_id=school.id,
            academic_year=2026,
            season=Season.SUMMER,
            starts_on=date(2027, 4, 12),
            ends_on=date(2027, 7, 21),
            half_term_starts_on=date(2027, 5, 31),
            half_term_ends_on=date(2027, 6, 4),
        )
    )
    session.flush()


def test_fifteen_school_days_skip_a_bank_holiday_in_term_and_the_half_term(session, world):
    _summer_term(session, world.school)
    terms = terms_of_schools(session, [world.school.id], [2026])[world.school.id]
    assert not is_school_day(date(2027, 5, 3), terms)  # the early May bank holiday, in term
    assert is_school_day(date(2027, 5, 4), terms)
    # From Monday 26 April: the bank holiday on 3 May is no school day, so the 15th is the 18th.
    assert school_days_after(date(2027, 4, 26), 15, terms) == date(2027, 5, 18)
    # From Thursday 20 May: six days to the half-term, which (with its bank holiday) counts none.
    assert school_days_after(date(2027, 5, 20), 15, terms) == date(2027, 6, 17)
    assert flow.school_days_due(session, world.school.id, date(2027, 5, 20)) == date(2027, 6, 17)


def test_a_register_on_a_bank_holiday_says_so(session, world):
    from sentrack.workflows import registers

    _summer_term(session, world.school)
    assert registers.unusual_day(session, world.school, date(2027, 5, 3)) == "a bank holiday"
    assert registers.unusual_day(session, world.school, date(2027, 5, 4)) is None


def test_the_ctf_deadline_skips_a_bank_holiday_in_term(session, world):
    _summer_term(session, world.school)
    terms = terms_of_schools(session, [world.school.id], [2026])[world.school.id]
    # Left on Friday 30 April 2027: Monday 3 May is the bank holiday, so the 15th school day is Mon 24 May.
    assert school_days_after(date(2027, 4, 30), 15, terms) == date(2027, 5, 24)


# --- Recording and managing requests ---------------------------------------------------------------


def _details(pupil, **changes) -> flow.RequestDetails:
    values = {
        "pupil": pupil,
        "kind": AccessKind.SUBJECT_ACCESS,
        "requester_name": "Mrs Brook",
        "requester": Requester.PARENT,
        "received_on": date(2026, 11, 12),
    }
    return flow.RequestDetails(**(values | changes))


def _record(session, world, **changes) -> SubjectAccessRequest:
    return flow.record_request(
        session, actor=world.users["senco"], details=_details(world.pupils["taught"], **changes), today=TODAY
    )


def test_a_request_is_recorded_with_its_due_date_and_audited(session, world):
    request = _record(session, world)
    assert (request.due_on, request.status, request.recorded_by_id) == (
        date(2026, 12, 14),
        AccessStatus.OPEN,
        world.users["senco"].id,
    )
    event = session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "subject_access_recorded")).one()
    assert (event.pupil_id, event.object_type, event.object_id) == (
        world.pupils["taught"].id,
        "subject_access_request",
        str(request.id),
    )


def test_a_parents_request_to_see_the_educational_record_is_due_in_15_school_days(session, world):
    request = _record(session, world, kind=AccessKind.EDUCATIONAL_RECORD, received_on=date(2026, 11, 20))
    # The default autumn term has no half-term: 15 weekdays after Friday 20 November.
    assert request.due_on == date(2026, 12, 11)


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"received_on": date(2026, 11, 28)}, "received_on", "cannot be in the future"),
        ({"received_on": None}, "received_on", "Enter the date"),
        ({"received_on": date(2014, 1, 1)}, "received_on", "before the pupil was born"),
        ({"kind": None}, "kind", "Select what was asked for"),
        ({"requester": None}, "requester", "Select who asked"),
        ({"requester_name": "  "}, "requester_name", "Enter the name"),
        (
            {"kind": AccessKind.EDUCATIONAL_RECORD, "requester": Requester.PUPIL},
            "requester",
            "Only a parent asks to see the educational record",
        ),
    ],
)
def test_bad_requests_are_refused_and_nothing_is_stored(session, world, changes, field, message):
    with pytest.raises(RuleBroken) as refused:
        _record(session, world, **changes)
    assert any(p.field == field and message in p.message for p in refused.value.each)
    assert session.scalar(sa.select(sa.func.count()).select_from(SubjectAccessRequest)) == 0


def test_a_request_before_the_pupil_joined_the_school_is_refused(session, world):
    world.pupils["taught"].admitted_on = date(2026, 9, 1)
    with pytest.raises(RuleBroken, match="before the pupil joined the school"):
        _record(session, world, received_on=date(2026, 8, 31))
    assert _record(session, world, received_on=date(2026, 9, 1)).due_on == date(2026, 10, 1)


def test_a_school_not_maintained_is_not_offered_the_educational_record(session, world):
    world.school.maintained = False
    session.flush()
    assert flow.kinds_offered(False) == [AccessKind.SUBJECT_ACCESS]
    with pytest.raises(RuleBroken, match="Only a maintained school"):
        _record(session, world, kind=AccessKind.EDUCATIONAL_RECORD)


def test_a_request_is_extended_once_by_two_months_before_its_due_date(session, world):
    request = _record(session, world)
    senco = world.users["senco"]
    flow.extend_request(session, actor=senco, request=request, reason="Records held in several places", today=TODAY)
    assert (request.due_on, request.extended_on) == (date(2027, 2, 12), TODAY)
    with pytest.raises(RuleBroken, match="already extended"):
        flow.extend_request(session, actor=senco, request=request, reason="Again", today=TODAY)


def test_an_extension_needs_a_reason_and_comes_before_the_due_date(session, world):
    request = _record(session, world, received_on=date(2026, 10, 13))  # due 13 November
    senco = world.users["senco"]
    with pytest.raises(RuleBroken, match="only by its due date"):
        flow.extend_request(session, actor=senco, request=request, reason="Complex", today=TODAY)
    other = _record(session, world)
    with pytest.raises(RuleBroken, match="Enter why"):
        flow.extend_request(session, actor=senco, request=other, reason=" ", today=TODAY)
    record = _record(session, world, kind=AccessKind.EDUCATIONAL_RECORD)
    with pytest.raises(RuleBroken, match="Only a subject access request"):
        flow.extend_request(session, actor=senco, request=record, reason="Complex", today=TODAY)
    assert other.extended_on is None and other.due_on == date(2026, 12, 14)


# --- The task --------------------------------------------------------------------------------------


def _tasks(session, request):
    return session.scalars(
        sa.select(Task)
        .join(Duty, Duty.id == Task.duty_id)
        .where(Duty.code == flow.DUTY, Task.subject_type == "subject_access_request", Task.subject_id == request.id)
    ).all()


def test_the_task_follows_the_request_and_closes_when_it_is_answered(session, world):
    request = _record(session, world)
    run_sweep(session, TODAY, codes=[flow.DUTY])
    (task,) = _tasks(session, request)
    assert (task.status, task.due_on, task.for_role, task.assigned_to_id) == (
        TaskStatus.OPEN,
        date(2026, 12, 14),
        Role.SENCO,
        world.users["senco"].id,
    )
    flow.extend_request(session, actor=world.users["senco"], request=request, reason="Complex", today=TODAY)
    session.refresh(task)
    assert task.due_on == request.due_on == date(2027, 2, 12)

    flow.close_request(
        session, actor=world.users["head"], request=request, status=AccessStatus.ANSWERED, on=TODAY, today=TODAY
    )
    session.refresh(task)
    assert (task.status, task.done_by_type, task.done_by_id, task.completed_by_id) == (
        TaskStatus.DONE,
        "subject_access_request",
        request.id,
        world.users["head"].id,
    )
    run_sweep(session, TODAY, codes=[flow.DUTY])
    assert len(_tasks(session, request)) == 1


def test_a_withdrawn_request_needs_its_task_no_longer(session, world):
    request = _record(session, world)
    run_sweep(session, TODAY, codes=[flow.DUTY])
    flow.close_request(
        session, actor=world.users["senco"], request=request, status=AccessStatus.WITHDRAWN, on=TODAY, today=TODAY
    )
    (task,) = _tasks(session, request)
    assert task.status is TaskStatus.CANCELLED and "withdrawn" in task.note


def test_a_leavers_request_keeps_its_task(session, world):
    pupil = world.pupils["taught"]
    request = _record(session, world)
    pupil.left_on, pupil.leaving_reason = date(2026, 11, 20), "Moved away"
    session.flush()
    run_sweep(session, TODAY, codes=[flow.DUTY])
    (task,) = _tasks(session, request)
    assert task.status is TaskStatus.OPEN


def test_closing_refuses_a_date_in_the_future_or_before_the_request(session, world):
    request = _record(session, world)
    senco = world.users["senco"]
    with pytest.raises(RuleBroken, match="future"):
        flow.close_request(
            session, actor=senco, request=request, status=AccessStatus.ANSWERED, on=date(2026, 12, 1), today=TODAY
        )
    with pytest.raises(RuleBroken, match="before the request was received"):
        flow.close_request(
            session, actor=senco, request=request, status=AccessStatus.ANSWERED, on=date(2026, 11, 1), today=TODAY
        )
    assert request.status is AccessStatus.OPEN


# --- The export ------------------------------------------------------------------------------------

MOMENT = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)


def _everything(session, world, pupil, other):
    """At least one record of `pupil` in every table of the registry (and some of `other`)."""
    senco = world.users["senco"]
    cycle = factories.drive_cycle(session, actor=senco, pupil=pupil, to=CycleState.CLOSED)
    session.add(Observation(cycle_id=cycle.id, observed_on=date(2026, 10, 1), note="Read a page aloud"))
    kind = factories.make_intervention_type(session, actor=senco)
    intervention = factories.make_intervention(
        session, actor=senco, kind=kind, deliverer=world.users["ta"], pupils=[pupil, other]
    )
    held = InterventionSession(intervention_id=intervention.id, held_on=date(2026, 11, 2))
    session.add(held)
    session.flush()
    session.add_all(
        [
            SessionAttendance(session_id=held.id, pupil_id=pupil.id, attended=True),
            SessionAttendance(session_id=held.id, pupil_id=other.id, attended=True),
        ]
    )
    for someone in (pupil, other):
        session.add(
            Concern(
                pupil_id=someone.id,
                raised_on=date(2026, 10, 5),
                description=f"Concern about {someone.last_name}",
                deadline=date(2026, 11, 2),
            )
        )
    meeting = ParentMeeting(pupil_id=pupil.id, mode="in_person", planned_for=date(2026, 12, 3))
    session.add(meeting)
    session.flush()
    session.add(
        MeetingAction(meeting_id=meeting.id, position=1, what="Send the reading list", owner_id=senco.id, due_on=TODAY)
    )
    request = EhcRequest(pupil_id=pupil.id, requested_by="parent", received_on=date(2026, 9, 10))
    session.add(request)
    session.flush()
    session.add_all(
        [
            EhcAdvice(request_id=request.id, adviser="Educational psychologist", asked_on=date(2026, 9, 20)),
            EhcException(request_id=request.id, kind="away", starts_on=date(2026, 10, 1), reason="Family away"),
        ]
    )
    plan = EhcPlan(
        pupil_id=pupil.id,
        local_authority_id=world.la.id,
        issued_on=date(2026, 11, 1),
        named_setting="Oak Primary",
        primary_need=NeedType.SPLD,
    )
    session.add(plan)
    session.flush()
    session.add_all(
        [
            EhcOutcome(plan_id=plan.id, position=1, description="Reads age-appropriate books"),
            EhcReview(plan_id=plan.id, meeting_on=date(2027, 10, 1)),
            EhcDocument(
                pupil_id=pupil.id,
                plan_id=plan.id,
                kind="plan",
                title="The plan",
                filename="plan.pdf",
                media_type="application/pdf",
                size=9,
                sha256="0" * 64,
                content=b"%PDF-plan",
            ),
        ]
    )
    status = session.scalars(sa.select(SenStatus).where(SenStatus.pupil_id == pupil.id)).first()
    batch = ImportBatch(school_id=world.school.id, kind="ctf", file_name="x.xml", digest="0" * 64, rows=[], counts={})
    session.add(batch)
    session.flush()
    session.add_all(
        [
            PassportRead(pupil_id=pupil.id, user_id=world.users["teacher"].id, sen_status_id=status.id, read_on=TODAY),
            MisSen(pupil_id=pupil.id, batch_id=batch.id, provision=Provision.SEN_SUPPORT),
            SenDifference(pupil_id=pupil.id, batch_id=batch.id, provision=Provision.EHC_PLAN),
            CtfExport(
                pupil_id=pupil.id,
                school_id=world.school.id,
                destination="9992001",
                sequence=1,
                kind=ExportKind.CTF,
                file_name="x.xml",
            ),
            PupilTransfer(from_pupil_id=pupil.id, to_school_id=world.sibling.id, details={}),
            Draft(
                user_id=senco.id,
                form_key=f"cycles.review:number=1,public_id={pupil.public_id}",
                fields={"pupil_views": ["Likes maths"]},
                saved_at=MOMENT,
            ),
            Draft(
                user_id=senco.id,
                form_key=f"cycles.review:number=1,public_id={other.public_id}",
                fields={"pupil_views": ["Other child"]},
                saved_at=MOMENT,
            ),
            RecordRevision(record_type="pupil", record_id=pupil.id, version=1, snapshot={"first_name": "Ada"}),
            RecordRevision(record_type="pupil", record_id=other.id, version=1, snapshot={"first_name": "Ben"}),
        ]
    )
    if not session.scalar(sa.select(ParentLetter.id).where(ParentLetter.pupil_id == pupil.id)):
        session.add(ParentLetter(pupil_id=pupil.id, sen_status_id=status.id, kind="sen_support", created_on=TODAY))
    session.flush()
    run_sweep(session, TODAY)  # tasks, and notifications of them
    session.add(
        Notification.once(
            senco.id,
            "wave3_off_register",
            session.scalars(sa.select(InterventionPupil).where(InterventionPupil.pupil_id == pupil.id)).one(),
            title="Off the register",
            body="A pupil came off the register",
            link=f"/pupils/{pupil.public_id}",
        )
    )
    session.add(AuditEvent(action="pupil_viewed", user_id=senco.id, pupil_id=pupil.id, school_id=world.school.id))
    session.add(AuditEvent(action="pupil_viewed", user_id=senco.id, pupil_id=other.id, school_id=world.school.id))
    session.add(LegalHold(pupil_id=pupil.id, reason="A claim is expected", placed_by_id=senco.id))
    session.add(LegalHold(pupil_id=other.id, reason="Another claim", placed_by_id=senco.id))
    session.flush()


def _unzip(content: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def _key(entry, row) -> object:
    return row["id"] if "id" in row else tuple(sorted((k, v) for k, v in row.items() if k.endswith("_id")))


def test_the_export_holds_every_record_of_the_pupil_in_every_table_and_no_other_pupils(session, world):
    pupil, other = world.pupils["taught"], world.pupils["taught_plain"]
    _everything(session, world, pupil, other)
    earlier = _record(session, world, received_on=date(2026, 11, 2))
    some_event = session.scalars(sa.select(TimelineEvent.id).where(TimelineEvent.pupil_id == pupil.id)).first()
    flow.withhold(
        session, actor=world.users["senco"], request=earlier, table_name="timeline_event", row_id=some_event, reason="x"
    )
    request = _record(session, world)
    files = _unzip(build_export(session, request, made_on=TODAY))

    for entry in PUPIL_TABLES:
        exported = json.loads(files[f"data/{entry.name}.json"])
        held = [dict(row) for row in session.execute(entry.rows_of(pupil.id)).mappings()]
        assert exported, f"no record of the pupil in {entry.name}"
        assert {json.dumps(_key(entry, r), default=str) for r in exported} == {
            json.dumps(_key(entry, r), default=str) for r in held
        }, entry.name
        others = [dict(row) for row in session.execute(entry.rows_of(other.id)).mappings()]
        other_ids = {r["id"] for r in others if "id" in r}
        assert not other_ids & {r["id"] for r in exported if "id" in r}, entry.name

    everything = b"".join(files.values()).decode("utf-8", "replace")
    assert other.last_name not in everything and "Other child" not in everything
    record = files["record.html"].decode()
    assert pupil.last_name in record and "Support plans" in record and "Who saw and changed the record" in record
    assert files["documents/" + json.loads(files["data/ehc_document.json"])[0]["content"].split("/", 1)[1]] == (
        b"%PDF-plan"
    )


def test_withheld_records_are_left_out_and_listed_with_the_reason(session, world):
    pupil = world.pupils["taught"]
    senco = world.users["senco"]
    concern = Concern(
        pupil_id=pupil.id,
        raised_on=date(2026, 10, 5),
        description="Told us about a neighbour's child",
        deadline=date(2026, 11, 2),
    )
    kept = TimelineEvent(pupil_id=pupil.id, kind="note", title="Visible note", effective_on=date(2026, 10, 6))
    session.add_all([concern, kept])
    session.flush()
    request = _record(session, world)
    flow.withhold(
        session, actor=senco, request=request, table_name="concern", row_id=concern.id, reason="Third-party information"
    )
    with pytest.raises(RuleBroken, match="withheld already"):
        flow.withhold(session, actor=senco, request=request, table_name="concern", row_id=concern.id, reason="Again")
    with pytest.raises(RuleBroken, match="has no record"):
        other_concern = Concern(
            pupil_id=world.pupils["taught_plain"].id,
            raised_on=date(2026, 10, 5),
            description="x",
            deadline=date(2026, 11, 2),
        )
        session.add(other_concern)
        session.flush()
        flow.withhold(session, actor=senco, request=request, table_name="concern", row_id=other_concern.id, reason="x")

    files = _unzip(build_export(session, request, made_on=TODAY))
    assert concern.id not in {row["id"] for row in json.loads(files["data/concern.json"])}
    assert kept.id in {row["id"] for row in json.loads(files["data/timeline_event.json"])}
    assert json.loads(files["data/withheld.json"]) == [{"kind": "Concerns raised", "reason": "Third-party information"}]
    everything = b"".join(files.values()).decode("utf-8", "replace")
    assert "neighbour" not in everything
    assert "Third-party information" in files["record.html"].decode()


# --- The pages -------------------------------------------------------------------------------------


def _post_request(client, pupil, **changes):
    data = {
        "kind": "subject_access",
        "requester": "parent",
        "requester_name": "Mrs Brook",
        "received_on": date_parts(date(2026, 11, 12)),
    } | changes
    return client.post(f"/pupils/{pupil.public_id}/subject-access/new", data=data)


def test_the_senco_records_a_request_and_downloads_the_export_audited(client, login, session, world):
    pupil = world.pupils["taught"]
    login(world.users["senco"])
    response = _post_request(client, pupil)
    assert response.status_code == 302
    request = session.scalars(sa.select(SubjectAccessRequest)).one()
    page = client.page(f"/subject-access/{request.id}")
    assert "14 December 2026" in page.text()
    download = client.post(f"/subject-access/{request.id}/export", data={})
    assert download.status_code == 200 and download.mimetype == "application/zip"
    assert download.headers["Cache-Control"] == "no-store"
    assert pupil.last_name not in download.headers["Content-Disposition"]
    assert "data/pupil.json" in _unzip(download.data)
    actions = set(
        session.scalars(sa.select(AuditEvent.action).where(AuditEvent.object_type == "subject_access_request")).all()
    )
    assert {"subject_access_recorded", "subject_access_viewed", "subject_access_exported"} <= actions


def test_a_future_date_is_refused_beside_the_field_and_nothing_stored(client, login, session, world):
    login(world.users["head"])
    response = _post_request(client, world.pupils["taught"], received_on=date_parts(date(2026, 12, 1)))
    assert response.status_code == 200
    assert "cannot be in the future" in (field_error(response.get_data(as_text=True), "received_on") or "")
    assert session.scalar(sa.select(sa.func.count()).select_from(SubjectAccessRequest)) == 0


def test_a_pupil_of_another_school_is_not_found_and_a_teacher_is_forbidden(client, login, world):
    login(world.users["senco"])
    assert _post_request(client, world.pupils["foreign"]).status_code == 404
    login(world.users["teacher"])
    assert client.get("/subject-access").status_code == 403
    assert client.get(f"/pupils/{world.pupils['taught'].public_id}/subject-access/new").status_code == 404


def test_the_educational_record_is_not_offered_by_a_school_not_maintained(client, login, session, world):
    world.school.maintained = False
    session.commit()
    login(world.users["senco"])
    page = client.page(f"/pupils/{world.pupils['taught'].public_id}/subject-access/new")
    assert "educational record" not in " ".join(page.texts("label"))
    response = _post_request(client, world.pupils["taught"], kind="educational_record")
    assert response.status_code == 200
    assert session.scalar(sa.select(sa.func.count()).select_from(SubjectAccessRequest)) == 0


def test_the_senco_says_the_school_is_not_maintained_in_the_settings(client, login, session, world):
    from sentrack.workflows.settings import RULE_SETTINGS, YEARS_TAUGHT

    login(world.users["senco"])
    page = client.page("/settings/rules")
    assert page.soup.select_one("input[name=maintained][value=True]").has_attr("checked")
    data = {name: str(getattr(world.school, name)) for name in (*RULE_SETTINGS, *YEARS_TAUGHT)}
    refused = client.post("/settings/rules", data=data | {"version": page.value("version"), "maintained": "maybe"})
    problem = field_error(refused.get_data(as_text=True), "maintained") or ""
    assert "Select whether the school is maintained" in problem
    session.refresh(world.school)
    assert world.school.maintained is True

    response = client.post("/settings/rules", data=data | {"version": page.value("version"), "maintained": "False"})
    assert response.status_code == 302
    session.refresh(world.school)
    assert world.school.maintained is False
    event = session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "rule_settings_changed")).one()
    assert event.details["changed"] == ["maintained"]
    assert "No: an academy or free school" in client.page("/settings").text()


def test_the_forms_that_create_records_save_once_when_sent_twice(client, world, login, session):
    """A request recorded, and a record withheld, each form sent twice with the token its page
    carried: the first post saves, the second is answered with the same redirect."""
    client.sends_submission_tokens = False
    pupil = world.pupils["taught"]
    login(world.users["senco"])

    def twice(url, data):
        posted = {**data, submissions.FIELD: client.page(url).submission_token()}
        first = client.post(url, data=posted)
        second = client.post(url, data=posted)
        assert first.status_code == second.status_code == 302
        assert first.headers["Location"] == second.headers["Location"]

    url = f"/pupils/{pupil.public_id}/subject-access/new"
    twice(
        url,
        {
            "kind": "subject_access",
            "requester": "parent",
            "requester_name": "Mrs Brook",
            "received_on": date_parts(date(2026, 11, 12)),
        },
    )
    request = session.scalars(sa.select(SubjectAccessRequest)).one()
    twice(
        f"/subject-access/{request.id}/withhold",
        {"table_name": "pupil", "row_id": str(pupil.id), "reason": "Third-party information"},
    )
    session.expire_all()
    assert len(session.scalars(sa.select(SubjectAccessRequest)).one().withheld) == 1
