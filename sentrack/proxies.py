"""The client's address, as far as it can be trusted.

Behind PROXY_HOPS proxies, werkzeug's ProxyFix takes the client's address from X-Forwarded-For,
counting that many entries from the right (each proxy appends the address it saw), so entries a
client wrote itself further left are never believed; with 0 hops the header is ignored. Whatever
address results is then checked: an address that is not an IP address (a malformed or overlong
header) is replaced by the address of the connection itself, so nothing downstream (the sign-in
throttle, the audit, the session record) ever sees text that is not an address.
"""

from __future__ import annotations

import ipaddress

from werkzeug.middleware.proxy_fix import ProxyFix

# The longest text form of an address kept: an IPv6 address with an embedded IPv4 address.
MAX_ADDRESS_LENGTH = 45


def client_address(value: str | None) -> str | None:
    """`value` as an IP address in its standard form, or None when it is not one. A port
    ('192.0.2.1:443', '[2001:db8::1]:443') and an IPv6 zone ('fe80::1%eth0') are dropped, and an
    IPv4 address written as IPv6 ('::ffff:192.0.2.1') is given as IPv4."""
    if not value:
        return None
    value = value.strip()
    if len(value) > 2 * MAX_ADDRESS_LENGTH:
        return None
    if value.startswith("["):
        value = value[1:].split("]", 1)[0]
    elif value.count(":") == 1:
        value = value.split(":", 1)[0]
    if len(value) > MAX_ADDRESS_LENGTH:
        return None
    value = value.split("%", 1)[0]
    try:
        address = ipaddress.ip_address(value)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        address = address.ipv4_mapped
    text = str(address)
    return text if len(text) <= MAX_ADDRESS_LENGTH else None


class _CheckedAddress:
    def __init__(self, app):
        self.app = app

    def __call__(self, environ, start_response):
        address = client_address(environ.get("REMOTE_ADDR"))
        if address is None:
            connection = environ.get("werkzeug.proxy_fix.orig", {}).get("REMOTE_ADDR")
            address = client_address(connection)
        if address is None:
            environ.pop("REMOTE_ADDR", None)
        else:
            environ["REMOTE_ADDR"] = address
        return self.app(environ, start_response)


def trusted_proxies(wsgi_app, hops: int):
    """Wrap `wsgi_app` so that it sees the client's address through `hops` proxies, checked."""
    checked = _CheckedAddress(wsgi_app)
    if hops <= 0:
        return checked
    return ProxyFix(checked, x_for=hops, x_proto=hops, x_host=hops)
