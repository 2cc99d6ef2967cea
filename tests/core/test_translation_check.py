"""``make lint``'s translation check (tools/check_translations.py): a message of the project without its
Simplified Chinese translation, or with a fuzzy one, is reported where it is used; so is a gettext alias
that makemessages would miss. The check works on copies and leaves the catalog it reads as it was."""

from pathlib import Path

from tools.check_translations import gettext_aliases, missing_translations

SOURCE = """from django.utils.translation import gettext as _


def messages():
    return [_("Translated"), _("Quarterly figures"), _("Guessed by msgmerge")]
"""

CATALOG = """msgid ""
msgstr ""
"Content-Type: text/plain; charset=UTF-8\\n"

msgid "Translated"
msgstr "已翻译"

#, fuzzy
msgid "Guessed by msgmerge"
msgstr "猜测"
"""


def a_project(root: Path, source: str = SOURCE) -> Path:
    (root / "app").mkdir()
    (root / "app" / "messages.py").write_text(source, encoding="utf-8")
    catalog = root / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"
    catalog.parent.mkdir(parents=True)
    catalog.write_text(CATALOG, encoding="utf-8")
    return catalog


def test_a_missing_and_a_fuzzy_message_are_reported_with_file_and_line(tmp_path):
    catalog = a_project(tmp_path)

    problems = missing_translations(tmp_path, catalog)

    assert problems == [
        "app/messages.py:5: fuzzy: 'Guessed by msgmerge'",
        "app/messages.py:5: untranslated: 'Quarterly figures'",
    ]


def test_the_catalog_checked_is_left_as_it_was(tmp_path):
    catalog = a_project(tmp_path)

    missing_translations(tmp_path, catalog)

    assert catalog.read_text(encoding="utf-8") == CATALOG
    assert sorted(p.name for p in tmp_path.rglob("*.po*")) == ["django.po"]


def test_a_project_whose_messages_are_all_translated_passes(tmp_path):
    catalog = a_project(tmp_path, 'from django.utils.translation import gettext as _\n_("Translated")\n')

    assert missing_translations(tmp_path, catalog) == []


def test_a_gettext_alias_that_makemessages_misses_is_reported(tmp_path):
    a_project(tmp_path, "from django.utils.translation import gettext_lazy as _lazy, gettext as _\n")

    assert gettext_aliases(tmp_path) == [
        "app/messages.py:1: gettext_lazy imported as _lazy; import it as _ so makemessages collects its strings"
    ]


def test_the_project_has_no_gettext_alias():
    assert gettext_aliases() == []
