"""Page queries of the EHC pages: each returns a small frozen dataclass or a list of them."""

from __future__ import annotations
