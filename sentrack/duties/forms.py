"""Forms for completing and reassigning a task."""

from __future__ import annotations

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovSelect, GovSubmitInput, GovTextArea
from wtforms import SelectField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length

from sentrack.forms import coerce_int, strip_text


class CompleteTaskForm(FlaskForm):
    note = TextAreaField(
        "What was done",
        widget=GovTextArea(),
        filters=[strip_text],
        validators=[
            DataRequired("Say what was done"),
            Length(max=2000, message="The note must be 2,000 characters or fewer"),
        ],
    )
    submit = SubmitField("Mark as done", widget=GovSubmitInput())


class ReassignTaskForm(FlaskForm):
    assign_to = SelectField(
        "Give the task to",
        widget=GovSelect(),
        coerce=coerce_int,
        choices=[],
        validate_choice=False,
        validators=[InputRequired("Choose who the task goes to")],
    )
    submit = SubmitField("Reassign", widget=GovSubmitInput())
