"""The SENCO's bank of outcome wordings for the school: the list by area of need, and adding,
changing and retiring a wording."""

from flask import Blueprint

bp = Blueprint("outcome_bank", __name__, url_prefix="/outcome-bank")

from sentrack.outcome_bank import views  # noqa: E402,F401
