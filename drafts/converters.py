"""Path converters: what an id in an address may look like."""

from __future__ import annotations

from django.urls import register_converter

from drafts.values import MAX_ID, parse_id


class IdConverter:
    """``<id:name>``: a draft number or a row id, ASCII digits within a database id's range.

    Django's ``<int:...>`` takes any length of digits, so an address with a number past a 64-bit id
    reached the database and overflowed (a 500); here it does not match, which is a 404.
    """

    regex = f"[0-9]{{1,{len(str(MAX_ID))}}}"

    def to_python(self, value: str) -> int:
        number = parse_id(value)
        if number is None:
            raise ValueError(f"not an id: {value!r}")  # Django reads this as "no match"
        return number

    def to_url(self, value: int | str) -> str:
        number = parse_id(str(value))
        if number is None:
            raise ValueError(f"not an id: {value!r}")
        return str(number)


# Registered once, here, for every URLconf that imports this module (the pages and the API).
register_converter(IdConverter, "id")  # every number in an address: a draft number, a version or comment id
