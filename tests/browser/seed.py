"""The people and records the browser journeys need, in a database of their own.

Built with the suite's factories (tests/factories.py) through the app's own workflow operations,
and committed, because the app is served by another process. Each journey has its own pupils and
records, so the journeys can run in any order and none depends on what another left behind.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import Session

from sentrack.models import (
    AreaOfNeed,
    Contact,
    ContactMethod,
    ContactRestriction,
    CycleState,
    NeedType,
    ParentLetter,
    Phase,
    Provision,
    Role,
    School,
    SenStatus,
    Task,
    TeachingGroup,
)
from sentrack.workflows import concerns as concern_flow
from sentrack.workflows import cycles as cycle_flow
from sentrack.workflows.sen_status import SEN_SUPPORT_LETTER
from sentrack.workflows.sweep import run_sweep
from sentrack.workflows.transfers import start_transfer
from tests import factories

PASSWORD = factories.PASSWORD


@dataclass(frozen=True)
class Cast:
    """Who signs in, and the names of the pupils and interventions each journey works on."""

    school: str
    senco: str
    head: str
    teacher: str
    teacher_name: str
    ta: str
    governor: str
    la_officer: str  # of the authority that maintains the school
    throttled: str  # an account only the throttle journey signs in to
    cycle_pupil: str  # the SENCO raises a concern about this pupil and takes it to review
    meeting_pupil: str  # the teacher records a parent meeting for this pupil
    keyboard_pupil: str  # the keyboard-only journey records a parent meeting for this pupil
    ehc_pupil: str  # a cycle at review in September 2025, which decides to request an EHC assessment
    session_pupils: tuple[str, ...]  # in the teacher's intervention
    teacher_intervention: str
    ta_intervention: str  # ended, impact not yet recorded
    ta_pupils: tuple[str, ...]
    paths: dict[str, str]  # addresses of seeded records, for the checks at narrow widths and zoom
    leaver: str = ""  # left on 23 November for Ash Secondary: the SENCO sends the SEN file
    mover: str = ""  # Ash Secondary's import asked for this pupil's record: the SENCO confirms
    # The MIS journey's own school (Birch Primary, in the same authority): its CTF is imported, an
    # SEN difference reconciled, a pupil leaves with their SEN file sent on, and its year end runs.
    mis_school: str = ""
    mis_dfe: tuple[str, str, str] = ("", "", "")  # LA number, establishment number, URN
    mis_admin: str = ""
    mis_senco: str = ""
    mis_class: str = ""  # its one class (Year 5), with a teacher
    # Its pupils, by full name: what a CTF from the school's MIS says of each (upn, first_name,
    # last_name, date_of_birth as YYYY-MM-DD, year_group).
    mis_pupils: dict[str, dict] = field(default_factory=dict)
    mis_sen_pupil: str = ""  # on SEN support for SPLD; the CTF says ASD
    mis_renamed: str = ""  # the CTF gives a preferred first name
    mis_leaver: str = ""  # leaves during the journey, for a school typed in on the leaving form
    admin: str = ""  # Oak's administrator: adds a pupil and sets up classes in the roll checks journey
    review_pupil: str = ""  # a cycle at review with an observation and an intervention's impact against outcome 1
    second_factor: str = ""  # an account only the second-factor journey signs in to


def seed(session: Session) -> Cast:
    world = factories.build_world(session)
    school, group, users = world.school, world.group, world.users
    senco, teacher, ta = users["senco"], users["teacher"], users["ta"]
    throttled = factories.make_user(session, "supply@oak.test", Role.TEACHER, school=school)

    def pupil(first: str, last: str, **kwargs):
        return factories.make_pupil(session, school, first=first, last=last, group=group, **kwargs)

    cycle_pupil = pupil("Hana", "Irwin")
    meeting_pupil = pupil("Iris", "Jones", provision=Provision.SEN_SUPPORT, need=NeedType.SLCN)
    keyboard_pupil = pupil("Jay", "Kemp", provision=Provision.SEN_SUPPORT, need=NeedType.ASD)
    readers = [pupil("Kit", "Lowe", provision=Provision.SEN_SUPPORT), world.pupils["taught"]]
    ehc_pupil = pupil("Ola", "Price", provision=Provision.SEN_SUPPORT, need=NeedType.SLCN)
    _cycle_at_review(session, actor=senco, pupil=ehc_pupil)
    counters = [
        pupil("Lily", "Moss", provision=Provision.SEN_SUPPORT),
        pupil("Max", "Nash", provision=Provision.SEN_SUPPORT),
    ]

    # Figures for the dashboard: a review past its date, a concern past its deadline.
    running = world.pupils["untaught_k"]
    factories.drive_cycle(session, actor=senco, pupil=running, to=CycleState.DO)
    late_concern = concern_flow.raise_concern(
        session,
        actor=senco,
        pupil=world.pupils["taught_plain"],
        raised_on=date(2026, 9, 21),
        area_of_need=None,
        description="Finds it hard to settle after break",
        today=date(2026, 9, 21),
    )

    reading = factories.make_intervention_type(session, actor=senco)
    number = factories.make_intervention_type(session, actor=senco, name="Number sense", wave=2)
    # The teacher's group meets on Mondays and Fridays: the suite's date, 27 November 2026, is a Friday.
    session_group = factories.make_intervention(
        session,
        actor=senco,
        kind=reading,
        deliverer=teacher,
        pupils=readers,
        name="Reading group 4 Oak",
        weekdays=[0, 4],
        today=date(2026, 9, 14),
    )
    # The assistant's group ended on Friday 20 November: its impact is still to record.
    ta_group = factories.make_intervention(
        session,
        actor=senco,
        kind=number,
        deliverer=ta,
        pupils=counters,
        name="Number sense group",
        weekdays=[1, 3],
        ends_on=date(2026, 11, 20),
        measure="Number facts in a minute",
        today=date(2026, 9, 14),
    )
    review_pupil = pupil("Rhys", "Quinn", provision=Provision.SEN_SUPPORT, need=NeedType.SPLD)
    _review_with_evidence(session, senco=senco, ta=ta, kind=reading, pupil=review_pupil)
    session.flush()
    # The daily sweep, as the scheduler would have run it: tasks (some now overdue) and reminders.
    run_sweep(session, date(2026, 10, 5))
    run_sweep(session, date(2026, 11, 27))
    leaver, mover = _transfers(session, world)
    mis = _mis_school(session, world)
    letter_id = _letter_with_a_parent_left_out(session, running)
    cycle = f"/pupils/{running.public_id}/cycles/1"
    first_task = session.scalar(sa.select(Task.id).where(Task.assigned_to_id == senco.id).order_by(Task.id).limit(1))
    paths = {
        "running pupil": f"/pupils/{running.public_id}",
        "running cycle": cycle,
        "running plan": f"{cycle}/plan",
        "new outcome": f"{cycle}/outcomes/new",
        "new observation": f"{cycle}/observations/new",
        "timeline": f"/pupils/{running.public_id}/timeline",
        "decide concern": f"/pupils/{world.pupils['taught_plain'].public_id}/concerns/{late_concern.id}/decide",
        "new concern": f"/pupils/{world.pupils['taught_plain'].public_id}/concerns/new",
        "meeting pupil": f"/pupils/{meeting_pupil.public_id}",
        "new meeting": f"/pupils/{meeting_pupil.public_id}/meetings/new",
        "teacher intervention": f"/interventions/{session_group.id}",
        "new session": f"/interventions/{session_group.id}/sessions/new",
        "ta intervention": f"/interventions/{ta_group.id}",
        "impact": f"/interventions/{ta_group.id}/impact",
        "leaving": f"/pupils/{running.public_id}/leaving",
        "a senco task": f"/tasks/{first_task}",
        "letter": f"/pupils/{running.public_id}/letters/{letter_id}",
        "plan copy": f"{cycle}/plan/print",
    }
    # An account only the second-factor journey signs in to: it sets up an authenticator app.
    factor_user = factories.make_user(session, "factor@oak.test", Role.TEACHER, school=school)
    return Cast(
        second_factor=factor_user.email,
        school=school.name,
        senco=senco.email,
        head=users["head"].email,
        teacher=teacher.email,
        teacher_name=teacher.full_name,
        ta=ta.email,
        governor=users["governor"].email,
        la_officer=users["la"].email,
        throttled=throttled.email,
        cycle_pupil=cycle_pupil.full_name,
        meeting_pupil=meeting_pupil.full_name,
        keyboard_pupil=keyboard_pupil.full_name,
        ehc_pupil=ehc_pupil.full_name,
        session_pupils=tuple(p.full_name for p in readers),
        teacher_intervention=session_group.name,
        ta_intervention=ta_group.name,
        ta_pupils=tuple(p.full_name for p in counters),
        paths=paths,
        leaver=leaver.full_name,
        mover=mover.full_name,
        admin=users["admin"].email,
        review_pupil=review_pupil.full_name,
        **mis,
    )


MIS_DFE = ("999", "3456", "900004")


def _mis_school(session: Session, world) -> dict:
    """Birch Primary, in Oak's authority, with its DfE number: an administrator, a SENCO, and a
    Year 5 class with its teacher and three pupils, one on SEN support for a specific learning
    difficulty. Made after the sweeps: it has no task of its own."""
    la, estab, urn = MIS_DFE
    school = School(urn=urn, name="Birch Primary", phase=Phase.PRIMARY, local_authority_id=world.la.id)
    school.estab_number = estab
    session.add(school)
    session.flush()
    admin = factories.make_user(session, "admin@birch.test", Role.ADMIN, school=school, name="Bea Office")
    senco = factories.make_user(session, "senco@birch.test", Role.SENCO, school=school, name="Cal Senco")
    teacher = factories.make_user(session, "teacher@birch.test", Role.TEACHER, school=school, name="Dee Teach")
    group = TeachingGroup(school_id=school.id, name="5 Birch", year_group=5)
    session.add(group)
    session.flush()
    group.teachers.append(teacher)

    def pupil(first: str, last: str, **kwargs):
        return factories.make_pupil(session, school, first=first, last=last, year=5, group=group, **kwargs)

    sen_pupil = pupil("Uma", "Vance", provision=Provision.SEN_SUPPORT, need=NeedType.SPLD)
    renamed = pupil("Theo", "Walsh")
    leaver = pupil("Wren", "Yates", provision=Provision.SEN_SUPPORT, need=NeedType.SLCN)
    session.flush()
    pupils = {
        p.full_name: {
            "upn": p.upn,
            "first_name": p.first_name,
            "last_name": p.last_name,
            "date_of_birth": p.date_of_birth.isoformat(),
            "year_group": p.year_group,
        }
        for p in (sen_pupil, renamed, leaver)
    }
    return {
        "mis_school": school.name,
        "mis_dfe": MIS_DFE,
        "mis_admin": admin.email,
        "mis_senco": senco.email,
        "mis_class": group.name,
        "mis_pupils": pupils,
        "mis_sen_pupil": sen_pupil.full_name,
        "mis_renamed": renamed.full_name,
        "mis_leaver": leaver.full_name,
    }


def _transfers(session: Session, world):
    """A pupil on SEN support who left on Monday 23 November for Ash Secondary (the school's and
    the destination's numbers recorded), with the task to send the SEN file; and a pupil whose
    record Ash Secondary's import asked for. Made after the sweeps, so that they add no other task."""
    school = world.school
    school.estab_number = "1234"
    leaver = factories.make_pupil(session, school, first="Pia", last="Quill", provision=Provision.SEN_SUPPORT)
    leaver.admitted_on, leaver.left_on, leaver.leaving_reason = date(2021, 9, 1), date(2026, 11, 23), "Moved"
    leaver.destination_name, leaver.destination_urn = world.sibling.name, world.sibling.urn
    leaver.destination_la, leaver.destination_estab = "999", "5678"
    mover = factories.make_pupil(session, school, first="Rae", last="Stone", provision=Provision.SEN_SUPPORT)
    details = {
        "upn": mover.upn,
        "first_name": mover.first_name,
        "last_name": mover.last_name,
        "date_of_birth": mover.date_of_birth.isoformat(),
        "year_group": 7,
        "admitted_on": "2026-11-23",
        "contacts": [],
    }
    session.flush()
    start_transfer(session, actor=None, school=world.sibling, from_pupil=mover, details=details, batch=None)
    run_sweep(session, date(2026, 11, 27), codes=["senco_sends_sen_file"])
    return leaver, mover


# The EHC journey's cycle runs a year before the suite's date, so its request for an EHC needs
# assessment, and the plan issued from it, have an annual review due within the next 8 weeks.
EHC_CYCLE_OPENED = date(2025, 6, 2)
EHC_PLAN_STARTS = date(2025, 6, 9)
EHC_REVIEW_DATE = date(2025, 9, 15)


def _review_with_evidence(session: Session, *, senco, ta, kind, pupil) -> None:
    """A cycle at review (tests.factories.drive_cycle's dates) with, against its first outcome, an
    observation and a phonics group whose impact is recorded."""
    cycle = factories.drive_cycle(session, actor=senco, pupil=pupil, to=CycleState.REVIEW)
    first = cycle.outcomes[0]
    cycle_flow.add_observation(
        session,
        actor=ta,
        cycle=cycle,
        observed_on=date(2026, 10, 12),
        note="Sounded out 7 of 10 two-syllable words",
        outcome=first,
        today=date(2026, 10, 12),
    )
    boost = factories.make_intervention(
        session,
        actor=senco,
        kind=kind,
        deliverer=ta,
        pupils=[pupil],
        name="Phonics boost",
        ends_on=date(2026, 10, 30),
        today=date(2026, 9, 14),
    )
    place = boost.places[0]
    place.outcome_id, place.exit_score = first.id, "31"
    place.impact, place.impact_comment, place.impact_recorded_on = 1, "Blends with confidence", date(2026, 10, 30)


def _letter_with_a_parent_left_out(session: Session, pupil) -> int:
    """The printouts journey's letter: the one telling Dev's parents of his SEN support, still to
    send, and his father, under a court order, to whom neither it nor his plan goes. Made after
    the sweeps, so no task of its own."""
    status = session.scalar(sa.select(SenStatus).where(SenStatus.pupil_id == pupil.id, SenStatus.end_date.is_(None)))
    letter = ParentLetter(
        pupil_id=pupil.id, sen_status_id=status.id, kind=SEN_SUPPORT_LETTER, created_on=date(2026, 11, 20)
    )
    session.add(letter)
    session.add(
        Contact(
            pupil_id=pupil.id,
            name="Rob Ellis",
            relationship_to_pupil="Father",
            parental_responsibility=True,
            preferred_contact=ContactMethod.LETTER,
            address="4 Court Lane\nOaktown",
            priority=2,
            restriction=ContactRestriction.COURT_ORDER,
            restriction_note="Prohibited steps order: no school information",
        )
    )
    session.flush()
    return letter.id


def _cycle_at_review(session: Session, *, actor, pupil) -> None:
    """A support cycle assessed, planned and run through the summer of 2025, now at its review."""
    cycle = cycle_flow.open_cycle(session, actor=actor, pupil=pupil, today=EHC_CYCLE_OPENED)
    cycle_flow.save_assessment(
        session,
        actor=actor,
        cycle=cycle,
        details=factories.assessment_details(
            areas_of_need=[AreaOfNeed.COMMUNICATION.value],
            difficulties="Understanding instructions of more than two steps",
            assessed_on=EHC_CYCLE_OPENED,
        ),
        today=EHC_CYCLE_OPENED,
    )
    cycle_flow.finish_assessment(session, actor=actor, cycle=cycle, today=EHC_CYCLE_OPENED)
    cycle_flow.save_plan(
        session,
        actor=actor,
        cycle=cycle,
        details=factories.plan_details(
            starts_on=EHC_PLAN_STARTS, review_date=EHC_REVIEW_DATE, agreed_with_parents_on=EHC_PLAN_STARTS
        ),
        expected_version=None,
        today=EHC_PLAN_STARTS,
    )
    cycle_flow.save_outcome(
        session,
        actor=actor,
        cycle=cycle,
        details=factories.outcome_details(
            1,
            description="Follows a two-step instruction in class",
            area_of_need=AreaOfNeed.COMMUNICATION,
            target_date=EHC_REVIEW_DATE,
        ),
        today=EHC_PLAN_STARTS,
    )
    cycle_flow.start_support(
        session, actor=actor, cycle=cycle, today=EHC_PLAN_STARTS, needs=cycle_flow.Needs(NeedType.SLCN)
    )
    cycle_flow.start_review(session, actor=actor, cycle=cycle, today=EHC_REVIEW_DATE)
