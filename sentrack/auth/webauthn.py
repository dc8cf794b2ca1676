"""Security keys and passkeys (WebAuthn) as a second factor of sign-in, through py_webauthn.

Each ceremony has two steps. `*_options` makes the options the browser's
navigator.credentials.create() or .get() takes, and keeps their random challenge with the
signed-in session on the server (a `session_value` row, never the cookie): one challenge per
session, for one ceremony, good for CHALLENGE_LIFETIME by the real clock. The finishing step takes
the challenge away before it checks the browser's answer, so an answer is never accepted twice,
whether it was right or not.

The answer must name the relying party (WEBAUTHN_RP_ID: the host name, "localhost" in
development), come from the expected origin, and carry the challenge; a sign-in must be signed by
one of the person's own keys, with a signature count above the one last seen (unless the key keeps
no count), since a count that goes backwards is the mark of a copied key. User verification (a PIN
or fingerprint on the key) is asked for where the key can do it, not required: the password came
first.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import time
from dataclasses import dataclass

import sqlalchemy as sa
import webauthn
from sqlalchemy.orm import Session
from webauthn.helpers import (
    bytes_to_base64url,
    parse_authentication_credential_json,
    parse_registration_credential_json,
)
from webauthn.helpers.exceptions import WebAuthnException
from webauthn.helpers.structs import (
    AttestationConveyancePreference,
    AuthenticatorSelectionCriteria,
    AuthenticatorTransport,
    PublicKeyCredentialDescriptor,
    ResidentKeyRequirement,
    UserVerificationRequirement,
)

from sentrack import access, audit
from sentrack.auth import codes, factors, sessions
from sentrack.auth.passwords import verify_password
from sentrack.clock import now
from sentrack.models import RecoveryCode, User, WebAuthnCredential
from sentrack.workflows import RuleBroken

METHOD = "webauthn"
# Where a session keeps its challenge (sentrack.auth.sessions.remember).
CHALLENGE_NAME = "webauthn_challenge"
CHALLENGE_LIFETIME_SECONDS = 300
# What the browser is told to give the person to answer (a hint only).
CEREMONY_TIMEOUT_MS = 120_000
REGISTER, AUTHENTICATE = "register", "authenticate"

KEY_NOT_ADDED = "Your security key or passkey was not added. Use it when your browser asks, then try again"
CHALLENGE_GONE = "The request to your security key or passkey had expired. Try again"
KEY_TAKEN = "This security key or passkey has already been added"
NAME_TAKEN = "You already have a security key or passkey with this name. Give this one another name"
KEY_NOT_RECOGNISED = "Your security key or passkey was not recognised. Try again, or use another way to sign in"
WRONG_PASSWORD = "Your password is incorrect"
NO_KEYS = "You have not added a security key or passkey. Use another way to sign in"


@dataclass(frozen=True)
class Party:
    """The relying party the app is: its id (a host name), the name browsers show, the origin the
    answers must come from, and the key that turns an account's id into its WebAuthn user handle."""

    rp_id: str
    name: str
    origin: str
    handle_key: bytes


class KeyRefused(RuleBroken):
    """A ceremony's answer was not accepted; `reason` says why, for the audit (never shown)."""

    def __init__(self, message: str, *, reason: str, field: str | None = None):
        super().__init__(message, field=field)
        self.reason = reason


def user_handle(party: Party, user: User) -> bytes:
    """The account's WebAuthn user handle, which a passkey keeps: the same for every key of the
    account, and an opaque digest, never the account's id or email address."""
    return hmac.new(party.handle_key, f"sentrack-webauthn-user:{user.id}".encode(), hashlib.sha256).digest()


def keys_of(session: Session, user: User) -> list[WebAuthnCredential]:
    """The person's security keys and passkeys, oldest first."""
    return list(
        session.scalars(
            sa.select(WebAuthnCredential)
            .where(WebAuthnCredential.user_id == user.id)
            .order_by(WebAuthnCredential.created_at, WebAuthnCredential.id)
        )
    )


def has_keys(session: Session, user: User) -> bool:
    """Whether the person has a security key or passkey to sign in with."""
    found = session.scalar(sa.select(WebAuthnCredential.id).where(WebAuthnCredential.user_id == user.id).limit(1))
    return found is not None


def _descriptors(keys: list[WebAuthnCredential]) -> list[PublicKeyCredentialDescriptor]:
    known = {transport.value for transport in AuthenticatorTransport}
    return [
        PublicKeyCredentialDescriptor(
            id=key.credential_id,
            transports=[AuthenticatorTransport(name) for name in key.transports or [] if name in known] or None,
        )
        for key in keys
    ]


# --- Challenges -------------------------------------------------------------------------------


def _keep_challenge(session: Session, user: User, purpose: str, challenge: bytes) -> None:
    value = {
        "purpose": purpose,
        "challenge": bytes_to_base64url(challenge),
        "expires": time.time() + CHALLENGE_LIFETIME_SECONDS,
    }
    sessions.remember(session, user, CHALLENGE_NAME, json.dumps(value))


def take_challenge(session: Session, user: User, purpose: str) -> bytes | None:
    """The session's challenge for `purpose`, forgotten as it is taken, whatever happens next; None
    when there is none (never asked for, used already, or asked for the other ceremony) or it
    has expired."""
    kept = sessions.recall(session, user, CHALLENGE_NAME)
    sessions.forget(session, user, CHALLENGE_NAME)
    try:
        value = json.loads(kept) if kept else None
    except ValueError:
        return None
    if not isinstance(value, dict) or value.get("purpose") != purpose:
        return None
    expires = value.get("expires")
    if not isinstance(expires, int | float) or expires < time.time():
        return None
    return webauthn.base64url_to_bytes(value["challenge"])


# --- Adding a key (signed in) -------------------------------------------------------------------


def registration_options(session: Session, user: User, *, name: str, party: Party) -> str:
    """The options (JSON) for navigator.credentials.create() to make a key for `user`, to be
    called `name`; the person's keys are excluded, so an authenticator that holds one already
    says so. Raises RuleBroken for a name in use, before any key is made."""
    problem = name_problem(session, user, name)
    if problem is not None:
        raise problem
    options = webauthn.generate_registration_options(
        rp_id=party.rp_id,
        rp_name=party.name,
        user_id=user_handle(party, user),
        user_name=user.email,
        user_display_name=user.full_name,
        challenge=secrets.token_bytes(32),
        timeout=CEREMONY_TIMEOUT_MS,
        attestation=AttestationConveyancePreference.NONE,
        authenticator_selection=AuthenticatorSelectionCriteria(
            resident_key=ResidentKeyRequirement.PREFERRED, user_verification=UserVerificationRequirement.PREFERRED
        ),
        exclude_credentials=_descriptors(keys_of(session, user)),
    )
    _keep_challenge(session, user, REGISTER, options.challenge)
    return webauthn.options_to_json(options)


def name_problem(session: Session, user: User, name: str) -> RuleBroken | None:
    """Why `name` cannot name another of the person's keys, or None."""
    taken = session.scalar(
        sa.select(WebAuthnCredential.id).where(
            WebAuthnCredential.user_id == user.id, sa.func.lower(WebAuthnCredential.name) == name.strip().lower()
        )
    )
    return RuleBroken(NAME_TAKEN, field="name") if taken is not None else None


def add_key(
    session: Session, user: User, *, name: str, credential: str, challenge: bytes | None, party: Party
) -> tuple[WebAuthnCredential, list[str]]:
    """Keep the key the browser made (`credential`, the JSON of navigator.credentials.create())
    under `name`, once it answers the session's registration `challenge` (taken already, by
    `take_challenge`) for this relying party and origin. Returns the key, and new recovery codes
    (to be shown once) when the person had none; a session awaiting a second factor (the person
    had to set one up) may go on. Raises RuleBroken for a name in use, KeyRefused for an answer not
    accepted (none, expired, another origin or relying party, a key added already)."""
    problem = name_problem(session, user, name)
    if problem is not None:
        raise problem
    verified, transports = _verified_registration(credential, challenge, party)
    taken = session.scalar(
        sa.select(WebAuthnCredential.id).where(WebAuthnCredential.credential_id == verified.credential_id)
    )
    if taken is not None:
        raise KeyRefused(KEY_TAKEN, reason="key_taken")
    key = WebAuthnCredential(
        user_id=user.id,
        credential_id=verified.credential_id,
        public_key=verified.credential_public_key,
        sign_count=verified.sign_count,
        transports=transports,
        name=name.strip(),
        created_at=now(),
    )
    session.add(key)
    session.flush()
    audit.record(session, "second_factor_enrolled", actor=user, about=key, details={"method": METHOD})
    made = [] if factors.METHOD_CHECKS[factors.RECOVERY](session, user) else codes.new_recovery_codes(session, user)
    if factors.pending(user):  # setting up a factor is giving it
        factors.second_factor_passed(session, user, METHOD)
    return key, made


def key_not_added(session: Session, user: User, *, reason: str) -> None:
    """Audit an answer refused when adding a key (the refused work itself is rolled back)."""
    audit.record(
        session, "webauthn_key_not_added", actor=user, object_type="user", object_id=user.id, details={"reason": reason}
    )


def _verified_registration(credential: str, challenge: bytes | None, party: Party):
    """(py_webauthn's verified registration, the transports the browser reported); KeyRefused
    when there was no challenge or answer, or the answer does not stand."""
    if challenge is None:
        raise KeyRefused(CHALLENGE_GONE, reason="no_challenge")
    if not credential:
        raise KeyRefused(KEY_NOT_ADDED, reason="no_answer")
    try:
        parsed = parse_registration_credential_json(credential)
        verified = webauthn.verify_registration_response(
            credential=parsed,
            expected_challenge=challenge,
            expected_rp_id=party.rp_id,
            expected_origin=party.origin,
            require_user_verification=False,
        )
    except (WebAuthnException, ValueError, TypeError, KeyError) as error:
        raise KeyRefused(KEY_NOT_ADDED, reason="not_verified") from error
    return verified, [transport.value for transport in parsed.response.transports or []]


def remove_key(session: Session, user: User, *, key: WebAuthnCredential, password: str) -> None:
    """Remove one of the person's keys, proved by their password: it no longer signs them in.
    Without another second factor their recovery codes go too, and if they must have one, they
    set one up before going on. Raises RuleBroken for a wrong password (the view counts it)."""
    if not verify_password(user.password_hash, password or ""):
        raise RuleBroken(WRONG_PASSWORD, field="password")
    audit.record(session, "second_factor_removed", actor=user, about=key, details={"method": METHOD})
    session.delete(key)
    session.flush()
    if not factors.has_second_factor(session, user):
        session.execute(sa.delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
        if access.second_factor_required(user):
            factors.mark_pending(session, user)


def remove_all_keys(session: Session, user: User) -> int:
    """Remove every key of `user` (their second factor was reset); returns how many."""
    result = session.execute(sa.delete(WebAuthnCredential).where(WebAuthnCredential.user_id == user.id))
    return result.rowcount or 0


# --- Signing in with a key (after the password) ---------------------------------------------------


def authentication_options(session: Session, user: User, party: Party) -> str:
    """The options (JSON) for navigator.credentials.get() to sign `user` in with one of their keys.
    Raises RuleBroken when they have none."""
    keys = keys_of(session, user)
    if not keys:
        raise RuleBroken(NO_KEYS)
    options = webauthn.generate_authentication_options(
        rp_id=party.rp_id,
        challenge=secrets.token_bytes(32),
        timeout=CEREMONY_TIMEOUT_MS,
        allow_credentials=_descriptors(keys),
        user_verification=UserVerificationRequirement.PREFERRED,
    )
    _keep_challenge(session, user, AUTHENTICATE, options.challenge)
    return webauthn.options_to_json(options)


def _own_key(session: Session, user: User, credential: str):
    """(the parsed answer, the person's key that made it); KeyRefused for an answer that cannot be
    read or names a key that is not theirs."""
    try:
        parsed = parse_authentication_credential_json(credential)
    except (WebAuthnException, ValueError, TypeError, KeyError) as error:
        raise KeyRefused(KEY_NOT_RECOGNISED, reason="not_verified") from error
    key = session.scalar(
        sa.select(WebAuthnCredential).where(
            WebAuthnCredential.user_id == user.id, WebAuthnCredential.credential_id == parsed.raw_id
        )
    )
    if key is None:
        raise KeyRefused(KEY_NOT_RECOGNISED, reason="unknown_key")
    return parsed, key


def check_key(session: Session, user: User, *, credential: str, party: Party) -> WebAuthnCredential:
    """The person's key that signed this session's sign-in challenge (`credential`, the JSON of
    navigator.credentials.get()), its count and last use brought up to date. Raises KeyRefused
    for an answer not accepted: no challenge or an expired one, a key not theirs, another
    origin or relying party, a bad signature, or a signature count that did not go up."""
    challenge = take_challenge(session, user, AUTHENTICATE)
    if challenge is None:
        raise KeyRefused(CHALLENGE_GONE, reason="no_challenge")
    parsed, key = _own_key(session, user, credential)
    try:
        verified = webauthn.verify_authentication_response(
            credential=parsed,
            expected_challenge=challenge,
            expected_rp_id=party.rp_id,
            expected_origin=party.origin,
            credential_public_key=key.public_key,
            credential_current_sign_count=key.sign_count,
            require_user_verification=False,
        )
    except (WebAuthnException, ValueError, TypeError, KeyError) as error:
        # py_webauthn says which check failed only in its message: a count that did not go up
        # is told apart for the audit, since it is the sign of a copied key.
        reason = "sign_count" if "sign count" in str(error).lower() else "not_verified"
        raise KeyRefused(KEY_NOT_RECOGNISED, reason=reason) from error
    key.sign_count = verified.new_sign_count
    key.last_used_at = now()
    return key


NO_ANSWER = "Your browser did not use a security key or passkey. Try again, or use another way to sign in"


def sign_in_with_key(session: Session, user: User, *, credential: str, party: Party) -> KeyRefused | None:
    """Finish signing in with a key, the password given already: None when `credential` is
    accepted (`check_key`) and the session is fully signed in; otherwise the refusal, audited,
    and counted against the account's second-factor throttle (an answer the browser never gave,
    the person having cancelled, is audited but not counted: no key was tried)."""
    try:
        if not credential:
            take_challenge(session, user, AUTHENTICATE)
            raise KeyRefused(NO_ANSWER, reason="no_answer")
        check_key(session, user, credential=credential, party=party)
    except KeyRefused as refusal:
        audit.record(
            session,
            "webauthn_key_refused",
            actor=user,
            object_type="user",
            object_id=user.id,
            details={"reason": refusal.reason},
        )
        if refusal.reason != "no_answer":
            factors.second_factor_failed(session, user, METHOD)
        return refusal
    factors.second_factor_passed(session, user, METHOD)
    return None


# The framework of second factors (sentrack.auth.factors): a person with a key has this method,
# and a reset of their second factor removes their keys.
factors.METHOD_CHECKS[METHOD] = has_keys
factors.METHOD_NAMES[METHOD] = "security key or passkey"
factors.RESETTERS.append(remove_all_keys)
