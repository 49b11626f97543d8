"""What the schema says besides what drf-spectacular infers: the errors every endpoint may answer, so a
client (and the contract tests) know a 404 or a 429 is part of the contract, not a surprise."""

from __future__ import annotations

_ERROR = {
    "type": "object",
    "description": "`detail` says why; a refused input names each field with its reasons instead.",
    "properties": {"detail": {"type": "string"}},
    "additionalProperties": True,
}

_ERRORS = {
    "400": "The request cannot be answered as asked: the reasons, by field.",
    "401": "The API key is not valid or was revoked (or posting needs one).",
    "403": "Refused, with the reason (a closed comment window, the rate limit for comments).",
    "404": "Not found, or not yours to see: the two answer alike.",
    "406": "Ask for JSON (Accept: application/json).",
    "429": "Too many requests: wait the seconds the Retry-After header says.",
}
_BODY_ERRORS = {"415": "Send the body as JSON (Content-Type: application/json)."}


def error_responses(result, generator, request, public):
    """Add the error answers to every operation (a drf-spectacular postprocessing hook)."""
    for methods in result.get("paths", {}).values():
        for method, operation in methods.items():
            responses = operation.setdefault("responses", {})
            errors = {**_ERRORS, **(_BODY_ERRORS if method in ("post", "put", "patch") else {})}
            for code, description in errors.items():
                responses.setdefault(
                    code, {"description": description, "content": {"application/json": {"schema": _ERROR}}}
                )
    return result
