"""A frozen draft as one standalone, printable HTML page (and, through WeasyPrint, the PDF)."""

from __future__ import annotations

import dataclasses
import re
from html import escape

from drafts.interchange.markdown import ExportSection
from drafts.interchange.page import PageFurniture, bcp47, first_page_lines, is_right_to_left, one_line
from drafts.numbering import anchor_for, display_number
from drafts.rendering import bracket_words, render_markdown

_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff]")

# HTML --------------------------------------------------------------------------------------------

_PRINT_CSS = """
body { font: 11pt/1.45 Georgia, "Times New Roman", serif; max-width: 46em; margin: 2em auto; padding: 0 1em;
       color: #111; }
h1 { font-size: 1.8em; margin-bottom: .2em; }
.draft-label { font-size: 1.1em; color: #444; margin-top: 0; }
h2, h3, h4, h5, h6 { font-family: "Helvetica Neue", Arial, sans-serif; break-after: avoid; page-break-after: avoid; }
.number { font-weight: bold; }
.visually-hidden { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0);
                   white-space: nowrap; }
.bracketed { background: #f3f3f3; }
.bracket-mark { font-weight: bold; }
.option-label { font-style: italic; font-size: .9em; }
.holders { font-size: .85em; margin-inline-start: .2em; }
nav.toc ol { list-style: none; padding-left: 0; }
nav.toc li.depth-1 { padding-left: 1.5em; } nav.toc li.depth-2 { padding-left: 3em; }
nav.toc li.depth-3, nav.toc li.depth-4 { padding-left: 4.5em; }
nav.toc a { color: inherit; text-decoration: none; }
.para { position: relative; }
.para-ref { position: absolute; left: -3em; width: 2.5em; text-align: right; font-size: .75em; color: #888;
            text-decoration: none; padding-top: .25em; }
table { border-collapse: collapse; } th, td { border: 1px solid #999; padding: .2em .5em; }
blockquote { margin-left: 1.5em; padding-left: 1em; border-left: 3px solid #ccc; }
.footnote { font-size: .9em; }
.masthead { text-align: end; font-size: .9em; line-height: 1.3; border-bottom: 1px solid #000;
            padding-bottom: .4em; margin-bottom: 1.5em; }
.masthead p { margin: 0; }
.masthead .symbol { font-size: 1.5em; font-weight: bold; margin-bottom: .3em; string-set: symbol content(); }
[dir="rtl"] .para-ref { left: auto; right: -3em; text-align: left; }
[dir="rtl"] nav.toc li { padding-left: 0; } [dir="rtl"] nav.toc li.depth-1 { padding-right: 1.5em; }
[dir="rtl"] nav.toc li.depth-2 { padding-right: 3em; }
[dir="rtl"] nav.toc li.depth-3, [dir="rtl"] nav.toc li.depth-4 { padding-right: 4.5em; }
@media print {
  body { margin: 0; padding: 0 0 0 3em; max-width: none; }  /* room for the ¶ references */
  [dir="rtl"] body { padding: 0 3em 0 0; }
  h1, h2, h3, h4, h5, h6 { font-family: inherit; color: #000; }
  .draft-label { color: #000; font-weight: bold; }
  nav.toc { break-after: page; page-break-after: always; }
  a { color: inherit; text-decoration: none; }
  section { break-inside: auto; }
}
"""

# The page: A4 with the symbol in the running header (taken from the first page's block, so it is never
# written into CSS) and "N/M" at the foot; the first page has the block itself instead of the header.
# Margin boxes are physical: a right-to-left text has its symbol at the top left, as UN documents do.
_PAGE_CSS = """
@page { size: A4; margin: 25mm 20mm 25mm 25mm;
  @top-%(side)s { content: string(symbol); font: bold 9pt %(fonts)s; vertical-align: bottom; padding-bottom: 3mm; }
  @bottom-center { content: counter(page) "/" counter(pages); font: 9pt %(fonts)s; } }
@page :first { @top-%(side)s { content: none; } }
body { font-family: %(fonts)s; }
"""
# Fonts Debian installs (fonts-dejavu-core, fonts-noto-core) after the ones Word documents name, so a PDF
# made on a server without Microsoft's fonts still has a serif for every script.
_FONTS = ('"Times New Roman", "Liberation Serif", "Noto Serif", "Noto Naskh Arabic", "Noto Serif CJK SC", '
          '"Noto Sans CJK SC", "DejaVu Serif", serif')


def export_html(
    title: str,
    label: str,
    sections: list[ExportSection],
    scheme: str,
    *,
    lang: str = "en",
    furniture: PageFurniture | None = None,
) -> str:
    """A standalone, printable HTML page of a document: title, draft label, contents, numbered sections.

    Each section is ``<section id="{anchor}">`` with the same anchors as the draft page
    (``s-7-3``, paragraphs ``s-7-3-p2``), so a citation such as "7.3 ¶2" points at the same place
    in both; each paragraph shows its ``¶n`` in the margin. Bodies go through
    :func:`drafts.rendering.render_markdown` (the one sanitiser); title, label and headings are
    escaped. The page loads nothing from elsewhere: its stylesheet is inline. It prints on A4 with the
    page numbered "N/M"; with ``furniture`` the first page starts with the UN block (symbol,
    distribution, date, original) and every later page has the symbol in its running header. The
    text carries its language and direction (``lang``, or ``furniture.language``).
    """
    language = furniture.language if furniture is not None else lang
    rtl = is_right_to_left(language)
    # Option labels in the text's language; no announcements for screen readers: a PDF has no hidden text.
    words = dataclasses.replace(bracket_words(language), opens="", closes="", held_by="")
    toc: list[str] = []
    body: list[str] = []
    for section in sections:
        anchor = anchor_for(section.number, section.key)
        shown = display_number(section.number, section.depth, scheme, language)
        number = f'<span class="number">{escape(shown)}</span> ' if shown else ""
        heading = escape(one_line(section.heading))
        level = min(section.depth + 2, 6)
        toc.append(f'<li class="depth-{section.depth}"><a href="#{anchor}">{number}{heading}</a></li>')
        # Control characters mean nothing in a text and would print as boxes; tabs and line ends stay.
        body_text = _CONTROL.sub("", section.body)
        rendered = render_markdown(
            body_text, anchor=anchor, label=section.number or section.heading, words=words
        )
        body.append(
            f'<section class="section depth-{section.depth}" id="{anchor}">\n'
            f'<h{level} id="{anchor}-h">{number}{heading}</h{level}>\n'
            f"{rendered.html}\n</section>"
        )
    title, label = one_line(title), one_line(label)
    page_title = f"{title} – {label}" if label else title
    label_html = f'<p class="draft-label">{escape(label)}</p>\n' if label else ""
    css = _PRINT_CSS + _PAGE_CSS % {"side": "left" if rtl else "right", "fonts": _FONTS}
    return (
        f'<!DOCTYPE html>\n<html lang="{escape(bcp47(language))}" dir="{"rtl" if rtl else "ltr"}">\n<head>\n'
        f'<meta charset="utf-8">\n<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{escape(page_title)}</title>\n<style>{css}</style>\n</head>\n<body>\n"
        f"<header>\n{_masthead(furniture)}<h1>{escape(title)}</h1>\n{label_html}</header>\n"
        f'<nav class="toc" aria-label="Contents">\n<ol>\n' + "\n".join(toc) + "\n</ol>\n</nav>\n"
        "<main>\n" + "\n".join(body) + "\n</main>\n</body>\n</html>\n"
    )


def _masthead(furniture: PageFurniture | None) -> str:
    """The first page's UN block: the symbol, then distribution, date and original, at the top right."""
    if furniture is None:
        return ""
    lines = [f"<p>{escape(line)}</p>" for line in first_page_lines(furniture)]
    if one_line(furniture.symbol):
        lines.insert(0, f'<p class="symbol">{escape(one_line(furniture.symbol))}</p>')
    return '<div class="masthead">\n' + "\n".join(lines) + "\n</div>\n" if lines else ""
