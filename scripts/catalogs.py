"""Keep the translation catalogs in step with the code and templates.

``update``: extract every message and merge it into translations/<lang>/messages.po; the
English catalog is filled from the (English) source text, Dutch is translated by hand.
``check``: fail when a catalog is out of date, a message is untranslated or fuzzy, or a
translation's placeholders differ from the source. ``make test`` runs the check.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
TRANSLATIONS = ROOT / "translations"
LOCALES = ("nl", "en")
SOURCE_LOCALE = "en"
KEYWORDS = [
    "_",
    "gettext",
    "ngettext:1,2",
    "lazy_gettext",
    "_l",
    "lazy_ngettext:1,2",
    "pgettext:1c,2",
]


def extract() -> Catalog:
    with tempfile.TemporaryDirectory() as tmp:
        pot = Path(tmp) / "messages.pot"
        command = [
            sys.executable,
            "-m",
            "babel.messages.frontend",
            "-q",
            "extract",
            "--mapping-file",
            str(ROOT / "babel.cfg"),
            "--output-file",
            str(pot),
            "--no-wrap",
            "--sort-by-file",
            "--project",
            "Consult",
            "--copyright-holder",
            "Consult contributors",
            "--add-comments",
            "TRANSLATORS:",
            "--strip-comments",
        ]
        for keyword in KEYWORDS:
            command += ["--keyword", keyword]
        subprocess.run([*command, "consult", "templates"], cwd=ROOT, check=True)  # noqa: S603
        with pot.open("rb") as handle:
            return read_po(handle)


def catalog_path(locale: str) -> Path:
    return TRANSLATIONS / locale / "LC_MESSAGES" / "messages.po"


def read_catalog(locale: str) -> Catalog | None:
    path = catalog_path(locale)
    if not path.exists():
        return None
    with path.open("rb") as handle:
        return read_po(handle, locale=locale)


def key(message) -> tuple:
    return (message.context, message.id if isinstance(message.id, str) else tuple(message.id))


def update() -> int:
    template = extract()
    for locale in LOCALES:
        catalog = read_catalog(locale) or Catalog(locale=locale, project="Consult")
        catalog.update(template, no_fuzzy_matching=True)
        catalog.obsolete.clear()
        catalog.fuzzy = False  # a fuzzy header makes pybabel skip the whole catalog
        if locale == SOURCE_LOCALE:
            for message in catalog:
                if message.id and not _translated(message):
                    message.string = (
                        message.id if isinstance(message.id, str) else tuple(message.id)
                    )
                    message.flags.discard("fuzzy")
        path = catalog_path(locale)
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("wb") as handle:
            write_po(
                handle,
                catalog,
                width=0,
                sort_by_file=True,
                omit_header=False,
                include_previous=False,
            )
        missing = [m.id for m in catalog if m.id and not _translated(m)]
        print(f"{locale}: {len(catalog)} messages, {len(missing)} to translate")
    return 0


def _translated(message) -> bool:
    strings = message.string if isinstance(message.string, list | tuple) else [message.string]
    return all(s for s in strings) and "fuzzy" not in message.flags


def check() -> int:
    template = extract()
    wanted = {key(m) for m in template if m.id}
    problems: list[str] = []
    for locale in LOCALES:
        catalog = read_catalog(locale)
        if catalog is None:
            problems.append(f"{locale}: no catalog at {catalog_path(locale).relative_to(ROOT)}")
            continue
        if catalog.fuzzy:
            problems.append(
                f"{locale}: the catalog header is marked fuzzy, so it would not compile"
            )
        present = {key(m) for m in catalog if m.id}
        for missing in sorted(wanted - present, key=str)[:10]:
            problems.append(f"{locale}: not in the catalog (run make translations): {missing[1]!r}")
        for stale in sorted(present - wanted, key=str)[:10]:
            problems.append(f"{locale}: no longer used (run make translations): {stale[1]!r}")
        for message in catalog:
            if not message.id:
                continue
            if not _translated(message):
                problems.append(f"{locale}: untranslated or fuzzy: {message.id!r}")
            for error in message.check(catalog):
                problems.append(f"{locale}: {message.id!r}: {error}")
    for problem in problems:
        print(problem)
    if problems:
        print(f"translation catalogs: {len(problems)} problem(s)")
        return 1
    print(f"translation catalogs: {len(wanted)} messages, complete in {', '.join(LOCALES)}")
    return 0


def apply(locale: str, *files: str) -> int:
    """Fill translations from JSON files ``{"msgid": "msgstr"}`` or ``{"sg|pl": [..]}``."""
    import json

    translations: dict[str, object] = {}
    for name in files:
        translations.update(json.loads(Path(name).read_text("utf-8")))
    catalog = read_catalog(locale)
    if catalog is None:
        raise SystemExit(f"no {locale} catalog; run make translations first")
    filled = 0
    for message in catalog:
        if not message.id:
            continue
        lookup = message.id if isinstance(message.id, str) else "|".join(message.id)
        value = translations.get(lookup)
        if value:
            message.string = tuple(value) if isinstance(value, list) else value
            message.flags.discard("fuzzy")
            filled += 1
    catalog.fuzzy = False
    with catalog_path(locale).open("wb") as handle:
        write_po(handle, catalog, width=0, sort_by_file=True, include_previous=False)
    left = [m.id for m in catalog if m.id and not _translated(m)]
    print(f"{locale}: filled {filled}, {len(left)} still untranslated")
    for message_id in left:
        print(f"  {message_id!r}")
    return 0


if __name__ == "__main__":
    action = sys.argv[1] if len(sys.argv) > 1 else "check"
    if action == "apply":
        sys.exit(apply(sys.argv[2], *sys.argv[3:]))
    sys.exit({"update": update, "check": check}[action]())
