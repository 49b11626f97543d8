from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _fresh_cache(settings):
    """Each test starts with an empty cache, so a rendering cached by one test cannot hide a bug in another."""
    from django.core.cache import cache

    cache.clear()
    yield
