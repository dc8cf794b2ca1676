"""EHC work on screen: needs assessment requests, EHC plans with their documents, annual reviews,
and the local authority's caseload across its schools."""

from flask import Blueprint

bp = Blueprint("ehc", __name__)

from sentrack.ehc import caseload, plans, requests, reviews  # noqa: E402,F401
