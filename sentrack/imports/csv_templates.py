"""The CSV templates a school fills in (or its MIS export is shaped like) to import pupils, and
classes with their teachers: the header row SEN Track reads and one example row of fictional data.
The example row is never imported: a file carrying it unchanged imports without it, so a template
downloaded and uploaded as it is imports nothing.

Importing this module registers the CSV kinds' planners and appliers (`workflows.csv_import`),
as the blueprint package imports it when the app starts.
"""

from __future__ import annotations

from flask import abort

from sentrack import access, audit, operations
from sentrack.access import Ability
from sentrack.exports import csv_response
from sentrack.extensions import db
from sentrack.imports import bp
from sentrack.workflows.csv_classes import CLASS_COLUMNS, CLASS_EXAMPLE
from sentrack.workflows.csv_import import PUPIL_COLUMNS, PUPIL_EXAMPLE

TEMPLATES = {
    "pupils": (PUPIL_COLUMNS, PUPIL_EXAMPLE),
    "classes": (CLASS_COLUMNS, CLASS_EXAMPLE),
}

# One sentence per kind of CSV, for the upload page to show beside the template's link.
TEMPLATE_HELP = {
    "pupils": (
        "One row per pupil: UPN, surname, forename, date of birth (DD/MM/YYYY or YYYY-MM-DD) and year group "
        "(N1, N2, R or 1 to 14) are needed, the other columns may be left blank, classes are separated by "
        "semicolons and must already be in SEN Track, and the example row (Alexandra Example) is never imported."
    ),
    "classes": (
        "One row per class: its name, its year group and the email addresses of its teachers separated by "
        "semicolons (each a member of staff who teaches); a blank cell leaves what SEN Track holds, and the "
        "example row (2 Example) is never imported."
    ),
}


def template_rows(kind: str) -> list[list[str]]:
    """The template of `kind` as rows: the header, then the example row."""
    columns, example = TEMPLATES[kind]
    return [[column.label for column in columns], [example.get(column.key, "") for column in columns]]


@bp.route("/imports/templates/<kind>.csv")
@access.requires(Ability.IMPORT_ROLL)
def csv_template(kind: str):
    if kind not in TEMPLATES:
        abort(404)
    user = operations.signed_in_user()
    body = csv_response(template_rows(kind), f"sentrack-{kind}-template.csv")
    return audit.shown_school(
        db.session, body, "csv_template_downloaded", actor=user, school_id=user.school_id, details={"kind": kind}
    )
