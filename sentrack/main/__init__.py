"""The home page: what each of the user's roles needs first."""

from flask import Blueprint

bp = Blueprint("main", __name__)

from sentrack.main import views  # noqa: E402,F401
