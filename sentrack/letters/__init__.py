"""The school's letter templates: the SENCO's wording of each letter to parents, with a preview
and the history of its versions."""

from flask import Blueprint

bp = Blueprint("letters", __name__)

from sentrack.letters import views  # noqa: E402,F401
