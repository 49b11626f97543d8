"""Translations: every catalog is complete, the committed .mo files match their .po, and pages speak each language.

The .po files are read with the small parser below (no polib, no gettext tools: a fresh machine has the
committed .mo files but may not have msgfmt), and the .mo files with Python's own ``gettext``.
"""

from __future__ import annotations

import gettext
import html
import re
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import translation
from django.utils.translation import to_locale

LOCALE_DIR = Path(settings.LOCALE_PATHS[0])

# The interface languages other than the source language, as Django names them (zh-hans lives in zh_Hans/).
LANGUAGES = [code for code, _name in settings.LANGUAGES if code != settings.LANGUAGE_CODE]


def po_path(code: str) -> Path:
    return LOCALE_DIR / to_locale(code) / "LC_MESSAGES" / "django.po"


def mo_path(code: str) -> Path:
    return po_path(code).with_suffix(".mo")


# A tiny .po reader ------------------------------------------------------------------------------

_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\", "a": "\a", "b": "\b", "f": "\f", "v": "\v"}


def _unquote(text: str) -> str:
    text = text.strip()
    assert text.startswith('"') and text.endswith('"'), f"not a quoted .po string: {text!r}"
    return re.sub(r"\\(.)", lambda m: _ESCAPES.get(m.group(1), m.group(1)), text[1:-1])


@dataclass
class Entry:
    msgid: str | None = None
    msgid_plural: str | None = None
    msgctxt: str | None = None
    msgstr: dict[int, str] = field(default_factory=dict)  # index 0 for a singular entry
    flags: set[str] = field(default_factory=set)
    line: int = 0

    @property
    def key(self) -> str:
        """The key of this message in a compiled catalog (msgctxt and msgid joined by EOT, as gettext does)."""
        return f"{self.msgctxt}\x04{self.msgid}" if self.msgctxt is not None else self.msgid


def read_po(path: Path) -> tuple[Entry, list[Entry]]:
    """The header entry and the live entries of a .po file (obsolete ``#~`` entries are left out)."""
    entries: list[Entry] = []
    current = Entry()
    target: tuple[str, int] | None = None  # which field continuation lines extend

    def flush() -> None:
        nonlocal current, target
        if current.msgid is not None:
            entries.append(current)
        current, target = Entry(), None

    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = raw.strip()
        if not line:
            flush()
        elif line.startswith("#,"):
            if current.msgid is not None:
                flush()
            current.flags.update(flag.strip() for flag in line[2:].split(",") if flag.strip())
        elif line.startswith("#"):
            continue  # translator, extracted, reference and obsolete (#~) comments
        elif line.startswith('"'):
            assert target is not None, f"{path}:{number}: a continuation line with nothing to continue"
            name, index = target
            if name == "msgstr":
                current.msgstr[index] += _unquote(line)
            else:
                setattr(current, name, getattr(current, name) + _unquote(line))
        else:
            keyword, _space, value = line.partition(" ")
            if keyword in ("msgctxt", "msgid") and current.msgstr:
                flush()  # a new entry without a blank line before it
            if keyword in ("msgctxt", "msgid", "msgid_plural"):
                setattr(current, keyword, _unquote(value))
                current.line = current.line or number
                target = (keyword, 0)
            elif keyword == "msgstr":
                current.msgstr[0] = _unquote(value)
                target = ("msgstr", 0)
            elif m := re.fullmatch(r"msgstr\[(\d+)\]", keyword):
                index = int(m.group(1))
                current.msgstr[index] = _unquote(value)
                target = ("msgstr", index)
            else:
                raise AssertionError(f"{path}:{number}: cannot read {raw!r}")
    flush()
    headers = [e for e in entries if e.msgid == "" and e.msgctxt is None]
    assert len(headers) == 1, f"{path}: expected one header entry, found {len(headers)}"
    return headers[0], [e for e in entries if e is not headers[0]]


def header_fields(header: Entry) -> dict[str, str]:
    fields = {}
    for row in header.msgstr[0].splitlines():
        name, sep, value = row.partition(":")
        if sep:
            fields[name.strip().lower()] = value.strip()
    return fields


def nplurals(header: Entry) -> int:
    m = re.search(r"nplurals\s*=\s*(\d+)", header_fields(header).get("plural-forms", ""))
    assert m, "the header has no Plural-Forms with nplurals"
    return int(m.group(1))


PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|%[sd]|<[^>]+>")


@pytest.fixture(autouse=True)
def _back_to_the_default_language():
    """A request in French must not leave French active for the next test."""
    yield
    translation.deactivate()


# The catalogs ------------------------------------------------------------------------------------


def test_every_interface_language_has_a_catalog_and_a_compiled_catalog() -> None:
    assert sorted(LANGUAGES) == ["ar", "es", "fr", "ru", "zh-hans"]
    for code in LANGUAGES:
        assert po_path(code).is_file(), f"missing {po_path(code)}"
        assert mo_path(code).is_file(), f"missing {mo_path(code)}: run compilemessages and commit the .mo"


@pytest.mark.parametrize("code", LANGUAGES)
def test_every_message_is_translated_in_every_plural_form_and_nothing_is_fuzzy(code) -> None:
    header, entries = read_po(po_path(code))
    assert "fuzzy" not in header.flags, f"{code}: the header is marked fuzzy"
    assert header_fields(header).get("language"), f"{code}: the header names no Language"
    forms = nplurals(header)
    assert len(entries) > 300, f"{code}: only {len(entries)} messages; was makemessages run?"
    problems = []
    for entry in entries:
        where = f"{po_path(code).name}:{entry.line} {entry.msgid!r}"
        if "fuzzy" in entry.flags:
            problems.append(f"{where}: fuzzy")
        expected = set(range(forms)) if entry.msgid_plural is not None else {0}
        if set(entry.msgstr) != expected:
            problems.append(f"{where}: plural forms {sorted(entry.msgstr)}, expected {sorted(expected)}")
        problems.extend(f"{where}: msgstr[{i}] is empty" for i, text in entry.msgstr.items() if not text.strip())
    assert not problems, f"{code}: {len(problems)} untranslated or fuzzy:\n" + "\n".join(problems)


@pytest.mark.parametrize("code", LANGUAGES)
def test_translations_keep_every_placeholder_and_html_tag(code) -> None:
    _header, entries = read_po(po_path(code))
    problems = []
    for entry in entries:
        singular = set(PLACEHOLDER.findall(entry.msgid))
        every = singular | set(PLACEHOLDER.findall(entry.msgid_plural or ""))
        for index, text in entry.msgstr.items():
            found = set(PLACEHOLDER.findall(text))
            if entry.msgid_plural is not None and index == 0:
                # Form 0 is not always "one": in Russian it also says 21, 31 ...; in Chinese it is the only
                # form. It keeps the singular's placeholders and may name the count (msgfmt insists on it
                # where form 0 covers more than one number).
                ok = singular <= found <= every
            else:
                ok = found == (every if entry.msgid_plural is not None else singular)
            if not ok:
                problems.append(f"{entry.msgid!r} -> msgstr[{index}] {text!r}")
    assert not problems, f"{code}: placeholders changed:\n" + "\n".join(problems)


@pytest.mark.parametrize("code", LANGUAGES)
def test_the_compiled_catalog_holds_exactly_what_the_po_says(code) -> None:
    """A .po edited but not compiled (or compiled from an older .po) fails here."""
    header, entries = read_po(po_path(code))
    with mo_path(code).open("rb") as handle:
        compiled = gettext.GNUTranslations(handle)
    catalog = compiled._catalog  # the documented shape: msgid -> str, (msgid, n) -> str for plurals
    assert compiled.info().get("plural-forms") == header_fields(header)["plural-forms"], (
        f"{code}: the .mo's Plural-Forms differ from the .po's"
    )
    stale = []
    for entry in entries:
        if entry.msgid_plural is None:
            if catalog.get(entry.key) != entry.msgstr[0]:
                stale.append(f"{entry.msgid!r}: .mo has {catalog.get(entry.key)!r}")
        else:
            for index, text in entry.msgstr.items():
                if catalog.get((entry.key, index)) != text:
                    stale.append(f"{entry.msgid!r}[{index}]: .mo has {catalog.get((entry.key, index))!r}")
    assert not stale, (
        f"{code}: {len(stale)} messages of the .po are missing or different in the .mo; run "
        "`DEBUG=1 .venv/bin/python manage.py compilemessages --ignore=.venv`:\n" + "\n".join(stale[:20])
    )


def test_arabic_and_russian_plurals_pick_the_right_form() -> None:
    with translation.override("ar"):
        assert translation.ngettext("%(n)s comment", "%(n)s comments", 2) % {"n": 2} == "2 تعليقان"
        assert translation.ngettext("%(n)s comment", "%(n)s comments", 5) % {"n": 5} == "5 تعليقات"
        assert translation.ngettext("%(n)s comment", "%(n)s comments", 11) % {"n": 11} == "11 تعليقًا"
    with translation.override("ru"):
        assert translation.ngettext("%(n)s comment", "%(n)s comments", 21) % {"n": 21} == "21 замечание"
        assert translation.ngettext("%(n)s comment", "%(n)s comments", 3) % {"n": 3} == "3 замечания"
        assert translation.ngettext("%(n)s comment", "%(n)s comments", 12) % {"n": 12} == "12 замечаний"


# Pages --------------------------------------------------------------------------------------------

# msgid -> translation, per language: what a person must see on each page.
EXPECTED = {
    "fr": {
        "Drafting tracker": "Suivi de la rédaction",
        "to see the documents you work on.": "pour voir les documents sur lesquels vous travaillez.",
        "Sign in": "Se connecter",
        "Create an account to comment": "Créer un compte pour formuler des observations",
        "National human rights institution": "Institution nationale des droits de l'homme",
    },
    "es": {
        "Drafting tracker": "Seguimiento de la redacción",
        "to see the documents you work on.": "para ver los documentos en los que trabaja.",
        "Sign in": "Iniciar sesión",
        "Create an account to comment": "Crear una cuenta para formular observaciones",
        "National human rights institution": "Institución nacional de derechos humanos",
    },
    "ru": {
        "Drafting tracker": "Отслеживание подготовки текстов",
        "to see the documents you work on.": "чтобы увидеть документы, над которыми вы работаете.",
        "Sign in": "Войти",
        "Create an account to comment": "Создать учётную запись для представления замечаний",
        "National human rights institution": "Национальное правозащитное учреждение",
    },
    "zh-hans": {
        "Drafting tracker": "起草跟踪系统",
        "to see the documents you work on.": "以查看您参与的文档。",
        "Sign in": "登录",
        "Create an account to comment": "创建账户以发表意见",
        "National human rights institution": "国家人权机构",
    },
    "ar": {
        "Drafting tracker": "متتبِّع الصياغة",
        "to see the documents you work on.": "لرؤية الوثائق التي تعمل عليها.",
        "Sign in": "تسجيل الدخول",
        "Create an account to comment": "إنشاء حساب للتعليق",
        "National human rights institution": "المؤسسة الوطنية لحقوق الإنسان",
    },
}

PAGES = {
    "/": ["Drafting tracker", "to see the documents you work on."],
    "/accounts/login/": ["Sign in"],
    "/accounts/signup/": ["Create an account to comment", "National human rights institution"],
}

HTML_TAG = re.compile(r"<html\b[^>]*>")


def html_tag(page: str) -> str:
    m = HTML_TAG.search(page)
    assert m, "the page has no <html> element"
    return m.group(0)


@pytest.mark.django_db
@pytest.mark.parametrize("url", list(PAGES))
@pytest.mark.parametrize("code", LANGUAGES)
def test_pages_are_in_the_language_the_browser_asks_for(client, code, url) -> None:
    response = client.get(url, HTTP_ACCEPT_LANGUAGE=f"{code},en;q=0.5")
    assert response.status_code == 200
    page = html.unescape(response.content.decode())
    tag = html_tag(page)
    assert f'lang="{code}"' in tag, tag
    assert ('dir="rtl"' in tag) == (code == "ar"), tag
    assert ('dir="ltr"' in tag) == (code != "ar"), tag
    for msgid in PAGES[url]:
        expected = EXPECTED[code][msgid]
        assert expected in page, f"{code} {url}: {expected!r} (for {msgid!r}) not on the page"
        assert msgid not in page, f"{code} {url}: the English {msgid!r} is still on the page"


@pytest.mark.django_db
@pytest.mark.parametrize("code", LANGUAGES)
def test_the_language_cookie_wins_over_the_browser(client, code) -> None:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = code
    page = html.unescape(client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="en").content.decode())
    assert f'lang="{code}"' in html_tag(page)
    assert ('dir="rtl"' in html_tag(page)) == (code == "ar")
    assert f"<h1>{EXPECTED[code]['Sign in']}</h1>" in page


@pytest.mark.django_db
def test_english_stays_the_default_left_to_right(client) -> None:
    page = html.unescape(client.get("/accounts/signup/", HTTP_ACCEPT_LANGUAGE="de").content.decode())
    assert html_tag(page) == '<html lang="en" dir="ltr">'
    assert "Create an account to comment" in page
    assert "National human rights institution" in page


# Template strings are in the catalogs -------------------------------------------------------------

TEMPLATES_DIR = Path(settings.BASE_DIR) / "templates"

# {% translate "..." %} / {% trans '...' %}, with optional `context "..."`, `noop` or `as var` after the string.
TRANSLATE_TAG = re.compile(
    r"""\{%-?\s*trans(?:late)?\s+(?P<quote>["'])(?P<msgid>.*?)(?P=quote)(?P<rest>.*?)-?%\}""", re.DOTALL
)
CONTEXT = re.compile(r"""\bcontext\s+(?P<quote>["'])(?P<msgctxt>.*?)(?P=quote)""")


def template_strings() -> dict[str, list[str]]:
    """Catalog key (msgctxt EOT msgid, as in Entry.key) -> the templates that use it."""
    found: dict[str, list[str]] = {}
    for path in sorted(TEMPLATES_DIR.glob("**/*.html")):
        for m in TRANSLATE_TAG.finditer(path.read_text(encoding="utf-8")):
            context = CONTEXT.search(m.group("rest"))
            key = f"{context.group('msgctxt')}\x04{m.group('msgid')}" if context else m.group("msgid")
            found.setdefault(key, []).append(str(path.relative_to(TEMPLATES_DIR)))
    return found


def test_the_template_string_extractor_finds_the_strings() -> None:
    strings = template_strings()
    assert len(strings) > 100, f"only {len(strings)} {{% translate %}} strings found under {TEMPLATES_DIR}"
    assert "Sign in" in strings  # registration/login.html
    assert "Breadcrumb" in strings  # a single-quoted one


@pytest.mark.parametrize("code", LANGUAGES)
def test_every_template_translate_string_is_in_the_catalog(code) -> None:
    """A {% translate %} string added to a template without re-running makemessages fails here."""
    _header, entries = read_po(po_path(code))
    msgids = {entry.key for entry in entries}
    missing = [
        f"{key!r} ({', '.join(sorted(set(paths)))})" for key, paths in template_strings().items() if key not in msgids
    ]
    assert not missing, (
        f"{code}: {len(missing)} template strings are not in {po_path(code)}; run "
        "`DEBUG=1 .venv/bin/python manage.py makemessages -a --ignore=.venv`, translate, then compilemessages:\n"
        + "\n".join(missing)
    )
