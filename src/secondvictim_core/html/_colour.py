"""Brand colours checked against WCAG contrast before they reach a page.

Why reject instead of adjusting: an organisation's colour that fails contrast would
make the header or links unreadable for people with low vision. Quietly changing it
would surprise the organisation; a clear error names the colour, the contrast it
reaches and what it needs, so someone can pick a darker shade on purpose.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..exceptions import ExportError
from ..models import Colours

WHITE = "#ffffff"
TEXT = "#212b32"
"""Body text colour; also the text drawn on the focus (accent) colour."""
PAGE_TINT = "#f0f4f5"
"""The pale background of boxes; links sit on it too."""
DEFAULT_PRIMARY = "#005eb8"
DEFAULT_ACCENT = "#ffeb3b"
NORMAL_TEXT = 4.5
"""WCAG 2.2 SC 1.4.3 (AA) minimum for normal-size text."""


class BrandError(ExportError):
    """A brand colour fails WCAG contrast; the message says which and by how much."""


def _channel(value: int) -> float:
    c = value / 255
    return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4


def luminance(colour: str) -> float:
    """WCAG relative luminance of a ``#rrggbb`` colour."""
    text = colour.lstrip("#")
    r, g, b = (int(text[i : i + 2], 16) for i in (0, 2, 4))
    return 0.2126 * _channel(r) + 0.7152 * _channel(g) + 0.0722 * _channel(b)


def contrast(first: str, second: str) -> float:
    """WCAG contrast ratio between two colours (1.0 to 21.0)."""
    a, b = sorted((luminance(first), luminance(second)), reverse=True)
    return (a + 0.05) / (b + 0.05)


@dataclass(frozen=True)
class Brand:
    """Colours a site is drawn with, all checked."""

    primary: str = DEFAULT_PRIMARY
    """Header background (under white text) and link colour (on white and the pale tint)."""
    accent: str = DEFAULT_ACCENT
    """Focus highlight, drawn behind dark text."""


def check_brand(colours: Colours | None) -> Brand:
    """The brand to use; raises BrandError when a colour would fail contrast.

    ``primary`` carries white header text and is the link colour on white and on the
    pale tint, so it needs 4.5:1 against all three uses. ``accent`` is the focus
    background behind dark text, so it needs 4.5:1 against that text.
    """
    primary = (colours.primary if colours else None) or DEFAULT_PRIMARY
    accent = (colours.accent if colours else None) or DEFAULT_ACCENT
    failures: list[str] = []
    for background, role in ((WHITE, "white (header text and page)"), (PAGE_TINT, "the pale box background")):
        ratio = contrast(primary, background)
        if ratio < NORMAL_TEXT:
            failures.append(
                f"colours.primary {primary} has contrast {ratio:.2f}:1 against {role}; "
                f"WCAG 2.2 AA needs at least {NORMAL_TEXT}:1 - choose a darker shade"
            )
    ratio = contrast(accent, TEXT)
    if ratio < NORMAL_TEXT:
        failures.append(
            f"colours.accent {accent} has contrast {ratio:.2f}:1 against the text drawn on it "
            f"({TEXT}); WCAG 2.2 AA needs at least {NORMAL_TEXT}:1 - choose a lighter shade"
        )
    if failures:
        raise BrandError("; ".join(failures))
    return Brand(primary=primary, accent=accent)


def darker(colour: str, amount: float = 0.2) -> str:
    """The colour mixed with black (for hover states, which only gain contrast)."""
    text = colour.lstrip("#")
    parts = (int(text[i : i + 2], 16) for i in (0, 2, 4))
    return "#" + "".join(f"{round(p * (1 - amount)):02x}" for p in parts)
