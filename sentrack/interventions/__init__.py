"""Interventions and the provision map on screen: the school's catalogue and impact scale,
setting up and changing interventions, the register of each session, the impact when one ends,
and the provision map with its CSV and printable versions."""

from flask import Blueprint

bp = Blueprint("interventions", __name__)

from sentrack.interventions import catalogue, provision, shown, views  # noqa: E402,F401
