"""Production settings: refuse the development secret, pass check --deploy."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    # Production's environment, not the test run's: the browser tests switch Django's async guard off for
    # the rest of the session (pytest-django may order this module after them), which check --deploy refuses.
    harness = {"DEBUG", "SECRET_KEY", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    environment = {k: v for k, v in os.environ.items() if k not in harness} | env
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=environment, capture_output=True,
                          text=True, timeout=60, check=False)


def test_production_refuses_the_development_secret_key() -> None:
    result = manage("check", "--deploy", DEBUG="0")
    assert result.returncode != 0
    assert "SECRET_KEY is the development key" in result.stderr


def test_production_settings_pass_check_deploy_without_warnings() -> None:
    result = manage("check", "--deploy", "--fail-level", "WARNING", DEBUG="0", ALLOWED_HOSTS="drafts.example.org",
                    SECRET_KEY="a-long-random-production-secret-" + "x7Qz" * 12)
    assert result.returncode == 0, result.stderr


def test_the_production_server_refuses_to_start_with_the_development_secret_key() -> None:
    environment = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "SECRET_KEY"}} | {"DEBUG": "0"}
    result = subprocess.run([sys.executable, "-c", "import guidance.wsgi"], cwd=ROOT, env=environment,
                            capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode != 0
    assert "SECRET_KEY is the development key" in result.stderr


def test_management_commands_work_in_a_checkout_with_no_configuration() -> None:
    result = manage("makemigrations", "--check", "--dry-run")
    assert result.returncode == 0, result.stderr
