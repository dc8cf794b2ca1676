"""Forms of the EHC pages. Each builds itself from its record (`from_record`) and gives the
workflow its details (`to_details`)."""

from __future__ import annotations
