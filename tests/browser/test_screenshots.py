"""The README's screenshots (issue 15, item 8): the script that takes them runs here on the whole demo, so
that a page it shoots cannot break, move or lose what it shows without a failing test."""

import struct
from pathlib import Path

import pytest

from operations.management.commands.seed_demo import Command
from tools.screenshots import OUT, SHOTS, Shot, ShotFailed, take

ROOT = Path(__file__).resolve().parents[2]


def png_size(path: Path) -> tuple[int, int]:
    header = path.read_bytes()[:24]
    assert header[:8] == b"\x89PNG\r\n\x1a\n", f"{path.name} is not a PNG"
    width, height = struct.unpack(">II", header[16:24])
    return width, height


@pytest.fixture
def whole_demo(transactional_db, settings):
    """``seed_demo`` as ``make run`` runs it (its e-mails to made-up addresses go nowhere)."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    Command().seed()


def test_every_key_page_is_shot_at_1366_by_768_as_the_person_who_works_with_it(
    browser, live_server, whole_demo, tmp_path
):
    written = take(browser, live_server.url, tmp_path)

    assert [path.name for path in written] == [f"{shot.name}.png" for shot in SHOTS]
    for path in written:
        assert png_size(path) == (1366, 768), path.name
        assert path.stat().st_size > 10_000, f"{path.name} looks blank"


def test_a_page_that_sends_the_person_back_to_the_login_page_stops_the_shots(
    browser, live_server, transactional_db, tmp_path
):
    # Anonymous, the queue answers with the login page: a screenshot of that would be a wrong one.
    shot = Shot("queue", None, "/sharing/queue/", shows="main")

    with pytest.raises(ShotFailed, match="ended at .*/accounts/login/"):
        take(browser, live_server.url, tmp_path, [shot])
    assert not (tmp_path / "queue.png").exists()


def test_the_readme_shows_every_screenshot_and_each_is_in_the_repository():
    readme = (ROOT / "README.md").read_text()
    for shot in SHOTS:
        image = (OUT / f"{shot.name}.png").relative_to(ROOT)
        assert f"]({image})" in readme, f"README.md does not show {image}"
        assert (OUT / f"{shot.name}.png").is_file(), f"{image} is missing: make screenshots"
