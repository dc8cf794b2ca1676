"""Forms of the retention pages: the button that destroys a leaver's records, the reason for a
legal hold, and the button that lifts one."""

from __future__ import annotations

from flask_wtf import FlaskForm
from govuk_frontend_wtf import wtforms_widgets as gov
from wtforms import SubmitField

from sentrack.forms import text_area
from sentrack.workflows.destruction import HOLD_REASON_MAX


class DestroyForm(FlaskForm):
    submit = SubmitField("Destroy these records", widget=gov.GovSubmitInput())


class HoldForm(FlaskForm):
    """Why the records are held (a claim, an inquiry, a request from the police): stored with who
    placed the hold and when."""

    reason = text_area(
        "Why are the records held?",
        required="Enter why the records are held",
        max_length=HOLD_REASON_MAX,
        hint="For example, a claim or an inquiry that needs them. Nothing is destroyed while the hold stands.",
    )
    submit = SubmitField("Place a legal hold", widget=gov.GovSubmitInput())

    def to_details(self) -> str | None:
        return self.reason.data


class LiftHoldForm(FlaskForm):
    submit = SubmitField("Lift the legal hold", widget=gov.GovSubmitInput())
