"""Sign-in and password forms."""

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovPasswordInput, GovSubmitInput
from wtforms import PasswordField, SubmitField
from wtforms.validators import EqualTo, InputRequired, Length

from sentrack.forms import EmailAddress, text_field

EMAIL_FORMAT = EmailAddress("Enter an email address in the correct format, like name@school.sch.uk")
PASSWORD_LENGTH = Length(max=128, message="Password must be 128 characters or fewer")


def password_field(label: str, required: str, *checks, **kwargs) -> PasswordField:
    """A password box: `required` is the message when it is left empty; at most 128 characters."""
    return PasswordField(
        label, widget=GovPasswordInput(), validators=[InputRequired(required), PASSWORD_LENGTH, *checks], **kwargs
    )


def confirm_field(label: str, required: str) -> PasswordField:
    """The new password typed again, which must match `new_password`."""
    return password_field(label, required, EqualTo("new_password", message="The passwords do not match"))


class SignInForm(FlaskForm):
    email = text_field("Email address", required="Enter your email address", max_length=254, count=False)
    password = password_field("Password", "Enter your password")
    submit = SubmitField("Sign in", widget=GovSubmitInput())


class ChangePasswordForm(FlaskForm):
    current_password = password_field("Current password", "Enter your current password")
    new_password = password_field(
        "New password",
        "Enter a new password",
        description="At least 12 characters. Three or four unrelated words make a strong password.",
    )
    confirm_password = confirm_field("Confirm new password", "Confirm your new password")
    submit = SubmitField("Change password", widget=GovSubmitInput())


class SetPasswordForm(FlaskForm):
    """A member's own password, set through their invitation link."""

    new_password = password_field(
        "Choose a password",
        "Enter a password",
        description="A few unrelated words make a strong password that is easy to remember.",
    )
    confirm_password = confirm_field("Type the password again", "Type the password again")
    submit = SubmitField("Set password", widget=GovSubmitInput())


class ForgottenPasswordForm(FlaskForm):
    """The email address of an account whose password is forgotten."""

    email = text_field(
        "Email address",
        required="Enter your email address",
        max_length=254,
        count=False,
        description="The address you sign in with. We will email you a link to choose a new password.",
    )
    submit = SubmitField("Send the link", widget=GovSubmitInput())

    def validate_email(self, field) -> None:
        EMAIL_FORMAT(self, field)


class ResetPasswordForm(FlaskForm):
    """A new password, chosen through an emailed reset link."""

    new_password = password_field(
        "New password",
        "Enter a new password",
        description="At least 12 characters. Three or four unrelated words make a strong password.",
    )
    confirm_password = confirm_field("Confirm new password", "Confirm your new password")
    submit = SubmitField("Set new password", widget=GovSubmitInput())


# --- Second factors ----------------------------------------------------------------------------


def code_field(label: str, required: str, *, max_length: int = 40, **kwargs):
    """A box for a one-time code (typed or pasted, spaces allowed)."""
    return text_field(label, required=required, max_length=max_length, count=False, **kwargs)


class SecondFactorForm(FlaskForm):
    code = code_field(
        "Code from your authenticator app",
        "Enter the 6-digit code from your authenticator app",
        description="The app shows a new 6-digit code every 30 seconds.",
    )
    submit = SubmitField("Continue", widget=GovSubmitInput())


class RecoveryCodeForm(FlaskForm):
    code = code_field(
        "Recovery code",
        "Enter one of your recovery codes",
        description="One of the ten codes you saved when you set up your second factor, like ABCD-EFGH-JKLM-NPQR. "
        "Each works once.",
    )
    submit = SubmitField("Continue", widget=GovSubmitInput())


class EnrolTotpForm(FlaskForm):
    code = code_field(
        "Code from your authenticator app",
        "Enter the 6-digit code your authenticator app shows",
        description="After you add SEN Track to the app, it shows a 6-digit code. Enter it to finish.",
    )
    submit = SubmitField("Set up authenticator app", widget=GovSubmitInput())


class RemoveTotpForm(FlaskForm):
    proof = password_field(
        "Your password, or a code from your authenticator app",
        "Enter your password or a current code from your authenticator app",
    )
    submit = SubmitField(
        "Remove authenticator app", widget=GovSubmitInput(), render_kw={"class": "govuk-button--warning"}
    )
