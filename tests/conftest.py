"""Fixtures shared by every test module: a fresh cache, the cast of people, and the document they work on."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from drafts.models import Document, Profile, StakeholderCategory
from tests.factories import make_document, make_principles, make_user

# Who is who on the shared "guidance" document: editor, member, invited stakeholders (one plain, one NGO
# with a profile, one Member State with a short code), and an outsider with an account but no role.
STAKEHOLDERS = ("stakeholder", "ngo", "state")
CAST = ("editor", "member", *STAKEHOLDERS, "outsider")


@pytest.fixture(autouse=True)
def _fresh_cache(settings):
    """Each test starts with an empty cache, so a rendering cached by one test cannot hide a bug in another."""
    from django.core.cache import cache

    cache.clear()
    yield


@pytest.fixture(autouse=True)
def _default_language(settings):
    """Each test starts in the site's language: one that switched to French (a request, a command)
    must not leave the next test's messages in French."""
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture
def people(db) -> dict:
    """One account per part in :data:`CAST`, each with an e-mail address; those who speak for someone
    (the NGO, the State) also have a given name and a profile."""
    people = {name: make_user(name, email=f"{name}@example.org") for name in CAST}
    for name in ("ngo", "state"):
        people[name].first_name = name.title()
        people[name].save(update_fields=["first_name"])
    Profile.objects.create(user=people["ngo"], organisation="Migrant Rights Network", category=StakeholderCategory.NGO)
    Profile.objects.create(
        user=people["state"], organisation="Republic of Examplia", category=StakeholderCategory.MEMBER_STATE, code="EXA"
    )
    return people


@pytest.fixture
def make_guidance(people) -> Callable[..., Document]:
    """Make the shared "guidance" document with the cast's roles and ``principles`` x ``guidelines`` sections."""

    def make(principles: int = 2, guidelines: int = 2) -> Document:
        document = make_document(
            "guidance",
            editor=people["editor"],
            members=[people["member"]],
            stakeholders=[people[name] for name in STAKEHOLDERS],
        )
        make_principles(document, principles=principles, guidelines=guidelines)
        return document

    return make
