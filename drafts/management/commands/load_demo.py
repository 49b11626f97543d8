"""``load_demo``: the demo document with two frozen drafts and one user per role (development only)."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.test.utils import override_settings
from django.utils import timezone

from drafts import interchange, selectors, services
from drafts.forms import DraftCommentForm
from drafts.models import (
    Disposition,
    Document,
    Draft,
    DraftComment,
    DraftSection,
    Profile,
    Role,
    Section,
    SectionStatus,
    StakeholderCategory,
)

if TYPE_CHECKING:
    from drafts.access import UserModel

DEMO_DIR = Path(__file__).resolve().parents[2] / "demo"
SLUG = "migrants-in-vulnerable-situations"
# Development-only logins, printed by `make run`. load_demo refuses to run with DEBUG off.
DEMO_USERS = [
    ("editor", "editor-demo", Role.EDITOR, "Secretariat editor"),
    ("member", "member-demo", Role.MEMBER, "Working-group member"),
    ("stakeholder", "stakeholder-demo", Role.STAKEHOLDER, "Stakeholder (invited to restricted drafts)"),
]

# Bracketed text (README, "Bracketed text"): options with their holders, and a bracket inside a bracket.
BRACKETED = [
    "States [[shall || should || are encouraged to]]{EU, G77} provide access to legal aid [[free of charge]].",
    "Detention is a measure of last resort [[and [[shall never apply || shall not apply]] to children]]{AU}.",
]

# A campaign (drafts.campaigns): one letter, sent by each organisation with its own greeting and sign-off.
CAMPAIGN_LETTER = (
    "We urge the working group to state without qualification that the immigration detention of children is "
    "never in their best interests, and that States should end it in law and in practice, placing children "
    "and their families in community-based care while their status is resolved."
)
CAMPAIGN_SIGNATORIES = [
    ("Children on the Move Alliance", "Dear members of the working group,"),
    ("Families Not Cells", "Dear colleagues,"),
    ("Northern Refugee Council", "Dear members of the working group,"),
    ("Voices for Migrant Children", "To the working group:"),
    ("Coastal Legal Aid Collective", "Dear colleagues,"),
    ("Harbour Welcome Network", "Dear members of the working group,"),
    ("Initiative for Child Rights", "Dear working group,"),
    ("Safe Passage Youth Project", "Dear colleagues,"),
    ("Mothers Without Borders", "Dear members of the working group,"),
    ("Community Sponsors Forum", "To the co-facilitators and members,"),
    ("Alliance against Detention", "Dear colleagues,"),
    ("Shelter and Dignity", "Dear members of the working group,"),
]

STAKEHOLDERS = [
    ("examplia", "Delegation of Examplia", "Republic of Examplia", StakeholderCategory.MEMBER_STATE, "EXA"),
    (
        "unmpu",
        "Migrant Protection Unit",
        "United Nations Migrant Protection Unit",
        StakeholderCategory.UN_ENTITY,
        "UNMPU",
    ),
    (
        "nhrc",
        "Commissioner Adaeze Obi",
        "National Human Rights Commission of Norland",
        StakeholderCategory.NHRI,
        "NHRC",
    ),
    (
        "eastbridge",
        "Prof. Tomás Lindqvist",
        "Centre for Migration Law, University of Eastbridge",
        StakeholderCategory.ACADEMIA,
        "CML",
    ),
    ("ortiz", "Lena Ortiz", "", StakeholderCategory.INDIVIDUAL, ""),
]

# (label, author, section key or None for the whole draft, paragraph, type, comment, proposed text, reply to)
COMMENTS = [
    (
        "c1",
        "stakeholder",
        "p3-g2",
        2,
        "technical",
        "Free legal aid in immigration proceedings deserves its own paragraph; as drafted it is buried in a "
        "sentence about criminal proceedings.",
        "Given the complexity of immigration law, free legal aid should in particular be available in "
        "immigration and asylum proceedings.",
        None,
    ),
    (
        "c2",
        "member",
        "p3-g2",
        None,
        "general",
        "Thank you. The working group will consider merging the substance of 3.5 into this guideline.",
        "",
        "c1",
    ),
    (
        "c3",
        "examplia",
        "p10-g3",
        1,
        "technical",
        "Examplia suggests referring to a multidisciplinary assessment rather than a medical one.",
        "Age assessment should be multidisciplinary, holistic and undertaken only as a measure of last resort.",
        None,
    ),
    (
        "c4",
        "nhrc",
        "glossary",
        1,
        "general",
        "The glossary should define 'pushback', which several guidelines address without naming it.",
        "",
        None,
    ),
    (
        "c5",
        "unmpu",
        "p1-g2",
        3,
        "technical",
        "Impact assessments should consider gender and the rights of the child explicitly.",
        "- the likely impact on women and girls, and on children, including unaccompanied and separated children",
        None,
    ),
    (
        "c6",
        "eastbridge",
        "p6-g2",
        1,
        "editorial",
        "The paragraph is long; consider splitting the individual examination from the procedural safeguards.",
        "",
        None,
    ),
    (
        "c7",
        "ortiz",
        None,
        None,
        "general",
        "A plain-language summary of the principles would help migrants themselves use this text.",
        "",
        None,
    ),
    (
        "c8",
        "examplia",
        "p14-g2",
        1,
        "general",
        "Examplia reserves its position on the prohibition of recruitment fees charged to workers.",
        "",
        None,
    ),
    (
        "c9",
        "editor",
        "p14-g2",
        None,
        "general",
        "Noted; the prohibition reflects the general principles on fair recruitment.",
        "",
        "c8",
    ),
]

DECISIONS = [
    ("c1", Disposition.ACCEPTED, "New second paragraph in 3.2; former 3.5 merged into it."),
    (
        "c3",
        Disposition.MODIFIED,
        "Reference to a multidisciplinary, holistic assessment added; 'last resort' "
        "not retained as it is covered by paragraph 1.",
    ),
    ("c4", Disposition.ACCEPTED, "Definition of 'pushback' added to the glossary."),
    ("c5", Disposition.ACCEPTED, "List item added to 1.2."),
    ("c6", Disposition.ACCEPTED, "Paragraph split in 6.2."),
    ("c8", Disposition.NOTED, "The reservation is recorded in the compilation of comments."),
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
            # The demo's own notices (follow-ups, "Draft 2 is out") would only clutter the console;
            # they are sent when the transaction commits, hence outside it.
            with override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"):
                self._load()
        self.stderr.write("Demo logins (development only):")
        for username, password, _role, description in DEMO_USERS:
            self.stderr.write(f"  {username:<12} {password:<18} {description}")
        self.stderr.write("  (anonymous)  -                  sees public drafts only")

    @transaction.atomic
    def _load(self) -> None:
        User = get_user_model()
        users: dict[str, UserModel] = {}
        for username, password, _role, description in DEMO_USERS:
            user, _created = User.objects.get_or_create(
                username=username,
                defaults={"email": f"{username}@example.org", "first_name": description.split(" (")[0]},
            )
            user.set_password(password)
            user.is_staff = username == "editor"  # the secretariat starts documents from files
            user.save()
            users[username] = user
        Profile.objects.update_or_create(
            user=users["stakeholder"],
            defaults={"organisation": "Migrant Rights Network", "category": StakeholderCategory.NGO},
        )
        for username, name, organisation, category, code in STAKEHOLDERS:
            user, _created = User.objects.get_or_create(
                username=username, defaults={"email": f"{username}@example.org", "first_name": name}
            )
            user.set_unusable_password()
            user.save()
            Profile.objects.update_or_create(
                user=user, defaults={"organisation": organisation, "category": category, "code": code}
            )
            users[username] = user
        first = interchange.parse_markdown((DEMO_DIR / "draft1.md").read_text(encoding="utf-8"))
        report = services.document_import(
            parsed=first, slug=SLUG, user=users["editor"], message="Zero draft prepared by the secretariat"
        )
        document = report.document
        if document is None:  # only a dry run leaves it unset
            raise CommandError(f"Importing {SLUG} made no document.")
        document.symbol = "WG/MIG/2026/CRP.1"
        document.time_zone = "Europe/Zurich"  # the secretariat's: windows and dates read in Geneva time
        document.save(update_fields=["symbol", "time_zone"])
        for username, _password, role, _description in DEMO_USERS:
            services.membership_set(document=document, person=users[username], role=role, user=users["editor"])
        for username, *_rest in STAKEHOLDERS:
            services.membership_set(
                document=document, person=users[username], role=Role.STAKEHOLDER, user=users["editor"]
            )
        now = timezone.now()
        zero = services.draft_freeze(
            document=document,
            user=users["editor"],
            label="Zero draft",
            visibility=Draft.Visibility.PUBLIC,
            comments_open_from=now - timedelta(days=1),
            comments_open_until=now + timedelta(hours=1),
            note="Circulated for a first round of written comments.",
        )
        self._consultation(document, zero, users)
        second = interchange.parse_markdown((DEMO_DIR / "draft2.md").read_text(encoding="utf-8"))
        messages = json.loads((DEMO_DIR / "messages.json").read_text(encoding="utf-8"))
        report = services.document_import(
            parsed=second,
            slug=SLUG,
            user=users["editor"],  # importing a revised file is the editors' (the pen-holders edit one by one)
            update=True,
            messages=messages,
            message="Consequential renumbering",
        )
        self._link_decisions(zero, users["editor"])
        self._tracking(document, users)
        first_draft = services.draft_freeze(
            document=document,
            user=users["editor"],
            label="First draft",
            visibility=Draft.Visibility.RESTRICTED,
            comments_open_from=now,
            comments_open_until=now + timedelta(days=30),
            note="Revised in the light of the comments received on the zero draft.",
        )
        self._campaign(document, first_draft, users["editor"])
        self.stderr.write(
            f"Loaded {SLUG}: Draft 1 and Draft 2 ({report.summary()}), "
            f"{DraftComment.objects.filter(draft__document=document).count()} comments."
        )

    def _tracking(self, document: Document, users: dict[str, UserModel]) -> None:
        """Where sections stand before the first draft: statuses, pen-holders, text still in brackets."""
        editor, member = users["editor"], users["member"]
        live = [s for s in Section.objects.filter(document=document, removed=False, parent__isnull=False)
                .order_by("parent__position", "position")]
        for section in live[:6]:
            services.section_pen_holders_set(section=section, user=editor, holders=[member])
        for section in live[6:9]:
            services.section_pen_holders_set(section=section, user=editor, holders=[editor, member])
        for section, body in zip(live[1:3], BRACKETED, strict=False):
            services.section_save(section=section, user=member, base_version=section.version_number,
                                  heading=section.heading, body=f"{section.body.rstrip()}\n\n{body}",
                                  message="Text proposed by delegations, not yet agreed")
        for section in live[3:8]:
            services.section_status_change(section=section, user=member, to_status=SectionStatus.IN_REVIEW,
                                           reason="Ready for the working group's review")
        for section in live[4:6]:
            for status in (SectionStatus.AGREED_AD_REF, SectionStatus.AGREED):
                services.section_status_change(section=section, user=editor, to_status=status,
                                               reason="Agreed at the second informal meeting")

    def _consultation(self, document: Document, draft: Draft, users: dict[str, UserModel]) -> None:
        """Comments on the zero draft through the real form and service, then the editors' decisions."""
        posted: dict[str, DraftComment] = {}
        for label, username, key, paragraph, kind, text, proposed, reply_to in COMMENTS:
            posted[label] = self._post(draft, users[username], key, text, paragraph=paragraph, kind=kind,
                                       proposed=proposed, reply_to=posted[reply_to].pk if reply_to else 0)
        services.draft_update_settings(
            draft=draft, user=users["editor"], status=Draft.Status.SUPERSEDED, comments_open_until=timezone.now()
        )
        for label, disposition, response in DECISIONS:
            services.comment_dispose(
                comments=[posted[label]], user=users["editor"], draft=draft, disposition=disposition, response=response
            )
        services.decisions_publish(draft=draft, user=users["editor"])  # stakeholders see them from here on

    def _post(self, draft: Draft, user: UserModel, key: str | None, text: str, *, paragraph: int | None = None,
              kind: str = "general", proposed: str = "", reply_to: int = 0) -> DraftComment:
        """One comment through the form the page renders (its security fields included) and the service."""
        target = draft if key is None else DraftSection.objects.get(draft=draft, key=key)
        form = DraftCommentForm.filled(target, user=user, comment=text, paragraph=paragraph, kind=kind,
                                       proposed_text=proposed, reply_to=reply_to)
        if not form.is_valid():
            raise CommandError(f"A demo comment is invalid: {form.errors.as_text()}")
        return services.comment_post(form=form, user=user, draft=draft)

    def _campaign(self, document: Document, draft: Draft, editor: UserModel) -> None:
        """A letter sent by twelve organisations with small edits: one campaign on "Who commented on what"."""
        User = get_user_model()
        for n, (organisation, greeting) in enumerate(CAMPAIGN_SIGNATORIES, start=1):
            user, _created = User.objects.get_or_create(
                username=f"alliance{n}", defaults={"email": f"alliance{n}@example.org", "first_name": organisation}
            )
            user.set_unusable_password()
            user.save()
            Profile.objects.update_or_create(
                user=user, defaults={"organisation": organisation, "category": StakeholderCategory.NGO}
            )
            services.membership_set(document=document, person=user, role=Role.STAKEHOLDER, user=editor)
            self._post(draft, user, "p8-g6", f"{greeting} {CAMPAIGN_LETTER} On behalf of {organisation}.",
                       paragraph=1, kind="technical")

    def _link_decisions(self, draft: Draft, editor: UserModel) -> None:
        """Each accepted comment's decision is carried out by the revision of its section: link them,
        as the editor would on the decision page, so the compare and Draft 2 say why."""
        accepted = DraftComment.objects.filter(
            draft=draft, level=0, disposition__in=[Disposition.ACCEPTED, Disposition.MODIFIED]
        ).exclude(draft_section=None)
        for comment in accepted.select_related("draft_section__section", "draft__document"):
            assert comment.draft_section is not None
            since = selectors.section_versions(comment.draft_section.section).filter(
                revision__date_created__gt=draft.frozen_at
            )
            latest = since.first()
            if latest is not None:
                services.comment_link_versions(comment=comment, user=editor, versions=[latest])
