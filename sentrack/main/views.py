"""The home page, with the sections the user's roles open (`access.home_sections`)."""

from __future__ import annotations

from flask import render_template
from flask_login import login_required
from markupsafe import Markup

from sentrack import access, kept, operations
from sentrack.clock import today
from sentrack.extensions import db
from sentrack.interventions import home as intervention_home
from sentrack.interventions.forms import QuickRegisterForm
from sentrack.main import bp, queries
from sentrack.models.enums import Provision
from sentrack.retention import queries as retention_queries
from sentrack.workflows import small_numbers
from sentrack.workflows.engagement import engagement_for_school, engagement_summary
from sentrack.workflows.figures import register_figures


@bp.route("/")
@login_required
def home():
    user = operations.signed_in_user()
    part = kept.part("home", user, write=lambda: _home(user))
    # Audited on every view, one statement each (the request commits them): the passports show
    # pupils' SEN records; the lists name other pupils.
    part.audit(user)
    return render_template("main/home.html", content=part.html)


def _home(user) -> kept.Part:
    """The body of the home page, with the pupils it names."""
    on = today()
    sections = access.home_sections(user)
    context: dict = {"today": on, "sections": sections}
    delivers = "delivers" in sections
    schools = queries.visible_schools(db.session, user)
    context["schools"] = schools
    if access.can(user, access.Ability.VIEW_FIGURES):
        suppress = not access.sees_small_numbers(user)
        context["figures"] = {
            school_id: small_numbers.present(found, suppress=suppress)
            for school_id, found in register_figures(db.session, [s.id for s in schools], on).items()
        }
    if "oversight" in sections:
        context["reviews_due"] = queries.reviews_due(db.session, user, on)
        context["letters_to_send"] = queries.letters_to_send(db.session, user, on)
        if access.can(user, access.Ability.RECORD_EHC_SCHOOL):  # the SENCO convenes the reviews
            context["ehc_work"] = queries.ehc_work(db.session, user, on)
        context["overdue_concerns"] = queries.overdue_concerns(db.session, user, on)
        if user.school is not None:
            context["engagement"] = engagement_summary(db.session, user.school, on)
    if "classes" in sections:
        context["classes"], context["statuses"] = queries.teacher_classes(db.session, user, on)
        pupil_ids = list(context["statuses"])
        # Set-based for the whole school, then narrowed: a fixed number of queries.
        context["class_engagement"] = (
            engagement_for_school(db.session, user.school, on, pupil_ids=pupil_ids) if pupil_ids else {}
        )
        context["class_cycles"] = queries.open_cycles(db.session, pupil_ids)
    if "impact_missing" in sections:
        context["ended_without_impact"] = intervention_home.ended_without_impact(db.session, user.school_id, on)
    if delivers:
        context["mine"] = intervention_home.home_interventions(db.session, user, on)
        context["passports"] = intervention_home.passports(db.session, user, on)
        context["quick_form"] = QuickRegisterForm()
    if "retention" in sections:
        context["records_due"] = retention_queries.due_count(db.session, user.school, on)
    context |= queries.home_counts(db.session, user, on, sections)
    html = Markup(render_template("main/_home.html", user=user, **context))
    passported = {p.pupil.id: p.pupil.school_id for p in context.get("passports", ())}
    named = {pupil.id: pupil.school_id for pupil in _named_on_home(user, context) if pupil.id not in passported}
    return kept.Part(html, named=(kept.Named("passport_viewed", passported), kept.Named("named_on_home_page", named)))


def _named_on_home(user, context: dict) -> list:
    """The pupils the home page names, as its template lists them (main/home.html)."""
    named: dict[int, object] = {}
    mine = context.get("mine")
    if mine is not None:
        for intervention in mine.to_record_today:
            named.update((place.pupil.id, place.pupil) for place in intervention.places)
    for cycle, _plan in context.get("reviews_due") or ():
        named[cycle.pupil.id] = cycle.pupil
    if context.get("letters_to_send") and access.can(user, access.Ability.MANAGE_CYCLE):
        named.update((letter.pupil.id, letter.pupil) for letter in context["letters_to_send"])
    ehc_work = context.get("ehc_work")
    if ehc_work is not None:
        named.update((pupil.id, pupil) for _due, pupil in ehc_work.reviews)
        named.update((pupil.id, pupil) for pupil in ehc_work.without_plan)
    engagement = context.get("engagement")
    for pupil, _status in getattr(engagement, "overdue_pupils", None) or ():
        named[pupil.id] = pupil
    for concern in context.get("overdue_concerns") or ():
        named[concern.pupil.id] = concern.pupil
    statuses = context.get("statuses") or {}
    for group in context.get("classes") or ():
        named.update(
            (pupil.id, pupil)
            for pupil in group.pupils
            if pupil.id in statuses and statuses[pupil.id].provision != Provision.NONE
        )
    return list(named.values())
