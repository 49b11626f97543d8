"""The tracker in Chromium, with axe on every page: an editor reads the progress dashboard (charts and
their tables) and agrees a section; a delegation breaks the silence on a draft, with JavaScript on
and off, and the draft then says who broke it and why."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from drafts import services
from drafts.models import Draft, Section, SectionStatus, SilenceBreak
from tests.browser.support import Journey, person, screenshot, sign_in
from tests.factories import freeze, make_document, make_principles

expect = pytest.importorskip("playwright.sync_api").expect

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def tracked() -> dict:
    editor, member = person("editor"), person("member")
    omar = person("omar", organisation="Republic of Examplia")
    document = make_document("guidance", title="Guidance", editor=editor, members=[member], stakeholders=[omar])
    make_principles(document, principles=2, guidelines=2)
    section = Section.objects.get(document=document, key="p1-g1")
    services.section_save(section=section, user=member, base_version=section.version_number, heading=section.heading,
                          body="States [[shall || should]] act [[promptly]]{EU, G77}.", message="Delegations' text")
    services.section_pen_holders_set(section=section, user=editor, holders=[member])
    services.section_status_change(section=section, user=member, to_status=SectionStatus.IN_REVIEW, reason="Ready")
    draft = freeze(document, visibility=Draft.Visibility.RESTRICTED)
    services.silence_place(draft=draft, user=editor, until=timezone.now() + timedelta(days=3))
    return {"document": document, "draft": draft}


def test_an_editor_reads_the_dashboard_and_agrees_a_section(page, live_server, tracked) -> None:
    journey = Journey(page, "tracker-dashboard")
    page.set_default_timeout(5_000)
    sign_in(page, live_server, "editor", "/d/guidance/progress/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Progress of")
    status_chart = page.get_by_role("img", name=re.compile("^Sections by status"))
    expect(status_chart).to_be_visible()
    expect(page.locator("svg[role=img]")).to_have_count(5)
    row = page.locator(".progress-table tr", has_text="Guideline 1.1")
    expect(row).to_contain_text("In review")
    expect(row).to_contain_text("member")
    journey.step("dashboard")

    page.get_by_role("link", name=re.compile("Guideline 1.1")).first.click()
    expect(page.locator(".bracketed").first).to_contain_text("Option 1:")
    page.get_by_role("link", name="Change the status").click()
    page.get_by_label("New status").select_option(label="Agreed ad referendum")
    page.get_by_label("Why?").fill("Agreed at the informal meeting.")
    journey.step("status-form")
    page.get_by_role("button", name="Change the status").click()
    expect(page.get_by_role("status")).to_contain_text("is now “Agreed ad referendum”")
    journey.step("section-agreed")
    assert Section.objects.get(key="p1-g1").status == SectionStatus.AGREED_AD_REF

    page.get_by_role("link", name="Assign pen-holders").click()
    page.get_by_label("Editor (editor)").check()
    journey.step("pen-holders")
    page.get_by_role("button", name="Save the pen-holders").click()
    expect(page.locator(".tracking")).to_contain_text("Editor")
    page.goto(f"{live_server.url}/my/sections/")
    expect(page.locator(".my-sections")).to_contain_text("Guideline 1.1")
    journey.step("my-sections")

    page.goto(f"{live_server.url}/d/guidance/drafts/1/?view=options")
    expect(page.locator(".view-options .bracketed.options .option")).to_have_count(2)
    journey.step("options-side-by-side")
    journey.assert_accessible()


@pytest.mark.parametrize("javascript", [True, False], ids=["javascript", "no-javascript"])
def test_a_delegation_breaks_silence_with_a_reason(new_context, live_server, tracked, javascript) -> None:
    context = new_context(java_script_enabled=javascript)
    page = context.new_page()
    page.set_default_timeout(5_000)
    journey = Journey(page, f"tracker-silence-{'js' if javascript else 'nojs'}")
    # axe is a script: with scripts off each step is only photographed (the JavaScript run checks the pages).
    step = journey.step if javascript else (lambda name: screenshot(page, journey.name, name))
    sign_in(page, live_server, "omar", "/d/guidance/drafts/1/")
    expect(page.get_by_role("heading", name=re.compile("Silence procedure: Under silence"))).to_be_visible()
    step("under-silence")
    page.get_by_role("link", name="Break silence").click()
    page.get_by_label("Why do you break silence?").fill("Examplia cannot accept “shall” in 1.1.")
    step("break-form")
    page.locator("main").get_by_role("button", name="Break silence").click()
    expect(page.get_by_role("status")).to_contain_text("You broke silence")
    expect(page.get_by_role("heading", name=re.compile("Silence broken"))).to_be_visible()
    expect(page.locator(".silence-breaks")).to_contain_text("Republic of Examplia")
    expect(page.locator(".silence-breaks")).to_contain_text("cannot accept “shall” in 1.1.")
    step("broken")
    assert SilenceBreak.objects.get().reason == "Examplia cannot accept “shall” in 1.1."
    journey.assert_accessible()
