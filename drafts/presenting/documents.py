"""A draft's page furniture for its circulated files: one place, so the download and ``export_draft`` agree."""

from __future__ import annotations

import zoneinfo

from django.conf import settings
from django.utils import timezone, translation

from drafts.interchange.page import PageFurniture, language_code
from drafts.models import Draft


def draft_furniture(draft: Draft) -> PageFurniture:
    """The symbol, title, label, date and language a draft's Word and PDF files carry.

    The label ("Draft 3 (First draft)") is in the text's language, whatever language the reader's
    pages are in, as the section numbers are ("Principle 7"); the date is the day the draft was frozen
    in the document's time zone; "Original:" names the text's language in English, as UN documents do.
    """
    document = draft.document
    code = language_code(document.language)
    with translation.override(code):
        label = draft.title
    return PageFurniture(
        symbol=document.symbol,
        title=document.title,
        label=label,
        date=timezone.localtime(draft.frozen_at, zoneinfo.ZoneInfo(document.time_zone)),
        author=settings.SITE_NAME,
        language=document.language,
        # "Chinese", not Django's "Simplified Chinese": the original names the language, not its script.
        original=translation.get_language_info(code)["name"].removeprefix("Simplified ").removeprefix("Traditional "),
    )
