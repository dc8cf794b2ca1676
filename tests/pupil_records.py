"""A pupil with a record in every table of the pupil-data registry (`pupil_data.PUPIL_TABLES`), for
the tests of destruction (and of anything else that must reach every kind of record). The pupil
has left; their name and UPN are written into free text wherever staff could type them, so that a
scan for them finds what was left behind.

`records_missing` names the registry's tables where the pupil has no row: a table added to the
registry and not built here fails the tests that use this, until it is added below."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from sentrack.models import (
    AccessKind,
    AccessStatus,
    Assessment,
    AuditEvent,
    Concern,
    CtfExport,
    CycleState,
    DocumentKind,
    Draft,
    Duty,
    EhcAdvice,
    EhcDocument,
    EhcException,
    EhcOutcome,
    EhcPlan,
    EhcRequest,
    EhcRequester,
    EhcReview,
    ExceptionKind,
    ExportKind,
    ImportBatch,
    ImportKind,
    ImportStatus,
    InterventionSession,
    LegalHold,
    MeetingAction,
    MisSen,
    NeedType,
    Notification,
    Observation,
    Outcome,
    ParentLetter,
    ParentMeeting,
    PassportRead,
    Plan,
    Provision,
    Pupil,
    PupilTransfer,
    RecordRevision,
    Requester,
    Review,
    Role,
    SenDifference,
    SenStatus,
    SessionAttendance,
    SubjectAccessRequest,
    SubjectAccessWithheld,
    SupportCycle,
    Task,
    TimelineEvent,
    TransferStatus,
    User,
)
from sentrack.models.enums import AreaOfNeed
from sentrack.workflows.pupil_data import PUPIL_TABLES
from tests import factories

FIRST, LAST = "Zephyrine", "Quillfeather"
NAME = f"{FIRST} {LAST}"
BORN = date(1990, 3, 14)  # an SEN file kept to 2021: long past its date
LEFT = date(2001, 7, 20)
DOCUMENT_BYTES = b"%PDF-1.4 EHC plan of " + NAME.encode()
AT = datetime(2001, 6, 1, 9, 0, tzinfo=UTC)


@dataclass
class Built:
    pupil: Pupil
    upn: str
    public_id: str


def _cycle(session: Session, pupil: Pupil, actor: User) -> SupportCycle:
    cycle = SupportCycle(
        pupil_id=pupil.id, number=1, state=CycleState.CLOSED, opened_on=date(2000, 9, 4), closed_on=date(2001, 3, 1)
    )
    session.add(cycle)
    session.flush()
    outcome = Outcome(
        cycle_id=cycle.id,
        description=f"{FIRST} reads a page aloud",
        success_criteria="Ten words a minute more",
        area_of_need=AreaOfNeed.COGNITION,
        target_date=date(2001, 2, 1),
    )
    session.add_all(
        [
            outcome,
            Assessment(
                cycle_id=cycle.id,
                strengths=f"{NAME} loves stories",
                difficulties="Decoding",
                evidence="Reading test",
                assessed_on=date(2000, 9, 10),
            ),
            Plan(cycle_id=cycle.id, starts_on=date(2000, 9, 15), review_date=date(2001, 2, 1)),
            Review(cycle_id=cycle.id),
        ]
    )
    session.flush()
    session.add(Observation(cycle_id=cycle.id, observed_on=date(2000, 10, 2), note=f"{FIRST} sat with her friend"))
    meeting = ParentMeeting(pupil_id=pupil.id, mode="in_person", planned_for=date(2000, 11, 2), cycle_id=cycle.id)
    session.add(meeting)
    session.flush()
    session.add(
        MeetingAction(
            meeting_id=meeting.id,
            position=1,
            what=f"Send {FIRST}'s book home",
            due_on=date(2000, 11, 9),
            owner_id=actor.id,
        )
    )
    session.add(
        TimelineEvent(
            pupil_id=pupil.id,
            kind="cycle_opened",
            title=f"Cycle opened for {NAME}",
            effective_on=date(2000, 9, 4),
            cycle_id=cycle.id,
        )
    )
    return cycle


def _ehc(session: Session, pupil: Pupil, la_id: int) -> EhcPlan:
    request = EhcRequest(pupil_id=pupil.id, requested_by=EhcRequester.SCHOOL, received_on=date(2000, 10, 1))
    session.add(request)
    session.flush()
    plan = EhcPlan(
        pupil_id=pupil.id,
        request_id=request.id,
        local_authority_id=la_id,
        issued_on=date(2001, 2, 1),
        named_setting="Oak Primary",
        primary_need=NeedType.SPLD,
    )
    session.add_all(
        [
            plan,
            EhcAdvice(request_id=request.id, adviser="Educational psychologist", asked_on=date(2000, 10, 8)),
            EhcException(
                request_id=request.id, kind=ExceptionKind.AWAY, starts_on=date(2000, 12, 1), reason=f"{FIRST} abroad"
            ),
        ]
    )
    session.flush()
    session.add_all(
        [
            EhcOutcome(plan_id=plan.id, position=1, description=f"{FIRST} reads independently"),
            EhcReview(plan_id=plan.id, meeting_on=date(2001, 6, 1)),
            EhcDocument(
                pupil_id=pupil.id,
                plan_id=plan.id,
                kind=DocumentKind.PLAN,
                title=f"EHC plan of {NAME}",
                filename="plan.pdf",
                media_type="application/pdf",
                size=len(DOCUMENT_BYTES),
                sha256="0" * 64,
                content=DOCUMENT_BYTES,
            ),
        ]
    )
    return plan


def _exchange(session: Session, pupil: Pupil, world, actor: User) -> None:
    batch = ImportBatch(
        school_id=pupil.school_id,
        kind=ImportKind.CTF,
        file_name="in.xml",
        digest="1" * 64,
        status=ImportStatus.APPLIED,
        rows=[
            {"position": 1, "label": NAME, "status": "CHANGED", "record_id": pupil.id, "values": {"upn": pupil.upn}},
            {"position": 2, "label": "Other Child", "status": "NEW", "record_id": None, "values": {"upn": "X"}},
        ],
        counts={"rows": 2},
        uploaded_by_id=actor.id,
        decided_by_id=actor.id,
        decided_at=AT,
    )
    session.add(batch)
    session.flush()
    session.add_all(
        [
            MisSen(pupil_id=pupil.id, batch_id=batch.id, provision=Provision.SEN_SUPPORT, needs=[]),
            SenDifference(pupil_id=pupil.id, batch_id=batch.id, provision=Provision.SEN_SUPPORT),
            CtfExport(
                pupil_id=pupil.id,
                school_id=pupil.school_id,
                destination="9992001",
                sequence=1,
                kind=ExportKind.CTF,
                file_name="out.xml",
                exported_by_id=actor.id,
            ),
            PupilTransfer(
                from_pupil_id=pupil.id,
                to_school_id=world.sibling.id,
                details={"first_name": FIRST, "last_name": LAST, "upn": pupil.upn},
                status=TransferStatus.DECLINED,
                decided_at=AT,
                note=f"Not our {FIRST}",
            ),
        ]
    )


def _work(session: Session, pupil: Pupil, world, actor: User, status: SenStatus) -> None:
    duty = session.scalar(sa.select(Duty).limit(1))
    if duty is None:
        duty = Duty(
            code="senco_holds_review",
            role=Role.SENCO,
            title="Hold the review",
            clause="",
            trigger_kind="event",
            trigger="",
            due_rule="",
            active=True,
        )
        session.add(duty)
        session.flush()
    task = Task(
        school_id=pupil.school_id,
        duty_id=duty.id,
        subject_type="pupil",
        subject_id=pupil.id,
        period="",
        pupil_id=pupil.id,
        for_role=Role.SENCO,
        title="Review {pupil}",
        title_template="Review {pupil}",
        link_endpoint="pupils.show",
        link_args={"public_id": pupil.public_id},
        due_on=date(2001, 5, 1),
    )
    session.add(task)
    session.flush()
    session.add_all(
        [
            Notification(
                recipient_id=actor.id,
                kind="task_assigned",
                subject_type="task",
                subject_id=task.id,
                period="",
                title="A task",
                body="A task for you",
                link=f"/pupils/{pupil.public_id}",
            ),
            RecordRevision(
                record_type="pupil",
                record_id=pupil.id,
                version=1,
                snapshot={"first_name": FIRST, "upn": pupil.upn},
                saved_by_id=actor.id,
            ),
            Draft(
                user_id=actor.id,
                form_key=f"cycles.review:number=1,public_id={pupil.public_id}",
                fields={"pupil_views": [f"{FIRST} said"]},
                saved_at=AT,
            ),
            AuditEvent(
                action="pupil_viewed",
                user_id=actor.id,
                actor_name=actor.full_name,
                school_id=pupil.school_id,
                pupil_id=pupil.id,
                object_type="pupil",
                object_id=str(pupil.id),
                details={"fields": ["first_name"]},
            ),
            Concern(
                pupil_id=pupil.id,
                raised_on=date(2000, 9, 1),
                description=f"{NAME} finds reading hard",
                deadline=date(2000, 9, 29),
                status="assessed",
                decided_on=date(2000, 9, 3),
            ),
            ParentLetter(
                pupil_id=pupil.id, sen_status_id=status.id, kind="sen_support_started", created_on=date(2000, 9, 5)
            ),
            PassportRead(
                pupil_id=pupil.id, user_id=world.users["teacher"].id, sen_status_id=status.id, read_on=date(2000, 9, 20)
            ),
            LegalHold(
                pupil_id=pupil.id,
                reason=f"Claim about {NAME}, settled",
                placed_by_id=actor.id,
                placed_at=AT,
                lifted_by_id=actor.id,
                lifted_at=AT,
            ),
        ]
    )
    request = SubjectAccessRequest(
        pupil_id=pupil.id,
        kind=AccessKind.SUBJECT_ACCESS,
        requester_name=f"Parent of {NAME}",
        requester=Requester.PARENT,
        received_on=date(2001, 5, 1),
        due_on=date(2001, 6, 1),
        status=AccessStatus.ANSWERED,
        closed_on=date(2001, 5, 20),
        closed_by_id=actor.id,
        recorded_by_id=actor.id,
    )
    session.add(request)
    session.flush()
    session.add(
        SubjectAccessWithheld(request_id=request.id, table_name="contact", row_id=0, reason=f"About {NAME}'s aunt")
    )


def _intervention(session: Session, pupil: Pupil, world) -> None:
    senco = world.users["senco"]
    kind = factories.make_intervention_type(session, actor=senco)
    intervention = factories.make_intervention(session, actor=senco, kind=kind, deliverer=senco, pupils=[pupil])
    held = InterventionSession(intervention_id=intervention.id, held_on=date(2026, 11, 2), note="Group read")
    session.add(held)
    session.flush()
    session.add(SessionAttendance(session_id=held.id, pupil_id=pupil.id, attended=True))


def pupil_with_every_record(session: Session, world) -> Built:
    """A leaver of `world.school` on SEN support, with a row in every table of the registry, past
    the retention date of an SEN file. Flushed, not committed."""
    senco = world.users["senco"]
    pupil = factories.make_pupil(
        session, world.school, first=FIRST, last=LAST, provision=Provision.SEN_SUPPORT, group=world.group
    )
    _intervention(session, pupil, world)  # while on the roll
    status = session.scalar(sa.select(SenStatus).where(SenStatus.pupil_id == pupil.id))
    pupil.date_of_birth, pupil.medical_notes = BORN, f"{FIRST} has asthma"
    pupil.left_on, pupil.leaving_reason = LEFT, "Moved away"
    _cycle(session, pupil, senco)
    _ehc(session, pupil, world.la.id)
    _exchange(session, pupil, world, senco)
    _work(session, pupil, world, senco, status)
    session.flush()
    return Built(pupil, pupil.upn, pupil.public_id)


def records_missing(session: Session, pupil_id: int) -> list[str]:
    """The registry's tables where the pupil has no row."""
    return [
        entry.name
        for entry in PUPIL_TABLES
        if not session.execute(
            sa.select(sa.literal(1)).select_from(entry.rows_of(pupil_id).subquery()).limit(1)
        ).first()
    ]
