"""The SEN register, shaped like England's (DfE, "Special educational needs in England"): about
13% of pupils on SEN support, 2.5% (primary) or 5% (secondary) with an EHC plan, a few stepped
down, each with a dated history recorded by the SENCO.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from sentrack.demo import names
from sentrack.demo.context import DemoContext, weighted
from sentrack.demo.dates import DAY, YEAR, random_school_day
from sentrack.demo.pupils import Period, PupilDraft
from sentrack.demo.schools import SchoolSpec
from sentrack.models import NeedType, Phase, Provision, SenStatus

SEN_SUPPORT_RATE = 0.13
EHC_PLAN_RATE = {Phase.PRIMARY: 0.025, Phase.SECONDARY: 0.05}
SECONDARY_NEED_RATE = 0.4
STEP_DOWN_RATE = 0.01
TRANSFER_COHORT = 2  # pupils of the top year with a plan, at least
EHC_SUPPORT_DAYS = 210  # the shortest SEN support before an EHC plan: one cycle and 20 weeks
SEN_SUPPORT_NEEDS = {
    Phase.PRIMARY: names.SEN_SUPPORT_NEEDS_PRIMARY,
    Phase.SECONDARY: names.SEN_SUPPORT_NEEDS_SECONDARY,
}


def place_on_register(
    context: DemoContext, spec: SchoolSpec, pupils: list[PupilDraft], demo_group_id: int | None
) -> None:
    """Give pupils their SEN histories: about 13% on SEN support, 2.5% (primary) or 5%
    (secondary) with an EHC plan, and about 1% stepped down from SEN support this year.
    The demo teacher's class gets one plan and three on SEN support first."""
    rng, today = context.rng, context.today
    order = pupils[:]
    rng.shuffle(order)
    in_class = [p for p in order if p.group_id == demo_group_id][:4]
    forced_ehc, forced_support = in_class[:1], in_class[1:]
    ehc_extra = max(0, round(EHC_PLAN_RATE[spec.phase] * len(pupils)) - len(forced_ehc))
    rest = _ehc_cohorts_first(spec, [p for p in order if p not in in_class], ehc_extra)  # in_class: four at most
    support_extra = max(0, round(SEN_SUPPORT_RATE * len(pupils)) - len(forced_support))
    for pupil in forced_ehc + rest[:ehc_extra]:
        pupil.periods = _ehc_history(context, pupil)
    for pupil in forced_support + rest[ehc_extra : ehc_extra + support_extra]:
        pupil.periods = _sen_support_history(context, spec, pupil)
    settled = [p for p in rest[ehc_extra + support_extra :] if p.admitted_on <= today - 100 * DAY]
    for pupil in settled[: max(1, round(STEP_DOWN_RATE * len(pupils)))]:
        pupil.periods = _step_down_history(context, spec, pupil)


def _ehc_cohorts_first(spec: SchoolSpec, pupils: list[PupilDraft], plans: int) -> list[PupilDraft]:
    """`pupils`, in the order the register hands out plans (the first `plans` get one), changed
    only when needed so that the plans include a cohort of the school's top year at phase transfer
    (Year 6 or Year 11) and, at a primary, the youngest in Reception (an under-five)."""
    given = pupils[:plans]
    top = [p for p in pupils if p.row["year_group"] == spec.year_groups[-1]]
    first = [] if sum(p in given for p in top) >= TRANSFER_COHORT else top[:TRANSFER_COHORT]
    reception = [p for p in pupils if p.row["year_group"] == 0]
    if reception:
        youngest = max(reception, key=lambda p: (p.row["date_of_birth"], p.id))
        first += [] if youngest in given else [youngest]
    return first + [p for p in pupils if p not in first]


def _needs(context: DemoContext, table: Sequence[tuple[NeedType, float]]) -> tuple[NeedType, NeedType | None]:
    primary = weighted(context.rng, table)
    if primary is NeedType.NSA or context.rng.random() >= SECONDARY_NEED_RATE:
        return primary, None
    others = [(need, weight) for need, weight in table if need not in (primary, NeedType.NSA)]
    return primary, weighted(context.rng, others)


def _sen_support_history(context: DemoContext, spec: SchoolSpec, pupil: PupilDraft) -> list[Period]:
    primary, secondary = _needs(context, SEN_SUPPORT_NEEDS[spec.phase])
    start, continued = _sen_support_start(context, pupil.admitted_on)
    reason = names.CONTINUED_SEN_SUPPORT_REASON if continued else names.SEN_SUPPORT_REASONS[primary]
    return [Period(Provision.SEN_SUPPORT, start, reason, primary, secondary)]


def _sen_support_start(context: DemoContext, admitted: date) -> tuple[date, bool]:
    """When SEN support began, and whether it came with the pupil from a previous setting.
    Mostly one to four years ago; never before admission nor after today."""
    rng, today = context.rng, context.today
    if admitted > today - YEAR and rng.random() < 0.4:
        return admitted, True
    earliest = max(admitted, today - 4 * YEAR)
    if earliest <= today - YEAR and rng.random() < 0.75:
        return random_school_day(rng, earliest, today - YEAR), False
    return random_school_day(rng, earliest, min(today, max(earliest, today - 14 * DAY))), False


def _ehc_history(context: DemoContext, pupil: PupilDraft) -> list[Period]:
    """Most plans follow SEN support at this school (at least 30 weeks before the plan: a cycle
    of support, then the 20 weeks of the statutory process); the rest came with the pupil."""
    rng, today = context.rng, context.today
    needs = _needs(context, names.EHC_PLAN_NEEDS)
    admitted = pupil.admitted_on
    earliest_issue = max(admitted + EHC_SUPPORT_DAYS * DAY, today - 3 * YEAR)
    if earliest_issue <= today - 7 * DAY and rng.random() < 0.6:
        issued = random_school_day(rng, earliest_issue, today - 7 * DAY)
        support_from = random_school_day(rng, max(admitted, issued - 2 * YEAR), issued - EHC_SUPPORT_DAYS * DAY)
        return [
            Period(Provision.SEN_SUPPORT, support_from, names.SEN_SUPPORT_REASONS[needs[0]], *needs),
            Period(Provision.EHC_PLAN, issued, names.EHC_PLAN_ISSUED_REASON, *needs),
        ]
    return [Period(Provision.EHC_PLAN, admitted, names.EHC_PLAN_ON_ENTRY_REASON, *needs)]


def _step_down_history(context: DemoContext, spec: SchoolSpec, pupil: PupilDraft) -> list[Period]:
    """SEN support that ended in the past year (the pupil was admitted 100 days ago or more), at
    a review that decided to step down, worded as the app words it."""
    rng, today = context.rng, context.today
    needs = _needs(context, SEN_SUPPORT_NEEDS[spec.phase])
    admitted = pupil.admitted_on
    ended = random_school_day(rng, max(today - YEAR, admitted + 90 * DAY), today - 7 * DAY)
    support_from = random_school_day(rng, max(admitted, ended - 3 * YEAR), ended - 90 * DAY)
    reason = rng.choice(names.STEP_DOWN_REASONS)
    return [
        Period(Provision.SEN_SUPPORT, support_from, names.SEN_SUPPORT_REASONS[needs[0]], *needs),
        Period(Provision.NONE, ended, names.STEPPED_DOWN_AT_REVIEW + reason, decision_reason=reason),
    ]


def add_sen_statuses(context: DemoContext, pupils: list[PupilDraft], senco_id: int) -> None:
    """One row a period; each closes the day before the next starts, and the last is open."""
    for pupil in pupils:
        following_starts = [period.start for period in pupil.periods[1:]] + [None]
        for period, next_start in zip(pupil.periods, following_starts, strict=False):
            period.row = context.rows.add(
                SenStatus,
                pupil_id=pupil.id,
                provision=period.provision,
                primary_need=period.primary_need,
                secondary_need=period.secondary_need,
                start_date=period.start,
                end_date=next_start - DAY if next_start else None,
                reason=period.reason,
                recorded_by_id=senco_id,
                # History carried from a previous school is entered here on admission.
                recorded_at=context.entered(max(period.start, pupil.admitted_on), within_days=5),
            )
