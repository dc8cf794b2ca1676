"""Intervention pages: the list, setting one up and changing it, ending it early, the page of one
intervention, the register of a session (and the one-click register from the home page), and the
impact when it ends. Each view loads through `access`, calls one workflow operation, and renders
or redirects; the request commits once."""

from __future__ import annotations

from dataclasses import dataclass

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import login_required

from sentrack import access, audit, operations
from sentrack.access import Ability
from sentrack.clock import today
from sentrack.extensions import db
from sentrack.interventions import bp, queries
from sentrack.interventions.forms import (
    ChooseTypeForm,
    CorrectRegisterForm,
    EndForm,
    ImpactForm,
    InterventionEditForm,
    InterventionForm,
    QuickRegisterForm,
    SessionForm,
)
from sentrack.models import Intervention, InterventionType, Pupil, School, User
from sentrack.submissions import once
from sentrack.templating import format_date
from sentrack.workflows import interventions as flow
from sentrack.workflows import measures, registers

LIST_ABILITIES = frozenset({Ability.RECORD_SESSION, Ability.SET_UP_INTERVENTION, Ability.VIEW_PROVISION_MAP})


# --- The list --------------------------------------------------------------------------------------


@bp.route("/interventions/")
@login_required
def index():
    user = operations.signed_in_user()
    if not access.abilities(user) & LIST_ABILITIES:
        abort(403)
    ended = request.args.get("show") == "ended"
    on = today()
    page = queries.list_page(db.session, user, ended=ended, today=on)
    # The pupils the list names: listed and within the user's reach.
    audit.record_for_pupils(db.session, "named_in_intervention_list", actor=user, pupils=page.named)
    return render_template(
        "interventions/index.html", rows=page.rows, ended=ended, today=on, visible=page.visible, listed=page.listed
    )


# --- Setting one up and changing it ----------------------------------------------------------------


def _type_choices(types: list[InterventionType]) -> list[tuple[str, str]]:
    return [(str(t.id), t.name) for t in types]


@dataclass(frozen=True)
class Chooser:
    """The intervention form with its pupils by class, and the pupils (by public id) a post may name."""

    form: object
    groups: list[queries.ChoiceGroup]
    reachable: dict[str, Pupil]


def _intervention_form(
    user: User,
    group_ids: list[int],
    current: list[Pupil],
    also_label: str,
    kind: InterventionType | None = None,
    *,
    joining_only: bool = False,
    versioned: bool = False,
) -> Chooser:
    """The form with a place for each pupil who may be chosen: the pupils of the chosen classes,
    those already in the intervention, and any other pupil posted whom the user may reach.

    Starting `kind` when it is wave 3: `form.sen_asked` holds the pupils (public ids) off the SEN
    register, and `form.may_place` whether the user may place them on SEN support (then the form
    asks, for each, whether to); otherwise the SENCO is told and the form says so. With
    `joining_only` (changing an intervention), only pupils joining it are asked about."""
    posted = request.form.getlist("pupils") if request.method == "POST" else []
    in_scope = queries.pupils_in_scope(db.session, user, posted, Ability.SET_UP_INTERVENTION)
    current_ids = {p.id for p in current}
    also = current + [p for p in in_scope.values() if p.id not in current_ids]
    groups = queries.pupil_choices(db.session, user, group_ids, also=also, also_label=also_label)
    reachable = {c.pupil.public_id: c.pupil for g in groups for c in g.choices}
    outcome_choices = {
        c.pupil.public_id: [(str(o.id), o.description[:90]) for o in c.outcomes] for g in groups for c in g.choices
    }
    asked = flow.needs_sen_decision(
        db.session, kind, [p for p in reachable.values() if not (joining_only and p.id in current_ids)]
    )
    sen_asked = frozenset(key for key, pupil in reachable.items() if pupil.id in asked)
    names = {key: pupil.full_name for key, pupil in reachable.items()}
    may_place = access.may_change_sen_status(user)
    form = InterventionEditForm() if versioned else InterventionForm()
    form.offer_rows(outcome_choices, sen_asked if may_place else frozenset())
    form.sen_asked, form.may_place, form.pupil_names = sen_asked, may_place, names
    form.delivered_by_id.choices = [("", "Choose who delivers it")] + [
        (str(u.id), queries.deliverer_label(u)) for u in queries.deliverers(db.session, user.school_id)
    ]
    return Chooser(form, groups, reachable)


def _checked_places(form, reachable: dict[str, Pupil], kept: frozenset[str] = frozenset()) -> list[flow.Place] | None:
    """On a valid post, the places asked for; otherwise None. A pupil out of reach is named
    even beside the form's other mistakes."""
    if request.method != "POST":
        return None
    valid = form.validate_on_submit()
    places = form.to_places(reachable, kept)
    return places if valid else None


def _sen_message(form, places: list[flow.Place]) -> str:
    """What happened to wave 3 pupils off the register, in words naming no pupil (a flash
    message travels in the session cookie)."""
    asked = [p for p in places if p.pupil.public_id in getattr(form, "sen_asked", ())]
    placed = sum(1 for p in asked if p.sen_support)
    left = len(asked) - placed
    parts = []
    if placed:
        parts.append(
            f" {placed} pupil{'s are' if placed > 1 else ' is'} now on SEN support: send the letter to parents."
        )
    if left and not form.may_place:
        parts.append(
            f" {left} pupil{'s are' if left > 1 else ' is'} not on SEN support: the SENCO has been told, and decides "
            "whether to place them on it."
        )
    return "".join(parts)


def _choose_page(types: list[InterventionType], classes):
    """Step one: the catalogue entry, and the classes to choose pupils from."""
    form = ChooseTypeForm(formdata=request.args if request.args else None)
    form.type.choices = _type_choices(types)
    form.group.choices = [(str(g.id), g.name) for g in classes]
    if request.args.get("chosen"):
        form.validate()
    elif len(classes) <= 2:
        form.group.data = [str(g.id) for g in classes]
    return render_template("interventions/choose.html", form=form, types=types, classes=classes)


@bp.route("/interventions/new", methods=["GET", "POST"])
@access.requires(Ability.SET_UP_INTERVENTION)
@once
def new():
    user = operations.signed_in_user()
    types = queries.catalogue(db.session, user.school_id, active_only=True)
    classes = queries.pickable_groups(db.session, user)
    kind = next((t for t in types if str(t.id) == request.args.get("type")), None)
    asked = request.args.getlist("group")
    group_ids = [g.id for g in classes if str(g.id) in asked]
    if kind is None or not group_ids:
        return _choose_page(types, classes)
    chooser = _intervention_form(user, group_ids, [], "Other pupils chosen", kind=kind)
    form = chooser.form
    form.type_id.choices = _type_choices(types)
    if request.method == "GET":
        form.fill_defaults(kind, user, today())
    places = _checked_places(form, chooser.reachable)
    if places is not None:
        told = _sen_message(form, places)
        outcome = operations.run(
            form, flow.start_intervention, actor=user, details=form.to_details(), places=places, today=today()
        )
        if outcome:
            flash(f"{outcome.value.name} is set up.{told}", "success")
            return redirect(url_for("interventions.show", intervention_id=outcome.value.id))
    return render_template(
        "interventions/form.html",
        form=form,
        groups=chooser.groups,
        intervention=None,
        kind=kind,
        classes=classes,
        group_ids=group_ids,
        others=0,
    )


@dataclass(frozen=True)
class EditScope:
    """Of an intervention being changed: the places the user may change (the others stay in it as
    they are, counted), their pupils, and the public ids of the pupils of the others."""

    places: list
    current: list[Pupil]
    kept: frozenset[str]


def _edit_scope(user: User, intervention: Intervention) -> EditScope:
    writable = access.intervention_pupil_ids(user, intervention, Ability.SET_UP_INTERVENTION)
    places = [place for place in intervention.places if place.pupil_id in writable]
    kept = frozenset(place.pupil.public_id for place in intervention.places if place.pupil_id not in writable)
    return EditScope(places=places, current=[place.pupil for place in places], kept=kept)


def _shown_groups(classes, current: list[Pupil]) -> list[int]:
    """The classes whose pupils the form lists: those asked for, or else the current pupils' own."""
    asked = request.args.getlist("group")
    if asked:
        return [g.id for g in classes if str(g.id) in asked]
    theirs = {g.id for pupil in current for g in pupil.current_groups}
    return [g.id for g in classes if g.id in theirs]


def _edit_types(user: User, intervention: Intervention) -> list[tuple[str, str]]:
    """The catalogue entries offered: those offered now, and the intervention's own."""
    types = queries.catalogue(db.session, user.school_id, active_only=True)
    if intervention.type not in types:
        types.append(intervention.type)
    return _type_choices(types)


def _loaded(intervention_id: int, ability: Ability) -> tuple[User, Intervention]:
    """The signed-in user and the intervention, reached through `ability`, with its pupils and registers."""
    user = operations.signed_in_user()
    return user, queries.load_intervention(db.session, access.get_intervention(user, intervention_id, ability))


@bp.route("/interventions/<int:intervention_id>/edit", methods=["GET", "POST"])
@login_required
def edit(intervention_id: int):
    user, intervention = _loaded(intervention_id, Ability.SET_UP_INTERVENTION)
    classes = queries.pickable_groups(db.session, user)
    scope = _edit_scope(user, intervention)
    group_ids = _shown_groups(classes, scope.current)
    chooser = _intervention_form(
        user, group_ids, scope.current, "In the intervention", intervention.type, joining_only=True, versioned=True
    )
    form = chooser.form
    form.type_id.choices = _edit_types(user, intervention)
    if request.method == "GET":
        form.fill_from(intervention, scope.places)
        # A view of the page; a refused post stores nothing.
        audit.record_for_pupils(
            db.session,
            "intervention_form_viewed",
            actor=user,
            pupils=scope.current,
            object_type="intervention",
            object_id=intervention.id,
        )
    places = _checked_places(form, chooser.reachable, scope.kept)
    if places is not None and operations.submit(
        form, flow.update_intervention, intervention=intervention, places=places, today=today()
    ):
        flash(f"{intervention.name} is saved.{_sen_message(form, places)}", "success")
        return redirect(url_for("interventions.show", intervention_id=intervention_id))
    return render_template(
        "interventions/form.html",
        form=form,
        groups=chooser.groups,
        intervention=intervention,
        kind=intervention.type,
        classes=classes,
        group_ids=group_ids,
        others=len(scope.kept),
    )


@bp.route("/interventions/<int:intervention_id>/end", methods=["GET", "POST"])
@once
def end(intervention_id: int):
    user = operations.signed_in_user()
    intervention = access.get_intervention(user, intervention_id, Ability.SET_UP_INTERVENTION)
    form = EndForm()
    if request.method == "GET":
        form.ended_on.data = min(today(), intervention.ends_on)
    if operations.submit(form, flow.end_intervention, intervention=intervention, today=today(), details_as="ended_on"):
        flash(f"{intervention.name} has ended. Record the exit measure and impact for each pupil.", "success")
        return redirect(url_for("interventions.show", intervention_id=intervention_id) + "#pupils")
    return render_template("interventions/end.html", form=form, intervention=intervention, today=today())


# --- One intervention ------------------------------------------------------------------------------


@bp.route("/interventions/<int:intervention_id>")
@login_required
def show(intervention_id: int):
    user = operations.signed_in_user()
    found = access.get_intervention(user, intervention_id)
    # A user reaching an intervention through one of its pupils sees the others counted, unnamed.
    visible = access.intervention_pupil_ids(user, found)
    # Its pupils are of its school: audited by id, with nothing more to load.
    audit.record_for_pupils(
        db.session,
        "intervention_viewed",
        actor=user,
        object_type="intervention",
        object_id=found.id,
        pupil_schools={pupil_id: found.school_id for pupil_id in visible},
    )
    intervention = queries.load_intervention(db.session, found)
    return render_template(
        "interventions/show.html",
        intervention=intervention,
        today=today(),
        visible=visible,
        others=sum(1 for place in intervention.places if place.pupil_id not in visible),
        teachers=queries.responsible_teachers(db.session, sorted(visible)),
        tallies=queries.attendance(intervention),
        labels=user.school.impact_labels,
        counts=registers.session_counts(db.session, [intervention.id])[intervention.id],
        may_record=queries.may(db.session, user, Ability.RECORD_SESSION, intervention),
        may_change=queries.may(db.session, user, Ability.SET_UP_INTERVENTION, intervention),
    )


# --- Registers -------------------------------------------------------------------------------------


def _register_form(form_class, user: User, intervention: Intervention, day):
    """The register form with a row for each pupil on the register of `day` whose attendance the
    user records, and how many others are on it (counted, never named)."""
    places = flow.writable_register(user, intervention, day)
    form = form_class()
    form.arrange(places)
    return form, len(flow.register_places(intervention, day)) - len(places)


def _unusual(form: SessionForm, school: School) -> str | None:
    """What to confirm before a register dated on a weekend or holiday is stored, or None (the
    intervention is of the user's own school)."""
    day = form.held_on.data
    why = registers.unusual_day(db.session, school, day) if day else None
    if why is None or form.confirmed_for(day):
        return None
    form.confirmed.data = day.isoformat()
    return registers.unusual_day_message(day, why)


@bp.route("/interventions/<int:intervention_id>/sessions/new", methods=["GET", "POST"])
@once
def record_session(intervention_id: int):
    user, intervention = _loaded(intervention_id, Ability.RECORD_SESSION)
    from_home = request.args.get("from") == "home"
    posted_day = SessionForm().held_on.data if request.method == "POST" else None
    form, others = _register_form(SessionForm, user, intervention, posted_day or today())
    if request.method == "GET":
        form.held_on.data = today()
        # A view of the page; a refused post stores nothing.
        audit.record_for_pupils(
            db.session,
            "register_viewed",
            actor=user,
            pupils=[place.pupil for place in form.places],
            object_type="intervention",
            object_id=intervention.id,
        )
    confirming = _unusual(form, user.school) if form.validate_on_submit() else None
    if (
        request.method == "POST"
        and not form.errors
        and confirming is None
        and operations.run(
            form,
            flow.record_session,
            actor=user,
            intervention=intervention,
            held_on=form.held_on.data,
            marks=form.marks(),
            note=form.note.data,
            not_held=form.not_held,
            confirmed=True,
            today=today(),
        )
    ):
        flash(_register_saved(intervention, form), "success")
        if from_home:
            return redirect(url_for("main.home"))
        return redirect(url_for("interventions.show", intervention_id=intervention_id) + "#register")
    return render_template(
        "interventions/session.html",
        form=form,
        intervention=intervention,
        from_home=from_home,
        others=others,
        confirming=confirming,
    )


def _register_saved(intervention: Intervention, form) -> str:
    day = format_date(form.held_on.data)
    if form.not_held is not None:
        return f"Recorded that {intervention.name} did not take place on {day}: {form.not_held.label.lower()}."
    marks = form.marks()
    present = sum(1 for mark in marks.values() if mark.attended)
    return f"Register saved for {intervention.name} on {day}: {present} of {len(marks)} attended."


@bp.route("/interventions/<int:intervention_id>/sessions/<int:register_id>")
@login_required
def show_register(intervention_id: int, register_id: int):
    """One register: whether it took place, the marks of the pupils the user reaches (the others
    counted), the note, and its corrections."""
    user = operations.signed_in_user()
    register = access.get_register(user, intervention_id, register_id)
    intervention = queries.load_intervention(db.session, register.intervention)
    visible = access.intervention_pupil_ids(user, intervention)
    names = {place.pupil_id: place.pupil.full_name for place in intervention.places if place.pupil_id in visible}
    audit.record_for_pupils(
        db.session,
        "register_viewed",
        actor=user,
        object_type="intervention",
        object_id=intervention.id,
        pupil_schools={pupil_id: intervention.school_id for pupil_id in names},
    )
    rows = sorted((row for row in register.attendance if row.pupil_id in names), key=lambda row: names[row.pupil_id])
    return render_template(
        "interventions/register.html",
        intervention=intervention,
        register=register,
        rows=rows,
        names=names,
        others=sum(1 for row in register.attendance if row.pupil_id not in names),
        history=registers.history(db.session, register, names),
        may_correct=access.may_correct_register(user, register),
    )


@bp.route("/interventions/<int:intervention_id>/sessions/<int:register_id>/correct", methods=["GET", "POST"])
@once
def correct_register(intervention_id: int, register_id: int):
    """Correct a register: whoever took it, or the SENCO."""
    user = operations.signed_in_user()
    register = access.get_register(user, intervention_id, register_id, correcting=True)
    intervention = queries.load_intervention(db.session, register.intervention)
    form, others = _register_form(CorrectRegisterForm, user, intervention, register.held_on)
    names = {place.pupil_id: place.pupil.full_name for place in form.places}
    if request.method == "GET":
        form.fill_from(register)
        audit.record_for_pupils(
            db.session,
            "register_viewed",
            actor=user,
            pupils=[place.pupil for place in form.places],
            object_type="intervention",
            object_id=intervention.id,
        )
    if form.validate_on_submit() and operations.run(
        form,
        flow.correct_register,
        actor=user,
        register=register,
        marks=form.marks(),
        note=form.note.data,
        not_held=form.not_held,
        today=today(),
        expected_version=form.expected_version,
        names=names,
    ):
        flash(f"The register of {format_date(register.held_on)} is corrected.", "success")
        return redirect(
            url_for("interventions.show_register", intervention_id=intervention_id, register_id=register_id)
        )
    return render_template(
        "interventions/correct_register.html", form=form, intervention=intervention, register=register, others=others
    )


@bp.route("/interventions/<int:intervention_id>/sessions/quick", methods=["POST"])
@once
def quick_register(intervention_id: int):
    """The home page's one-click register: today's session, everyone present."""
    user = operations.signed_in_user()
    intervention = access.get_intervention(user, intervention_id, Ability.RECORD_SESSION)
    operations.button_posted(QuickRegisterForm)
    name = intervention.name
    operations.step(
        flow.record_everyone_present, back=url_for("main.home"), actor=user, intervention=intervention, today=today()
    )
    flash(f"Register saved for {name} today: everyone attended.", "success")
    return redirect(url_for("main.home"))


# --- Impact ----------------------------------------------------------------------------------------


@bp.route("/interventions/<int:intervention_id>/impact", methods=["GET", "POST"])
@once
def impact(intervention_id: int):
    user, intervention = _loaded(intervention_id, Ability.RECORD_SESSION)
    on = today()
    ended = intervention.ends_on <= on
    # The pupils whose impact the user records; the others are counted, never shown.
    visible = access.intervention_pupil_ids(user, intervention, Ability.RECORD_SESSION)
    places = flow.writable_impact_places(user, intervention)
    form = ImpactForm.for_places(places, user.school.impact_labels, measures.MeasureSpec.of(intervention))
    if request.method == "GET":
        form.fill_from()
        # A view of the page; a refused post stores nothing.
        audit.record_for_pupils(
            db.session,
            "impact_viewed",
            actor=user,
            pupils=[p.pupil for p in places] if ended else [],
            object_type="intervention",
            object_id=intervention.id,
        )
    if (
        ended
        and form.validate_on_submit()
        and operations.run(
            form,
            flow.record_impact,
            actor=user,
            intervention=intervention,
            results=form.to_details(),
            today=on,
            expected_versions=form.expected_versions(),
        )
    ):
        flash(f"Impact saved for {intervention.name}.", "success")
        return redirect(url_for("interventions.show", intervention_id=intervention_id) + "#pupils")
    return render_template(
        "interventions/impact.html",
        form=form,
        intervention=intervention,
        ended=ended,
        left_early=[p for p in intervention.places if p.pupil_id in visible and p not in places],
        others=sum(1 for p in intervention.places if p.pupil_id not in visible),
        tallies=queries.attendance(intervention),
        may_end=queries.may(db.session, user, Ability.SET_UP_INTERVENTION, intervention),
    )
