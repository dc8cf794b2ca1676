"""The SENCO's catalogue of intervention types and the school's impact scale."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for

from sentrack import access, operations
from sentrack.access import Ability
from sentrack.extensions import db
from sentrack.interventions import bp, queries
from sentrack.interventions.forms import CatalogueEditForm, CatalogueForm, ImpactScaleForm
from sentrack.submissions import once
from sentrack.workflows import interventions as flow


@bp.route("/interventions/catalogue")
@access.requires(Ability.MANAGE_CATALOGUE)
def catalogue():
    user = operations.signed_in_user()
    return render_template("interventions/catalogue.html", types=queries.catalogue(db.session, user.school_id))


@bp.route("/interventions/catalogue/new", methods=["GET", "POST"], endpoint="catalogue_new")
@bp.route("/interventions/catalogue/<int:type_id>", methods=["GET", "POST"], endpoint="catalogue_edit")
@access.requires(Ability.MANAGE_CATALOGUE)
@once
def catalogue_entry(type_id: int | None = None):
    user = operations.signed_in_user()
    existing = None
    if type_id is not None:
        existing = operations.found_or_404(queries.catalogue_entry(db.session, user.school_id, type_id))
    form_class = CatalogueEditForm if existing is not None else CatalogueForm
    form = form_class.from_record(existing) if request.method == "GET" and existing is not None else form_class()
    if form.validate_on_submit():
        outcome = operations.run(
            form,
            flow.save_intervention_type,
            actor=user,
            details=form.to_details(new=existing is None),
            existing=existing,
            expected_version=form.expected_version if existing is not None else None,
        )
        if outcome:
            flash(f"{outcome.value.name} is saved in the catalogue.", "success")
            return redirect(url_for("interventions.catalogue"))
    return render_template("interventions/catalogue_entry.html", form=form, entry=existing)


@bp.route("/interventions/impact-scale", methods=["GET", "POST"])
@access.requires(Ability.MANAGE_CATALOGUE)
def impact_scale():
    user = operations.signed_in_user()
    school = user.school
    form = ImpactScaleForm.from_record(school) if request.method == "GET" else ImpactScaleForm()
    if operations.submit(form, flow.set_impact_scale, school=school, details_as="labels"):
        flash("The impact scale is saved.", "success")
        return redirect(url_for("interventions.catalogue"))
    return render_template("interventions/impact_scale.html", form=form)
