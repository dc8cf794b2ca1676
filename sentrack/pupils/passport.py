"""A pupil's passport: the one-page profile of what everyone working with them needs to know,
with the current outcomes of their plan, made to print on one A4 page."""

from __future__ import annotations

from flask import render_template
from flask_login import login_required

from sentrack import access, audit, operations
from sentrack.access import Ability
from sentrack.clock import today
from sentrack.extensions import db
from sentrack.interventions.home import passport_page
from sentrack.pupils import bp


@bp.route("/<public_id>/passport")
@login_required
def passport(public_id: str):
    """The passport of a pupil whose SEN record the user may read, audited as shown."""
    user = operations.signed_in_user()
    pupil = access.get_pupil(user, public_id, Ability.VIEW_SEN)
    on = today()
    page = render_template(
        "pupils/passport.html",
        passport=passport_page(db.session, user, pupil, on),
        today=on,
        may_read=access.may(user, Ability.READ_PASSPORT, pupil),
    )
    return audit.shown(
        db.session, page, "passport_viewed", actor=user, pupil=pupil, object_type="pupil", object_id=pupil.id
    )
