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
from dataclasses import dataclass
from functools import cache

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Mapper, Session, attributes
from sqlalchemy.orm.util import identity_key
from sqlalchemy.pool import Pool
from sqlalchemy.sql.dml import UpdateBase
from sqlalchemy.sql.elements import TextClause

from sentrack.models import ANY_SCHOOL, Base, DataVersion, RecordRevision, School

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


def of_rows(session: Session, model: type, ids: Iterable[int]) -> dict:
    """`touching` the schools of the records of `model` with `ids`, read as a flush reads them."""
    tracer = _Tracer(session)
    tracer.wanted[model].update(ids)
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


@contextmanager
def untraced(session: Session) -> Iterator[None]:
    """Around a build of many records at once (the demo): its flushes are not traced record by
    record, and what they write moves every version (`ANY_SCHOOL`) as it commits."""
    session.info[_UNTRACED] = True
    try:
        yield
    finally:
        session.info.pop(_UNTRACED, None)


def migrated(connection) -> None:
    """Every version moved, in the migrations' transaction, once they have run."""
    if sa.inspect(connection).has_table(DataVersion.__tablename__):
        _move(connection.connection.dbapi_connection, connection.dialect.paramstyle, [ANY_SCHOOL])


# --- Tracing the records a flush writes to their schools ----------------------------------------

_UNKNOWN = object()  # a value the flush cannot tell (a key changed that was never loaded)


@dataclass(frozen=True)
class _Route:
    """One way from a record to a school: its column `key` holds a school's id (`parent` None),
    a parent's id (the parent's school is the record's), or a record of the table the record
    names (`revision`: a saved version of that record)."""

    key: str
    parent: type | None = None
    revision: bool = False
    by_staff: bool = False  # a member of staff's: followed only when no other way names a school


def _routes(mapper: Mapper) -> tuple[_Route, ...]:
    """Every way from a record of `mapper` to a school, along its foreign keys to the school,
    to a pupil, to any record that has a way (a cycle, an intervention, a meeting, ...), and last
    to a member of staff. None: a record of no one school."""
    return _routes_avoiding(mapper, frozenset())


@cache
def _routes_avoiding(mapper: Mapper, visiting: frozenset) -> tuple[_Route, ...]:
    if mapper.class_ is School:
        return (_Route("id"),)
    if mapper.class_ is RecordRevision:
        return (_Route("record_id", revision=True),)
    visiting = visiting | {mapper}
    found: list[_Route] = []
    for column in mapper.local_table.columns:
        for foreign in column.foreign_keys:
            key = mapper.get_property_by_column(column).key
            table = foreign.column.table.name
            if table == School.__tablename__:
                found.append(_Route(key))
                continue
            parent = _mapper_of(table)
            if parent is None or parent in visiting or not _routes_avoiding(parent, visiting):
                continue
            found.append(_Route(key, parent.class_, by_staff=table == "user"))
    return tuple(sorted(found, key=lambda route: route.by_staff))


@cache
def _mapper_of(table: str) -> Mapper | None:
    for mapper in Base.registry.mappers:
        if mapper.local_table is not None and mapper.local_table.name == table:
            return mapper
    return None


def _values(record, key: str) -> set:
    """The attribute's value now, and the one it had when loaded if the flush changes it
    (`_UNKNOWN` when that one was never loaded)."""
    state = sa.inspect(record)
    history = attributes.get_state_history(state, key, passive=attributes.PASSIVE_NO_INITIALIZE)
    found = set(history.added or ()) | set(history.deleted or ()) | set(history.unchanged or ())
    if not found and key in state.dict:
        found.add(state.dict[key])
    if history.added and state.committed_state.get(key, None) is attributes.NO_VALUE and state.has_identity:
        found.add(_UNKNOWN)
    return found


class _Tracer:
    """The schools of the records given (`record`), reading the parents not loaded in one query
    per kind and way (`finish`)."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.schools: set[int] = set()
        self.wanted: dict[type, set] = defaultdict(set)  # records to read: class -> ids

    def record(self, record) -> None:
        state = sa.inspect(record)
        if state.mapper.local_table.name in UNSHOWN:
            return
        routes = _routes(state.mapper)
        if not routes:
            self.schools.add(ANY_SCHOOL)  # a record of no one school (the authority, say)
            return
        if any(route.key not in state.dict for route in routes) and state.identity is not None:
            self.wanted[state.mapper.class_].add(state.identity[0])  # its keys not loaded: read them
            return
        self.told(record, routes, [_values(record, route.key) for route in routes])

    def told(self, record, routes: tuple[_Route, ...], values: list[set]) -> None:
        """Follow the ways that name a school; the staff's only when no other does."""
        told = False
        for route, found in zip(routes, values, strict=True):
            if route.by_staff and told:
                break
            for value in found:
                if value is _UNKNOWN:
                    self.schools.add(ANY_SCHOOL)  # where it was cannot be told
                elif value is not None:
                    told = True
                    self.follow(route, record, value)
        if not told:
            self.schools.add(ANY_SCHOOL)  # no school named (a member of the authority's staff, say)

    def follow(self, route: _Route, record, value) -> None:
        if route.parent is None and not route.revision:
            self.schools.add(value)
            return
        parent = route.parent
        if route.revision:
            mapper = _mapper_of(record.record_type)
            if mapper is None:
                self.schools.add(ANY_SCHOOL)
                return
            parent = mapper.class_
        loaded = self.session.identity_map.get(identity_key(parent, value))
        if loaded is not None and all(r.key in sa.inspect(loaded).dict for r in _routes(sa.inspect(parent))):
            self.record(loaded)
        else:
            self.wanted[parent].add(value)

    def finish(self) -> set[int]:
        connection = self.session.connection()
        while self.wanted:
            cls, ids = self.wanted.popitem()
            routes = _routes(sa.inspect(cls))
            if any(route.revision for route in routes):
                self.schools.add(ANY_SCHOOL)  # a saved version's saved version: none are kept
                continue
            query = sa.select(cls.id, *(getattr(cls, route.key) for route in routes)).where(cls.id.in_(ids))
            rows = connection.execute(query).all()
            if len(rows) < len(ids):
                self.schools.add(ANY_SCHOOL)  # deleted already: where it was cannot be told
            for _id, *values in rows:
                self.told(None, routes, [{value} for value in values])
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
    if info.get(_UNTRACED) or session.info.get(_UNTRACED):
        return  # the flush's statements move ANY_SCHOOL, as any other statement does
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
    """Move the versions of the schools changed, in the transaction that changed them, as it
    commits: its versions' rows are locked only for the moment of the commit. (A savepoint
    released moves nothing yet: the transaction around it does, when it commits.)"""
    if session.in_nested_transaction():
        return
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
