"""Staff accounts, roles and classes, for head teachers and school administrators."""

from flask import Blueprint

bp = Blueprint("staff", __name__, url_prefix="/staff")

from sentrack.staff import views  # noqa: E402,F401
