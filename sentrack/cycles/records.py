"""The pupil's record around the cycles: the timeline, letters to parents, and decisions on
concerns. Views load through `access` and `queries`, run one workflow operation through
`operations`, and render or redirect; the request commits once."""

from __future__ import annotations

from flask import Response, abort, flash, redirect, render_template, url_for
from flask_login import login_required

from sentrack import access, audit, operations
from sentrack.access import Ability
from sentrack.clock import today
from sentrack.cycles import bp, queries
from sentrack.cycles.forms import ConcernDecisionForm, MoveForm
from sentrack.extensions import db
from sentrack.models import ConcernStatus, ParentLetter, Pupil
from sentrack.submissions import once
from sentrack.workflows import cycles as flow
from sentrack.workflows.letters import letter_date, letters_pdf, mark_letter_sent


@bp.route("/timeline")
@login_required
def timeline(public_id: str):
    user = operations.signed_in_user()
    pupil = access.get_pupil(user, public_id, Ability.VIEW_SEN)
    events = queries.timeline_events(db.session, pupil)
    page = render_template("cycles/timeline.html", pupil=pupil, events=events)
    return audit.shown(
        db.session, page, "timeline_viewed", actor=user, pupil=pupil, object_type="pupil", object_id=pupil.id
    )


def _letter(pupil: Pupil, letter_id: int) -> ParentLetter:
    letter = queries.letter_of(db.session, pupil, letter_id)
    if letter is None:
        abort(404)
    return letter


@bp.route("/letters/<int:letter_id>")
@login_required
def letter(public_id: str, letter_id: int):
    """The letter written to each parent or carer the school sends it to, to print; who is left
    out and why is said on screen only."""
    user = operations.signed_in_user()
    pupil = access.get_pupil(user, public_id, Ability.MANAGE_CYCLE)
    found = _letter(pupil, letter_id)
    shown = queries.letter_page(db.session, user, pupil, found, today())
    page = render_template("cycles/letter.html", pupil=pupil, letter=found, form=MoveForm(), **vars(shown))
    return audit.shown(
        db.session, page, "letter_printed", actor=user, pupil=pupil, object_type="parent_letter", object_id=found.id
    )


@bp.route("/letters/<int:letter_id>/download")
@login_required
def letter_download(public_id: str, letter_id: int):
    """The letters as one PDF, each to its parent or carer on a page of its own; audited."""
    user = operations.signed_in_user()
    pupil = access.get_pupil(user, public_id, Ability.MANAGE_CYCLE)
    found = _letter(pupil, letter_id)
    shown = queries.letter_page(db.session, user, pupil, found, today())
    if not shown.letters:
        flash("There is no one to send this letter to: no contact may receive it.", "error")
        return redirect(url_for("cycles.letter", public_id=pupil.public_id, letter_id=found.id))
    response = Response(letters_pdf(pupil.school.name, shown.letters), mimetype="application/pdf")
    name = f"letter-to-parents-{letter_date(found, today()).isoformat()}.pdf"
    response.headers.set("Content-Disposition", "attachment", filename=name)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "no-store"
    about = {"object_type": "parent_letter", "object_id": found.id, "details": {"letters": len(shown.letters)}}
    return audit.shown(db.session, response, "letter_downloaded", actor=user, pupil=pupil, **about)


@bp.route("/letters/<int:letter_id>/sent", methods=["POST"])
@once
def letter_sent(public_id: str, letter_id: int):
    user = operations.signed_in_user()
    pupil = access.get_pupil(user, public_id, Ability.MANAGE_CYCLE)
    found = _letter(pupil, letter_id)
    operations.button_posted(MoveForm)
    back = url_for("pupils.show", public_id=pupil.public_id) + "#letters"
    operations.step(mark_letter_sent, back=back, actor=user, letter=found, pupil=pupil, today=today())
    flash("Letter marked as sent.", "success")
    return redirect(back)


@bp.route("/concerns/<int:concern_id>/decide", methods=["GET", "POST"])
@once
def decide_concern(public_id: str, concern_id: int):
    user = operations.signed_in_user()
    pupil = access.get_pupil(user, public_id, Ability.MANAGE_CYCLE)
    concern = queries.concern_of(db.session, pupil, concern_id)
    if concern is None:
        abort(404)
    form = ConcernDecisionForm.from_record(concern, today=today())
    concerns = url_for("pupils.show", public_id=pupil.public_id) + "#concerns"
    if concern.status is not ConcernStatus.OPEN and (
        not form.is_submitted() or form.expected_version == concern.version
    ):
        flash("This concern has already been decided.", "info")
        return redirect(concerns)
    done = operations.submit(form, flow.decide_concern, concern=concern, today=today(), details_as="decision")
    if not done:
        return render_template("cycles/decide_concern.html", form=form, pupil=pupil, concern=concern)
    if done.value is not None:
        flash(f"Support cycle {done.value.number} opened from the concern. Record the assessment.", "success")
        return redirect(url_for("cycles.assessment", public_id=pupil.public_id, number=done.value.number))
    flash("Concern closed with no further action.", "success")
    return redirect(concerns)
