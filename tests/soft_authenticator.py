"""A software authenticator for the request tests of security keys and passkeys: it answers the
options SEN Track sends as a real key does (WebAuthn level 2: "none" attestation, an ES256 key pair
of its own, a signature count that goes up with each use), so that the server's checks run on
real signatures. The browser journey (tests/browser/test_webauthn.py) uses Chromium's own virtual
authenticator instead.

Each answer can be made as a browser would never make it (another origin, another relying party)
to show that the server refuses it.
"""

from __future__ import annotations

import hashlib
import json
import os
import struct
from dataclasses import dataclass, field

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from webauthn.helpers import bytes_to_base64url, encode_cbor

USER_PRESENT, USER_VERIFIED, ATTESTED = 0x01, 0x04, 0x40
ORIGIN = "http://localhost"  # the test client's requests are to http://localhost/


@dataclass
class SoftKey:
    """One credential of a software authenticator."""

    rp_id: str = "localhost"
    credential_id: bytes = field(default_factory=lambda: os.urandom(32))
    private_key: ec.EllipticCurvePrivateKey = field(default_factory=lambda: ec.generate_private_key(ec.SECP256R1()))
    sign_count: int = 0

    def _cose_public_key(self) -> bytes:
        numbers = self.private_key.public_key().public_numbers()
        return encode_cbor({1: 2, 3: -7, -1: 1, -2: numbers.x.to_bytes(32, "big"), -3: numbers.y.to_bytes(32, "big")})

    def _authenticator_data(self, rp_id: str, flags: int, attested: bytes = b"") -> bytes:
        return hashlib.sha256(rp_id.encode()).digest() + bytes([flags]) + struct.pack(">I", self.sign_count) + attested

    @staticmethod
    def _client_data(kind: str, challenge: str, origin: str) -> bytes:
        return json.dumps({"type": kind, "challenge": challenge, "origin": origin, "crossOrigin": False}).encode()

    def register(self, options: dict, *, origin: str = ORIGIN, rp_id: str | None = None) -> str:
        """The JSON of navigator.credentials.create()'s answer to `options` (as the server sent them)."""
        attested = bytes(16) + struct.pack(">H", len(self.credential_id)) + self.credential_id + self._cose_public_key()
        data = self._authenticator_data(rp_id or self.rp_id, USER_PRESENT | USER_VERIFIED | ATTESTED, attested)
        attestation = encode_cbor({"fmt": "none", "attStmt": {}, "authData": data})
        return json.dumps(
            {
                "id": bytes_to_base64url(self.credential_id),
                "rawId": bytes_to_base64url(self.credential_id),
                "type": "public-key",
                "clientExtensionResults": {},
                "response": {
                    "clientDataJSON": bytes_to_base64url(
                        self._client_data("webauthn.create", options["challenge"], origin)
                    ),
                    "attestationObject": bytes_to_base64url(attestation),
                    "transports": ["usb", "nfc"],
                },
            }
        )

    def sign_in(self, options: dict, *, origin: str = ORIGIN, rp_id: str | None = None, count: bool = True) -> str:
        """The JSON of navigator.credentials.get()'s answer to `options`, signed by this key; its
        count goes up first unless `count` is false (a copied key's would not)."""
        if count:
            self.sign_count += 1
        data = self._authenticator_data(rp_id or self.rp_id, USER_PRESENT | USER_VERIFIED)
        client_data = self._client_data("webauthn.get", options["challenge"], origin)
        signature = self.private_key.sign(data + hashlib.sha256(client_data).digest(), ec.ECDSA(hashes.SHA256()))
        return json.dumps(
            {
                "id": bytes_to_base64url(self.credential_id),
                "rawId": bytes_to_base64url(self.credential_id),
                "type": "public-key",
                "clientExtensionResults": {},
                "response": {
                    "clientDataJSON": bytes_to_base64url(client_data),
                    "authenticatorData": bytes_to_base64url(data),
                    "signature": bytes_to_base64url(signature),
                },
            }
        )
