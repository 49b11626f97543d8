"""Real-browser tests (Playwright + Chromium) against pytest-django's live server.

They need Debian's Chromium (``/usr/bin/chromium``, or ``CHROMIUM=/path``) and the Playwright packages;
without them every test here is skipped with the reason, so the rest of the suite still runs anywhere.
Screenshots go to ``test-artifacts/browser/`` (git-ignored).
"""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
HERE = Path(__file__).resolve().parent

_missing = [name for name in ("playwright", "pytest_playwright", "axe_playwright_python")
            if importlib.util.find_spec(name) is None]
if _missing:
    SKIP_REASON = f"browser tests need {', '.join(_missing)} (see requirements.txt)"
elif not os.access(CHROMIUM, os.X_OK):
    SKIP_REASON = f"browser tests need Chromium at {CHROMIUM} (set CHROMIUM=/path/to/chromium)"
else:
    SKIP_REASON = ""


def pytest_configure(config) -> None:
    # pytest-playwright's base_url fixture trips a pytest deprecation notice that is not ours to fix.
    config.addinivalue_line(
        "filterwarnings", "ignore:Session-scoped fixtures defined as instance methods:pytest.PytestRemovedIn10Warning"
    )


def _is_browser_test(item) -> bool:
    return HERE in Path(str(item.path)).resolve().parents


def pytest_collection_modifyitems(config, items) -> None:
    """Run the browser tests last, and skip them where the browser or Playwright is missing.

    Last, because pytest-playwright's session-wide Playwright keeps an event loop running in the test
    thread from the first browser test to the end of the session: any test after it would need Django's
    async guard switched off (see ``_allow_the_orm_beside_playwrights_loop``), and that must not leak
    into the other tests (tests/test_settings.py runs ``check --deploy``, which rightly refuses it).

    The skip is decided before fixtures are set up, so even pytest-playwright's missing fixtures do not matter.
    """
    browser = [item for item in items if _is_browser_test(item)]
    items[:] = [item for item in items if not _is_browser_test(item)] + browser
    if SKIP_REASON:
        skip = pytest.mark.skip(reason=SKIP_REASON)
        for item in browser:
            item.add_marker(skip)


@pytest.fixture(scope="session", autouse=True)
def _allow_the_orm_beside_playwrights_loop():
    """Playwright's sync API runs an event loop in the test thread; Django refuses ORM calls while a loop
    runs there unless DJANGO_ALLOW_ASYNC_UNSAFE is set. Set only once the browser tests start (they run
    last), and put back at the end of the session."""
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    yield
    if previous is None:
        os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    else:
        os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture(scope="session")
def browser_type_launch_args() -> dict:
    return {
        "executable_path": CHROMIUM,
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
        ],
    }


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args) -> dict:
    # One window size for every screenshot; English unless a test switches the interface language.
    return {**browser_context_args, "viewport": {"width": 1280, "height": 900}, "locale": "en-GB"}


@pytest.fixture(autouse=True)
def _timeouts(request) -> None:
    """Fail fast: a missing element should fail in seconds, not after Playwright's default 30 s."""
    if "page" in request.fixturenames:
        page = request.getfixturevalue("page")
        page.set_default_timeout(5_000)
        page.set_default_navigation_timeout(10_000)
