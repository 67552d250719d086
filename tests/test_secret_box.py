"""The secret box: keys sealed with AES-GCM, the master key from the environment or a
0600 file, nothing secret in errors, and only a hint of a key ever shown."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from gls_engine.secret_box import KEY_ENV, KEY_FILE, SecretBox, SecretBoxError, key_hint

PROVIDER_KEY = "sk-proj-Lq3Wd8Xs7Vb2Hk9Jf4Tn"
CONTEXT = "judge-provider:shop"


def test_round_trip_and_fresh_nonces(tmp_path: Path) -> None:
    box = SecretBox.load(tmp_path, environ={})
    sealed = box.encrypt(PROVIDER_KEY, CONTEXT)
    assert sealed.startswith("v1:") and PROVIDER_KEY not in sealed
    assert box.encrypt(PROVIDER_KEY, CONTEXT) != sealed
    assert box.decrypt(sealed, CONTEXT) == PROVIDER_KEY


def test_the_key_file_is_0600_and_kept(tmp_path: Path) -> None:
    first = SecretBox.load(tmp_path, environ={})
    path = tmp_path / KEY_FILE
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    sealed = first.encrypt(PROVIDER_KEY, CONTEXT)
    # A Studio started again on the same data dir opens what the first one sealed.
    assert SecretBox.load(tmp_path, environ={}).decrypt(sealed, CONTEXT) == PROVIDER_KEY


def test_the_environment_key_wins(tmp_path: Path) -> None:
    key = SecretBox.new_key()
    sealed = SecretBox.load(tmp_path, environ={KEY_ENV: key}).encrypt(PROVIDER_KEY, CONTEXT)
    assert not (tmp_path / KEY_FILE).exists()
    assert (
        SecretBox.load(tmp_path / "other", environ={KEY_ENV: key}).decrypt(sealed, CONTEXT)
        == PROVIDER_KEY
    )
    with pytest.raises(SecretBoxError, match="does not open"):
        SecretBox.load(tmp_path, environ={}).decrypt(sealed, CONTEXT)


def test_bad_keys_and_values_say_so_without_secrets(tmp_path: Path) -> None:
    bad_key = "not-base64-at-all!!" + "x" * 20
    with pytest.raises(SecretBoxError) as refused:
        SecretBox.load(tmp_path, environ={KEY_ENV: bad_key})
    assert KEY_ENV in str(refused.value) and bad_key not in str(refused.value)
    with pytest.raises(SecretBoxError, match="32 bytes"):
        SecretBox.load(tmp_path, environ={KEY_ENV: SecretBox.new_key()[:20]})
    box = SecretBox.load(tmp_path, environ={})
    sealed = box.encrypt(PROVIDER_KEY, CONTEXT)
    tampered = sealed[:-6] + ("A" if sealed[-6] != "A" else "B") + sealed[-5:]
    for token, context in ((sealed, "judge-provider:other"), (tampered, CONTEXT)):
        with pytest.raises(SecretBoxError) as failed:
            box.decrypt(token, context)
        assert PROVIDER_KEY not in str(failed.value) and token not in str(failed.value)
    with pytest.raises(SecretBoxError, match="v1:"):
        box.decrypt(PROVIDER_KEY, CONTEXT)
    assert "hidden" in repr(box)


def test_hints() -> None:
    assert key_hint(PROVIDER_KEY) == "sk-proj-...f4Tn"
    assert key_hint("sk-abcdefghijklmnop") == "sk-...mnop"
    assert key_hint("abcdefghijklmnopqrstuvwxyz") == "...wxyz"
    assert key_hint("short-key") == "..."
