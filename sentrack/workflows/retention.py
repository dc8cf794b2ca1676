"""How long a pupil's records are kept once the pupil has left (DESIGN section 1; IRMS
Information Management Toolkit for Schools): an SEN file (SEN support or an EHC plan at any time,
or any request for an EHC needs assessment) to the date of birth plus 31 years, since a plan can
run to 25 and a claim can be brought for six years after; any other pupil's record to the date of
birth plus 25 years.

One definition: the pupil page of a leaver and the list of leavers both read it, the list for all
its pupils in one query.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import Session

from sentrack.models import EhcPlan, EhcRequest, Provision, Pupil, SenStatus

SEN_FILE_YEARS = 31
PUPIL_RECORD_YEARS = 25


def _years_after(day: date, years: int) -> date:
    """The anniversary `years` after `day`. Born on 29 February, the anniversary in a year with no
    29 February is 1 March: the record is kept a day longer, never a day shorter."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return date(day.year + years, 3, 1)


def kept_until(date_of_birth: date, *, sen_file: bool) -> date:
    """The last day the records of a pupil born on `date_of_birth` are kept: the date of birth plus
    31 years for a pupil with an SEN file, plus 25 years otherwise."""
    return _years_after(date_of_birth, SEN_FILE_YEARS if sen_file else PUPIL_RECORD_YEARS)


def has_sen_file(pupil=Pupil) -> sa.ColumnElement[bool]:
    """The pupil has an SEN file: an SEN status other than "no SEN" at any time, or a request for an
    EHC needs assessment, or an EHC plan (ceased ones too)."""
    return sa.or_(
        sa.exists().where(SenStatus.pupil_id == pupil.id, SenStatus.provision != Provision.NONE),
        sa.exists().where(EhcRequest.pupil_id == pupil.id),
        sa.exists().where(EhcPlan.pupil_id == pupil.id),
    )


def retention_dates(session: Session, pupils: Iterable[Pupil]) -> dict[int, date]:
    """How long each of `pupils` is kept, by pupil id: one query whatever their number."""
    by_id = {pupil.id: pupil for pupil in pupils}
    if not by_id:
        return {}
    with_file = set(session.scalars(sa.select(Pupil.id).where(Pupil.id.in_(by_id), has_sen_file())))
    return {
        pupil_id: kept_until(pupil.date_of_birth, sen_file=pupil_id in with_file) for pupil_id, pupil in by_id.items()
    }
