"""Single-line text fields (names, titles, short answers) refuse what could break a line or hide
text: line breaks, NUL and other control characters, bidirectional overrides, and text of only
invisible characters; each with a message beside the field and nothing stored."""

from __future__ import annotations

import importlib
import pkgutil

import pytest
from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovTextInput
from wtforms import StringField
from wtforms.fields.core import UnboundField

import sentrack
from sentrack.forms import TextField, single_line_problem
from sentrack.models import TeachingGroup, User
from tests.helpers import count

ON_ONE_LINE = "Class name must be on one line, without line breaks or hidden control characters"


@pytest.mark.parametrize(
    "value",
    [
        "4 Oak\r\nBcc: x@y.test",
        "4 Oak\nBcc",
        "4 Oak\r",
        "4\x00Oak",
        "4 Oak\x1b",
        "\t4 Oak",
        "4 \u202eKAO",  # right-to-left override
        "4 \u2066Oak\u2069",  # isolates
        "4 Oak\u2028",  # line separator
    ],
)
def test_a_class_name_with_a_control_character_is_refused(client, world, session, login, value):
    login(world.users["head"])
    before = count(session, TeachingGroup)

    page = client.post_page("/staff/classes/new", data={"name": value, "year_group": "4"})

    assert page.field_error("name") == ON_ONE_LINE
    assert count(session, TeachingGroup) == before


@pytest.mark.parametrize("value", ["\u200b", "\u200b\u200d \ufeff"])
def test_a_class_name_of_only_invisible_characters_is_refused(client, world, session, login, value):
    login(world.users["head"])
    before = count(session, TeachingGroup)

    page = client.post_page("/staff/classes/new", data={"name": value, "year_group": "4"})

    assert page.field_error("name") == "Class name must have letters or numbers in it, not only invisible characters"
    assert count(session, TeachingGroup) == before


def test_a_staff_name_with_a_line_break_is_refused(client, world, session, login):
    login(world.users["head"])
    before = count(session, User)

    page = client.post_page(
        "/staff/new",
        data={
            "full_name": "Nina Patel\r\nBcc: x@y.test",
            "email": "nina.patel@oak.test",
            "roles": ["teacher"],
            "temporary_password": "plum orchard tuesday",
        },
    )

    assert page.field_error("full_name") == (
        "Full name must be on one line, without line breaks or hidden control characters"
    )
    assert count(session, User) == before


@pytest.mark.parametrize("value", ["4 Élan", "٤ بلوط", "4 Oak 👩‍🏫", "Zoë-Jo O'Neill"])
def test_ordinary_text_in_any_script_is_accepted(value):
    # Joiners inside emoji and letters of right-to-left scripts are text, not controls.
    assert single_line_problem(value) is None


def _form_classes():
    for module in pkgutil.walk_packages(sentrack.__path__, "sentrack."):
        if module.name.endswith(".forms"):
            importlib.import_module(module.name)
    pending, seen = list(FlaskForm.__subclasses__()), set()
    while pending:
        cls = pending.pop()
        if cls not in seen:
            seen.add(cls)
            pending.extend(cls.__subclasses__())
    return seen


def test_every_one_line_text_input_of_every_form_is_a_text_field():
    """A new StringField with a one-line input would skip the checks above: none may exist."""
    offenders = []
    for cls in _form_classes():
        for name in dir(cls):
            field = getattr(cls, name, None)
            if (
                isinstance(field, UnboundField)
                and issubclass(field.field_class, StringField)
                and isinstance(field.kwargs.get("widget"), GovTextInput)
                and not issubclass(field.field_class, TextField)
            ):
                offenders.append(f"{cls.__module__}.{cls.__name__}.{name}")
    assert offenders == []
    assert len(_form_classes()) > 10
