"""The home page, with a section for each role the user holds."""

from __future__ import annotations

import sqlalchemy as sa
from flask import render_template
from flask_login import current_user, login_required
from sqlalchemy.orm import contains_eager, joinedload, selectinload

from sentrack import access, audit
from sentrack.clock import today
from sentrack.extensions import db
from sentrack.interventions import home as intervention_home
from sentrack.interventions.forms import QuickRegisterForm
from sentrack.main import bp
from sentrack.models import (
    Concern,
    ConcernStatus,
    CycleState,
    ParentLetter,
    Plan,
    SupportCycle,
    Pupil,
    Role,
    SenStatus,
    TeachingGroup,
    User,
    group_teachers,
)
from sentrack.workflows.engagement import engagement_for_school, engagement_summary
from sentrack.workflows.figures import register_figures
from sentrack.workflows.register import concern_past_deadline, on_roll, review_due_within, review_overdue


def _open_statuses(pupil_ids: list[int]) -> dict[int, SenStatus]:
    if not pupil_ids:
        return {}
    rows = db.session.scalars(
        sa.select(SenStatus).where(SenStatus.pupil_id.in_(pupil_ids), SenStatus.end_date.is_(None))
    )
    return {status.pupil_id: status for status in rows}


OVERDUE_CONCERNS_SHOWN = 20
REVIEWS_SHOWN = 30


def _overdue_concerns(user: User, on: object) -> list[Concern]:
    """The concerns past their deadline, the oldest first (the first 20)."""
    return list(db.session.scalars(
        sa.select(Concern).join(Pupil, Concern.pupil_id == Pupil.id)
        .where(access.sen_scope(user), on_roll(on), concern_past_deadline(on))
        .options(selectinload(Concern.pupil)).order_by(Concern.deadline).limit(OVERDUE_CONCERNS_SHOWN)
    ))


def _overdue_counts(user: User, on) -> tuple[int, int]:
    """How many reviews are overdue (`register.review_overdue`) and how many concerns are past
    their deadline, among the pupils in the user's scope, however many the lists show: one query."""
    reviews = (
        sa.select(sa.func.count(SupportCycle.id)).join(Plan, Plan.cycle_id == SupportCycle.id)
        .join(Pupil, SupportCycle.pupil_id == Pupil.id)
        .where(access.sen_scope(user), on_roll(on), review_overdue(on)).scalar_subquery()
    )
    concerns = (
        sa.select(sa.func.count(Concern.id)).join(Pupil, Concern.pupil_id == Pupil.id)
        .where(access.sen_scope(user), on_roll(on), concern_past_deadline(on)).scalar_subquery()
    )
    return tuple(db.session.execute(sa.select(reviews, concerns)).one())


def _reviews_due(user: User, on, *, within_days: int = 14) -> list[tuple[SupportCycle, Plan]]:
    """Running plans whose review date has passed (overdue, by `register.review_overdue`) or falls
    within `within_days`, soonest first."""
    return list(
        db.session.execute(
            sa.select(SupportCycle, Plan)
            .join(Plan, Plan.cycle_id == SupportCycle.id)
            .join(Pupil, SupportCycle.pupil_id == Pupil.id)
            .where(access.sen_scope(user), on_roll(on), review_due_within(on, within_days))
            .options(selectinload(SupportCycle.pupil), contains_eager(SupportCycle.plan))
            .order_by(Plan.review_date)
            .limit(REVIEWS_SHOWN)
        ).tuples()
    )


def _letters_to_send(user: User, on) -> list[ParentLetter]:
    return list(
        db.session.scalars(
            sa.select(ParentLetter)
            .join(Pupil, ParentLetter.pupil_id == Pupil.id)
            .where(access.sen_scope(user), on_roll(on), ParentLetter.sent_on.is_(None))
            .options(selectinload(ParentLetter.pupil))
            .order_by(ParentLetter.created_on)
            .limit(30)
        )
    )


def _teacher_classes(user: User, on) -> tuple[list[TeachingGroup], dict[int, SenStatus]]:
    """The teacher's classes with the pupils on the roll `on` that day."""
    groups = list(
        db.session.scalars(
            sa.select(TeachingGroup)
            .join(group_teachers, group_teachers.c.group_id == TeachingGroup.id)
            .where(group_teachers.c.user_id == user.id)
            .options(selectinload(TeachingGroup.pupils.and_(on_roll(on))))
            .order_by(TeachingGroup.name)
        )
    )
    pupil_ids = [pupil.id for group in groups for pupil in group.pupils]
    return groups, _open_statuses(pupil_ids)


@bp.route("/")
@login_required
def home():
    user = current_user._get_current_object()
    on = today()
    context: dict = {"today": on}
    delivers = user.has_role(Role.TEACHER, Role.SUPPORT_ASSISTANT)
    schools = list(db.session.scalars(access.visible_schools(user).order_by(sa.text("name"))))
    context["schools"] = schools
    if access.can(user, access.Ability.VIEW_FIGURES):
        context["figures"] = register_figures(db.session, [s.id for s in schools], on)
    if user.has_role(Role.SENCO, Role.HEAD):
        context["reviews_due"] = _reviews_due(user, on)
        context["reviews_overdue_count"], context["overdue_concern_count"] = _overdue_counts(user, on)
        context["letters_to_send"] = _letters_to_send(user, on)
        context["overdue_concerns"] = _overdue_concerns(user, on)
        if user.school is not None:
            context["engagement"] = engagement_summary(db.session, user.school, on)
        context["open_concerns"] = db.session.scalar(
            sa.select(sa.func.count(Concern.id))
            .join(Pupil, Concern.pupil_id == Pupil.id)
            .where(access.sen_scope(user), on_roll(on), Concern.status == ConcernStatus.OPEN)
        )
    if user.has_role(Role.TEACHER):
        context["classes"], context["statuses"] = _teacher_classes(user, on)
        pupil_ids = list(context["statuses"])
        # Set-based for the whole school, then narrowed: a fixed number of queries.
        context["class_engagement"] = engagement_for_school(db.session, user.school, on, pupil_ids=pupil_ids) if pupil_ids else {}
        context["class_cycles"] = {
            cycle.pupil_id: cycle
            for cycle in db.session.scalars(
                sa.select(SupportCycle)
                .where(SupportCycle.pupil_id.in_(pupil_ids), SupportCycle.state != CycleState.CLOSED)
                .options(joinedload(SupportCycle.plan))
            )
        } if pupil_ids else {}
    if user.has_role(Role.SENCO):
        context["ended_without_impact"] = intervention_home.ended_without_impact(db.session, user.school_id, on)
    if delivers:
        context["mine"] = intervention_home.home_interventions(db.session, user, on)
        context["passports"] = intervention_home.passports(db.session, user, on)
        context["quick_form"] = QuickRegisterForm()
    if user.has_role(Role.ADMIN, Role.HEAD):
        context["staff_count"] = db.session.scalar(
            sa.select(sa.func.count(User.id)).where(User.school_id == user.school_id, User.active)
        )
        context["roll_count"] = db.session.scalar(
            sa.select(sa.func.count(Pupil.id)).where(Pupil.school_id == user.school_id, on_roll(on))
        )
        context["class_count"] = db.session.scalar(
            sa.select(sa.func.count(TeachingGroup.id)).where(TeachingGroup.school_id == user.school_id)
        )
    page = render_template("main/home.html", user=user, **context)
    if delivers:
        # The passports show pupils' SEN records: audited once the page is rendered (the commit
        # expires what the page loaded), in one statement.
        audit.record_for_pupils(db.session, "passport_viewed", actor=user, pupils=[p.pupil for p in context["passports"]])
        db.session.commit()
    return page
