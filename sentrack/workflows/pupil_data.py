"""Every table that holds data about a pupil, and how to find one pupil's rows in it: the one
definition that a subject access export gathers from and a destruction removes from.

`PUPIL_TABLES` is in an order safe for deleting: children before their parents (a row is listed
before any row it refers to), and the tables that name a record by its table and id (tasks,
notifications, saved versions, audit rows) before the records they name, so that their rows are
still found while the records exist. A subject access export reads it backwards: the pupil first.

`NOT_PUPIL_DATA` lists every other table with the reason it holds nothing about one pupil.
tests/test_pupil_data.py walks the models and fails when a table is in neither, or when a table
with a foreign key path to `pupil` is not in `PUPIL_TABLES`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import sqlalchemy as sa

from sentrack.models import (
    Assessment,
    AuditEvent,
    Concern,
    Contact,
    ContactPhone,
    CtfExport,
    Draft,
    EhcAdvice,
    EhcDocument,
    EhcException,
    EhcOutcome,
    EhcPlan,
    EhcRequest,
    EhcReview,
    InterventionPupil,
    LegalHold,
    MeetingAction,
    MisSen,
    Notification,
    Observation,
    Outcome,
    ParentLetter,
    ParentMeeting,
    PassportRead,
    Plan,
    Pupil,
    PupilTransfer,
    RecordRevision,
    Review,
    SenDifference,
    SenStatus,
    SessionAttendance,
    SubjectAccessRequest,
    SubjectAccessWithheld,
    SupportCycle,
    Task,
    TimelineEvent,
    group_pupils,
)

Criterion = Callable[[int], sa.ColumnElement[bool]]


@dataclass(frozen=True)
class PupilTable:
    """One table holding data about a pupil. `where(pupil_id)` is the SQL condition true of that
    pupil's rows (and of no other pupil's); `model` is the mapped class, or None for a plain
    association table."""

    table: sa.Table
    label: str
    where: Criterion
    model: type | None = None

    @property
    def name(self) -> str:
        return self.table.name

    def rows_of(self, pupil_id: int) -> sa.Select:
        """The rows of the pupil in this table (every column of the table)."""
        return sa.select(self.table).where(self.where(pupil_id))


def _entry(model, label: str, where: Criterion) -> PupilTable:
    return PupilTable(model.__table__, label, where, model)


def _cycles(pupil_id: int) -> sa.Select:
    return sa.select(SupportCycle.id).where(SupportCycle.pupil_id == pupil_id)


def _ehc_requests(pupil_id: int) -> sa.Select:
    return sa.select(EhcRequest.id).where(EhcRequest.pupil_id == pupil_id)


def _ehc_plans(pupil_id: int) -> sa.Select:
    return sa.select(EhcPlan.id).where(EhcPlan.pupil_id == pupil_id)


def _meetings(pupil_id: int) -> sa.Select:
    return sa.select(ParentMeeting.id).where(ParentMeeting.pupil_id == pupil_id)


def _public_id(pupil_id: int) -> sa.ScalarSelect:
    return sa.select(Pupil.public_id).where(Pupil.id == pupil_id).scalar_subquery()


# The records themselves, in an order safe for deleting (children first). Each is reached by its
# pupil_id, or through the record it belongs to (an outcome through its support cycle).
RECORDS: tuple[PupilTable, ...] = (
    _entry(
        SubjectAccessWithheld,
        "Records withheld from subject access exports",
        lambda p: SubjectAccessWithheld.request_id.in_(
            sa.select(SubjectAccessRequest.id).where(SubjectAccessRequest.pupil_id == p)
        ),
    ),
    _entry(SubjectAccessRequest, "Requests for the pupil's data", lambda p: SubjectAccessRequest.pupil_id == p),
    _entry(MeetingAction, "Actions agreed at meetings", lambda p: MeetingAction.meeting_id.in_(_meetings(p))),
    _entry(TimelineEvent, "Timeline", lambda p: TimelineEvent.pupil_id == p),
    _entry(EhcDocument, "EHC documents", lambda p: EhcDocument.pupil_id == p),
    _entry(EhcOutcome, "EHC plan outcomes", lambda p: EhcOutcome.plan_id.in_(_ehc_plans(p))),
    _entry(EhcReview, "EHC plan reviews", lambda p: EhcReview.plan_id.in_(_ehc_plans(p))),
    _entry(EhcPlan, "EHC plans", lambda p: EhcPlan.pupil_id == p),
    _entry(EhcAdvice, "Advice for EHC needs assessments", lambda p: EhcAdvice.request_id.in_(_ehc_requests(p))),
    _entry(EhcException, "Exceptions to EHC time limits", lambda p: EhcException.request_id.in_(_ehc_requests(p))),
    _entry(EhcRequest, "Requests for an EHC needs assessment", lambda p: EhcRequest.pupil_id == p),
    _entry(ParentMeeting, "Meetings with parents", lambda p: ParentMeeting.pupil_id == p),
    _entry(Observation, "Observations", lambda p: Observation.cycle_id.in_(_cycles(p))),
    _entry(SessionAttendance, "Intervention attendance", lambda p: SessionAttendance.pupil_id == p),
    _entry(InterventionPupil, "Interventions", lambda p: InterventionPupil.pupil_id == p),
    _entry(Outcome, "Support plan outcomes", lambda p: Outcome.cycle_id.in_(_cycles(p))),
    _entry(Assessment, "Assessments", lambda p: Assessment.cycle_id.in_(_cycles(p))),
    _entry(Plan, "Support plans", lambda p: Plan.cycle_id.in_(_cycles(p))),
    _entry(Review, "Reviews", lambda p: Review.cycle_id.in_(_cycles(p))),
    _entry(SupportCycle, "Cycles of SEN support", lambda p: SupportCycle.pupil_id == p),
    _entry(ParentLetter, "Letters to parents", lambda p: ParentLetter.pupil_id == p),
    _entry(PassportRead, "Pupil passport read by staff", lambda p: PassportRead.pupil_id == p),
    _entry(SenStatus, "SEN status history", lambda p: SenStatus.pupil_id == p),
    _entry(Concern, "Concerns raised", lambda p: Concern.pupil_id == p),
    _entry(
        ContactPhone,
        "Phone numbers of parents and carers",
        lambda p: ContactPhone.contact_id.in_(sa.select(Contact.id).where(Contact.pupil_id == p)),
    ),
    _entry(Contact, "Parents and carers", lambda p: Contact.pupil_id == p),
    PupilTable(group_pupils, "Classes", lambda p: group_pupils.c.pupil_id == p),
    _entry(MisSen, "SEN provision from the school's MIS", lambda p: MisSen.pupil_id == p),
    _entry(SenDifference, "SEN history from imports", lambda p: SenDifference.pupil_id == p),
    _entry(CtfExport, "Common Transfer Files sent", lambda p: CtfExport.pupil_id == p),
    _entry(
        PupilTransfer,
        "Transfers between schools",
        lambda p: sa.or_(PupilTransfer.from_pupil_id == p, PupilTransfer.to_pupil_id == p),
    ),
    _entry(LegalHold, "Legal holds on the records", lambda p: LegalHold.pupil_id == p),
    _entry(Pupil, "The pupil's details", lambda p: Pupil.id == p),
)


def names_a_record(type_column, id_column, pupil_id: int, *, as_text: bool = False) -> sa.ColumnElement[bool]:
    """SQL: the row names (by table name and id, in `type_column` and `id_column`) one of the
    pupil's records in RECORDS. `as_text` when the id column holds ids as text (the audit's)."""
    named = []
    for entry in RECORDS:
        if "id" not in entry.table.c:
            continue
        ids = entry.table.c.id if not as_text else sa.cast(entry.table.c.id, sa.String)
        named.append(sa.and_(type_column == entry.name, id_column.in_(sa.select(ids).where(entry.where(pupil_id)))))
    return sa.or_(*named)


def _task(pupil_id: int) -> sa.ColumnElement[bool]:
    return sa.or_(Task.pupil_id == pupil_id, names_a_record(Task.subject_type, Task.subject_id, pupil_id))


def _notification(pupil_id: int) -> sa.ColumnElement[bool]:
    """A notification about one of the pupil's records or tasks, or linking to the pupil's pages."""
    tasks = sa.select(Task.id).where(_task(pupil_id))
    return sa.or_(
        names_a_record(Notification.subject_type, Notification.subject_id, pupil_id),
        sa.and_(Notification.subject_type == "task", Notification.subject_id.in_(tasks)),
        Notification.link.contains(_public_id(pupil_id)),
    )


def _audit(pupil_id: int) -> sa.ColumnElement[bool]:
    return sa.or_(
        AuditEvent.pupil_id == pupil_id,
        names_a_record(AuditEvent.object_type, AuditEvent.object_id, pupil_id, as_text=True),
    )


# The tables that name a pupil's record by its table and id, before the records (see the top).
NAMING: tuple[PupilTable, ...] = (
    _entry(Notification, "Notifications to staff", _notification),
    _entry(AuditEvent, "Who saw and changed the record", _audit),
    _entry(
        RecordRevision,
        "Saved versions of records",
        lambda p: names_a_record(RecordRevision.record_type, RecordRevision.record_id, p),
    ),
    _entry(Task, "Tasks", _task),
    # A draft's key holds the address of its form, which names the pupil by public id.
    _entry(Draft, "Unsaved drafts of forms", lambda p: Draft.form_key.contains(_public_id(p))),
)

PUPIL_TABLES: tuple[PupilTable, ...] = NAMING + RECORDS

BY_NAME: dict[str, PupilTable] = {entry.name: entry for entry in PUPIL_TABLES}

# Every other table, with why it holds nothing about one pupil.
NOT_PUPIL_DATA: dict[str, str] = {
    "duty": "The catalogue of duties from the roles guide: no person.",
    "local_authority": "A local authority's name and codes.",
    "school": "A school's details and settings.",
    "school_term": "A school's term dates.",
    "teaching_group": "A class's name and year; its pupils are group_pupil rows.",
    "group_teacher": "Which staff teach a class.",
    "user": "Staff accounts.",
    "role_assignment": "Staff roles.",
    "role_proposal": "Proposed staff roles.",
    "invitation": "Invitations to staff accounts.",
    "user_session": "Staff sign-in sessions.",
    "session_value": "Values kept with a staff sign-in session.",
    "password_reset": "Links staff asked for to reset a forgotten password.",
    "totp_factor": "A member of staff's authenticator app for signing in.",
    "recovery_code": "A member of staff's one-use recovery codes for signing in (hashed).",
    "webauthn_credential": "A member of staff's security keys and passkeys for signing in.",
    "notification_preference": "How a member of staff takes notifications.",
    "email_digest": "A staff member's daily email; what it carries is notification rows, which name no pupil.",
    "form_submission": "One-time tokens stopping a form being saved twice; kept a short while, no record.",
    "intervention_type": "A school's catalogue of interventions.",
    "intervention": "A group intervention shared by its pupils; each pupil's place is intervention_pupil.",
    "intervention_session": "A group session's date and notes; each pupil's attendance is session_attendance.",
    "outcome_wording": "A school's bank of outcome wordings, written for no one pupil.",
    "letter_template": "A school's letter templates.",
    "compliance_snapshot": "A school's figures: counts only.",
    "data_version": "A school's version of its records, for the pages kept (sentrack.changes): a number only.",
    "sen_report": "A school's SEN information report: published, counts only.",
    "year_end": "A school's year-end rollover: counts only.",
    "destruction_log": "What a destruction removed: kinds of record and counts, naming no child.",
    "import_batch": (
        "An uploaded file's preview rows for many pupils at once (JSON, no row per pupil); the records "
        "applied from it are the pupils' own rows."
    ),
}


def with_path_to_pupil(metadata: sa.MetaData) -> set[str]:
    """The tables of `metadata` with a foreign key path to the `pupil` table (and `pupil` itself)."""
    reaching = {"pupil"}
    grew = True
    while grew:
        grew = False
        for table in metadata.tables.values():
            if table.name not in reaching and any(fk.column.table.name in reaching for fk in table.foreign_keys):
                reaching.add(table.name)
                grew = True
    return reaching


def left_out(metadata: sa.MetaData) -> list[str]:
    """What the registry misses in `metadata`, one line each: a table in neither list, a table
    with a path to `pupil` not in PUPIL_TABLES, an entry naming no table of `metadata`."""
    names = set(metadata.tables)
    problems = [f"{name}: in neither PUPIL_TABLES nor NOT_PUPIL_DATA" for name in sorted(names - table_names())]
    problems += [
        f"{name}: reaches pupil by foreign keys but is not in PUPIL_TABLES"
        for name in sorted(with_path_to_pupil(metadata) - set(BY_NAME))
    ]
    problems += [f"{name}: no such table" for name in sorted(table_names() - names)]
    return problems


def out_of_order(entries=PUPIL_TABLES) -> list[str]:
    """Entries listed after a table that refers to them by a foreign key: deleting in order would
    break the reference. A table referring to itself is left to the deleter."""
    position = {entry.name: index for index, entry in enumerate(entries)}
    return [
        f"{entry.name} refers to {fk.column.table.name}, listed before it"
        for entry in entries
        for fk in entry.table.foreign_keys
        if fk.column.table.name != entry.name
        and position.get(fk.column.table.name, len(entries)) < position[entry.name]
    ]


def table_names() -> set[str]:
    """The names of every table the registry accounts for."""
    return set(BY_NAME) | set(NOT_PUPIL_DATA)
