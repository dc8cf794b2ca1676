"""Which schools' records a transaction changed, and their versions (`DataVersion`).

Every transaction that writes moves the version of each school whose records it changed to a new
random token as it commits, in the same transaction, so the version a reader sees always belongs to
the records it sees. A page kept in a web process (`sentrack.kept`) is kept against the versions of
the schools it shows: it is written again once any of them moves.

A write finds its schools three ways:

- an ORM flush: each record written is traced to its school along its foreign keys (its own
  `school_id`, its pupil's, its cycle's pupil's, ...), one query per kind of parent not loaded;
- a statement run outside a flush may name its schools (`touching(...)`) when its caller knows them;
- any other statement that changes a table (an UPDATE of many rows, SQL of the app's own) and a
  record whose school cannot be told change `ANY_SCHOOL`, which every kept page reads too.

A write can only ever move too many versions, never too few: a page kept too short a time is
written again, one kept too long would show records that are no longer true. The tables in `UNSHOWN`
hold what no kept page reads (the audit trail, sign-in sessions, drafts being typed): a write to
them moves nothing.
"""

from __future__ import annotations

import re
import secrets
from collections import defaultdict
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from functools import cache

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Mapper, Session, attributes
from sqlalchemy.orm.util import identity_key
from sqlalchemy.pool import Pool
from sqlalchemy.sql.dml import UpdateBase
from sqlalchemy.sql.elements import TextClause

from sentrack.models import ANY_SCHOOL, Base, DataVersion, Pupil, RecordRevision, School

UNSHOWN = frozenset(
    {"audit_event", "user_session", "session_value", "form_submission", "draft", DataVersion.__tablename__}
)

_UNTRACED = "sentrack.changes.untraced"  # connection info: migrations run on it
_CHANGED = "sentrack.changes.schools"  # connection info: the school keys changed, not yet committed
_SCHOOLS_OPTION = "sentrack_schools"  # execution option: the schools a statement outside a flush changes
_DML = re.compile(r"^\s*(?:WITH\b.*?\)\s*)?(INSERT\s+INTO|UPDATE|DELETE\s+FROM|COPY|TRUNCATE)\s+\"?(\w+)", re.I | re.S)


def touching(*school_ids: int | None) -> dict:
    """The execution options of a statement run outside a flush (an UPDATE claiming a version,
    say) that changes records of `school_ids` alone: `.execution_options(**touching(pupil.school_id))`."""
    return {_SCHOOLS_OPTION: frozenset(ANY_SCHOOL if s is None else s for s in school_ids)}


def of_records(session: Session, *records) -> dict:
    """`touching` the schools of `records`, traced as a flush traces them: for a statement that
    changes those records alone."""
    tracer = _Tracer(session)
    for record in records:
        tracer.record(record)
    return {_SCHOOLS_OPTION: frozenset(tracer.finish())}


def unsettled(session: Session) -> bool:
    """Whether the session's transaction holds changes not yet committed (or records not yet
    flushed): what it reads is not what the versions it reads stand for."""
    if session.new or session.dirty or session.deleted:
        return True
    return bool(session.connection().info.get(_CHANGED))


def versions(session: Session, school_ids: Iterable[int] | None) -> tuple:
    """The versions of `school_ids` (of every school when None) and of `ANY_SCHOOL`, as one key:
    read before the records they stand for."""
    query = sa.select(DataVersion.school_key, DataVersion.token)
    if school_ids is not None:
        query = query.where(DataVersion.school_key.in_({ANY_SCHOOL, *school_ids}))
    found = session.execute(query).all()
    if school_ids is None:
        return tuple(sorted(found))
    tokens = dict(found)
    return tuple((key, tokens.get(key, 0)) for key in sorted({ANY_SCHOOL, *school_ids}))


def everything_changed(session: Session) -> None:
    """Move every version at once (every key holds `ANY_SCHOOL`'s), as after records were written
    around these events (a demo built with COPY)."""
    _changed(session.connection(), [ANY_SCHOOL])


@contextmanager
def migrating(connection) -> Iterator[None]:
    """Around migrations: their statements are not traced (the versions' table may not be made
    yet); `migrated` moves every version once they have run."""
    connection.info[_UNTRACED] = True
    try:
        yield
    finally:
        connection.info.pop(_UNTRACED, None)


def migrated(connection) -> None:
    """Every version moved, in the migrations' transaction, once they have run."""
    if sa.inspect(connection).has_table(DataVersion.__tablename__):
        _move(connection.connection.dbapi_connection, connection.dialect.paramstyle, [ANY_SCHOOL])


# --- Tracing the records a flush writes to their schools ----------------------------------------


@cache
def _route(mapper: Mapper) -> tuple[str, str, type | None] | None:
    """How a record of `mapper` finds its school: ("school", column, None) when it holds the
    school's id, ("parent", column, class) when its parent's school is its own, None when no school
    can be told (the record belongs to every school, or a row of a table it names)."""
    cls = mapper.class_
    if cls is School:
        return ("school", "id", None)
    columns = mapper.columns
    if "school_id" in columns:
        return ("school", "school_id", None)
    if "pupil_id" in columns:
        return ("parent", "pupil_id", Pupil)
    if cls is RecordRevision:
        return ("revision", "record_id", None)
    by_user = None
    for column in mapper.local_table.columns:
        for key in column.foreign_keys:
            parent = _mapper_of(key.column.table.name)
            if parent is None or parent is mapper or _route(parent) is None:
                continue
            if parent.local_table.name == "user":
                by_user = by_user or ("parent", mapper.get_property_by_column(column).key, parent.class_)
            else:
                return ("parent", mapper.get_property_by_column(column).key, parent.class_)
    return by_user


@cache
def _mapper_of(table: str) -> Mapper | None:
    for mapper in Base.registry.mappers:
        if mapper.local_table is not None and mapper.local_table.name == table:
            return mapper
    return None


def _values(record, key: str) -> set:
    """The attribute's value now, and the one it had when loaded if the flush changes it (None when
    that one was never loaded: the record's old school cannot be told)."""
    state = sa.inspect(record)
    history = attributes.get_state_history(state, key, passive=attributes.PASSIVE_NO_INITIALIZE)
    found = set(history.added or ()) | set(history.deleted or ()) | set(history.unchanged or ())
    if not found and key in state.dict:
        found.add(state.dict[key])
    if history.added and state.committed_state.get(key, None) is attributes.NO_VALUE and state.has_identity:
        found.add(None)
    return found


class _Tracer:
    """The schools of the records given (`record`), reading the parents not loaded in one query
    per kind (`finish`)."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.schools: set[int] = set()
        self.wanted: dict[type, set] = defaultdict(set)

    def record(self, record) -> None:
        mapper = sa.inspect(record).mapper
        if mapper.local_table.name in UNSHOWN:
            return
        route = _route(mapper)
        if route is None:
            self.schools.add(ANY_SCHOOL)
            return
        kind, key, parent = route
        if kind == "revision":
            parent = _mapper_of(record.record_type)
            parent = parent.class_ if parent is not None else None
        values = _values(record, key)
        if not values and sa.inspect(record).identity is not None and kind != "revision":
            self.wanted[mapper.class_].add(sa.inspect(record).identity[0])  # its key not loaded: read it
            return
        if not values or None in values or (kind != "school" and parent is None):
            self.schools.add(ANY_SCHOOL)  # a record of no school (a shared wording, an LA officer)
        if kind == "school":
            self.schools.update(v for v in values if v is not None)
            return
        for value in values - {None}:
            self.parent(parent, value)

    def parent(self, cls: type, value) -> None:
        loaded = self.session.identity_map.get(identity_key(cls, value))
        route = _route(sa.inspect(cls))
        if loaded is not None and route is not None and route[1] in sa.inspect(loaded).dict:
            self.record(loaded)
        else:
            self.wanted[cls].add(value)

    def finish(self) -> set[int]:
        connection = self.session.connection()
        while self.wanted:
            cls, ids = self.wanted.popitem()
            kind, key, parent = _route(sa.inspect(cls))
            if kind == "revision":
                self.schools.add(ANY_SCHOOL)  # a revision's revision: none are kept
                continue
            column = getattr(cls, key)
            rows = connection.execute(sa.select(cls.id, column).where(cls.id.in_(ids))).all()
            if len(rows) < len(ids) or any(value is None for _id, value in rows):
                self.schools.add(ANY_SCHOOL)  # deleted already, or of no school
            for _id, value in rows:
                if value is None:
                    continue
                if kind == "school":
                    self.schools.add(value)
                else:
                    self.parent(parent, value)
        return self.schools


# --- The events ---------------------------------------------------------------------------------


def _changed(connection, keys: Iterable[int]) -> None:
    connection.info.setdefault(_CHANGED, set()).update(keys)


@event.listens_for(Engine, "before_cursor_execute")
def _statement(connection, cursor, statement, parameters, context, executemany) -> None:
    """A statement that changes a shown table outside a flush changes the schools it names, or
    `ANY_SCHOOL`. (The flush's own statements are traced by their records: `_flushed`.)"""
    compiled = context.compiled if context is not None else None
    if compiled is not None and isinstance(compiled.statement, UpdateBase):
        name = getattr(compiled.statement.table, "name", None)
    elif compiled is not None and not isinstance(compiled.statement, TextClause):
        return  # a query
    else:
        found = _DML.match(statement)
        if found is None:
            return
        name = found.group(2)
    if name in UNSHOWN or connection.info.get(_UNTRACED):
        return
    options = context.execution_options if context is not None else {}
    _changed(connection, options.get(_SCHOOLS_OPTION) or [ANY_SCHOOL])


@event.listens_for(Session, "before_flush")
def _flushing(session: Session, flush_context, instances) -> None:
    info = session.connection().info
    if info.get(_UNTRACED):
        return
    session.info[_CHANGED] = set(info.get(_CHANGED, ()))


@event.listens_for(Session, "after_flush")
def _flushed(session: Session, flush_context) -> None:
    """The flush's statements marked `ANY_SCHOOL`; its records tell their schools instead. (A flush
    that fails leaves the mark: too many versions move, never too few.)"""
    if _CHANGED not in session.info:
        return  # untraced (migrations)
    tracer = _Tracer(session)
    for record in (*session.new, *session.dirty, *session.deleted):
        tracer.record(record)
    info = session.connection().info
    info[_CHANGED] = session.info.pop(_CHANGED, set()) | tracer.finish()


@event.listens_for(Session, "before_commit")
def _committing(session: Session) -> None:
    """Move the versions of the schools changed, in the transaction that changed them."""
    session.flush()
    for connection in _connections(session):
        keys = connection.info.pop(_CHANGED, None)
        if keys:
            _move(connection.connection.dbapi_connection, connection.dialect.paramstyle, keys)


def _connections(session: Session) -> list:
    """The connections the session's transaction holds (none before its first statement)."""
    transaction = session.get_transaction()
    while transaction is not None and transaction.parent is not None:
        transaction = transaction.parent
    return [held[0] for held in getattr(transaction, "_connections", {}).values()]


@event.listens_for(Engine, "commit")
def _connection_committing(connection) -> None:
    """The same for a transaction of statements outside any session."""
    keys = connection.info.pop(_CHANGED, None)
    if keys:
        _move(connection.connection.dbapi_connection, connection.dialect.paramstyle, keys)


@event.listens_for(Engine, "rollback")
def _rolled_back(connection) -> None:
    connection.info.pop(_CHANGED, None)


@event.listens_for(Pool, "reset")
def _reset(dbapi_connection, record, reset_state) -> None:
    record.info.pop(_CHANGED, None)


def _move(dbapi_connection, paramstyle: str, keys: Iterable[int]) -> None:
    """A new token for each key, in key order (two transactions at once take the rows' locks in
    the same order), with the raw connection: in the same transaction, outside these events."""
    keys = sorted(keys)
    mark = "?" if paramstyle == "qmark" else "%s"
    values = ", ".join(f"({mark}, {mark})" for _ in keys)
    parameters = [value for key in keys for value in (key, secrets.randbits(62))]
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute(
            f"INSERT INTO {DataVersion.__tablename__} (school_key, token) VALUES {values}"
            " ON CONFLICT (school_key) DO UPDATE SET token = excluded.token",
            parameters,
        )
    finally:
        cursor.close()
