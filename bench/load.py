"""Load and fault test of the app as production runs it: gunicorn, PostgreSQL, Redis and SMTP, on loopback.

Run by hand (never by the tests), from any checkout that has its own ``.venv``:

    .venv/bin/python bench/load.py [--app-dir DIR] [--seconds N] [--only reads,posts,faults]

``--app-dir`` (default: the repository holding this script) names the tree whose app is measured:
its ``.venv/bin/gunicorn`` serves it and its ``.venv/bin/python`` migrates and seeds, so two trees
(say the commit before a change and the working tree) are measured on one machine with one script.

Set-up, all on 127.0.0.1 with ports chosen at run time: a database of its own (``guidance_load``,
dropped and made again), a ``redis-server`` of its own (so it can be stopped), an SMTP sink in this
process (accepting, refusing or hanging), seed data made with the tree's ``tests/factories.py`` (a
201-section document with two frozen public drafts, the second open for comments; 30 stakeholders;
12 sections each followed by 15 of them, 12 sections followed by nobody, a few hundred comments),
then gunicorn (3 workers) with ``DEBUG`` off and, if the tree has ``guidance/celery.py``, a Celery
worker with beat.

Phases, each bounded by ``--seconds`` and ``--max-requests``; every request is timed and its status
kept, and each phase prints requests, req/s, p50/p95/p99/max latency, 5xx and connection errors:

* reads: 30 anonymous clients GET the public draft's reading page; the same with ``If-None-Match``
  (if the page has an ETag); a mix of draft page, section pages and the compare page.
* posts: 20 signed-in stakeholders post comments through the form the section page renders, on
  sections with 15 followers (again with each poster's form loaded once, so the POST alone is
  measured; and on sections with none). Every accepted post (302) must be stored
  exactly once; follow-up mails are counted at the sink, per comment, against its followers. The
  form's "e-mail me" box is left unticked so the set of followers, and so the mails due, stay fixed.
* faults: SMTP refusing, then back; SMTP hanging (a few posts, 70 s client timeout); Redis stopped
  (SIGSTOP) and Redis killed and restarted, during reads; a gunicorn worker killed during reads; the
  Celery worker killed and restarted during posts. For posts, what the client saw is compared with
  the database: a post that was stored but answered 5xx (or never answered) is counted, as are mails
  that never arrived.

The load comes from several processes of threads, one new connection per request; their CPU time
is printed, so a saturated client would show. The machine may be shared: before each phase the
script waits a little (``--quiet-wait`` seconds in all) for other programs to leave the CPU, and
each phase prints the share of all cores used by this run's processes, by PostgreSQL and by
everything else, so figures taken while something else ran can be told apart. The table is also
written to ``/tmp/loadbench/<name>.json``; gunicorn's and Celery's logs stay in ``/tmp/loadbench/``
and what they said (warnings, errors, exceptions) is counted per phase. A Celery worker found dead
after a phase is reported and started again. Every process started here and the database are
removed on exit, error or Ctrl-C. A run with the defaults takes 5 to 10 minutes, plus the waits.
"""

from __future__ import annotations

import argparse
import atexit
import contextlib
import fcntl
import http.client
import json
import math
import multiprocessing as mp
import os
import re
import resource
import secrets
import shutil
import signal
import socket
import string
import subprocess
import sys
import threading
import time
from collections import Counter
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from tests.smtp import SmtpSink

HOST = "127.0.0.1"
WORK = Path("/tmp/loadbench")  # noqa: S108 - a scratch directory of its own, named in the README of the run
PG_SERVER = "postgres://postgres@127.0.0.1:5432"
DB_NAME = "guidance_load"
PASSWORD = "pw-for-tests-only"  # noqa: S105 - what tests/factories.make_user gives every account
CLIENT_TIMEOUT = 70.0  # longer than gunicorn's 60 s worker timeout: a request it kills is seen as such
TOKEN = re.compile(r"lbtok[a-z0-9]+")

# Run with the tree's own python and cwd (tests.factories is imported from there). Reads its
# sizes from LOADBENCH_SEED and prints one line "LOADBENCH-SEED {json}".
SEED_SCRIPT = r"""
import json, os, time
import django
django.setup()
from datetime import timedelta
from django.utils import timezone
from drafts import services
from drafts.access import system_actor
from drafts.forms import DraftCommentForm
from drafts.models import Draft, DraftComment, DraftSection, Profile, Role, StakeholderCategory
from tests.factories import freeze, make_document, make_section, make_user
from tests.generate import lightly_edited, long_text

cfg = json.loads(os.environ["LOADBENCH_SEED"])
started = time.monotonic()
editor = make_user("lb-editor", email="lb-editor@example.org", first_name="Editor")
people = []
for n in range(1, cfg["stakeholders"] + 1):
    person = make_user(f"lb-stake-{n:02d}", email=f"lb-stake-{n:02d}@example.org", first_name=f"Person {n:02d}")
    Profile.objects.create(user=person, organisation=f"Organisation {n:02d}", category=StakeholderCategory.NGO,
                           code=f"S{n:02d}")
    people.append(person)
document = make_document(cfg["slug"], editor=editor, stakeholders=people, title="Load bench guidance")
sections = [make_section(document, "Introduction", long_text(1, 120), numbered=False, key="intro")]
for p in range(1, cfg["principles"] + 1):
    principle = make_section(document, f"Principle {p}", long_text(100 + p, 60), key=f"p{p}")
    sections.append(principle)
    for g in range(1, cfg["guidelines"] + 1):
        sections.append(make_section(document, f"Guideline {p}.{g}", long_text(1000 * p + g, cfg["words"]),
                                     parent=principle, key=f"p{p}-g{g}"))
first = freeze(document, visibility=Draft.Visibility.PUBLIC)
for n, section in enumerate(sections[2::7]):
    section.refresh_from_db()
    services.section_update(section=section, user=system_actor(), base_version=section.version_number,
                            heading=section.heading, body=lightly_edited(section.body, n), message="Revised")
now = timezone.now()
draft = freeze(document, visibility=Draft.Visibility.PUBLIC, comments_open_from=now - timedelta(days=1),
               comments_open_until=now + timedelta(days=1))


def comment(person, target, text, follow):
    data = {**DraftCommentForm(target).generate_security_data(), "name": "x", "email": person.email, "url": "",
            "comment": text, "paragraph": "", "kind": "general", "proposed_text": "", "quote": "", "honeypot": "",
            "reply_to": 0}
    if follow:
        data["followup"] = "on"
    form = DraftCommentForm(target, data=data)
    assert form.is_valid(), form.errors.as_text()
    return services.comment_post(form=form, user=person, draft=draft)


snapshots = {s.key: s for s in DraftSection.objects.filter(draft=draft)}
guideline_keys = [f"p{p}-g{g}" for p in range(1, cfg["principles"] + 1) for g in range(1, cfg["guidelines"] + 1)]
hot_keys, quiet_keys = guideline_keys[0::9][:cfg["hot"]], guideline_keys[4::9][:cfg["hot"]]
hot = []
for i, key in enumerate(hot_keys):
    followers = [people[(i * 7 + j) % len(people)] for j in range(cfg["followers"])]
    for person in followers:
        comment(person, snapshots[key], f"{person.first_name} follows {key}: the wording needs care.", True)
    hot.append({"key": key, "followers": [p.email for p in followers]})
others = [k for k in guideline_keys if k not in hot_keys and k not in quiet_keys]
for n in range(cfg["other_comments"]):
    person = people[n % len(people)]
    comment(person, snapshots[others[n % len(others)]], f"Remark {n} by {person.first_name} on this point.", False)
print("LOADBENCH-SEED " + json.dumps({
    "slug": document.slug, "draft": draft.number, "previous": first.number,
    "sections": len(sections), "comments": DraftComment.objects.filter(draft=draft).count(),
    "stakeholders": [{"username": p.username, "email": p.email} for p in people],
    "hot": hot, "quiet": quiet_keys, "other_keys": others[:5], "seconds": round(time.monotonic() - started, 1),
}))
"""


# Processes this run started, and how to stop them -----------------------------------------------


class Processes:
    """Every subprocess started here, each in its own session so it and its children stop together."""

    def __init__(self) -> None:
        self.running: dict[str, subprocess.Popen] = {}
        self.clients: list[mp.process.BaseProcess] = []

    def start(self, name: str, argv: list[str], *, env: dict[str, str], cwd: Path, log: Path) -> subprocess.Popen:
        with log.open("ab") as out:
            process = subprocess.Popen(argv, env=env, cwd=cwd, stdout=out, stderr=subprocess.STDOUT,
                                       stdin=subprocess.DEVNULL, start_new_session=True)
        self.running[name] = process
        return process

    def kill(self, name: str, sig: int = signal.SIGTERM, wait: float = 10.0) -> None:
        process = self.running.pop(name, None)
        if process is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGCONT)  # a stopped Redis cannot act on SIGTERM
            os.killpg(process.pid, sig)
        try:
            process.wait(wait)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait(5)
        # Children that outlived their group leader (a pool process) are in the same session.
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)

    def close(self) -> None:
        for client in self.clients:
            if client.is_alive():
                client.kill()
        self.clients.clear()
        for name in ("celery", "gunicorn", "redis"):
            self.kill(name)
        for name in list(self.running):
            self.kill(name)


# The SMTP sink --------------------------------------------------------------------------------


_DELIVERED: list[tuple[float, str, set[str]]] = []  # the run's one sink's messages, read once each


def deliveries(sink: SmtpSink) -> list[tuple[float, str, set[str]]]:
    """(arrival, recipient, load-bench tokens quoted) of every message the sink received so far."""
    arrived, messages = list(sink.arrived), list(sink.messages)
    for at, message in zip(arrived[len(_DELIVERED):], messages[len(_DELIVERED):], strict=False):
        payload = message.get_payload(decode=True)
        body = payload.decode("utf-8", "replace") if isinstance(payload, bytes) else str(message.get_payload())
        _DELIVERED.append((at, str(message["To"]), set(TOKEN.findall(body))))
    return list(_DELIVERED)


# HTTP client ----------------------------------------------------------------------------------


def _error_kind(error: BaseException) -> str:
    if isinstance(error, ConnectionRefusedError):
        return "refused"
    if isinstance(error, TimeoutError | socket.timeout):
        return "timeout"
    if isinstance(error, ConnectionResetError | BrokenPipeError | http.client.RemoteDisconnected):
        return "reset"
    return type(error).__name__


def http_request(port: int, method: str, path: str, *, headers: dict[str, str] | None = None, body: str | None = None,
                 timeout: float = CLIENT_TIMEOUT) -> tuple[int, bytes, list[tuple[str, str]], str]:
    """One request on a new connection: (status, body, headers, error kind); status 0 when none came back."""
    connection = http.client.HTTPConnection(HOST, port, timeout=timeout)
    try:
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        return response.status, response.read(), response.getheaders(), ""
    except (OSError, http.client.HTTPException) as error:
        return 0, b"", [], _error_kind(error)
    finally:
        connection.close()


def update_cookies(cookies: dict[str, str], headers: list[tuple[str, str]]) -> None:
    for name, value in headers:
        if name.lower() == "set-cookie":
            key, _, rest = value.partition("=")
            cookies[key.strip()] = rest.split(";", 1)[0]


def cookie_header(cookies: dict[str, str]) -> str:
    return "; ".join(f"{k}={v}" for k, v in cookies.items() if v)


def header(headers: list[tuple[str, str]], name: str) -> str:
    return next((v for k, v in headers if k.lower() == name.lower()), "")


class FormFields(HTMLParser):
    """The action and fields of one form (by id) as a browser would submit them, unticked boxes left out."""

    def __init__(self, form_id: str) -> None:
        super().__init__()
        self.form_id, self.inside, self.action = form_id, False, ""
        self.fields: dict[str, str] = {}
        self._textarea: str | None = None
        self._select: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self.inside = self.inside or a.get("id") == self.form_id
            if self.inside and not self.action:
                self.action = a.get("action", "")
        if not self.inside or ("name" not in a and tag != "option"):
            return
        if tag == "input" and a.get("type") not in ("submit", "button", "checkbox", "radio"):
            self.fields[a["name"]] = a.get("value", "")
        elif tag == "input" and a.get("type") in ("checkbox", "radio") and "checked" in a:
            self.fields[a["name"]] = a.get("value", "on")
        elif tag == "textarea":
            self._textarea = a["name"]
            self.fields[a["name"]] = ""
        elif tag == "select":
            self._select = a["name"]
        elif tag == "option" and self._select and (self._select not in self.fields or "selected" in a):
            self.fields[self._select] = a.get("value", "")

    def handle_data(self, data: str) -> None:
        if self._textarea:
            self.fields[self._textarea] += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "textarea":
            self._textarea = None
        elif tag == "select":
            self._select = None
        elif tag == "form":
            self.inside = False


def form_fields(html: bytes, form_id: str) -> FormFields:
    parser = FormFields(form_id)
    parser.feed(html.decode("utf-8", "replace"))
    return parser


def log_in(port: int, username: str) -> dict[str, str]:
    """Sign in through the login page as a browser would; the cookies of the session."""
    cookies: dict[str, str] = {}
    _status, page, headers, error = http_request(port, "GET", "/accounts/login/")
    update_cookies(cookies, headers)
    token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    body = urlencode({"csrfmiddlewaretoken": token.group(1).decode() if token else "", "username": username,
                      "password": PASSWORD, "next": "/"})
    status, _page, headers, error = http_request(
        port, "POST", "/accounts/login/", body=body,
        headers={"Cookie": cookie_header(cookies), "Content-Type": "application/x-www-form-urlencoded"})
    update_cookies(cookies, headers)
    if status != 302 or "sessionid" not in cookies:
        raise RuntimeError(f"could not sign in as {username}: status {status} {error}")
    return cookies


# Load: processes of threads ---------------------------------------------------------------------

def token_prefix(phase: str) -> str:
    """How a phase's comments begin: a word of their own, so a mail or a row names its comment."""
    return phase.replace("-", "") + "z"


# A sample: (group, kind, start, seconds, status, error, token, section key)
Sample = tuple[str, str, float, float, int, str, str, str]


def _reads(port: int, group: dict, index: int, deadline: float, out: list) -> None:
    targets = group["targets"]
    for n in range(group["quota"]):
        if time.monotonic() >= deadline:
            return
        label, path, headers = targets[(index + n) % len(targets)]
        started = time.monotonic()
        status, _body, _headers, error = http_request(port, "GET", path, headers=headers, timeout=group["timeout"])
        out.append((group["name"], label, started, time.monotonic() - started, status, error, "", ""))
        if error == "refused":
            time.sleep(0.05)  # nothing listens for a moment (a worker restarting): do not spin


def _posts(port: int, group: dict, index: int, deadline: float, out: list) -> None:
    poster = group["posters"][index % len(group["posters"])]
    cookies = dict(poster["cookies"])
    keys = group["sections"]
    forms: dict[str, FormFields] = {}  # with form_once: each section's form, loaded the first time only
    for n in range(group["quota"]):
        if time.monotonic() >= deadline:
            return
        key = keys[(index + (0 if group.get("form_once") else n)) % len(keys)]
        form = forms.get(key)
        if form is None:
            started = time.monotonic()
            status, page, headers, error = http_request(port, "GET", f"{group['draft_path']}s/{key}/",
                                                        headers={"Cookie": cookie_header(cookies)},
                                                        timeout=group["timeout"])
            out.append((group["name"], "form", started, time.monotonic() - started, status, error, "", key))
            update_cookies(cookies, headers)
            form = form_fields(page, "comment-form") if status == 200 else None
            if form is not None and group.get("form_once"):
                forms[key] = form
        if form is None or not form.action:
            time.sleep(0.1)
            continue
        token = f"lbtok{token_prefix(group['name'])}{os.getpid()}x{index}x{n}"
        fields = {k: v for k, v in form.fields.items() if k != "followup"}
        fields["comment"] = f"Load bench comment {token}: this wording should say who decides, and by when."
        started = time.monotonic()
        status, _page, headers, error = http_request(
            port, "POST", form.action, body=urlencode(fields), timeout=group["timeout"],
            headers={"Cookie": cookie_header(cookies), "Content-Type": "application/x-www-form-urlencoded"})
        if status == 302 and "/accounts/login/" in header(headers, "Location"):
            error = "to-login"
        update_cookies(cookies, headers)
        out.append((group["name"], "post", started, time.monotonic() - started, status, error,
                    token, f"{poster['username']} {key}"))


def _client_process(port: int, threads: list[tuple[dict, int]], ready, go, clock, results) -> None:
    ready.put(os.getpid())
    go.wait()
    start = clock.value
    out: list[Sample] = []
    workers = [
        threading.Thread(target=_posts if group["kind"] == "post" else _reads,
                         args=(port, group, index, start + group["seconds"], out))
        for group, index in threads
    ]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    usage = resource.getrusage(resource.RUSAGE_SELF)
    results.put((out, usage.ru_utime + usage.ru_stime))


class LoadRun:
    """Client groups started together over a few processes; ``at`` waits for a moment of the run."""

    def __init__(self, port: int, groups: list[dict], processes: Processes, workers: int = 3) -> None:
        context = mp.get_context("spawn")  # no fork of a process that runs the sink's threads
        threads = [(g, i) for g in groups for i in range(g["clients"])]
        chunks = [threads[n::workers] for n in range(workers) if threads[n::workers]]
        self.ready, self.go, self.results = context.Queue(), context.Event(), context.Queue()
        self.clock = context.Value("d", 0.0)
        self.procs = [context.Process(target=_client_process, daemon=True,
                                      args=(port, chunk, self.ready, self.go, self.clock, self.results))
                      for chunk in chunks]
        processes.clients.extend(self.procs)
        for proc in self.procs:
            proc.start()
        for _proc in self.procs:
            self.ready.get(timeout=60)
        self.start = time.monotonic() + 0.1
        self.clock.value = self.start
        self.go.set()
        self.longest = max(g["seconds"] + g["timeout"] for g in groups)

    def at(self, seconds: float) -> None:
        time.sleep(max(0.0, self.start + seconds - time.monotonic()))

    def join(self) -> tuple[list[Sample], float, float]:
        """Every sample, the clients' CPU seconds, and the wall time from start to the last answer."""
        samples: list[Sample] = []
        cpu = 0.0
        for _proc in self.procs:
            out, seconds = self.results.get(timeout=self.longest + 60)
            samples.extend(out)
            cpu += seconds
        for proc in self.procs:
            proc.join(10)
        ends = [s[2] + s[3] for s in samples]
        return samples, cpu, (max(ends) - self.start) if ends else 0.0


def read_group(name: str, targets: list[tuple[str, str, dict]], *, clients: int, seconds: float, max_requests: int,
               timeout: float = CLIENT_TIMEOUT) -> dict:
    return {"name": name, "kind": "read", "targets": targets, "clients": clients, "seconds": seconds,
            "quota": math.ceil(max_requests / clients), "timeout": timeout}


def post_group(name: str, setup: Setup, sections: list[str], *, clients: int, seconds: float, max_posts: int,
               timeout: float = CLIENT_TIMEOUT, form_once: bool = False) -> dict:
    return {"name": name, "kind": "post", "posters": setup.posters[:clients], "sections": sections,
            "draft_path": setup.draft_path, "clients": clients, "seconds": seconds,
            "quota": math.ceil(max_posts / clients), "timeout": timeout, "form_once": form_once}


# Figures --------------------------------------------------------------------------------------


def percentile(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(q * len(ordered)) - 1))]


def summary(samples: list[Sample], wall: float, *, kind: str | None = None) -> dict:
    chosen = [s for s in samples if kind is None or s[1] == kind]
    latencies = [s[3] * 1000 for s in chosen]
    statuses = Counter(s[4] for s in chosen if s[4])
    return {
        "requests": len(chosen),
        "rps": round(len(chosen) / wall, 1) if wall else 0.0,
        "p50_ms": round(percentile(latencies, 0.50)),
        "p95_ms": round(percentile(latencies, 0.95)),
        "p99_ms": round(percentile(latencies, 0.99)),
        "max_ms": round(max(latencies, default=0)),
        "5xx": sum(n for status, n in statuses.items() if status >= 500),
        "errors": sum(1 for s in chosen if s[4] == 0),
        "statuses": {str(k): v for k, v in sorted(statuses.items())},
        "error_kinds": dict(Counter(s[5] for s in chosen if s[5])),
    }


def window(samples: list[Sample], start: float, begin: float, end: float) -> list[Sample]:
    """The samples whose request started between ``begin`` and ``end`` seconds into the run."""
    return [s for s in samples if begin <= s[2] - start < end]


# Set-up -----------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


def psql(sql: str) -> None:
    done = subprocess.run(["psql", "-q", "-v", "ON_ERROR_STOP=1", f"{PG_SERVER}/postgres", "-c", sql],
                          capture_output=True, text=True)
    if done.returncode:
        raise RuntimeError(f"psql {sql!r}: {done.stderr.strip()}")


def db_query(sql: str, params: tuple = ()) -> list[tuple]:
    import psycopg

    with psycopg.connect(f"{PG_SERVER}/{DB_NAME}", autocommit=True) as connection:
        return connection.execute(sql, params).fetchall()


def wait_for_port(port: int, seconds: float, alive=lambda: True) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if not alive():
            raise RuntimeError(f"the process meant to listen on port {port} exited")
        with socket.socket() as probe:
            if probe.connect_ex((HOST, port)) == 0:
                return
        time.sleep(0.1)
    raise RuntimeError(f"nothing listens on port {port} after {seconds:.0f} s")


class Setup:
    """Everything one run starts: database, Redis, sink, gunicorn and maybe Celery, and the seeded data."""

    def __init__(self, app_dir: Path, name: str, processes: Processes) -> None:
        self.app_dir, self.name, self.processes = app_dir, name, processes
        self.python, self.bin = app_dir / ".venv/bin/python", app_dir / ".venv/bin"
        self.has_worker = (app_dir / "guidance/celery.py").exists()
        self.sink = SmtpSink(hang_seconds=120.0)
        self.redis_port, self.port = free_port(), free_port()
        self.env = self._production_env()
        self.seed: dict = {}
        self.posters: list[dict] = []

    def _production_env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items()
               if k not in ("DEBUG", "DATABASE_URL", "REDIS_URL", "TASKS_EAGER", "CELERY_BROKER_URL", "VIRTUAL_ENV")}
        env.update({
            "DJANGO_SETTINGS_MODULE": "guidance.settings",
            "SECRET_KEY": "".join(secrets.choice(string.ascii_letters + string.digits + "!@%^*-_") for _ in range(50)),
            "ALLOWED_HOSTS": HOST, "SECURE_SSL_REDIRECT": "0", "SECURE_HSTS_SECONDS": "0",
            "COMMENTS_PER_MINUTE": "100000",
            "DATABASE_URL": f"{PG_SERVER}/{DB_NAME}", "REDIS_URL": f"redis://{HOST}:{self.redis_port}/0",
            "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend", "EMAIL_HOST": HOST,
            "EMAIL_PORT": str(self.sink.port), "EMAIL_TIMEOUT": "5",
            "STATIC_ROOT": str(WORK / f"static-{self.name}"), "LOG_LEVEL": "WARNING",
            "OUTBOX_RETRY_SECONDS": "2", "OUTBOX_SWEEP_SECONDS": "2",
        })
        return env

    def log(self, what: str) -> Path:
        return WORK / f"{self.name}-{what}.log"

    def manage(self, *args: str, env: dict[str, str] | None = None) -> str:
        done = subprocess.run([str(self.python), "manage.py", *args], cwd=self.app_dir, env=env or self.env,
                              capture_output=True, text=True)
        if done.returncode:
            raise RuntimeError(f"manage.py {' '.join(args)} failed:\n{done.stdout[-2000:]}{done.stderr[-4000:]}")
        return done.stdout

    def database(self) -> None:
        psql(f"DROP DATABASE IF EXISTS {DB_NAME} WITH (FORCE)")
        # template0, not template1: a CREATE from template1 fails while anyone else is connected to it.
        psql(f"CREATE DATABASE {DB_NAME} TEMPLATE template0 ENCODING 'UTF8'")
        self.manage("migrate", "--no-input", "-v", "0")
        self.manage("collectstatic", "--no-input", "--clear", "-v", "0")

    def seed_data(self, sizes: dict) -> dict:
        env = {k: v for k, v in self.env.items() if k not in ("REDIS_URL",)}  # in-process cache, tasks run at once
        env.update({"DEBUG": "1", "EMAIL_BACKEND": "django.core.mail.backends.dummy.EmailBackend",
                    "LOADBENCH_SEED": json.dumps(sizes)})
        done = subprocess.run([str(self.python), "-c", SEED_SCRIPT], cwd=self.app_dir, env=env,
                              capture_output=True, text=True)
        line = next((ln for ln in done.stdout.splitlines() if ln.startswith("LOADBENCH-SEED ")), None)
        if done.returncode or line is None:
            raise RuntimeError(f"seeding failed:\n{done.stdout[-2000:]}{done.stderr[-4000:]}")
        self.seed = json.loads(line.removeprefix("LOADBENCH-SEED "))
        return self.seed

    @property
    def draft_path(self) -> str:
        return f"/d/{self.seed['slug']}/drafts/{self.seed['draft']}/"

    def start_redis(self) -> None:
        self.processes.start("redis", ["/usr/bin/redis-server", "--port", str(self.redis_port), "--bind", HOST,
                                       "--save", "", "--appendonly", "no", "--dir", str(WORK)],
                             env=dict(os.environ), cwd=WORK, log=self.log("redis"))
        wait_for_port(self.redis_port, 10)

    def start_gunicorn(self) -> None:
        process = self.processes.start(
            "gunicorn", [str(self.bin / "gunicorn"), "guidance.wsgi", "--bind", f"{HOST}:{self.port}",
                         "--workers", "3", "--timeout", "60"],
            env=self.env, cwd=self.app_dir, log=self.log("gunicorn"))
        wait_for_port(self.port, 60, alive=lambda: process.poll() is None)
        status, _body, _headers, error = http_request(self.port, "GET", self.draft_path)
        if status != 200:
            raise RuntimeError(f"the draft page answers {status or error}; see {self.log('gunicorn')}")

    def start_worker(self) -> None:
        if self.has_worker:
            self.processes.start(
                # Below the web's CPU priority, as README's Production section runs it: pages first.
                "celery", ["nice", "-n", "10", str(self.bin / "celery"), "-A", "guidance", "worker", "--concurrency",
                           "2", "--beat", "-l", "warning", "-s", str(WORK / f"celerybeat-{self.name}")],
                env=self.env, cwd=self.app_dir, log=self.log("celery"))

    def gunicorn_workers(self) -> list[int]:
        master = self.processes.running["gunicorn"].pid
        children = []
        for stat in Path("/proc").glob("[0-9]*/stat"):
            with contextlib.suppress(OSError, IndexError, ValueError):
                if int(stat.read_text().rsplit(")", 1)[1].split()[1]) == master:
                    children.append(int(stat.parent.name))
        return sorted(children)

    def sign_in_posters(self, count: int) -> None:
        people = self.seed["stakeholders"][:count]
        results: dict[str, dict[str, str]] = {}
        threads = [threading.Thread(target=lambda u=p["username"]: results.__setitem__(u, log_in(self.port, u)))
                   for p in people]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        self.posters = [{"username": p["username"], "cookies": results[p["username"]]} for p in people]

    def close(self) -> None:
        self.processes.close()
        self.sink.close()
        with contextlib.suppress(Exception):
            psql(f"DROP DATABASE IF EXISTS {DB_NAME} WITH (FORCE)")


# What the posts did: the client's account against the database's and the sink's ----------------


class PostLedger:
    """Who follows what (from the seed), to know how many mails each stored comment is due."""

    def __init__(self, setup: Setup) -> None:
        emails = {p["username"]: p["email"] for p in setup.seed["stakeholders"]}
        self.email = emails
        self.followers = {h["key"]: set(h["followers"]) for h in setup.seed["hot"]}
        self.sink = setup.sink
        self.has_outbox = bool(db_query("SELECT to_regclass('drafts_outboundmail')")[0][0])

    def stored(self, prefix: str) -> Counter:
        rows = db_query("SELECT comment FROM django_comments WHERE comment LIKE %s", (f"%lbtok{prefix}%",))
        # the prefix ends in "z" and phase names have none, so "posts" does not match "postsquiet"
        return Counter(t for (text,) in rows for t in TOKEN.findall(text))

    def due(self, post: Sample) -> set[str]:
        username, key = post[7].split(" ", 1)
        return self.followers.get(key, set()) - {self.email[username]}

    def mails(self, tokens: set[str]) -> Counter:
        return Counter((token, to) for _at, to, found in deliveries(self.sink) for token in found & tokens)

    def account(self, samples: list[Sample], prefix: str) -> dict:
        posts = [s for s in samples if s[1] == "post"]
        stored = self.stored(prefix)
        accepted = [s for s in posts if s[4] == 302 and not s[5]]
        failed = [s for s in posts if s[4] >= 500 or s[4] == 0]
        due = {(s[6], to) for s in posts if stored[s[6]] for to in self.due(s)}
        received = self.mails({s[6] for s in posts})
        return {
            "posts": len(posts),
            "accepted": len(accepted),
            "accepted_stored_once": sum(1 for s in accepted if stored[s[6]] == 1),
            "accepted_not_stored": sum(1 for s in accepted if not stored[s[6]]),
            "stored_twice_or_more": sum(1 for n in stored.values() if n > 1),
            "stored_but_5xx": sum(1 for s in failed if s[4] >= 500 and stored[s[6]]),
            "stored_but_no_answer": sum(1 for s in failed if s[4] == 0 and stored[s[6]]),
            "refused_but_stored": sum(1 for s in posts if 400 <= s[4] < 500 and stored[s[6]]),
            "stored": sum(1 for s in posts if stored[s[6]]),
            "mails_due": len(due),
            "mails_received": len(due & set(received)),
            "mails_to_others": len(set(received) - due),  # to someone who does not follow, or the author
            "mails_duplicated": sum(n - 1 for n in received.values() if n > 1),
        }

    def outbox_states(self) -> dict:
        if not self.has_outbox:
            return {}
        rows = db_query("SELECT state, (claimed_until > now()) AS claimed, count(*) FROM drafts_outboundmail "
                        "WHERE body LIKE '%%lbtok%%' GROUP BY 1, 2")
        return {f"{state}{' (claimed)' if claimed else ''}": n for state, claimed, n in rows}


def wait_for_mails(ledger: PostLedger, samples: list[Sample], prefix: str, seconds: float) -> float:
    """Wait until every mail due for these posts has arrived, or ``seconds``; how long it took."""
    started = time.monotonic()
    while time.monotonic() - started < seconds:
        account = ledger.account(samples, prefix)
        if account["mails_received"] >= account["mails_due"]:
            break
        time.sleep(1)
    return round(time.monotonic() - started, 1)


# Who used the CPU: this run (app, Redis, clients), PostgreSQL, and everything else on the machine ---


def _machine_busy() -> float:
    """CPU seconds the whole machine has spent busy since it booted."""
    user, nice, system, _idle, _iowait, irq, softirq, steal = map(int, Path("/proc/stat").read_text().split()[1:9])
    return (user + nice + system + irq + softirq + steal) / os.sysconf("SC_CLK_TCK")


def _process_table():
    """(pid, command, process group, session, CPU seconds) of every process now."""
    tick = os.sysconf("SC_CLK_TCK")
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:
            continue  # it exited meanwhile
        command, fields = text[text.index("(") + 1:text.rindex(")")], text[text.rindex(")") + 2:].split()
        yield int(stat.parent.name), command, int(fields[2]), int(fields[3]), (int(fields[11]) + int(fields[12])) / tick


class CpuMeter:
    """The machine's CPU over one phase, in percent of all cores: this run's processes (app, Redis, Celery,
    clients), PostgreSQL's, and everything else. Sampled every second, so a process killed meanwhile
    (a worker, Redis) loses at most its last second to "everything else"."""

    def __init__(self, processes: Processes) -> None:
        self.processes = processes
        self.started, self.busy = time.monotonic(), _machine_busy()
        self.last: dict[int, float] = {}
        self.used = {"run": 0.0, "postgres": 0.0}
        self._sample(first=True)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._every_second, daemon=True)
        self._thread.start()

    def _sample(self, first: bool = False) -> None:
        own_group, sessions = os.getpgrp(), {p.pid for p in self.processes.running.values()}
        now = {}
        for pid, command, group, session, used in _process_table():
            kind = "run" if group == own_group or session in sessions else "postgres" if command == "postgres" else ""
            if kind:
                now[pid] = used
                if not first:  # a process that started during the phase used all its CPU in it
                    self.used[kind] += used - self.last.get(pid, 0.0)
        self.last = now

    def _every_second(self) -> None:
        while not self._stop.wait(1.0):
            self._sample()

    def shares(self) -> dict[str, int]:
        self._stop.set()
        self._thread.join()
        self._sample()
        capacity = (time.monotonic() - self.started) * (os.cpu_count() or 1) / 100
        machine = _machine_busy() - self.busy
        return {"run_pct": round(self.used["run"] / capacity), "postgres_pct": round(self.used["postgres"] / capacity),
                "others_pct": round(max(machine - self.used["run"] - self.used["postgres"], 0) / capacity)}


def wait_for_quiet(processes: Processes, limit: float, threshold: int = 20) -> tuple[float, int]:
    """Wait, at most ``limit`` seconds, until other programs use under ``threshold`` % of the CPU
    (sampled over 2 s): the machine may be shared. How long it waited, and their last share."""
    started = time.monotonic()
    while True:
        meter = CpuMeter(processes)
        time.sleep(2)
        others = meter.shares()["others_pct"]
        if others < threshold or time.monotonic() - started >= limit:
            return round(time.monotonic() - started), others


# What the logs said, per phase ---------------------------------------------------------------------

_CELERY_RECORD = re.compile(r"^\[[^\]]*?: (WARNING|ERROR|CRITICAL)/[^\]]*\] (.*)")
_GUNICORN_RECORD = re.compile(r"^\[[^\]]*\] \[\d+\] \[(\w+)\] (.*)")
_EXCEPTION = re.compile(r"^[A-Za-z_][\w.]*(Error|Exception|Exit|Interrupt)\b")
_NOT_NEWS = ("Traceback (most recent", "During handling", "The above exception")


class LogWatch:
    """What a log gained since the last look: warnings and errors, and the last line of each traceback,
    with numbers made ``N`` so alike lines are counted together. In gunicorn's log every line that is
    not gunicorn's own is the app's (Django logs warnings and up there, unformatted); Celery's log
    also holds its banner and other prose, so only its records and exceptions count."""

    def __init__(self, path: Path, *, app_lines: bool) -> None:
        self.path, self.offset, self.app_lines = path, 0, app_lines

    def since(self) -> dict[str, int]:
        if not self.path.exists():
            return {}
        with self.path.open("rb") as log:
            log.seek(self.offset)
            text = log.read().decode("utf-8", "replace")
            self.offset = log.tell()
        found: Counter = Counter()
        for line in text.splitlines():
            news = self._news(line)
            if news:
                found[re.sub(r"\d+", "N", news)[:150]] += 1
        return dict(found)

    def _news(self, line: str) -> str:
        if record := _CELERY_RECORD.match(line):
            return f"{record.group(1)}: {record.group(2)}"
        if record := _GUNICORN_RECORD.match(line):
            return f"[{record.group(1)}] {record.group(2)}" if record.group(1) != "INFO" else ""
        if not line.strip() or line.startswith((" ", "\t", *_NOT_NEWS)):
            return ""  # a traceback's frames; its last line (the exception) is not indented
        return line if self.app_lines or _EXCEPTION.match(line) else ""


# Phases -----------------------------------------------------------------------------------------


class Bench:
    def __init__(self, setup: Setup, seconds: float, max_requests: int, quiet_budget: float) -> None:
        self.setup, self.seconds, self.max_requests = setup, seconds, max_requests
        self.quiet_budget = quiet_budget  # seconds, over the whole run, spent waiting for a quiet machine
        self.quiet_waited = 0.0
        self.rows: list[dict] = []
        self.ledgers: dict[str, dict] = {}
        self.logs = [LogWatch(setup.log("gunicorn"), app_lines=True), LogWatch(setup.log("celery"), app_lines=False)]
        self.post_samples: dict[str, list[Sample]] = {}
        self.ledger = PostLedger(setup)
        self.cpu_shares: dict[str, int] = {}

    def run(self, groups: list[dict], actions=()) -> tuple[list[Sample], float, float, float]:
        """Run these client groups, doing each action at its moment; samples, client CPU, wall, start."""
        waited, others = wait_for_quiet(self.setup.processes, max(self.quiet_budget - self.quiet_waited, 0))
        self.quiet_waited += waited
        if waited > 2 or others >= 20:
            print(f"    waited {waited} s for other programs to calm down; they use {others} % of the CPU", flush=True)
        for watch in self.logs:
            watch.since()
        meter = CpuMeter(self.setup.processes)
        print(f"    {time.strftime('%H:%M:%S')} {', '.join(g['name'] for g in groups)} start", flush=True)
        load = LoadRun(self.setup.port, groups, self.setup.processes)
        for moment, what, action in actions:
            load.at(moment)
            print(f"    {time.strftime('%H:%M:%S')} +{moment:.0f} s: {what}", flush=True)
            action()
        samples, cpu, wall = load.join()
        self.cpu_shares = meter.shares()
        return samples, cpu, wall, load.start

    def row(self, phase: str, samples: list[Sample], cpu: float, wall: float, *, kind: str | None = None,
            **extra: object) -> dict:
        figures = {"phase": phase, **summary(samples, wall, kind=kind), "client_cpu_s": round(cpu, 1),
                   "wall_s": round(wall, 1), "cpu": self.cpu_shares if cpu else {}, **extra}
        self.rows.append(figures)
        print(f"  {format_row(figures)}", flush=True)
        return figures

    def exceptions(self) -> dict[str, int]:
        """What the logs said during the phase; a Celery worker that died is noted and started again,
        so that the next phase measures its own fault."""
        found: Counter = Counter()
        for watch in self.logs:
            found.update({f"{watch.path.stem.rsplit('-', 1)[-1]}: {line}": n for line, n in watch.since().items()})
        worker = self.setup.processes.running.get("celery")
        if worker is not None and worker.poll() is not None:
            found[f"bench: the Celery worker had exited (status {worker.returncode}); started again"] += 1
            print(f"    the Celery worker had exited (status {worker.returncode}); starting it again", flush=True)
            self.setup.processes.kill("celery")
            self.setup.start_worker()
        return dict(found)

    def draft_target(self) -> list[tuple[str, str, dict]]:
        return [("draft", self.setup.draft_path, {})]

    # reads

    def reads(self) -> None:
        samples, cpu, wall, _ = self.run([read_group("reads", self.draft_target(), clients=30, seconds=self.seconds,
                                                     max_requests=self.max_requests)])
        self.row("reads: draft page, 30 clients", samples, cpu, wall, exceptions=self.exceptions())

    def reads_etag(self) -> None:
        status, _body, headers, _error = http_request(self.setup.port, "GET", self.setup.draft_path)
        etag = header(headers, "ETag")
        if not etag:
            self.rows.append({"phase": "reads: If-None-Match", "skipped": f"no ETag on the draft page ({status})"})
            print("  reads with If-None-Match: skipped, the draft page has no ETag", flush=True)
            return
        target = [("draft", self.setup.draft_path, {"If-None-Match": etag})]
        samples, cpu, wall, _ = self.run([read_group("etag", target, clients=30, seconds=self.seconds,
                                                     max_requests=self.max_requests)])
        self.row("reads: If-None-Match, 30 clients", samples, cpu, wall, not_modified=sum(s[4] == 304 for s in samples),
                 exceptions=self.exceptions())

    def reads_mixed(self) -> None:
        seed = self.setup.seed
        keys = [seed["hot"][0]["key"], seed["hot"][1]["key"], seed["quiet"][0], *seed["other_keys"][:2]]
        targets = [*self.draft_target(), *((f"section {k}", f"{self.setup.draft_path}s/{k}/", {}) for k in keys),
                   ("compare", f"/d/{seed['slug']}/compare/?from={seed['previous']}&to={seed['draft']}", {}),
                   *self.draft_target()]
        samples, cpu, wall, _ = self.run([read_group("mixed", targets, clients=30, seconds=self.seconds,
                                                     max_requests=self.max_requests)])
        self.row("reads: mixed, 30 clients", samples, cpu, wall, exceptions=self.exceptions())
        for label in ("draft", "section", "compare"):
            chosen = [s for s in samples if s[1].startswith(label)]
            self.row(f"  mixed: {label} pages", chosen, 0.0, wall)

    # posts

    def posts(self, name: str, sections: list[str], seconds: float, *, actions=(), clients: int = 20,
              max_posts: int | None = None, readers: int = 0, mail_wait: float = 30.0,
              timeout: float = CLIENT_TIMEOUT, after=None, form_once: bool = False) -> dict:
        groups = [post_group(name, self.setup, sections, clients=clients, seconds=seconds,
                             max_posts=max_posts or self.max_requests, timeout=timeout, form_once=form_once)]
        if readers:
            groups.append(read_group(f"{name}-reads", self.draft_target(), clients=readers, seconds=seconds,
                                     max_requests=self.max_requests))
        samples, cpu, wall, _ = self.run(groups, list(actions))
        if after is not None:
            after()
        prefix = token_prefix(name)
        at_end = self.ledger.account(samples, prefix)
        # Without a worker, mail is sent in the request or never: nothing can arrive later.
        waited = wait_for_mails(self.ledger, samples, prefix, mail_wait if self.setup.has_worker else 3)
        account = self.ledger.account(samples, prefix)
        account.update({"mails_at_phase_end": at_end["mails_received"], "waited_s": waited,
                        "outbox": self.ledger.outbox_states()})
        self.post_samples[name] = samples
        self.ledgers[name] = account
        post_rows = [s for s in samples if s[0] == name]
        self.row(f"{name}: POST", post_rows, cpu, wall, kind="post", ledger=account, exceptions=self.exceptions())
        form_row = summary(post_rows, wall, kind="form")
        print(f"    section page GET (signed in): p50 {form_row['p50_ms']} ms, p95 {form_row['p95_ms']} ms, "
              f"5xx {form_row['5xx']}, errors {form_row['errors']}")
        print(f"    {format_ledger(account)}", flush=True)
        if readers:
            self.row(f"{name}: reads meanwhile", [s for s in samples if s[0] != name], 0.0, wall)
        return account

    def hot(self) -> list[str]:
        return [h["key"] for h in self.setup.seed["hot"]]

    def posts_followed(self) -> None:
        self.posts("posts", self.hot(), self.seconds)

    def posts_direct(self) -> None:
        """The post request alone: each poster loads a section's form once, then posts on it again and
        again (a delegation pasting its comments), so the signed-in section page's cost is left out."""
        self.posts("posts-direct", self.hot(), self.seconds, form_once=True)

    def posts_quiet(self) -> None:
        self.posts("posts-quiet", self.setup.seed["quiet"], self.seconds / 2)

    # faults

    def smtp_refuse(self) -> None:
        sink = self.setup.sink
        self.posts("smtp-refuse", self.hot(), self.seconds / 2,
                   actions=[(0.0, "SMTP refuses connections", sink.refuse)],
                   after=sink.accept, mail_wait=60)

    def smtp_hang(self) -> None:
        sink = self.setup.sink
        self.posts("smtp-hang", self.hot(), self.seconds, clients=3, max_posts=3, readers=5,
                   actions=[(0.0, "SMTP accepts and never answers", sink.hang)],
                   after=sink.accept, mail_wait=60)

    def redis_outage(self, name: str, stop, resume) -> None:
        lead, outage = self.seconds / 4, self.seconds
        samples, cpu, wall, start = self.run(
            [read_group(name, self.draft_target(), clients=30, seconds=outage + 2 * lead,
                        max_requests=self.max_requests)],
            [(lead, "Redis stops", stop), (lead + outage, "Redis is back", resume)])
        self.row(f"{name}: all reads", samples, cpu, wall, exceptions=self.exceptions())
        self.row(f"{name}: reads started during the outage", window(samples, start, lead, lead + outage), 0.0, outage)
        self.row(f"{name}: reads started after it", window(samples, start, lead + outage, 1e9), 0.0, lead)

    def redis_stop(self) -> None:
        pid = self.setup.processes.running["redis"].pid
        self.redis_outage("redis-sigstop", lambda: os.kill(pid, signal.SIGSTOP), lambda: os.kill(pid, signal.SIGCONT))

    def redis_kill(self) -> None:
        def restart() -> None:
            self.setup.start_redis()

        self.redis_outage("redis-killed", lambda: self.setup.processes.kill("redis", signal.SIGKILL), restart)

    def gunicorn_worker_kill(self) -> None:
        killed: list[int] = []

        def kill_one() -> None:
            workers = self.setup.gunicorn_workers()
            if workers:
                os.kill(workers[0], signal.SIGKILL)
                killed.append(workers[0])

        samples, cpu, wall, _ = self.run(
            [read_group("worker-kill", self.draft_target(), clients=30, seconds=self.seconds,
                        max_requests=self.max_requests)],
            [(self.seconds / 4, "SIGKILL one gunicorn worker", kill_one)])
        self.row("gunicorn worker SIGKILL: reads", samples, cpu, wall, killed=killed, exceptions=self.exceptions())

    def celery_kill(self) -> None:
        if not self.setup.has_worker:
            self.rows.append({"phase": "celery worker SIGKILL", "skipped": "no Celery worker in this tree"})
            print("  celery worker SIGKILL: skipped, no worker in this tree", flush=True)
            return
        self.posts("celery-kill", self.hot(), self.seconds, mail_wait=60, actions=[
            (self.seconds / 4, "SIGKILL the Celery worker and its pool",
             lambda: self.setup.processes.kill("celery", signal.SIGKILL)),
            (self.seconds / 2, "Celery worker started again", self.setup.start_worker),
        ])

    def mails_in_the_end(self) -> dict:
        """Mails of every post phase that arrived by the end of the run (late retries included)."""
        final = {}
        for name, samples in self.post_samples.items():
            account = self.ledger.account(samples, token_prefix(name))
            final[name] = {"mails_due": account["mails_due"], "mails_received": account["mails_received"],
                           "mails_lost": account["mails_due"] - account["mails_received"],
                           "mails_duplicated": account["mails_duplicated"]}
        return final


# Printing ---------------------------------------------------------------------------------------


def format_row(r: dict) -> str:
    if "skipped" in r:
        return f"{r['phase']:<46} skipped: {r['skipped']}"
    extra = ""
    if "not_modified" in r:
        extra += f" 304={r['not_modified']}"
    if r.get("error_kinds"):
        extra += " " + ",".join(f"{k}={v}" for k, v in r["error_kinds"].items())
    cpu = r.get("cpu") or {}
    shares = f"{cpu['run_pct']:>3}/{cpu['postgres_pct']:>2}/{cpu['others_pct']:>2}" if cpu else ""
    return (f"{r['phase']:<46} {r['requests']:>6} {r['rps']:>7} {r['p50_ms']:>6} {r['p95_ms']:>6} {r['p99_ms']:>6} "
            f"{r['max_ms']:>6} {r['5xx']:>5} {r['errors']:>5} {r['client_cpu_s'] or '':>6} {shares:>9}{extra}")


HEADER = (f"{'phase':<46} {'req':>6} {'req/s':>7} {'p50':>6} {'p95':>6} {'p99':>6} {'max':>6} {'5xx':>5} "
          f"{'err':>5} {'cliCPU':>6} {'run/pg/oth':>9}\n"
          "(latency in ms; client CPU in s; CPU of all cores in % used by this run's processes, PostgreSQL, others)")


def format_ledger(a: dict) -> str:
    return (f"posts {a['posts']}, accepted {a['accepted']} (stored once {a['accepted_stored_once']}, "
            f"missing {a['accepted_not_stored']}), stored {a['stored']}, stored but 5xx {a['stored_but_5xx']}, "
            f"stored but no answer {a['stored_but_no_answer']}, doubles {a['stored_twice_or_more']}; "
            f"mails due {a['mails_due']}, at phase end {a['mails_at_phase_end']}, after {a['waited_s']} s "
            f"{a['mails_received']}, duplicated {a['mails_duplicated']}, to others {a['mails_to_others']}"
            + (f"; outbox {a['outbox']}" if a.get("outbox") else ""))


def print_report(name: str, report: dict) -> None:
    print(f"\n== {name}: {report['app_dir']} ({report['commit']}), {report['seconds']} s phases ==")
    print(HEADER)
    for r in report["rows"]:
        print(format_row(r))
    print("\nposts against the database and the sink:")
    for phase, a in report["ledgers"].items():
        print(f"  {phase:<12} {format_ledger(a)}")
    print("mails of each post phase by the end of the run:")
    for phase, m in report["mails_in_the_end"].items():
        print(f"  {phase:<12} due {m['mails_due']}, received {m['mails_received']}, lost {m['mails_lost']}, "
              f"duplicated {m['mails_duplicated']}")
    print("exceptions in the logs, per phase:")
    for r in report["rows"]:
        for line, n in (r.get("exceptions") or {}).items():
            print(f"  {r['phase'][:34]:<34} {n:>5} x {line}")


# Main -------------------------------------------------------------------------------------------


PHASES = {
    "reads": ("reads", "reads_etag", "reads_mixed"),
    "posts": ("posts_followed", "posts_direct", "posts_quiet"),
    "faults": ("smtp_refuse", "smtp_hang", "redis_stop", "redis_kill", "gunicorn_worker_kill", "celery_kill"),
}
SEED_SIZES = {"slug": "lb-doc", "stakeholders": 30, "principles": 20, "guidelines": 9, "words": 120, "hot": 12,
              "followers": 15, "other_comments": 250}


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--app-dir", type=Path, default=Path(__file__).resolve().parent.parent)
    parser.add_argument("--name", help="names the JSON and logs in /tmp/loadbench (default: the tree's directory)")
    parser.add_argument("--seconds", type=float, default=20.0, help="length of each phase (default 20)")
    parser.add_argument("--max-requests", type=int, default=20_000, help="per phase, over all its clients")
    parser.add_argument("--words", type=int, default=SEED_SIZES["words"],
                        help="words in each guideline's text (default 120; the draft page weighs about 400 KiB)")
    parser.add_argument("--only", default="reads,posts,faults", help="comma-separated: reads, posts, faults")
    parser.add_argument("--quiet-wait", type=float, default=120.0,
                        help="seconds in all to wait, before phases, for other programs to leave the CPU (default 120)")
    return parser.parse_args()


def hold_run_lock(wait: float):
    """One run at a time on this machine: runs share the database's name, and each drops it at start
    and at exit. Waits for another run to finish, ``wait`` seconds at most; the lock is released when
    this process exits (no child inherits it)."""
    lock = (WORK / "run.lock").open("a+")
    deadline, waited_since = time.monotonic() + wait, 0.0
    while True:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            break
        except BlockingIOError:
            if not waited_since:
                waited_since = time.monotonic()
                lock.seek(0)
                print(f"waiting for another load bench to finish ({lock.read().strip()})", flush=True)
            if time.monotonic() > deadline:
                lock.seek(0)
                raise SystemExit(f"another load bench is still running ({lock.read().strip()}); try later") from None
            time.sleep(2)
    lock.seek(0)
    lock.truncate()
    lock.write(f"pid {os.getpid()}: {' '.join(sys.argv)}\n")
    lock.flush()
    return lock


def commit_of(app_dir: Path) -> str:
    done = subprocess.run(["git", "-C", str(app_dir), "describe", "--always", "--dirty"], capture_output=True,
                          text=True)
    return done.stdout.strip() or "?"


def main() -> None:
    args = parse_args()
    app_dir = args.app_dir.resolve()
    name = args.name or app_dir.name
    WORK.mkdir(exist_ok=True)
    _lock = hold_run_lock(900)
    for what in ("gunicorn", "celery", "redis"):
        (WORK / f"{name}-{what}.log").unlink(missing_ok=True)
    only = [p.strip() for p in args.only.split(",") if p.strip()]
    processes = Processes()
    setup = Setup(app_dir, name, processes)
    atexit.register(setup.close)
    # So that finally and atexit clean up; Ctrl-C too when started in the background, where it is ignored.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    for sig in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, lambda *_: sys.exit(1))
    started = time.monotonic()
    try:
        print(f"{name}: {app_dir} at {commit_of(app_dir)}; worker: {'Celery' if setup.has_worker else 'none'}")
        setup.database()
        seed = setup.seed_data({**SEED_SIZES, "words": args.words})
        followers = [len(h["followers"]) for h in seed["hot"]]
        print(f"seeded in {seed['seconds']} s: {seed['sections']} sections, drafts {seed['previous']} and "
              f"{seed['draft']} (public, the latter open for comments), {len(seed['stakeholders'])} stakeholders, "
              f"{seed['comments']} comments; {len(followers)} sections with {sum(followers) / len(followers):.0f} "
              f"followers each, {len(seed['quiet'])} with none")
        setup.start_redis()
        setup.start_worker()
        setup.start_gunicorn()
        _status, page, headers, _error = http_request(setup.port, "GET", setup.draft_path)
        print(f"draft page: {len(page) // 1024} KiB, ETag {header(headers, 'ETag') or 'none'}, "
              f"Cache-Control {header(headers, 'Cache-Control') or 'none'}")
        setup.sign_in_posters(20)
        bench = Bench(setup, args.seconds, args.max_requests, args.quiet_wait)
        print(HEADER)
        for group in only:
            for phase in PHASES[group]:
                getattr(bench, phase)()
        report = {
            "name": name, "app_dir": str(app_dir), "commit": commit_of(app_dir), "seconds": args.seconds,
            "seed": {k: v for k, v in seed.items() if k not in ("stakeholders", "hot")},
            "rows": bench.rows, "ledgers": bench.ledgers, "mails_in_the_end": bench.mails_in_the_end(),
            "run_seconds": round(time.monotonic() - started), "waited_for_quiet_s": round(bench.quiet_waited),
        }
        (WORK / f"{name}.json").write_text(json.dumps(report, indent=1))
        print_report(name, report)
        print(f"\nwhole run {report['run_seconds']} s ({report['waited_for_quiet_s']} s of it waiting for a quiet CPU)")
        print(f"JSON in {WORK / f'{name}.json'}; logs in {WORK}/{name}-*.log")
    finally:
        setup.close()
        shutil.rmtree(WORK / f"static-{name}", ignore_errors=True)


if __name__ == "__main__":
    main()
