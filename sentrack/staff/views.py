"""Staff and class management for head teachers and administrators."""

from __future__ import annotations

import sqlalchemy as sa
from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy.orm import selectinload

from sentrack import access
from sentrack.access import Ability
from sentrack.clock import today
from sentrack.extensions import db
from sentrack.forms import attach_error, opened_at
from sentrack.models import Pupil, Role, TeachingGroup, User, group_pupils
from sentrack.staff import bp
from sentrack.staff.forms import GroupEditForm, GroupForm, StaffEditForm, StaffForm
from sentrack.submissions import once
from sentrack.workflows import RuleBroken
from sentrack.workflows.invitations import invite, now_utc
from sentrack.workflows.register import on_roll
from sentrack.workflows.staff import (
    GroupDetails,
    StaffDetails,
    add_staff_member,
    decide_proposal,
    pending_proposals,
    proposed_roles,
    save_group,
    update_staff_member,
)


def _user() -> User:
    return current_user._get_current_object()


def _school_groups(user: User) -> list[tuple[int, str]]:
    return [(g.id, g.name) for g in db.session.scalars(access.school_groups(user))]


@bp.route("/")
@login_required
@access.requires(Ability.MANAGE_STAFF)
def index():
    user = _user()
    members = db.session.scalars(
        sa.select(User)
        .where(User.school_id == user.school_id)
        .options(selectinload(User.groups))
        .order_by(User.active.desc(), User.full_name)
    ).all()
    proposals = pending_proposals(db.session, user.school_id)
    proposed: dict[int, list] = {}
    for proposal in proposals:
        proposed.setdefault(proposal.user_id, []).append(proposal.role)
    decidable = [p for p in proposals if access.may_decide_proposal(user, p.role)]
    return render_template(
        "staff/index.html", members=members, proposals=proposals, proposed=proposed, decidable=decidable
    )


def _details(form: StaffForm) -> StaffDetails:
    return StaffDetails(
        full_name=form.full_name.data,
        email=form.email.data,
        roles={Role(value) for value in form.roles.data or []},
        group_ids=form.groups.data or [],
        active=form.active.data,
    )


@bp.route("/new", methods=["GET", "POST"], endpoint="member_new")
@login_required
@access.requires(Ability.MANAGE_STAFF)
@once
def member_new():
    user = _user()
    form = StaffForm()
    form.groups.choices = _school_groups(user)
    if form.validate_on_submit():
        try:
            member = add_staff_member(
                db.session,
                actor=user,
                details=_details(form),
                secret_key=current_app.config["SECRET_KEY"],
                moment=now_utc(),
            )
        except RuleBroken as error:
            db.session.rollback()
            attach_error(form, error)
        else:
            waiting = proposed_roles(db.session, member)
            db.session.commit()
            message = f"Account created for {form.full_name.data}. We have emailed them a link to set their password."
            if waiting:
                message += " The roles that open SEN records wait for the head teacher or SENCO to confirm them."
            flash(message, "success")
            return redirect(url_for("staff.index"))
    return render_template("staff/member.html", form=form, member=None)


@bp.route("/<int:user_id>", methods=["GET", "POST"], endpoint="member_edit")
@login_required
@access.requires(Ability.MANAGE_STAFF)
def member_edit(user_id: int):
    user = _user()
    member = access.get_staff_member(user, user_id)
    form = StaffEditForm(obj=member if request.method == "GET" else None)
    form.groups.choices = _school_groups(user)
    if request.method == "GET":
        opened_at(form, member)
        form.roles.data = [r.value for r in member.roles | proposed_roles(db.session, member)]
        form.groups.data = [g.id for g in member.groups]
    if form.validate_on_submit():
        try:
            update_staff_member(
                db.session, actor=user, member=member, details=_details(form), expected_version=form.expected_version
            )
        except RuleBroken as error:
            db.session.rollback()
            attach_error(form, error)
        else:
            db.session.commit()
            flash(f"Changes to {member.full_name}'s account saved.", "success")
            return redirect(url_for("staff.index"))
    return render_template("staff/member.html", form=form, member=member, proposed=proposed_roles(db.session, member))


@bp.route("/<int:user_id>/invitation", methods=["POST"], endpoint="member_invite")
@login_required
@access.requires(Ability.MANAGE_STAFF)
def member_invite(user_id: int):
    user = _user()
    member = access.get_staff_member(user, user_id)
    try:
        invite(db.session, actor=user, member=member, secret_key=current_app.config["SECRET_KEY"], moment=now_utc())
    except RuleBroken as error:
        db.session.rollback()
        flash(error.message, "important")
    else:
        db.session.commit()
        flash(
            f"A new link to set their password has been emailed to {member.full_name}. Earlier links no longer work.",
            "success",
        )
    return redirect(url_for("staff.member_edit", user_id=member.id))


def _decide(proposal_id: int, confirm: bool):
    user = _user()
    proposal = access.get_proposal(user, proposal_id)
    name, label = proposal.user.full_name, proposal.role.label
    try:
        decide_proposal(db.session, actor=user, proposal=proposal, confirm=confirm)
    except RuleBroken as error:
        db.session.rollback()
        flash(error.message, "important")
    else:
        db.session.commit()
        flash(
            f"{name} now holds the {label} role." if confirm else f"The {label} role proposed for {name} was declined.",
            "success",
        )
    return redirect(url_for("staff.index"))


@bp.route("/proposals/<int:proposal_id>/confirm", methods=["POST"], endpoint="proposal_confirm")
@login_required
@access.requires(Ability.MANAGE_STAFF)
def proposal_confirm(proposal_id: int):
    return _decide(proposal_id, True)


@bp.route("/proposals/<int:proposal_id>/decline", methods=["POST"], endpoint="proposal_decline")
@login_required
@access.requires(Ability.MANAGE_STAFF)
def proposal_decline(proposal_id: int):
    return _decide(proposal_id, False)


@bp.route("/classes")
@login_required
@access.requires(Ability.MANAGE_STAFF)
def groups():
    user = _user()
    counts = dict(
        db.session.execute(
            sa.select(group_pupils.c.group_id, sa.func.count())
            .join(TeachingGroup, TeachingGroup.id == group_pupils.c.group_id)
            .join(Pupil, Pupil.id == group_pupils.c.pupil_id)
            .where(TeachingGroup.school_id == user.school_id, on_roll(today()))
            .group_by(group_pupils.c.group_id)
        ).all()
    )
    classes = db.session.scalars(access.school_groups(user).options(selectinload(TeachingGroup.teachers))).all()
    return render_template("staff/groups.html", classes=classes, counts=counts)


def _teacher_choices(user: User) -> list[tuple[int, str]]:
    return [
        (member.id, member.full_name)
        for member in db.session.scalars(
            sa.select(User).where(User.school_id == user.school_id, User.active).order_by(User.full_name)
        )
    ]


@bp.route("/classes/new", methods=["GET", "POST"], endpoint="group_new")
@bp.route("/classes/<int:group_id>", methods=["GET", "POST"], endpoint="group_edit")
@login_required
@access.requires(Ability.MANAGE_STAFF)
@once
def group_form(group_id: int | None = None):
    user = _user()
    group = None
    if group_id is not None:
        group = db.session.scalar(
            sa.select(TeachingGroup).where(TeachingGroup.id == group_id, TeachingGroup.school_id == user.school_id)
        )
        if group is None:
            abort(404)
    form = (GroupForm if group is None else GroupEditForm)(obj=group if request.method == "GET" else None)
    form.teachers.choices = _teacher_choices(user)
    if request.method == "GET" and group is not None:
        opened_at(form, group)
        form.year_group.data = "" if group.year_group is None else str(group.year_group)
        form.teachers.data = [t.id for t in group.teachers]
    if form.validate_on_submit():
        details = GroupDetails(
            name=form.name.data,
            year_group=int(form.year_group.data) if form.year_group.data else None,
            teacher_ids=form.teachers.data or [],
        )
        try:
            save_group(
                db.session,
                actor=user,
                details=details,
                group=group,
                expected_version=form.expected_version if group is not None else None,
            )
        except RuleBroken as error:
            db.session.rollback()
            attach_error(form, error)
        else:
            db.session.commit()
            flash(f"Class {details.name} saved.", "success")
            return redirect(url_for("staff.groups"))
    return render_template("staff/group.html", form=form, group=group)
