"""Pages anyone may read, signed in or not: accessibility statement, privacy notice, cookies."""

from flask import Blueprint

bp = Blueprint("pages", __name__)

from sentrack.pages import views  # noqa: E402,F401
