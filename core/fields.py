"""The project's one encrypted field type (text and JSON), on the MultiFernet keyring.

Values are encrypted on save and decrypted on load; a value no key can decrypt raises
`DecryptionError` instead of leaking ciphertext. Encrypted columns cannot be filtered on.
`manage.py rotate_encryption_keys` re-encrypts every such column with the primary key.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models.lookups import Lookup

from core import crypto

if TYPE_CHECKING:  # Django's fields are generic only in its stubs
    _TextField = models.TextField[Any, Any]
else:
    _TextField = models.TextField


class EncryptedTextField(_TextField):
    description = "Text encrypted at rest with the project keyring"
    if TYPE_CHECKING:  # what the model attribute takes and gives (text, or any JSON value)
        _pyi_private_set_type: Any
        _pyi_private_get_type: Any

    def get_internal_type(self) -> str:
        return "TextField"

    def _label(self) -> str:
        model = getattr(self, "model", None)
        return f"{model._meta.label}.{self.name}" if model else "value"

    def to_python(self, value: Any) -> Any:
        return value

    def from_db_value(
        self, value: str | None, expression: Any, connection: BaseDatabaseWrapper
    ) -> Any:
        if value is None:
            return None
        return self.decode(crypto.decrypt(value, label=self._label()))

    def get_prep_value(self, value: Any) -> str | None:
        if value is None:
            return None
        return crypto.encrypt(self.encode(value))

    def get_db_prep_save(self, value: Any, connection: BaseDatabaseWrapper) -> str | None:
        return self.get_prep_value(value)

    def get_lookup(self, lookup_name: str) -> type[Lookup[Any]] | None:
        if lookup_name not in ("isnull",):
            return None
        return super().get_lookup(lookup_name)

    # text ↔ stored plaintext
    def encode(self, value: Any) -> str:
        return str(value)

    def decode(self, plaintext: str) -> Any:
        return plaintext


class EncryptedJSONField(EncryptedTextField):
    description = "JSON encrypted at rest with the project keyring"

    def encode(self, value: Any) -> str:
        return json.dumps(value, cls=DjangoJSONEncoder, separators=(",", ":"))

    def decode(self, plaintext: str) -> Any:
        return json.loads(plaintext)

    def value_to_string(self, obj: models.Model) -> str:
        return self.encode(self.value_from_object(obj))


ENCRYPTED_FIELD_TYPES = (EncryptedTextField,)
