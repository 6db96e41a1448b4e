"""What a username may be: one rule for every way a user is created (the API, the view
statistics sign-up, the admin, a first GitHub login).

A name is NFKC-normalised (as Django compares them), then refused when it
- holds an invisible, control, format or bidirectional-control character (zero-width spaces,
  right-to-left overrides, ...) or anything but letters, digits and `.@+-_`;
- mixes scripts (`Аdmin` with a Cyrillic `А`): `confusable_homoglyphs` decides, from Unicode's
  script and confusables data;
- is not plain ASCII and, its look-alike letters read as Latin ones, names an existing user
  (`асе` in Cyrillic next to an `ace`).
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from confusable_homoglyphs import categories, confusables
from django.core.exceptions import ValidationError

from core.errors import InvalidArgument

MAX_LENGTH = 150
_ALLOWED = re.compile(r"^[\w.@+-]+\Z")
# Unicode general categories that draw nothing or steer the text: control, format (zero-width,
# bidi overrides and isolates), private use, surrogates, unassigned, separators.
_INVISIBLE = {"Cc", "Cf", "Co", "Cs", "Cn", "Zl", "Zp", "Zs"}


# For the API schema: the ASCII part of the rule (names in one other script are accepted too).
USERNAME_SCHEMA = {
    "type": "string",
    "minLength": 1,
    "maxLength": MAX_LENGTH,
    "pattern": r"^[A-Za-z0-9_.@+-]+$",
    "description": "letters of one script, digits and .@+-_ (NFKC-normalised)",
}


def password_schema() -> dict:
    """The API schema of a new password: at least the configured minimum length (the registry
    default is stated; admins may raise it), not entirely digits, not a common password."""
    from core.registry import definition

    minimum = definition("security.password_min_length").default_value()
    return {
        "type": "string",
        "minLength": minimum,
        "maxLength": 1024,
        "pattern": r"^[\s\S]*[^0-9][\s\S]*$",
        "description": f"at least security.password_min_length characters (default {minimum}), "
        "not entirely digits, not a common password, not like the username",
    }


def username_normalize(raw: str) -> str:
    return unicodedata.normalize("NFKC", raw or "")


@lru_cache(maxsize=4096)
def _latin_lookalike(char: str) -> str:
    if char.isascii():
        return char
    for found in confusables.is_confusable(char, greedy=True, preferred_aliases=["latin"]) or []:
        for glyph in found["homoglyphs"]:
            text = glyph["c"]
            if text and all(categories.alias(c) in ("LATIN", "COMMON") for c in text):
                return text
    return char


def username_skeleton(name: str) -> str:
    """The name with each letter that looks like a Latin one replaced by it, case-folded."""
    return "".join(_latin_lookalike(char) for char in name).casefold()


def username_clean(raw: str, *, field: str = "username") -> str:
    """The normalised name, or InvalidArgument (422) saying why it is refused."""
    name = username_normalize(raw)
    if not name or len(name) > MAX_LENGTH:
        raise InvalidArgument(
            f"A username has 1 to {MAX_LENGTH} characters.", field=field, code="username"
        )
    if any(unicodedata.category(char) in _INVISIBLE for char in name):
        raise InvalidArgument(
            "A username may not contain invisible, control or direction-changing characters.",
            field=field,
            code="username_invisible",
        )
    if not _ALLOWED.match(name):
        raise InvalidArgument(
            "A username holds only letters, digits and . @ + - _",
            field=field,
            code="username",
        )
    if confusables.is_mixed_script(name):
        raise InvalidArgument(
            "A username may not mix scripts (such as Latin and Cyrillic letters).",
            field=field,
            code="username_confusable",
        )
    return name


def username_lookalike_taken(name: str) -> bool:
    """A non-ASCII name that reads as an existing user's name."""
    if name.isascii():
        return False
    from .models import User

    skeleton = username_skeleton(name)
    return skeleton != name.casefold() and User.objects.filter(username__iexact=skeleton).exists()


def validate_username(value: str) -> None:
    """The model field's validator: the admin's forms and allauth's sign-ups run it."""
    try:
        username_clean(value)
    except InvalidArgument as exc:
        raise ValidationError(exc.message, code=exc.code) from None
