"""EHC pages: caseload."""

from __future__ import annotations

from sentrack.ehc import bp  # noqa: F401
