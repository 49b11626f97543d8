"""Search (the page at /search/ and the selector): what it finds, where it says a match is, and that a
result nobody may see never appears, not even as a count. Runs on SQLite (FTS5) and PostgreSQL (tsvector)."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from drafts import selectors, services
from drafts.access import system_actor
from drafts.models import Document, Draft, DraftComment, DraftSection, SearchEntry, Section
from drafts.searching import parse
from tests.factories import freeze, make_document, make_section
from tests.test_access import comment_form, open_window

pytestmark = pytest.mark.django_db



def found(user, text: str, **filters) -> list[str]:
    """Where each result of ``text`` is, as the results say it."""
    return [hit.where for hit in selectors.search_results(user, parse(text), **filters).hits]


def total(user, text: str, **filters) -> int:
    return selectors.search_results(user, parse(text), **filters).total


@pytest.fixture
def document(people):
    document = make_document(
        "guidance",
        editor=people["editor"],
        members=[people["member"]],
        stakeholders=[people["stakeholder"], people["ngo"], people["state"]],
    )
    principle = make_section(document, "Liberty", "Everyone has the right to liberty.", key="p1")
    make_section(
        document,
        "Detention as a last resort",
        "Immigration detention is an exceptional measure.\n\nChildren are never detained; "
        "alternatives to detention come first.",
        parent=principle,
        key="p1-g1",
    )
    make_section(document, "Access to justice", "Migrants have access to courts.", parent=principle, key="p1-g2")
    return document


def comment(draft: Draft, person, text: str, key: str = "p1-g1", **extra) -> DraftComment:
    target = DraftSection.objects.get(draft=draft, key=key)
    return services.comment_post(form=comment_form(target, text), user=person, draft=draft, **extra)


# What it finds and where --------------------------------------------------------------------------


def test_a_match_is_cited_by_section_and_paragraph_and_links_there(document) -> None:
    freeze(document, visibility=Draft.Visibility.PUBLIC)
    hits = selectors.search_results(AnonymousUser(), parse("alternatives")).hits
    assert [(h.where, h.kind) for h in hits] == [("1.1 ¶2", "draft")]
    assert hits[0].url == "/d/guidance/drafts/1/s/p1-g1/#s-1-1-p2"
    assert "<mark>alternatives</mark>" in hits[0].excerpt
    assert found(AnonymousUser(), "liberty") == ["1 ¶1"]  # the text, not only the heading, is cited


def test_words_are_stemmed_phrases_kept_and_exclusions_honoured(document) -> None:
    freeze(document, visibility=Draft.Visibility.PUBLIC)
    anyone = AnonymousUser()
    assert found(anyone, "migrant") == ["1.2 ¶1"]  # "Migrants" in the text
    assert found(anyone, '"exceptional measure"') == ["1.1 ¶1"]
    assert found(anyone, '"measure exceptional"') == []
    assert found(anyone, "detention -children") == []  # 1.1 has both
    assert sorted(found(anyone, "courts OR liberty")) == ["1 ¶1", "1.2 ¶1"]


def test_the_index_follows_every_write_and_a_frozen_draft_keeps_its_words(document, people) -> None:
    draft = freeze(document, visibility=Draft.Visibility.PUBLIC, **open_window())
    section = Section.objects.get(document=document, key="p1-g2")
    services.section_update(
        section=section,
        user=people["member"],
        base_version=section.version_number,
        heading=section.heading,
        body="Migrants have access to tribunals.",
        message="Wording",
    )
    member = people["member"]
    hits = selectors.search_results(member, parse("tribunals")).hits
    assert [(h.kind, h.where) for h in hits] == [("working", "1.2 ¶1")]
    assert [h.kind for h in selectors.search_results(member, parse("courts")).hits] == ["draft"]  # as frozen
    services.section_remove(section=section, user=member)
    assert total(member, "tribunals") == 0

    posted = comment(draft, people["ngo"], "Please name habeas corpus.")
    assert total(AnonymousUser(), "habeas") == 1
    services.comment_edit(comment=posted, user=people["ngo"], text="Please name amparo.")
    assert (total(AnonymousUser(), "habeas"), total(AnonymousUser(), "amparo")) == (0, 1)
    services.comment_dispose(
        comments=[posted], user=people["editor"], draft=draft, disposition="accepted", response="We will add writs."
    )
    assert total(people["editor"], "writs") == 1  # the working group reads the decision as drafted
    assert total(people["ngo"], "writs") == 0  # stakeholders only once it is published
    services.decisions_publish(draft=draft, user=people["editor"])
    assert total(people["ngo"], "writs") == 1
    assert total(people["editor"], "writs") == 1  # not twice (drafted and published)


def test_reindexing_rebuilds_the_same_entries(document, people) -> None:
    draft = freeze(document, visibility=Draft.Visibility.PUBLIC, **open_window())
    comment(draft, people["ngo"], "Please name habeas corpus.")
    before = sorted(SearchEntry.objects.values_list("kind", "body"))
    SearchEntry.objects.all().delete()
    assert total(people["editor"], "habeas") == 0
    services.search_reindex()
    assert sorted(SearchEntry.objects.values_list("kind", "body")) == before
    assert total(people["editor"], "habeas") == 1


def test_filters_narrow_by_document_draft_kind_and_category(document, people) -> None:
    first = freeze(document, visibility=Draft.Visibility.PUBLIC, **open_window())
    freeze(document, visibility=Draft.Visibility.PUBLIC, keep_previous_open=True)
    comment(first, people["ngo"], "Detention of children must end.")
    comment(first, people["state"], "Detention is lawful here.")
    editor = people["editor"]
    assert total(editor, "detention", kind="comment") == 2
    assert total(editor, "detention", kind="comment", category="ngo") == 1
    assert total(editor, "detention", kind="text", document=document, draft_number=2) == 1
    # The same paragraph in both drafts and the working copy is one result that says where else it is.
    (hit,) = selectors.search_results(editor, parse("detention"), kind="text").hits
    assert (hit.where, [label for label, _url in hit.also]) == ("1.1 ¶1", ["Draft 1", "Working copy"])
    other = make_document("other", editor=editor)
    assert total(editor, "detention", document=other) == 0


def test_chinese_and_arabic_texts_are_found(people) -> None:
    document = make_document("zh", editor=people["editor"])
    arabic = make_document("ar", editor=people["editor"])
    Document.objects.filter(pk=document.pk).update(language="zh-hans")
    Document.objects.filter(pk=arabic.pk).update(language="ar")
    document.refresh_from_db()
    arabic.refresh_from_db()
    make_section(document, "拘留", "移民拘留应当是最后手段。", key="z1")
    make_section(arabic, "الاحتجاز", "الاحتجاز التعسفي للمهاجرين محظور.", key="a1")
    freeze(document)
    freeze(arabic)
    assert found(AnonymousUser(), "拘留") == ["1 ¶1"]  # a word inside a sentence written without spaces
    assert "<mark>拘留</mark>" in selectors.search_results(AnonymousUser(), parse("拘留")).hits[0].excerpt
    assert found(AnonymousUser(), "التعسفي") == ["1 ¶1"]


# Who sees what ------------------------------------------------------------------------------------

SECRETS = {
    "wgtext": "the working-group draft's text",
    "workingcopy": "the working copy",
    "restrictedtext": "the restricted draft's text",
    "hiddenremark": "a comment the editors hid",
    "ownthread": "a comment on a draft that keeps comments apart",
    "draftedreply": "a decision not yet published",
}
# Which secret words each role may find (everything else must never appear, even as a count).
MAY_FIND = {
    "anonymous": set(),
    "outsider": set(),
    "elsewhere": set(),
    "stakeholder": {"restrictedtext"},
    "ngo": {"restrictedtext", "ownthread"},
    "member": set(SECRETS),
    "editor": set(SECRETS),
}


@pytest.fixture
def world(document, people):
    """A document whose texts and comments each carry one secret word, seen by different people."""
    people["elsewhere"] = people["outsider"].__class__.objects.create_user("elsewhere", email="e@example.org")
    make_document("other", editor=people["elsewhere"])
    actor = system_actor()
    section = make_section(document, "Internal", "wgtext publicword", key="wg")

    def reword(body: str) -> None:
        current = Section.objects.get(pk=section.pk)
        services.section_update(section=current, user=actor, base_version=current.version_number,
                                heading="Internal", body=body, message="Reworded")

    freeze(document, visibility=Draft.Visibility.WORKING_GROUP)
    reword("restrictedtext publicword")
    restricted = freeze(document, visibility=Draft.Visibility.RESTRICTED, comments_visible_to_all=False,
                        **open_window())
    comment(restricted, people["ngo"], "ownthread publicword", key="wg")
    reword("publictext publicword")
    public = freeze(document, visibility=Draft.Visibility.PUBLIC, keep_previous_open=True, **open_window())
    reword("workingcopy publicword")
    hidden = comment(public, people["state"], "hiddenremark publicword", key="wg")
    services.comment_hide(comment=hidden, user=actor, reason="Off topic")
    shown = comment(public, people["state"], "visibleremark publicword", key="wg")
    services.comment_dispose(comments=[shown], user=actor, draft=public, disposition="noted", response="draftedreply")
    return people


def results_of(client, address: str) -> str:
    """The search page's results: what follows its form (the query itself is echoed in the box and the
    sign-in link, not counted)."""
    response = client.get(address)
    assert response.status_code == 200, address
    html = response.content.decode()
    after_form = html[html.index('id="search-form"') :]
    return after_form[after_form.index("</form>") + len("</form>") : after_form.index("<footer")]


@pytest.mark.parametrize("role", sorted(MAY_FIND))
def test_search_shows_each_person_only_what_they_may_read(client, world, role) -> None:
    """For every secret word: the page and the API show it, and count it, only to those who may read it."""
    person = AnonymousUser() if role == "anonymous" else world[role]
    if role != "anonymous":
        client.force_login(person)
    for secret in SECRETS:
        expected = secret in MAY_FIND[role]
        assert (total(person, secret) > 0) == expected, secret
        results = results_of(client, reverse("drafts:search") + f"?q={secret}")
        assert (secret in results) == expected, secret
        if not expected:
            assert "Nothing found" in results and "result" not in re.sub(r"<[^>]+>", "", results)
        api = client.get(reverse("api:search"), {"q": secret}).json()
        assert (api["count"] > 0) == expected, (secret, api)
    # A word in every text: each result counted is one this person may read.
    everything = selectors.search_results(person, parse("publicword"))
    words = " ".join(re.sub(r"<[^>]+>", "", str(h.excerpt)) for h in everything.hits)
    assert {s for s in SECRETS if s in words} <= MAY_FIND[role]
    assert "visibleremark" in words and "publictext" in words


@pytest.mark.parametrize("role", ["anonymous", "outsider", "elsewhere", "stakeholder"])
def test_the_api_crawled_whole_holds_no_working_group_text_or_hidden_comment(client, world, role) -> None:
    """Every API address reachable from /api/documents/, followed through every page, for people
    outside the working group: no secret they may not read is anywhere in what comes back."""
    if role != "anonymous":
        client.force_login(world[role])
    seen, bodies = set(), []
    queue = [reverse("api:documents")]
    while queue:
        address = queue.pop()
        if address in seen:
            continue
        seen.add(address)
        response = client.get(address)
        assert response.status_code in (200, 404), (address, response.status_code)
        if response.status_code != 200:
            continue
        body = response.content.decode()
        bodies.append(body)
        data = response.json()
        queue += [data["next"]] if isinstance(data, dict) and data.get("next") else []
        for document in re.findall(r'"slug":"([^"]+)"', body):
            queue.append(reverse("api:drafts", kwargs={"slug": document}))
        if address.startswith("/api/documents/") and address.endswith("/drafts/"):
            slug = address.split("/")[3]
            numbers = [1, 2, 3, 4]  # the hidden drafts too: they must answer 404, not their text
            for n in numbers:
                for name in ("draft", "sections", "comments", "matrix"):
                    queue.append(reverse(f"api:{name}", kwargs={"slug": slug, "number": n}))
            for a in [*numbers, "working"]:
                for b in [*numbers, "working"]:
                    queue.append(reverse("api:compare", kwargs={"slug": slug}) + f"?from={a}&to={b}")
    crawled = "\n".join(bodies)
    assert "publictext" in crawled and "visibleremark" in crawled  # the crawl reached the public draft
    assert len(seen) > 10
    for secret in SECRETS:
        assert (secret in crawled) == (secret in MAY_FIND[role]), secret


def test_bad_searches_answer_400_with_the_reason_and_store_nothing(client, document) -> None:
    freeze(document)
    before = SearchEntry.objects.count()
    for q, says in [
        ("a\x00b", "Null characters are not allowed"),
        ("a\x07b", "control characters"),
        ("x" * 10_000, "at most 500"),
        ("-detention", "not only what"),
        ("", "one or more words"),
    ]:
        response = client.get(reverse("drafts:search"), {"q": q})
        assert response.status_code == 400, q
        assert says in response.content.decode(), q
        api = client.get(reverse("api:search"), {"q": q})
        assert api.status_code == 400 and "q" in api.json()
    for q in ['"unclosed', "'; DROP TABLE drafts_searchentry; --", "NEAR(a b)", "* OR AND NOT", "移民", "الاحتجاز"]:
        assert client.get(reverse("drafts:search"), {"q": q}).status_code == 200, q
    assert SearchEntry.objects.count() == before


@pytest.mark.parametrize("role", ["anonymous", "editor"])
@pytest.mark.parametrize("kind", ["text", "comment"])
def test_the_search_page_costs_the_same_few_queries_however_many_results(client, document, people, role, kind,
                                                                         settings) -> None:
    """Draft texts, working copy, comments and responses alike: no query per result."""
    settings.COMMENTS_PER_MINUTE = 100

    def queries() -> int:
        with CaptureQueriesContext(connection) as seen:
            assert client.get(reverse("drafts:search"), {"q": "detention", "kind": kind}).status_code == 200
        return len(seen)

    if role != "anonymous":
        client.force_login(people[role])
    draft = freeze(document, **open_window())
    comment(draft, people["ngo"], "Detention remark.")
    few = queries()
    for n in range(12):
        make_section(document, f"Detention safeguard {n}", f"Detention safeguard number {n} applies.", key=f"d{n}")
        comment(draft, people["ngo"] if n % 2 else people["state"], f"Detention remark {n}.")
        services.comment_dispose(comments=[DraftComment.objects.latest("pk")], user=people["editor"], draft=draft,
                                 disposition="noted", response="On detention.")
    services.decisions_publish(draft=draft, user=people["editor"])
    freeze(document, keep_previous_open=True)
    many = queries()
    person = AnonymousUser() if role == "anonymous" else people[role]
    assert selectors.search_results(person, parse("detention"), kind=kind).total >= 12
    assert many <= few + 3, (few, many)
