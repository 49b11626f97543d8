"""Who commented on what (the constituency page) and campaigns of near-identical comments: the figures
count exactly the comments the reader may read, and an editor decides a campaign at once."""

from __future__ import annotations

import csv
import io

import pytest
from django.contrib.auth.models import AnonymousUser
from django.urls import reverse

from drafts import selectors, services
from drafts.access import system_actor
from drafts.models import Disposition, Draft, DraftComment, DraftSection, Profile, StakeholderCategory
from tests.factories import freeze, make_document, make_principles, make_user
from tests.html_forms import rendered_fields, submit
from tests.test_access import comment_form, open_window

pytestmark = pytest.mark.django_db

LETTER = (
    "We, the undersigned organisations, urge the working group to state plainly that immigration "
    "detention of children is never in their best interests and must end in law and in practice."
)



@pytest.fixture
def draft(people) -> Draft:
    document = make_document(
        "guidance",
        editor=people["editor"],
        members=[people["member"]],
        stakeholders=[people["stakeholder"], people["ngo"], people["state"]],
    )
    make_principles(document, principles=2, guidelines=2)
    return freeze(document, visibility=Draft.Visibility.PUBLIC, **open_window())


def comment(draft: Draft, person, text: str, key: str = "p1-g1") -> DraftComment:
    target = DraftSection.objects.get(draft=draft, key=key)
    return services.comment_post(form=comment_form(target, text), user=person, draft=draft)


def signatory(n: int):
    person = make_user(f"signer{n}", email=f"signer{n}@example.org")
    Profile.objects.create(user=person, organisation=f"Association {n}", category=StakeholderCategory.NGO)
    return person


@pytest.fixture
def campaign(draft) -> list[DraftComment]:
    """Six copies of one letter, each with its own greeting or a word changed, plus two comments of their own."""
    made = [comment(draft, signatory(n), f"Dear colleagues, {LETTER} Signed, Association {n}.") for n in range(6)]
    return made


def test_comments_are_counted_by_section_and_category_and_for_a_principle_with_its_guidelines(draft, people) -> None:
    comment(draft, people["ngo"], "On 1.1 from the network.")
    comment(draft, people["state"], "On 1.1 from the State.")
    comment(draft, people["state"], "On 2.2 from the State.", key="p2-g2")
    figures = selectors.constituency(people["editor"], draft)
    assert figures.total == 3
    assert [(s.number, s.by_category) for s in figures.sections] == [
        ("1.1", {"ngo": 1, "member_state": 1}),
        ("2.2", {"member_state": 1}),
    ]
    assert [(o.organisation, o.total, o.sections) for o in figures.organisations] == [
        ("Republic of Examplia", 2, ("1.1", "2.2")),
        ("Migrant Rights Network", 1, ("1.1",)),
    ]
    principle_1 = selectors.constituency(people["editor"], draft, section="1")
    assert [o.organisation for o in principle_1.organisations] == ["Migrant Rights Network", "Republic of Examplia"]
    assert principle_1.total == 2 and principle_1.focus_found
    assert not selectors.constituency(people["editor"], draft, section="9").focus_found


def test_hidden_comments_and_drafted_decisions_are_counted_only_for_the_working_group(draft, people) -> None:
    hidden = comment(draft, people["ngo"], "A remark the editors hide.")
    shown = comment(draft, people["state"], "A remark that stays.")
    services.comment_hide(comment=hidden, user=system_actor(), reason="Off topic")
    services.comment_dispose(comments=[shown], user=system_actor(), draft=draft, disposition="accepted", response="")
    group = selectors.constituency(people["member"], draft)
    public = selectors.constituency(AnonymousUser(), draft)
    assert (group.total, group.by_disposition) == (2, {"pending": 1, "accepted": 1})
    assert (public.total, public.by_disposition) == (1, {"pending": 1})  # not published yet
    assert [o.organisation for o in public.organisations] == ["Republic of Examplia"]


def test_the_page_shows_the_heatmap_and_the_same_figures_in_its_table(client, draft, people) -> None:
    comment(draft, people["ngo"], "On 1.1 from the network.")
    comment(draft, people["state"], "On 1.1 from the State.")
    page = client.get(reverse("drafts:draft_analysis", kwargs={"slug": "guidance", "number": draft.number}))
    html = page.content.decode()
    assert page.status_code == 200
    assert 'id="chart-constituency' in html and "<svg" in html
    assert "1.1 Guideline 1.1, Member State: 1 comment" in html  # a cell's title
    table = html[html.index('class="figures heat-table"') :]
    assert "<td>1</td><td>1</td><td>2</td>" in table.split("</tr>")[1].replace("\n", "")
    hidden = client.get(reverse("drafts:draft_analysis", kwargs={"slug": "guidance", "number": 99}))
    assert hidden.status_code == 404


def test_near_identical_comments_are_one_campaign_and_distinct_ones_are_not(draft, campaign, people) -> None:
    comment(
        draft,
        people["ngo"],
        "Detention of children should be prohibited outright, with no exceptions, "
        "and the guideline should cite the Committee on the Rights of the Child.",
    )
    (group,) = selectors.campaigns_of(people["editor"], draft)
    assert group.size == 6 and group.lead == campaign[0]
    assert [c.pk for c in group.members] == [c.pk for c in campaign]


def test_an_editor_decides_a_whole_campaign_with_the_form_the_page_renders(client, draft, campaign, people) -> None:
    client.force_login(people["editor"])
    page = client.get(reverse("drafts:draft_analysis", kwargs={"slug": "guidance", "number": draft.number}))
    html = page.content.decode()
    fields = rendered_fields(html, form_id=f"campaign-form-{campaign[0].pk}")
    prefix = fields["prefix"]
    data = submit(
        fields, **{f"{prefix}-disposition": Disposition.NOTED, f"{prefix}-response": "Taken into account in 1.1."}
    )
    decided = client.post(reverse("drafts:campaign_decide", kwargs={"slug": "guidance", "number": draft.number}), data)
    assert decided.status_code == 302
    assert set(DraftComment.objects.filter(pk__in=[c.pk for c in campaign]).values_list("disposition", "response")) == {
        (Disposition.NOTED, "Taken into account in 1.1.")
    }


def test_a_campaign_that_changed_since_the_page_was_read_is_not_decided(client, draft, campaign, people) -> None:
    client.force_login(people["editor"])
    page = client.get(reverse("drafts:draft_analysis", kwargs={"slug": "guidance", "number": draft.number}))
    fields = rendered_fields(page.content, form_id=f"campaign-form-{campaign[0].pk}")
    data = submit(fields, **{f"{fields['prefix']}-disposition": Disposition.REJECTED})
    comment(draft, signatory(99), f"Dear friends, {LETTER} Signed, Association 99.")  # joins meanwhile
    response = client.post(
        reverse("drafts:campaign_decide", kwargs={"slug": "guidance", "number": draft.number}), data, follow=True
    )
    assert "nothing was decided" in response.content.decode()
    assert not DraftComment.objects.exclude(disposition=Disposition.PENDING).exists()


@pytest.mark.parametrize("role", ["anonymous", "stakeholder", "member"])
def test_only_editors_decide_a_campaign(client, draft, campaign, people, role) -> None:
    if role != "anonymous":
        client.force_login(people[role])
    response = client.post(
        reverse("drafts:campaign_decide", kwargs={"slug": "guidance", "number": draft.number}),
        {"lead": campaign[0].pk, "size": 6, "disposition": "rejected"},
    )
    assert response.status_code in (403, 404)
    assert not DraftComment.objects.exclude(disposition=Disposition.PENDING).exists()


def test_the_matrix_exports_a_campaign_as_one_row_with_its_signatories(client, draft, campaign, people) -> None:
    comment(draft, people["state"], "A comment of the State's own on the text of guideline 1.1 and its scope.")
    client.force_login(people["editor"])
    url = reverse("drafts:comment_export", kwargs={"slug": "guidance", "number": draft.number, "fmt": "csv"})
    rows = list(csv.DictReader(io.StringIO(client.get(url + "?campaigns=1").content.decode())))
    assert [(r["ID"], r["Signatories"]) for r in rows] == [(campaign[0].reference, "6"), ("EXA-001", "1")]
    assert rows[0]["Also signed by"] == "; ".join(f"Association {n}" for n in range(1, 6))
    ungrouped = list(csv.DictReader(io.StringIO(client.get(url).content.decode())))
    assert len(ungrouped) == 7 and "Signatories" not in ungrouped[0]


def test_export_comments_groups_campaigns_as_the_page_does(draft, campaign, capsys) -> None:
    from django.core.management import call_command

    call_command("export_comments", "guidance", str(draft.number), "--format", "csv", "--campaigns")
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert [(r["ID"], r["Signatories"]) for r in rows] == [(campaign[0].reference, "6")]
