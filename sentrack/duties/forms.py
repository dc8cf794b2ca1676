"""Forms for completing and reassigning a task, marking every notification read, and choosing how
the emails of each kind of notification reach the person."""

from __future__ import annotations

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovRadioInput, GovSelect, GovSubmitInput
from wtforms import HiddenField, RadioField, SelectField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length

from sentrack.forms import CountedTextArea, bounded_int, coerce_int, one_newline, strip_text
from sentrack.models import EmailDelivery, Task, User
from sentrack.workflows import notices
from sentrack.workflows.interventions import OFF_REGISTER_WAVE_3
from sentrack.workflows.staff import ROLE_PROPOSED
from sentrack.workflows.sweep import TASK_ASSIGNED
from sentrack.workflows.transfers import TRANSFER_ASKED, TRANSFER_DECIDED


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


def _delivery(kind: str) -> RadioField:
    """How the emails of one kind of notification reach the person: "no email" is not offered
    for a kind that carries a duty (`workflows.notices.NOTICE_KINDS`)."""
    notice = notices.BY_KIND[kind]
    offered = [d for d in EmailDelivery if not (notice.required and d is EmailDelivery.NONE)]
    return RadioField(
        notice.label,
        widget=GovRadioInput(),
        choices=[(d.value, d.label) for d in offered],
        description=notice.hint,
        validators=[InputRequired("Choose how these notifications reach you by email")],
    )


class EmailSettingsForm(FlaskForm):
    """The person's choice for each kind of notification they may be sent, one question per kind
    (named by the kind); the kinds they are never sent are taken out of the form."""

    task_assigned = _delivery(TASK_ASSIGNED)
    transfer_asked = _delivery(TRANSFER_ASKED)
    transfer_decided = _delivery(TRANSFER_DECIDED)
    wave3_off_register = _delivery(OFF_REGISTER_WAVE_3)
    role_proposed = _delivery(ROLE_PROPOSED)
    submit = SubmitField("Save choices", widget=GovSubmitInput())

    @classmethod
    def for_person(cls, chosen: dict[str, EmailDelivery]) -> EmailSettingsForm:
        """The questions of the kinds in `chosen` (those offered to the person, with what they
        chose), answered as chosen when the page is opened."""
        form = cls()
        for name in [field.name for field in form if field.name in notices.BY_KIND and field.name not in chosen]:
            del form[name]
        if not form.is_submitted():
            for kind, delivery in chosen.items():
                form[kind].data = delivery.value
        return form

    @property
    def questions(self) -> list:
        return [field for field in self if field.name in notices.BY_KIND]

    def to_details(self) -> dict[str, EmailDelivery]:
        """Each kind asked about, with the choice made, as `workflows.notices.choose_emails` takes them."""
        return {field.name: EmailDelivery(field.data) for field in self.questions}


class MarkAllReadForm(FlaskForm):
    """The "Mark all as read" button: the newest unread notification the page counted, so that one
    that came after the page was shown stays unread."""

    newest = HiddenField()

    def to_details(self) -> int | None:
        return bounded_int(self.newest.data)
