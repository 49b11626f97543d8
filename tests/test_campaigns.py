"""Tests for drafts.campaigns: near-identical comments grouped into campaigns, counted once.

One test per rule: copies of a form letter (other greetings, names, a sentence or a few words of
their own) are one campaign; comments written separately on the same subject are none; the
threshold is a threshold; short texts are never grouped; Arabic and Chinese campaigns are found;
chaining joins copies through the copies between them; the result does not depend on the order of
the input; bad arguments are refused. Then properties over generated corpora: every campaign is
held together by verified links at the threshold, no id is in two campaigns, and any text at all
is read. Pure: no database, no Django.
"""

from __future__ import annotations

import math
import random
import subprocess
import sys
from collections.abc import Iterable
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from drafts.campaigns import MIN_WORDS, THRESHOLD, Campaign, group, shingles, similarity

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Override tests/conftest.py's cache reset, which needs pytest-django's ``settings``: this module
    never touches Django."""
    yield


@pytest.fixture(autouse=True)
def _default_language():
    """Override tests/conftest.py's language reset, for the same reason."""
    yield


# --- the letters ------------------------------------------------------------------------------------
LETTER = (
    "I am writing to ask the working group to end the immigration detention of children in every "
    "member state. Detention harms children even when it is short and even when the conditions are "
    "good: doctors report anxiety, sleeplessness and delayed development after only a few weeks. "
    "Families with children who are waiting for a decision on their asylum claim should live in the "
    "community, with case workers and regular reporting, which costs less and keeps families together. "
    "Please write into the guidance that a child is never detained because of their migration status, "
    "and that the best interests of the child come first in every decision about migrants and their families."
)
GREETINGS = ("Dear members of the working group,", "To whom it may concern,", "Hello,", "Dear colleagues,")
NAMES = ("Anna Novak", "Kofi Mensah", "Olga Smirnova", "Pierre Dubois", "Mei Chen", "Lucía García", "Ivan Petrov")
OWN_SENTENCES = (
    "My own daughter was detained for three weeks in 2019 and still has nightmares about it.",
    "I have volunteered at a reception centre and saw this myself.",
    "Our parish supports two families who would have been separated under the current rules.",
)
# Written separately, on the same subject and with the same vocabulary as the letter.
DISTINCT = (
    "Our shelter has housed migrants released from detention for ten years. The children we meet have "
    "often spent months behind fences, and their parents tell us the uncertainty was the hardest part. "
    "We would welcome a paragraph on access to lawyers.",
    "The draft mentions detention only as a last resort, but it does not say who decides when that point "
    "is reached. I suggest an independent review within 48 hours for any family with children.",
    "As a paediatric nurse I have treated children who came out of detention centres with untreated "
    "infections. Health screening on arrival should be mandatory, and migrants should not pay for it.",
    "Section 4 should distinguish between unaccompanied children and children travelling with their "
    "families. The first group needs a guardian appointed immediately, whatever the detention rules say.",
    "I disagree with the proposal. Border authorities need the option of detention when identity cannot "
    "be established, including for adults travelling with children, otherwise smugglers will exploit it.",
    "Statistics on detention are missing from the annex. How many migrants, and how many children among "
    "them, were detained last year, for how long, and in which facilities? Without data the guidance is blind.",
    "Alternatives to detention work: in our pilot, ninety per cent of families with children kept every "
    "appointment while living in the community. The guidance should cite such evidence for migrants.",
    "Please add a reference to the Convention on the Rights of the Child. Detention of children for "
    "migration reasons is never in their best interests, as the committee has said many times.",
)
ARABIC_LETTER = (
    "نكتب إليكم لنطلب من الفريق العامل إنهاء احتجاز الأطفال المهاجرين في جميع الدول الأعضاء. إن الاحتجاز "
    "يضر بالأطفال حتى عندما يكون قصيرا وحتى عندما تكون الظروف جيدة. يجب أن تعيش الأسر التي لديها أطفال "
    "في المجتمع أثناء انتظار القرار بشأن طلب اللجوء، وأن تكون مصلحة الطفل الفضلى أولا في كل قرار."
)
ARABIC_GREETINGS = ("السادة أعضاء الفريق العامل،", "تحية طيبة وبعد،", "إلى من يهمه الأمر،")
ARABIC_NAMES = ("أحمد حسن", "فاطمة الزهراء", "محمد علي", "ليلى سعيد", "يوسف خالد")
ARABIC_DISTINCT = (
    "أعمل ممرضة في مركز صحي وقد رأيت أطفالا خرجوا من مراكز الاحتجاز وهم يعانون من أمراض لم تعالج. يجب أن "
    "يكون الفحص الصحي إلزاميا عند الوصول وأن يكون مجانيا للمهاجرين."
)
CHINESE_LETTER = (
    "我们写信请求工作组在所有成员国结束对移民儿童的拘留。即使拘留时间很短、条件很好，拘留也会伤害儿童："
    "医生报告说，仅仅几周之后，孩子们就出现焦虑、失眠和发育迟缓。正在等待庇护申请结果的有孩子的家庭应当"
    "在社区中生活，由社工跟进并定期报到，这样花费更少，也能让家庭团聚。请在指南中写明，任何儿童都不应因其"
    "移民身份而被拘留，儿童的最大利益在每一项决定中都应放在首位。"
)
CHINESE_GREETINGS = ("尊敬的工作组成员：", "您好！", "各位委员：")
CHINESE_NAMES = ("张伟", "李娜", "王芳", "刘洋", "陈静", "杨磊")
CHINESE_DISTINCT = (
    "我是一名儿科护士，我治疗过从拘留中心出来的儿童，他们常常带着未经治疗的感染。移民抵达时应当进行强制性的"
    "健康检查，而且不应让他们为此付费。拘留儿童的统计数据也应当公开。"
)


# --- helpers ------------------------------------------------------------------------------------
def copies(letter: str, count: int, *, seed: int, words_changed: int = 2) -> list[str]:
    """``count`` senders' copies of an English ``letter``: each with a greeting and a signature of its
    own, up to ``words_changed`` words replaced, and in one copy of three a sentence of its own."""
    rng = random.Random(seed)
    made = []
    for _ in range(count):
        words = letter.split()
        for place in rng.sample(range(len(words)), rng.randint(0, words_changed)):
            words[place] = rng.choice(("really", "urgently", "truly", "strongly", "also"))
        body = " ".join(words)
        if rng.random() < 1 / 3:
            body += " " + rng.choice(OWN_SENTENCES)
        made.append(f"{rng.choice(GREETINGS)}\n\n{body}\n\nYours sincerely,\n{rng.choice(NAMES)}")
    return made


def signed(letter: str, count: int, greetings: Iterable[str], names: Iterable[str], *, seed: int) -> list[str]:
    """``count`` copies of ``letter`` (in a script without English words), each with a greeting and a name."""
    rng = random.Random(seed)
    greetings, names = list(greetings), list(names)
    return [f"{rng.choice(greetings)}\n{letter}\n{rng.choice(names)}" for _ in range(count)]


def numbered(texts: Iterable[str], first: int = 1) -> list[tuple[int, str]]:
    return list(enumerate(texts, start=first))


def member_sets(campaigns: list[Campaign]) -> set[frozenset[int]]:
    return {frozenset(campaign.members) for campaign in campaigns}


def edited(text: str, places: Iterable[int]) -> str:
    """``text`` with the words at ``places`` replaced by words found nowhere else."""
    words = text.split()
    for place in places:
        words[place] = f"edit{place}"
    return " ".join(words)


def assert_one_campaign(campaigns: list[Campaign], members: Iterable[int]) -> Campaign:
    """There is exactly one campaign, and it holds exactly ``members``, in that order."""
    assert [campaign.members for campaign in campaigns] == [tuple(members)]
    return campaigns[0]


def assert_held_together(campaign: Campaign, text_of: dict[int, str], threshold: float) -> None:
    """The links of similarity ``threshold`` or more among the campaign's members connect them all."""
    reached, frontier = {campaign.lead}, [campaign.lead]
    while frontier:
        member = frontier.pop()
        for other in campaign.members:
            if other not in reached and similarity(text_of[member], text_of[other]) >= threshold:
                reached.add(other)
                frontier.append(other)
    assert reached == set(campaign.members)


# --- the measure ---------------------------------------------------------------------------------
def test_similarity_is_the_jaccard_similarity_of_the_shingle_sets() -> None:
    copy = copies(LETTER, 1, seed=1)[0]
    a, b = shingles(LETTER), shingles(copy)
    assert similarity(LETTER, copy) == len(a & b) / len(a | b)
    assert similarity(copy, LETTER) == similarity(LETTER, copy)
    assert similarity(LETTER, LETTER) == 1.0
    assert 0 < similarity(LETTER, copy) < 1


def test_a_text_without_words_has_no_shingles_and_no_similarity() -> None:
    for empty in ("", "   ", "?!… — 😀", "\x00\x00"):
        assert shingles(empty) == frozenset()
        assert similarity(empty, empty) == 0.0
        assert similarity(empty, LETTER) == 0.0
    assert len(shingles("Hello")) == 1
    assert similarity("Hello", "hello!") == 1.0


def test_shingles_are_pairs_of_consecutive_words() -> None:
    assert len(shingles("one two three four")) == 3
    assert len(shingles("one two one two")) == 2  # "one two" twice, "two one" once: a set
    assert shingles("one two three") != shingles("three two one")


def test_case_width_and_compatibility_forms_do_not_matter() -> None:
    assert similarity("ＤＥＴＥＮＴＩＯＮ of children in Straße ﬁve", "detention OF CHILDREN IN STRASSE five") == 1.0
    assert similarity("école", "e\u0301cole") == 1.0


def test_shingles_are_the_same_in_another_process() -> None:
    text = LETTER + " " + ARABIC_LETTER + " " + CHINESE_LETTER
    script = "import sys; from drafts.campaigns import shingles; print(sorted(shingles(sys.stdin.read())))"
    runs = [
        subprocess.run([sys.executable, "-c", script], input=text, capture_output=True, text=True, check=True,
                       cwd=ROOT, env={"PYTHONHASHSEED": seed, "PYTHONPATH": str(ROOT)}).stdout
        for seed in ("1", "2")
    ]
    assert runs[0] == runs[1] == f"{sorted(shingles(text))}\n"


# --- campaigns -----------------------------------------------------------------------------------
def test_copies_of_a_form_letter_are_one_campaign_with_their_count() -> None:
    letters = copies(LETTER, 40, seed=7)
    assert len(set(letters)) > 30  # the copies differ
    texts = numbered([*DISTINCT[:4], *letters, *DISTINCT[4:]])
    campaign = assert_one_campaign(group(texts), range(5, 45))
    assert (campaign.size, campaign.lead) == (40, 5)
    assert THRESHOLD <= campaign.similarity < 1


def test_comments_written_separately_on_the_same_subject_are_not_grouped() -> None:
    for word in ("detention", "children"):
        assert all(word in comment.lower() for comment in DISTINCT)
    texts = numbered([*DISTINCT, LETTER])
    assert max(similarity(a, b) for _, a in texts for _, b in texts if a != b) < 0.1
    assert group(texts) == []
    assert group(texts, threshold=0.2) == []


def test_a_pair_just_above_the_threshold_is_grouped_and_one_just_below_is_not() -> None:
    edits = [edited(LETTER, range(0, 7 * n, 7)) for n in range(1, 16)]
    scores = [similarity(LETTER, copy) for copy in edits]
    assert scores == sorted(scores, reverse=True)
    below = next(k for k, score in enumerate(scores) if score < THRESHOLD)
    assert below > 0
    above = below - 1
    assert THRESHOLD <= scores[above] < THRESHOLD + 0.05 and THRESHOLD - 0.05 < scores[below] < THRESHOLD
    campaign = assert_one_campaign(group([(1, LETTER), (2, edits[above])]), [1, 2])
    assert campaign.similarity == round(scores[above], 3)
    assert group([(1, LETTER), (2, edits[below])]) == []


def test_the_threshold_is_inclusive_whatever_it_is() -> None:
    copy = copies(LETTER, 1, seed=3, words_changed=6)[0]
    score = similarity(LETTER, copy)
    assert 0.5 < score < 1
    assert_one_campaign(group([(1, LETTER), (2, copy)], threshold=score), [1, 2])
    assert group([(1, LETTER), (2, copy)], threshold=math.nextafter(score, 1)) == []


def test_at_threshold_one_only_texts_with_the_same_shingles_are_grouped() -> None:
    texts = [(1, LETTER), (2, LETTER.upper().replace(".", "!")), (3, edited(LETTER, [10]))]
    campaign = assert_one_campaign(group(texts, threshold=1.0), [1, 2])
    assert campaign.similarity == 1.0
    assert_one_campaign(group(texts), [1, 2, 3])


def test_identical_copies_are_a_campaign_of_similarity_one() -> None:
    campaign = assert_one_campaign(group(numbered([LETTER] * 30)), range(1, 31))
    assert campaign.similarity == 1.0


def test_short_texts_are_never_grouped() -> None:
    assert group(numbered(["I agree."] * 50)) == []
    words = ["we", "fully", "support", "the", "proposal", "of", "the", "chair", "and"]
    just_short, long_enough = " ".join(words[: MIN_WORDS - 1]), " ".join(words[:MIN_WORDS])
    assert group(numbered([just_short] * 5)) == []
    assert_one_campaign(group(numbered([long_enough] * 5)), range(1, 6))


def test_in_chinese_a_character_counts_as_half_a_word() -> None:
    sentence = "我们完全支持主席关于结束拘留移民儿童的提案"
    assert group(numbered([sentence[: 2 * MIN_WORDS - 1]] * 3)) == []
    assert_one_campaign(group(numbered([sentence[: 2 * MIN_WORDS]] * 3)), [1, 2, 3])


def test_combining_marks_stay_inside_their_words() -> None:
    # Seven fully vocalised Arabic words: cut at their vowel marks they would be many more.
    vocalised = "نَحْنُ نُؤَيِّدُ هَذَا الِاقْتِرَاحَ تَأْيِيدًا كَامِلًا دَائِمًا"
    assert len(vocalised.split()) == MIN_WORDS - 1
    assert group(numbered([vocalised] * 3)) == []
    assert_one_campaign(group(numbered([vocalised + " جِدًّا"] * 3)), [1, 2, 3])


def test_an_arabic_campaign_is_found() -> None:
    letters = signed(ARABIC_LETTER, 12, ARABIC_GREETINGS, ARABIC_NAMES, seed=5)
    assert len(set(letters)) > 6
    texts = numbered([ARABIC_DISTINCT, *letters, *DISTINCT[:3]])
    campaign = assert_one_campaign(group(texts), range(2, 14))
    assert campaign.similarity >= THRESHOLD
    assert similarity(ARABIC_DISTINCT, ARABIC_LETTER) < 0.1


def test_a_chinese_campaign_is_found() -> None:
    letters = signed(CHINESE_LETTER, 12, CHINESE_GREETINGS, CHINESE_NAMES, seed=5)
    letters[3] = letters[3].replace("结束", "尽快结束")  # words of their own, unspaced
    assert len(set(letters)) > 6
    texts = numbered([CHINESE_DISTINCT, *letters, LETTER])
    assert_one_campaign(group(texts), range(2, 14))
    assert similarity(CHINESE_DISTINCT, CHINESE_LETTER) < 0.1


def test_copies_join_through_the_copies_between_them() -> None:
    first = LETTER
    second = edited(first, range(0, 40, 5))
    third = edited(second, range(60, 100, 5))
    links = similarity(first, second), similarity(second, third)
    assert min(links) >= THRESHOLD > similarity(first, third)
    campaign = assert_one_campaign(group([(1, first), (2, second), (3, third)]), [1, 2, 3])
    assert campaign.similarity == round(min(links), 3)
    assert group([(1, first), (3, third)]) == []


def test_campaigns_are_largest_first_then_in_the_order_of_their_leads() -> None:
    english = copies(LETTER, 3, seed=1)
    arabic = signed(ARABIC_LETTER, 5, ARABIC_GREETINGS, ARABIC_NAMES, seed=1)
    chinese = [CHINESE_LETTER] * 3
    leads = [(10, chinese[0]), (11, arabic[0]), (12, english[0])]
    found = group([*leads, *numbered([*english[1:], *arabic[1:], *chinese[1:]], first=20)])
    assert [(campaign.lead, campaign.size) for campaign in found] == [(11, 5), (10, 3), (12, 3)]


def test_members_are_in_the_order_given_and_the_lead_is_the_first() -> None:
    texts = [(30, LETTER), (4, LETTER), (17, LETTER), (1, DISTINCT[0])]
    campaign = assert_one_campaign(group(texts), [30, 4, 17])
    assert campaign.lead == 30


def test_min_size_leaves_out_smaller_campaigns() -> None:
    texts = numbered([*[LETTER] * 3, *[CHINESE_LETTER] * 5])
    assert [campaign.size for campaign in group(texts)] == [5, 3]
    assert [campaign.size for campaign in group(texts, min_size=4)] == [5]
    assert group(texts, min_size=6) == []


def test_the_same_texts_in_any_order_give_the_same_campaigns() -> None:
    texts = numbered([*copies(LETTER, 25, seed=2, words_changed=6),
                      *signed(ARABIC_LETTER, 8, ARABIC_GREETINGS, ARABIC_NAMES, seed=2),
                      *signed(CHINESE_LETTER, 6, CHINESE_GREETINGS, CHINESE_NAMES, seed=2), *DISTINCT])
    found = group(texts)
    assert [campaign.size for campaign in found] == [25, 8, 6]
    assert group(texts) == found
    rng = random.Random(11)
    for _ in range(5):
        shuffled = rng.sample(texts, len(texts))
        again = group(shuffled)
        assert {frozenset(c.members): c.similarity for c in again} == {frozenset(c.members): c.similarity
                                                                       for c in found}
        order = [text_id for text_id, _ in shuffled]
        for campaign in again:
            assert list(campaign.members) == sorted(campaign.members, key=order.index)


def test_any_iterable_of_pairs_is_accepted() -> None:
    assert_one_campaign(group((text_id, LETTER) for text_id in (5, 6)), [5, 6])
    assert group([]) == []


@pytest.mark.parametrize("threshold", [0, -0.5, 1.0001, 2, math.nan, math.inf])
def test_a_threshold_outside_zero_to_one_is_refused(threshold: float) -> None:
    with pytest.raises(ValueError, match="threshold"):
        group([(1, LETTER), (2, LETTER)], threshold=threshold)


@pytest.mark.parametrize("min_size", [1, 0, -2])
def test_a_min_size_under_two_is_refused(min_size: int) -> None:
    with pytest.raises(ValueError, match="min_size"):
        group([(1, LETTER), (2, LETTER)], min_size=min_size)


def test_a_repeated_id_is_refused() -> None:
    with pytest.raises(ValueError, match="id 2 "):
        group([(1, LETTER), (2, DISTINCT[0]), (2, DISTINCT[1])])


def test_awkward_texts_are_read_without_surprises() -> None:
    awkward = ["", "\x00" * 50, "😀" * 1000, "\ud800 lone surrogates \udfff " * 20, "a" * 100_000,
               "word " * 20_000, "拘留" * 50_000, "\u0301" * 100, LETTER.replace(" ", "\x00"),
               "\u0e01\u0e31" * 500, "\U0001d400\U00011000\u0301 " * 200]
    found = group(numbered(awkward + awkward))
    assert {campaign.members for campaign in found} <= {(k + 1, k + 1 + len(awkward)) for k in range(len(awkward))}
    assert (7, 7 + len(awkward)) in {campaign.members for campaign in found}  # the Chinese, read as words
    for text in awkward:
        shingles(text)


# --- properties ----------------------------------------------------------------------------------
VOCABULARY = st.sampled_from(["detention", "migrants", "children", "the", "of", "families", "asylum", "border",
                              "guidance", "rights", "never", "must"])


@st.composite
def corpora(draw: st.DrawFn) -> list[tuple[int, str]]:
    """Up to 25 texts, most of them edited copies of a few letters, with distinct ids."""
    letters = draw(st.lists(st.lists(VOCABULARY, min_size=4, max_size=30), min_size=1, max_size=3))
    texts = []
    for _ in range(draw(st.integers(0, 25))):
        words = list(draw(st.sampled_from(letters)))
        for _ in range(draw(st.integers(0, 4))):
            place = draw(st.integers(0, len(words)))
            edit = draw(st.sampled_from(["replace", "insert", "delete"]))
            if edit == "insert" or place == len(words):
                words.insert(place, draw(VOCABULARY))
            elif edit == "replace":
                words[place] = draw(VOCABULARY)
            else:
                del words[place]
        texts.append(" ".join(words))
    ids = draw(st.lists(st.integers(-10**9, 10**9), min_size=len(texts), max_size=len(texts), unique=True))
    return list(zip(ids, texts, strict=True))


PROPERTY_SETTINGS = settings(max_examples=50, deadline=None, database=None)


@PROPERTY_SETTINGS
@given(corpora(), st.sampled_from([0.5, THRESHOLD, 0.85, 1.0]), st.integers(2, 4))
def test_every_campaign_is_held_together_by_links_at_the_threshold(
    texts: list[tuple[int, str]], threshold: float, min_size: int
) -> None:
    text_of = dict(texts)
    position = {text_id: place for place, (text_id, _) in enumerate(texts)}
    found = group(texts, threshold=threshold, min_size=min_size)
    grouped = [member for campaign in found for member in campaign.members]
    assert len(grouped) == len(set(grouped))  # no id in two campaigns
    assert set(grouped) <= set(text_of)
    for campaign in found:
        assert campaign.size == len(campaign.members) >= min_size
        assert campaign.lead == campaign.members[0]
        assert list(campaign.members) == sorted(campaign.members, key=position.__getitem__)
        assert round(threshold, 3) <= campaign.similarity <= 1
        assert all(len(text_of[member].split()) >= MIN_WORDS for member in campaign.members)
        assert_held_together(campaign, text_of, threshold)
    assert [(-c.size, position[c.lead]) for c in found] == sorted((-c.size, position[c.lead]) for c in found)


@PROPERTY_SETTINGS
@given(corpora(), st.data())
def test_the_order_of_the_input_changes_no_campaign(texts: list[tuple[int, str]], data: st.DataObject) -> None:
    shuffled = data.draw(st.permutations(texts))
    found, again = group(texts), group(shuffled)
    assert {frozenset(c.members): c.similarity for c in again} == {frozenset(c.members): c.similarity for c in found}
    assert group(texts) == found


@PROPERTY_SETTINGS
@given(st.lists(st.text(max_size=300), max_size=8))
def test_any_text_at_all_is_read(texts: list[str]) -> None:
    found = group(numbered(texts + texts))
    assert all(set(campaign.members) <= set(range(1, 2 * len(texts) + 1)) for campaign in found)
    for text in texts:
        assert similarity(text, text) in (0.0, 1.0)
