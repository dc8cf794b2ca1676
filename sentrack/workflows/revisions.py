"""Optimistic locking with a memory, one way for every record people edit: each save checks the
version the person opened, moves the record to the next version with an atomic compare-and-set,
and keeps a snapshot, so that someone saving over a newer version is told exactly what changed,
by whom and when, and loses nothing of what they typed.

A workflow that changes a record calls `begin_edit` before it changes anything and `finish_edit`
after (or `edit`, a context manager doing both); one that creates a record that only one can exist
of (a cycle's plan, say) inserts it with `insert_once`. Whatever the database (SQLite, where writers
take turns, or PostgreSQL, where two transactions may read the same version at once), two saves
of the same version give one winner and one `EditConflict`, never an error.

A record's kind (`record_type`) is its table's name; `fields` name what a conflict lists, each with
the label the form gives it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from sentrack import changes
from sentrack.clock import day_of
from sentrack.models import User
from sentrack.models.cycles import RecordRevision
from sentrack.workflows import RuleBroken

# What a form says when the version it carries is missing or garbled (sentrack/forms.py).
VERSION_MESSAGE = "This page is out of date or incomplete: open the record again and make your change there"


def _plain(value: Any) -> Any:
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if hasattr(value, "value"):  # enums
        return value.value
    if isinstance(value, (list, tuple, set)):
        return [_plain(item) for item in value]
    return value


def display(value: Any) -> str:
    """A saved value as a person reads it: dates in words, labels for codes, yes or no."""
    if value is None or value == "" or value == []:
        return "(blank)"
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, datetime):
        value = day_of(value)
    if isinstance(value, date):
        return f"{value.day} {value:%B %Y}"
    if isinstance(value, (list, tuple, set)):
        return ", ".join(display(item) for item in value)
    if isinstance(value, dict):
        return "; ".join(f"{key}: {display(item)}" for key, item in value.items())
    label = getattr(value, "label", None)
    return str(label if label is not None else value)


def snapshot(record: Any, fields: dict[str, str]) -> dict[str, Any]:
    return {name: _plain(getattr(record, name)) for name in fields}


@dataclass
class Change:
    label: str
    value: Any


class EditConflict(RuleBroken):
    """Someone else saved this record after the user opened it. `changes` lists what they changed
    (label and their value); `current_version` is what the user's next save must carry, and
    `versions`, for a form carrying the versions of several records, what each of those of its
    version fields (by name) must carry."""

    def __init__(
        self,
        *,
        changes: list[Change],
        by: User | None,
        at: datetime | None,
        current_version: int,
        versions: dict[str, int] | None = None,
    ):
        who = by.full_name if by else "someone else"
        super().__init__(f"{who} changed this record while you were editing it", field=None)
        self.changes = changes
        self.by = by
        self.at = at
        self.current_version = current_version
        self.versions = versions or {}


def record_revision(
    session: Session, record_type: str, record: Any, fields: dict[str, str], actor: User | None
) -> None:
    session.add(
        RecordRevision(
            record_type=record_type,
            record_id=record.id,
            version=record.version,
            snapshot=snapshot(record, fields),
            saved_by_id=actor.id if actor is not None else None,
        )
    )


def _revisions(session: Session, record_type: str, record_id: int, versions: list[int]) -> dict[int, RecordRevision]:
    return {
        r.version: r
        for r in session.scalars(
            sa.select(RecordRevision).where(
                RecordRevision.record_type == record_type,
                RecordRevision.record_id == record_id,
                RecordRevision.version.in_(versions),
            )
        )
    }


def _conflict(
    session: Session, record_type: str, record: Any, fields: dict[str, str], opened_version: int
) -> EditConflict:
    """What changed in `record` (as it is now saved) since the version the person opened: field by
    field against that version's snapshot, by whom and when from the latest one."""
    revisions = _revisions(session, record_type, record.id, [opened_version, record.version])
    opened = revisions.get(opened_version)
    latest = revisions.get(record.version)
    current = snapshot(record, fields)
    before = opened.snapshot if opened else {}
    changes = [
        Change(label, display(getattr(record, name)))
        for name, label in fields.items()
        if before.get(name) != current[name]
    ]
    return EditConflict(
        changes=changes,
        by=latest.saved_by if latest else None,
        at=latest.saved_at if latest else None,
        current_version=record.version,
    )


def check_version(
    session: Session, record_type: str, record: Any, fields: dict[str, str], expected_version: int | None
) -> None:
    """Raise EditConflict when `record` (as loaded) moved on from `expected_version`."""
    if expected_version is None or expected_version == record.version:
        return
    raise _conflict(session, record_type, record, fields, expected_version)


def begin_edit(
    session: Session, record_type: str, record: Any, fields: dict[str, str], expected_version: int | None
) -> None:
    """Before `record` is changed: refuse a save made from another version than the saved one
    (EditConflict, listing what changed), and claim the next version with one compare-and-set,
    `UPDATE ... SET version = seen + 1 WHERE id = :id AND version = :seen`. Of two saves made at
    once from the same version, one updates the row and the other (which PostgreSQL makes wait
    for the first to commit) updates none: it is told what the first changed.

    `expected_version` None means the caller holds the record as it just loaded it (work done by
    the app itself, or a record being decided once); a person's save always carries the version
    their form was opened at, which the form refuses to be without (`sentrack.forms.VersionField`)."""
    if expected_version is None:
        expected_version = record.version
    check_version(session, record_type, record, fields, expected_version)
    model = type(record)
    claimed = session.execute(
        sa.update(model)
        .where(model.id == record.id, model.version == expected_version)
        .values(version=expected_version + 1)
        .execution_options(synchronize_session=False, **changes.of_records(session, record))
    ).rowcount
    if claimed != 1:
        # Saved by someone else since this record was loaded: read it as they left it.
        session.refresh(record)
        raise _conflict(session, record_type, record, fields, expected_version)
    if not _revisions(session, record_type, record.id, [expected_version]):
        # A record older than its history (or changed by the app itself) gets the snapshot of what
        # it was, so that a later conflict can say what this save changed.
        session.add(
            RecordRevision(
                record_type=record_type,
                record_id=record.id,
                version=expected_version,
                snapshot=snapshot(record, fields),
                saved_by_id=None,
            )
        )
    set_committed_value(record, "version", expected_version + 1)


def finish_edit(session: Session, record_type: str, record: Any, fields: dict[str, str], actor: User | None) -> None:
    """After `record` is changed: write it and keep the snapshot of its new version. A snapshot of
    that version already kept means someone else saved it: the same conflict, never an error."""
    opened_version = record.version - 1
    try:
        with session.begin_nested():
            session.flush()
            # A changed foreign key (who delivers it, say) is read again, so the snapshot names the new one.
            session.expire(
                record, [rel.key for rel in sa.inspect(type(record)).relationships if rel.direction.name == "MANYTOONE"]
            )
            record_revision(session, record_type, record, fields, actor)
            session.flush()
    except IntegrityError:
        session.refresh(record)
        raise _conflict(session, record_type, record, fields, opened_version) from None


def forget(session: Session, record_type: str, record_id: int) -> None:
    """A record deleted takes its saved versions with it: SQLite may give its id to a new record,
    which must not inherit them."""
    session.execute(
        sa.delete(RecordRevision).where(
            RecordRevision.record_type == record_type, RecordRevision.record_id == record_id
        )
    )


_CHUNK = 500  # records per IN (...) list


class _Moved(Exception):
    """A record of a batch was saved by someone else since it was loaded."""


def _claim_versions(session: Session, model: Any, seen: dict[int, int]) -> None:
    """Move each record to its next version; _Moved when one was not at the version it was loaded
    at (a colleague's save committed meanwhile: PostgreSQL's UPDATE waits for it, then counts it)."""
    ids = sorted(seen)
    for start in range(0, len(ids), _CHUNK):
        chunk = ids[start : start + _CHUNK]
        session.execute(
            sa.update(model)
            .where(model.id.in_(chunk))
            .values(version=model.version + 1)
            .execution_options(synchronize_session=False, **changes.of_rows(session, model, chunk))
        )
        now_at = dict(session.execute(sa.select(model.id, model.version).where(model.id.in_(chunk))).all())
        if any(now_at.get(record_id) != seen[record_id] + 1 for record_id in chunk):
            raise _Moved


def _kept_versions(session: Session, record_type: str, seen: dict[int, int]) -> set[tuple[int, int]]:
    ids, kept = sorted(seen), set()
    for start in range(0, len(ids), _CHUNK):
        kept.update(
            session.execute(
                sa.select(RecordRevision.record_id, RecordRevision.version).where(
                    RecordRevision.record_type == record_type,
                    RecordRevision.record_id.in_(ids[start : start + _CHUNK]),
                )
            ).all()
        )
    return kept


def _revision_row(record_type: str, record: Any, version: int, fields: dict[str, str], actor: User | None) -> dict:
    return {
        "record_type": record_type,
        "record_id": record.id,
        "version": version,
        "snapshot": snapshot(record, fields),
        "saved_by_id": actor.id if actor is not None else None,
    }


def edit_many(
    session: Session,
    record_type: str,
    records: list[Any],
    fields: dict[str, str],
    actor: User | None,
    change: Callable[[Any], None],
) -> bool:
    """`begin_edit`, `change(record)` and `finish_edit` for many records of one kind held as they
    were just loaded (work done by the app itself: an import's changed pupils), in a few statements
    for all rather than several for each: the versions claimed together, the snapshots of the
    versions left (where none is kept) and of the new ones inserted together. All or nothing, in a
    savepoint: when any record was saved by someone else since it was loaded, nothing is changed
    and False is returned, and the caller edits them one by one (each refused, or not, alone)."""
    if not records:
        return True
    seen = {record.id: record.version for record in records}
    try:
        with session.begin_nested():
            _claim_versions(session, type(records[0]), seen)
            kept = _kept_versions(session, record_type, seen)
            left = [
                _revision_row(record_type, record, seen[record.id], fields, None)
                for record in records
                if (record.id, seen[record.id]) not in kept
            ]
            for record in records:
                change(record)
                set_committed_value(record, "version", seen[record.id] + 1)
            made = [_revision_row(record_type, record, record.version, fields, actor) for record in records]
            session.flush()
            # One INSERT for all (no ids to read back: the ORM would insert them one by one on SQLite).
            session.execute(sa.insert(RecordRevision), left + made)
    except (_Moved, IntegrityError):
        return False
    return True


@contextmanager
def edit(
    session: Session,
    record_type: str,
    record: Any,
    fields: dict[str, str],
    expected_version: int | None,
    actor: User | None,
) -> Iterator[Any]:
    """`with edit(...):` change the record inside; see `begin_edit` and `finish_edit`."""
    begin_edit(session, record_type, record, fields, expected_version)
    yield record
    finish_edit(session, record_type, record, fields, actor)


def insert_once(
    session: Session,
    record_type: str,
    record: Any,
    fields: dict[str, str],
    actor: User | None,
    existing: Callable[[], Any],
) -> None:
    """Insert a record of which only one may exist (a unique key), as its version 1 with its
    snapshot. If someone else inserted theirs first, the unique key refuses this one: the person is
    told what the other wrote (`existing()` loads it), as for any conflict, and nothing is lost."""
    record.version = 1
    try:
        with session.begin_nested():
            session.add(record)
            session.flush()
            forget(session, record_type, record.id)  # a new record has no history, whatever its id
            record_revision(session, record_type, record, fields, actor)
            session.flush()
    except IntegrityError:
        session.expunge(record) if record in session else None
        theirs = existing()
        if theirs is None:
            raise
        raise _conflict(session, record_type, theirs, fields, 0) from None


def take_step(session: Session, record: Any, column: str, values: dict[str, Any]) -> bool:
    """Write `values` to `record` only if its `column` is still empty, in one compare-and-set
    (`UPDATE ... SET ... WHERE id = :id AND column IS NULL`): of two people taking the same
    one-time step at once (recording a planned meeting as held, marking its record shared), one
    wins and the other is told, rather than saving over the first. Whether this call took it."""
    model = type(record)
    taken = session.execute(
        sa.update(model)
        .where(model.id == record.id, getattr(model, column).is_(None))
        .values(values)
        .execution_options(synchronize_session=False, **changes.of_records(session, record))
    ).rowcount
    if taken:
        for name, value in values.items():
            set_committed_value(record, name, value)
    else:
        session.refresh(record, list(values))
    return bool(taken)
