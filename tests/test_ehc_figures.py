"""The EHC figures (`sentrack.workflows.ehc_figures`), which read plain columns and run the clocks on
them, equal a plain recomputation from the records on the demo's EHC work: every request in
progress with its clocks run on the record (its advice and exceptions loaded), every plan issued,
in the same order, and the counts and shares of each school.
"""

from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from sentrack.demo.builder import DemoBuilder
from sentrack.demo.ehc import add_ehc_work
from sentrack.demo.schools import SchoolSpec
from sentrack.extensions import db
from sentrack.models import EhcRequest, Phase, Pupil
from sentrack.workflows import ehc_clocks, ehc_dates
from sentrack.workflows.ehc_figures import IssuedRow, RequestRow, ehc_figures
from sentrack.workflows.ehc_register import is_request_in_progress
from tests.conftest import TODAY


@pytest.fixture
def school_ids(app) -> list[int]:
    """An authority of two schools of 300 pupils with the demo's EHC work."""
    built = DemoBuilder(db.session, today=TODAY, seed=2026, progress=None)
    built.add_authority(
        "903", "Figures Borough", [SchoolSpec(1, Phase.PRIMARY, 300), SchoolSpec(2, Phase.SECONDARY, 300)]
    )
    built.context.rows.advance_sequences()
    for school in built.rolls:
        add_ehc_work(db.session, built.context, school)
    db.session.commit()
    return [school.school_id for school in built.rolls]


def _records(school_ids: list[int]) -> list[EhcRequest]:
    return list(
        db.session.scalars(
            sa.select(EhcRequest)
            .join(Pupil, Pupil.id == EhcRequest.pupil_id)
            .where(Pupil.school_id.in_(school_ids))
            .options(
                selectinload(EhcRequest.advice), selectinload(EhcRequest.exceptions), selectinload(EhcRequest.pupil)
            )
        )
    )


def _requests_by_hand(records: list[EhcRequest], today: date) -> list[RequestRow]:
    rows = [
        RequestRow(
            r.id,
            r.pupil_id,
            r.pupil.school_id,
            r.received_on,
            ehc_clocks.weeks_gone(r, today),
            ehc_clocks.next_statutory_date(r),
            ehc_clocks.is_at_risk(r, today),
            len(r.exceptions),
        )
        for r in records
        if is_request_in_progress(r)
    ]
    # At risk first, then by the next statutory date, the day received and the request.
    return sorted(rows, key=lambda r: (not r.at_risk, r.next_date or date.max, r.received_on, r.request_id))


def _issued_by_hand(records: list[EhcRequest], today: date) -> list[IssuedRow]:
    rows = [
        IssuedRow(
            r.id,
            r.pupil_id,
            r.pupil.school_id,
            r.received_on,
            r.final_issued_on,
            ehc_dates.weeks_gone(r.received_on, r.final_issued_on),
            ehc_clocks.issued_within_20_weeks(r),
            ehc_clocks.has_time_limit_exception(r),
        )
        for r in records
        if r.final_issued_on is not None and r.final_issued_on.year in (today.year - 1, today.year)
    ]
    return sorted(rows, key=lambda r: (r.issued_on, r.request_id))


@pytest.mark.parametrize("today", [TODAY, date(2026, 12, 21), date(2027, 2, 1)])
def test_the_figures_equal_a_recomputation_from_the_records(school_ids, today):
    records = _records(school_ids)
    figures = ehc_figures(db.session, today, school_ids)

    requests = _requests_by_hand(records, today)
    assert figures.requests == requests
    assert requests and (today != TODAY or {r.at_risk for r in requests} == {True, False})
    assert any(r.advice for r in records if is_request_in_progress(r)), "the demo asked for advice"
    issued = _issued_by_hand(records, today)
    assert figures.issued == issued and issued
    for school_id in (*school_ids, None):
        mine = [r for r in issued if school_id is None or r.school_id == school_id]
        for year in (today.year, today.year - 1):
            for exceptions in (None, True, False):
                counted = [r for r in mine if r.issued_on.year == year and exceptions in (None, r.with_exceptions)]
                shares = figures.timeliness(year, school_id, exceptions)
                assert (shares.issued, shares.within) == (len(counted), sum(r.within_20_weeks for r in counted))
        at_risk = [r for r in requests if r.at_risk and school_id in (None, r.school_id)]
        assert figures.count("requests_at_risk", school_id) == len(at_risk)
