"""The bank of outcome wordings: the SENCO keeps the school's SMART outcomes by area of need, which
the plan's outcome form offers."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for

from sentrack import access, operations
from sentrack.access import Ability
from sentrack.extensions import db
from sentrack.models import AreaOfNeed
from sentrack.outcome_bank import bp, queries
from sentrack.outcome_bank.forms import WordingEditForm, WordingForm
from sentrack.submissions import once
from sentrack.workflows import outcome_bank as flow


@bp.route("/")
@access.requires(Ability.MANAGE_OUTCOME_BANK)
def index():
    user = operations.signed_in_user()
    wordings = queries.school_bank(db.session, user.school_id)
    return render_template("outcome_bank/index.html", wordings=wordings, areas=list(AreaOfNeed))


@bp.route("/new", methods=["GET", "POST"], endpoint="new")
@bp.route("/<int:wording_id>", methods=["GET", "POST"], endpoint="edit")
@access.requires(Ability.MANAGE_OUTCOME_BANK)
@once
def wording(wording_id: int | None = None):
    user = operations.signed_in_user()
    existing = None
    if wording_id is not None:
        existing = operations.found_or_404(queries.wording_of(db.session, user.school_id, wording_id))
    form_class = WordingEditForm if existing is not None else WordingForm
    form = form_class.from_record(existing) if request.method == "GET" and existing is not None else form_class()
    if form.validate_on_submit() and operations.run(
        form,
        flow.save_wording,
        actor=user,
        details=form.to_details(new=existing is None),
        existing=existing,
        expected_version=form.expected_version if existing is not None else None,
    ):
        flash("The wording is saved in the bank of outcomes.", "success")
        return redirect(url_for("outcome_bank.index"))
    return render_template("outcome_bank/wording.html", form=form, entry=existing)
