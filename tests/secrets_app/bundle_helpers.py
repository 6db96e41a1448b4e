"""Reading and writing secrets bundles as an outside tool would: the documented format
(scrypt-derived Fernet key over the JSON payload), without the service's code."""

from __future__ import annotations

import base64
import json
import os

from cryptography.fernet import Fernet
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt


def _fernet(passphrase: str, kdf: dict) -> Fernet:
    derived = Scrypt(
        salt=base64.b64decode(kdf["salt"]), length=32, n=kdf["n"], r=kdf["r"], p=kdf["p"]
    ).derive(passphrase.encode())
    return Fernet(base64.urlsafe_b64encode(derived))


def bundle_open(bundle: bytes, passphrase: str) -> dict:
    outer = json.loads(bundle)
    return json.loads(_fernet(passphrase, outer["kdf"]).decrypt(outer["ciphertext"].encode()))


def bundle_seal(payload: dict, passphrase: str) -> bytes:
    kdf = {"name": "scrypt", "n": 2**14, "r": 8, "p": 1, "salt": base64.b64encode(os.urandom(16))}
    kdf["salt"] = kdf["salt"].decode()
    token = _fernet(passphrase, kdf).encrypt(json.dumps(payload).encode())
    return json.dumps(
        {
            "format": "platform-secrets-bundle",
            "version": 2,
            "kdf": kdf,
            "ciphertext": token.decode(),
        }
    ).encode()


def invariant_breakers(payload: dict) -> list[str]:
    """Paths whose kept versions are not all within oldest_version..current_version."""
    return [
        item["path"]
        for item in payload["secrets"]
        if item["versions"]
        and (
            max(v["version"] for v in item["versions"]) > item["current_version"]
            or min(v["version"] for v in item["versions"]) < item["oldest_version"]
        )
    ]
