"""Benchmark the grouping of near-identical comments into campaigns (drafts/campaigns.py).

Run from the repository root:  .venv/bin/python bench/campaigns.py

Builds a synthetic consultation of 10,000 comments, the same in every run (seeded): 9,365 distinct
comments of 80-150 words drawn from a vocabulary of 3,000 words with Zipf-like frequencies (so, as
in real comments, "the" and "of" are everywhere and the subject's words recur), and five planted
campaigns of 400, 150, 60, 20 and 5 copies of a template letter of about 90-140 words. Each copy
is edited the way people edit a form letter: one to three words swapped for others, a greeting from
a few or with the sender's name, a signature line with a name and a city, and in one copy of three a
sentence of its own added at the beginning or the end. The comments are shuffled (their ids are
their order, as if by date).

Prints the CPU time of group (median of several runs) and the peak memory it allocates, the
campaigns found with their sizes and weakest links, the recall of each planted campaign (how many
of its copies ended in the group holding most of them) and the false merges (ids in that group that
belong to no campaign or to another). Targets: under 10 s; at least 95% of the planted copies found.

Prints figures only; exits 1 if a target is missed, so it can gate a CI step if wanted.
"""

from __future__ import annotations

import itertools
import random
import statistics
import sys
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from drafts.campaigns import THRESHOLD, Campaign, group

SEED = 20240611
COMMENTS = 10_000
PLANTED = (400, 150, 60, 20, 5)
VOCABULARY = 3_000
RUNS = 3
SECONDS_TARGET = 10.0
RECALL_TARGET = 0.95

SYLLABLES = ("ka", "lo", "mi", "ne", "tu", "ra", "si", "po", "de", "va", "gri", "sto", "en", "al", "or", "ux")
SUBJECT = ("detention", "migrants", "children", "asylum", "border", "rights", "protection", "family",
           "the", "of", "and", "to", "in", "that", "is", "for", "we", "should", "must", "not")
GREETINGS = ("Dear members of the working group,", "To whom it may concern,", "Hello,", "Dear Sir or Madam,",
             "Dear colleagues,", "Good morning,")
FIRST_NAMES = ("Anna", "Jonas", "Fatima", "Olga", "Pierre", "Mei", "Kofi", "Lucía", "Ivan", "Sara", "Tomás", "Aiko")
LAST_NAMES = ("Novak", "Haddad", "Smirnova", "Dubois", "Chen", "Mensah", "García", "Petrov", "Berg", "Rossi")
CITIES = ("Vienna", "Lagos", "Lima", "Oslo", "Dhaka", "Quito", "Lyon", "Riga", "Accra", "Porto")


def vocabulary(rng: random.Random) -> tuple[list[str], list[float]]:
    """The corpus's words, the subject's and the commonest first, and their Zipf-like weights
    (cumulative, which is how random.choices draws fastest)."""
    words = list(SUBJECT)
    seen = set(words)
    while len(words) < VOCABULARY:
        word = "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(1, 4)))
        if word not in seen:
            seen.add(word)
            words.append(word)
    return words, list(itertools.accumulate(1 / rank for rank in range(1, len(words) + 1)))


def prose(rng: random.Random, words: list[str], weights: list[float], length: int) -> list[str]:
    """``length`` words of made-up prose: sentences of 8-20 words, each capitalised and closed by a full stop."""
    out: list[str] = []
    while len(out) < length:
        sentence = rng.choices(words, cum_weights=weights, k=min(rng.randint(8, 20), length - len(out)))
        sentence[0] = sentence[0].capitalize()
        sentence[-1] += "."
        out.extend(sentence)
    return out


def copy_of(template: list[str], rng: random.Random, words: list[str], weights: list[float]) -> str:
    """One sender's copy of a form letter: words swapped, a greeting, maybe a sentence, a signature."""
    body = list(template)
    for place in rng.sample(range(len(body)), rng.randint(1, 3)):
        body[place] = rng.choices(words, cum_weights=weights)[0]
    if rng.random() < 1 / 3:
        own = prose(rng, words, weights, rng.randint(8, 14))
        body = own + body if rng.random() < 0.5 else body + own
    name = f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"
    greeting = rng.choice((*GREETINGS, f"Dear {rng.choice(FIRST_NAMES)},"))
    signature = f"Yours sincerely, {name}, {rng.choice(CITIES)}"
    return f"{greeting}\n\n{' '.join(body)}\n\n{signature}"


def corpus() -> tuple[list[tuple[int, str]], list[set[int]]]:
    """The comments as ``(id, text)`` in id order, and the ids of each planted campaign."""
    rng = random.Random(SEED)
    words, weights = vocabulary(rng)
    texts: list[tuple[int | None, str]] = []  # (planted campaign, text)
    for campaign, size in enumerate(PLANTED):
        template = prose(rng, words, weights, rng.randint(90, 140))
        texts.extend((campaign, copy_of(template, rng, words, weights)) for _ in range(size))
    while len(texts) < COMMENTS:
        texts.append((None, " ".join(prose(rng, words, weights, rng.randint(80, 150)))))
    rng.shuffle(texts)
    planted: list[set[int]] = [set() for _ in PLANTED]
    for text_id, (campaign, _) in enumerate(texts, start=1):
        if campaign is not None:
            planted[campaign].add(text_id)
    return [(text_id, text) for text_id, (_, text) in enumerate(texts, start=1)], planted


def cpu_seconds(comments: list[tuple[int, str]]) -> tuple[float, list[Campaign]]:
    """Median CPU seconds of group over the comments (the machine is shared), and its campaigns."""
    timings = []
    for _ in range(RUNS):
        started = time.process_time()
        found = group(comments)
        timings.append(time.process_time() - started)
    return statistics.median(timings), found


def peak_megabytes(comments: list[tuple[int, str]]) -> float:
    """The most memory group holds at once, in MB (traced, so run apart from the timing)."""
    tracemalloc.start()
    group(comments)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak / 1e6


def main() -> int:
    comments, planted = corpus()
    words = sum(len(text.split()) for _, text in comments)
    print(f"{len(comments):,} comments, {words:,} words; planted campaigns of {', '.join(map(str, PLANTED))}")
    seconds, found = cpu_seconds(comments)
    print(f"group (threshold {THRESHOLD}): {seconds:.2f} s CPU, median of {RUNS} runs; "
          f"peak memory {peak_megabytes(comments):.0f} MB\n")

    print(f"{len(found)} campaigns found: sizes {[campaign.size for campaign in found]}")
    print(f"weakest links: {[campaign.similarity for campaign in found]}\n")

    caught = 0
    matched: set[int] = set()
    false_merges = 0
    print(f"{'planted':>8}{'found':>8}{'recall':>9}{'false merges':>14}")
    for ids in planted:
        best = max(range(len(found)), key=lambda k: len(ids & set(found[k].members)), default=None)
        members = set(found[best].members) if best is not None else set()
        hits = len(ids & members)
        caught += hits
        false_merges += len(members - ids)
        if best is not None and hits:
            matched.add(best)
        print(f"{len(ids):>8}{hits:>8}{hits / len(ids):>9.1%}{len(members - ids):>14}")
    spurious = [found[k].size for k in range(len(found)) if k not in matched]
    recall = caught / sum(PLANTED)
    print(f"\nrecall of planted copies: {caught}/{sum(PLANTED)} = {recall:.1%}; false merges: {false_merges}; "
          f"campaigns of distinct comments: {len(spurious)} {spurious if spurious else ''}")

    ok = seconds < SECONDS_TARGET and recall >= RECALL_TARGET
    print(f"\ntargets: under {SECONDS_TARGET:g} s: {'ok' if seconds < SECONDS_TARGET else 'MISSED'}; "
          f"recall at least {RECALL_TARGET:.0%}: {'ok' if recall >= RECALL_TARGET else 'MISSED'}")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
