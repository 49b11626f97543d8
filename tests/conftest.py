"""Fixtures shared by every test module: a fresh cache, the cast of people, and the document they work on."""

from __future__ import annotations

import os
from collections.abc import Callable

import pytest

from drafts.models import Document, Profile, StakeholderCategory
from tests.factories import make_document, make_principles, make_user

# Who is who on the shared "guidance" document: editor, member, invited stakeholders (one plain, one NGO
# with a profile, one Member State with a short code), and an outsider with an account but no role.
STAKEHOLDERS = ("stakeholder", "ngo", "state")
CAST = ("editor", "member", *STAKEHOLDERS, "outsider")

# pytest-django's fixtures that open the database; a test that uses none of them (directly or through
# another fixture) and has no django_db mark cannot tell SQLite from PostgreSQL.
_DATABASE_FIXTURES = {"db", "transactional_db", "django_db_reset_sequences", "django_db_serialized_rollback",
                      "live_server"}


def pytest_collection_modifyitems(config, items) -> None:
    """On PostgreSQL, run the tests that touch the database and skip the others, with the reason.

    The others (pure functions, files opened in LibreOffice, pages of the browser tests' static assets)
    give the same result on any database, and CI runs them on SQLite first (``.ci/run``), so running
    them again on PostgreSQL would only double their time. ``ALL_TESTS_ON_POSTGRES=1`` runs them too.
    """
    if not os.environ.get("DATABASE_URL", "").startswith("postgres") or os.environ.get("ALL_TESTS_ON_POSTGRES"):
        return
    skip = pytest.mark.skip(reason="touches no database, so it ran on SQLite (ALL_TESTS_ON_POSTGRES=1 runs it here)")
    for item in items:
        if item.get_closest_marker("django_db") is None and not _DATABASE_FIXTURES & set(item.fixturenames):
            item.add_marker(skip)


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
