"""The duty catalogue, My tasks, everyone's tasks and notifications. Controllers load the record
(a task or notification out of the user's reach is a 404), check access and call one operation."""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import login_required

from sentrack import access, audit, operations
from sentrack.clock import today
from sentrack.duties import bp, queries
from sentrack.duties.forms import CompleteTaskForm, EmailSettingsForm, MarkAllReadForm, ReassignTaskForm
from sentrack.extensions import db
from sentrack.forms import bounded_int
from sentrack.models import Role, Task, TaskStatus
from sentrack.workflows import notices
from sentrack.workflows import tasks as flow
from sentrack.workflows.duty_catalogue import DUTIES

# The roles that duties are for, in the order of the roles: the filter of everyone's tasks.
DUTY_ROLES = frozenset(spec.role for spec in DUTIES)


def _task(task_id: int) -> Task:
    """The task if it is the user's, or of a school whose tasks they oversee; else 404."""
    user = operations.signed_in_user()
    task = db.session.get(Task, task_id)
    if task is None or not access.may_see_task(user, task):
        abort(404)
    audit.note_loaded(pupil_id=task.pupil_id, school_id=task.school_id)  # a task's page names its pupil
    return task


@bp.route("/duties")
@login_required
def catalogue():
    by_role = {}
    for spec in DUTIES:
        by_role.setdefault(spec.role, []).append(spec)
    return render_template("duties/catalogue.html", by_role=by_role)


@bp.route("/tasks")
@login_required
def my_tasks():
    user = operations.signed_in_user()
    return render_template(
        "duties/my_tasks.html",
        lists=flow.my_tasks(db.session, user, today()),
        may_oversee=flow.may_oversee(user),
        today=today(),
    )


@bp.route("/tasks/all")
@login_required
def all_tasks():
    user = operations.signed_in_user()
    if not flow.may_oversee(user):
        abort(403)
    role = request.args.get("role") or None
    status = request.args.get("status", "open") or None
    role_problem = None
    if role is not None and role not in {r.value for r in Role}:
        role_problem = "There is no such role: choose one from the list"
    role = Role(role) if role in {r.value for r in Role} else None
    status = TaskStatus(status) if status in {s.value for s in TaskStatus} else None
    tasks = flow.school_tasks(db.session, user.school_id, role=role, status=status)
    return render_template(
        "duties/all_tasks.html",
        tasks=tasks,
        role=role,
        status=status,
        today=today(),
        role_problem=role_problem,
        roles=[r for r in Role if r in DUTY_ROLES],
        statuses=list(TaskStatus),
    )


@bp.route("/tasks/<int:task_id>", methods=["GET", "POST"])
@login_required
def task(task_id: int):
    found = _task(task_id)
    form = CompleteTaskForm()
    if found.status is TaskStatus.OPEN and operations.submit(
        form, flow.complete_task, task=found, today=today(), details_as="note"
    ):
        flash("The task is done.", "success")
        return redirect(url_for("duties.my_tasks"))
    return render_template(
        "duties/task.html",
        form=form,
        task=found,
        today=today(),
        may_reassign=flow.may_oversee(operations.signed_in_user()) and found.status is TaskStatus.OPEN,
    )


@bp.route("/tasks/<int:task_id>/reassign", methods=["GET", "POST"])
@login_required
def reassign(task_id: int):
    user = operations.signed_in_user()
    if not flow.may_oversee(user):
        abort(403)
    found = _task(task_id)
    # Only those who may be given the task are offered; a POST naming anyone else is refused.
    form = ReassignTaskForm.from_record(found, assignees=access.task_assignees(found))
    if form.validate_on_submit() and operations.run(
        form, flow.reassign_task, actor=user, task=found, to=queries.person(db.session, form.to_details())
    ):
        flash("The task is reassigned.", "success")
        return redirect(url_for("duties.all_tasks"))
    return render_template("duties/reassign.html", form=form, task=found)


@bp.route("/notifications")
@login_required
def notifications():
    """The user's notifications, newest first, a page at a time, under the day each came on."""
    user = operations.signed_in_user()
    found = queries.notification_page(db.session, user, request.args.get("page", type=bounded_int) or 1)
    titles = flow.notification_titles(db.session, user, found.notifications)
    unread = queries.unread_of(db.session, user)
    page = render_template(
        "duties/notifications.html",
        found=found,
        days=notices.by_day(found.notifications, today()),
        unread=unread,
        read_all_form=MarkAllReadForm(newest=unread.newest),
        may_oversee=flow.may_oversee(user),
        titles=titles.titles,
    )
    # The pupils the page names (in the titles of tasks about them), in one statement.
    audit.record_for_pupils(db.session, "named_in_notifications", actor=user, pupil_schools=titles.named)
    return page


@bp.route("/notifications/read-all", methods=["POST"])
@login_required
def mark_all_read():
    user = operations.signed_in_user()
    form = MarkAllReadForm()
    back = url_for("duties.notifications")
    count = operations.step(notices.mark_all_read, back=back, user=user, newest=form.to_details())
    flash(f"{count} {'notification is' if count == 1 else 'notifications are'} marked as read.", "success")
    return redirect(back)


@bp.route("/notifications/<int:notification_id>")
@login_required
def follow(notification_id: int):
    """Open a notification: marked read, and on to the place to act if it is still the user's
    (checked now, not when the notification was made); else a page that says so and names no one."""
    user = operations.signed_in_user()
    found = queries.own_notification(db.session, user, notification_id)
    if found is None:
        abort(404)
    place = operations.step(notices.follow, back=url_for("duties.notifications"), user=user, notification=found)
    if place is None:
        return render_template("duties/notification_closed.html")
    return redirect(place)


@bp.route("/account/notifications", methods=["GET", "POST"])
@login_required
def email_settings():
    """How the emails of each kind of notification reach the person: in the daily email (the
    default), as it happens, or, where no duty rides on it, not at all."""
    user = operations.signed_in_user()
    form = EmailSettingsForm.for_person(notices.email_choices(db.session, user))
    if operations.submit(form, notices.choose_emails):
        flash("Your choices for notification emails are saved.", "success")
        return redirect(url_for("duties.email_settings"))
    return render_template("duties/email_settings.html", form=form, kinds=notices.BY_KIND)


@bp.route("/notifications/<int:notification_id>/read", methods=["POST"])
@login_required
def mark_read(notification_id: int):
    user = operations.signed_in_user()
    found = queries.own_notification(db.session, user, notification_id)
    if found is None:
        abort(404)
    back = url_for("duties.notifications")
    operations.step(flow.mark_read, back=back, user=user, notification=found)
    return redirect(back)


@bp.route("/notifications/email")
@login_required
def email_log():
    """The emails sent to the school's staff: failures first, so that the SENCO can act on them.
    Without an SMTP server (development) this is where the printed emails can be read back."""
    user = operations.signed_in_user()
    if not flow.may_oversee(user):
        abort(403)
    log = queries.email_log(db.session, user)
    return render_template(
        "duties/email_log.html", emails=log.rows, failed=log.failed, smtp=bool(current_app.config.get("MAIL_SERVER"))
    )


@bp.route("/notifications/email/resend", methods=["POST"])
@login_required
def resend_failed_emails():
    """Put the failed emails back in the outbox (after the address is put right, say)."""
    user = operations.signed_in_user()
    if not flow.may_oversee(user):
        abort(403)
    back = url_for("duties.email_log")
    count = operations.step(flow.resend_failed_emails, back=back, actor=user)
    flash(f"{count} {'email' if count == 1 else 'emails'} will be sent again in the next minute or so.")
    return redirect(back)
