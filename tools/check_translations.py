"""Lint: every message of the project has its Simplified Chinese translation.

The messages are collected exactly as ``manage.py makemessages -l zh_Hans`` collects them, but into a
temporary copy of the source tree and of the catalog, so the real ``locale/zh_Hans/LC_MESSAGES/django.po``
is never rewritten. A message whose translation is empty or marked fuzzy (msgmerge's guess from a similar
message) is missing. A gettext function imported under another name than ``_`` (``gettext_lazy as
_lazy``) is refused too: xgettext knows the function names and ``_`` only, so its strings are never
collected and would stay English in the Chinese interface.

Usage: python tools/check_translations.py  (prints file:line of each missing message and of each alias,
exits 1 if there is one). Needs GNU gettext (xgettext, msgmerge), as makemessages does.
"""

import ast
import os
import shutil
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LANGUAGE = "zh_Hans"
CATALOG = Path("locale") / LANGUAGE / "LC_MESSAGES" / "django.po"
# What makemessages is not to read: installed packages, data, the test suite and the bench.
IGNORED = [".venv", "node_modules", "var", ".git", "tests", "bench", "tools", "*.egg-info", "locale"]
TRANSLATION_MODULES = {"django.utils.translation", "django.utils.translation.trans_real"}


@dataclass
class Entry:
    msgid: str = ""
    msgctxt: str | None = None
    msgstrs: list[str] = field(default_factory=list)
    references: list[str] = field(default_factory=list)
    flags: set[str] = field(default_factory=set)
    obsolete: bool = False

    @property
    def translated(self) -> bool:
        return "fuzzy" not in self.flags and bool(self.msgstrs) and all(self.msgstrs)


def _unquote(text: str) -> str:
    return ast.literal_eval(text) if text.startswith('"') else ""


def po_entries(text: str) -> Iterator[Entry]:
    """The entries of a .po file (the header, msgid "", left out)."""
    for block in text.split("\n\n"):
        entry, target = Entry(), None
        for line in block.splitlines():
            line = line.strip()
            if line.startswith("#~"):
                entry.obsolete = True
            elif line.startswith("#:"):
                entry.references.extend(line[2:].split())
            elif line.startswith("#,"):
                entry.flags.update(flag.strip() for flag in line[2:].split(","))
            elif line.startswith("msgctxt "):
                entry.msgctxt, target = _unquote(line[8:]), "msgctxt"
            elif line.startswith("msgid "):
                entry.msgid, target = _unquote(line[6:]), "msgid"
            elif line.startswith("msgid_plural "):
                target = "plural"
            elif line.startswith("msgstr"):
                entry.msgstrs.append(_unquote(line.split(" ", 1)[1]))
                target = "msgstr"
            elif line.startswith('"') and target is not None:
                more = _unquote(line)
                if target == "msgid":
                    entry.msgid += more
                elif target == "msgctxt":
                    entry.msgctxt = (entry.msgctxt or "") + more
                elif target == "msgstr":
                    entry.msgstrs[-1] += more
        if entry.msgid and not entry.obsolete:
            yield entry


def collected_catalog(source: Path, catalog: Path, ignored: list[str]) -> str:
    """The catalog as makemessages would leave it: the project's messages merged into ``catalog``."""
    from django.core.management import call_command
    from django.test import override_settings

    with tempfile.TemporaryDirectory() as scratch:
        tree = Path(scratch) / "src"
        shutil.copytree(source, tree, ignore=shutil.ignore_patterns(*ignored, "__pycache__"))
        work_catalog = tree / CATALOG
        work_catalog.parent.mkdir(parents=True)
        if catalog.exists():
            shutil.copyfile(catalog, work_catalog)
        cwd = os.getcwd()
        os.chdir(tree)  # makemessages reads the current directory
        try:
            with override_settings(LOCALE_PATHS=[str(tree / "locale")]):
                call_command("makemessages", locale=[LANGUAGE], ignore_patterns=ignored, verbosity=0)
        finally:
            os.chdir(cwd)
        return work_catalog.read_text(encoding="utf-8")


def missing_translations(source: Path = ROOT, catalog: Path = ROOT / CATALOG) -> list[str]:
    """``file:line: "message"`` for each place a message without a translation is used."""
    problems = []
    for entry in po_entries(collected_catalog(source, catalog, IGNORED)):
        if entry.translated:
            continue
        why = "fuzzy" if "fuzzy" in entry.flags else "untranslated"
        context = f" (context {entry.msgctxt!r})" if entry.msgctxt else ""
        for reference in entry.references or ["?"]:
            problems.append(f"{reference}: {why}{context}: {entry.msgid!r}")
    return sorted(problems)


def gettext_aliases(source: Path = ROOT) -> list[str]:
    """``file:line`` of each gettext function imported under a name xgettext does not know."""
    problems = []
    for path in sorted(source.rglob("*.py")):
        relative = path.relative_to(source)
        if any(part in IGNORED or part.endswith(".egg-info") for part in relative.parts[:-1]):
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module in TRANSLATION_MODULES:
                for alias in node.names:
                    if "gettext" in alias.name and alias.asname not in (None, "_"):
                        problems.append(
                            f"{relative}:{node.lineno}: {alias.name} imported as {alias.asname}; "
                            "import it as _ so makemessages collects its strings"
                        )
    return problems


def main() -> int:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dataplatform.settings")
    import django

    django.setup()
    aliases = gettext_aliases()
    missing = missing_translations()
    for problem in aliases + missing:
        print(problem)
    if missing:
        print(f"{len(missing)} uses of messages without a Simplified Chinese translation in {CATALOG}")
    return 1 if aliases or missing else 0


if __name__ == "__main__":
    sys.exit(main())
