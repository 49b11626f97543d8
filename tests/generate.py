"""Deterministic generator of realistic document pairs that knows exactly what it changed.

Used by tests/test_diffing.py and bench/compare.py. It does not import drafts.diffing: what it
expects is derived from the edits it made itself, so the tests check the diffing code against an
independent account.

A generated document looks like a long guidance text: an unnumbered Introduction, Principles
("Principle 1".."Principle 12") holding numbered guidelines ("7.3"), some guidelines holding
sub-sections ("7.3.2"), and an unnumbered Glossary; bodies are Markdown paragraphs and bullet
lists. :func:`generate_pair` then derives a second draft with a known set of edits.
"""

from __future__ import annotations

import copy
import random
from dataclasses import dataclass, field

from drafts.diffing import temp_id
from drafts.values import SectionState

CHANGE_ORDER = ("added", "removed", "moved", "renamed", "renumbered", "modified")

# Word lists for normative-sounding prose (kept compact; ruff format would put one word a line).
# fmt: off
ACTORS = [
    "the controller", "the processor", "each member state", "the supervisory authority", "the operator",
    "the provider", "the data protection officer", "the competent authority", "the board", "the secretariat",
    "the organisation", "every participant", "the responsible body", "the national contact point",
    "the reviewing panel", "the auditor", "the regulator", "the managing entity", "the applicant",
]
VERBS = [
    "ensure", "document", "review", "assess", "publish", "maintain", "establish", "monitor", "report", "verify",
    "notify", "record", "evaluate", "implement", "safeguard", "restrict", "justify", "support", "coordinate",
    "disclose", "retain", "protect", "update", "examine", "consult on", "keep track of", "take account of",
    "account for", "demonstrate", "communicate", "limit", "approve", "oversee",
]
NOUNS = [
    "records", "procedures", "safeguards", "risks", "decisions", "processing activities", "obligations", "measures",
    "outcomes", "requests", "complaints", "assessments", "incidents", "notifications", "datasets", "registers",
    "contracts", "agreements", "policies", "standards", "criteria", "methods", "controls", "audits", "reports",
    "findings", "remedies", "sanctions", "exemptions", "derogations", "transfers", "disclosures", "consents",
    "objections", "rights", "duties", "responsibilities", "resources", "budgets", "timelines", "deadlines",
    "milestones", "stakeholders", "beneficiaries", "communities", "minorities", "children", "workers", "patients",
    "consumers", "researchers", "archives", "statistics", "indicators", "benchmarks", "evaluations",
    "consultations", "hearings", "appeals", "reviews", "mechanisms", "institutions", "networks", "platforms",
    "systems", "services", "infrastructures", "technologies", "algorithms", "models", "tools", "instruments",
    "practices", "guidelines", "recommendations", "principles", "values", "commitments", "targets", "plans",
    "strategies", "programmes", "projects", "partnerships", "collaborations", "exchanges", "dialogues", "channels",
    "languages", "formats", "templates", "summaries", "translations", "versions", "drafts", "amendments", "annexes",
    "provisions", "clauses", "definitions", "terms", "conditions", "limits", "thresholds", "levels", "categories",
    "classes", "types", "sources", "inputs", "impacts", "effects", "benefits", "costs", "burdens", "harms",
    "errors", "biases", "gaps", "weaknesses", "strengths", "capacities", "skills", "trainings", "curricula",
    "qualifications", "licences", "permits", "certificates", "labels", "seals", "codes of conduct", "documentation",
    "evidence", "inventories",
]
ADJECTIVES = [
    "appropriate", "relevant", "proportionate", "accessible", "transparent", "accurate", "timely", "independent",
    "effective", "adequate", "reasonable", "specific", "explicit", "informed", "lawful", "fair", "secure",
    "reliable", "verifiable", "consistent", "comprehensive", "clear", "public", "confidential", "sensitive",
    "personal", "collective", "national", "regional", "local", "external", "internal", "periodic", "annual",
    "interim", "final", "preliminary", "detailed", "concise", "formal", "informal", "binding", "voluntary",
    "mandatory", "technical", "organisational", "financial", "environmental", "social", "cultural", "digital",
    "automated", "manual", "open", "interoperable",
]
PREPOSITIONS = [
    "in accordance with", "with regard to", "without undue delay after", "prior to", "as part of",
    "for the purposes of", "on the basis of", "in cooperation with", "in relation to", "at the request of",
    "in the context of", "within the scope of", "subject to", "in response to", "by means of", "across", "for",
    "under", "through", "among", "within", "beyond", "against",
]
ADVERBS = [
    "regularly", "promptly", "systematically", "carefully", "jointly", "publicly", "independently", "proactively",
    "periodically", "consistently", "transparently", "effectively", "fully", "clearly",
]
CONNECTORS = [
    "Where", "When", "If", "Unless", "Whenever", "Insofar as", "Provided that", "Once",
]
PARTICIPLES = [
    "reviewed", "documented", "published", "assessed", "approved", "updated", "recorded", "verified",
    "communicated", "limited", "justified", "monitored", "examined", "protected", "retained", "disclosed",
]
GLOSSARY_TERMS = [
    "Controller", "Processor", "Consent", "Personal data", "Processing", "Third party", "Recipient",
    "Supervisory authority", "Profiling", "Pseudonymisation",
]
# fmt: on


@dataclass
class Block:
    """A paragraph (kind "p", a list of sentences) or a bullet list (kind "ul", a list of items).

    Sentences and items are lists of words; punctuation is added when rendering.
    """

    kind: str
    lines: list[list[str]]


@dataclass
class Node:
    key: str
    heading: str
    blocks: list[Block]
    parent: str | None
    numbered: bool = True
    children: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class GenSection:
    """One section of a generated draft, flattened in document order."""

    key: str
    heading: str
    body: str
    parent: str | None  # parent's key
    parent_index: int | None  # parent's 0-based index in the same flattened list
    position: int  # 1-based among siblings
    number: str  # "Principle 7", "7.3", or "" for unnumbered
    depth: int
    words: int  # words in the body, by the generator's own count


BlockOrigin = tuple[int | None, tuple[str, ...]]


@dataclass
class GeneratedPair:
    """Two drafts and what the generator knows it changed between them."""

    old: list[GenSection]
    new: list[GenSection]
    expected: dict[str, tuple[str, ...]]  # key -> changes (CHANGE_ORDER order) for every key
    added: list[str]
    removed: list[str]
    moved: list[str]
    renamed: list[str]
    modified: list[str]
    words_inserted: dict[str, int]  # key -> words the edits inserted (replacements count both ways)
    words_deleted: dict[str, int]
    edit_log: dict[str, list[str]]  # key -> names of edits applied, for failure messages
    # Modified key -> for each block (paragraph or list) of its new body, the 0-based index of the old block
    # it comes from (None for a new block) and the edits that touched it; a split gives two blocks of one origin.
    block_origins: dict[str, list[BlockOrigin]] = field(default_factory=dict)


def _render_line(words: list[str], end: str) -> str:
    text = " ".join(words)
    return text[:1].upper() + text[1:] + end


def render_body(blocks: list[Block]) -> str:
    """Markdown for a list of blocks: paragraphs of sentences, and "- " bullet lists."""
    out = []
    for block in blocks:
        if block.kind == "p":
            out.append(" ".join(_render_line(s, ".") for s in block.lines))
        else:
            out.append(
                "\n".join(
                    "- " + _render_line(s, ";" if k < len(block.lines) - 1 else ".") for k, s in enumerate(block.lines)
                )
            )
    return "\n\n".join(out)


def count_words(blocks: list[Block]) -> int:
    """Words in a body by the generator's count: whitespace-separated words of every line."""
    return sum(len(" ".join(line).split()) for block in blocks for line in block.lines)


class TextMaker:
    """Normative-sounding sentences; each section leans on its own topic words so sections differ."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng

    def topic(self) -> dict[str, list[str]]:
        return {"nouns": self.rng.sample(NOUNS, 8), "adjectives": self.rng.sample(ADJECTIVES, 6)}

    def noun_phrase(self, topic: dict[str, list[str]]) -> list[str]:
        r = self.rng
        noun = r.choice(topic["nouns"]) if r.random() < 0.75 else r.choice(NOUNS)
        words = []
        if r.random() < 0.6:
            words.append(r.choice(topic["adjectives"]) if r.random() < 0.7 else r.choice(ADJECTIVES))
        words.extend(noun.split())
        if r.random() < 0.3:
            words += ["and", *r.choice(topic["nouns"]).split()]
        return ["the", *words] if r.random() < 0.5 else words

    def sentence(self, topic: dict[str, list[str]]) -> list[str]:
        r = self.rng
        np = self.noun_phrase
        actor = r.choice(ACTORS).split()
        verb = r.choice(VERBS).split()
        kind = r.randrange(6)
        if kind == 0:
            words = [*actor, "shall", *verb, *np(topic), *r.choice(PREPOSITIONS).split(), *np(topic)]
        elif kind == 1:
            words = [
                *actor,
                "should",
                r.choice(ADVERBS),
                *verb,
                *np(topic),
                "and",
                *r.choice(VERBS).split(),
                *np(topic),
            ]
        elif kind == 2:
            cond = [r.choice(CONNECTORS).lower(), *np(topic), "are", r.choice(PARTICIPLES)]
            words = [*cond[:-1], cond[-1] + ",", *actor, "shall", *verb, *np(topic)]
        elif kind == 3:
            words = [
                *np(topic),
                "must",
                "be",
                r.choice(PARTICIPLES),
                r.choice(ADVERBS),
                *r.choice(PREPOSITIONS).split(),
                *np(topic),
            ]
        elif kind == 4:
            words = [
                "this",
                "guideline",
                "applies",
                "to",
                *np(topic),
                *r.choice(PREPOSITIONS).split(),
                *np(topic),
                "unless",
                *np(topic),
                "are",
                r.choice(PARTICIPLES),
                "otherwise",
            ]
        else:
            words = [
                *actor,
                "may",
                *verb,
                *np(topic),
                "only",
                "where",
                *np(topic),
                "are",
                r.choice(ADJECTIVES),
                "and",
                r.choice(ADJECTIVES),
            ]
        return words

    def item(self, topic: dict[str, list[str]]) -> list[str]:
        r = self.rng
        return [
            *r.choice(VERBS).split(),
            *self.noun_phrase(topic),
            *r.choice(PREPOSITIONS).split(),
            *self.noun_phrase(topic),
        ]

    def body(self, target_words: int) -> list[Block]:
        r = self.rng
        topic = self.topic()
        blocks: list[Block] = []
        words = 0
        while words < target_words:
            if blocks and blocks[-1].kind == "p" and r.random() < 0.25:
                block = Block("ul", [self.item(topic) for _ in range(r.randint(3, 5))])
            else:
                block = Block("p", [self.sentence(topic) for _ in range(r.randint(2, 5))])
            blocks.append(block)
            words += count_words([block])
        return blocks

    def heading(self, taken: set[str]) -> str:
        r = self.rng
        while True:
            adjective = r.choice(ADJECTIVES)
            heading = r.choice(
                [
                    f"{adjective.capitalize()} {r.choice(NOUNS)}",
                    f"{r.choice(NOUNS).capitalize()} and {r.choice(NOUNS)}",
                    f"{adjective.capitalize()} {r.choice(NOUNS)} for {r.choice(NOUNS)}",
                ]
            )
            if heading not in taken:
                taken.add(heading)
                return heading


class Tree:
    """A mutable outline of nodes keyed by stable keys."""

    def __init__(self) -> None:
        self.nodes: dict[str, Node] = {}
        self.roots: list[str] = []

    def add(self, node: Node, index: int | None = None) -> None:
        self.nodes[node.key] = node
        siblings = self.siblings(node.parent)
        siblings.insert(len(siblings) if index is None else index, node.key)

    def siblings(self, parent: str | None) -> list[str]:
        return self.roots if parent is None else self.nodes[parent].children

    def detach(self, key: str) -> int:
        siblings = self.siblings(self.nodes[key].parent)
        index = siblings.index(key)
        del siblings[index]
        return index

    def remove(self, key: str) -> None:
        node = self.nodes[key]
        assert not node.children, "the generator only removes leaves"
        self.detach(key)
        del self.nodes[key]

    def flatten(self) -> list[GenSection]:
        out: list[GenSection] = []
        index_of: dict[str, int] = {}

        def walk(parent: str | None, numeric: str, depth: int) -> None:
            counter = 0
            for position, key in enumerate(self.siblings(parent), start=1):
                node = self.nodes[key]
                number = code = ""
                if node.numbered:
                    counter += 1
                    code = f"{numeric}.{counter}" if numeric else str(counter)
                    number = f"Principle {code}" if depth == 0 else code
                index_of[key] = len(out)
                out.append(
                    GenSection(
                        key,
                        node.heading,
                        render_body(node.blocks),
                        parent,
                        index_of[parent] if parent is not None else None,
                        position,
                        number,
                        depth,
                        count_words(node.blocks),
                    )
                )
                walk(key, code, depth + 1)

        walk(None, "", 0)
        return out


def build_document(rng: random.Random, sections: int = 200, guideline_words: int = 330) -> tuple[Tree, set[str]]:
    """An outline of exactly ``sections`` sections (at least 40) and the set of headings used."""
    maker = TextMaker(rng)
    taken: set[str] = {"Introduction", "Glossary"}
    tree = Tree()
    tree.add(Node("intro", "Introduction", maker.body(200), None, numbered=False))
    principles = 12
    remaining = sections - 2 - principles  # intro and glossary are not guidelines
    subsections = remaining // 5
    guidelines = remaining - subsections
    per_principle = [guidelines // principles] * principles
    for k in rng.sample(range(principles), guidelines % principles):
        per_principle[k] += 1
    guideline_keys: list[str] = []
    for p in range(1, principles + 1):
        pkey = f"p{p}"
        tree.add(Node(pkey, maker.heading(taken), maker.body(90), None))
        for g in range(1, per_principle[p - 1] + 1):
            gkey = f"{pkey}-g{g}"
            tree.add(
                Node(
                    gkey,
                    maker.heading(taken),
                    maker.body(rng.randint(guideline_words - 120, guideline_words + 120)),
                    pkey,
                )
            )
            guideline_keys.append(gkey)
    # Sub-sections: three under each of some guidelines, the remainder under one more.
    hosts = rng.sample(guideline_keys, (subsections + 2) // 3)
    for n, gkey in enumerate(hosts):
        for s in range(1, min(3, subsections - 3 * n) + 1):
            tree.add(Node(f"{gkey}-s{s}", maker.heading(taken), maker.body(200), gkey))
    glossary = [
        Block(
            "ul",
            [
                [term.lower(), "means", *maker.noun_phrase(maker.topic()), *maker.item(maker.topic())]
                for term in GLOSSARY_TERMS
            ],
        )
    ]
    tree.add(Node("glossary", "Glossary", glossary, None, numbered=False))
    assert len(tree.nodes) == sections
    return tree, taken


class Editor:
    """Word-level edits on a node's blocks, each recording the words it inserted and deleted."""

    def __init__(self, rng: random.Random, maker: TextMaker) -> None:
        self.rng = rng
        self.maker = maker

    def _sentences(self, node: Node, min_words: int) -> list[list[str]]:
        return [s for b in node.blocks if b.kind == "p" for s in b.lines if len(s) >= min_words]

    def insert_words(self, node: Node) -> tuple[int, int]:
        sentence = self.rng.choice(self._sentences(node, 6))
        phrase = ["and", self.rng.choice(ADJECTIVES), *self.rng.choice(NOUNS).split()]
        at = self.rng.randrange(2, len(sentence) - 1)
        sentence[at:at] = phrase
        return len(phrase), 0

    def delete_words(self, node: Node) -> tuple[int, int]:
        sentence = self.rng.choice(self._sentences(node, 10))
        n = self.rng.randint(2, 4)
        at = self.rng.randrange(2, len(sentence) - n - 1)
        removed = sentence[at : at + n]
        del sentence[at : at + n]
        return 0, len(" ".join(removed).split())

    def replace_words(self, node: Node) -> tuple[int, int]:
        sentence = self.rng.choice(self._sentences(node, 8))
        n = self.rng.randint(1, 3)
        at = self.rng.randrange(2, len(sentence) - n - 1)
        old = sentence[at : at + n]
        new = [
            self.rng.choice(
                [
                    "consistent",
                    "distinct",
                    "separate",
                    "visible",
                    "written",
                    "current",
                    "regulatory",
                    "additional",
                    "competent",
                    "primary",
                ]
            )
            for _ in range(n)
        ]
        if [w.rstrip(",") for w in old] == new:
            new[0] = "supplementary"
        # A replaced word keeps a comma that followed it, as an editor would.
        new = [w + ("," if o.endswith(",") else "") for w, o in zip(new, old, strict=True)]
        sentence[at : at + n] = new
        return n, n

    def rewrite_sentence(self, node: Node) -> tuple[int, int]:
        block = self.rng.choice([b for b in node.blocks if b.kind == "p"])
        k = self.rng.randrange(len(block.lines))
        old = block.lines[k]
        block.lines[k] = self.maker.sentence(self.maker.topic())
        return len(" ".join(block.lines[k]).split()), len(" ".join(old).split())

    def split_paragraph(self, node: Node) -> tuple[int, int]:
        candidates = [i for i, b in enumerate(node.blocks) if b.kind == "p" and len(b.lines) >= 2]
        i = self.rng.choice(candidates)
        block = node.blocks[i]
        k = self.rng.randrange(1, len(block.lines))
        node.blocks[i : i + 1] = [Block("p", block.lines[:k]), Block("p", block.lines[k:])]
        return 0, 0

    def new_list_item(self, node: Node) -> tuple[int, int]:
        item = self.maker.item(self.maker.topic())
        lists = [b for b in node.blocks if b.kind == "ul"]
        if lists:
            self.rng.choice(lists).lines.append(item)
        else:
            node.blocks.append(Block("ul", [item]))
        return len(" ".join(item).split()), 0

    def can(self, name: str, node: Node) -> bool:
        if name == "split_paragraph":
            return any(b.kind == "p" and len(b.lines) >= 2 for b in node.blocks)
        need = {"insert_words": 6, "delete_words": 10, "replace_words": 8, "rewrite_sentence": 1}.get(name)
        return need is None or bool(self._sentences(node, need))

    EDITS = ("insert_words", "delete_words", "replace_words", "rewrite_sentence", "split_paragraph", "new_list_item")


def generate_pair(
    seed: int = 20240611,
    sections: int = 200,
    edited: float = 0.15,
    added: int = 3,
    removed: int = 2,
    moved: int = 3,
    renamed: int = 2,
) -> GeneratedPair:
    """Generate a draft and a revision of it, with the classification each key should get.

    Of the ``moved`` sections, all but one move to another principle (with their sub-sections);
    one moves at least two places within its own principle, in a principle no other edit reorders,
    so exactly that section is out of order. ``renamed`` sections get a new heading; the first is
    also edited, as is the first moved one. ``edited`` of all sections get one to three edits.
    Added sections are new guidelines with fresh text; removed ones are guidelines without
    sub-sections. ``renumbered`` is whatever the numbering of the two drafts makes of it.
    """
    rng = random.Random(seed)
    tree, taken = build_document(rng, sections)
    old = tree.flatten()
    new_tree = copy.deepcopy(tree)
    maker = TextMaker(rng)
    editor = Editor(rng, maker)

    principles = [k for k in new_tree.roots if new_tree.nodes[k].numbered]
    guidelines = [k for p in principles for k in new_tree.nodes[p].children]

    # The principle reordered from inside: nothing else leaves or joins it.
    inner = rng.choice([p for p in principles if len(new_tree.nodes[p].children) >= 5])
    others = [g for g in guidelines if new_tree.nodes[g].parent != inner]
    leaves = [g for g in others if not new_tree.nodes[g].children]
    removed_keys = rng.sample(leaves, removed)
    movable = [g for g in others if g not in removed_keys]
    cross_keys = rng.sample(movable, moved - 1)
    inner_children = new_tree.nodes[inner].children
    src = rng.randrange(len(inner_children))
    dst = rng.choice([d for d in range(len(inner_children)) if abs(d - src) >= 2])
    inner_key = inner_children[src]
    moved_keys = [*cross_keys, inner_key]

    rename_pool = [g for g in guidelines if g not in removed_keys and g not in moved_keys]
    renamed_keys = rng.sample(rename_pool, renamed)

    # Edited sections: first the overlaps promised above, then enough others to reach the share.
    n_edited = round(edited * sections)
    edit_pool = [
        k
        for k in new_tree.nodes
        if k not in removed_keys
        and k not in moved_keys
        and k not in renamed_keys
        and count_words(new_tree.nodes[k].blocks) >= 150
    ]
    modified_keys = [renamed_keys[0], moved_keys[0]]
    modified_keys += rng.sample(edit_pool, n_edited - len(modified_keys))

    words_inserted: dict[str, int] = {}
    words_deleted: dict[str, int] = {}
    edit_log: dict[str, list[str]] = {}
    block_origins: dict[str, list[BlockOrigin]] = {}
    for key in modified_keys:
        node = new_tree.nodes[key]
        # The overlapping sections get one light edit, so a keyless comparison still recognises them.
        n_edits = 1 if key in (renamed_keys[0], moved_keys[0]) else rng.randint(1, 3)
        choices = (
            ["replace_words", "insert_words"]
            if n_edits == 1 and key in moved_keys + renamed_keys
            else list(Editor.EDITS)
        )
        ins = dele = 0
        log = []
        before = render_body(node.blocks)
        origins: list[BlockOrigin] = [(k, ()) for k in range(len(node.blocks))]
        for _ in range(n_edits):
            name = rng.choice([c for c in choices if editor.can(c, node)])
            blocks_before = [render_body([b]) for b in node.blocks]
            i, d = getattr(editor, name)(node)
            _trace_edit(origins, blocks_before, [render_body([b]) for b in node.blocks], name)
            ins += i
            dele += d
            log.append(name)
        assert render_body(node.blocks) != before
        words_inserted[key], words_deleted[key] = ins, dele
        edit_log[key] = log
        block_origins[key] = origins

    for key in renamed_keys:
        node = new_tree.nodes[key]
        taken.discard(node.heading)
        node.heading = maker.heading(taken)

    for key in removed_keys:
        new_tree.remove(key)

    # Moves: cross-principle ones land at a random place in another principle.
    for key in cross_keys:
        node = new_tree.nodes[key]
        new_tree.detach(key)
        target = rng.choice([p for p in principles if p != node.parent and p != inner])
        node.parent = target
        new_tree.add(node, rng.randrange(len(new_tree.nodes[target].children) + 1))
    inner_children.remove(inner_key)
    inner_children.insert(dst, inner_key)

    added_keys = []
    for n in range(1, added + 1):
        key = f"new-{n}"
        if n == added:  # one added sub-section, under a guideline that stays where it is
            parent = rng.choice([g for g in guidelines if g not in removed_keys and g not in moved_keys])
        else:
            parent = rng.choice(principles)
        node = Node(key, maker.heading(taken), maker.body(rng.randint(150, 400)), parent)
        new_tree.add(node, rng.randrange(len(new_tree.siblings(parent)) + 1))
        added_keys.append(key)

    new = new_tree.flatten()
    old_by_key = {s.key: s for s in old}
    new_by_key = {s.key: s for s in new}
    expected: dict[str, tuple[str, ...]] = {}
    for key in old_by_key.keys() | new_by_key.keys():
        if key in added_keys:
            flags = {"added"}
            words_inserted[key] = new_by_key[key].words
        elif key in removed_keys:
            flags = {"removed"}
            words_deleted[key] = old_by_key[key].words
        else:
            flags = set()
            if key in moved_keys:
                flags.add("moved")
            elif old_by_key[key].number != new_by_key[key].number:
                flags.add("renumbered")
            if key in renamed_keys:
                flags.add("renamed")
            if key in modified_keys:
                flags.add("modified")
        expected[key] = tuple(c for c in CHANGE_ORDER if c in flags)
    return GeneratedPair(
        old,
        new,
        expected,
        added_keys,
        removed_keys,
        moved_keys,
        renamed_keys,
        modified_keys,
        words_inserted,
        words_deleted,
        edit_log,
        block_origins,
    )


def _trace_edit(origins: list[BlockOrigin], before: list[str], after: list[str], name: str) -> None:
    """Follow one edit in ``origins`` (see :attr:`GeneratedPair.block_origins`) from the blocks' texts.

    Every edit changes one block, splits one in two, or adds one at the end; it consumes no randomness.
    """
    if len(after) == len(before):
        for j, (old, new) in enumerate(zip(before, after, strict=True)):
            if old != new:
                origins[j] = (origins[j][0], (*origins[j][1], name))
    elif after[: len(before)] == before:
        origins.extend((None, (name,)) for _ in after[len(before) :])
    else:
        j = next(j for j, (old, new) in enumerate(zip(before, after, strict=False)) if old != new)
        origin, edits = origins[j]
        origins[j : j + 1] = [(origin, (*edits, name))] * (len(after) - len(before) + 1)


def to_markdown(sections: list[GenSection]) -> str:
    """A draft as one Markdown file: a heading line per section ("## 7.3 Heading"), then its body."""
    parts = []
    for s in sections:
        label = f"{s.number} {s.heading}" if s.number else s.heading
        parts.append(f"{'#' * (s.depth + 1)} {label}\n\n{s.body}\n" if s.body else f"{'#' * (s.depth + 1)} {label}\n")
    return "\n".join(parts)


def long_text(seed: int, words: int) -> str:
    """About ``words`` words of generated Markdown (paragraphs and lists) from its own seed."""
    return render_body(TextMaker(random.Random(seed)).body(words))


def lightly_edited(text: str, seed: int, edits: int = 20) -> str:
    """``text`` with ``edits`` scattered word replacements and insertions (for timing a typical diff)."""
    rng = random.Random(seed)
    words = text.split(" ")
    for _ in range(edits):
        at = rng.randrange(len(words))
        if rng.random() < 0.5:
            words[at] = rng.choice(ADJECTIVES)
        else:
            words.insert(at, rng.choice(ADJECTIVES))
    return " ".join(words)


def states(sections: list[GenSection], *, keyless: bool = False) -> list[SectionState]:
    """Generated sections as the diff engine takes them (keyless ones name parents by temp id, as a file would)."""
    if keyless:
        return [
            SectionState(
                "",
                s.heading,
                s.body,
                temp_id(s.parent_index) if s.parent_index is not None else None,
                s.position,
                s.number,
            )
            for s in sections
        ]
    return [SectionState(s.key, s.heading, s.body, s.parent, s.position, s.number) for s in sections]
