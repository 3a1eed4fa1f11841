"""Join codes (typed by people), facilitator keys (secret) and participant-token hashes."""

from __future__ import annotations

import base64
import hashlib
import hmac

import pytest

from workshop.domain import codes
from workshop.domain.codes import (
    JOIN_CODE_ALPHABET,
    JOIN_CODE_LENGTH,
    display_code,
    facilitator_key_matches,
    hash_facilitator_key,
    hash_participant_token,
    is_issued_token,
    is_plausible_token,
    is_well_formed,
    new_facilitator_key,
    new_join_code,
    new_participant_token,
    normalise_join_code,
)


def random_bits(token: str) -> int:
    """Bits of randomness in a URL-safe base64 token (no padding)."""
    return len(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))) * 8


# ---- join codes -----------------------------------------------------------------------


def test_alphabet_has_no_confusable_characters():
    for confusable in "0O1IL":
        assert confusable not in JOIN_CODE_ALPHABET
    assert len(set(JOIN_CODE_ALPHABET)) == len(JOIN_CODE_ALPHABET) >= 28
    assert JOIN_CODE_ALPHABET.isupper() or JOIN_CODE_ALPHABET.isdigit()


def test_new_codes_are_six_unambiguous_characters():
    generated = {new_join_code() for _ in range(2000)}
    assert all(len(c) == JOIN_CODE_LENGTH == 6 for c in generated)
    assert all(set(c) <= set(JOIN_CODE_ALPHABET) for c in generated)
    assert all(is_well_formed(c) for c in generated)
    assert len(generated) > 1990  # random, not a counter
    # every character of the alphabet turns up somewhere
    assert set("".join(generated)) == set(JOIN_CODE_ALPHABET)


def test_display_code_puts_a_dash_in_the_middle():
    assert display_code("K7Q4MX") == "K7Q-4MX"
    assert display_code("SHORT") == "SHORT"


@pytest.mark.parametrize(
    "typed",
    [
        "K7Q4MX",
        "k7q4mx",
        "K7Q-4MX",
        "k7q-4mx",
        " K7Q 4MX ",
        "K7Q - 4MX",
        "K-7-Q-4-M-X",
        "k7q_4mx",
        "K7Q.4MX",
        "\tK7Q4MX\n",
        "K7Q\u20134MX",  # an en dash, as phones' smart punctuation types it
        "K7Q\u20144MX",  # an em dash
        "\uff2b\uff17\uff31\uff14\uff2d\uff38",  # full-width characters
    ],
)
def test_normalise_forgives_case_spaces_and_dashes(typed):
    assert normalise_join_code(typed) == "K7Q4MX"
    assert is_well_formed(normalise_join_code(typed))


@pytest.mark.parametrize("typed", ["", "   ", "K7Q4M", "K7Q4MXX", "K7Q4M0", "K7Q4MO", "K7Q4M1"])
def test_malformed_codes_are_not_well_formed(typed):
    assert not is_well_formed(normalise_join_code(typed))


def test_normalise_bounds_its_output():
    assert len(normalise_join_code("A" * 100_000)) <= 32
    assert normalise_join_code(None) == ""  # type: ignore[arg-type]


# ---- facilitator keys -----------------------------------------------------------------


def test_facilitator_key_has_at_least_128_random_bits():
    keys = [new_facilitator_key() for _ in range(200)]
    assert all(random_bits(k) >= 128 for k in keys)
    assert len(set(keys)) == len(keys)
    assert all(
        set(k) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
        for k in keys
    )  # URL-safe


def test_facilitator_key_is_stored_as_a_hash():
    key = new_facilitator_key()
    stored = hash_facilitator_key(key)
    assert stored == hashlib.sha256(key.encode()).hexdigest()
    assert key not in stored and len(stored) == 64


def test_facilitator_key_matches_only_the_right_key():
    key = new_facilitator_key()
    stored = hash_facilitator_key(key)
    assert facilitator_key_matches(key, stored)
    for wrong in [None, "", key[:-1], key + "x", key.upper(), new_facilitator_key(), stored]:
        assert not facilitator_key_matches(wrong, stored)


def test_facilitator_key_is_compared_in_constant_time(monkeypatch):
    calls: list[tuple[object, object]] = []
    real = hmac.compare_digest

    def spy(a, b):
        calls.append((a, b))
        return real(a, b)

    monkeypatch.setattr(codes.hmac, "compare_digest", spy)
    key = new_facilitator_key()
    stored = hash_facilitator_key(key)
    assert facilitator_key_matches(key, stored)
    assert not facilitator_key_matches("wrong-key", stored)
    assert calls == [(stored, stored), (hash_facilitator_key("wrong-key"), stored)]


# ---- participant tokens ---------------------------------------------------------------


def test_participant_token_has_at_least_128_random_bits_and_is_plausible():
    tokens = [new_participant_token(b"installation-secret") for _ in range(200)]
    assert all(random_bits(t[:22]) >= 128 for t in tokens)  # then 22 characters of signature
    assert all(is_plausible_token(t) for t in tokens)
    assert len(set(tokens)) == len(tokens)


def test_only_tokens_this_installation_minted_are_issued():
    secret = b"installation-secret"
    token = new_participant_token(secret)
    assert is_issued_token(token, secret)
    assert not is_issued_token(token, b"another-installation")
    flipped = token[:-1] + ("A" if token[-1] != "A" else "B")
    assert not is_issued_token(flipped, secret)
    assert not is_issued_token(token[:22] + token[:22], secret)
    made_up = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQR"  # the right shape, not signed
    assert is_plausible_token(made_up) and not is_issued_token(made_up, secret)
    assert not is_issued_token(None, secret) and not is_issued_token(token + "x", secret)


@pytest.mark.parametrize(
    "token",
    [
        None,
        "",
        "short",
        "x" * 65,
        "has space in it here",
        "<script>alert(1)</script>",
        "abc'; DROP TABLE answers; --",
        "é" * 20,
        "a" * 15 + "\n",
    ],
)
def test_implausible_tokens(token):
    assert not is_plausible_token(token)


def test_token_hash_is_keyed_hmac_sha256_and_session_scoped():
    secret = b"installation-secret"
    token = new_participant_token(secret)
    hashed = hash_participant_token(token, session_id=3, secret=secret)
    expected = hmac.new(secret, f"3:{token}".encode(), hashlib.sha256).hexdigest()
    assert hashed == expected
    assert token not in hashed and len(hashed) == 64
    # same inputs, same hash: a reload finds the same participant
    assert hash_participant_token(token, session_id=3, secret=secret) == hashed
    # another session: unlinkable
    assert hash_participant_token(token, session_id=4, secret=secret) != hashed
    # another installation's secret: unlinkable, and not a plain hash of the token
    assert hash_participant_token(token, session_id=3, secret=b"other") != hashed
    assert hashed != hashlib.sha256(f"3:{token}".encode()).hexdigest()
