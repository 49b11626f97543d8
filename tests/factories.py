"""Test data built through the services, so every object is as the app would make it."""

from __future__ import annotations

import itertools

from django.contrib.auth import get_user_model
from reversion.models import Version

from drafts import services
from drafts.access import system_actor
from drafts.models import Document, Draft, Role, Section

_counter = itertools.count(1)


def make_user(username: str | None = None, **extra):
    username = username or f"user{next(_counter)}"
    return get_user_model().objects.create_user(username=username, password="pw-for-tests-only", **extra)


def make_document(slug: str | None = None, *, editor=None, members=(), stakeholders=(), **extra) -> Document:
    """A document started by the system actor (as a command would), with ``editor`` and these roles."""
    by = system_actor()
    document = services.document_create(slug=slug or f"doc-{next(_counter)}", title=extra.pop("title", "Guidance"),
                                        user=by, **extra)
    if editor is not None:
        services.membership_set(document=document, person=editor, role=Role.EDITOR, user=by)
    for person in members:
        services.membership_set(document=document, person=person, role=Role.MEMBER, user=by)
    for person in stakeholders:
        services.membership_set(document=document, person=person, role=Role.STAKEHOLDER, user=by)
    return document


def make_section(document: Document, heading: str = "A section", body: str = "Some text.", *, user=None,
                 parent: Section | None = None, **extra) -> Section:
    return services.section_create(document=document, user=user or system_actor(), heading=heading, body=body,
                                   parent=parent, **extra)


def make_principles(document: Document, principles: int = 3, guidelines: int = 2, *, user=None) -> list[Section]:
    """An introduction, then principles each with numbered guidelines; returns every section in order."""
    made = [make_section(document, "Introduction", "Why these principles.", numbered=False, key="intro", user=user)]
    for p in range(1, principles + 1):
        principle = make_section(document, f"Principle heading {p}", f"Principle {p} text.", key=f"p{p}", user=user)
        made.append(principle)
        for g in range(1, guidelines + 1):
            made.append(make_section(document, f"Guideline {p}.{g}", f"First paragraph of {p}.{g}.\n\nSecond "
                                     f"paragraph of {p}.{g}.", parent=principle, key=f"p{p}-g{g}", user=user))
    return made


def freeze(document: Document, *, visibility: str = Draft.Visibility.PUBLIC, user=None, **extra) -> Draft:
    return services.draft_freeze(document=document, user=user or system_actor(), visibility=visibility, **extra)


def versions_of(section: Section) -> int:
    return Version.objects.get_for_object(section).count()
