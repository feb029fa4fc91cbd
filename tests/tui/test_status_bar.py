"""The status bar says what is true of the source: counts for a registry, local for a layout."""

from __future__ import annotations

from pathlib import Path

from regview.registry.oci_layout import OciLayoutSource
from regview.registry.source import RateLimit, Stats
from regview.tui.app import create_app
from regview.tui.widgets.status import StatusBar, status_text
from tests.tui.fakes import FakeSource
from tests.tui.helpers import screen_text, settle


def test_a_registry_shows_requests_cache_hits_and_work_in_flight(layouts: Path) -> None:
    source = FakeSource(layouts)
    source.stats.requests, source.stats.cache_hits = 1234, 5
    assert status_text(source, 0).plain == (
        "registry.test as alice │ 1,234 requests · 5 cached │ idle │ pulls left 97/100 per 6h"
    )
    source.stats.in_flight = 2
    assert "│ ⟳ 2 in flight, 1 task │" in status_text(source, 1).plain
    source.stats.requests = 1
    assert "│ 1 request · 5 cached │" in status_text(source, 0).plain


def test_a_local_layout_says_it_is_local_instead_of_counting(layouts: Path) -> None:
    source = OciLayoutSource(layouts)
    source.stats.requests = 7  # file reads: not worth a number in the bar
    plain = status_text(source, 0).plain
    assert plain == f"oci:{layouts} as local │ local files, no network │ idle"
    assert "requests" not in plain and "cached" not in plain
    assert status_text(source, 3).plain.endswith("│ ⟳ 3 tasks")


def test_a_remote_source_is_never_shown_as_local() -> None:
    assert not Stats().local
    assert not Stats(rate_limit=RateLimit(1, 1)).local


async def test_the_bar_of_a_layout_in_the_app(layouts: Path) -> None:
    app = create_app(OciLayoutSource(layouts), repository="team/app", reference="v1.10")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        bar = app.main.query_one(StatusBar)
        line = screen_text(app).splitlines()[bar.region.y]
    assert "as local │ local files, no network │ idle" in line
    assert "requests" not in line and "cached" not in line


def test_the_bar_says_where_the_credentials_came_from(layouts: Path) -> None:
    source = FakeSource(layouts)
    source.stats.credential_origin = str(Path.home() / ".docker" / "config.json")
    plain = status_text(source, 0).plain
    assert plain.startswith("registry.test as alice via ~/.docker/config.json │ ")
    source.stats.credential_origin = "docker-credential-pass"
    assert status_text(source, 0).plain.startswith(
        "registry.test as alice via docker-credential-pass │ ")


def test_a_refused_login_is_not_shown_as_the_user(layouts: Path) -> None:
    source = FakeSource(layouts)
    source.stats.credential_origin = "--password-stdin"
    source.stats.login_refused = True
    plain = status_text(source, 0).plain
    assert plain.startswith("registry.test credentials refused via --password-stdin │ ")
    assert "as alice" not in plain


def test_anonymous_says_nothing_of_credentials(layouts: Path) -> None:
    source = FakeSource(layouts, identity="anonymous")
    plain = status_text(source, 0).plain
    assert plain.startswith("registry.test as anonymous │ ")
    assert "via" not in plain and "refused" not in plain
