"""Building the demo: the local authority, then each school in turn (terms, classes, staff,
pupils, the SEN register, contacts, concerns, support cycles, the pupils' timelines, letters
to parents, the intervention catalogue with interventions (this year's and two years before),
registers and impact, meetings with parents, and the tasks and notifications of what was done
before today), inserted school by school.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from sqlalchemy.orm import Session

from sentrack.demo.chronology import add_letters, add_status_events
from sentrack.demo.concerns import CONCERN_DEADLINE_DAYS, add_concerns
from sentrack.demo.context import DemoContext, DemoSummary
from sentrack.demo.cycles import add_support_cycles
from sentrack.demo.dates import school_year
from sentrack.demo.drafts import add_drafts
from sentrack.demo.ehc import add_ehc_work
from sentrack.demo.exchange import SEN_FILE_AIMS, add_exchange
from sentrack.demo.interventions import InterventionBuilder
from sentrack.demo.letters import add_letter_templates, restrict_a_contact
from sentrack.demo.meetings import add_parent_meetings
from sentrack.demo.pupils import PupilBuilder
from sentrack.demo.register import add_sen_statuses, place_on_register
from sentrack.demo.reports import add_sen_report
from sentrack.demo.roll import SchoolRoll, add_leavers, admit_in_january_with_carried_support, latest_records
from sentrack.demo.schools import Group, SchoolSpec, school_specs
from sentrack.demo.staff import StaffBuilder
from sentrack.demo.subject_access import add_subject_access
from sentrack.demo.tasks import add_passport_reads, add_task_history
from sentrack.models import LocalAuthority, Phase, Provision, Role, School, SchoolTerm, TeachingGroup
from sentrack.workflows.duty_catalogue import sync_catalogue
from sentrack.workflows.fulfilment import settled_together
from sentrack.workflows.outcome_bank import seed_outcome_bank

LA_CODE = "999"
LA_NAME = "Demo Borough Council"


class DemoBuilder:
    def __init__(self, session: Session, *, today: date, seed: int, progress: Callable[[int], object] | None) -> None:
        self.context = DemoContext(session, today=today, seed=seed)
        self.progress = progress or (lambda n: None)
        self.staff_builder = StaffBuilder(self.context)
        self.pupil_builder = PupilBuilder(self.context, la_code=LA_CODE)
        self.duties = sync_catalogue(session)
        self.rolls: list[SchoolRoll] = []

    def build(self, specs: list[SchoolSpec]) -> DemoSummary:
        self.add_authority(LA_CODE, LA_NAME, specs, officer_email="la@demo.test")
        self.context.rows.advance_sequences()
        # What follows reads the rows school by school, through the planner's statistics.
        self.context.rows.analyze()
        # The leavers go through the app's workflow, once the sequences are past the demo's rows.
        # At the demo school, the SEN leavers left when their SEN files to the next school were due.
        session = self.context.rows.session
        seed_outcome_bank(session, [school.school_id for school in self.rolls])
        latest = latest_records(session)  # of every pupil at once, not school by school
        # The workflows' tasks settle once for all the pupils they touched, at the end.
        with settled_together(session, self.context.today):
            for school in self.rolls:
                aims = SEN_FILE_AIMS if school.number == 1 else ()
                self.context.summary.leavers += add_leavers(session, self.context, school, aims=aims, latest=latest)
            # EHC work follows, through the plans' workflow, for the pupils still on the roll.
            for school in self.rolls:
                add_ehc_work(session, self.context, school)
        # Then what passed between the schools and the demo school's MIS.
        add_exchange(session, self.context, self.rolls)
        # Last, the demo school's SEN information report, drafted from the figures of the rest.
        add_sen_report(session, self.context, self.rolls[0])
        # A review the demo school's SENCO was typing yesterday and did not save: offered back.
        for school in self.rolls:
            if school.number == 1:
                self.context.summary.drafts += add_drafts(session, self.context, school.school_id, school.senco_id)
        # Requests for pupils' data at the demo school: one due within days, one answered, one extended.
        for school in self.rolls:
            if school.number == 1:
                self.context.summary.subject_access_requests += add_subject_access(
                    session, self.context, school.school_id, school.senco_id
                )
        # The statistics again, of what the workflows and the EHC work wrote since (the leavers,
        # the plans): the sweep that follows the build reads them before any autovacuum would.
        self.context.rows.analyze()
        return self.context.summary

    def add_authority(self, code: str, name: str, specs: list[SchoolSpec], *, officer_email: str | None = None) -> int:
        """A local authority with `specs`' schools and an LA officer (signing in as
        `officer_email`, else at a made-up address), inserted school by school; returns its id.
        Tests build authorities of their own shape with this (only school 1 carries the demo
        sign-ins)."""
        rows = self.context.rows
        # The demo's newcomers sign in with the password alone (the settings page warns of it) and
        # may set up a second factor to try it.
        la_id = rows.add(LocalAuthority, code=code, name=name, second_factor_required=False)["id"]
        for spec in specs:
            self._add_school(spec, la_id)
            rows.insert(self.progress)
        officer_id = self.staff_builder.add_user(Role.LA_OFFICER, la_id=la_id, email=officer_email, slug=f"la{code}")
        for roll in self.rolls[-len(specs) :]:
            roll.officer_id = officer_id
        rows.insert(self.progress)
        return la_id

    def _add_school(self, spec: SchoolSpec, la_id: int) -> None:
        context, summary = self.context, self.context.summary
        school_id = context.rows.add(
            School,
            urn=spec.urn,
            estab_number=spec.estab_number,
            name=spec.name,
            phase=spec.phase,
            local_authority_id=la_id,
            lowest_year=spec.year_groups[0],
            highest_year=spec.year_groups[-1],
            concern_deadline_days=CONCERN_DEADLINE_DAYS,
            maintained=spec.phase is not Phase.SECONDARY,  # the demo's secondaries are academies
        )["id"]
        self._add_terms(school_id)
        groups = self._add_groups(spec, school_id)
        staff = self.staff_builder.add_staff(spec, school_id, groups)
        pupils = self.pupil_builder.add_pupils(spec, school_id, groups, staff)
        place_on_register(context, spec, pupils, staff.demo_group_id)
        if admit_in_january_with_carried_support(context, spec, school_id, pupils) is not None:
            summary.carried_admissions += 1
        add_sen_statuses(context, pupils, staff.senco_id)
        self.pupil_builder.mark_looked_after(pupils)
        self.pupil_builder.mark_medical_conditions(pupils)
        self.pupil_builder.mark_taught_out_of_year(spec, pupils)
        self.pupil_builder.add_contacts(pupils)
        add_concerns(context, pupils, staff)
        add_status_events(context, pupils, staff.senco_id)
        cycles = add_support_cycles(context, spec, pupils, staff)
        add_letters(context, pupils, staff)
        add_letter_templates(context, school_id, staff.senco_id)
        restrict_a_contact(context, pupils)
        InterventionBuilder(context, spec, school_id, pupils, staff, cycles).build()
        add_parent_meetings(context, spec, pupils, cycles)
        add_task_history(context, school_id, pupils, staff, self.duties)
        add_passport_reads(context, pupils)
        self.rolls.append(SchoolRoll(school_id, staff.senco_id, spec.number))
        summary.schools += 1
        summary.pupils += len(pupils)
        summary.sen_support += sum(p.provision is Provision.SEN_SUPPORT for p in pupils)
        summary.ehc_plans += sum(p.provision is Provision.EHC_PLAN for p in pupils)

    def _add_terms(self, school_id: int) -> None:
        first = self.context.year_start.year
        for year in (first - 1, first, first + 1):
            for term in school_year(year):
                self.context.rows.add(
                    SchoolTerm,
                    school_id=school_id,
                    academic_year=year,
                    season=term.season,
                    starts_on=term.starts_on,
                    ends_on=term.ends_on,
                    half_term_starts_on=term.half_term[0],
                    half_term_ends_on=term.half_term[1],
                )

    def _add_groups(self, spec: SchoolSpec, school_id: int) -> list[Group]:
        groups = []
        for name, year_group, size in spec.classes():
            row = self.context.rows.add(
                TeachingGroup,
                school_id=school_id,
                name=name,
                year_group=year_group,
                academic_year=self.context.year_start.year,  # this year's classes, until the year end
            )
            groups.append(Group(row["id"], year_group, size))
        return groups


def build_demo(
    session: Session,
    *,
    today: date,
    seed: int = 2026,
    schools: int = 2,
    pupils_per_school: int | None = None,
    progress: Callable[[int], object] | None = None,
) -> DemoSummary:
    """Fill the database with a demo local authority and its schools, dated from `today`.

    Schools alternate primary (odd numbers, URN 100001, ...) and secondary; `pupils_per_school`
    overrides the roll of each (420 primary, 1,000 secondary). `progress(n)` is called as each
    batch of n pupils is inserted. The same seed and `today` give the same data. The session is
    flushed, not committed. Raises ValueError unless schools and pupils_per_school are positive.
    """
    if schools < 1:
        raise ValueError("schools must be 1 or more")
    if pupils_per_school is not None and pupils_per_school < 1:
        raise ValueError("pupils_per_school must be 1 or more")
    builder = DemoBuilder(session, today=today, seed=seed, progress=progress)
    summary = builder.build(school_specs(schools, pupils_per_school))
    session.flush()
    return summary
