"""Rules for contact details, shared by the models and the PII lint.

Why a module of its own: a wrong phone number is as serious as a crash, so one set
of rules decides what a valid UK number, text short code, email or web address is.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import phonenumbers
from phonenumbers import shortnumberinfo

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[A-Za-z]{2,}$")
_SHORT_CODE = re.compile(r"^\d{5,6}$")


def normalise_phone(value: str) -> str:
    """Digits only, so '116 123' and '116123' compare equal."""
    return re.sub(r"\D", "", value)


def is_valid_uk_phone(value: str) -> bool:
    """True for a dialable UK number: a full number, or a short number such as 111 or 116 123."""
    if not re.fullmatch(r"[0-9 +()-]+", value):
        return False
    try:
        parsed = phonenumbers.parse(value, "GB")
    except phonenumbers.NumberParseException:
        return False
    if phonenumbers.is_valid_number(parsed):
        return True
    return bool(shortnumberinfo.is_valid_short_number(parsed))


def check_channel_value(kind: str, value: str, *, keyword: str | None = None) -> None:
    """Raise ``ValueError`` with a plain message when ``value`` is not valid for ``kind``."""
    if kind == "phone":
        if not is_valid_uk_phone(value):
            msg = (
                f"{value!r} is not a valid UK phone number (expected e.g. '0300 123 4567' "
                "or a short number such as '111')"
            )
            raise ValueError(msg)
    elif kind == "text":
        digits = value.replace(" ", "")
        if not (_SHORT_CODE.fullmatch(digits) or is_valid_uk_phone(value)):
            msg = f"{value!r} is not a UK text short code or mobile number"
            raise ValueError(msg)
        if keyword is None:
            msg = "a text channel needs the keyword to send"
            raise ValueError(msg)
    elif kind == "email":
        if not _EMAIL.fullmatch(value):
            msg = f"{value!r} is not an email address"
            raise ValueError(msg)
    elif kind == "web":
        parts = urlsplit(value)
        if parts.scheme != "https" or not parts.netloc:
            msg = f"{value!r} is not an https:// web address"
            raise ValueError(msg)
