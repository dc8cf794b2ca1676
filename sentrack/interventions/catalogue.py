"""The SENCO's catalogue of intervention types and the school's impact scale."""

from __future__ import annotations

import sqlalchemy as sa
from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from sentrack import access
from sentrack.access import Ability
from sentrack.extensions import db
from sentrack.forms import attach_error, opened_at
from sentrack.interventions import bp, queries
from sentrack.interventions.forms import CatalogueEditForm, CatalogueForm, impact_scale_form_class
from sentrack.models import AreaOfNeed, CostBasis, InterventionType, School
from sentrack.submissions import once
from sentrack.workflows import RuleBroken
from sentrack.workflows import interventions as flow


def _user():
    return current_user._get_current_object()


@bp.route("/interventions/catalogue")
@login_required
@access.requires(Ability.MANAGE_CATALOGUE)
def catalogue():
    user = _user()
    return render_template("interventions/catalogue.html", types=queries.catalogue(db.session, user.school_id))


def _type_details(form: CatalogueForm, *, new: bool) -> flow.TypeDetails:
    return flow.TypeDetails(
        name=form.name.data,
        description=form.description.data,
        area_of_need=AreaOfNeed(form.area_of_need.data),
        wave=int(form.wave.data),
        sessions_per_week=form.sessions_per_week.data,
        minutes_per_session=form.minutes_per_session.data,
        weeks=form.weeks.data,
        cost_basis=CostBasis(form.cost_basis.data),
        cost_per_session_pence=form.cost_per_session.data,
        hourly_rate_pence=form.hourly_rate.data,
        active=new or bool(form.active.data),
    )


@bp.route("/interventions/catalogue/new", methods=["GET", "POST"], endpoint="catalogue_new")
@bp.route("/interventions/catalogue/<int:type_id>", methods=["GET", "POST"], endpoint="catalogue_edit")
@login_required
@access.requires(Ability.MANAGE_CATALOGUE)
@once
def catalogue_entry(type_id: int | None = None):
    user = _user()
    existing = None
    if type_id is not None:
        existing = db.session.scalar(
            sa.select(InterventionType).where(
                InterventionType.id == type_id, InterventionType.school_id == user.school_id
            )
        )
        if existing is None:
            abort(404)
    form = (CatalogueEditForm if existing is not None else CatalogueForm)(
        obj=existing if request.method == "GET" else None
    )
    if request.method == "GET" and existing is not None:
        opened_at(form, existing)
        form.area_of_need.data = existing.area_of_need.value
        form.wave.data = str(existing.wave)
        form.cost_basis.data = existing.cost_basis.value
        form.cost_per_session.data = existing.cost_per_session_pence
        form.hourly_rate.data = existing.hourly_rate_pence
    if form.validate_on_submit():
        try:
            entry = flow.save_intervention_type(
                db.session,
                actor=user,
                details=_type_details(form, new=existing is None),
                existing=existing,
                expected_version=form.expected_version if existing is not None else None,
            )
        except RuleBroken as error:
            db.session.rollback()
            attach_error(form, error)
        else:
            name = entry.name
            db.session.commit()
            flash(f"{name} is saved in the catalogue.", "success")
            return redirect(url_for("interventions.catalogue"))
    return render_template("interventions/catalogue_entry.html", form=form, entry=existing)


@bp.route("/interventions/impact-scale", methods=["GET", "POST"])
@login_required
@access.requires(Ability.MANAGE_CATALOGUE)
def impact_scale():
    user = _user()
    school = db.session.get(School, user.school_id)
    form = impact_scale_form_class()()
    if request.method == "GET":
        opened_at(form, school)
        for value, label in school.impact_labels.items():
            getattr(form, f"label_{value + 2}").data = label
    if form.validate_on_submit():
        labels = {value - 2: getattr(form, f"label_{value}").data for value in range(5)}
        try:
            flow.set_impact_scale(
                db.session, actor=user, school=school, labels=labels, expected_version=form.expected_version
            )
        except RuleBroken as error:
            db.session.rollback()
            attach_error(form, error)
        else:
            db.session.commit()
            flash("The impact scale is saved.", "success")
            return redirect(url_for("interventions.catalogue"))
    return render_template("interventions/impact_scale.html", form=form)
