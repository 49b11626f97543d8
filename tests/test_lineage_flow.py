"""Lineage as people use it: decisions linked to changes, statuses that tell the truth, comments carried
forward into the next draft, the editors' queue of comments whose text is gone, and "what changed and why".

Pages are driven through the forms they render (the values a browser would send back), commands
through ``call_command``; what is asserted is what the reader gets.
"""

from __future__ import annotations

import io
import json
import zipfile

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from drafts import services
from drafts.models import CommentChange, Draft, DraftComment, DraftSection, ParagraphLineage, Section
from tests.factories import freeze, make_document, make_principles, make_section
from tests.test_comments import open_window, post_comment

pytestmark = pytest.mark.django_db


@pytest.fixture
def document(make_guidance):
    return make_guidance(principles=2, guidelines=2)


@pytest.fixture
def draft(document):
    return freeze(document, visibility=Draft.Visibility.PUBLIC, **open_window())


def comment(client, people, draft, who="ngo", key="p1-g1", **fields) -> DraftComment:
    client.force_login(people[who])
    post_comment(client, draft, key=key, **{"comment": f"On {key}", **fields})
    client.logout()
    return DraftComment.objects.filter(user=people[who]).latest("pk")


def rendered_form(response) -> dict:
    """What the browser sends back for the page's form as rendered (initial values, hidden fields)."""
    form = response.context["form"]
    data = {}
    for name, field in form.fields.items():
        value = form[name].value()
        if getattr(field.widget, "input_type", "") == "checkbox":
            if value:
                data[name] = "on"
            continue
        data[name] = "" if value is None else value
    return data


def edit_section(client, person, document, key, *, body=None, message="Edited", addresses=""):
    client.force_login(person)
    url = reverse("drafts:section_edit", kwargs={"slug": document.slug, "key": key})
    data = rendered_form(client.get(url))
    assert "addresses" in data, "the edit page renders the field for citing comments"
    data.update(message=message, addresses=addresses)
    if body is not None:
        data["body"] = body
    return client.post(url, data)


def export(slug, number, user="editor") -> list[dict]:
    out = io.StringIO()
    call_command(
        "export_comments", slug, str(number), "--format", "json", "--user", user, stdout=out, stderr=io.StringIO()
    )
    return json.loads(out.getvalue())


def landed(records) -> dict[str, dict | None]:
    return {
        r["id"]: (
            None
            if r["landed_in"] is None
            else {k: r["landed_in"][k] for k in ("draft", "section", "number", "paragraph", "match")}
        )
        for r in records
    }


# Paragraph lineage, end to end -------------------------------------------------------------------


def test_each_comment_says_where_its_paragraph_went_in_the_next_draft(client, people, document, draft) -> None:
    edited = comment(client, people, draft, key="p1-g1", paragraph=2)
    kept = comment(client, people, draft, key="p1-g1", paragraph=1)
    moved = comment(client, people, draft, key="p1-g2", paragraph=1)
    gone = comment(client, people, draft, key="p2-g2", paragraph=2)
    assert landed(export("guidance", 1)) == dict.fromkeys(
        [edited.reference, kept.reference, moved.reference, gone.reference]
    )

    editor = people["editor"]
    edit_section(
        client, editor, document, "p1-g1", body="First paragraph of 1.1.\n\nSecond paragraph of 1.1, now longer."
    )
    edit_section(
        client, editor, document, "p2-g2", body="First paragraph of 2.2.\n\nSomething entirely different here."
    )
    section = Section.objects.get(document=document, key="p1-g2")
    services.section_move(
        section=section, user=editor, parent=Section.objects.get(document=document, key="p2"), position=1
    )
    second = freeze(document, user=editor)
    assert ParagraphLineage.objects.filter(draft=second).count() == sum(
        1 + len(s.body.split("\n\n")) for s in DraftSection.objects.filter(draft=draft)
    )
    assert landed(export("guidance", 1)) == {
        edited.reference: {"draft": 2, "section": "p1-g1", "number": "1.1", "paragraph": 2, "match": "edited"},
        kept.reference: {"draft": 2, "section": "p1-g1", "number": "1.1", "paragraph": 1, "match": "same"},
        moved.reference: {"draft": 2, "section": "p1-g2", "number": "2.1", "paragraph": 1, "match": "same"},
        gone.reference: {"draft": 2, "section": None, "number": None, "paragraph": None, "match": "gone"},
    }
    # What the commenter sees: where it went, and the redline of that paragraph.
    client.force_login(people["ngo"])
    page = client.get(reverse("drafts:my_comments")).content.decode()
    assert "now 1.1 ¶2 in Draft 2, edited" in page and "<ins>, now longer</ins>" in page
    assert "now 2.1 ¶1 in Draft 2, unchanged" in page
    assert "the text is no longer in Draft 2" in page


def test_ids_are_unique_across_a_documents_drafts(client, people, document, draft) -> None:
    first = comment(client, people, draft, key="p1-g1")
    second_draft = freeze(document, **open_window())
    later = comment(client, people, second_draft, key="p1-g1")
    assert (first.reference, later.reference) == ("MRN-001", "MRN-002")


# Statuses that tell the truth --------------------------------------------------------------------


def test_addressed_in_only_for_accepted_comments_whose_change_is_in_the_draft(client, people, document, draft) -> None:
    linked = comment(client, people, draft, key="p1-g1", paragraph=1)
    unlinked = comment(client, people, draft, key="p1-g2", paragraph=1)
    rejected = comment(client, people, draft, key="p2-g1", paragraph=1)
    noted = comment(client, people, draft, key="p2-g2", paragraph=1)
    editor = people["editor"]
    for c, disposition in ((linked, "accepted"), (unlinked, "accepted"), (rejected, "rejected"), (noted, "noted")):
        services.comment_dispose(comments=[c], user=editor, draft=draft, disposition=disposition, response=f"Re {c}")
    response = edit_section(
        client,
        people["member"],
        document,
        "p1-g1",
        body="Changed.\n\nSecond paragraph of 1.1.",
        addresses=linked.reference.lower(),
    )
    assert response.status_code == 302
    change = CommentChange.objects.get()
    assert (change.comment, change.how, change.section.key) == (linked, "cited", "p1-g1")
    second = freeze(document, user=editor)
    addressed = dict(DraftComment.objects.filter(draft=draft).values_list("reference", "addressed_in"))
    assert addressed == {
        linked.reference: second.pk,
        unlinked.reference: None,
        rejected.reference: None,
        noted.reference: None,
    }
    services.decisions_publish(draft=draft, user=editor)
    client.force_login(people["ngo"])
    page = client.get(reverse("drafts:my_comments")).content.decode()
    for text in ("Addressed in Draft 2", "Accepted; the change is not yet in a draft", "Not retained", "Noted"):
        assert text in page
    assert page.count("Addressed in") == 1
    assert f"Re {rejected}" in page


def test_ids_may_be_separated_by_the_commas_of_any_script(client, people, document, draft) -> None:
    first = comment(client, people, draft, key="p1-g1")
    second = comment(client, people, draft, key="p1-g2")
    response = edit_section(
        client,
        people["member"],
        document,
        "p1-g1",
        body="New.",
        addresses=f"{first.reference}\u060c {second.reference.lower()}",
    )
    assert response.status_code == 302
    assert set(CommentChange.objects.values_list("comment__reference", flat=True)) == {
        first.reference,
        second.reference,
    }


def test_citing_an_unknown_or_malformed_comment_id_saves_nothing(client, people, document, draft) -> None:
    section = Section.objects.get(document=document, key="p1-g1")
    before = section.version_number
    for cited, error in (("XYZ-999", "No comment on this document has the ID XYZ-999"), ("MRN 4", "Not a comment ID")):
        response = edit_section(client, people["member"], document, "p1-g1", body="New.", addresses=cited)
        assert response.status_code == 200 and error in response.content.decode()
    other = make_document("other", editor=people["editor"], stakeholders=[people["ngo"]])
    make_principles(other, principles=1, guidelines=1)
    foreign = comment(client, people, freeze(other, **open_window()), key="p1-g1")
    with pytest.raises(ValidationError):
        services.section_update(
            section=section,
            user=people["member"],
            base_version=before,
            heading=section.heading,
            body="New.",
            message="m",
            addresses=[foreign],
        )
    section.refresh_from_db()
    assert section.version_number == before and not CommentChange.objects.exists()


# Applying proposed text, linking versions --------------------------------------------------------


def test_applying_proposed_text_is_one_version_citing_the_comment_and_the_decision(client, people, draft) -> None:
    c = comment(client, people, draft, key="p1-g2", paragraph=2, proposed_text="A better second paragraph.")
    client.force_login(people["editor"])
    url = reverse("drafts:comment_apply", kwargs={"slug": "guidance", "number": 1, "comment_id": c.pk})
    page = client.get(url)
    data = rendered_form(page)
    assert data["body"] == "First paragraph of 1.2.\n\nA better second paragraph."
    assert c.reference in data["message"]
    data.update(disposition="accepted_modified", response="Taken with a tweak.")
    assert client.post(url, data).status_code == 302
    section = Section.objects.get(key="p1-g2")
    assert section.body == "First paragraph of 1.2.\n\nA better second paragraph."
    change = CommentChange.objects.get(comment=c)
    assert change.how == "applied" and c.reference in change.version.revision.comment
    c.refresh_from_db()
    assert (c.disposition, c.response, c.decided_by) == ("accepted_modified", "Taken with a tweak.", people["editor"])


def test_applying_to_a_section_changed_since_is_a_conflict_and_nothing_is_written(
    client, people, document, draft
) -> None:
    c = comment(client, people, draft, key="p1-g2", paragraph=2, proposed_text="Proposed.")
    client.force_login(people["editor"])
    url = reverse("drafts:comment_apply", kwargs={"slug": "guidance", "number": 1, "comment_id": c.pk})
    data = rendered_form(client.get(url))
    edit_section(client, people["member"], document, "p1-g2", body="The member's text.")
    client.force_login(people["editor"])
    response = client.post(url, data)
    assert response.status_code == 409 and "Nothing was overwritten" in response.content.decode()
    assert Section.objects.get(key="p1-g2").body == "The member's text."
    c.refresh_from_db()
    assert c.disposition == "pending" and not CommentChange.objects.exists()
    # Issue 14: the form now holds the member's saved text, so saving it as it stands keeps their words.
    again = rendered_form(response)
    assert "The member's text." in again["body"]
    assert client.post(url, {**again, "body": again["body"] + "\n\nProposed."}).status_code == 302
    assert Section.objects.get(key="p1-g2").body.startswith("The member's text.")


def test_linking_a_decision_to_versions_and_refusing_foreign_ones(client, people, document, draft) -> None:
    c = comment(client, people, draft, key="p1-g1", paragraph=1)
    edit_section(client, people["member"], document, "p1-g1", body="Revised.", message="Reworded after MRN")
    client.force_login(people["editor"])
    decide = reverse("drafts:comment_decide", kwargs={"slug": "guidance", "number": 1, "comment_id": c.pk})
    link_form = client.get(decide).context["link"]
    choices = [value for value, _label in link_form.fields["versions"].choices]
    assert len(choices) == 1
    link = reverse("drafts:comment_link", kwargs={"slug": "guidance", "number": 1, "comment_id": c.pk})
    assert client.post(link, {"versions": [str(choices[0])]}).status_code == 302
    assert CommentChange.objects.get().how == "linked"
    # A version of another document is refused by the service, whoever calls it.
    other = make_document("other", editor=people["editor"])
    foreign = make_section(other, "Elsewhere")
    from reversion.models import Version

    with pytest.raises(ValidationError):
        services.comment_link_versions(
            comment=c, user=people["editor"], versions=[Version.objects.get_for_object(foreign).get()]
        )
    # A comment of another draft is not found under this draft's address.
    later = freeze(document, **open_window())
    assert (
        client.post(
            reverse("drafts:comment_link", kwargs={"slug": "guidance", "number": later.number, "comment_id": c.pk}), {}
        ).status_code
        == 404
    )
    assert CommentChange.objects.count() == 1


def test_deciding_a_comment_twice_at_once_one_wins_the_other_sees_it(client, people, draft) -> None:
    c = comment(client, people, draft, key="p1-g1")
    client.force_login(people["editor"])
    url = reverse("drafts:comment_decide", kwargs={"slug": "guidance", "number": 1, "comment_id": c.pk})
    mine, theirs = rendered_form(client.get(url)), rendered_form(client.get(url))
    theirs.update(disposition="rejected", response="Out of scope.")
    assert client.post(url, theirs).status_code == 302
    mine.update(disposition="accepted", response="Yes.")
    response = client.post(url, mine)
    assert response.status_code == 409 and "Out of scope." in response.content.decode()
    c.refresh_from_db()
    assert (c.disposition, c.response) == ("rejected", "Out of scope.")
    assert client.post(url, rendered_form(response) | {"disposition": "accepted"}).status_code == 302
    c.refresh_from_db()
    assert c.disposition == "accepted"


# Carried forward, and the queue of comments whose text is gone -----------------------------------


def test_undecided_comments_appear_on_the_next_drafts_section_as_carried_over(client, people, document, draft) -> None:
    pending = comment(client, people, draft, key="p1-g1", paragraph=2)
    decided = comment(client, people, draft, key="p1-g1", paragraph=1)
    services.comment_dispose(comments=[decided], user=people["editor"], draft=draft, disposition="noted")
    services.decisions_publish(draft=draft, user=people["editor"])  # decided, as the stakeholder may know
    second = freeze(document, user=people["editor"])
    page = client.get(
        reverse("drafts:draft_section", kwargs={"slug": "guidance", "number": second.number, "key": "p1-g1"})
    )
    text = page.content.decode()
    assert "carried over from Draft 1 (1.1 ¶2)" in text and pending.reference in text
    assert decided.reference not in text


def test_comments_whose_text_is_gone_wait_for_an_editor_to_place_them(client, people, document, draft) -> None:
    c = comment(client, people, draft, key="p2-g2", paragraph=1)
    services.section_remove(section=Section.objects.get(key="p2-g2"), user=people["editor"])
    second = freeze(document, user=people["editor"])
    client.force_login(people["editor"])
    queue = reverse("drafts:orphan_queue", kwargs={"slug": "guidance", "number": 1})
    rows = client.get(queue).context["rows"]
    assert [row[0] for row in rows] == [c]
    target = DraftSection.objects.get(draft=second, key="p2-g1")
    reanchor = reverse("drafts:comment_reanchor", kwargs={"slug": "guidance", "number": 1, "comment_id": c.pk})
    response = client.post(reanchor, {f"c{c.pk}-section": target.pk, f"c{c.pk}-paragraph": 9}, follow=True)
    assert "has no paragraph 9 (it has 2)" in response.content.decode()
    c.refresh_from_db()
    assert c.carried == ""
    elsewhere = DraftSection.objects.get(draft=draft, key="p2-g1")  # a section of Draft 1, not the next draft
    with pytest.raises(ValidationError):
        services.comment_reanchor(comment=c, user=people["editor"], target=elsewhere, paragraph=1)
    client.post(reanchor, {f"c{c.pk}-section": target.pk, f"c{c.pk}-paragraph": 2})
    assert landed(export("guidance", 1))[c.reference] == {
        "draft": 2,
        "section": "p2-g1",
        "number": "2.1",
        "paragraph": 2,
        "match": "edited",
    }
    assert client.get(queue).context["rows"] == []
    client.post(reanchor, {"orphan": "1"})
    assert landed(export("guidance", 1))[c.reference]["match"] == "gone"


# The compare says why; "what changed and why" ------------------------------------------------------


def test_compare_json_carries_reasons_and_where_a_removed_section_went(client, people, document, draft) -> None:
    c = comment(client, people, draft, key="p1-g1", paragraph=1)
    removed_body = Section.objects.get(key="p2-g2").body
    edit_section(
        client,
        people["member"],
        document,
        "p1-g1",
        body="Reworded.\n\nSecond paragraph of 1.1.",
        message="Clearer opening",
        addresses=c.reference,
    )
    edit_section(
        client,
        people["member"],
        document,
        "p2-g1",
        body=Section.objects.get(key="p2-g1").body + "\n\n" + removed_body,
        message="Merged 2.2 into 2.1",
    )
    services.section_remove(section=Section.objects.get(key="p2-g2"), user=people["member"], message="Merged into 2.1")
    freeze(document, user=people["editor"])
    out = io.StringIO()
    call_command("compare_drafts", "guidance", "1", "2", "--format", "json", stdout=out, stderr=io.StringIO())
    sections = {s["key"]: s for s in json.loads(out.getvalue())["sections"]}
    reasons = sections["p1-g1"]["reasons"]
    assert [m["message"] for m in reasons["messages"]] == ["Clearer opening"] and reasons["comments"] == [c.reference]
    assert reasons["messages"][0]["user"] == "member"
    assert sections["p2-g2"]["merged_into"] == "p2-g1"
    assert sections["p2-g2"]["reasons"]["messages"][-1]["message"] == "Merged into 2.1"
    assert sections["intro"]["reasons"] == {"messages": [], "comments": []} and "merged_into" not in sections["intro"]
    text = io.StringIO()
    call_command("compare_drafts", "guidance", "1", "2", stdout=text, stderr=io.StringIO())
    assert "merged into 2.1" in text.getvalue() and f"comments: {c.reference}" in text.getvalue()
    page = client.get(reverse("drafts:compare", kwargs={"slug": "guidance"}) + "?from=1&to=2").content.decode()
    assert "Clearer opening" in page and "Most of this text is now in 2.1" in page
    # In Word the reasons are comments on the headings: Accept All still gives exactly Draft 2.
    docx = zipfile.ZipFile(
        io.BytesIO(client.get(reverse("drafts:compare_docx", kwargs={"slug": "guidance"}) + "?from=1&to=2").content)
    )
    said = docx.read("word/comments.xml").decode()
    assert "Clearer opening" in said and c.reference in said and "Takes in the text of former 2.2" in said
    assert "Merged into 2.1" in said and "Clearer opening" not in docx.read("word/document.xml").decode()
    assert docx.read("word/document.xml").decode().count("<w:commentReference") == 2


def test_text_cannot_forge_a_word_comment(client, people, document, draft) -> None:
    edit_section(client, people["member"], document, "p1-g1", body="Forged \ufdd71\ufdd8 marker.", message="Why")
    freeze(document)
    docx = zipfile.ZipFile(
        io.BytesIO(client.get(reverse("drafts:compare_docx", kwargs={"slug": "guidance"}) + "?from=1&to=2").content)
    )
    assert docx.read("word/document.xml").decode().count("<w:commentReference") == 1  # the reason, nothing else
    assert "\ufdd7" not in docx.read("word/document.xml").decode()


def _changes_queries(client, people, principles: int, guidelines: int) -> tuple[int, str]:
    document = make_document(f"doc-{principles}", editor=people["editor"], stakeholders=[people["ngo"]])
    make_principles(document, principles=principles, guidelines=guidelines)
    first = freeze(document, **open_window())
    for p in range(1, principles + 1):
        for g in range(1, guidelines + 1):
            c = comment(client, people, first, key=f"p{p}-g{g}", paragraph=1)
            services.comment_dispose(comments=[c], user=people["editor"], draft=first, disposition="accepted")
            section = Section.objects.get(document=document, key=f"p{p}-g{g}")
            services.section_update(
                section=section,
                user=people["editor"],
                base_version=section.version_number,
                heading=section.heading,
                body=section.body + " More.",
                message=f"For {c}",
                addresses=[c],
            )
    second = freeze(document)
    services.decisions_publish(draft=Draft.objects.get(document=document, number=1), user=people["editor"])
    url = reverse("drafts:draft_changes", kwargs={"slug": document.slug, "number": second.number})
    client.logout()
    client.get(url)  # renderings cached, as on a warm site
    with CaptureQueriesContext(connection) as queries:
        page = client.get(url)
    assert page.status_code == 200
    return len(queries), page.content.decode()


def test_what_changed_and_why_costs_the_same_queries_whatever_the_size(client, people, settings) -> None:
    settings.COMMENTS_PER_MINUTE = 100
    small, _small_page = _changes_queries(client, people, 1, 2)
    large, large_page = _changes_queries(client, people, 3, 4)
    assert small == large, f"{small} queries for 2 changed sections, {large} for 12"
    assert large_page.count('class="outcome disposition-accepted"') == 12
    assert "Addressed in Draft 2" in large_page and "For MRN-" in large_page


def test_what_changed_is_visible_exactly_where_the_draft_is(client, people, document, draft) -> None:
    hidden = comment(client, people, draft, key="p1-g1", paragraph=1)
    services.comment_hide(comment=hidden, user=people["editor"], reason="Abusive")
    section = Section.objects.get(key="p1-g1")
    services.section_update(
        section=section,
        user=people["editor"],
        base_version=section.version_number,
        heading=section.heading,
        body="New.",
        message="Edited",
        addresses=[hidden],
    )
    restricted = freeze(document, visibility=Draft.Visibility.RESTRICTED)
    url = reverse("drafts:draft_changes", kwargs={"slug": "guidance", "number": restricted.number})
    assert client.get(url).status_code == 404
    client.force_login(people["outsider"])
    assert client.get(url).status_code == 404
    client.force_login(people["ngo"])
    page = client.get(url).content.decode()
    assert "Edited" in page and hidden.reference not in page  # the reason stays, the hidden comment does not
    client.force_login(people["editor"])
    assert hidden.reference in client.get(url).content.decode()


def test_the_response_to_comments_document_in_html_word_and_json(client, people, document, draft) -> None:
    c = comment(client, people, draft, key="p1-g1", paragraph=2, proposed_text="Better.")
    services.comment_dispose(
        comments=[c], user=people["editor"], draft=draft, disposition="rejected", response="Covered by 1.2."
    )
    freeze(document)
    url = reverse("drafts:draft_responses", kwargs={"slug": "guidance", "number": 1})
    assert "Covered by 1.2." not in client.get(url).content.decode(), "an unpublished decision reached the public"
    services.decisions_publish(draft=draft, user=people["editor"])
    url = reverse("drafts:draft_responses", kwargs={"slug": "guidance", "number": 1})
    page = client.get(url).content.decode()
    assert (
        c.reference in page and "Not retained" in page and "Covered by 1.2." in page and "now 1.1 ¶2 in Draft 2" in page
    )
    records = json.loads(client.get(url + "?format=json").content)
    assert records == export("guidance", 1)  # the page and the command give the same records
    assert records[0]["landed_in"]["match"] == "same" and records[0]["response"] == "Covered by 1.2."
    docx = client.get(url + "?format=docx").content
    xml = zipfile.ZipFile(io.BytesIO(docx)).read("word/document.xml").decode()
    assert c.reference in xml and "Covered by 1.2." in xml and "Not retained" in xml
    assert client.get(url + "?format=pdf").status_code == 404
