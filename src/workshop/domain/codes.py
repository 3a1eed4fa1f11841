"""Join codes (short, unambiguous, typed by people) and facilitator keys (long, secret)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
import unicodedata

# No 0/O, 1/I/L, nor U/V (often confused on projectors and in handwriting).
JOIN_CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTWXYZ"
JOIN_CODE_LENGTH = 6
_CONFUSABLE = str.maketrans({"O": "0", "I": "1", "L": "1"})
# Spaces, every kind of dash, underscores and dots between the characters of a code.
_SEPARATORS = re.compile(r"[\s\-_.\u2010-\u2015\u2212\ufe58\ufe63\uff0d]+")


def new_join_code() -> str:
    """Six random characters from the unambiguous alphabet, stored without a dash."""
    return "".join(secrets.choice(JOIN_CODE_ALPHABET) for _ in range(JOIN_CODE_LENGTH))


def display_code(code: str) -> str:
    """``K7Q4MX`` -> ``K7Q-4MX``: how the code is shown to people."""
    return f"{code[:3]}-{code[3:]}" if len(code) == JOIN_CODE_LENGTH else code


def normalise_join_code(typed: str) -> str:
    """What a person typed -> the stored form: case, spaces and dashes forgiven.

    NFKC turns full-width letters (some phone keyboards) into plain ones; any dash
    (phones' smart punctuation turns "-" into "–") counts as a separator.
    """
    if not isinstance(typed, str):  # a hand-made URL or request can carry anything
        return ""
    text = unicodedata.normalize("NFKC", typed[:256])
    return _SEPARATORS.sub("", text).upper()[:32]


def is_well_formed(code: str) -> bool:
    return len(code) == JOIN_CODE_LENGTH and all(c in JOIN_CODE_ALPHABET for c in code)


def new_facilitator_key() -> str:
    """192 random bits, URL-safe: the secret that controls one session."""
    return secrets.token_urlsafe(24)


def hash_facilitator_key(key: str) -> str:
    """The key is high-entropy random, so one SHA-256 is enough (no slow KDF needed)."""
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def facilitator_key_matches(key: str | None, stored_hash: str) -> bool:
    """Constant-time comparison, so response timing leaks nothing about the hash."""
    if not key:
        return False
    return hmac.compare_digest(hash_facilitator_key(key), stored_hash)


# An issued participant token: 22 random characters, then 22 of their signature.
_TOKEN_RANDOM_BYTES = 16
_TOKEN_SIGNATURE_BYTES = 16
_TOKEN_HALF = 22  # base64url length of 16 bytes, unpadded
_TOKEN_PURPOSE = b"workshop participant token v1:"


def _token_signature(random_part: str, secret: bytes) -> str:
    digest = hmac.new(secret, _TOKEN_PURPOSE + random_part.encode("ascii"), hashlib.sha256)
    return base64.urlsafe_b64encode(digest.digest()[:_TOKEN_SIGNATURE_BYTES]).decode()[:22]


def new_participant_token(secret: bytes) -> str:
    """128 random bits plus their HMAC under the installation secret.

    Only this installation can mint one, so a made-up token counts for nothing; the
    browser keeps it, the store only a keyed hash of it per session.
    """
    random_part = base64.urlsafe_b64encode(secrets.token_bytes(_TOKEN_RANDOM_BYTES)).decode()
    random_part = random_part[:_TOKEN_HALF]
    return random_part + _token_signature(random_part, secret)


def is_plausible_token(token: object) -> bool:
    """Shaped like a token (any other value, of any type, is refused before a lookup)."""
    return isinstance(token, str) and re.fullmatch(r"[A-Za-z0-9_\-]{16,64}", token) is not None


def is_issued_token(token: object, secret: bytes) -> bool:
    """A token this installation minted (its signature checks, in constant time)."""
    if not is_plausible_token(token) or len(str(token)) != 2 * _TOKEN_HALF:
        return False
    text = str(token)
    expected = _token_signature(text[:_TOKEN_HALF], secret)
    return hmac.compare_digest(expected, text[_TOKEN_HALF:])


def hash_participant_token(token: str, *, session_id: int, secret: bytes) -> str:
    """Keyed hash (HMAC-SHA256): the store never sees the raw token.

    The session id is mixed in so one browser is unlinkable across sessions.
    """
    message = f"{session_id}:{token}".encode()
    return hmac.new(secret, message, hashlib.sha256).hexdigest()
