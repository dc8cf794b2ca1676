"""Small line charts drawn on the server as SVG: no script, and the numbers beside them in a table."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Sparkline:
    width: int
    height: int
    points: list[tuple[float, float, int]]  # x, y, value

    @property
    def path(self) -> str:
        return " ".join(f"{x:.1f},{y:.1f}" for x, y, _ in self.points)

    @property
    def top(self) -> int:
        return max((v for _, _, v in self.points), default=0)


def sparkline(values: list[int | None], *, width: int = 240, height: int = 64, pad: int = 8) -> Sparkline:
    """The points of a line through `values` (None for a term with no figure: left out), scaled
    from nought to the largest value."""
    top = max((v for v in values if v is not None), default=0) or 1
    step = (width - 2 * pad) / max(len(values) - 1, 1)
    points = [
        (pad + i * step, height - pad - (height - 2 * pad) * v / top, v) for i, v in enumerate(values) if v is not None
    ]
    return Sparkline(width, height, points)
