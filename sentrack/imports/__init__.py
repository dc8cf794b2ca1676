"""Imports from the school's MIS on screen: uploading a Common Transfer File or a CSV, its
preview, confirming it; the CSV templates; and the SENCO's reconciling of imported SEN history."""

from flask import Blueprint

bp = Blueprint("imports", __name__)

from sentrack.imports import csv_templates, views  # noqa: E402,F401
