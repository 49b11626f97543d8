"""The page furniture of a circulated document: symbol, running header, first-page block, core properties.

One plain value, :class:`PageFurniture`, describes it for every format: the Word exports
(``drafts.interchange.word``) put it in the reference document pandoc writes with, the PDF
(``drafts.interchange.pdf``) in CSS page boxes. Callers build it from what they may show
(``drafts.presenting.documents``); nothing here knows a model.

A first page in UN form::

                                                    GMG/WG/2026/CRP.1
                                                    Distribution: General
                                                    1 March 2026
                                                    Original: English
    Guidance on migrants in vulnerable situations
    Draft 3 (First draft)
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from django.utils import translation
from django.utils.formats import date_format

# Characters XML (so Word) cannot hold, and the line ends and tabs a one-line field must not have.
_NOT_ONE_LINE = re.compile("[\x00-\x1f\x7f\ufffe\uffff]")


@dataclass(frozen=True)
class PageFurniture:
    symbol: str = ""            # document symbol, e.g. "GMG/WG/2026/CRP.1": first page and running header
    title: str = ""             # core property title
    label: str = ""             # draft label, e.g. "Draft 3" / "First draft"
    date: datetime | None = None  # freeze time (aware); first page shows it as a date in `language`; core property created  # noqa: E501
    author: str = ""            # core property creator (e.g. the working group / site name)
    language: str = "en"        # document language (BCP 47 / Django code); core property language, w:lang
    original: str = ""          # e.g. "English": the "Original: English" line
    distribution: str = "General"  # "Distribution: General" line


def one_line(text: str) -> str:
    """``text`` as a one-line field of the furniture: control characters gone, whitespace runs one space."""
    return " ".join(_NOT_ONE_LINE.sub(" ", text).split())


def first_page_lines(furniture: PageFurniture) -> list[str]:
    """The lines under the symbol on the first page, in order: distribution, date, original (empty ones left out)."""
    lines = []
    if one_line(furniture.distribution):
        lines.append(f"Distribution: {one_line(furniture.distribution)}")
    if furniture.date is not None:
        lines.append(shown_date(furniture.date, furniture.language))
    if one_line(furniture.original):
        lines.append(f"Original: {one_line(furniture.original)}")
    return lines


# Django's date formats per language, but English as UN documents write it ("1 March 2026"), not the
# site's short "1 Mar 2026" (guidance/formats/en) or Django's US "March 1, 2026".
_DATE_FORMATS = {"en": "j F Y"}


def shown_date(moment: datetime, language: str) -> str:
    """The day of ``moment`` (in its own time zone) as the text's language writes a date.

    "1 March 2026", "1 mars 2026", "2026年3月1日", "1 مارس، 2026".
    """
    code = language_code(language)
    with translation.override(code):
        return date_format(moment.date(), _DATE_FORMATS.get(code.split("-")[0], "DATE_FORMAT"))


def language_code(language: str) -> str:
    """The Django language code ("zh-hans", "ar") of a BCP 47 or Django one ("zh-Hans", "ar-SA"); "en" if unknown."""
    code = language.strip().lower().replace("_", "-")
    try:
        return translation.get_supported_language_variant(code) if code else "en"
    except LookupError:
        return "en"


def is_right_to_left(language: str) -> bool:
    """Whether text in ``language`` runs right to left (Arabic, Hebrew, Persian, Urdu ...)."""
    code = language_code(language)
    try:
        return bool(translation.get_language_info(code)["bidi"])
    except KeyError:
        return False


def bcp47(language: str) -> str:
    """The BCP 47 tag Word and HTML expect for a Django code: "zh-hans" becomes "zh-Hans"."""
    parts = language_code(language).split("-")
    return "-".join([parts[0], *(p.title() if len(p) == 4 else p.upper() for p in parts[1:])])
