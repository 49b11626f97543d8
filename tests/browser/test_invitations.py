"""An invitation from the editor's page to the invitee's first restricted draft, in Chromium, with axe per step."""

from __future__ import annotations

import re

import pytest
from django.core import mail

from drafts.models import Draft
from tests.browser.support import Journey, open_window, person, sign_in
from tests.factories import freeze, make_document, make_principles

expect = pytest.importorskip("playwright.sync_api").expect

pytestmark = pytest.mark.django_db(transaction=True)


def test_an_editor_invites_an_address_and_the_invitee_signs_up_and_accepts(page, live_server, settings) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    editor = person("editor")
    document = make_document("guidance", title="Guidance on drafting", editor=editor)
    make_principles(document, principles=1, guidelines=1)
    draft = freeze(document, visibility=Draft.Visibility.RESTRICTED, label="Zero draft", **open_window())
    journey = Journey(page, "invitation")

    sign_in(page, live_server, "editor", "/d/guidance/invite/")
    page.get_by_label("E-mail of the stakeholder").fill("amina@example.org")
    page.locator("main").get_by_role("button", name="Invite").click()
    expect(page.get_by_text("Nobody has an account with the e-mail amina@example.org")).to_be_visible()
    journey.step("1-nobody-has-it")
    page.locator("main").get_by_role("button", name="Send an invitation to join").click()
    expect(page.get_by_text("An invitation to join was sent to amina@example.org")).to_be_visible()
    journey.step("2-sent")

    (message,) = mail.outbox
    link = re.search(r"https?://[^/\s]+(/invitations/\S+)", message.body).group(1)
    page.context.clear_cookies()
    page.goto(live_server.url + link)
    expect(page.get_by_role("heading", level=1)).to_have_text("Invitation to “Guidance on drafting”")
    journey.step("3-link-signed-out")

    page.locator("main").get_by_role("link", name="Create an account").click()
    for name, value in (("username", "amina"), ("first_name", "Amina"), ("last_name", "Haddad"),
                        ("email", "amina@example.org"), ("password1", "a-long-passphrase-2026"),
                        ("password2", "a-long-passphrase-2026")):
        page.locator(f"main input[name={name}]").fill(value)
    page.get_by_label("Category").select_option("individual")
    page.locator("main").get_by_role("button", name="Create account").click()
    expect(page.get_by_text("Accepting gives this account access.")).to_be_visible()
    journey.step("4-back-at-the-invitation")

    page.locator("main").get_by_role("button", name="Accept the invitation").click()
    expect(page.get_by_text("You can now read and comment on the restricted drafts")).to_be_visible()
    page.goto(live_server.url + draft.get_absolute_url())
    expect(page.locator("main")).to_contain_text("Zero draft")
    expect(page.get_by_text("Principle heading 1").first).to_be_visible()
    journey.step("5-reads-the-restricted-draft")
    journey.assert_accessible()
