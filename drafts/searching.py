"""What a person typed into the search box, read once, and the excerpts a result shows.

Pure functions over strings (no ORM, no request), so the same reading feeds PostgreSQL's full-text
search and SQLite's FTS5 and can be tested on its own.

The query language is the one people know from web search engines:

- words are all required: ``detention children`` finds texts with both (stemmed by the engine:
  "migrants" finds "migrant" where the document's language has a stemmer);
- ``"quoted words"`` are a phrase;
- ``-word`` (or ``-"a phrase"``) leaves out texts that have it;
- ``OR`` (in capitals) between words or groups: ``detention OR custody``.

Anything else (other punctuation, SQL, FTS operators such as ``NEAR`` or ``*``) is read as text, never
as syntax: each term is reduced to its words (letters, digits and combining marks, in any script) and
passed to the engine quoted. Chinese, Japanese and Korean are written without spaces between words,
which neither engine's tokenizer splits, so a term in those scripts is matched as a substring
(:attr:`Query.substrings`) instead.
"""

from __future__ import annotations

import html
import re
import unicodedata
from dataclasses import dataclass

MAX_QUERY_CHARS = 500
MAX_TERMS = 16
EXCERPT_WORDS = 36

# Markers the engines put around matched words (and :func:`mark_substrings` too); never in indexed text.
START, STOP = "\x02", "\x03"

_TERM = re.compile(r'(-?)"([^"]*)"?|(\S+)')
# Typographic quotes (what a word processor or a phone types) open and close a phrase as '"' does.
_QUOTES = str.maketrans({q: '"' for q in "“”„‟«»「」"})
_CJK = re.compile("[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uac00-\ud7af\U00020000-\U0002ffff]")


class QueryError(ValueError):
    """A query that cannot be searched; ``code`` says why (``empty``, ``too_long``, ``characters``,
    ``only_excluded``, ``too_many``)."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


@dataclass(frozen=True)
class Term:
    """One required or excluded word or phrase, as the words it is made of."""

    words: tuple[str, ...]
    excluded: bool = False

    @property
    def is_substring(self) -> bool:
        return any(_CJK.search(word) for word in self.words)


@dataclass(frozen=True)
class Query:
    """A parsed query: alternatives (``OR``), each a list of terms that must all hold."""

    alternatives: tuple[tuple[Term, ...], ...]
    substrings: tuple[str, ...] = ()  # CJK terms, each required as it is written (case folded)

    @property
    def has_words(self) -> bool:
        """Whether the engine's full-text match has anything to do (else only substrings)."""
        return bool(self.alternatives)

    def websearch(self) -> str:
        """The query in PostgreSQL's ``websearch_to_tsquery`` syntax, from words alone."""
        return " or ".join(" ".join(_websearch_term(t) for t in group) for group in self.alternatives)

    def fts5(self) -> str:
        """The query as an SQLite FTS5 expression: every term a quoted string of words, so nothing
        typed is read as FTS5 syntax."""
        groups = []
        for group in self.alternatives:
            required = " ".join(_quoted(t) for t in group if not t.excluded)
            excluded = "".join(f" NOT {_quoted(t)}" for t in group if t.excluded)
            groups.append(f"({required}{excluded})")
        return " OR ".join(groups)


def parse(text: str) -> Query:
    """Read a query, or raise :class:`QueryError`.

    Refuses control characters (NUL among them), more than :data:`MAX_QUERY_CHARS` characters or
    :data:`MAX_TERMS` terms, a query with no words, and one with an alternative that only excludes.
    """
    if len(text) > MAX_QUERY_CHARS:
        raise QueryError("too_long")
    if any(unicodedata.category(c) in ("Cc", "Cs") and c not in "\t\n\r" for c in text):
        raise QueryError("characters")
    alternatives: list[list[Term]] = [[]]
    substrings: list[str] = []
    count = 0
    for match in _TERM.finditer(unicodedata.normalize("NFC", text).translate(_QUOTES)):
        excluded_phrase, phrase, bare = match.groups()
        if bare == "OR":
            if alternatives[-1]:
                alternatives.append([])
            continue
        excluded = bool(excluded_phrase) if phrase is not None else bool(bare) and bare.startswith("-")
        raw = phrase if phrase is not None else bare.lstrip("-")
        term = Term(tuple(_words(raw)), excluded)
        if not term.words:
            continue
        count += 1
        if count > MAX_TERMS:
            raise QueryError("too_many")
        if term.is_substring:
            if not term.excluded:
                substrings.append(" ".join(term.words).casefold())
            continue
        alternatives[-1].append(term)
    groups = tuple(tuple(group) for group in alternatives if group)
    if not groups and not substrings:
        raise QueryError("empty")
    if any(all(t.excluded for t in group) for group in groups):
        raise QueryError("only_excluded")  # "-word" on its own: neither engine starts from everything
    return Query(groups, tuple(substrings))


def _words(text: str) -> list[str]:
    """The words of ``text``: runs of letters, digits and combining marks (any script)."""
    words, current = [], []
    for char in text:
        if unicodedata.category(char)[0] in "LNM":
            current.append(char)
        elif current:
            words.append("".join(current))
            current = []
    if current:
        words.append("".join(current))
    return words


def _quoted(term: Term) -> str:
    return '"' + " ".join(term.words) + '"'  # words hold no quote: see _words


def _websearch_term(term: Term) -> str:
    text = " ".join(term.words)
    text = f'"{text}"' if len(term.words) > 1 else text
    return f"-{text}" if term.excluded else text


def mark_substrings(text: str, substrings: tuple[str, ...]) -> str:
    """``text`` with every case-insensitive occurrence of each substring between :data:`START` and
    :data:`STOP` (for the CJK terms the engines do not highlight)."""
    if not substrings:
        return text
    pattern = re.compile("|".join(re.escape(s) for s in sorted(substrings, key=len, reverse=True)), re.IGNORECASE)
    return pattern.sub(lambda m: f"{START}{m.group(0)}{STOP}", text)


@dataclass(frozen=True)
class Excerpt:
    """Where the first match of a result is, and the words around it."""

    block: int  # the blank-line separated block of the indexed text holding the first match (0 = first)
    html: str  # escaped text with the matches in <mark>, "…" where it was cut


def excerpt(marked: str, *, words: int = EXCERPT_WORDS, titled: bool = False) -> Excerpt:
    """The block (of the blank-line separated blocks of ``marked``) that holds the first match, cut to
    about ``words`` words around it, escaped, with each match in ``<mark>``. With no marker in ``marked``
    (the engine matched on what it does not highlight), the start of the first block. ``titled``: the
    first block is a heading, shown anyway, so a match in a later block is preferred to one in it."""
    blocks = marked.split("\n\n")
    marked_blocks = [i for i, b in enumerate(blocks) if START in b]
    if titled and len(marked_blocks) > 1 and marked_blocks[0] == 0:
        marked_blocks.pop(0)
    block = marked_blocks[0] if marked_blocks else 0
    tokens = blocks[block].split()
    first = next((i for i, t in enumerate(tokens) if START in t), 0)
    start = max(0, min(first - words // 3, len(tokens) - words))
    shown = tokens[start : start + words]
    text = " ".join(shown)
    # A match cut off by the window still closes (or opens) its <mark>.
    if text.count(START) > text.count(STOP):
        text += STOP
    if text.count(STOP) > text.count(START):
        text = START + text
    escaped = html.escape(text).replace(START, "<mark>").replace(STOP, "</mark>")
    if start > 0:
        escaped = "… " + escaped
    if start + words < len(tokens):
        escaped += " …"
    return Excerpt(block, escaped)
