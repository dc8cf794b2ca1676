"""Form pieces shared by every blueprint: GOV.UK date fields, text clean-up, date checks and the
bounds every number and date the app takes must stay within."""

from __future__ import annotations

import re
import unicodedata
from datetime import date
from decimal import Decimal

import email_validator
from flask import render_template
from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import (
    GovCharacterCount,
    GovCheckboxesInput,
    GovDateInput,
    GovRadioInput,
    GovTextInput,
)
from markupsafe import Markup
from wtforms import Field
from wtforms.fields import DateField, HiddenField, RadioField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, StopValidation, ValidationError

from sentrack.workflows.confirmations import Confirmed, NeedsConfirming
from sentrack.workflows.revisions import VERSION_MESSAGE, EditConflict

# C0 control characters other than tab, newline and carriage return, and DEL.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


# The database's integer columns are 32-bit: a number beyond this names no record and would make
# an error in the database (or in the SQLite driver, which refuses integers over 64 bits).
MAX_INT = 2**31 - 1
MIN_INT = -(2**31)

# Every date the app takes lies in this range: dates of birth, reviews, terms, interventions.
EARLIEST_DATE = date(1900, 1, 1)
LATEST_DATE = date(2100, 12, 31)
DATE_RANGE_MESSAGE = "between 1 January 1900 and 31 December 2100"


def page_count(total: int, per_page: int) -> int:
    """How many pages of `per_page` rows `total` rows fill: one at least, for a list with none."""
    return max(1, -(-total // per_page))


def bounded_int(value) -> int | None:
    """The whole number written in `value` (a query-string argument, say) if it is one the
    database can hold, otherwise None: a filter that names nothing."""
    if isinstance(value, int):
        number = value
    else:
        value = (value or "").strip() if isinstance(value, str) else ""
        if not re.fullmatch(r"-?\d{1,20}", value):
            return None
        number = int(value)
    return number if MIN_INT <= number <= MAX_INT else None


def coerce_int(value) -> int:
    """`coerce` for choice fields whose values are numbers (record ids, weekdays, scores): a
    number beyond the database's range can be no choice, so it becomes one that is never offered
    but that the database can still be asked about (MIN_INT: no id, weekday or score), and the
    field's own check refuses it beside the field."""
    number = bounded_int(value) if not isinstance(value, int) else value
    if number is None:
        if isinstance(value, str) and re.fullmatch(r"\s*-?\d+\s*", value):
            return MIN_INT
        return int(value)  # not a number at all: WTForms' usual refusal
    return number


def in_date_range(day: date | None) -> bool:
    return day is None or EARLIEST_DATE <= day <= LATEST_DATE


def strip_text(value):
    """Filter: trim surrounding space and drop control characters that no form should carry."""
    if isinstance(value, str):
        return _CONTROL.sub("", value).strip()
    return value


# Bidirectional embeddings, overrides, isolates and marks: they can make text read other than it is.
_BIDI = set("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
# Characters that show nothing: text made of only these (and spaces) is empty to the reader.
_INVISIBLE = set("\u200b\u200c\u200d\u2060\ufeff\u00ad\u180e")


def single_line_problem(text: str) -> str | None:
    """What is wrong with `text` as one line of text, or None: 'controls' for a line break, NUL or
    other control character, a line or paragraph separator or a bidirectional override;
    'invisible' for text of only zero-width characters. Text of only spaces (tabs included) is
    blank, left to the field's required check."""
    if not text.strip():
        return None  # blank: whether that is allowed is the field's own check
    for char in text:
        if char in _BIDI or unicodedata.category(char) in ("Cc", "Zl", "Zp"):
            return "controls"
    if text.strip() and all(char in _INVISIBLE or char.isspace() for char in text):
        return "invisible"
    return None


class TextField(StringField):
    """A single-line text field (names, titles, short answers): refuses line breaks, NUL and other
    control characters, bidirectional overrides and text of only invisible characters, with one
    message beside the field, before its other checks. Every one-line text input is one of these."""

    def pre_validate(self, form):
        raw = self.raw_data[0] if self.raw_data and isinstance(self.raw_data[0], str) else ""
        problem = single_line_problem(raw)
        if problem is None:
            return
        name = str(self.label.text).removesuffix(" (optional)") if self.label else "This field"
        if problem == "controls":
            message = f"{name} must be on one line, without line breaks or hidden control characters"
        else:
            message = f"{name} must have letters or numbers in it, not only invisible characters"
        raise StopValidation(message)


def blank_to_none(value):
    value = strip_text(value)
    return value or None


class GovDateField(DateField):
    """A day / month / year date field with the GOV.UK messages for each way it can go wrong."""

    widget = GovDateInput()

    def __init__(self, label=None, validators=None, *, describe: str | None = None, **kwargs):
        super().__init__(label, validators, format="%d %m %Y", **kwargs)
        self.describe = describe or (label or "date").lower()

    def process_formdata(self, valuelist):
        if not valuelist:
            # Absent from the post (a client that drops empty inputs): the widget needs the
            # three parts to render, and an empty date is what was sent.
            self.raw_data = ["", "", ""]
            return
        parts = [strip_text(v) or "" for v in valuelist[:3]] + [""] * (3 - len(valuelist[:3]))
        self.raw_data = parts
        if not any(parts):
            self.data = None
            return
        missing = [name for name, part in zip(("day", "month", "year"), parts, strict=True) if not part]
        if missing:
            self.data = None
            raise ValueError(f"The {self.describe} must include a {' and '.join(missing)}")
        if not all(p.isdigit() for p in parts) or len(parts[2]) != 4:
            self.data = None
            raise ValueError(f"The {self.describe} must be a real date, for example 27 3 2025")
        try:
            self.data = date(int(parts[2]), int(parts[1]), int(parts[0]))
        except ValueError as exc:
            self.data = None
            raise ValueError(f"The {self.describe} must be a real date") from exc
        if not in_date_range(self.data):
            self.data = None
            raise ValueError(f"The {self.describe} must be {DATE_RANGE_MESSAGE}")


class Required:
    """Stop validation with a GOV.UK message when a field was left empty: its data is None and
    no parsing error was raised already (a date or number field that could not be read says why)."""

    def __init__(self, message: str):
        self.message = message
        self.field_flags = {"required": True}

    def __call__(self, form, field: Field):
        if field.data is None and not field.errors:
            raise StopValidation(self.message)


class Offered:
    """Every value given must be one the field offers (its choices, set when the form is built or
    later); an empty answer is left to the field's other validators. One clear `message` beside
    the field, checked with the rest of the form rather than after it."""

    def __init__(self, message: str):
        self.message = message

    def __call__(self, form, field: Field):
        values = field.data if isinstance(field.data, (list, tuple)) else [field.data]
        offered = {str(value) for value, *_ in (field.choices or [])}
        if any(value not in (None, "") and str(value) not in offered for value in values):
            raise StopValidation(self.message)


class NotInFuture:
    def __init__(self, today_getter, message: str):
        self.today_getter = today_getter
        self.message = message

    def __call__(self, form, field: Field):
        if field.data is not None and field.data > self.today_getter():
            raise ValidationError(self.message)


class EmailAddress:
    """An email address in the correct format, as WTForms' Email checks, except that the
    reserved `.test` domain (RFC 6761), which the demo and tests use, is allowed: without this
    an account at @demo.test could not be edited, not even to deactivate it."""

    def __init__(self, message: str):
        self.message = message

    def __call__(self, form, field: Field):
        try:
            email_validator.validate_email(field.data or "", check_deliverability=False, test_environment=True)
        except email_validator.EmailNotValidError as exc:
            raise ValidationError(self.message) from exc


def attach_error(form, error) -> None:
    """Put a refused operation's message beside its field, or at the head of the form when it
    belongs to no one field (a locked record, say). An edit conflict (someone else saved the
    record first) shows what they changed and keeps the form as typed."""
    if isinstance(error, EditConflict) and (hasattr(form, "version") or error.versions):
        attach_conflict(form, error)
        return
    if isinstance(error, NeedsConfirming):
        attach_questions(form, error)
        return
    for problem in getattr(error, "each", [error]):
        field = _named_field(form, problem.field) if problem.field else None
        if field is None:
            form.general_errors = [*getattr(form, "general_errors", []), problem.message]
        else:
            field.errors = [*field.errors, problem.message]


# --- Questions: a workflow asks before storing something unusual (workflows/confirmations.py) ----


def question_field(label: str, *, answers: int = 1) -> Field:
    """Where a workflow's question is answered: offered (its choices set) only once the question
    is asked, as one checkbox (`answers=1`) or radio buttons. Any value is taken: the workflow
    counts only the answers it offered."""
    if answers == 1:
        return SelectMultipleField(label, widget=GovCheckboxesInput(), choices=[], validate_choice=False)
    return RadioField(label, widget=GovRadioInput(), choices=[], validate_choice=False)


def attach_questions(form, error: NeedsConfirming) -> None:
    """Each question asked, beside its field with its answers offered; the answers already
    ticked stay ticked."""
    for question in error.questions:
        field = _named_field(form, question.field)
        if field is None:
            form.general_errors = [*getattr(form, "general_errors", []), question.message]
            continue
        field.choices = list(question.answers)
        field.errors = [*field.errors, question.message]


def answers_given(*fields: Field) -> Confirmed:
    """The answers posted in the question fields (`question_field`), for the workflow."""
    given = set()
    for field in fields:
        data = field.data if isinstance(field.data, list) else [field.data]
        given.update(str(value) for value in data if value)
    return Confirmed(given=frozenset(given))


# --- Versions: every form that edits a record says which version of it the person opened -------


class VersionField(HiddenField):
    """Hidden: the version of the record the form was opened at. Required, a whole number from 0
    (a record not written yet) to the database's limit; anything else is refused beside the form,
    nothing saved, so that a save is never made without knowing what the person saw."""

    def _value(self) -> str:
        return "" if self.data is None else str(self.data)

    def process_formdata(self, valuelist) -> None:
        self.data = valuelist[0] if valuelist else None

    def pre_validate(self, form) -> None:
        if self.expected is None:
            raise StopValidation(VERSION_MESSAGE)

    @property
    def expected(self) -> int | None:
        """The version as a number, or None when it is missing or malformed."""
        value = self.data if isinstance(self.data, str) else ("" if self.data is None else str(self.data))
        if not re.fullmatch(r"\d{1,10}", value):
            return None
        number = int(value)
        return number if number <= MAX_INT else None


def opened_at(form, record) -> None:
    """Set a versioned form's version to `record`'s (0 for a record not yet written). Called on GET."""
    form.version.data = str(getattr(record, "version", None) or 0) if record is not None else "0"


def attach_conflict(form, error) -> None:
    """Someone else saved the record after this person opened it: keep what they typed, show what
    the other person changed (the form page lists it), and let their next save carry the version
    they have now seen."""
    for name, version in (error.versions or {"version": error.current_version}).items():
        _named_field(form, name).data = str(version)
    form.conflict = error


def _named_field(form, name: str):
    """The field a refusal names: one of the form's own, or else a row's field as a workflow names
    it (`impact_12`: the `impact` field of the row of record 12) in a list of rows that can find it
    (`field_named`). None when there is none."""
    field = getattr(form, name, None)
    if field is not None:
        return field
    for rows in form:
        found = rows.field_named(name) if hasattr(rows, "field_named") else None
        if found is not None:
            return found
    return None


class VersionedForm(FlaskForm):
    """A form that edits a record two people may edit at once: it carries the version it was
    opened at, and refuses to be saved without one."""

    version = VersionField("Version")

    @property
    def expected_version(self) -> int | None:
        return self.version.expected


# --- Long text: how many characters are left --------------------------------------------------------

# A one-line field taking this many characters or more is long text: it shows a count too.
LONG_TEXT = 200


def max_length_of(field: Field) -> int | None:
    """The most characters `field`'s Length check lets through, or None when it sets no limit."""
    limits = [v.max for v in field.validators if isinstance(v, Length) and v.max is not None and v.max >= 0]
    return min(limits) if limits else None


def one_newline(value):
    """Filter: a line break as one character (browsers send two, CR LF), as the page's count of
    characters left counts it, so that the limit the page shows is the one the form checks."""
    if isinstance(value, str):
        return value.replace("\r\n", "\n").replace("\r", "\n")
    return value


class _CountsDown:
    """A widget whose character count counts down from the field's own Length limit."""

    def map_gov_params(self, field, **kwargs):
        params = super().map_gov_params(field, **kwargs)
        limit = max_length_of(field)
        if limit is not None:
            params.setdefault("maxlength", limit)
        return params


class CountedTextArea(_CountsDown, GovCharacterCount):
    """A text box that shows how many characters are left (GOV.UK's character count), counting
    down from the field's own Length limit. A box without a limit is a plain text box."""

    def render(self, params):
        if "maxlength" not in params:
            return Markup(render_template("govuk_frontend_wtf/textarea.html", params=params))
        return super().render(params)


class CountedTextInput(_CountsDown, GovTextInput):
    """A one-line text input of long text with GOV.UK's character count, as `CountedTextArea`."""

    def render(self, params):
        if "maxlength" not in params:
            return super().render(params)
        return Markup(render_template("widgets/counted_input.html", params=params))


# --- The fields every forms module builds from ----------------------------------------------------


def _length(label, max_length: int) -> Length:
    name = str(label).removesuffix(" (optional)")
    return Length(max=max_length, message=f"{name} must be {max_length} characters or fewer")


def text_field(
    label, *, required: str | None = None, max_length: int = 120, count: bool | None = None, **kwargs
) -> TextField:
    """A one-line text field. `required` is the message when it is left empty (the stripped text:
    a field of only spaces is empty); otherwise it is optional and empty is None. Long text (a
    limit of LONG_TEXT or more, unless `count` says otherwise) shows how many characters are left."""
    presence = DataRequired(required) if required else Optional()
    counted = max_length >= LONG_TEXT if count is None else count
    return TextField(
        label,
        widget=CountedTextInput() if counted else GovTextInput(),
        filters=[blank_to_none],
        validators=[presence, _length(label, max_length)],
        **kwargs,
    )


def text_area(label, *, required: str | None = None, max_length: int = 4000, hint: str | None = None, **kwargs):
    """A text box for paragraphs, as `text_field` for the rest; `hint` shows under the label. It
    shows how many characters are left, and counts a line break as one."""
    presence = DataRequired(required) if required else Optional()
    return TextAreaField(
        label,
        widget=CountedTextArea(),
        filters=[one_newline, blank_to_none],
        validators=[presence, _length(label, max_length)],
        description=hint,
        **kwargs,
    )


class Chosen:
    """The answer must be one of the field's choices (set when the form is built or later), else
    `message`: one clear message, never WTForms' 'Not a valid choice'."""

    def __init__(self, message: str):
        self.message = message
        self.field_flags = {"required": True}

    def __call__(self, form, field: Field):
        if field.data is None or str(field.data) not in {str(value) for value, *_ in field.choices}:
            raise StopValidation(self.message)


def choose(label: str, choices, message: str, **kwargs) -> RadioField:
    """Radio buttons of which one must be picked, else `message`."""
    return RadioField(
        label, widget=GovRadioInput(), choices=choices, validate_choice=False, validators=[Chosen(message)], **kwargs
    )


def pounds(pence: int | None) -> str:
    """Pence as the pounds a form shows: 1250 -> '12.50'."""
    return "" if pence is None else f"{Decimal(pence) / 100:.2f}"


class WholeNumberField(Field):
    """A whole number typed into a text box (at most six digits): anything else is refused with
    `invalid`, and what was typed is shown again as typed. Other typed values (money) read their
    text with their own `read` and show their data with their own `shown`."""

    widget = GovTextInput()
    input_mode = "numeric"

    def __init__(self, label=None, validators=None, *, invalid: str, **kwargs):
        kwargs.setdefault("render_kw", {"inputmode": self.input_mode, "spellcheck": "false"})
        super().__init__(label, validators, **kwargs)
        self.invalid = invalid

    def _value(self) -> str:
        if self.raw_data:
            return self.raw_data[0]
        return self.shown(self.data)

    def shown(self, data) -> str:
        return "" if data is None else str(data)

    def read(self, text: str):
        """The value `text` writes; ValueError when it writes none."""
        if not re.fullmatch(r"-?\d{1,6}", text):
            raise ValueError(text)
        return int(text)

    def process_formdata(self, valuelist):
        text = strip_text(valuelist[0]) if valuelist else ""
        self.data = None
        if text:
            try:
                self.data = self.read(text)
            except ValueError:
                self.data = None
                raise ValueError(self.invalid) from None


_MONEY = re.compile(r"-?\d+(\.\d{1,2})?")


class MoneyField(WholeNumberField):
    """An amount in pounds and pence ("12.50", "£12.50", "12"); `data` is in pence."""

    input_mode = "decimal"

    def shown(self, data) -> str:
        return pounds(data)

    def read(self, text: str) -> int | None:
        text = text.replace(",", "").replace("£", "", 1).strip()
        if not text:
            return None
        if not _MONEY.fullmatch(text) or len(text) > 9:
            raise ValueError(text)
        return int(Decimal(text) * 100)
