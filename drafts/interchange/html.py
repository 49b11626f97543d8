"""A frozen draft as one standalone, printable HTML page."""

from __future__ import annotations

from html import escape

from drafts.interchange.markdown import ExportSection
from drafts.numbering import anchor_for, display_number
from drafts.rendering import render_markdown

# HTML --------------------------------------------------------------------------------------------

_PRINT_CSS = """
body { font: 11pt/1.45 Georgia, "Times New Roman", serif; max-width: 46em; margin: 2em auto; padding: 0 1em;
       color: #111; }
h1 { font-size: 1.8em; margin-bottom: .2em; }
.draft-label { font-size: 1.1em; color: #444; margin-top: 0; }
h2, h3, h4, h5, h6 { font-family: "Helvetica Neue", Arial, sans-serif; break-after: avoid; page-break-after: avoid; }
.number { font-weight: bold; }
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
@media print {
  body { margin: 0; padding: 0 0 0 3em; max-width: none; }  /* room for the ¶ references */
  nav.toc { break-after: page; page-break-after: always; }
  a { color: inherit; text-decoration: none; }
  section { break-inside: auto; }
}
"""


def export_html(title: str, label: str, sections: list[ExportSection], scheme: str, *, lang: str = "en") -> str:
    """A standalone, printable HTML page of a document: title, draft label, contents, numbered sections.

    Each section is ``<section id="{anchor}">`` with the same anchors as the draft page
    (``s-7-3``, paragraphs ``s-7-3-p2``), so a citation such as "7.3 ¶2" points at the same place
    in both. Bodies go through :func:`drafts.rendering.render_markdown` (the one sanitiser); title,
    label and headings are escaped. The page loads nothing from elsewhere: its stylesheet is inline.
    """
    toc: list[str] = []
    body: list[str] = []
    for section in sections:
        anchor = anchor_for(section.number, section.key)
        shown = display_number(section.number, section.depth, scheme, lang)
        number = f'<span class="number">{escape(shown)}</span> ' if shown else ""
        level = min(section.depth + 2, 6)
        toc.append(f'<li class="depth-{section.depth}"><a href="#{anchor}">{number}{escape(section.heading)}</a></li>')
        rendered = render_markdown(section.body, anchor=anchor, label=section.number or section.heading)
        body.append(
            f'<section class="section depth-{section.depth}" id="{anchor}">\n'
            f'<h{level} id="{anchor}-h">{number}{escape(section.heading)}</h{level}>\n'
            f"{rendered.html}\n</section>"
        )
    page_title = f"{title} – {label}" if label else title
    label_html = f'<p class="draft-label">{escape(label)}</p>\n' if label else ""
    return (
        f'<!DOCTYPE html>\n<html lang="{escape(lang)}">\n<head>\n<meta charset="utf-8">\n'
        f'<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{escape(page_title)}</title>\n<style>{_PRINT_CSS}</style>\n</head>\n<body>\n"
        f"<header>\n<h1>{escape(title)}</h1>\n{label_html}</header>\n"
        f'<nav class="toc" aria-label="Contents">\n<ol>\n' + "\n".join(toc) + "\n</ol>\n</nav>\n"
        "<main>\n" + "\n".join(body) + "\n</main>\n</body>\n</html>\n"
    )
