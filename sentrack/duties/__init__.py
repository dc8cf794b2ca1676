"""Duties and tasks on screen: the catalogue of duties from the roles guide, My tasks, everyone's
tasks for the SENCO and the head teacher, and each user's notifications."""

from flask import Blueprint

bp = Blueprint("duties", __name__)

from sentrack.duties import views  # noqa: E402,F401
