"""A person's sessions named by the device they were opened on, in words ("Chrome on Windows"),
read from the browser's User-Agent header. The header is whatever the browser (or anyone) sends:
the name helps a person recognise their own sessions and proves nothing."""

from __future__ import annotations

# Each list is tried in order and the first name found wins: Edge and Opera also say "Chrome",
# Chrome also says "Safari", and an iPhone also says "Mac OS X".
BROWSERS = (
    ("Edg", "Edge"),
    ("OPR/", "Opera"),
    ("Opera", "Opera"),
    ("SamsungBrowser", "Samsung Internet"),
    ("Firefox/", "Firefox"),
    ("FxiOS", "Firefox"),
    ("CriOS", "Chrome"),
    ("Chromium", "Chromium"),
    ("Chrome/", "Chrome"),
    ("Safari/", "Safari"),
    ("MSIE ", "Internet Explorer"),
    ("Trident/", "Internet Explorer"),
)
SYSTEMS = (
    ("iPhone", "iPhone"),
    ("iPad", "iPad"),
    ("Android", "Android"),
    ("CrOS", "ChromeOS"),
    ("Windows", "Windows"),
    ("Mac OS X", "macOS"),
    ("Macintosh", "macOS"),
    ("Linux", "Linux"),
)


def _first(user_agent: str, names: tuple[tuple[str, str], ...]) -> str | None:
    return next((name for marker, name in names if marker in user_agent), None)


def device_name(user_agent: str | None) -> str:
    """A readable name for the browser and system a User-Agent header describes, for example
    "Chrome on Windows", "Safari on iPhone" or "Firefox"; "Unknown device" when it names neither."""
    user_agent = user_agent or ""
    browser, system = _first(user_agent, BROWSERS), _first(user_agent, SYSTEMS)
    if browser and system:
        return f"{browser} on {system}"
    return browser or (f"A browser on {system}" if system else "Unknown device")
