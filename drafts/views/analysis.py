"""Who commented on what: a draft's constituency analysis and its campaigns of near-identical comments."""

from __future__ import annotations

import re

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from drafts import forms, selectors, services
from drafts.access import Action
from drafts.models import Disposition
from drafts.presenting import analysis
from drafts.views.common import acting_user, draft_for


@require_GET
def draft_analysis(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    """Comments by section and stakeholder category (heatmap and table), by organisation, type and
    disposition; "who commented on Principle 7"; the campaigns, each decided at once by an editor."""
    draft, access = draft_for(request, slug, number)
    choice = forms.AnalysisForm(request.GET or None)
    section = choice.cleaned_data["section"].strip() if choice.is_valid() else ""
    figures = selectors.constituency(request.user, draft, section=section)
    groups = selectors.campaigns_of(request.user, draft)
    may_decide = access.allows(Action.MANAGE_COMMENTS)
    return render(
        request,
        "drafts/analysis/draft_analysis.html",
        {
            "document": draft.document,
            "draft": draft,
            "choice": choice,
            "figures": figures,
            "heatmap": analysis.heatmap_for(figures) if figures.sections else "",
            "rows": analysis.heat_rows(figures),
            "campaigns": groups,
            "decide": {
                g.lead.pk: forms.CampaignDecisionForm(
                    initial={"lead": g.lead.pk, "size": g.size}, prefix=f"c{g.lead.pk}"
                )
                for g in groups
            }
            if may_decide
            else {},
            "in_working_group": access.in_working_group,
            "disposition_labels": dict(Disposition.choices),
        },
    )


@require_POST
def campaign_decide(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    """Decide every comment of one campaign at once (editors)."""
    draft, _access = draft_for(request, slug, number, Action.MANAGE_COMMENTS)
    # Each campaign's form on the page has its own prefix ("c42"), so their fields' ids differ.
    prefix = request.POST.get("prefix", "")
    form = forms.CampaignDecisionForm(request.POST, prefix=prefix if re.fullmatch(r"c[0-9]{1,12}", prefix) else None)
    back = reverse("drafts:draft_analysis", kwargs={"slug": slug, "number": number}) + "#campaigns"
    if not form.is_valid():
        messages.error(request, _("Choose a disposition for the campaign."))
        return redirect(back)
    data = form.cleaned_data
    try:
        decided = services.campaign_dispose(
            draft=draft,
            user=acting_user(request),
            lead=data["lead"],
            size=data["size"],
            disposition=data["disposition"],
            response=data["response"],
        )
    except services.CampaignChanged:
        messages.error(
            request,
            _(
                "The campaign changed since you opened the page (a comment joined or left "
                "it): nothing was decided. Check it and decide again."
            ),
        )
        return redirect(back)
    messages.success(
        request,
        ngettext("Decided %(n)d comment of the campaign.", "Decided the %(n)d comments of the campaign.", decided)
        % {"n": decided},
    )
    return redirect(back)
