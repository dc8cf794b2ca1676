"""Unique pupil numbers for demo pupils, each handed out once across the authority.

The check letter comes from `sentrack.workflows.upn`, the same rule the app validates with.
"""

from __future__ import annotations

from sentrack.workflows.upn import check_letter


class UpnAllocator:
    """Hands out UPNs (LA code, establishment, year of allocation, serial), each once.

    When an establishment's 999 serials for a year run out, numbering moves to a spare
    establishment number, as if another school of the authority had allocated it.
    """

    SPARE_ESTABLISHMENTS = range(7000, 10000)

    def __init__(self, la_code: str) -> None:
        self.la_code = la_code
        self._last_serial: dict[tuple[int, int], int] = {}
        self._spare_for: dict[tuple[int, int], int] = {}
        self._spares = iter(self.SPARE_ESTABLISHMENTS)

    def allocate(self, establishment: int, year: int) -> str:
        key = (establishment, year % 100)
        while self._last_serial.get(key, 0) >= 999:
            if key not in self._spare_for:
                self._spare_for[key] = next(self._spares)
            key = (self._spare_for[key], key[1])
        serial = self._last_serial.get(key, 0) + 1
        self._last_serial[key] = serial
        rest = f"{self.la_code}{key[0]:04d}{key[1]:02d}{serial:03d}"
        return check_letter(rest) + rest
