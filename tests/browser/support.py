"""Helpers shared by the browser tests: data through the services, signing in, screenshots, axe."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlencode

from django.conf import settings
from django.utils import timezone

from drafts import rendering, services
from drafts.forms import DraftCommentForm
from drafts.models import Draft, DraftComment, DraftSection, Profile, StakeholderCategory
from tests.factories import make_user

ARTIFACTS = Path(settings.BASE_DIR) / "test-artifacts" / "browser"
PASSWORD = "pw-for-tests-only"  # tests.factories.make_user's password
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


def person(username: str, *, organisation: str = "", category: str = StakeholderCategory.NGO, **extra):
    """A user with an e-mail address (commenting needs one) and, for stakeholders, a profile."""
    user = make_user(username, email=f"{username}@example.org", first_name=username.title(), **extra)
    if organisation:
        Profile.objects.create(user=user, organisation=organisation, category=category)
    return user


def open_window() -> dict:
    now = timezone.now()
    return {"comments_open_from": now - timedelta(days=1), "comments_open_until": now + timedelta(days=14)}


def post_comment(user, draft: Draft, key: str | None, text: str, *, paragraph: int | None = None,
                 kind: str = "general", proposed: str = "") -> DraftComment:
    """A comment posted as the comment form would post it (security data, validation, service)."""
    target = draft if key is None else DraftSection.objects.get(draft=draft, key=key)
    paragraphs = 0 if key is None else rendering.render_cached(
        target.body, anchor=target.anchor, label=target.number).paragraph_count
    data = {**DraftCommentForm(target, paragraphs=paragraphs).generate_security_data(),
            "name": user.get_full_name(), "email": user.email, "url": "", "comment": text,
            "paragraph": paragraph or "", "kind": kind, "proposed_text": proposed, "quote": "",
            "followup": "on", "honeypot": "", "reply_to": 0}
    form = DraftCommentForm(target, data=data, paragraphs=paragraphs)
    assert form.is_valid(), form.errors.as_text()
    return services.comment_post(form=form, user=user, draft=draft)


def sign_in(page, live_server, username: str, next_path: str = "/") -> None:
    """Sign in through the login form and land on ``next_path``."""
    from playwright.sync_api import expect

    page.goto(f"{live_server.url}/accounts/login/?{urlencode({'next': next_path})}")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.locator("main").get_by_role("button", name="Sign in").click()
    expect(page.get_by_text(re.compile(r"^Signed in as "))).to_be_visible()
    expect(page).to_have_url(re.compile("^" + re.escape(f"{live_server.url}{next_path}")))


def screenshot(page, journey: str, step: str) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{journey}-{step}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def axe_violations(page) -> list[dict]:
    """axe-core's WCAG 2.1 A and AA violations on the page as it is now.

    axe only asks for review ("incomplete") when an ARIA attribute names an id that is not on the page,
    since a script might add it later. Our pages are server-rendered, so such a dangling reference (a field
    described by help text or errors that carry no id) is counted as a violation here.
    """
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page, options={"runOnly": {"type": "tag", "values": WCAG_TAGS}})
    violations = results.response["violations"]
    for finding in results.response["incomplete"]:
        dangling = [n for n in finding["nodes"]
                    if any(isinstance(check.get("data"), dict) and check["data"].get("messageKey") == "noId"
                           for check in n["all"] + n["any"])]
        if finding["id"] == "aria-valid-attr-value" and dangling:
            violations.append({**finding, "nodes": dangling})
    return violations


def describe(violations: list[dict], where: str) -> str:
    lines = []
    for v in violations:
        lines.append(f"{where}: {v['id']} ({v['impact']}): {v['help']} [{v['helpUrl']}]")
        for node in v["nodes"][:8]:
            summary = " ".join(line.strip() for line in node.get("failureSummary", "").splitlines()[1:]) or " ".join(
                check["message"] for check in node["all"] + node["any"] + node["none"])
            lines.append(f"    {' '.join(map(str, node['target']))}: {summary}")
            lines.append(f"      {node['html'][:200]}")
    return "\n".join(lines)


class Journey:
    """Screenshots each step and runs axe on it; the accessibility findings are asserted at the end,
    so one run reports every page's violations at once."""

    def __init__(self, page, name: str) -> None:
        self.page, self.name, self.findings = page, name, []

    def step(self, step: str) -> None:
        self.page.wait_for_load_state()
        screenshot(self.page, self.name, step)
        violations = axe_violations(self.page)
        if violations:
            self.findings.append(describe(violations, f"{self.name}-{step} {self.page.url}"))

    def assert_accessible(self) -> None:
        assert not self.findings, "axe-core (WCAG 2.1 A/AA) violations:\n" + "\n".join(self.findings)
