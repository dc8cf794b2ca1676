"""The school census check: every pupil on the roll today, with the SEN provision and ranked needs
SEN Track records and those the last imported Common Transfer File gave (what the January census
will take from the MIS), and what the census would reject. One definition for the page and its CSV.

A census SEN record is a provision (N, K or E) and needs ranked 1, 2, ... The census rejects:
- a need type recorded without SEN support (K) or an EHC plan (E);
- NSA ("SEN support but no specialist assessment") with an EHC plan;
- more than one need of the same rank;
- a need code that is not a census need type.
Beside these, the check flags a pupil recorded as E (by SEN Track or the MIS) with no EHC plan in
force recorded (`ehc_register.plan_in_force`), and a pupil whose provision, or primary or secondary
need, SEN Track and the last imported CTF give differently. SEN Track's own record cannot break
the first three (its constraints refuse them), but is checked by the same rules all the same.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from datetime import date
from functools import cached_property

import sqlalchemy as sa
from sqlalchemy.orm import Session, aliased

from sentrack.models import MisSen, NeedType, Provision, Pupil, SenStatus
from sentrack.workflows.among import among
from sentrack.workflows.ehc_register import has_plan_in_force
from sentrack.workflows.register import on_roll

_NEED_TYPES = {member.value: member for member in NeedType}
_PROVISIONS = {member.value: member for member in Provision}

# The kinds of flag, in the order the page counts them, with the words of each count.
FLAG_KINDS = {
    "need_without_sen": "A need type without SEN support or an EHC plan",
    "nsa_with_ehc": "NSA with an EHC plan",
    "rank_repeated": "More than one need of the same rank",
    "unknown_need": "A need code that is not a census need type",
    "ehc_without_plan": "An EHC plan (E) with no plan record in force",
    "disagrees": "SEN Track and the last imported CTF disagree",
}


@dataclass(frozen=True)
class Flag:
    kind: str  # a key of FLAG_KINDS
    words: str  # what is wrong, in full, for the page and the CSV


@dataclass(frozen=True)
class SenRecord:
    """A census SEN record: the provision (None when none is recorded) and needs as (rank, code),
    codes as written (so that one that is not a census code can be named)."""

    provision: str | None
    needs: tuple[tuple[int, str], ...] = ()

    def need_of_rank(self, rank: int) -> str | None:
        return next((code for r, code in self.needs if r == rank), None)

    @property
    def provision_label(self) -> str:
        found = _PROVISIONS.get(self.provision or "")
        return found.label if found else (self.provision or "None recorded")

    @property
    def needs_label(self) -> str:
        """The needs in rank order, as "1 SLCN; 2 SPLD"."""
        return "; ".join(f"{rank} {code}" for rank, code in self.needs)


@dataclass(frozen=True)
class CensusRow:
    pupil_id: int
    sen_track: SenRecord
    mis: SenRecord | None  # None when no CTF has been imported for the pupil
    flags: tuple[Flag, ...]

    @property
    def has_problem(self) -> bool:
        return bool(self.flags)


@dataclass(frozen=True)
class CensusCheck:
    """The check of every pupil on the roll on `day`, in name order; its figures are worked out
    once each (the page reads them more than once)."""

    day: date
    rows: list[CensusRow]

    @cached_property
    def with_problems(self) -> list[CensusRow]:
        return [row for row in self.rows if row.has_problem]

    @cached_property
    def without_problems(self) -> list[CensusRow]:
        return [row for row in self.rows if not row.has_problem]

    @cached_property
    def without_ctf(self) -> int:
        return sum(row.mis is None for row in self.rows)

    @cached_property
    def flag_counts(self) -> dict[str, int]:
        """Pupils with each kind of flag (a pupil counted once per kind), every kind listed."""
        counts = Counter(kind for row in self.rows for kind in {flag.kind for flag in row.flags})
        return {kind: counts[kind] for kind in FLAG_KINDS}


def record_problems(record: SenRecord, source: str) -> list[Flag]:
    """What the census would reject in `record`, each said as in `source` ("SEN Track", "the
    last imported CTF")."""
    flags = []
    on_register = record.provision in (Provision.SEN_SUPPORT.value, Provision.EHC_PLAN.value)
    if record.needs and not on_register:
        shown = record.provision or "no provision"
        flags.append(
            Flag("need_without_sen", f"{source}: a need type is recorded with {shown}, not SEN support (K) or E")
        )
    codes = [code for _, code in record.needs]
    if record.provision == Provision.EHC_PLAN.value and NeedType.NSA.value in codes:
        flags.append(Flag("nsa_with_ehc", f"{source}: NSA (no specialist assessment) with an EHC plan (E)"))
    if len(record.needs) > 1:  # a rank can be given twice only where there are two needs
        ranks = Counter(rank for rank, _ in record.needs)
        for rank in sorted(rank for rank, times in ranks.items() if times > 1):
            flags.append(Flag("rank_repeated", f"{source}: {ranks[rank]} needs have rank {rank}"))
    for code in codes:
        if code not in _NEED_TYPES:
            flags.append(Flag("unknown_need", f"{source}: ‘{code}’ is not a census need type"))
    return flags


def _differences(sen_track: SenRecord, mis: SenRecord) -> list[Flag]:
    """Where SEN Track and the last imported CTF disagree: the provision (no record counting as
    N), else, for a pupil both give as K or E, the primary and the secondary need."""
    ours, theirs = sen_track.provision or "N", mis.provision or "N"
    if ours != theirs:
        return [
            Flag(
                "disagrees",
                f"Provision: SEN Track has {_PROVISIONS[ours].label if ours in _PROVISIONS else ours} ({ours}), "
                f"the last imported CTF {_PROVISIONS[theirs].label if theirs in _PROVISIONS else theirs} ({theirs})",
            )
        ]
    if ours not in (Provision.SEN_SUPPORT.value, Provision.EHC_PLAN.value):
        return []  # a need with no SEN is flagged by the census's rules; there is none to compare
    flags = []
    for rank, name in ((1, "Primary need"), (2, "Secondary need")):
        ours_need, theirs_need = sen_track.need_of_rank(rank), mis.need_of_rank(rank)
        if ours_need != theirs_need:
            flags.append(
                Flag(
                    "disagrees",
                    f"{name}: SEN Track has {ours_need or 'none'}, the last imported CTF {theirs_need or 'none'}",
                )
            )
    return flags


def check_pupil(sen_track: SenRecord, mis: SenRecord | None, plan_in_force: bool) -> tuple[Flag, ...]:
    """Every flag of one pupil: the census's rules over each record, an E without a plan in force,
    and where the two records disagree."""
    flags = record_problems(sen_track, "SEN Track")
    if mis is not None:
        flags += record_problems(mis, "The last imported CTF")
    recorded_e = [
        source
        for source, record in (("SEN Track", sen_track), ("the last imported CTF", mis))
        if record is not None and record.provision == Provision.EHC_PLAN.value
    ]
    if recorded_e and not plan_in_force:
        flags.append(
            Flag(
                "ehc_without_plan",
                f"Recorded as on an EHC plan (E) by {' and '.join(recorded_e)}, with no EHC plan in force "
                "recorded in SEN Track",
            )
        )
    if mis is not None:
        flags += _differences(sen_track, mis)
    return tuple(flags)


def _sen_track_record(provision: Provision | None, primary: NeedType | None, secondary: NeedType | None) -> SenRecord:
    """The pupil's current SEN status (its three columns; no provision when there is none)."""
    if provision is None:
        return SenRecord(provision=None)
    needs = tuple((rank, need.value) for rank, need in ((1, primary), (2, secondary)) if need is not None)
    return SenRecord(provision=provision.value, needs=needs)


def _mis_record(held: bool, provision: Provision | None, given: list | None) -> SenRecord | None:
    """What the last imported CTF gave (None when no CTF has been imported for the pupil)."""
    if not held:
        return None
    needs = []
    for need in given or []:
        rank, code = need.get("rank"), need.get("type")
        if isinstance(rank, int) and isinstance(code, str):
            needs.append((rank, code))
    return SenRecord(
        provision=provision.value if provision is not None else None,
        needs=tuple(sorted(needs, key=lambda need: need[0])),
    )


def census_check(session: Session, school_id: int, day: date) -> CensusCheck:
    """Every pupil on the school's roll on `day`, by name, with both records and their flags; one
    query whatever the roll, reading the pupil's id and only the columns of the two records that
    the check uses (a page reads only the pupils it names).

    Most pupils share their records with many others (no SEN, or the same K and need on both
    sides): the records and flags of each combination of columns, the CTF's needs as written,
    are worked out once."""
    plan_in_force = has_plan_in_force(day).label("plan_in_force")
    # The open statuses of the school's pupils only (`among`): else PostgreSQL hashes the authority's.
    school = aliased(Pupil)
    of_school = among(SenStatus.pupil_id, sa.select(school.id).where(school.school_id == school_id))
    found = session.execute(
        sa.select(
            Pupil.id,
            SenStatus.provision,
            SenStatus.primary_need,
            SenStatus.secondary_need,
            MisSen.pupil_id.is_not(None),
            MisSen.provision,
            sa.cast(MisSen.needs, sa.Text),
            plan_in_force,
        )
        .select_from(Pupil)
        .outerjoin(SenStatus, sa.and_(SenStatus.pupil_id == Pupil.id, SenStatus.end_date.is_(None), of_school))
        .outerjoin(MisSen, MisSen.pupil_id == Pupil.id)
        .where(Pupil.school_id == school_id, on_roll(day))
        .order_by(Pupil.last_name, Pupil.first_name, Pupil.id)
    ).all()
    rows = []
    checked: dict[tuple, tuple[SenRecord, SenRecord | None, tuple[Flag, ...]]] = {}
    for pupil_id, *columns in found:
        key = (*columns[:-1], bool(columns[-1]))
        if key not in checked:
            provision, primary, secondary, held, mis_provision, mis_needs, in_force = key
            ours = _sen_track_record(provision, primary, secondary)
            theirs = _mis_record(held, mis_provision, None if mis_needs is None else json.loads(mis_needs))
            checked[key] = (ours, theirs, check_pupil(ours, theirs, in_force))
        rows.append(CensusRow(pupil_id, *checked[key]))
    return CensusCheck(day=day, rows=rows)


def csv_rows(rows: list[tuple[Pupil, CensusRow]]) -> list[list]:
    """`rows` of a check, each with its pupil, as spreadsheet rows, with a header: the same
    columns as the page."""
    table = [
        [
            "Surname",
            "Forename",
            "UPN",
            "Year group",
            "SEN Track provision",
            "SEN Track needs",
            "CTF provision",
            "CTF needs",
            "Problems",
        ]
    ]
    for pupil, row in rows:
        table.append(
            [
                pupil.last_name,
                pupil.first_name,
                pupil.upn,
                pupil.year_label,
                row.sen_track.provision or "",
                row.sen_track.needs_label,
                "" if row.mis is None else (row.mis.provision or ""),
                "" if row.mis is None else row.mis.needs_label,
                "; ".join(flag.words for flag in row.flags),
            ]
        )
    return table
