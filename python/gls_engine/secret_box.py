"""Provider keys encrypted for storage: AES-256-GCM (the `cryptography` library).

The key comes from GLS_SECRET_KEY (32 bytes, URL-safe base64: what
`SecretBox.new_key()` prints), or else from `secret.key` in the data dir,
created with mode 0600 on first use. Each sealed value is
`v1:` + base64(12-byte random nonce + ciphertext + tag), bound to a context
(e.g. "judge-provider:myproject") as associated data, so a value copied to
another row does not open. A key, open or sealed, is never given back by the
API: only `key_hint` ("sk-...abcd").

Errors never carry key material: neither the master key, nor the secret, nor
the sealed text.
"""

from __future__ import annotations

import base64
import binascii
import os
from collections.abc import Mapping
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

KEY_ENV = "GLS_SECRET_KEY"
KEY_FILE = "secret.key"
KEY_BYTES = 32
NONCE_BYTES = 12
VERSION = "v1:"


class SecretBoxError(Exception):
    """A key that cannot be read, or a sealed value that does not open."""


def _decode_key(text: str, source: str) -> bytes:
    try:
        key = base64.urlsafe_b64decode(text.strip().encode("ascii"))
    except (binascii.Error, UnicodeEncodeError, ValueError):
        raise SecretBoxError(f"{source} is not URL-safe base64") from None
    if len(key) != KEY_BYTES:
        raise SecretBoxError(f"{source} must decode to {KEY_BYTES} bytes")
    return key


def _key_from_file(path: Path) -> bytes:
    """The key file's key, written (0600, created exclusively) if there is none yet."""
    try:
        return _decode_key(path.read_text(), str(path))
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    encoded = SecretBox.new_key()
    try:
        # O_EXCL: two Studios starting at once on one data dir keep one key.
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return _decode_key(path.read_text(), str(path))
    with os.fdopen(fd, "w") as f:
        f.write(encoded + "\n")
    return _decode_key(encoded, str(path))


class SecretBox:
    def __init__(self, key: bytes) -> None:
        if len(key) != KEY_BYTES:
            raise SecretBoxError(f"the key must be {KEY_BYTES} bytes")
        self._aead = AESGCM(key)

    def __repr__(self) -> str:
        return "SecretBox(<key hidden>)"

    @staticmethod
    def new_key() -> str:
        return base64.urlsafe_b64encode(os.urandom(KEY_BYTES)).decode("ascii")

    @classmethod
    def load(cls, data_dir: Path, environ: Mapping[str, str] | None = None) -> SecretBox:
        """From GLS_SECRET_KEY when set, else from (or into) the data dir's key file."""
        env = os.environ if environ is None else environ
        if env.get(KEY_ENV):
            return cls(_decode_key(env[KEY_ENV], KEY_ENV))
        return cls(_key_from_file(Path(data_dir) / KEY_FILE))

    def encrypt(self, secret: str, context: str) -> str:
        nonce = os.urandom(NONCE_BYTES)
        sealed = self._aead.encrypt(nonce, secret.encode("utf-8"), context.encode("utf-8"))
        return VERSION + base64.urlsafe_b64encode(nonce + sealed).decode("ascii")

    def decrypt(self, token: str, context: str) -> str:
        if not token.startswith(VERSION):
            raise SecretBoxError("not a sealed value of this Studio (no v1: prefix)")
        try:
            raw = base64.urlsafe_b64decode(token[len(VERSION) :].encode("ascii"))
        except (binascii.Error, UnicodeEncodeError, ValueError):
            raise SecretBoxError("the sealed value is not base64") from None
        if len(raw) <= NONCE_BYTES:
            raise SecretBoxError("the sealed value is too short")
        try:
            plain = self._aead.decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:], context.encode())
        except InvalidTag:
            raise SecretBoxError(
                "the sealed value does not open: another key, another context, or altered"
            ) from None
        return plain.decode("utf-8")


def key_hint(secret: str) -> str:
    """What may be shown of a key: its prefix up to a dash (sk-, sk-proj-) and its last
    four characters, and less for short keys: "sk-...abcd"."""
    if len(secret) < 12:
        return "..."
    head, dash, _ = secret[:8].rpartition("-")
    prefix = head + dash if dash else ""
    return f"{prefix}...{secret[-4:]}"
