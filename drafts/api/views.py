"""The API's endpoints: each asks what the matching page asks (``document_for``, ``draft_for``, the
selectors) and writes through the same service, so a hidden document, draft or comment is a 404 here
exactly where it is a 404 on the site."""

from __future__ import annotations

import functools

from django import forms as django_forms
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import exceptions, generics, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from drafts import forms, rendering, selectors, services
from drafts.access import Action
from drafts.api.pagination import Pages
from drafts.api.serializers import (
    CommentCreateSerializer,
    CommentSerializer,
    DocumentSerializer,
    DraftSerializer,
    SearchHitSerializer,
    SectionSerializer,
)
from drafts.models import Document, Draft, DraftComment, DraftSection
from drafts.presenting import comparison
from drafts.presenting.matrix import matrix_records
from drafts.views.common import document_for, draft_for

_NUMBER = OpenApiParameter(
    "number", OpenApiTypes.INT, OpenApiParameter.PATH, description="The draft's number (1, 2 …)."
)


class DocumentList(generics.ListAPIView):
    """The documents this person may see (a public draft, or a role on it)."""

    serializer_class = DocumentSerializer

    def get_queryset(self) -> QuerySet[Document]:
        return selectors.documents_visible_to(self.request.user).order_by("title", "pk")


class DocumentDetail(generics.RetrieveAPIView):
    """One document."""

    serializer_class = DocumentSerializer

    def get_object(self) -> Document:
        return document_for(self.request, self.kwargs["slug"])[0]


class DraftList(generics.ListAPIView):
    """The drafts of a document this person may read, oldest first."""

    serializer_class = DraftSerializer

    def get_queryset(self) -> QuerySet[Draft]:
        document, _access = document_for(self.request, self.kwargs["slug"])
        return selectors.drafts_visible_to(self.request.user, document).order_by("number")


@extend_schema(parameters=[_NUMBER])
class DraftDetail(generics.RetrieveAPIView):
    """One draft."""

    serializer_class = DraftSerializer

    def get_object(self) -> Draft:
        return draft_for(self.request, self.kwargs["slug"], self.kwargs["number"])[0]


@extend_schema(parameters=[_NUMBER])
class DraftSections(generics.ListAPIView):
    """The sections of a draft as frozen, in document order: Markdown and the rendered HTML."""

    serializer_class = SectionSerializer

    def get_queryset(self) -> QuerySet[DraftSection]:
        draft, _access = draft_for(self.request, self.kwargs["slug"], self.kwargs["number"])
        return DraftSection.objects.filter(draft=draft).select_related("draft__document").order_by("order")

    def get_serializer_context(self) -> dict:
        return {**super().get_serializer_context(), "html": {}}

    def list(self, request: Request, *args, **kwargs) -> Response:
        page = self.paginate_queryset(self.get_queryset())
        assert page is not None  # always paginated
        language = page[0].draft.document.language if page else None
        rendered = rendering.render_many([(s.body, s.anchor, s.number or s.heading) for s in page], language=language)
        context = {**self.get_serializer_context(), "html": {s.pk: r.html for s, r in zip(page, rendered, strict=True)}}
        return self.get_paginated_response(SectionSerializer(page, many=True, context=context).data)


_COMPARE = inline_serializer(
    "Comparison",
    {
        "document": serializers.CharField(),
        "from": serializers.DictField(),
        "to": serializers.DictField(),
        "summary": serializers.DictField(child=serializers.IntegerField()),
        "sections": serializers.ListField(child=serializers.DictField()),
    },
)


class Compare(APIView):
    """Two drafts (or a draft and ``working``, for the working group) compared: the JSON of
    ``compare_drafts --format json`` (DESIGN.md), every section with its changes and reasons."""

    @extend_schema(
        parameters=[
            OpenApiParameter("from", str, required=True, description="A draft number, or `working`."),
            OpenApiParameter("to", str, required=True, description="A draft number, or `working`."),
        ],
        responses={200: _COMPARE},
    )
    def get(self, request: Request, slug: str) -> Response:
        document, _access = document_for(request, slug)
        refs = [request.query_params.get(k, "") for k in ("from", "to")]
        if not all(refs):
            raise exceptions.ValidationError({"from": [_("Give both sides: ?from=1&to=2.")]})
        old, new = (selectors.compare_side(request.user, document, ref) for ref in refs)
        if old is None or new is None:
            raise Http404
        view = comparison.compare(
            old, new, changed_only=False, reasons=selectors.change_reasons(request.user, old, new)
        )
        return Response(view.as_json())


@extend_schema(parameters=[_NUMBER])
class DraftComments(generics.ListCreateAPIView):
    """The comments on a draft this person may read (GET), or a new comment or reply (POST), with the
    rules of the comment form: within the window, the same rate limit, one level of replies."""

    serializer_class = CommentSerializer

    def get_queryset(self) -> QuerySet[DraftComment]:
        draft, _access = draft_for(self.request, self.kwargs["slug"], self.kwargs["number"])
        return selectors.comments_visible_to(self.request.user, draft).order_by("submit_date", "pk")

    @extend_schema(request=CommentCreateSerializer, responses={201: CommentSerializer})
    def post(self, request: Request, slug: str, number: int) -> Response:
        if not request.user.is_authenticated:
            raise exceptions.NotAuthenticated
        draft, access = draft_for(request, slug, number)
        access.require(Action.COMMENT, draft)
        asked = CommentCreateSerializer(data=request.data)
        asked.is_valid(raise_exception=True)
        data = asked.validated_data
        target: Draft | DraftSection = draft
        if data.get("section"):
            found = (
                DraftSection.objects.select_related("draft__document").filter(draft=draft, key=data["section"]).first()
            )
            if found is None:
                raise exceptions.ValidationError({"section": [_("This draft has no section with this key.")]})
            target = found
        if not request.user.email:
            raise exceptions.ValidationError(
                {"non_field_errors": [_("Add an e-mail address to your account before commenting.")]}
            )
        form = forms.DraftCommentForm.filled(
            target, user=request.user, comment=data["comment"], paragraph=data.get("paragraph"), kind=data["kind"],
            proposed_text=data["proposed_text"], quote=data["quote"], reply_to=data.get("reply_to") or 0,
            followup=data["followup"],
        )
        if not form.is_valid():
            raise exceptions.ValidationError(_form_errors(form))
        try:
            comment = services.comment_post(
                form=form, user=request.user, draft=draft, ip_address=request.META.get("REMOTE_ADDR")
            )
        except services.CommentRefused as refusal:
            raise exceptions.PermissionDenied(str(refusal)) from None
        shown = selectors.comments_visible_to(request.user, draft).get(pk=comment.pk)
        return Response(CommentSerializer(shown).data, status=status.HTTP_201_CREATED)


_RECORD = inline_serializer(
    "MatrixRecord",
    {
        "id": serializers.CharField(),
        "section": serializers.CharField(allow_null=True),
        "number": serializers.CharField(allow_null=True),
        "paragraph": serializers.IntegerField(allow_null=True),
        "organisation": serializers.CharField(allow_blank=True),
        "category": serializers.CharField(allow_blank=True),
        "kind": serializers.CharField(),
        "comment": serializers.CharField(),
        "proposed_text": serializers.CharField(allow_blank=True),
        "disposition": serializers.CharField(),
        "response": serializers.CharField(allow_blank=True),
        "replies": serializers.ListField(child=serializers.DictField()),
        "landed_in": serializers.DictField(allow_null=True),
    },
    many=True,
)


class Matrix(APIView):
    """The comment matrix of a draft (the working group's: it holds every decision as drafted): the JSON
    of ``export_comments --format json``, narrowed by the editors' table's filters."""

    @extend_schema(
        parameters=[
            _NUMBER,
            OpenApiParameter("section", str, description="A section's number (7.3) or key."),
            OpenApiParameter("kind", str),
            OpenApiParameter("disposition", str),
            OpenApiParameter("category", str),
            OpenApiParameter("organisation", str),
        ],
        responses={200: _RECORD},
    )
    def get(self, request: Request, slug: str, number: int) -> Response:
        draft, access = draft_for(request, slug, number)
        if not access.in_working_group:
            raise Http404
        filters = forms.CommentFilterForm(request.query_params or None, sections=draft.sections.all())
        if filters.is_bound and not filters.is_valid():
            raise exceptions.ValidationError(_form_errors(filters))
        return Response(matrix_records(request.user, draft, filters.cleaned_data if filters.is_bound else None))


class Search(APIView):
    """Search what this person may read (the query language of the search page: words, "phrases",
    -word, OR); pages of results, best first."""

    @extend_schema(
        parameters=[
            OpenApiParameter("q", str, required=True),
            OpenApiParameter("document", str, description="A document's slug."),
            OpenApiParameter("draft", int, description="A draft number (with document)."),
            OpenApiParameter("kind", str, enum=["text", "comment"]),
            OpenApiParameter("category", str),
            OpenApiParameter("page", int),
            OpenApiParameter("page_size", int),
        ],
        responses={
            200: inline_serializer(
                "SearchPage",
                {
                    "count": serializers.IntegerField(),
                    "capped": serializers.BooleanField(),
                    "page": serializers.IntegerField(),
                    "pages": serializers.IntegerField(),
                    "results": SearchHitSerializer(many=True),
                },
            )
        },
    )
    def get(self, request: Request) -> Response:
        page_size = Pages().get_page_size(request)
        form = forms.SearchForm(request.query_params, documents=selectors.documents_visible_to(request.user))
        if not form.is_valid():
            raise exceptions.ValidationError(_form_errors(form))
        found = selectors.search_results(
            request.user, form.cleaned_data["q"], per_page=page_size, **form.search_arguments()
        )
        return Response(
            {
                "count": found.total,
                "capped": found.capped,
                "page": found.page,
                "pages": found.pages,
                "results": SearchHitSerializer(found.hits, many=True).data,
            }
        )


def _form_errors(form: django_forms.BaseForm) -> dict[str, list[str]]:
    """A Django form's errors as the API answers a 400: each field with its messages."""
    return {name: [str(message) for message in errors] for name, errors in form.errors.items()}


@functools.cache
def _documented_endpoints() -> list[dict]:
    """Every operation of the schema with its parameters and body fields. The schema is made from the
    code, so it is the same for the life of the process: made once, not on every visit to the page."""
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    components = schema.get("components", {}).get("schemas", {})

    def body_fields(operation: dict) -> list[dict]:
        """The fields of an operation's JSON body, from its schema component."""
        reference = operation.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema", {})
        component = components.get(reference.get("$ref", "").rsplit("/", 1)[-1], {})
        required = set(component.get("required", []))
        return [
            {
                "name": name,
                "type": field.get("type") or ", ".join(map(str, field.get("enum", []))) or "string",
                "required": name in required,
                "description": field.get("description", ""),
            }
            for name, field in component.get("properties", {}).items()
        ]

    return [
        {"path": path, "method": method.upper(), "operation": operation, "body": body_fields(operation)}
        for path, methods in schema["paths"].items()
        for method, operation in methods.items()
        if method in ("get", "post", "put", "patch", "delete")
    ]


def api_docs(request: HttpRequest) -> HttpResponse:
    """The API's documentation as a page that needs no JavaScript: every endpoint of the schema with
    its parameters, what it answers and a curl example."""
    rates = settings.REST_FRAMEWORK.get("DEFAULT_THROTTLE_RATES", {})
    return render(request, "drafts/api/docs.html", {"endpoints": _documented_endpoints(), "rates": rates})


def api_exception_handler(exc, context):
    """DRF's own handler, with two differences: a 404 says only "Not found." (Django's message names the
    model, "No Draft matches the given query."), the same for what does not exist and what is hidden; and
    Django's ``PermissionDenied`` keeps its reason ("Only the document's editors ...") as a 403."""
    from rest_framework.views import exception_handler

    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied(str(exc) or None)
    return exception_handler(exc, context)
