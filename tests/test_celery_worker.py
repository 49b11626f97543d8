"""The outbox with a real Celery worker on Redis, as CI runs it (DESIGN rule 8, end to end).

A ``celery -A guidance worker`` process is started against a Redis database of its own and the test
database (PostgreSQL: the worker must see what the test committed), and sends through Django's SMTP
backend to a real server on loopback (tests/smtp.py). The request only enqueues; the worker expands
the notice, sends each message once, and retries when the mail server refuses.

Skipped on SQLite, and when Redis does not answer at 127.0.0.1:6379.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote

import kombu.pools
import pytest
import redis
from celery import Celery
from django.db import connection

from drafts.models import Document, Draft, DraftSection, Notice, OutboundMail
from guidance.celery import app as celery_app
from tests.factories import freeze
from tests.smtp import SmtpSink
from tests.test_mail_access import open_window, post
from tests.test_outbox import freeze_through_the_page

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL (set DATABASE_URL)"),
]

REDIS_HOST, REDIS_PORT, REDIS_DB = "127.0.0.1", 6379, 14  # a database of its own, flushed before and after
BROKER_URL = f"redis://{REDIS_HOST}:{REDIS_PORT}/{REDIS_DB}"
ROOT = Path(__file__).resolve().parent.parent
CELERY = Path(sys.executable).parent / "celery"
WORKER = f"outbox-test-{os.getpid()}@localhost"
QUEUE = "celery"  # the default queue: no routes are configured
SMTP = "django.core.mail.backends.smtp.EmailBackend"
RECIPIENTS = ["ngo@example.org", "state@example.org"]  # those who commented on draft 1
START_TIMEOUT = WAIT_TIMEOUT = 30.0
POLL = 0.2


class Worker:
    """The worker process, its log, and a Celery app of our own to talk to it over the broker."""

    def __init__(self, process: subprocess.Popen, log: Path) -> None:
        self.process, self.log = process, log
        self.control = Celery("outbox-test-control", broker=BROKER_URL, set_as_current=False)

    def log_text(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else "(no log)"

    def _reply(self, command: str, **arguments: object) -> list:
        return self.control.control.broadcast(
            command, arguments=arguments, destination=[WORKER], reply=True, timeout=2.0
        ) or []

    def ping(self) -> bool:
        return bool(self._reply("ping"))

    @contextmanager
    def holding(self) -> Iterator[None]:
        """The worker takes no task from the queue until the block ends (what is sent waits in Redis)."""
        assert self._reply("cancel_consumer", queue=QUEUE), self.log_text()
        try:
            yield
        finally:  # not asserted here, not to hide what failed in the block: the waits that follow fail
            self._reply("add_consumer", queue=QUEUE)

    def is_idle(self) -> bool:
        """Nothing running, reserved or scheduled (a retry waiting for its countdown is scheduled)."""
        inspect = self.control.control.inspect(destination=[WORKER], timeout=1.0)
        replies = [inspect.active(), inspect.reserved(), inspect.scheduled()]
        return all(reply and not any(reply.values()) for reply in replies)

    def wait_for(self, what: str, condition: Callable[[], bool], timeout: float = WAIT_TIMEOUT) -> None:
        deadline = time.monotonic() + timeout
        while not condition():
            if self.process.poll() is not None:
                pytest.fail(f"the worker exited ({self.process.returncode}) before {what}:\n{self.log_text()}")
            if time.monotonic() > deadline:
                pytest.fail(f"not within {timeout:.0f} s: {what}\n--- worker log ---\n{self.log_text()}")
            time.sleep(POLL)


def _database_url() -> str:
    """The test database (test_...), as the worker's DATABASE_URL."""
    db = connection.settings_dict
    user = quote(db["USER"] or "", safe="")
    password = f":{quote(db['PASSWORD'], safe='')}" if db["PASSWORD"] else ""
    return f"postgres://{user}{password}@{db['HOST'] or 'localhost'}:{db['PORT'] or 5432}/{quote(db['NAME'], safe='')}"


@pytest.fixture(scope="module")
def sink() -> Iterator[SmtpSink]:
    """One SMTP server for the module: the worker is told its port when it starts."""
    sink = SmtpSink()
    yield sink
    sink.close()


@pytest.fixture(scope="module")
def broker() -> Iterator[redis.Redis]:
    client = redis.Redis(host=REDIS_HOST, port=REDIS_PORT, db=REDIS_DB, socket_connect_timeout=0.5, socket_timeout=2)
    try:
        client.ping()
    except redis.RedisError as error:
        pytest.skip(f"needs Redis at {REDIS_HOST}:{REDIS_PORT} for a real Celery worker ({error})")
    client.flushdb()
    yield client
    client.flushdb()
    client.close()


@pytest.fixture(scope="module")
def worker(django_db_setup, broker, sink, tmp_path_factory) -> Iterator[Worker]:
    """``celery -A guidance worker`` on the test database and the broker, sending to the sink."""
    env = {
        **os.environ,
        "DATABASE_URL": _database_url(),
        "CELERY_BROKER_URL": BROKER_URL,
        "TASKS_EAGER": "0",
        "DEBUG": "1",
        "EMAIL_BACKEND": SMTP,
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(sink.port),
        "EMAIL_TIMEOUT": "2",
        "OUTBOX_RETRY_SECONDS": "1",
        "PYTHONUNBUFFERED": "1",
    }
    others = Celery("outbox-test-probe", broker=BROKER_URL, set_as_current=False)
    try:
        strangers = others.control.ping(timeout=0.5)
    finally:
        others.close()
    if strangers:  # it would take the tests' tasks, with its own settings
        pytest.fail(f"another Celery worker consumes {BROKER_URL}: {strangers}")
    log = tmp_path_factory.mktemp("celery") / "worker.log"
    command = [str(CELERY), "-A", "guidance", "worker", "--pool", "solo", "--concurrency", "1", "-l", "info",
               "-n", WORKER, "--without-gossip", "--without-mingle"]
    with log.open("wb") as output:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT)
    running = Worker(process, log)
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while not running.ping():
            if process.poll() is not None:
                pytest.fail(f"the worker exited ({process.returncode}) on start:\n{running.log_text()}")
            if time.monotonic() > deadline:
                pytest.fail(f"the worker was not ready within {START_TIMEOUT:.0f} s:\n{running.log_text()}")
            time.sleep(POLL)
        yield running
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        running.control.close()
        print(f"--- worker log ({log}) ---\n{running.log_text()}")


@contextmanager
def _publishing_to(url: str) -> Iterator[None]:
    """The app that ``background.enqueue`` publishes through (``current_app`` is it) sends to ``url``.

    The app makes its connection and producer pools once, from the broker URL of that moment (eager
    tasks take a producer too, from ``memory://``), and keeps them: changing ``broker_url`` alone would
    keep publishing to the old broker. So it is given pools of its own to ``url`` for the block, closed
    after it, and its own put back (kombu's shared pools, which other apps use, are left alone).
    """
    conf = celery_app.conf
    saved = conf.broker_url, conf.task_always_eager, celery_app._pool, celery_app.amqp._producer_pool
    conf.broker_url, conf.task_always_eager = url, False
    connections = celery_app.connection_for_write().Pool(limit=4)
    producers = kombu.pools.ProducerPool(connections, limit=4)
    celery_app._pool, celery_app.amqp._producer_pool = connections, producers
    try:
        yield
    finally:
        producers.force_close_all()
        connections.force_close_all()
        conf.broker_url, conf.task_always_eager, celery_app._pool, celery_app.amqp._producer_pool = saved


@pytest.fixture
def commented(make_guidance, people) -> Document:
    """Draft 1 of the guidance, open for comments, on which the NGO and the State commented (made
    in-process, eagerly, before the test hands anything to the worker)."""
    document = make_guidance(principles=1, guidelines=1)
    draft = freeze(document, visibility=Draft.Visibility.RESTRICTED, **open_window())
    section = DraftSection.objects.get(draft=draft, key="p1")
    post(people["ngo"], section, "A point from the NGO")
    post(people["state"], section, "A point from the State")
    return document


@pytest.fixture
def on_the_worker(commented, worker, sink, settings) -> Iterator[tuple[Document, SmtpSink, Worker]]:
    """From here on, this process enqueues on the worker's broker, and mails (if it did) to the sink."""
    sink.accept()  # after a test that made it refuse
    sink.messages.clear()
    settings.EMAIL_BACKEND, settings.EMAIL_HOST, settings.EMAIL_PORT = SMTP, "127.0.0.1", sink.port
    settings.EMAIL_TIMEOUT, settings.OUTBOX_RETRY_SECONDS = 2, 1
    with _publishing_to(BROKER_URL):
        publishing = celery_app.producer_pool.connections.connection  # what apply_async publishes through
        assert (publishing.transport_cls, publishing.hostname, publishing.port, publishing.virtual_host) == (
            "redis", REDIS_HOST, REDIS_PORT, str(REDIS_DB))
        yield commented, sink, worker


def _draft_published() -> Notice:
    return Notice.objects.get(kind=Notice.Kind.DRAFT_PUBLISHED)


def _all(mails, predicate: Callable[[OutboundMail], bool]) -> bool:
    """All the notice's messages are written (one per recipient) and each satisfies ``predicate``."""
    rows = list(mails.all())
    return sorted(m.to for m in rows) == RECIPIENTS and all(predicate(m) for m in rows)


def test_a_freeze_is_mailed_by_the_worker_once_to_each_recipient_and_never_by_the_request(
    client, people, on_the_worker
) -> None:
    document, sink, worker = on_the_worker
    with worker.holding():  # what the request enqueues waits in Redis until it has answered
        response = freeze_through_the_page(client, people["editor"], document, "Second draft")
        assert response.status_code == 302
        assert document.drafts.count() == 2
        # The request sent nothing and wrote no message: it recorded the notice and enqueued it.
        assert sink.messages == []
        notice = _draft_published()
        assert notice.expanded_at is None and not notice.mails.exists()

    worker.wait_for("the worker sent every message", lambda: _all(notice.mails, lambda m: m.state == "sent"))
    assert sorted(sink.recipients) == RECIPIENTS
    assert all("Second draft" in message["Subject"] for message in sink.messages)
    assert {(m.state, m.attempts) for m in notice.mails.all()} == {("sent", 1)}
    worker.wait_for("the worker had nothing left to do", worker.is_idle)
    assert sorted(sink.recipients) == RECIPIENTS  # once each, and nothing left that could send them again


def test_a_refused_send_is_recorded_and_retried_by_the_worker_until_the_server_is_back(
    client, people, on_the_worker
) -> None:
    document, sink, worker = on_the_worker
    sink.refuse()  # nothing listens on the worker's EMAIL_PORT
    response = freeze_through_the_page(client, people["editor"], document, "Second draft")
    assert response.status_code == 302
    notice = _draft_published()

    def refused(mail: OutboundMail) -> bool:
        return mail.state == "queued" and mail.attempts >= 1 and "refused" in mail.last_error.lower()

    worker.wait_for("the refusal was recorded on every message", lambda: _all(notice.mails, refused))
    assert sink.messages == []
    sink.accept()  # the server is back; the task's own retry (1 s, then doubling) finds it

    worker.wait_for("the retry sent every message", lambda: _all(notice.mails, lambda m: m.state == "sent"))
    assert sorted(sink.recipients) == RECIPIENTS
    assert all(m.attempts >= 2 and m.sent_at is not None for m in notice.mails.all())
    worker.wait_for("the worker had nothing left to do", worker.is_idle)
    assert sorted(sink.recipients) == RECIPIENTS  # sent once each, though tried more than once
