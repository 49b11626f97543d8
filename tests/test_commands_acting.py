"""Commands act as someone: ``--user U`` with U's role, or the system actor, recorded in the history.

A user without the role gets a clear error, a non-zero exit, and nothing is written.
"""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from reversion.models import Version

from drafts.access import SYSTEM_USERNAME
from drafts.models import Document, Draft, Section
from tests.factories import freeze

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parent.parent
MARKDOWN = "# Guidance\n\n## Principle 1: Dignity {#p1}\n\nEveryone.\n"


def run(*args: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command(*args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def refused(*args: str) -> str:
    with pytest.raises(CommandError) as error:
        run(*args)
    return str(error.value)


def assert_nothing_written(before: tuple[int, int, int]) -> None:
    assert (Document.objects.count(), Version.objects.count(), Draft.objects.count()) == before


def counts() -> tuple[int, int, int]:
    return Document.objects.count(), Version.objects.count(), Draft.objects.count()


@pytest.fixture
def revision(tmp_path: Path) -> Path:
    path = tmp_path / "revised.md"
    path.write_text("# Guidance\n\n## Principle 1: Dignity {#p1-g1}\n\nEveryone, always.\n", encoding="utf-8")
    return path


def test_without_user_a_command_acts_as_the_system_actor_recorded_in_the_history(tmp_path: Path) -> None:
    path = tmp_path / "new.md"
    path.write_text(MARKDOWN, encoding="utf-8")
    run("import_document", str(path), "--slug", "new")
    section = Section.objects.get(document__slug="new", key="p1")
    (version,) = Version.objects.get_for_object(section)
    assert version.revision.user.username == SYSTEM_USERNAME
    out, _err = run("freeze_draft", "new")
    assert Draft.objects.get(document__slug="new", number=int(out)).frozen_by.username == SYSTEM_USERNAME


def test_the_system_actor_cannot_sign_in(client) -> None:
    from drafts.access import system_actor

    actor = system_actor()
    assert not actor.is_active and not actor.has_usable_password()
    assert not client.login(username=SYSTEM_USERNAME, password="")


@pytest.mark.parametrize("who", ["member", "stakeholder", "outsider"])
def test_freeze_draft_as_someone_without_the_editor_role_is_refused_and_writes_nothing(make_guidance, who) -> None:
    make_guidance()
    before = counts()
    message = refused("freeze_draft", "guidance", "--user", who)
    assert who in message and ("editors" in message or "No document" in message)
    assert_nothing_written(before)


def test_freeze_draft_as_the_editor_records_the_editor(make_guidance, people) -> None:
    make_guidance()
    out, _err = run("freeze_draft", "guidance", "--user", "editor")
    assert Draft.objects.get(document__slug="guidance", number=int(out)).frozen_by == people["editor"]


@pytest.mark.parametrize("who", ["member", "stakeholder", "outsider"])
def test_import_document_update_as_a_non_editor_is_refused_and_writes_nothing(make_guidance, revision, who) -> None:
    make_guidance()
    before = counts()
    message = refused("import_document", str(revision), "--slug", "guidance", "--update", "--user", who)
    assert who in message and "Nothing was written" in message
    assert_nothing_written(before)


def test_import_document_update_as_the_editor_is_recorded_as_the_editor(make_guidance, revision, people) -> None:
    make_guidance()
    run("import_document", str(revision), "--slug", "guidance", "--update", "--user", "editor")
    version = Version.objects.get_for_object(Section.objects.get(document__slug="guidance", key="p1-g1")).first()
    assert version.revision.user == people["editor"]


def test_a_new_document_needs_a_staff_user(people, tmp_path: Path) -> None:
    path = tmp_path / "new.md"
    path.write_text(MARKDOWN, encoding="utf-8")
    before = counts()
    assert "Only staff" in refused("import_document", str(path), "--slug", "new", "--user", "editor")
    assert_nothing_written(before)
    people["editor"].is_staff = True
    people["editor"].save()
    run("import_document", str(path), "--slug", "new", "--user", "editor")
    assert Document.objects.get(slug="new").memberships.get().user == people["editor"]


def test_an_unknown_or_inactive_user_is_a_clear_error(make_guidance, people) -> None:
    make_guidance()
    assert "No active user named 'nobody'" in refused("freeze_draft", "guidance", "--user", "nobody")
    people["editor"].is_active = False
    people["editor"].save()
    assert "No active user named 'editor'" in refused("freeze_draft", "guidance", "--user", "editor")


def test_reads_as_a_user_see_only_what_that_user_may_read(make_guidance) -> None:
    document = make_guidance()
    freeze(document, visibility=Draft.Visibility.WORKING_GROUP)
    freeze(document, visibility=Draft.Visibility.PUBLIC)
    assert "has no Draft 1; its drafts are 2" in refused("export_draft", "guidance", "1", "--format", "md",
                                                         "--user", "stakeholder")
    out, _err = run("export_draft", "guidance", "2", "--format", "md", "--user", "stakeholder")
    assert out.startswith("# Guidance")
    assert "has no draft '1'" in refused("compare_drafts", "guidance", "1", "2", "--user", "outsider")
    assert "has no draft 'working'" in refused("compare_drafts", "guidance", "2", "working", "--user", "stakeholder")
    run("compare_drafts", "guidance", "2", "working", "--user", "member")
    assert "only the working group" in refused("export_comments", "guidance", "2", "--user", "stakeholder")
    run("export_comments", "guidance", "2", "--user", "member")


def test_a_refused_command_exits_non_zero_with_the_reason_on_stderr(tmp_path: Path) -> None:
    """Through the real command line: the exit status and the message a person sees."""
    database = tmp_path / "cli.sqlite3"
    env = {"DEBUG": "1", "DATABASE_URL": f"sqlite:///{database}", "PATH": "/usr/bin:/bin"}

    def manage(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True,
                              text=True, timeout=120, check=False)

    assert manage("migrate", "--no-input").returncode == 0
    path = tmp_path / "doc.md"
    path.write_text(MARKDOWN, encoding="utf-8")
    assert manage("import_document", str(path), "--slug", "cli").returncode == 0
    assert manage("shell", "-c", "from django.contrib.auth.models import User; User.objects.create_user('m')"
                  ).returncode == 0
    result = manage("freeze_draft", "cli", "--user", "m")
    assert result.returncode != 0
    assert "No document with the slug 'cli' that m may read" in result.stderr and result.stdout == ""
