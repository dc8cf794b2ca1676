"""What SEN Track holds that a Common Transfer File's pupils are planned against, loaded once per
file (not once per pupil): the school's pupils with their contacts, their open SEN statuses, the
last SEN difference of each and the file's SEN last kept; the records of other schools holding the
file's UPNs, the transfers already asked of them by this school, and those another school awaits.
How a pupil of the file is matched, and whether their SEN differs from the school's record.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session, selectinload

from sentrack.models import (
    DifferenceStatus,
    MisSen,
    Pupil,
    PupilTransfer,
    School,
    SenDifference,
    SenStatus,
    TransferStatus,
)
from sentrack.workflows import ctf_rows as rows

_CHUNK = 500  # UPNs per IN (...) list


@dataclass
class Known:
    """What SEN Track holds that a file's pupils are planned against, loaded once per file."""

    school: School
    pupils: dict[int, Pupil] = field(default_factory=dict)
    by_upn: dict[str, Pupil] = field(default_factory=dict)
    by_former_upn: dict[str, Pupil] = field(default_factory=dict)
    by_name: dict[tuple[str, str, date], Pupil] = field(default_factory=dict)
    open_status: dict[int, SenStatus] = field(default_factory=dict)
    last_difference: dict[int, SenDifference] = field(default_factory=dict)
    mis: dict[int, MisSen] = field(default_factory=dict)
    elsewhere: dict[str, int] = field(default_factory=dict)  # UPN: a pupil's id at another school
    transfers: dict[int, TransferStatus] = field(default_factory=dict)  # from pupil id: the last transfer here
    awaited_elsewhere: set[int] = field(default_factory=set)  # pupil ids another school awaits a transfer of


# --- What SEN Track holds ---------------------------------------------------------------------------


def _chunks(values: list[str]):
    for start in range(0, len(values), _CHUNK):
        yield values[start : start + _CHUNK]


def _load_pupils(session: Session, known: Known) -> None:
    pupils = session.scalars(
        sa.select(Pupil)
        .where(Pupil.school_id == known.school.id)
        .options(selectinload(Pupil.contacts), selectinload(Pupil.groups))
        # On the roll first, then who left most recently: the first found for a UPN is kept.
        .order_by(Pupil.left_on.is_not(None), Pupil.left_on.desc(), Pupil.id)
    ).all()
    for pupil in pupils:
        known.pupils[pupil.id] = pupil
        known.by_upn.setdefault(pupil.upn, pupil)
        if pupil.former_upn:
            known.by_former_upn.setdefault(pupil.former_upn, pupil)
        known.by_name.setdefault((pupil.last_name.casefold(), pupil.first_name.casefold(), pupil.date_of_birth), pupil)


def _load_sen(session: Session, known: Known) -> None:
    school_pupils = sa.select(Pupil.id).where(Pupil.school_id == known.school.id)
    for status in session.scalars(
        sa.select(SenStatus).where(SenStatus.pupil_id.in_(school_pupils), SenStatus.end_date.is_(None))
    ):
        known.open_status[status.pupil_id] = status
    for difference in session.scalars(
        sa.select(SenDifference).where(SenDifference.pupil_id.in_(school_pupils)).order_by(SenDifference.id)
    ):
        known.last_difference[difference.pupil_id] = difference  # the latest wins
    for kept in session.scalars(sa.select(MisSen).where(MisSen.pupil_id.in_(school_pupils))):
        known.mis[kept.pupil_id] = kept


def load_elsewhere(session: Session, known: Known, upns: list[str]) -> None:
    """The records of other schools holding the file's UPNs that this school's do not: on a roll
    first, then the one who left most recently; the transfers already asked of them by this school,
    and which of them another school is already waiting for. The pupils CSV loads them too."""
    missing = sorted({upn for upn in upns if upn and upn not in known.by_upn})
    for chunk in _chunks(missing):
        found = session.execute(
            sa.select(Pupil.upn, Pupil.id)
            .where(Pupil.upn.in_(chunk), Pupil.school_id != known.school.id)
            .order_by(Pupil.left_on.is_not(None), Pupil.left_on.desc(), Pupil.id)
        )
        for upn, pupil_id in found:
            known.elsewhere.setdefault(upn, pupil_id)
    if known.elsewhere:
        transfers = session.execute(
            sa.select(PupilTransfer.from_pupil_id, PupilTransfer.status)
            .where(PupilTransfer.to_school_id == known.school.id)
            .order_by(PupilTransfer.id)
        )
        for from_pupil_id, status in transfers:
            known.transfers[from_pupil_id] = status
        held = sorted(set(known.elsewhere.values()))
        for start in range(0, len(held), _CHUNK):
            known.awaited_elsewhere.update(
                session.scalars(
                    sa.select(PupilTransfer.from_pupil_id).where(
                        PupilTransfer.from_pupil_id.in_(held[start : start + _CHUNK]),
                        PupilTransfer.to_school_id != known.school.id,
                        PupilTransfer.status == TransferStatus.AWAITING,
                    )
                )
            )


def load_known(session: Session, school: School, upns: list[str]) -> Known:
    known = Known(school=school)
    _load_pupils(session, known)
    _load_sen(session, known)
    load_elsewhere(session, known, upns)
    return known


def match(known: Known, values: dict[str, Any]) -> tuple[Pupil | None, str | None]:
    """The school's record of the file's pupil, and how it was found (a key of `imports.MATCHES`)."""
    upn, former = values["upn"], values["former_upn"]
    if upn in known.by_upn:
        return known.by_upn[upn], "upn"
    if former and former in known.by_upn:
        return known.by_upn[former], "former_upn"
    if upn in known.by_former_upn:
        return known.by_former_upn[upn], "former_upn"
    born = rows.day(values["date_of_birth"])
    key = (values["last_name"].casefold(), values["first_name"].casefold(), born)
    if key in known.by_name:
        return known.by_name[key], "name_dob"
    return None, None


def difference_due(known: Known, pupil: Pupil, sen: rows.FileSen | None) -> tuple[bool, bool]:
    """Whether the file's current SEN differs from the pupil's open status, and whether applying
    it opens (or renews) a difference: not when the same one is open already, nor when the SENCO
    already kept the school's record against the same values."""
    if sen is None or sen.provision is None:
        return False, False
    status = known.open_status.get(pupil.id)
    school = ("N", None, None)
    if status is not None:
        school = (status.provision.value, _code(status.primary_need), _code(status.secondary_need))
    if school == sen.key:
        return False, False
    last = known.last_difference.get(pupil.id)
    if last is not None and _difference_key(last) == sen.key:
        if last.status is DifferenceStatus.KEPT:
            return False, False
        if last.status is DifferenceStatus.OPEN:
            return True, False
    return True, True


def _code(need) -> str | None:
    return need.value if need is not None else None


def _difference_key(difference: SenDifference) -> tuple:
    return (difference.provision.value, _code(difference.primary_need), _code(difference.secondary_need))
