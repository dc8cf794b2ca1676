"""Small, explicit test data: two schools in one local authority and one school in another."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy.orm import Session

from sentrack.auth.passwords import hash_password
from sentrack.models import (
    AreaOfNeed,
    Contact,
    ContactMethod,
    CycleState,
    LocalAuthority,
    NeedType,
    OutcomeRating,
    Phase,
    Provision,
    Pupil,
    ReviewDecision,
    Role,
    RoleAssignment,
    School,
    SenStatus,
    SupportCycle,
    TeachingGroup,
    User,
)
from sentrack.workflows import cycles as flow
from sentrack.workflows.upn import check_letter
from tests.hashing import use_test_strength

use_test_strength()  # before the suite's one password hash below, in every process that builds data
PASSWORD = "correct horse battery"
_PASSWORD_HASH = hash_password(PASSWORD)
_serial = iter(range(1, 1_000_000))


def make_upn() -> str:
    rest = f"9991001{next(_serial):05d}"
    return check_letter(rest) + rest


def make_user(
    session: Session,
    email: str,
    *roles: Role,
    school: School | None = None,
    la: LocalAuthority | None = None,
    name: str | None = None,
) -> User:
    user = User(
        email=email,
        full_name=name or email.split("@")[0].replace(".", " ").title(),
        password_hash=_PASSWORD_HASH,
        school_id=school.id if school else None,
        local_authority_id=la.id if la else (school.local_authority_id if school else None),
        role_assignments=[RoleAssignment(role=r) for r in roles],
    )
    session.add(user)
    session.flush()
    return user


def make_pupil(
    session: Session,
    school: School,
    *,
    first: str = "Sam",
    last: str = "Taylor",
    year: int = 4,
    provision: Provision | None = None,
    need: NeedType | None = None,
    since: date = date(2025, 9, 10),
    group: TeachingGroup | None = None,
) -> Pupil:
    pupil = Pupil(
        school_id=school.id,
        upn=make_upn(),
        first_name=first,
        last_name=last,
        date_of_birth=date(2026 - 5 - year, 1, 15),
        year_group=year,
    )
    session.add(pupil)
    session.flush()
    if group is not None:
        group.pupils.append(pupil)
    if provision is not None:
        session.add(
            SenStatus(
                pupil_id=pupil.id,
                provision=provision,
                primary_need=need or (None if provision is Provision.NONE else NeedType.SLCN),
                start_date=since,
                reason="Test status",
            )
        )
    session.add(
        Contact(
            pupil_id=pupil.id,
            name=f"Parent of {first}",
            relationship_to_pupil="Mother",
            parental_responsibility=True,
            phone="07700 900123",
            preferred_contact=ContactMethod.PHONE,
            priority=1,
        )
    )
    session.flush()
    return pupil


@dataclass
class World:
    la: LocalAuthority
    other_la: LocalAuthority
    school: School
    sibling: School
    foreign: School
    group: TeachingGroup
    users: dict[str, User] = field(default_factory=dict)
    pupils: dict[str, Pupil] = field(default_factory=dict)


def build_world(session: Session) -> World:
    # The tests' authorities do not require a second factor, so that the suite's users sign in with
    # their password alone; tests/test_second_factor.py switches it on (it is on by default).
    la = LocalAuthority(code="999", name="Test Borough", second_factor_required=False)
    other_la = LocalAuthority(code="998", name="Elsewhere County", second_factor_required=False)
    session.add_all([la, other_la])
    session.flush()
    school = School(urn="900001", name="Oak Primary", phase=Phase.PRIMARY, local_authority_id=la.id)
    sibling = School(urn="900002", name="Ash Secondary", phase=Phase.SECONDARY, local_authority_id=la.id)
    foreign = School(urn="900003", name="Far Primary", phase=Phase.PRIMARY, local_authority_id=other_la.id)
    session.add_all([school, sibling, foreign])
    session.flush()
    group = TeachingGroup(school_id=school.id, name="4 Oak", year_group=4)
    other_group = TeachingGroup(school_id=school.id, name="4 Elm", year_group=4)
    session.add_all([group, other_group])
    session.flush()

    world = World(la=la, other_la=other_la, school=school, sibling=sibling, foreign=foreign, group=group)
    u = world.users
    u["senco"] = make_user(session, "senco@oak.test", Role.SENCO, school=school)
    u["head"] = make_user(session, "head@oak.test", Role.HEAD, school=school)
    u["teacher"] = make_user(session, "teacher@oak.test", Role.TEACHER, school=school)
    u["ta"] = make_user(session, "ta@oak.test", Role.SUPPORT_ASSISTANT, school=school)
    u["governor"] = make_user(session, "governor@oak.test", Role.GOVERNOR, school=school)
    u["admin"] = make_user(session, "admin@oak.test", Role.ADMIN, school=school)
    u["la"] = make_user(session, "officer@borough.test", Role.LA_OFFICER, la=la)
    u["foreign_senco"] = make_user(session, "senco@far.test", Role.SENCO, school=foreign)
    u["foreign_la"] = make_user(session, "officer@elsewhere.test", Role.LA_OFFICER, la=other_la)
    group.teachers.append(u["teacher"])

    p = world.pupils
    p["taught"] = make_pupil(
        session, school, first="Ada", last="Brook", provision=Provision.SEN_SUPPORT, need=NeedType.SPLD, group=group
    )
    p["taught_plain"] = make_pupil(session, school, first="Ben", last="Cole", group=group)
    p["untaught"] = make_pupil(
        session, school, first="Cara", last="Dale", provision=Provision.EHC_PLAN, need=NeedType.ASD, group=other_group
    )
    p["untaught_k"] = make_pupil(
        session, school, first="Dev", last="Ellis", provision=Provision.SEN_SUPPORT, group=other_group
    )
    p["sibling_ehc"] = make_pupil(
        session, sibling, first="Eve", last="Frost", year=8, provision=Provision.EHC_PLAN, need=NeedType.SEMH
    )
    p["sibling_k"] = make_pupil(session, sibling, first="Finn", last="Gray", year=8, provision=Provision.SEN_SUPPORT)
    p["foreign"] = make_pupil(session, foreign, first="Gita", last="Hale", provision=Provision.EHC_PLAN)
    session.flush()
    return world


# --- Support cycles -----------------------------------------------------------------------------
# A cycle is driven through the workflow operations, each step on its own day, so the records are
# the ones the app itself would write. The dates put the review date before the test date
# (27 Nov 2026), so a cycle can always be taken on to review.

OPENED_ON = date(2026, 9, 1)
PLAN_STARTS = date(2026, 9, 7)
REVIEW_DATE = date(2026, 11, 2)
HELD_ON = date(2026, 11, 20)


def assessment_details(**changes) -> flow.AssessmentDetails:
    values = {
        "areas_of_need": [AreaOfNeed.COGNITION.value],
        "strengths": "Loves stories read aloud",
        "difficulties": "Decoding unfamiliar words",
        "evidence": "Phonics screening: 18 of 40",
        "pupil_views": "Reading is hard when the words are long",
        "parent_views": "Reads at home with support",
        "outside_agencies": None,
        "assessed_on": OPENED_ON,
    }
    values.update(changes)
    return flow.AssessmentDetails(**values)


def plan_details(**changes) -> flow.PlanDetails:
    values = {
        "starts_on": PLAN_STARTS,
        "strategies": "Seat near the front; instructions one step at a time",
        "provision": "Daily phonics catch-up, 15 minutes",
        "expected_impact": "Reading age up 6 months by the review",
        "responsibilities": "TA runs the group; class teacher checks progress weekly",
        "review_date": REVIEW_DATE,
        "agreed_with_parents_on": PLAN_STARTS,
    }
    values.update(changes)
    return flow.PlanDetails(**values)


def outcome_details(number: int = 1, **changes) -> flow.OutcomeDetails:
    values = {
        "description": f"Outcome {number}: reads a book banded at the right level",
        "success_criteria": f"Criteria {number}: reads 9 words in 10 correctly",
        "area_of_need": AreaOfNeed.COGNITION,
        "target_date": REVIEW_DATE,
    }
    values.update(changes)
    return flow.OutcomeDetails(**values)


def review_details(cycle: SupportCycle, *, ratings: dict | None = None, **changes) -> flow.ReviewDetails:
    """A complete review: every outcome rated (achieved unless `ratings` says otherwise)."""
    ratings = ratings or {}
    values = {
        "held_on": HELD_ON,
        "attendees": "SENCO, class teacher, mother",
        "parent_attended": True,
        "provision_impact": "Reading age up 6 months",
        "pupil_views": "I like the reading group",
        "parent_views": "Happy with progress",
        "next_steps": "Keep the group going",
        "decision": ReviewDecision.CONTINUE,
        "decision_reason": None,
        "ehc_requested_on": None,
        "ratings": {o.id: (ratings.get(o.id, OutcomeRating.ACHIEVED), None) for o in cycle.outcomes},
    }
    values.update(changes)
    return flow.ReviewDetails(**values)


def drive_cycle(
    session: Session,
    *,
    actor: User,
    pupil: Pupil,
    to: CycleState,
    outcomes: int = 2,
    primary_need: NeedType | None = NeedType.SPLD,
    review: dict | None = None,
) -> SupportCycle:
    """Open a cycle for `pupil` and take it through the operations to the state `to`.

    `review` (keyword arguments for `review_details`) is what the review records when `to` is
    closed; by default a complete review deciding to step down.
    """
    cycle = flow.open_cycle(session, actor=actor, pupil=pupil, today=OPENED_ON)
    if to is CycleState.ASSESS:
        return cycle
    flow.save_assessment(session, actor=actor, cycle=cycle, details=assessment_details(), today=OPENED_ON)
    flow.finish_assessment(session, actor=actor, cycle=cycle, today=OPENED_ON)
    if to is CycleState.PLAN:
        return cycle
    flow.save_plan(session, actor=actor, cycle=cycle, details=plan_details(), expected_version=None, today=PLAN_STARTS)
    for number in range(1, outcomes + 1):
        flow.save_outcome(session, actor=actor, cycle=cycle, details=outcome_details(number), today=PLAN_STARTS)
    flow.start_support(session, actor=actor, cycle=cycle, today=PLAN_STARTS, needs=flow.Needs(primary_need))
    if to is CycleState.DO:
        return cycle
    flow.start_review(session, actor=actor, cycle=cycle, today=REVIEW_DATE)
    if to is CycleState.REVIEW:
        return cycle
    review = {"decision": ReviewDecision.STEP_DOWN, "decision_reason": "Reading now at age-related expectations"} | (
        review or {}
    )
    flow.save_review(
        session, actor=actor, cycle=cycle, details=review_details(cycle, **review), expected_version=None, today=HELD_ON
    )
    flow.record_review(session, actor=actor, cycle=cycle, today=HELD_ON)
    return cycle


# --- Interventions ------------------------------------------------------------------------------
# Made through the workflow operations, like the cycles above. The default intervention runs on
# Mondays and Thursdays from Monday 14 September to Friday 11 December 2026, so it is running on
# the test date (27 Nov 2026). Imported here rather than at the top so that this section can be
# added without touching lines other engineers change.

from sentrack.models import CostBasis, Delivery, Intervention, InterventionType  # noqa: E402
from sentrack.workflows import interventions as iflow  # noqa: E402

INTERVENTION_STARTS = date(2026, 9, 14)
INTERVENTION_ENDS = date(2026, 12, 11)


def type_details(**changes) -> iflow.TypeDetails:
    values = {
        "name": "Reading catch-up",
        "description": "Phonics and fluency in a small group",
        "area_of_need": AreaOfNeed.COGNITION,
        "wave": 2,
        "sessions_per_week": 2,
        "minutes_per_session": 30,
        "weeks": 12,
        "cost_basis": CostBasis.PER_SESSION,
        "cost_per_session_pence": 1250,
        "hourly_rate_pence": None,
    }
    values.update(changes)
    return iflow.TypeDetails(**values)


def make_intervention_type(session: Session, *, actor: User, **changes) -> InterventionType:
    return iflow.save_intervention_type(session, actor=actor, details=type_details(**changes))


def intervention_details(kind: InterventionType, deliverer: User, **changes) -> iflow.InterventionDetails:
    values = {
        "type_id": kind.id,
        "name": "Reading group",
        "delivery": Delivery.GROUP,
        "delivered_by_id": deliverer.id,
        "weekdays": [0, 3],
        "minutes_per_session": 30,
        "starts_on": INTERVENTION_STARTS,
        "ends_on": INTERVENTION_ENDS,
        "measure": "Words read correctly in a minute",
    }
    values.update(changes)
    return iflow.InterventionDetails(**values)


def make_intervention(
    session: Session,
    *,
    actor: User,
    kind: InterventionType,
    deliverer: User,
    pupils: list[Pupil],
    today: date = date(2026, 11, 27),
    **changes,
) -> Intervention:
    """An intervention started through the workflow for `pupils`; entry scores 20, 21, ..."""
    places = [iflow.Place(pupil=p, entry_score=str(20 + n)) for n, p in enumerate(pupils)]
    return iflow.start_intervention(
        session, actor=actor, details=intervention_details(kind, deliverer, **changes), places=places, today=today
    )
