"""Intervention pages: the list, setting one up and changing it, ending it early, the page of one
intervention, the register of a session (and the one-click register from the home page), and the
impact when it ends. Each view loads through `access`, calls one workflow operation, and renders
or redirects; the request commits once."""

from __future__ import annotations

from datetime import date, timedelta

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from sentrack import access, audit
from sentrack.access import Ability
from sentrack.clock import today
from sentrack.extensions import db
from sentrack.forms import attach_error, bounded_int, opened_at
from sentrack.interventions import bp, queries
from sentrack.interventions.forms import (
    SEN_SUPPORT_LEAVE,
    SEN_SUPPORT_PLACE,
    ChooseTypeForm,
    EndForm,
    QuickRegisterForm,
    SessionForm,
    impact_form_class,
    intervention_form_class,
)
from sentrack.models import Delivery, InterventionType, NeedType, Pupil, User
from sentrack.submissions import once
from sentrack.templating import format_date
from sentrack.workflows import RuleBroken
from sentrack.workflows import interventions as flow
from sentrack.workflows.register import is_on_roll

LIST_ABILITIES = frozenset({Ability.RECORD_SESSION, Ability.SET_UP_INTERVENTION, Ability.VIEW_PROVISION_MAP})
# Days of the week a catalogue entry's sessions fall on by default, by sessions a week.
DEFAULT_WEEKDAYS = {1: [2], 2: [1, 3], 3: [0, 2, 4], 4: [0, 1, 2, 3], 5: [0, 1, 2, 3, 4]}


def _user() -> User:
    return current_user._get_current_object()


def _int(value) -> int:
    text = str(value or "").strip()
    return (bounded_int(text) or 0) if text.isdigit() else 0


def next_school_day(day: date) -> date:
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day


def default_end(starts_on: date, weeks: int) -> date:
    """The last school day of `weeks` whole weeks from `starts_on`: every weekday falls in them
    exactly `weeks` times."""
    end = starts_on + timedelta(weeks=weeks) - timedelta(days=1)
    while end.weekday() >= 5:
        end -= timedelta(days=1)
    return end


# --- The list --------------------------------------------------------------------------------------


@bp.route("/interventions/")
@login_required
def index():
    user = _user()
    if not access.abilities(user) & LIST_ABILITIES:
        abort(403)
    ended = request.args.get("show") == "ended"
    on = today()
    rows = queries.intervention_list(db.session, user, ended=ended, today=on)
    pupil_ids = {place.pupil_id for row in rows for place in row.intervention.places}
    # Pupils outside the user's reach on an intervention are counted, not named.
    visible = queries.visible_places(db.session, user, [row.intervention for row in rows])
    # A current intervention lists only the pupils on the roll today: one who has left is in no
    # list from the leaving date. An ended one keeps everyone who was in it.
    listed = (
        pupil_ids
        if ended
        else {place.pupil_id for row in rows for place in row.intervention.places if is_on_roll(place.pupil, on)}
    )
    page = render_template("interventions/index.html", rows=rows, ended=ended, today=on, visible=visible, listed=listed)
    # The pupils the list names: listed and within the user's reach.
    named = [
        place.pupil
        for row in rows
        for place in row.intervention.places
        if place.pupil_id in listed and place.pupil_id in visible.get(row.intervention.id, ())
    ]
    audit.record_for_pupils(db.session, "named_in_intervention_list", actor=user, pupils=named)
    db.session.commit()
    return page


# --- Setting one up and changing it ----------------------------------------------------------------


def _type_choices(types: list[InterventionType]) -> list[tuple[str, str]]:
    return [(str(t.id), t.name) for t in types]


def _intervention_form(
    user: User,
    group_ids: list[int],
    current: list[Pupil],
    also_label: str,
    kind: InterventionType | None = None,
    *,
    joining_only: bool = False,
    versioned: bool = False,
):
    """The form with a place for each pupil who may be chosen: the pupils of the chosen classes,
    those already in the intervention, and any other pupil posted whom the user may reach.
    Returns the form, the pupils by class, and the pupils by public id that a post may name.

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
    may_place = access.may_change_sen_status(user)
    form = intervention_form_class(
        list(reachable), outcome_choices, sen_asked if may_place else frozenset(), versioned=versioned
    )()
    form.sen_asked, form.may_place = sen_asked, may_place
    form.delivered_by_id.choices = [("", "Choose who delivers it")] + [
        (str(u.id), queries.deliverer_label(u)) for u in queries.deliverers(db.session, user.school_id)
    ]
    return form, groups, reachable


def _posted_places(form, reachable: dict[str, Pupil], kept: frozenset[str] = frozenset()) -> list[flow.Place] | None:
    """The places the form asks for, or None with a message beside the pupils when one of them
    is not a pupil the user may choose. `kept`: the public ids of pupils in the intervention whose
    places the user may not change, which stay as they are whether posted or not."""
    places = []
    for key in dict.fromkeys(form.pupils.data or []):
        if key in kept:
            continue
        pupil = reachable.get(key)
        if pupil is None:
            form.pupils.errors = [
                *form.pupils.errors,
                "Choose pupils from the list: one of them is not a pupil you can set up an intervention for",
            ]
            return None
        entry = getattr(form, f"entry_{key}", None)
        outcome = getattr(form, f"outcome_{key}", None)
        choice = getattr(form, f"sen_{key}", None)
        need = getattr(form, f"need_{key}", None)
        if choice is not None and choice.data not in (SEN_SUPPORT_PLACE, SEN_SUPPORT_LEAVE):
            # The choice is the user's to make, never left to a default.
            choice.errors = [*choice.errors, f"Choose whether to place {pupil.full_name} on SEN support"]
            return None
        places.append(
            flow.Place(
                pupil=pupil,
                entry_score=entry.data if entry is not None else None,
                outcome_id=_int(outcome.data) or None if outcome is not None else None,
                sen_support=choice.data == SEN_SUPPORT_PLACE if choice is not None else None,
                primary_need=NeedType(need.data)
                if need is not None and need.data in NeedType._value2member_map_
                else None,
            )
        )
    return places


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


def _details(form) -> flow.InterventionDetails:
    try:
        delivery = Delivery(form.delivery.data)
    except ValueError:
        delivery = Delivery.GROUP
    return flow.InterventionDetails(
        type_id=_int(form.type_id.data),
        name=form.name.data,
        delivery=delivery,
        delivered_by_id=_int(form.delivered_by_id.data),
        weekdays=sorted(set(form.weekdays.data or [])),
        minutes_per_session=form.minutes_per_session.data,
        starts_on=form.starts_on.data,
        ends_on=form.ends_on.data,
        measure=form.measure.data,
    )


def _choose_page(user: User, types: list[InterventionType], classes):
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
@login_required
@access.requires(Ability.SET_UP_INTERVENTION)
@once
def new():
    user = _user()
    types = queries.catalogue(db.session, user.school_id, active_only=True)
    classes = queries.pickable_groups(db.session, user)
    kind = next((t for t in types if str(t.id) == request.args.get("type")), None)
    asked = request.args.getlist("group")
    group_ids = [g.id for g in classes if str(g.id) in asked]
    if kind is None or not group_ids:
        return _choose_page(user, types, classes)
    form, groups, reachable = _intervention_form(user, group_ids, [], "Other pupils chosen", kind=kind)
    form.type_id.choices = _type_choices(types)
    if request.method == "GET":
        starts = next_school_day(today())
        form.type_id.data = str(kind.id)
        form.name.data = kind.name
        form.delivery.data = Delivery.GROUP.value
        form.delivered_by_id.data = (
            str(user.id) if any(c[0] == str(user.id) for c in form.delivered_by_id.choices) else ""
        )
        form.weekdays.data = DEFAULT_WEEKDAYS[kind.sessions_per_week]
        form.minutes_per_session.data = kind.minutes_per_session
        form.starts_on.data = starts
        form.ends_on.data = default_end(starts, kind.weeks)
    if form.validate_on_submit():
        places = _posted_places(form, reachable)
        if places is not None:
            try:
                intervention = flow.start_intervention(
                    db.session, actor=user, details=_details(form), places=places, today=today()
                )
            except RuleBroken as error:
                db.session.rollback()
                attach_error(form, error)
            else:
                intervention_id, name = intervention.id, intervention.name
                told = _sen_message(form, places)
                db.session.commit()
                flash(f"{name} is set up.{told}", "success")
                return redirect(url_for("interventions.show", intervention_id=intervention_id))
    elif request.method == "POST":
        _posted_places(form, reachable)  # a pupil out of reach is named even beside other mistakes
    return render_template(
        "interventions/form.html",
        form=form,
        groups=groups,
        intervention=None,
        kind=kind,
        classes=classes,
        group_ids=group_ids,
        others=0,
    )


@bp.route("/interventions/<int:intervention_id>/edit", methods=["GET", "POST"])
@login_required
def edit(intervention_id: int):
    user = _user()
    intervention = queries.load_intervention(
        db.session, access.get_intervention(user, intervention_id, Ability.SET_UP_INTERVENTION)
    )
    classes = queries.pickable_groups(db.session, user)
    # Only the places the user may change are offered: the others stay in it as they are, counted.
    writable = access.intervention_pupil_ids(user, intervention, Ability.SET_UP_INTERVENTION)
    current = [place.pupil for place in intervention.places if place.pupil_id in writable]
    kept = frozenset(place.pupil.public_id for place in intervention.places if place.pupil_id not in writable)
    asked = request.args.getlist("group")
    if asked:
        group_ids = [g.id for g in classes if str(g.id) in asked]
    else:
        theirs = {g.id for pupil in current for g in pupil.groups}
        group_ids = [g.id for g in classes if g.id in theirs]
    form, groups, reachable = _intervention_form(
        user, group_ids, current, "In the intervention", intervention.type, joining_only=True, versioned=True
    )
    types = queries.catalogue(db.session, user.school_id, active_only=True)
    if intervention.type not in types:
        types.append(intervention.type)
    form.type_id.choices = _type_choices(types)
    if request.method == "GET":
        opened_at(form, intervention)
        form.type_id.data = str(intervention.type_id)
        form.name.data = intervention.name
        form.delivery.data = intervention.delivery.value
        form.delivered_by_id.data = str(intervention.delivered_by_id)
        if not any(c[0] == form.delivered_by_id.data for c in form.delivered_by_id.choices):
            form.delivered_by_id.choices.append((form.delivered_by_id.data, intervention.delivered_by.full_name))
        form.weekdays.data = sorted(intervention.weekdays or [])
        form.minutes_per_session.data = intervention.minutes_per_session
        form.starts_on.data = intervention.starts_on
        form.ends_on.data = intervention.ends_on
        form.measure.data = intervention.measure
        form.pupils.data = [p.public_id for p in current]
        for place in intervention.places:
            if place.pupil_id not in writable:
                continue
            getattr(form, f"entry_{place.pupil.public_id}").data = place.entry_score
            outcome = getattr(form, f"outcome_{place.pupil.public_id}", None)
            if outcome is not None:
                outcome.data = str(place.outcome_id or "")
    if form.validate_on_submit():
        places = _posted_places(form, reachable, kept)
        if places is not None:
            try:
                flow.update_intervention(
                    db.session,
                    actor=user,
                    intervention=intervention,
                    details=_details(form),
                    places=places,
                    today=today(),
                    expected_version=form.expected_version,
                )
            except RuleBroken as error:
                db.session.rollback()
                attach_error(form, error)
            else:
                name = intervention.name
                told = _sen_message(form, places)
                db.session.commit()
                flash(f"{name} is saved.{told}", "success")
                return redirect(url_for("interventions.show", intervention_id=intervention_id))
    elif request.method == "POST":
        _posted_places(form, reachable, kept)
    page = render_template(
        "interventions/form.html",
        form=form,
        groups=groups,
        intervention=intervention,
        kind=intervention.type,
        classes=classes,
        group_ids=group_ids,
        others=len(kept),
    )
    if request.method == "GET":  # a view of the page; a refused post stores nothing
        audit.record_for_pupils(
            db.session,
            "intervention_form_viewed",
            actor=user,
            pupils=current,
            object_type="intervention",
            object_id=intervention.id,
        )
        db.session.commit()
    return page


@bp.route("/interventions/<int:intervention_id>/end", methods=["GET", "POST"])
@login_required
@once
def end(intervention_id: int):
    user = _user()
    intervention = access.get_intervention(user, intervention_id, Ability.SET_UP_INTERVENTION)
    form = EndForm()
    if request.method == "GET":
        form.ended_on.data = min(today(), intervention.ends_on)
    if form.validate_on_submit():
        try:
            flow.end_intervention(
                db.session, actor=user, intervention=intervention, ended_on=form.ended_on.data, today=today()
            )
        except RuleBroken as error:
            db.session.rollback()
            attach_error(form, error)
        else:
            name = intervention.name
            db.session.commit()
            flash(f"{name} has ended. Record the exit measure and impact for each pupil.", "success")
            return redirect(url_for("interventions.show", intervention_id=intervention_id) + "#pupils")
    return render_template("interventions/end.html", form=form, intervention=intervention, today=today())


# --- One intervention ------------------------------------------------------------------------------


@bp.route("/interventions/<int:intervention_id>")
@login_required
def show(intervention_id: int):
    user = _user()
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
    db.session.commit()
    intervention = queries.load_intervention(db.session, found)
    on = today()
    return render_template(
        "interventions/show.html",
        intervention=intervention,
        today=on,
        visible=visible,
        others=sum(1 for place in intervention.places if place.pupil_id not in visible),
        teachers=queries.responsible_teachers(db.session, sorted(visible)),
        tallies=queries.attendance(intervention),
        labels=user.school.impact_labels,
        may_record=queries.may(db.session, user, Ability.RECORD_SESSION, intervention),
        may_change=queries.may(db.session, user, Ability.SET_UP_INTERVENTION, intervention),
    )


# --- Registers -------------------------------------------------------------------------------------


@bp.route("/interventions/<int:intervention_id>/sessions/new", methods=["GET", "POST"])
@login_required
@once
def record_session(intervention_id: int):
    user = _user()
    intervention = queries.load_intervention(
        db.session, access.get_intervention(user, intervention_id, Ability.RECORD_SESSION)
    )
    from_home = request.args.get("from") == "home"
    form = SessionForm()
    # The register lists the pupils on the roll on the day the session is recorded for whose
    # attendance the user records; the others are counted.
    day = form.held_on.data or today()
    places = flow.writable_register(user, intervention, day)
    others = len(flow.register_places(intervention, day)) - len(places)
    form.attended.choices = [(place.pupil_id, place.pupil.full_name) for place in places]
    if request.method == "GET":
        form.held_on.data = today()
        form.attended.data = [place.pupil_id for place in places]
    if form.validate_on_submit():
        present = set(form.attended.data or [])
        try:
            flow.record_session(
                db.session,
                actor=user,
                intervention=intervention,
                held_on=form.held_on.data,
                attended=present,
                note=form.note.data,
                today=today(),
            )
        except RuleBroken as error:
            db.session.rollback()
            attach_error(form, error)
        else:
            message = (
                f"Register saved for {intervention.name} on {format_date(form.held_on.data)}: "
                f"{len(present)} of {len(places)} attended."
            )
            db.session.commit()
            flash(message, "success")
            if from_home:
                return redirect(url_for("main.home"))
            return redirect(url_for("interventions.show", intervention_id=intervention_id) + "#register")
    page = render_template(
        "interventions/session.html", form=form, intervention=intervention, from_home=from_home, others=others
    )
    if request.method == "GET":  # a view of the page; a refused post stores nothing
        audit.record_for_pupils(
            db.session,
            "register_viewed",
            actor=user,
            pupils=[place.pupil for place in places],
            object_type="intervention",
            object_id=intervention.id,
        )
        db.session.commit()
    return page


@bp.route("/interventions/<int:intervention_id>/sessions/quick", methods=["POST"])
@login_required
@once
def quick_register(intervention_id: int):
    """The home page's one-click register: today's session, everyone present."""
    user = _user()
    intervention = access.get_intervention(user, intervention_id, Ability.RECORD_SESSION)
    if not QuickRegisterForm().validate_on_submit():
        abort(400)
    name = intervention.name
    try:
        flow.record_session(
            db.session,
            actor=user,
            intervention=intervention,
            held_on=today(),
            attended={place.pupil_id for place in flow.writable_register(user, intervention, today())},
            note=None,
            today=today(),
        )
    except RuleBroken as error:
        db.session.rollback()
        flash(f"{name}: {error.message}.", "error")
    else:
        db.session.commit()
        flash(f"Register saved for {name} today: everyone attended.", "success")
    return redirect(url_for("main.home"))


# --- Impact ----------------------------------------------------------------------------------------


@bp.route("/interventions/<int:intervention_id>/impact", methods=["GET", "POST"])
@login_required
@once
def impact(intervention_id: int):
    user = _user()
    intervention = queries.load_intervention(
        db.session, access.get_intervention(user, intervention_id, Ability.RECORD_SESSION)
    )
    on = today()
    ended = intervention.ends_on <= on
    # The pupils whose impact the user records; the others are counted, never shown.
    visible = access.intervention_pupil_ids(user, intervention, Ability.RECORD_SESSION)
    places = flow.writable_impact_places(user, intervention)
    form = impact_form_class(places, user.school.impact_labels)()
    if request.method == "GET":
        for place in places:
            getattr(form, flow.impact_version_field(place.pupil_id)).data = str(place.version)
            getattr(form, f"exit_{place.pupil_id}").data = place.exit_score
            getattr(form, f"impact_{place.pupil_id}").data = place.impact
            getattr(form, f"comment_{place.pupil_id}").data = place.impact_comment
    if ended and form.validate_on_submit():
        results = {
            place.pupil_id: flow.ImpactResult(
                exit_score=getattr(form, f"exit_{place.pupil_id}").data,
                impact=getattr(form, f"impact_{place.pupil_id}").data,
                comment=getattr(form, f"comment_{place.pupil_id}").data,
            )
            for place in places
        }
        try:
            flow.record_impact(
                db.session,
                actor=user,
                intervention=intervention,
                results=results,
                today=on,
                expected_versions={
                    place.pupil_id: getattr(form, flow.impact_version_field(place.pupil_id)).expected
                    for place in places
                },
            )
        except RuleBroken as error:
            db.session.rollback()
            attach_error(form, error)
        else:
            name = intervention.name
            db.session.commit()
            flash(f"Impact saved for {name}.", "success")
            return redirect(url_for("interventions.show", intervention_id=intervention_id) + "#pupils")
    page = render_template(
        "interventions/impact.html",
        form=form,
        intervention=intervention,
        ended=ended,
        places=places,
        left_early=[p for p in intervention.places if p.pupil_id in visible and p not in places],
        others=sum(1 for p in intervention.places if p.pupil_id not in visible),
        tallies=queries.attendance(intervention),
        may_end=queries.may(db.session, user, Ability.SET_UP_INTERVENTION, intervention),
    )
    if request.method == "GET":  # a view of the page; a refused post stores nothing
        audit.record_for_pupils(
            db.session,
            "impact_viewed",
            actor=user,
            pupils=[p.pupil for p in places] if ended else [],
            object_type="intervention",
            object_id=intervention.id,
        )
        db.session.commit()
    return page
