"""What every part of one demo build shares: the seeded random generator, `today` and its
academic year, the rows waiting to be inserted, and the summary of what has been made.

Every random draw goes through the one generator, in a fixed order, so that the same seed and
`today` give the same data.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TypeVar

from sqlalchemy.orm import Session

from sentrack.demo import names
from sentrack.demo.dates import DAY, academic_year_start, moment, random_school_day
from sentrack.demo.rows import Rows

T = TypeVar("T")


@dataclass
class DemoSummary:
    """What `build_demo` made. `staff` counts every account, the LA officer's included."""

    schools: int = 0
    pupils: int = 0
    staff: int = 0
    sen_support: int = 0
    ehc_plans: int = 0
    ehc_plan_records: int = 0  # EhcPlan rows (a pupil or two on "E" has none: the flag)
    ehc_reviews: int = 0  # EHC annual reviews, held or convened
    ehc_requests: int = 0  # needs assessment requests, ended or not
    ehc_documents: int = 0
    concerns_open: int = 0
    concerns_overdue: int = 0
    cycles: int = 0  # support cycles, open and closed
    cycles_open: dict[str, int] = field(default_factory=dict)  # by state: assess, plan, do, review
    reviews_overdue: int = 0  # running cycles whose review date has passed (workflows.register)
    letters_unsent: int = 0
    parent_meetings: int = 0  # held with the class teacher (reviews with parents not counted)
    parent_meetings_planned: int = 0
    interventions: int = 0  # every intervention, in every state
    interventions_running: int = 0  # started and not yet ended
    interventions_starting: int = 0  # starting in the coming days
    interventions_awaiting_impact: int = 0  # ended, impact not yet recorded
    intervention_sessions: int = 0  # registers taken
    tasks_done: int = 0  # tasks from before today, done (each with its notification)
    leavers: int = 0  # pupils who left the roll this year
    carried_admissions: int = 0  # admitted in January with SEN support from a previous school
    leavers_with_destination: int = 0  # leavers whose next school is known
    ctf_exports: int = 0  # CTFs and transfer packs downloaded for leavers
    transfers_awaiting: int = 0  # pupils arriving at the demo school, their previous school to confirm
    transfers_confirmed: int = 0
    sen_differences_open: int = 0  # SEN from the MIS's CTF waiting for the SENCO to accept or keep
    sen_reports: int = 0  # this year's SEN information reports, drafted and not yet published
    drafts: int = 0  # what the demo SENCO typed into a review yesterday and did not save
    subject_access_requests: int = 0  # requests for pupils' data at the demo school
    former_pupils: int = 0  # left long ago: one past its retention date, one on legal hold
    sign_ins: list[tuple[str, str]] = field(default_factory=list)  # (email, role label)


def weighted(rng: random.Random, pairs: Sequence[tuple[T, float]]) -> T:
    return rng.choices([item for item, _ in pairs], weights=[weight for _, weight in pairs])[0]


class DemoContext:
    def __init__(self, session: Session, *, today: date, seed: int) -> None:
        self.rng = random.Random(seed)
        self.seed = seed
        self.today = today
        self.year_start = academic_year_start(today)
        self.rows = Rows(session)
        self.summary = DemoSummary()
        self._name_group_weights = [(group, group.weight) for group in names.NAME_GROUPS]

    def name_group(self) -> names.NameGroup:
        return weighted(self.rng, self._name_group_weights)

    def entered(self, effective: date, *, within_days: int) -> datetime:
        """When a fact dated `effective` was typed in: a few days later, never after today."""
        day = random_school_day(self.rng, effective, min(effective + within_days * DAY, self.today))
        return moment(self.rng, day)
