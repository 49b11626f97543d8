"""Paragraph lineage, the acceptance test: every comment on Draft 1 says where its words landed in Draft 2.

A 200-section pair from ``tests/generate.py`` (sections moved, renamed, renumbered, edited and removed)
is imported as Draft 1 and, with ``import_document --update``, as Draft 2. Two hand edits add what the
generator does not make: one paragraph rewritten in fresh words, and one paragraph moved whole into
another section. A stakeholder comments on paragraphs and whole sections of Draft 1; once Draft 2 is
frozen, ``export_comments --format json`` must give each comment the ``landed_in`` that the generator's
own account of its edits predicts. The expectations never ask ``drafts.lineage``: they come from which
keys the generator removed, moved and renumbered, from the blocks each of its edits touched
(:attr:`GeneratedPair.block_origins`) and from the hand edits; a plain ``difflib`` similarity only
checks that each chosen case is clear-cut (far from the 0.5 threshold, no rival match).
"""

from __future__ import annotations

import difflib
import io
import json
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.management import call_command
from django.utils import timezone

from drafts import rendering, services
from drafts.forms import DraftCommentForm
from drafts.models import Draft, DraftComment, DraftSection, Role
from tests.generate import GeneratedPair, GenSection, generate_pair

pytestmark = pytest.mark.django_db

SLUG = "lineage"
# Fresh words for the paragraph rewritten past the threshold: none of them is in the generator's word lists.
REWRITTEN = (
    "Nothing written here overrides domestic courts. "
    "Judges keep full discretion over quarrels about wording or timing."
)

LANDED_IN = ("draft", "section", "number", "paragraph", "match")  # DESIGN.md, export_comments --format json

Place = tuple[str, int | None]  # (section key, 0-based paragraph index, or None for the whole section)


@dataclass(frozen=True)
class Landing:
    """Where a commented paragraph (or section) should be found in Draft 2."""

    key: str | None
    paragraph: int | None  # 0-based
    match: str  # "same", "edited" or "gone"


@dataclass(frozen=True)
class HandEdits:
    """The edits made by hand on top of the generated Draft 2."""

    moved_from: Place  # a paragraph taken out of its section...
    moved_to: Place  # ...and put, word for word, into another one at this index
    rewritten: Place  # a paragraph replaced by REWRITTEN


# Text helpers ------------------------------------------------------------------------------------


def blocks_of(body: str) -> list[str]:
    """The generator's blocks (paragraphs and lists), which are the rendered body's numbered paragraphs."""
    return body.split("\n\n") if body else []


def is_list(block: str) -> bool:
    return block.startswith("- ")


def words(block: str) -> list[str]:
    return " ".join(line.removeprefix("- ") for line in block.splitlines()).split()


def similarity(a: str, b: str) -> float:
    """2 x equal words / (words of a + words of b), from difflib's alignment of the two word lists."""
    return difflib.SequenceMatcher(None, words(a), words(b), autojunk=False).ratio()


def stored_number(number: str) -> str:
    """The number as a draft stores it: "7" for "Principle 7", "7.3" for 7.3."""
    return number.removeprefix("Principle ")


def keyed_markdown(sections: list[GenSection], bodies: dict[str, list[str]]) -> str:
    """A draft in the interchange format, every heading carrying its number and ``{#key}``."""
    lines = ["# Guidance on lineage", ""]
    for s in sections:
        label = s.heading
        if s.number:
            label = f"{s.number}: {s.heading}" if s.depth == 0 else f"{s.number} {s.heading}"
        lines += [f"{'#' * (s.depth + 2)} {label} {{#{s.key}}}", ""]
        if bodies[s.key]:
            lines += ["\n\n".join(bodies[s.key]), ""]
    return "\n".join(lines)


# The pair, the hand edits and the expectations ---------------------------------------------------


class Expectations:
    """Draft 1's and Draft 2's blocks per key, and where each of Draft 1's paragraphs should land."""

    def __init__(self, pair: GeneratedPair) -> None:
        self.pair = pair
        self.old = {s.key: s for s in pair.old}
        self.new = {s.key: s for s in pair.new}
        self.old_blocks = {s.key: blocks_of(s.body) for s in pair.old}
        self.new_blocks = {s.key: blocks_of(s.body) for s in pair.new}
        self.hand = self._hand_edits()
        self.all_new = [b for blocks in self.new_blocks.values() for b in blocks]

    def untouched(self) -> list[str]:
        """Guidelines and sub-sections the generator left exactly as they were (same number too)."""
        return [s.key for s in self.pair.old if self.pair.expected[s.key] == () and s.depth > 0]

    def _hand_edits(self) -> HandEdits:
        """Pick three untouched guidelines from different principles and edit them by hand."""
        candidates = [k for k in self.untouched() if self.old[k].depth == 1 and len(self.old_blocks[k]) >= 5]
        source = candidates[0]
        target = next(k for k in candidates if self.old[k].parent != self.old[source].parent)
        rewritten = next(k for k in candidates if self.old[k].parent not in (self.old[source].parent,
                                                                               self.old[target].parent))
        blocks = self.new_blocks[source]
        # A paragraph (not a list) with a paragraph after it, whose neighbours would not join into one list.
        m = next(i for i in range(1, len(blocks) - 1)
                 if not is_list(blocks[i]) and not (is_list(blocks[i - 1]) and is_list(blocks[i + 1])))
        self.new_blocks[target].insert(1, blocks.pop(m))
        r = next(i for i, b in enumerate(self.new_blocks[rewritten]) if not is_list(b) and i < 4)
        self.new_blocks[rewritten][r] = REWRITTEN
        return HandEdits(moved_from=(source, m), moved_to=(target, 1), rewritten=(rewritten, r))

    @property
    def hand_keys(self) -> set[str]:
        return {self.hand.moved_from[0], self.hand.moved_to[0], self.hand.rewritten[0]}

    def landing(self, key: str, i: int | None) -> Landing:
        """Where paragraph ``i`` of ``key`` (or the whole section, if ``i`` is None) goes, by what we edited."""
        if key in self.pair.removed:
            return Landing(None, None, "gone")
        if i is None:
            same = self.old_blocks[key] == self.new_blocks[key]
            return Landing(key, None, "same" if same else "edited")
        hand = self.hand
        if (key, i) == hand.rewritten:
            return Landing(None, None, "gone")
        if (key, i) == hand.moved_from:
            return Landing(*hand.moved_to, "same")
        if key == hand.moved_from[0]:
            return Landing(key, i - 1 if i > hand.moved_from[1] else i, "same")
        if key == hand.moved_to[0]:
            return Landing(key, i + 1 if i >= hand.moved_to[1] else i, "same")
        origins = self.pair.block_origins.get(key)
        if origins is None:
            return Landing(key, i, "same")
        successors = [(j, edits) for j, (origin, edits) in enumerate(origins) if origin == i]
        if len(successors) == 1 and not successors[0][1]:
            return Landing(key, successors[0][0], "same")
        # Edited, or split in two: the part most like the old paragraph is its successor.
        old = self.old_blocks[key][i]
        j = max((j for j, _edits in successors), key=lambda j: similarity(old, self.new_blocks[key][j]))
        return Landing(key, j, "edited")

    def clear_cut(self, key: str, i: int) -> bool:
        """Whether the expected landing of paragraph ``i`` of ``key`` is beyond doubt.

        The same text must not appear twice in Draft 2; an edited paragraph's successor must be well above
        the 0.5 threshold and well ahead of any other paragraph of its section; a gone paragraph must be
        well below the threshold against every paragraph of Draft 2.
        """
        old = self.old_blocks[key][i]
        expected = self.landing(key, i)
        identical = self.all_new.count(old)
        if expected.match == "same":
            return identical == 1 and self.new_blocks[expected.key][expected.paragraph] == old
        if identical:
            return False
        if expected.match == "edited":
            blocks = self.new_blocks[expected.key]
            best = similarity(old, blocks[expected.paragraph])
            rivals = [similarity(old, b) for j, b in enumerate(blocks) if j != expected.paragraph]
            return best >= 0.6 and all(r <= best - 0.2 for r in rivals)
        return all(similarity(old, b) < 0.4 for b in self.all_new
                   if difflib.SequenceMatcher(None, words(old), words(b), autojunk=False).quick_ratio() >= 0.4)


# What the stakeholder comments on ----------------------------------------------------------------


def comment_places(ex: Expectations) -> dict[str, list[Place]]:
    """The commented paragraphs and sections, by the kind of change they show; each is clear-cut."""
    pair, expected = ex.pair, ex.pair.expected
    taken: set[Place] = set()

    def first(keys: list[str], *, want: str | None = None, paragraphs=None, count: int = 1) -> list[Place]:
        """Up to ``count`` clear-cut paragraphs of these keys, one per key, whose landing matches ``want``."""
        found = []
        for key in keys:
            indices = paragraphs(key) if paragraphs else range(len(ex.old_blocks[key]))
            for i in indices:
                if (key, i) in taken or not ex.clear_cut(key, i):
                    continue
                if want is not None and ex.landing(key, i).match != want:
                    continue
                found.append((key, i))
                taken.add((key, i))
                break
            if len(found) == count:
                break
        return found

    untouched = [k for k in ex.untouched() if k not in ex.hand_keys]
    principles = [s.key for s in pair.old if s.depth == 0 and s.number and expected[s.key] == ()]
    renumbered = [k for k in ex.old if expected[k] == ("renumbered",) and k not in ex.hand_keys]
    renumbered = [k for k in renumbered if ex.old[k].depth == 2][:1] + [k for k in renumbered if ex.old[k].depth == 1]
    moved_only = [k for k in pair.moved if expected[k] == ("moved",)]
    moved_edited = [k for k in pair.moved if "modified" in expected[k]]
    renamed_only = [k for k in pair.renamed if expected[k] == ("renamed",)]
    renamed_edited = [k for k in pair.renamed if "modified" in expected[k]]
    modified = [k for k in pair.modified if expected[k] in (("modified",), ("renumbered", "modified"))]
    split = [k for k in modified if any("split_paragraph" in edits for _o, edits in pair.block_origins[k])]

    def after_a_split(key: str) -> list[int]:
        """Untouched paragraphs of ``key`` whose number went up because an earlier one was split."""
        origins = pair.block_origins[key]
        return [origin for j, (origin, edits) in enumerate(origins) if origin is not None and not edits and j > origin]

    def last_first(key: str) -> list[int]:
        return list(reversed(range(len(ex.old_blocks[key]))))

    def word_edited(key: str) -> list[int]:
        """Paragraphs of ``key`` that word edits changed (not split)."""
        origins = pair.block_origins[key]
        return sorted({o for o, edits in origins if o is not None and edits and "split_paragraph" not in edits})

    def split_ones(key: str) -> list[int]:
        return sorted({origin for origin, edits in pair.block_origins[key] if "split_paragraph" in edits})

    source, m = ex.hand.moved_from
    target, at = ex.hand.moved_to
    rewritten, r = ex.hand.rewritten
    places = {
        "unchanged": first(untouched, count=3) + first(principles) + first(untouched[:1], paragraphs=last_first),
        "renumbered": first(renumbered, count=3),
        "moved": first(moved_only, count=2) + first(moved_edited, want="edited") + first(moved_edited, want="same"),
        "renamed": first(renamed_only) + first(renamed_edited, want="edited") + first(renamed_edited, want="same"),
        "modified, the edited paragraph": first(modified, want="edited", paragraphs=word_edited, count=4),
        "modified, a paragraph split in two": first(split, want="edited", paragraphs=split_ones),
        "modified, an untouched paragraph after a split": first(split, want="same", paragraphs=after_a_split),
        "modified, an untouched paragraph": first(modified, want="same", count=3),
        "removed": first(pair.removed, count=2),
        "rewritten past the threshold (by hand)": [(rewritten, r)],
        "around the rewritten one": [(rewritten, r + 1)],
        "moved to another section (by hand)": [(source, m)],
        "after the moved-out one": [(source, m + 1)],
        "after the moved-in one": [(target, at)],
        "whole section": [
            (key, None)
            for key in [untouched[1], renumbered[0], *moved_only[:1], *moved_edited[:1], *renamed_only[:1],
                        modified[0], pair.removed[0], source, target, rewritten]
        ],
    }
    hand_made = [place for found in places.values() for place in found if place not in taken and place[1] is not None]
    assert all(ex.clear_cut(*place) for place in hand_made)
    return places


# Through the app ---------------------------------------------------------------------------------


def run(*args: str) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def post_comment(user, draft: Draft, key: str, paragraph: int | None, text: str) -> DraftComment:
    """A comment on paragraph ``paragraph`` (1-based; None for the whole section), as the page's form posts it."""
    target = DraftSection.objects.get(draft=draft, key=key)
    paragraphs = rendering.render_markdown(target.body, anchor="p", label="").paragraph_count
    data = {
        **DraftCommentForm(target, paragraphs=paragraphs).generate_security_data(),
        "name": user.get_full_name() or user.get_username(), "email": user.email, "url": "", "comment": text,
        "paragraph": paragraph or "", "kind": "technical", "proposed_text": "", "quote": "", "followup": "",
        "honeypot": "", "reply_to": 0,
    }
    form = DraftCommentForm(target, data=data, paragraphs=paragraphs)
    assert form.is_valid(), form.errors.as_text()
    return services.comment_post(form=form, user=user, draft=draft)


def exported(draft_number: int) -> dict[str, dict]:
    """``export_comments --format json`` of a draft, by comment ID."""
    rows = json.loads(run("export_comments", SLUG, str(draft_number), "--format", "json", "--user", "editor"))
    return {row["id"]: row for row in rows}


def contract_fields(landed_in: dict | None) -> dict | None:
    """``landed_in`` as far as the contract defines it: an object may carry more, which the contract allows."""
    return landed_in and {name: landed_in.get(name) for name in LANDED_IN}


def as_landed_in(ex: Expectations, landing: Landing) -> dict:
    """The ``landed_in`` object the contract promises for ``landing``."""
    if landing.match == "gone":
        return {"draft": 2, "section": None, "number": None, "paragraph": None, "match": "gone"}
    return {
        "draft": 2,
        "section": landing.key,
        "number": stored_number(ex.new[landing.key].number),
        "paragraph": None if landing.paragraph is None else landing.paragraph + 1,
        "match": landing.match,
    }


def test_every_comment_on_draft_1_says_where_its_paragraph_landed_in_draft_2(
    people, settings, tmp_path: Path
) -> None:
    settings.COMMENTS_PER_MINUTE = 1000
    ex = Expectations(generate_pair())
    places = comment_places(ex)
    for kind, found in places.items():
        assert found, f"the generated pair has no clear-cut case of {kind!r}"

    editor, stakeholder = people["editor"], people["ngo"]
    editor.is_staff = True
    editor.save(update_fields=["is_staff"])
    first = tmp_path / "draft-1.md"
    first.write_text(keyed_markdown(ex.pair.old, {s.key: blocks_of(s.body) for s in ex.pair.old}), encoding="utf-8")
    run("import_document", str(first), "--slug", SLUG, "--user", "editor")
    draft_1 = Draft.objects.get(number=int(run(
        "freeze_draft", SLUG, "--user", "editor", "--visibility", "restricted",
        "--comments-open-until", (timezone.now() + timedelta(days=30)).isoformat(),
    )), document__slug=SLUG)
    services.membership_set(document=draft_1.document, person=stakeholder, role=Role.STAKEHOLDER, user=editor)
    frozen = {s.key: s for s in DraftSection.objects.filter(draft=draft_1)}
    for s in ex.pair.old:  # Draft 1 is the generated draft, numbered as the generator numbered it
        assert (frozen[s.key].number, frozen[s.key].body) == (stored_number(s.number), s.body), s.key
        count = rendering.render_markdown(s.body, anchor="p", label="").paragraph_count
        assert count == len(ex.old_blocks[s.key]), f"{s.key}: {count} paragraphs, {len(ex.old_blocks[s.key])} blocks"

    expected: dict[str, dict] = {}
    commented: dict[str, tuple[str, int | None]] = {}  # ID -> (key, 1-based paragraph or None)
    what: dict[str, str] = {}
    for kind, found in places.items():
        for key, i in found:
            paragraph = None if i is None else i + 1
            comment = post_comment(stakeholder, draft_1, key, paragraph, f"On {key} ¶{paragraph} ({kind}).")
            expected[comment.reference] = as_landed_in(ex, ex.landing(key, i))
            commented[comment.reference] = (key, paragraph)
            where = f"{key} ¶{paragraph}" if paragraph else f"{key}, whole section"
            what[comment.reference] = f"{kind}: {where} (generator: {', '.join(ex.pair.expected[key]) or 'unchanged'})"
    assert len(expected) == sum(len(found) for found in places.values())

    rows = exported(1)
    assert {ref: (row["section"], row["paragraph"]) for ref, row in rows.items()} == commented
    assert {ref: rows[ref]["landed_in"] for ref in rows} == dict.fromkeys(rows), "no later draft exists yet"

    second = tmp_path / "draft-2.md"
    second.write_text(keyed_markdown(ex.pair.new, ex.new_blocks), encoding="utf-8")
    run("import_document", str(second), "--slug", SLUG, "--update", "--user", "editor")
    rows = exported(1)
    assert {ref: rows[ref]["landed_in"] for ref in rows} == dict.fromkeys(rows), "Draft 2 is not frozen yet"

    run("freeze_draft", SLUG, "--user", "editor")
    frozen = {s.key: s for s in DraftSection.objects.filter(draft__document__slug=SLUG, draft__number=2)}
    assert set(frozen) == set(ex.new_blocks)
    assert all(frozen[k].number == stored_number(ex.new[k].number) for k in frozen)
    assert all(blocks_of(frozen[k].body) == ex.new_blocks[k] for k in frozen), "Draft 2 holds the hand edits"
    for key, s in frozen.items():
        assert rendering.render_markdown(s.body, anchor="p", label="").paragraph_count == len(ex.new_blocks[key]), key

    rows = exported(1)
    assert set(rows) == set(expected)
    landed = {ref: contract_fields(row["landed_in"]) for ref, row in rows.items()}
    wrong = [f"{ref} {what[ref]}: expected {expected[ref]}, got {landed[ref]}" for ref in landed if
             landed[ref] != expected[ref]]
    assert not wrong, f"{len(wrong)} of {len(expected)} comments landed elsewhere:\n" + "\n".join(wrong)
