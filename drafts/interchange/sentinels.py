"""The sentinel characters that carry tracked changes through pandoc, and the text cleaning that protects them.

A tracked-changes export brackets every inserted or deleted run of Markdown with these characters
(``_INS_OPEN`` ... ``_INS_CLOSE``, ``_DEL_OPEN`` ... ``_DEL_CLOSE``), marks an inserted or deleted
paragraph end with ``_INS_MARK`` / ``_DEL_MARK``, and writes a line break inside a table cell as
``_LINE_BREAK``. They are Unicode noncharacters (U+FDD0...), which the standard reserves for a
program's internal use: unlike private-use characters (icon fonts, some CJK systems) nobody types
them. Any that turn up in user text are replaced (U+FFFD) first by :func:`_clean_text`, so text
cannot forge a change. ``_EQUAL``, ``_INSERTED``, ``_DELETED`` and ``_SEPARATOR`` are the kinds of
the merged pieces, shared by the hunk, emitting and Word XML code.
"""

from __future__ import annotations

import re

_INS_OPEN, _INS_CLOSE, _DEL_OPEN, _DEL_CLOSE = "\ufdd0", "\ufdd1", "\ufdd2", "\ufdd3"
_INS_MARK, _DEL_MARK = "\ufdd4", "\ufdd5"  # "the line break after this paragraph was inserted / deleted"
_LINE_BREAK = "\ufdd6"  # a line break inside a table cell (pipe tables cannot hold one)
# "A Word comment goes here": _COMMENT_OPEN, its number, _COMMENT_CLOSE (see word.markdown_to_docx).
_COMMENT_OPEN, _COMMENT_CLOSE = "\ufdd7", "\ufdd8"
_OUR_CHARACTERS = re.compile("[\ufdd0-\ufdd8]")
_SENTINEL = re.compile("[\ufdd0-\ufdd5]")

_EQUAL, _INSERTED, _DELETED, _SEPARATOR = 0, 1, 2, 3
_OPEN = {_INSERTED: _INS_OPEN, _DELETED: _DEL_OPEN}
_CLOSE = {_INSERTED: _INS_CLOSE, _DELETED: _DEL_CLOSE}
_MARK = {_INSERTED: _INS_MARK, _DELETED: _DEL_MARK}


def _clean_text(text: str) -> str:
    """User text with line ends as ``\\n`` and any of our sentinels replaced (U+FFFD), so it cannot forge a change."""
    return _OUR_CHARACTERS.sub("\ufffd", text.replace("\r\n", "\n").replace("\r", "\n"))
