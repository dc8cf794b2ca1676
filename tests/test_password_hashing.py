"""Passwords are hashed with argon2id at the library's recommended strength; the suite hashes at
test strength (tests/hashing.py), so these tests ask a fresh process, as the app starts."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from sentrack.auth import accounts
from sentrack.auth.passwords import hash_password, verify_password
from tests.factories import PASSWORD

ROOT = Path(__file__).resolve().parents[1]
# RFC 9106's second recommended option, argon2-cffi's default: 64 MiB, three passes, four lanes.
PRODUCTION_PREFIX = "$argon2id$v=19$m=65536,t=3,p=4$"
TEST_PREFIX = "$argon2id$v=19$m=8,t=1,p=1$"


def _hashes_made_by_the_app() -> list[str]:
    """A password hashed by the app in a process of its own, and the unknown account's stand-in."""
    script = (
        "from sentrack.auth import accounts, passwords\n"
        "print(passwords.hash_password('plum ladder quiet river'))\n"
        "print(accounts._DUMMY_HASH)\n"
    )
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, check=True)
    return done.stdout.split()


def test_the_app_hashes_passwords_with_argon2id_at_the_recommended_strength():
    password_hash, stand_in = _hashes_made_by_the_app()

    assert password_hash.startswith(PRODUCTION_PREFIX)
    assert stand_in.startswith(PRODUCTION_PREFIX)  # an unknown account costs what a known one does
    assert verify_password(password_hash, "plum ladder quiet river")
    assert not verify_password(password_hash, "plum ladder quiet rivers")


def test_the_suite_hashes_at_test_strength_and_the_stand_in_alike():
    assert hash_password(PASSWORD).startswith(TEST_PREFIX)
    assert accounts._DUMMY_HASH.startswith(TEST_PREFIX)
