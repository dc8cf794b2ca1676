"""The row buffer: demo rows held in memory, given their primary keys here and bulk-inserted
(with COPY on PostgreSQL).

Assigning ids in Python lets the builder link rows (a pupil to its class, a status to its pupil)
without a round trip per row, so that a hundred schools take seconds rather than minutes. On
PostgreSQL the id sequences are then moved past the ids used.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from sentrack.models import (
    Assessment,
    AuditEvent,
    Concern,
    Contact,
    ContactPhone,
    EhcAdvice,
    EhcDocument,
    EhcException,
    EhcOutcome,
    EhcPlan,
    EhcRequest,
    EhcReview,
    Intervention,
    InterventionPupil,
    InterventionSession,
    InterventionType,
    LetterTemplate,
    LocalAuthority,
    MeetingAction,
    Notification,
    Observation,
    Outcome,
    ParentLetter,
    ParentMeeting,
    PassportRead,
    Plan,
    Pupil,
    RecordRevision,
    Review,
    RoleAssignment,
    RoleProposal,
    School,
    SchoolTerm,
    SenStatus,
    SessionAttendance,
    SupportCycle,
    Task,
    TeachingGroup,
    TimelineEvent,
    User,
    group_pupils,
    group_teachers,
)

INSERT_CHUNK = 1000

# The EHC work's own tables, in the order they refer to each other (`demo.ehc`). The requests come
# after the reviews of support cycles, whose decision a request may follow.
EHC: tuple[type, ...] = (EhcRequest, EhcAdvice, EhcException, EhcPlan, EhcOutcome, EhcReview, EhcDocument)

Target = type | sa.Table


class Rows:
    """Rows held in memory and inserted table by table, with primary keys assigned here.

    Ids continue from the highest already in each table. A row may still be changed after
    `add` until the next `insert`. Every row of a table must name the same columns: they go in
    as Core executemany inserts of the table, one statement a chunk (the ORM's bulk insert
    splits a batch wherever rows leave different columns to their defaults, which cut the
    timeline and reviews into thousands of small statements).
    """

    ORDER: tuple[Target, ...] = (
        LocalAuthority,
        School,
        SchoolTerm,
        User,
        RoleAssignment,
        RoleProposal,
        TeachingGroup,
        group_teachers,
        Pupil,
        group_pupils,
        Contact,
        ContactPhone,
        SenStatus,
        Concern,
        SupportCycle,
        Assessment,
        Plan,
        Outcome,
        Observation,
        Review,
        ParentMeeting,  # before the timeline, whose events name the meeting they are about
        MeetingAction,
        TimelineEvent,
        RecordRevision,
        ParentLetter,
        LetterTemplate,
        InterventionType,
        Intervention,
        InterventionPupil,
        InterventionSession,
        SessionAttendance,
        Task,
        Notification,
        PassportRead,
        *EHC,
        AuditEvent,
    )

    def __init__(self, session: Session) -> None:
        self.session = session
        self._pending: dict[Target, list[dict[str, Any]]] = {target: [] for target in self.ORDER}
        self._next_id: dict[Target, int] = {}
        self.follow_on(*self.ORDER)

    def follow_on(self, *targets: Target) -> None:
        """The ids of `targets` continue from the highest in each table now: after the app's
        workflows have added rows of their own since the last `insert`."""
        for target in targets:
            table = _table(target)
            if "id" in table.c:
                highest = self.session.scalar(sa.select(sa.func.max(table.c.id))) or 0
                self._next_id[target] = max(self._next_id.get(target, 1), highest + 1)

    def add(self, target: Target, **values: Any) -> dict[str, Any]:
        if target in self._next_id:
            values["id"] = self._next_id[target]
            self._next_id[target] += 1
        self._pending[target].append(values)
        return values

    def pending(self, target: Target) -> list[dict[str, Any]]:
        """The rows of `target` added since the last `insert`."""
        return self._pending[target]

    def insert(self, progress: Callable[[int], object]) -> None:
        copy = self.session.get_bind().dialect.name == "postgresql"
        for target in self.ORDER:
            rows = self._pending[target]
            if copy and rows and self._copy(_table(target), rows):
                if target is Pupil:
                    progress(len(rows))
                rows.clear()
                continue
            for start in range(0, len(rows), INSERT_CHUNK):
                chunk = rows[start : start + INSERT_CHUNK]
                self.session.execute(sa.insert(_table(target)), chunk)
                if target is Pupil:
                    progress(len(chunk))
            rows.clear()

    def _copy(self, table: sa.Table, rows: list[dict[str, Any]]) -> bool:
        """On PostgreSQL, send the rows with COPY, each value through its column type's bind
        processor as an INSERT would send it, and a column the rows leave out that has a fixed
        Python-side default (a record's first `version`) with that default. False (nothing sent)
        when a column left out has a computed Python-side default, which only an INSERT applies."""
        names = list(rows[0])
        left_out = [column for column in table.c if column.name not in names and column.default is not None]
        if any(not column.default.is_scalar for column in left_out):
            return False
        fixed = [column.default.arg for column in left_out]
        bind = self.session.get_bind()
        processors = [table.c[name].type._cached_bind_processor(bind.dialect) for name in names]
        processors += [column.type._cached_bind_processor(bind.dialect) for column in left_out]
        preparer = bind.dialect.identifier_preparer
        columns = ", ".join(preparer.quote(name) for name in names + [column.name for column in left_out])
        statement = f"COPY {preparer.format_table(table)} ({columns}) FROM STDIN"
        cursor = self.session.connection().connection.driver_connection.cursor()
        with cursor, cursor.copy(statement) as copy:
            for row in rows:
                values = [row[name] for name in names] + fixed
                copy.write_row(
                    [
                        process(value) if process is not None else value
                        for value, process in zip(values, processors, strict=True)
                    ]
                )
        return True

    def analyze(self) -> None:
        """On PostgreSQL, gather the planner's statistics of every table: the build's rows are
        inserted in one transaction the autovacuum does not see, and without statistics the
        planner reads a school's rows by scanning whole tables (its own uncommitted rows are
        sampled by an ANALYZE in the transaction)."""
        if self.session.get_bind().dialect.name == "postgresql":
            self.session.execute(sa.text("ANALYZE"))

    def advance_sequences(self, *targets: Target) -> None:
        """On PostgreSQL, move the id sequence of each of `targets` (of every table when none is
        named) past the ids assigned here, so that rows the app adds later get fresh ids."""
        bind = self.session.get_bind()
        if bind.dialect.name != "postgresql":
            return
        preparer = bind.dialect.identifier_preparer
        for target, next_id in self._next_id.items():
            if next_id > 1 and (not targets or target in targets):
                self.session.execute(
                    sa.text("SELECT setval(pg_get_serial_sequence(:table, 'id'), :last)"),
                    {"table": preparer.format_table(_table(target)), "last": next_id - 1},
                )


def _table(target: Target) -> sa.Table:
    return target if isinstance(target, sa.Table) else target.__table__
