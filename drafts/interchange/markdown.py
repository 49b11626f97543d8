"""Markdown in and out: the interchange format of DESIGN.md (parse, export, write back)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from drafts.interchange.ooxml import _XML_INVALID
from drafts.numbering import display_number, split_leading_number
from drafts.values import HEADING_MAX_LENGTH, KEY_PATTERN, ExportSection

# A file with more sections is refused when it is read (and again when a preview is applied). Our real
# documents have 140-200; at 2,000 an upload's preview takes 2.3 s and applying it 7.8 s (10,000 took 26 s
# and 62 s, inside the request).
MAX_SECTIONS = 2000


class ImportError_(ValueError):
    """The file cannot be imported; the message says where and why."""


@dataclass
class ParsedSection:
    heading: str
    depth: int  # 0 for a top-level (##) section
    key: str = ""
    number: str | None = None
    body_lines: list[str] = field(default_factory=list)
    line: int = 0

    @property
    def body(self) -> str:
        return "\n".join(self.body_lines).strip("\n")


@dataclass
class ParsedDocument:
    title: str
    sections: list[ParsedSection]

    @property
    def any_numbered(self) -> bool:
        return any(s.number for s in self.sections)

    def numbered(self, section: ParsedSection) -> bool:
        """A section is numbered if its heading carried a number; in a file without any numbers, all are."""
        return bool(section.number) or not self.any_numbered


_HEADING = re.compile(r"^(#{1,6})[ \t]+(.*?)[ \t]*#*[ \t]*$")
_KEY = re.compile(r"\s*\{#([^}]*)\}\s*$")
_FENCE = re.compile(r"^\s*(```|~~~)")


def refuse_control_characters(text: str) -> None:
    """Raise :class:`ImportError_` naming the first control character in ``text`` and its line, if there is one.

    Refused are the C0 controls but tab, line feed and carriage return, and U+FFFE / U+FFFF: what XML 1.0
    cannot hold, so a section could not go to Word or a workbook, and what Django's form fields refuse
    (NUL), so a file could pass its preview and fail when applied.
    """
    match = _XML_INVALID.search(text)
    if match:
        # Numbered as parse_markdown numbers lines (str.splitlines); the "x" makes a line of the text before.
        line = len((text[: match.start()] + "x").splitlines())
        raise ImportError_(
            f"the file contains a control character (U+{ord(match.group()):04X}) on line {line}; it is not plain text."
        )


def parse_markdown(text: str) -> ParsedDocument:
    """Read a document from interchange Markdown; raise :class:`ImportError_` on a malformed file.

    Also refused: a control character (:func:`refuse_control_characters`) and more than
    :data:`MAX_SECTIONS` sections, however long the file.
    """
    refuse_control_characters(text)
    title: str | None = None
    sections: list[ParsedSection] = []
    keys: dict[str, int] = {}
    in_fence = False
    beyond = 0  # sections past MAX_SECTIONS: only counted, so the message can say how many
    for line_number, line in enumerate(text.splitlines(), start=1):
        if _FENCE.match(line):
            in_fence = not in_fence
        match = None if in_fence else _HEADING.match(line)
        if beyond:
            beyond += match is not None and len(match.group(1)) > 1
            continue
        if match is None:
            if sections:
                sections[-1].body_lines.append(line)
            elif line.strip() and title is None:
                raise ImportError_(f"line {line_number}: text before the document title (a '# Title' line).")
            elif sections == [] and title is not None and line.strip():
                raise ImportError_(f"line {line_number}: text between the title and the first section heading.")
            continue
        level, heading = len(match.group(1)), match.group(2)
        if level == 1:
            if title is not None:
                raise ImportError_(f"line {line_number}: a second document title ('# ...'); sections start at '##'.")
            title = heading.strip()
            continue
        if title is None:
            raise ImportError_(f"line {line_number}: the file must start with the document title ('# Title').")
        if len(sections) == MAX_SECTIONS:
            beyond = 1
            continue
        depth = level - 2
        previous_depth = sections[-1].depth if sections else -1
        if depth > previous_depth + 1:
            raise ImportError_(
                f"line {line_number}: heading level {level} skips a level after level {previous_depth + 2}."
            )
        key = ""
        key_match = _KEY.search(heading)
        if key_match:
            key, heading = key_match.group(1), heading[: key_match.start()]
            if not re.match(KEY_PATTERN, key):
                raise ImportError_(f"line {line_number}: the key {{#{key}}} may only use a-z, 0-9, '-' and '_'.")
            if key in keys:
                raise ImportError_(f"line {line_number}: the key {{#{key}}} is used twice (first on line {keys[key]}).")
            keys[key] = line_number
        number, heading = split_leading_number(heading)
        if not heading:
            raise ImportError_(f"line {line_number}: empty heading.")
        if len(heading) > HEADING_MAX_LENGTH:
            raise ImportError_(f"line {line_number}: heading longer than {HEADING_MAX_LENGTH} characters.")
        sections.append(ParsedSection(heading=heading, depth=depth, key=key, number=number, line=line_number))
    if beyond:
        raise ImportError_(
            f"the file has {MAX_SECTIONS + beyond:,} sections; at most {MAX_SECTIONS:,} can be imported at once."
        )
    if title is None:
        raise ImportError_("the file has no document title ('# Title').")
    if not sections:
        raise ImportError_("the file has no section headings ('## Section').")
    return ParsedDocument(title=title, sections=sections)


def numbered_heading(section: ExportSection, scheme: str, language: str = "en") -> str:
    """The heading as the interchange format writes it: "Principle 7: Dignity", "7.3 Access", "Introduction".

    :func:`parse_markdown` reads the number back off (``split_leading_number``), so the text stays
    the heading and the number stays derived.
    """
    shown = display_number(section.number, section.depth, scheme, language)
    if shown and "." not in section.number:
        # "Principle 7:" and "7." are read back as numbers; a bare "7" would not be.
        shown += ":" if shown != section.number else "."
    return f"{shown} {section.heading}" if shown else section.heading


def export_markdown(title: str, sections: list[ExportSection], scheme: str, *, language: str = "en") -> str:
    """Write a document as interchange Markdown, every heading carrying its number and ``{#key}``."""
    out = [f"# {title}", ""]
    for section in sections:
        out.append(f"{'#' * (section.depth + 2)} {numbered_heading(section, scheme, language)} {{#{section.key}}}")
        out.append("")
        if section.body.strip():
            out.append(section.body.strip("\n"))
            out.append("")
    return "\n".join(out)


def parsed_as_markdown(parsed: ParsedDocument) -> str:
    """Write a parsed document back as interchange Markdown that :func:`parse_markdown` reads the same.

    An import preview carries this text to the "apply" step, so a Word file is converted once.
    """
    out = [f"# {parsed.title}", ""]
    for section in parsed.sections:
        heading = f"{section.number}. {section.heading}" if section.number else section.heading
        key = f" {{#{section.key}}}" if section.key else ""
        out += [f"{'#' * (section.depth + 2)} {heading}{key}", ""]
        if section.body.strip():
            out += [section.body, ""]
    return "\n".join(out)
