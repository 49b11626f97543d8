"""``load_demo``: the demo document with two frozen drafts and one user per role (development only)."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from drafts import interchange, services
from drafts.models import Document, Draft, Role

DEMO_DIR = Path(__file__).resolve().parents[2] / "demo"
SLUG = "migrants-in-vulnerable-situations"
# Development-only logins, printed by `make run`. load_demo refuses to run with DEBUG off.
DEMO_USERS = [
    ("editor", "editor-demo", Role.EDITOR, "Secretariat editor"),
    ("member", "member-demo", Role.MEMBER, "Working-group member"),
    ("stakeholder", "stakeholder-demo", Role.STAKEHOLDER, "Stakeholder (invited to restricted drafts)"),
]


class Command(BaseCommand):
    help = "Load the demo: a document of 135 sections, Draft 1 and Draft 2 with edits between them, and users."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--force", action="store_true", help="load even with DEBUG off (never in production)")

    def handle(self, *args, **options) -> None:
        if not settings.DEBUG and not options["force"]:
            raise CommandError("load_demo creates users with known passwords; it runs only with DEBUG=1.")
        if Document.objects.filter(slug=SLUG).exists():
            self.stderr.write(f"The demo document {SLUG!r} is already loaded.")
        else:
            self._load()
        self.stderr.write("Demo logins (development only):")
        for username, password, _role, description in DEMO_USERS:
            self.stderr.write(f"  {username:<12} {password:<18} {description}")
        self.stderr.write("  (anonymous)  -                  sees public drafts only")

    @transaction.atomic
    def _load(self) -> None:
        User = get_user_model()
        users = {}
        for username, password, _role, description in DEMO_USERS:
            user, _created = User.objects.get_or_create(username=username, defaults={
                "email": f"{username}@example.org", "first_name": description.split(" (")[0]})
            user.set_password(password)
            user.save()
            users[username] = user
        first = interchange.parse_markdown((DEMO_DIR / "draft1.md").read_text(encoding="utf-8"))
        report = services.document_import(parsed=first, slug=SLUG, user=users["editor"],
                                          message="Zero draft prepared by the secretariat")
        document = report.document
        document.symbol = "WG/MIG/2026/CRP.1"
        document.save(update_fields=["symbol"])
        for username, _password, role, _description in DEMO_USERS:
            services.membership_set(document=document, user=users[username], role=role)
        services.draft_freeze(document=document, user=users["editor"], label="Zero draft",
                              visibility=Draft.Visibility.PUBLIC, status=Draft.Status.SUPERSEDED,
                              note="Circulated for a first round of written comments.")
        second = interchange.parse_markdown((DEMO_DIR / "draft2.md").read_text(encoding="utf-8"))
        messages = json.loads((DEMO_DIR / "messages.json").read_text(encoding="utf-8"))
        report = services.document_import(parsed=second, slug=SLUG, user=users["member"], update=True,
                                          messages=messages, message="Consequential renumbering")
        now = timezone.now()
        services.draft_freeze(document=document, user=users["editor"], label="First draft",
                              visibility=Draft.Visibility.RESTRICTED, comments_open_from=now,
                              comments_open_until=now + timedelta(days=30),
                              note="Revised in the light of the comments received on the zero draft.")
        self.stderr.write(f"Loaded {SLUG}: Draft 1 and Draft 2 ({report.summary()}).")
