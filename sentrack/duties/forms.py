"""Forms for completing and reassigning a task."""

from __future__ import annotations

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovSelect, GovSubmitInput
from wtforms import SelectField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length

from sentrack.forms import CountedTextArea, coerce_int, one_newline, strip_text
from sentrack.models import Task, User


class CompleteTaskForm(FlaskForm):
    note = TextAreaField(
        "What was done",
        widget=CountedTextArea(),
        filters=[one_newline, strip_text],
        validators=[
            DataRequired("Say what was done"),
            Length(max=2000, message="The note must be 2,000 characters or fewer"),
        ],
    )
    submit = SubmitField("Mark as done", widget=GovSubmitInput())

    def to_details(self) -> str:
        """The note of what was done, as `workflows.tasks.complete_task` takes it."""
        return self.note.data


CHOSEN = [InputRequired("Choose who the task goes to")]


class ReassignTaskForm(FlaskForm):
    assign_to = SelectField(
        "Give the task to", widget=GovSelect(), coerce=coerce_int, choices=[], validate_choice=False, validators=CHOSEN
    )
    submit = SubmitField("Reassign", widget=GovSubmitInput())

    @classmethod
    def from_record(cls, task: Task, *, assignees: list[User]) -> ReassignTaskForm:
        """The form offering only those who may be given `task` (a post naming anyone else is
        refused by the workflow); opened, it shows whose the task is."""
        form = cls()
        form.assign_to.choices = [(member.id, member.full_name) for member in assignees]
        if not form.is_submitted() and task.assigned_to_id:
            form.assign_to.data = task.assigned_to_id
        return form

    def to_details(self) -> int | None:
        """The id of the person the task is to go to."""
        return self.assign_to.data
