"""Phone numbers as written by people and operators, in E.164.

In core because every module that holds a number (comms events, the line
register, person records) must store it the same way to compare it.
"""

from __future__ import annotations

import re
from functools import lru_cache

import phonenumbers

DEFAULT_REGION = "GB"
_SEPARATORS = re.compile(r"[\s\-\.\(\)\[\]/]")
_TRUNK_IN_BRACKETS = re.compile(r"\(0\)")


@lru_cache(maxsize=2_000_000)
def e164(raw: str, region: str = DEFAULT_REGION) -> str | None:
    """The E.164 form of a phone number as written, or None if it is not one.

    Accepts '07700 900123', '+44 (0)7700900123', '447700900123', '0044 7700 900123'
    and international numbers with their + or 00.
    """
    text = _TRUNK_IN_BRACKETS.sub("", raw.strip())
    text = _SEPARATORS.sub("", text)
    if not text:
        return None
    if text.startswith("00"):
        text = "+" + text[2:]
    elif text.startswith("44") and len(text) == 12 and text.isdigit():
        text = "+" + text  # the international form without its +
    if not (text.lstrip("+").isdigit()):
        return None
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_possible_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
