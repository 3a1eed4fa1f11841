"""Join codes (short, unambiguous, typed by people) and facilitator keys (long, secret)."""

from __future__ import annotations

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


def new_participant_token() -> str:
    """128+ random bits, kept only by the participant's browser."""
    return secrets.token_urlsafe(18)


def is_plausible_token(token: object) -> bool:
    """A token this app could have issued (any other value, of any type, is refused)."""
    return isinstance(token, str) and re.fullmatch(r"[A-Za-z0-9_\-]{16,64}", token) is not None


def hash_participant_token(token: str, *, session_id: int, secret: bytes) -> str:
    """Keyed hash (HMAC-SHA256): the store never sees the raw token.

    The session id is mixed in so one browser is unlinkable across sessions.
    """
    message = f"{session_id}:{token}".encode()
    return hmac.new(secret, message, hashlib.sha256).hexdigest()
