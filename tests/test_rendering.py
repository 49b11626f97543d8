"""Tests for drafts.rendering: sanitising, paragraph anchors, footnote ids, well-formedness."""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser

import pytest

from drafts.rendering import Rendered, _id_filter, paragraph_anchor, paragraph_label, render_markdown

VOID = {"br", "hr", "img", "input", "meta", "link", "wbr", "col", "area", "base", "source", "embed"}


@dataclass
class Node:
    tag: str
    attrs: dict[str, str | None] = field(default_factory=dict)
    children: list[Node | str] = field(default_factory=list)

    @property
    def elements(self) -> list[Node]:
        return [c for c in self.children if isinstance(c, Node)]

    @property
    def text(self) -> str:
        return "".join(c if isinstance(c, str) else c.text for c in self.children)

    def iter(self, tag: str | None = None, cls: str | None = None) -> list[Node]:
        found = []
        for child in self.elements:
            if (tag is None or child.tag == tag) and (cls is None or cls in (child.attrs.get("class") or "").split()):
                found.append(child)
            found.extend(child.iter(tag, cls))
        return found


class _Builder(HTMLParser):
    """Builds a tree, failing on anything that is not well-formed (every non-void tag closed, in order)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack = [Node("root")]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        node = Node(tag, dict(attrs))
        self.stack[-1].children.append(node)
        if tag not in VOID:
            self.stack.append(node)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        assert tag in VOID, f"self-closed non-void <{tag}/>"
        self.stack[-1].children.append(Node(tag, dict(attrs)))

    def handle_endtag(self, tag: str) -> None:
        assert tag not in VOID, f"end tag for void <{tag}>"
        assert len(self.stack) > 1, f"stray </{tag}>"
        opened = self.stack.pop()
        assert opened.tag == tag, f"</{tag}> closes <{opened.tag}>"

    def handle_data(self, data: str) -> None:
        self.stack[-1].children.append(data)


def parse(html: str) -> Node:
    builder = _Builder()
    builder.feed(html)
    builder.close()
    assert len(builder.stack) == 1, f"unclosed <{builder.stack[-1].tag}>"
    return builder.stack[0]


def render(body: str, anchor: str = "s-7-3", label: str = "7.3") -> tuple[Rendered, Node]:
    rendered = render_markdown(body, anchor=anchor, label=label)
    return rendered, parse(rendered.html)


def paras(root: Node) -> list[Node]:
    return [node for node in root.elements if "para" in (node.attrs.get("class") or "").split()]


def ids(root: Node) -> list[str]:
    return [node.attrs["id"] for node in root.iter() if node.attrs.get("id")]



# --- formatting helpers -------------------------------------------------------------------


def test_paragraph_anchor() -> None:
    assert paragraph_anchor("s-7-3", 2) == "s-7-3-p2"


@pytest.mark.parametrize(("label", "expected"), [("7.3", "7.3 ¶2"), ("Introduction", "Introduction ¶2"), ("", "¶2")])
def test_paragraph_label(label: str, expected: str) -> None:
    assert paragraph_label(label, 2) == expected


# --- sanitising ---------------------------------------------------------------------------

XSS = {
    "script": "<script>alert(1)</script>",
    "img onerror": "<img src=x onerror=alert(1)>",
    "html javascript link": '<a href="javascript:alert(1)">x</a>',
    "md javascript link": "[x](javascript:alert(1))",
    "md javascript link, mixed case": "[x](JaVaScRiPt:alert(1))",
    "md reference javascript link": "[x][r]\n\n[r]: javascript:alert(1)",
    "autolink javascript": "<javascript://%0Aalert(1)>",
    "md data link": "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "md javascript image": "![x](javascript:alert(1))",
    "on* attributes": '<p onclick="alert(1)" onmouseover="alert(1)">hi</p>',
    "inline on* attribute": "Text <span onclick=alert(1)>x</span> more",
    "iframe": '<iframe src="https://evil.example/"></iframe>',
    "style": "<style>body { display: none }</style>",
    "svg onload": "<svg onload=alert(1)><circle/></svg>",
    "in a table cell": "| a |\n|---|\n| <img src=x onerror=alert(1)> |",
    "in a list": "- <script>alert(1)</script>\n- [x](javascript:alert(1))",
    "in a footnote": "x[^1]\n\n[^1]: <script>alert(1)</script> [y](javascript:alert(1))",
    "in md_in_html div": '<div markdown="1"><script>alert(1)</script></div>',
}


@pytest.mark.parametrize("body", XSS.values(), ids=XSS.keys())
def test_xss_is_neutralised(body: str) -> None:
    _, root = render(body)
    for node in root.iter():
        assert node.tag not in {"script", "img", "iframe", "style", "svg"}
        for name, value in node.attrs.items():
            assert not name.startswith("on"), (node.tag, name)
            assert name != "style"
            if name in {"href", "src"}:
                assert (value or "").strip().lower().startswith(("http:", "https:", "mailto:", "#", "/")), value


def test_typed_html_is_shown_as_text() -> None:
    _, root = render('<script>alert(1)</script>\n\nA <b onclick="x">bold</b> claim.')
    assert root.iter("script") == [] and root.iter("b") == []
    assert "<script>alert(1)</script>" in root.text
    assert '<b onclick="x">bold</b>' in root.text


def test_javascript_link_keeps_text_but_loses_href() -> None:
    _, root = render("[click me](javascript:alert(1))")
    (link,) = [a for a in root.iter("a") if a.text == "click me"]
    assert "href" not in link.attrs


def test_safe_links_keep_href_and_get_rel() -> None:
    _, root = render("[a](https://example.org/x) [b](mailto:x@example.org) [c](/docs/1) [d](#s-1-p1)")
    links = {a.text: a.attrs for a in root.iter("a") if "para-ref" not in (a.attrs.get("class") or "")}
    assert {text: attrs["href"] for text, attrs in links.items()} == {
        "a": "https://example.org/x",
        "b": "mailto:x@example.org",
        "c": "/docs/1",
        "d": "#s-1-p1",
    }
    assert links["a"]["rel"] == "noopener noreferrer"


def test_label_is_escaped() -> None:
    _, root = render("Text.", label='<b>7.3</b> "x"')
    (ref,) = root.iter("a", "para-ref")
    assert ref.attrs["aria-label"] == '<b>7.3</b> "x" ¶1'
    assert root.iter("b") == []


def test_invalid_anchor_is_refused() -> None:
    with pytest.raises(ValueError):
        render_markdown("Text.", anchor='s-1" onclick="alert(1)', label="1")


def test_id_filter_keeps_only_this_sections_ids() -> None:
    keep = _id_filter("s-7-3")
    for own in ("s-7-3-p2", "s-7-3-fn1", "s-7-3-fnref1", "s-7-3-fnref1-2"):
        assert keep("div", "id", own) == own
    for foreign in ("s-7-4-p2", "s-7-3-p2x", "s-7-3", "fn:1", "x s-7-3-p2", "s-7-3-p"):
        assert keep("div", "id", foreign) is None
    assert keep("a", "href", "#anything") == "#anything"


# --- Markdown features --------------------------------------------------------------------


def test_table() -> None:
    _, root = render("| Term | Meaning |\n|:-----|--------:|\n| State | Party |")
    (table,) = root.iter("table")
    assert [th.text for th in table.iter("th")] == ["Term", "Meaning"]
    assert [td.text for td in table.iter("td")] == ["State", "Party"]
    assert [td.attrs.get("align") for td in table.iter("td")] == ["left", "right"]


def test_unordered_and_ordered_lists() -> None:
    _, root = render("- one\n- two\n- three\n\n3. third\n4. fourth")
    (ul,) = root.iter("ul")
    (ol,) = root.iter("ol")
    assert [li.text for li in ul.iter("li")] == ["one", "two", "three"]
    assert [li.text for li in ol.iter("li")] == ["third", "fourth"]
    assert ol.attrs.get("start") == "3"


def test_sane_lists_do_not_merge_list_types() -> None:
    rendered, root = render("1. first\n\n- bullet")
    assert len(root.iter("ol")) == 1 and len(root.iter("ul")) == 1
    assert rendered.paragraph_count == 2


def test_emphasis() -> None:
    _, root = render("Some *stress* and **strong** words.")
    assert [em.text for em in root.iter("em")] == ["stress"]
    assert [strong.text for strong in root.iter("strong")] == ["strong"]


def test_fenced_code_is_escaped_and_one_paragraph() -> None:
    rendered, root = render("```python\n<b>not bold</b>\n```")
    assert rendered.paragraph_count == 1
    (para,) = paras(root)
    (code,) = para.iter("code")
    assert code.text == "<b>not bold</b>\n"
    assert root.iter("b") == []


def test_headings_are_demoted_below_the_page_headings() -> None:
    _, root = render("# One\n\n## Two\n\n###### Six")
    assert [h.tag for h in root.iter() if h.tag.startswith("h") and h.tag[1:].isdigit()] == ["h3", "h4", "h6"]


def test_footnotes_render_and_link_both_ways() -> None:
    rendered, root = render("A claim[^src].\n\n[^src]: The source.")
    (sup,) = root.iter("sup")
    (ref,) = sup.iter("a", "footnote-ref")
    (block,) = root.iter("div", "footnote")
    (item,) = block.iter("li")
    (back,) = item.iter("a", "footnote-backref")
    assert ref.text == "1"
    assert ref.attrs["href"] == f"#{item.attrs['id']}"
    assert back.attrs["href"] == f"#{sup.attrs['id']}"
    assert "The source." in item.text
    assert rendered.paragraph_count == 1
    assert root.elements[-1] is block  # after the paragraphs, not numbered


def test_repeated_footnote_reference_gets_its_own_backref() -> None:
    _, root = render("One[^a], two[^a].\n\n[^a]: Note.")
    sup_ids = [sup.attrs["id"] for sup in root.iter("sup")]
    backrefs = [a.attrs["href"] for a in root.iter("a", "footnote-backref")]
    assert len(set(sup_ids)) == 2
    assert backrefs == [f"#{i}" for i in sup_ids]


def test_footnote_ids_follow_displayed_numbers() -> None:
    body = "A[^a] B[^b].\n\n[^a]: Has a list:\n\n    - x\n    - y\n\n[^b]: Plain."
    _, root = render(body, anchor="s-7-3")
    refs = root.iter("a", "footnote-ref")
    assert [a.text for a in refs] == ["1", "2"]
    assert [a.attrs["href"] for a in refs] == ["#s-7-3-fn1", "#s-7-3-fn2"]
    assert [sup.attrs["id"] for sup in root.iter("sup")] == [
        "s-7-3-fnref1",
        "s-7-3-fnref2",
    ]


def test_footnote_ids_are_unique_across_sections() -> None:
    body = "First[^1], second[^2].\n\n[^1]: One.\n[^2]: Two."
    _, one = render(body, anchor="s-1", label="1")
    _, two = render(body, anchor="s-2", label="2")
    all_ids = ids(one) + ids(two)
    assert len(all_ids) == len(set(all_ids))
    for root in (one, two):
        own = set(ids(root))
        for link in root.iter("a"):
            href = link.attrs.get("href") or ""
            if href.startswith("#"):
                assert href[1:] in own, href


def test_typed_place_marker_does_not_move_footnotes_into_the_body() -> None:
    rendered, root = render("///Footnotes Go Here///\n\nText[^1].\n\n[^1]: Note.")
    assert rendered.paragraph_count == 2
    assert "///Footnotes Go Here///" in paras(root)[0].text
    assert root.elements[-1].attrs.get("class") == "footnote"


def test_non_latin_text_passes_through() -> None:
    texts = ["لكل شخص الحق في التعليم.", "人人都有受教育的权利。", "Каждый человек имеет право на образование."]
    rendered, _ = render("\n\n".join(texts))
    for text in texts:
        assert text in rendered.html


# --- paragraph anchors --------------------------------------------------------------------

MIXED = """\
# Heading

A paragraph with *emphasis*.

- one
- two
- three

| a | b |
|---|---|
| 1 | 2 |

> Quoted first.
>
> Quoted second.

    code block

Closing words[^n].

[^n]: A note with two paragraphs.

    Second note paragraph.
"""


def test_top_level_blocks_are_numbered_in_order() -> None:
    rendered, root = render(MIXED, anchor="s-7-3", label="7.3")
    blocks = paras(root)
    assert rendered.paragraph_count == 7 == len(blocks)
    assert [b.attrs["id"] for b in blocks] == [f"s-7-3-p{n}" for n in range(1, 8)]
    assert [b.elements[1].tag for b in blocks] == ["h3", "p", "ul", "table", "blockquote", "pre", "p"]
    assert len(root.iter("div", "para")) == 7  # nothing nested is numbered


def test_each_paragraph_starts_with_its_citation_link() -> None:
    _, root = render(MIXED, anchor="s-7-3", label="7.3")
    for n, block in enumerate(paras(root), start=1):
        assert block.children[0] is block.elements[0]  # the link comes first
        ref = block.elements[0]
        assert ref.tag == "a" and ref.attrs["class"] == "para-ref"
        assert ref.attrs["href"] == f"#s-7-3-p{n}"
        assert ref.attrs["aria-label"] == ref.attrs["title"] == f"7.3 ¶{n}"
        assert ref.text == f"¶{n}"


def test_list_of_three_items_is_one_paragraph() -> None:
    rendered, root = render("- a\n- b\n- c")
    assert rendered.paragraph_count == 1
    assert len(paras(root)[0].iter("li")) == 3


def test_horizontal_rule_is_not_a_paragraph() -> None:
    rendered, root = render("Before.\n\n---\n\nAfter.")
    assert rendered.paragraph_count == 2
    assert [node.tag for node in root.elements] == ["div", "hr", "div"]


def test_unnumbered_section_label() -> None:
    _, root = render("Text.", anchor="s-intro", label="Introduction")
    (ref,) = root.iter("a", "para-ref")
    assert ref.attrs["aria-label"] == "Introduction ¶1"
    assert ref.attrs["href"] == "#s-intro-p1"


@pytest.mark.parametrize("body", ["", "   \n\n  "])
def test_empty_body(body: str) -> None:
    assert render_markdown(body, anchor="s-1", label="1") == Rendered("", 0)


# --- well-formedness ----------------------------------------------------------------------


@pytest.mark.parametrize("body", [MIXED, *XSS.values(), "Line one  \nline two\n\n---\n\n1. a\n    - b"])
def test_output_is_well_formed(body: str) -> None:
    parse(render_markdown(body, anchor="s-1", label="1").html)  # raises if not


def test_well_formedness_check_catches_broken_html() -> None:
    for broken in ("<div><p>x</div>", "<div>x", "x</p>", "<p/>"):
        with pytest.raises(AssertionError):
            parse(broken)
