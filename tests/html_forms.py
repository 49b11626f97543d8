"""The fields a page's form really renders, read from its HTML: what a browser would send back.

View tests post exactly these (plus what the person types), so a field the page never shows can
never make a test pass: the reply bug of the first wave passed because a helper posted ``kind``.
"""

from __future__ import annotations

from html.parser import HTMLParser


class _FormReader(HTMLParser):
    def __init__(self, form_id: str | None, action: str | None) -> None:
        super().__init__()
        self.form_id, self.action = form_id, action
        self.inside = False
        self.depth = 0
        self.fields: dict[str, str | list[str]] = {}
        self.names: list[str] = []
        self._textarea: str | None = None
        self._select: str | None = None
        self._select_value: str | None = None
        self._first_option: str | None = None
        self.found = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form" and not self.found:
            if (self.form_id is None or a.get("id") == self.form_id) and (
                self.action is None or a.get("action", "") == self.action
            ):
                self.inside = self.found = True
            return
        if not self.inside:
            return
        name = a.get("name")
        if tag == "input" and name:
            kind = a.get("type", "text")
            self.names.append(name)
            if kind in ("checkbox", "radio"):
                if "checked" in a:
                    self._add(name, a.get("value", "on"))
            elif kind not in ("submit", "button", "file"):
                self._add(name, a.get("value", ""))
        elif tag == "textarea" and name:
            self.names.append(name)
            self._textarea = name
            self.fields[name] = ""
        elif tag == "select" and name:
            self.names.append(name)
            self._select, self._select_value, self._first_option = name, None, None
        elif tag == "option" and self._select:
            value = a.get("value", "")
            if self._first_option is None:
                self._first_option = value
            if "selected" in a:
                self._select_value = value

    def handle_endtag(self, tag: str) -> None:
        if tag == "form" and self.inside:
            self.inside = False
        elif tag == "textarea":
            self._textarea = None
        elif tag == "select" and self._select:
            value = self._select_value if self._select_value is not None else self._first_option
            self._add(self._select, value or "")
            self._select = None

    def handle_data(self, data: str) -> None:
        if self._textarea:
            value = self.fields[self._textarea]
            self.fields[self._textarea] = (value if isinstance(value, str) else "") + data.lstrip("\n")

    def _add(self, name: str, value: str) -> None:
        if name in self.fields:
            old = self.fields[name]
            self.fields[name] = [*(old if isinstance(old, list) else [old]), value]
        else:
            self.fields[name] = value


def rendered_fields(html: str | bytes, *, form_id: str | None = None, action: str | None = None) -> dict:
    """The name → value pairs the form (by id, or by action, or the first form) would submit as it stands.

    Raises AssertionError if no such form is on the page. ``names`` of every rendered field is under
    the key ``"__names__"``, to assert that a field is (or is not) shown.
    """
    reader = _FormReader(form_id, action)
    reader.feed(html.decode() if isinstance(html, bytes) else html)
    assert reader.found, f"no form {form_id or action or ''} on the page"
    return {**reader.fields, "__names__": reader.names}


def submit(fields: dict, **typed) -> dict:
    """The fields to post: what the form renders with what the person typed on top."""
    data = {k: v for k, v in fields.items() if k != "__names__"}
    data.update(typed)
    return data
