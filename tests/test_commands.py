"""The management-command contracts of DESIGN.md: output on stdout, messages on stderr, clear errors."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from reversion.models import Version

from drafts import interchange
from drafts.models import Document, Draft, DraftComment, DraftSection, Section

pytestmark = pytest.mark.django_db


def run(*args) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command(*args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def long_document(principles: int = 20, guidelines: int = 9) -> str:
    """A 200-section file in the interchange format (1 + 20 + 180 = 201 sections)."""
    lines = ["# A long document", "", "## Introduction {#intro}", "", "Why.", ""]
    for p in range(1, principles + 1):
        lines += [f"## Principle {p}: Principle number {p} {{#p{p}}}", "", f"Principle {p} applies to everyone.", ""]
        for g in range(1, guidelines + 1):
            lines += [
                f"### {p}.{g} Guideline {g} {{#p{p}-g{g}}}",
                "",
                f"States should do {p}.{g}, *promptly* and well.",
                "",
                "- one\n- two",
                "",
            ]
    return "\n".join(lines)


def write(tmp_path: Path, text: str, name: str = "doc.md") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_import_then_freeze_a_200_section_file_then_reimport_changes_nothing(tmp_path) -> None:
    path = write(tmp_path, long_document())
    run("import_document", str(path), "--slug", "long")
    document = Document.objects.get(slug="long")
    assert document.title == "A long document"
    assert Section.objects.filter(document=document).count() == 201
    out, err = run("freeze_draft", "long", "--label", "Zero draft", "--visibility", "public")
    assert out == "1\n" and "Draft 1" in err
    assert DraftSection.objects.filter(draft__document=document).count() == 201
    snapshot = DraftSection.objects.get(draft__document=document, key="p7-g3")
    assert (snapshot.number, snapshot.heading) == ("7.3", "Guideline 3")
    intro = DraftSection.objects.get(draft__document=document, key="intro")
    assert intro.number == ""
    versions = Version.objects.count()
    _out, err = run("import_document", str(path), "--slug", "long", "--update")
    assert Version.objects.count() == versions
    assert "0 added, 0 modified, 0 moved, 0 removed" in err


def test_update_versions_only_the_changed_sections_with_the_message(tmp_path) -> None:
    run("import_document", str(write(tmp_path, long_document(3, 2))), "--slug", "short")
    changed = long_document(3, 2).replace("States should do 2.1,", "States shall do 2.1,")
    changed = changed.replace("### 3.2 Guideline 2 {#p3-g2}", "### 3.2 Guideline two {#p3-g2}")
    changed = changed.replace(
        "### 1.2 Guideline 2 {#p1-g2}\n\nStates should do 1.2, *promptly* and well.\n\n- one\n- two\n", ""
    )
    versions = Version.objects.count()
    run(
        "import_document",
        str(write(tmp_path, changed, "v2.md")),
        "--slug",
        "short",
        "--update",
        "--message",
        "After consultation",
    )
    assert Version.objects.count() == versions + 3
    assert Section.objects.get(document__slug="short", key="p1-g2").removed
    latest = Version.objects.get_for_object(Section.objects.get(document__slug="short", key="p2-g1")).first()
    assert latest.revision.comment == "After consultation"


def test_dry_run_prints_the_changes_and_writes_nothing(tmp_path) -> None:
    run("import_document", str(write(tmp_path, long_document(2, 2))), "--slug", "d")
    changed = long_document(2, 2).replace("States should do 1.1,", "States must do 1.1,")
    versions = Version.objects.count()
    out, _err = run("import_document", str(write(tmp_path, changed, "v2.md")), "--slug", "d", "--update", "--dry-run")
    assert out == "modified\tp1-g1\n"
    assert Version.objects.count() == versions
    assert "should do 1.1" in Section.objects.get(document__slug="d", key="p1-g1").body


def test_a_file_without_keys_is_matched_by_unchanged_heading(tmp_path) -> None:
    text = "# T\n\n## Principle 1: Dignity\n\nText one.\n\n## Principle 2: Liberty\n\nText two.\n"
    run("import_document", str(write(tmp_path, text)), "--slug", "nokeys")
    versions = Version.objects.count()
    run(
        "import_document",
        str(write(tmp_path, text.replace("Text two.", "Text 2."), "b.md")),
        "--slug",
        "nokeys",
        "--update",
    )
    assert Version.objects.count() == versions + 1


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("No title here\n", "text before the document title"),
        ("# Title\n\nJust text.\n", "between the title and the first section"),
        ("# Title\n", "no section headings"),
        ("# T\n\n## A {#a}\n\n#### Too deep\n", "skips a level"),
        ("# T\n\n## A {#a}\n\n## B {#a}\n", "used twice"),
        ("# T\n\n## A {#Not Valid}\n", "may only use"),
        ("# T\n\n## " + "x" * 301 + "\n", "longer than 300"),
    ],
)
def test_malformed_files_are_refused_with_the_reason_and_nothing_is_written(tmp_path, text, message) -> None:
    with pytest.raises(CommandError, match=message):
        run("import_document", str(write(tmp_path, text)), "--slug", "bad")
    assert not Document.objects.filter(slug="bad").exists()


def test_non_utf8_and_wrong_extension_are_refused(tmp_path) -> None:
    path = tmp_path / "latin1.md"
    path.write_bytes("# Titre\n\n## Début\n\nÉté\n".encode("latin-1"))
    with pytest.raises(CommandError, match="not UTF-8"):
        run("import_document", str(path))
    with pytest.raises(CommandError, match="only Markdown"):
        run("import_document", str(write(tmp_path, "# T\n", "doc.txt")))
    with pytest.raises(CommandError, match="no such file"):
        run("import_document", str(tmp_path / "missing.md"))


def test_importing_over_an_existing_slug_needs_update(tmp_path) -> None:
    path = write(tmp_path, long_document(1, 1))
    run("import_document", str(path), "--slug", "x")
    with pytest.raises(CommandError, match="use --update"):
        run("import_document", str(path), "--slug", "x")
    with pytest.raises(CommandError, match="no document"):
        run("import_document", str(path), "--slug", "y", "--update")


def test_freeze_draft_errors(tmp_path) -> None:
    with pytest.raises(CommandError, match="No document"):
        run("freeze_draft", "nope")
    run("import_document", str(write(tmp_path, long_document(1, 1))), "--slug", "x")
    with pytest.raises(CommandError, match="not ISO 8601"):
        run("freeze_draft", "x", "--comments-open-until", "next tuesday")
    out, _err = run("freeze_draft", "x", "--comments-open-until", "2030-01-01T12:00:00+00:00")
    draft = Draft.objects.get(document__slug="x", number=int(out))
    assert draft.comments_open_until.year == 2030 and draft.comments_open_from is not None


def test_markdown_export_reads_back_to_the_same_sections() -> None:
    parsed = interchange.parse_markdown(long_document(2, 2))
    sections = [
        interchange.ExportSection(key=s.key, heading=s.heading, body=s.body, depth=s.depth, number=s.number or "")
        for s in parsed.sections
    ]
    again = interchange.parse_markdown(interchange.export_markdown(parsed.title, sections, "principles"))
    assert [(s.key, s.heading, s.body, s.depth, s.number) for s in again.sections] == [
        (s.key, s.heading, s.body, s.depth, s.number) for s in parsed.sections
    ]


def test_load_demo_builds_two_drafts_with_edits_between_them_and_is_idempotent(settings) -> None:
    settings.DEBUG = True
    _out, err = run("load_demo")
    assert "editor-demo" in err
    document = Document.objects.get(slug="migrants-in-vulnerable-situations")
    first, second = document.drafts.order_by("number")
    assert (first.label, second.label) == ("Zero draft", "First draft")
    changed = DraftSection.objects.filter(draft=second).exclude(
        version__in=DraftSection.objects.filter(draft=first).values("version")
    )
    assert changed.count() >= 20
    run("load_demo")
    assert Document.objects.filter(slug=document.slug).count() == 1 and document.drafts.count() == 2
    # The demo's decisions are linked to the revisions that carry them out, so the compare says why.
    out, _err = run("compare_drafts", document.slug, "1", "2", "--format", "json")
    reasons = {s["key"]: s["reasons"]["comments"] for s in json.loads(out)["sections"] if s["reasons"]["comments"]}
    accepted = DraftComment.objects.filter(draft=first, level=0, disposition__in=["accepted", "accepted_modified"])
    assert reasons == {c.draft_section.key: [c.reference] for c in accepted}
    assert len(reasons) == 5
    # Former 3.5, condensed into 3.2, says where it went; every comment on Draft 1 says where it landed.
    merged = {s["key"]: s.get("merged_into") for s in json.loads(out)["sections"] if "removed" in s["changes"]}
    assert merged["p3-g5"] == "p3-g2"
    out, _err = run("export_comments", document.slug, "1", "--format", "json")
    assert all(r["landed_in"] is not None and r["landed_in"]["draft"] == 2 for r in json.loads(out))


def test_load_demo_refuses_without_debug(settings) -> None:
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG"):
        run("load_demo")


def test_update_from_a_file_without_keys_recognises_renamed_moved_and_edited_sections(tmp_path) -> None:
    bodies = {
        (p, g): f"States should ensure that guideline {p}.{g} covers {topic} for every migrant, in law and in "
                f"practice, without discrimination of any kind and with effective remedies."
        for p, topics in ((1, ("housing", "health", "schooling")), (2, ("work", "wages", "unions")),
                          (3, ("detention", "return", "reception")))
        for g, topic in enumerate(topics, start=1)
    }

    def document(*, keys: bool, rename=False, move=False, edit=False) -> str:
        lines = ["# Guidance", ""]
        for p in (1, 2, 3):
            lines += [f"## Principle {p}: Principle {p}" + (f" {{#p{p}}}" if keys else ""), "", "Text.", ""]
            guidelines = [(p, g) for g in (1, 2, 3)]
            if move and p == 2:
                guidelines.remove((2, 1))
            if move and p == 3:
                guidelines.append((2, 1))
            for number, (op, og) in enumerate(guidelines, start=1):
                heading = "Renamed guideline" if rename and (op, og) == (1, 2) else f"Guideline {op}{og}"
                body = bodies[(op, og)]
                if edit and (op, og) == (3, 3):
                    body = body.replace("in law and in practice", "in law, policy and practice")
                key = f" {{#p{op}-g{og}}}" if keys else ""
                lines += [f"### {p}.{number} {heading}{key}", "", body, ""]
        return "\n".join(lines)

    run("import_document", str(write(tmp_path, document(keys=True))), "--slug", "g")
    versions = Version.objects.count()
    changed = write(tmp_path, document(keys=False, rename=True, move=True, edit=True), "v2.md")
    out, _err = run("import_document", str(changed), "--slug", "g", "--update", "--dry-run")
    assert sorted(out.splitlines()) == ["modified\tp1-g2", "modified\tp3-g3", "moved\tp2-g1"]
    run("import_document", str(changed), "--slug", "g", "--update")
    assert Version.objects.count() == versions + 3
    moved = Section.objects.get(document__slug="g", key="p2-g1")
    assert (moved.parent.key, moved.position) == ("p3", 4)
    assert Section.objects.get(document__slug="g", key="p1-g2").heading == "Renamed guideline"
    assert not Section.objects.filter(document__slug="g", removed=True).exists()
