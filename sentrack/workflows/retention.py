"""How long a pupil's records are kept once the pupil has left (DESIGN section 1; IRMS
Information Management Toolkit for Schools): an SEN file (SEN support or an EHC plan at any time,
or any request for an EHC needs assessment) to the date of birth plus 31 years, since a plan can
run to 25 and a claim can be brought for six years after; any other pupil's record to the date of
birth plus 25 years. Each school may set its own periods (its settings); these are the defaults.

The last school holds the SEN file: a school whose pupil moved to another school of this SEN Track
keeps the record only until the receiving school has it (the transfer confirmed and the copy
made), and the record is then due for destruction at once.

One definition: the pupil page of a leaver, the list of leavers, the records due for destruction
and the privacy page all read it, a list for all its pupils in one query.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import Session, joinedload

from sentrack.clock import day_of
from sentrack.models import (
    EhcPlan,
    EhcRequest,
    LegalHold,
    Provision,
    Pupil,
    PupilTransfer,
    School,
    SenStatus,
    TransferStatus,
    User,
)

SEN_FILE_YEARS = 31
PUPIL_RECORD_YEARS = 25


class RecordKind(enum.StrEnum):
    SEN_FILE = "sen_file"
    PUPIL_RECORD = "pupil_record"


class DueBecause(enum.StrEnum):
    RETENTION_ENDED = "retention_ended"  # the retention date has passed
    TRANSFERRED = "transferred"  # the next school of this SEN Track has the SEN file


@dataclass(frozen=True)
class RetentionPeriod:
    """One kind of record's period: what it covers, and the years after the date of birth it is
    kept at a school (`setting`, the school's column) and by default."""

    kind: RecordKind
    label: str
    covers: str
    setting: str
    default_years: int
    years: int


# The kinds of record, their school setting and default period.
PERIODS: dict[RecordKind, tuple[str, str, str, int]] = {
    RecordKind.SEN_FILE: (
        "SEN file",
        "The whole record of a pupil who was ever on SEN support or had an EHC plan, or for whom an EHC "
        "needs assessment was requested: details, contacts, SEN history, plans, reviews, meetings, "
        "interventions, letters and documents. Kept by the last school the pupil attended.",
        "sen_file_kept_years",
        SEN_FILE_YEARS,
    ),
    RecordKind.PUPIL_RECORD: (
        "Pupil record",
        "The record of a pupil never on the SEN register: details, contacts, concerns and classes.",
        "pupil_record_kept_years",
        PUPIL_RECORD_YEARS,
    ),
}


def retention_periods(school: School | None) -> list[RetentionPeriod]:
    """The period of each kind of record at `school` (the defaults when None): the one source of the
    privacy page's table and of every retention date."""
    return [
        RetentionPeriod(kind, label, covers, setting, default, _years_of(school, setting, default))
        for kind, (label, covers, setting, default) in PERIODS.items()
    ]


def _years_of(school: School | None, setting: str, default: int) -> int:
    years = getattr(school, setting, None) if school is not None else None
    return years if years is not None else default


def _years_after(day: date, years: int) -> date:
    """The anniversary `years` after `day`. Born on 29 February, the anniversary in a year with no
    29 February is 1 March: the record is kept a day longer, never a day shorter."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return date(day.year + years, 3, 1)


def kept_until(date_of_birth: date, *, sen_file: bool, school=None) -> date:
    """The last day the records of a pupil born on `date_of_birth` are kept: the date of birth plus
    the school's period (`school`, or anything with its two settings) for an SEN file (31 years by
    default), or for any other pupil's record (25)."""
    kind = RecordKind.SEN_FILE if sen_file else RecordKind.PUPIL_RECORD
    _label, _covers, setting, default = PERIODS[kind]
    return _years_after(date_of_birth, _years_of(school, setting, default))


def has_sen_file(pupil=Pupil) -> sa.ColumnElement[bool]:
    """The pupil has an SEN file: an SEN status other than "no SEN" at any time, or a request for an
    EHC needs assessment, or an EHC plan (ceased ones too)."""
    return sa.or_(
        sa.exists().where(SenStatus.pupil_id == pupil.id, SenStatus.provision != Provision.NONE),
        sa.exists().where(EhcRequest.pupil_id == pupil.id),
        sa.exists().where(EhcPlan.pupil_id == pupil.id),
    )


@dataclass(frozen=True)
class _Kept:
    """What a pupil's retention date is made of: whether they have an SEN file, and their school's
    periods (named as the school's settings, so that `kept_until` reads them as it reads a school)."""

    sen_file: bool
    sen_file_kept_years: int
    pupil_record_kept_years: int

    def until(self, date_of_birth: date) -> date:
        return kept_until(date_of_birth, sen_file=self.sen_file, school=self)


def _kept(session: Session, pupil_ids: Iterable[int]) -> dict[int, _Kept]:
    """For each pupil, whether they have an SEN file and their school's periods: one query."""
    rows = session.execute(
        sa.select(Pupil.id, has_sen_file(), School.sen_file_kept_years, School.pupil_record_kept_years)
        .join(School, School.id == Pupil.school_id)
        .where(Pupil.id.in_(list(pupil_ids)))
    )
    return {pupil_id: _Kept(bool(sen_file), sen, record) for pupil_id, sen_file, sen, record in rows}


def retention_dates(session: Session, pupils: Iterable[Pupil]) -> dict[int, date]:
    """How long each of `pupils` is kept, by pupil id, by their school's periods: one query whatever
    their number."""
    by_id = {pupil.id: pupil for pupil in pupils}
    if not by_id:
        return {}
    kept = _kept(session, by_id)
    return {pupil_id: kept[pupil_id].until(pupil.date_of_birth) for pupil_id, pupil in by_id.items()}


def handed_on(session: Session, pupil_ids: Iterable[int]) -> dict[int, date]:
    """The pupils (of `pupil_ids`) whose record the next school of this SEN Track has: the transfer
    confirmed and the copy made. Pupil id -> the day it was confirmed."""
    ids = list(pupil_ids)
    if not ids:
        return {}
    rows = session.execute(
        sa.select(PupilTransfer.from_pupil_id, PupilTransfer.decided_at).where(
            PupilTransfer.from_pupil_id.in_(ids),
            PupilTransfer.status == TransferStatus.CONFIRMED,
            PupilTransfer.to_pupil_id.is_not(None),
        )
    )
    return {pupil_id: day_of(decided_at) for pupil_id, decided_at in rows}


@dataclass(frozen=True)
class Retention:
    """Where one leaver's record stands: its kind, the date it is kept to (the day the next school
    had it, for a record handed on) and why it is due, if it is, on the day asked."""

    pupil: Pupil
    kind: RecordKind
    kept_until: date
    due_because: DueBecause | None
    hold: LegalHold | None

    @property
    def due(self) -> bool:
        return self.due_because is not None and self.hold is None

    @property
    def label(self) -> str:
        """The kind of record in words: "SEN file", "Pupil record"."""
        return PERIODS[self.kind][0]


def record_kind_label(kind: str) -> str:
    """A kind of record (`RecordKind`'s value, as the destruction log keeps it) in words."""
    return PERIODS[RecordKind(kind)][0]


def _retention(pupil: Pupil, kept: _Kept, handed_day: date | None, hold: LegalHold | None, today: date) -> Retention:
    """A leaver's retention on `today`: a record handed on to the next school is due at once, any
    other once its date has passed."""
    until = kept.until(pupil.date_of_birth)
    because = DueBecause.RETENTION_ENDED if until < today else None
    if handed_day is not None:
        until, because = min(until, handed_day), DueBecause.TRANSFERRED
    kind = RecordKind.SEN_FILE if kept.sen_file else RecordKind.PUPIL_RECORD
    return Retention(pupil, kind, until, because, hold)


def retention_of(session: Session, pupils: Iterable[Pupil], today: date) -> dict[int, Retention]:
    """Each leaver's retention on `today`, by pupil id (pupils who have not left are left out), with
    any legal hold standing. Three queries whatever their number."""
    leavers = {p.id: p for p in pupils if p.left_on is not None and p.left_on <= today}
    if not leavers:
        return {}
    kept = _kept(session, leavers)
    moved = handed_on(session, leavers)
    holds = {
        hold.pupil_id: hold
        for hold in session.scalars(
            sa.select(LegalHold)
            .where(LegalHold.pupil_id.in_(list(leavers)), LegalHold.lifted_at.is_(None))
            .options(joinedload(LegalHold.placed_by))
        )
    }
    return {
        pupil_id: _retention(pupil, kept[pupil_id], moved.get(pupil_id), holds.get(pupil_id), today)
        for pupil_id, pupil in leavers.items()
    }


def _handed_at() -> sa.ScalarSelect:
    """SQL: when the next school of this SEN Track had the pupil's record (None if it has not)."""
    return (
        sa.select(PupilTransfer.decided_at)
        .where(
            PupilTransfer.from_pupil_id == Pupil.id,
            PupilTransfer.status == TransferStatus.CONFIRMED,
            PupilTransfer.to_pupil_id.is_not(None),
        )
        .order_by(PupilTransfer.decided_at)
        .limit(1)
        .scalar_subquery()
    )


def _candidates(school: School, today: date) -> sa.ColumnElement[bool]:
    """Leavers of `school` whose record may be due on `today`: born before the shortest period
    ends, or handed on to the next school. The index-friendly first cut; `retention_of` decides."""
    shortest = min(period.years for period in retention_periods(school))
    try:
        born_by = today.replace(year=today.year - shortest)
    except ValueError:  # 29 February
        born_by = date(today.year - shortest, 2, 28)
    handed = sa.exists().where(
        PupilTransfer.from_pupil_id == Pupil.id,
        PupilTransfer.status == TransferStatus.CONFIRMED,
        PupilTransfer.to_pupil_id.is_not(None),
    )
    return sa.and_(
        Pupil.school_id == school.id,
        Pupil.left_on.is_not(None),
        Pupil.left_on <= today,
        sa.or_(Pupil.date_of_birth < born_by, handed),
    )


def due_or_held(session: Session, school: School, today: date) -> list[Retention]:
    """The school's leavers whose record is past its date (or handed on), held or not, in the
    order they left: one query. A leaver's record is the truth: one destroyed is gone from the list."""
    handed_at = _handed_at()
    rows = session.execute(
        sa.select(Pupil, has_sen_file(), handed_at, LegalHold)
        .outerjoin(LegalHold, sa.and_(LegalHold.pupil_id == Pupil.id, LegalHold.lifted_at.is_(None)))
        .where(_candidates(school, today))
        # Who placed the hold is named, not their roles.
        .options(joinedload(LegalHold.placed_by).options(User.named_only()))
        .order_by(Pupil.left_on, Pupil.id)
    )
    found = []
    periods = {p.kind: p.years for p in retention_periods(school)}
    for pupil, sen_file, handed, hold in rows:
        handed_day = day_of(handed) if handed is not None else None
        kept = _Kept(bool(sen_file), periods[RecordKind.SEN_FILE], periods[RecordKind.PUPIL_RECORD])
        record = _retention(pupil, kept, handed_day, hold, today)
        if record.due_because is not None:
            found.append(record)
    return found


def last_lifted_holds(session: Session, pupil_ids: list[int]) -> dict[int, int]:
    """The latest lifted legal hold of each of the pupils that had one (pupil id -> hold id)."""
    if not pupil_ids:
        return {}
    rows = session.execute(
        sa.select(LegalHold.pupil_id, sa.func.max(LegalHold.id))
        .where(LegalHold.pupil_id.in_(pupil_ids), LegalHold.lifted_at.is_not(None))
        .group_by(LegalHold.pupil_id)
    )
    return dict(rows.all())
