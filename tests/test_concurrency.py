"""No lost update, proven on PostgreSQL with two real concurrent transactions (two connections)."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections, transaction

from drafts import services
from drafts.models import Section
from tests.factories import make_document, make_section, make_user, versions_of

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL (set DATABASE_URL)"),
]


def _in_thread(target, results: dict, name: str) -> threading.Thread:
    def run() -> None:
        try:
            results[name] = target()
        except Exception as exc:
            results[name] = exc
        finally:
            connections.close_all()

    thread = threading.Thread(target=run, name=name)
    thread.start()
    return thread


def test_a_save_waiting_on_an_open_transaction_is_refused_not_lost() -> None:
    alice, bob = make_user("alice"), make_user("bob")
    section = make_section(make_document(members=[alice, bob]), "Heading", "Original")
    alice_saved, results = threading.Event(), {}

    def alice_saves_and_holds_the_transaction_open() -> str:
        with transaction.atomic():
            services.section_update(
                section=section, user=alice, base_version=1, heading="Heading", body="Alice's words", message="Alice"
            )
            alice_saved.set()
            # Bob starts while Alice's transaction is still open and uncommitted.
            threading.Event().wait(0.5)
        return "saved"

    def bob_saves_from_the_same_base() -> str:
        alice_saved.wait(5)
        services.section_update(
            section=section, user=bob, base_version=1, heading="Heading", body="Bob's words", message="Bob"
        )
        return "saved"

    threads = [
        _in_thread(alice_saves_and_holds_the_transaction_open, results, "alice"),
        _in_thread(bob_saves_from_the_same_base, results, "bob"),
    ]
    for thread in threads:
        thread.join(10)
    assert results["alice"] == "saved"
    assert isinstance(results["bob"], services.EditConflict)
    section.refresh_from_db()
    assert section.body == "Alice's words"
    assert versions_of(section) == 2


def test_two_saves_released_together_one_wins_and_one_gets_the_conflict() -> None:
    users = [make_user("u1"), make_user("u2")]
    document = make_document(members=users)
    for round_number in range(5):
        section = make_section(document, f"Heading {round_number}", "Original")
        start, results = threading.Barrier(2), {}

        def save(user, words: str, section: Section = section, start: threading.Barrier = start) -> str:
            start.wait(5)
            services.section_update(
                section=section, user=user, base_version=1, heading=section.heading, body=words, message=words
            )
            return words

        threads = [_in_thread(lambda u=u: save(u, f"words of {u.username}"), results, u.username) for u in users]
        for thread in threads:
            thread.join(10)
        winners = [r for r in results.values() if isinstance(r, str)]
        conflicts = [r for r in results.values() if isinstance(r, services.EditConflict)]
        assert len(winners) == 1 and len(conflicts) == 1, results
        section.refresh_from_db()
        assert section.body == winners[0]
        assert versions_of(section) == 2


def test_two_saves_of_different_paragraphs_released_together_are_both_kept() -> None:
    """Issue 14: the second of two concurrent saves from one base is merged with the first, not refused."""
    users = [make_user("m1"), make_user("m2")]
    document = make_document(members=users)
    base = "Paragraph one.\n\nParagraph two.\n\nParagraph three."
    for round_number in range(5):
        section = make_section(document, f"Merged {round_number}", base)
        start, results = threading.Barrier(2), {}
        edits = {"m1": base.replace("one.", "one, by m1."), "m2": base.replace("three.", "three, by m2.")}

        def save(user, section: Section = section, start: threading.Barrier = start, edits: dict = edits) -> str:
            start.wait(5)
            saved = services.section_save(section=section, user=user, base_version=1, heading=section.heading,
                                          body=edits[user.username], message=user.username)
            return "merged" if saved.merged_with is not None else "first"

        threads = [_in_thread(lambda u=u: save(u), results, u.username) for u in users]
        for thread in threads:
            thread.join(10)
        assert sorted(results.values()) == ["first", "merged"], results
        section.refresh_from_db()
        assert section.body == "Paragraph one, by m1.\n\nParagraph two.\n\nParagraph three, by m2."
        assert versions_of(section) == 3 and section.version_number == 3


def test_two_freezes_at_once_with_one_form_key_make_one_draft() -> None:
    """Finding 10: a freeze submitted twice at once made two identical drafts."""
    editor = make_user("editor")
    document = make_document(editor=editor)
    make_section(document, "Heading", "Text")
    results: dict = {}
    threads = [
        _in_thread(lambda: services.draft_freeze(document=document, user=editor, submission="one-key"), results, name)
        for name in ("first", "second")
    ]
    for thread in threads:
        thread.join()
    assert not [r for r in results.values() if isinstance(r, Exception)], results
    assert results["first"].pk == results["second"].pk
    assert document.drafts.count() == 1


def test_two_editors_deciding_one_comment_at_once_one_wins_and_the_other_sees_it() -> None:
    """Deciding is optimistic like editing: of two decisions made from the same view, one is saved and the
    other is told, with the winner's decision, instead of silently replacing it."""
    from django.conf import settings
    from django.contrib.contenttypes.models import ContentType
    from django.utils import timezone

    from drafts.models import Draft, DraftComment, DraftSection
    from tests.factories import freeze

    first, second = make_user("first"), make_user("second")
    document = make_document(editor=first)
    services.membership_set(document=document, person=second, role="editor", user=first)
    make_section(document, "Heading", "Text")
    draft = freeze(document, visibility=Draft.Visibility.PUBLIC)
    snapshot = DraftSection.objects.get(draft=draft)
    comment = DraftComment(draft=draft, draft_section=snapshot, content_type=ContentType.objects.get_for_model(
        DraftSection), object_pk=str(snapshot.pk), site_id=settings.SITE_ID, user_name="S", comment="Please.",
        submit_date=timezone.now(), is_public=True, reference="S-001")
    comment.save()
    start, results = threading.Barrier(2), {}

    def decide(user, disposition: str) -> str:
        start.wait(5)
        services.comment_decide(comment=comment, user=user, disposition=disposition, response=disposition, seen="")
        return disposition

    threads = [_in_thread(lambda u=u, d=d: decide(u, d), results, u.username)
               for u, d in ((first, "accepted"), (second, "rejected"))]
    for thread in threads:
        thread.join(10)
    winners = [r for r in results.values() if isinstance(r, str)]
    conflicts = [r for r in results.values() if isinstance(r, services.DecisionConflict)]
    assert len(winners) == 1 and len(conflicts) == 1, results
    comment.refresh_from_db()
    assert comment.disposition == winners[0] and conflicts[0].comment.disposition == winners[0]
