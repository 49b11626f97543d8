"""Keeping the search index (``SearchEntry``) in step with what it indexes.

Called by the services that write searchable text, inside their transaction, so a saved section or
comment is findable exactly when it is saved (and a rolled-back one never is):

- ``draft_freeze``: every section as frozen (:func:`draft_indexed`);
- ``_save_version`` (every section save, move, removal, restore, revert, import): the working copy's
  section (:func:`section_indexed`);
- posting, editing, uploading and deciding comments, and publishing decisions (:func:`comments_indexed`).

``search_reindex`` rebuilds everything (after an upgrade, or a change of a document's language).
Who may see an entry is decided when searching, never here.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.contrib.postgres.search import SearchVector
from django.db import connection, transaction
from django.db.models import F

from drafts.models import Document, Draft, DraftComment, DraftSection, EntryKind, SearchEntry, Section
from drafts.rendering import paragraph_texts

# PostgreSQL's text search configuration for each language a document may be written in. Chinese has
# none (words are not separated by spaces): "simple" lowercases, and searching matches CJK terms as
# substrings (drafts.searching).
CONFIGS = {"en": "english", "fr": "french", "es": "spanish", "ru": "russian", "ar": "arabic", "zh-hans": "simple"}


def config_for(document: Document) -> str:
    return CONFIGS.get(document.language, "simple")


def section_text(heading: str, body: str) -> str:
    """What is indexed for a section: its heading, then the text of each numbered paragraph as a reader
    sees it, blank-line separated (block ``n`` is paragraph ``n``)."""
    return "\n\n".join([heading.strip(), *(p or "-" for p in paragraph_texts(body))])


def _comment_entries(comment: DraftComment, config: str) -> list[SearchEntry]:
    common = {
        "document_id": comment.document_id,
        "draft_id": comment.draft_id,
        "comment": comment,
        "category": comment.category,
        "config": config,
    }
    texts = [(EntryKind.COMMENT, "\n\n".join(t for t in (comment.comment, comment.proposed_text) if t.strip()))]
    if comment.level == 0:
        texts += [(EntryKind.RESPONSE, comment.response), (EntryKind.PUBLISHED, comment.published_response)]
    return [SearchEntry(kind=kind, body=text, **common) for kind, text in texts if text.strip()]


def _vectors(entries: Iterable[SearchEntry]) -> None:
    """On PostgreSQL, write the ``tsvector`` of each entry with its document's configuration."""
    ids = [e.pk for e in entries]
    if connection.vendor == "postgresql" and ids:
        SearchEntry.objects.filter(pk__in=ids).update(vector=SearchVector("body", config=F("config")))


def draft_indexed(draft: Draft) -> int:
    """Index every section of a just-frozen draft; returns how many entries it wrote."""
    config = config_for(draft.document)
    entries = SearchEntry.objects.bulk_create(
        [
            SearchEntry(
                document_id=draft.document_id,
                kind=EntryKind.DRAFT,
                draft=draft,
                draft_section=snapshot,
                config=config,
                body=section_text(snapshot.heading, snapshot.body),
            )
            for snapshot in DraftSection.objects.filter(draft=draft).only("heading", "body")
        ],
        batch_size=500,
    )
    _vectors(entries)
    return len(entries)


def sections_indexed(sections: Iterable[Section]) -> int:
    """Index these sections of the working copy as they are now (a removed one leaves the index); returns
    how many entries it wrote."""
    sections = list(sections)
    SearchEntry.objects.filter(section__in=sections).delete()
    entries = SearchEntry.objects.bulk_create(
        [
            SearchEntry(
                document_id=section.document_id,
                kind=EntryKind.WORKING,
                section=section,
                config=config_for(section.document),
                body=section_text(section.heading, section.body),
            )
            for section in sections
            if not section.removed
        ],
        batch_size=500,
    )
    _vectors(entries)
    return len(entries)


def section_indexed(section: Section) -> None:
    """Index the working copy's ``section`` as it is now (what every save calls)."""
    sections_indexed([section])


def comments_indexed(ids: Iterable[int]) -> int:
    """Index these comments (their text and proposed text, the response as drafted and as published)
    as they are now; returns how many entries it wrote."""
    ids = list(ids)
    if not ids:
        return 0
    SearchEntry.objects.filter(comment_id__in=ids).delete()
    comments = DraftComment.objects.filter(pk__in=ids).select_related("document")
    entries = SearchEntry.objects.bulk_create(
        [e for c in comments for e in _comment_entries(c, config_for(c.document))], batch_size=500
    )
    _vectors(entries)
    return len(entries)


@transaction.atomic
def search_reindex(document: Document | None = None) -> int:
    """Rebuild the index of one document (or of all): every frozen draft, the live working copy and
    every comment. Returns the number of entries written."""
    documents = [document] if document is not None else list(Document.objects.all())
    written = 0
    for doc in documents:
        SearchEntry.objects.filter(document=doc).delete()
        for draft in Draft.objects.filter(document=doc).select_related("document"):
            written += draft_indexed(draft)
        written += sections_indexed(Section.objects.filter(document=doc, removed=False).select_related("document"))
        written += comments_indexed(DraftComment.objects.filter(document=doc).values_list("pk", flat=True))
    return written
