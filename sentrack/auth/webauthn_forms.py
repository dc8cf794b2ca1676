"""The forms of security keys and passkeys: adding one with a name, and signing in with one.

The browser's answer to the ceremony travels in the hidden `credential` field, filled in by
static/js/webauthn.js just before the form is sent."""

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovSubmitInput
from wtforms import HiddenField, SubmitField
from wtforms.validators import Length

from sentrack.auth.forms import password_field
from sentrack.forms import text_field

# An answer with a packed attestation and its certificates runs to a few kilobytes.
CREDENTIAL_LENGTH = Length(max=32_000, message="The answer from your security key or passkey was too long")


class AddKeyForm(FlaskForm):
    name = text_field(
        "Name of the key",
        required="Enter a name for your security key or passkey",
        max_length=60,
        count=False,
        description="So that you can tell your keys apart, for example ‘Blue USB key’ or ‘Work laptop’.",
    )
    credential = HiddenField(validators=[CREDENTIAL_LENGTH])
    submit = SubmitField("Add security key or passkey", widget=GovSubmitInput())


class KeySignInForm(FlaskForm):
    credential = HiddenField(validators=[CREDENTIAL_LENGTH])
    submit = SubmitField("Use your security key or passkey", widget=GovSubmitInput())


class RemoveKeyForm(FlaskForm):
    password = password_field("Your password", "Enter your password")
    submit = SubmitField(
        "Remove security key or passkey", widget=GovSubmitInput(), render_kw={"class": "govuk-button--warning"}
    )
