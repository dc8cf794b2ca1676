"""Staff and class management for head teachers and administrators."""

from __future__ import annotations

from flask import current_app, flash, redirect, render_template, url_for

from sentrack import access, operations
from sentrack.access import Ability
from sentrack.clock import today
from sentrack.extensions import db
from sentrack.staff import bp, queries
from sentrack.staff.forms import GroupEditForm, GroupForm, StaffEditForm, StaffForm
from sentrack.submissions import once
from sentrack.workflows.classes import save_class, save_member
from sentrack.workflows.invitations import invite, now_utc
from sentrack.workflows.staff import add_staff_member, decide_proposal, proposed_roles


def _warn(warnings: list[str]) -> None:
    """Tell the person what their change left a class with: no teacher, or a second one."""
    for warning in warnings:
        flash(warning, "warning")


@bp.route("/")
@access.requires(Ability.MANAGE_STAFF)
def index():
    page = queries.staff_page(db.session, operations.signed_in_user())
    return render_template(
        "staff/index.html",
        members=page.members,
        proposals=page.proposals,
        proposed=page.proposed,
        decidable=page.decidable,
    )


@bp.route("/new", methods=["GET", "POST"], endpoint="member_new")
@access.requires(Ability.MANAGE_STAFF)
@once
def member_new():
    user = operations.signed_in_user()
    form = StaffForm.from_record(None, classes=queries.class_choices(db.session, user))
    added = operations.submit(form, add_staff_member, secret_key=current_app.config["SECRET_KEY"], moment=now_utc())
    if not added:
        return render_template("staff/member.html", form=form, member=None)
    message = f"Account created for {form.full_name.data}. We have emailed them a link to set their password."
    if proposed_roles(db.session, added.value):
        message += " The roles that open SEN records wait for the head teacher or SENCO to confirm them."
    flash(message, "success")
    return redirect(url_for("staff.index"))


@bp.route("/<int:user_id>", methods=["GET", "POST"], endpoint="member_edit")
@access.requires(Ability.MANAGE_STAFF)
def member_edit(user_id: int):
    user = operations.signed_in_user()
    member = access.get_staff_member(user, user_id)
    proposed = proposed_roles(db.session, member)
    form = StaffEditForm.from_record(member, classes=queries.class_choices(db.session, user), proposed=proposed)
    saved = operations.submit(form, save_member, member=member)
    if saved:
        flash(f"Changes to {member.full_name}'s account saved.", "success")
        _warn(saved.value)
        return redirect(url_for("staff.index"))
    return render_template("staff/member.html", form=form, member=member, proposed=proposed)


@bp.route("/<int:user_id>/invitation", methods=["POST"], endpoint="member_invite")
@access.requires(Ability.MANAGE_STAFF)
def member_invite(user_id: int):
    user = operations.signed_in_user()
    member = access.get_staff_member(user, user_id)
    back = url_for("staff.member_edit", user_id=member.id)
    operations.step(
        invite, back=back, actor=user, member=member, secret_key=current_app.config["SECRET_KEY"], moment=now_utc()
    )
    flash(
        f"A new link to set their password has been emailed to {member.full_name}. Earlier links no longer work.",
        "success",
    )
    return redirect(back)


def _decide(proposal_id: int, confirm: bool):
    user = operations.signed_in_user()
    proposal = access.get_proposal(user, proposal_id)
    name, label = proposal.user.full_name, proposal.role.label
    operations.step(decide_proposal, back=url_for("staff.index"), actor=user, proposal=proposal, confirm=confirm)
    flash(
        f"{name} now holds the {label} role." if confirm else f"The {label} role proposed for {name} was declined.",
        "success",
    )
    return redirect(url_for("staff.index"))


@bp.route("/proposals/<int:proposal_id>/confirm", methods=["POST"], endpoint="proposal_confirm")
@access.requires(Ability.MANAGE_STAFF)
def proposal_confirm(proposal_id: int):
    return _decide(proposal_id, True)


@bp.route("/proposals/<int:proposal_id>/decline", methods=["POST"], endpoint="proposal_decline")
@access.requires(Ability.MANAGE_STAFF)
def proposal_decline(proposal_id: int):
    return _decide(proposal_id, False)


@bp.route("/classes")
@access.requires(Ability.MANAGE_STAFF)
def groups():
    page = queries.classes_page(db.session, operations.signed_in_user(), today())
    may_run_year_end = access.can(operations.signed_in_user(), Ability.RUN_YEAR_END)
    return render_template(
        "staff/groups.html", classes=page.classes, counts=page.counts, may_run_year_end=may_run_year_end
    )


@bp.route("/classes/new", methods=["GET", "POST"], endpoint="group_new")
@bp.route("/classes/<int:group_id>", methods=["GET", "POST"], endpoint="group_edit")
@access.requires(Ability.MANAGE_STAFF)
@once
def group_form(group_id: int | None = None):
    user = operations.signed_in_user()
    group = None if group_id is None else operations.found_or_404(queries.school_class(db.session, user, group_id))
    form = (GroupForm if group is None else GroupEditForm).from_record(
        group, teachers=queries.teacher_choices(db.session, user)
    )
    saved = operations.submit(form, save_class, group=group)
    if saved:
        flash(f"Class {form.name.data} saved.", "success")
        _warn(saved.value)
        return redirect(url_for("staff.groups"))
    return render_template("staff/group.html", form=form, group=group)
