"""Sign-in and password forms."""

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovPasswordInput, GovSubmitInput, GovTextInput
from wtforms import PasswordField, SubmitField
from wtforms.validators import DataRequired, EqualTo, InputRequired, Length

from sentrack.forms import TextField, strip_text


class SignInForm(FlaskForm):
    email = TextField(
        "Email address",
        widget=GovTextInput(),
        filters=[strip_text],
        validators=[
            DataRequired("Enter your email address"),
            Length(max=254, message="Email address must be 254 characters or fewer"),
        ],
    )
    password = PasswordField(
        "Password",
        widget=GovPasswordInput(),
        validators=[
            InputRequired("Enter your password"),
            Length(max=128, message="Password must be 128 characters or fewer"),
        ],
    )
    submit = SubmitField("Sign in", widget=GovSubmitInput())


class ChangePasswordForm(FlaskForm):
    current_password = PasswordField(
        "Current password",
        widget=GovPasswordInput(),
        validators=[
            InputRequired("Enter your current password"),
            Length(max=128, message="Password must be 128 characters or fewer"),
        ],
    )
    new_password = PasswordField(
        "New password",
        widget=GovPasswordInput(),
        description="At least 12 characters. Three or four unrelated words make a strong password.",
        validators=[
            InputRequired("Enter a new password"),
            Length(max=128, message="Password must be 128 characters or fewer"),
        ],
    )
    confirm_password = PasswordField(
        "Confirm new password",
        widget=GovPasswordInput(),
        validators=[
            InputRequired("Confirm your new password"),
            Length(max=128, message="Password must be 128 characters or fewer"),
            EqualTo("new_password", message="The passwords do not match"),
        ],
    )
    submit = SubmitField("Change password", widget=GovSubmitInput())
