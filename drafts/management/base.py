"""What every command shares: it acts as someone, finds documents and drafts as that person may, and
keeps stdout for its output.

Every command takes ``--user USERNAME`` and acts as that user through the same access decision as the
pages: a user without the role gets a clear error, a non-zero exit and nothing written. Without
``--user`` a command acts as the system actor (``drafting-system``), which is recorded in the history.
"""

from __future__ import annotations

from argparse import ArgumentParser
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError

from drafts import access, selectors
from drafts.models import Document, Draft
from drafts.values import parse_id

if TYPE_CHECKING:
    from drafts.access import UserModel


class ActingCommand(BaseCommand):
    """A command that acts as ``--user`` (or the system actor) and refuses what that user may not do."""

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "--user",
            metavar="USERNAME",
            help=f"act as this user, with their role (default: the system actor {access.SYSTEM_USERNAME!r})",
        )

    def execute(self, *args: Any, **options: Any) -> str | None:
        self.actor = self._actor(options.get("user"))
        try:
            return super().execute(*args, **options)
        except PermissionDenied as exc:
            raise CommandError(f"{self.actor.get_username()}: {exc} Nothing was written.") from exc
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from exc

    @staticmethod
    def _actor(username: str | None) -> UserModel:
        if not username:
            return access.system_actor()
        user = get_user_model().objects.filter(username=username).first()
        if user is None or not user.is_active:
            raise CommandError(f"No active user named {username!r}.")
        return user

    def document(self, slug: str) -> Document:
        """The document with ``slug``, if the acting user may see it."""
        document = selectors.documents_visible_to(self.actor).filter(slug=slug).first()
        if document is None:
            raise CommandError(f"No document with the slug {slug!r}" + self._for_whom() + ".")
        return document

    def draft(self, document: Document, ref: str | int) -> Draft:
        """Draft number ``ref`` of ``document``, if the acting user may read it (else the drafts they may)."""
        number = parse_id(str(ref))
        if number is None:
            raise CommandError(f"DRAFT must be a draft number (1, 2, ...), not {ref!r}.")
        visible = selectors.drafts_visible_to(self.actor, document)
        draft = visible.filter(number=number).first()
        if draft is None:
            existing = list(visible.order_by("number").values_list("number", flat=True))
            known = f"its drafts are {', '.join(map(str, existing))}" if existing else "it has no drafts yet"
            raise CommandError(f"{document.slug} has no Draft {number}; {known}.")
        return draft

    def _for_whom(self) -> str:
        return "" if access.is_system(self.actor) else f" that {self.actor.get_username()} may read"

    def refuse_binary_to_terminal(self, path: str | None) -> None:
        """Stop before any work when binary output would go to a terminal (called early by exporters too)."""
        if not path and self.stdout.isatty():
            raise CommandError("The output is binary (.docx, .xlsx): give -o FILE or redirect stdout to a file.")

    def write_output(self, content: str | bytes, path: str | None) -> str:
        """Write to ``path``, or to stdout (text or bytes); returns where it went, for the stderr message."""
        if path:
            data = content.encode("utf-8") if isinstance(content, str) else content
            try:
                Path(path).write_bytes(data)
            except OSError as exc:
                raise CommandError(f"{path}: cannot write ({exc.strerror or exc}).") from exc
            return path
        if isinstance(content, str):
            self.stdout.write(content, ending="")
            self.stdout.flush()
            return "stdout"
        self.refuse_binary_to_terminal(path)
        buffer = getattr(self.stdout, "buffer", None)  # OutputWrapper passes attributes through
        if buffer is None:
            raise CommandError("stdout takes no bytes here; give -o FILE.")
        self.stdout.flush()  # whatever text went before must not land after the bytes
        buffer.write(content)
        buffer.flush()
        return "stdout"
