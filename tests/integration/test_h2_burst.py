"""A cold burst to the real registry over TLS goes out at once, on one HTTP/2 connection.

Go's ``docker-registry`` sends its ``SETTINGS`` only once the TLS handshake is done on
its side, so they reach a client a round trip after its first requests. httpcore waits
for them before a second stream; regview's connections
(:mod:`regview.registry.h2_connection`) send the whole burst meanwhile, as Go's client
does. A relay between them delays each direction (a round trip of ``2 * DELAY``), so
that a client that waited would be seen to: its second request would follow the
server's SETTINGS. The order of what each request sent and what came back is read from
httpcore's own trace events (not from the code under test), the connections from the
relay, and the answers from the registry's access log.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from regview.registry.http_client import make_http_client
from regview.registry.settings import Settings
from tests.support.counting_proxy import counting_proxy
from tests.support.images import Kinds, build_all, write_layout
from tests.support.publish import run_parallel, skopeo_copy_args
from tests.support.registry import RegistryServer
from tests.support.tls import make_certificate

pytestmark = pytest.mark.integration

BURST = 24
DELAY = 0.15  # seconds each way through the relay: what makes a wait visible


@pytest.fixture(scope="module")
def tls_registry(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[RegistryServer, Kinds]]:
    workdir = tmp_path_factory.mktemp("registry-h2")
    server = RegistryServer(workdir, name="TLS registry", tls=make_certificate(workdir / "cert"))
    server.start()
    try:
        kinds = build_all()
        layout = write_layout(workdir / "layout", {"image": kinds.oci_image})
        run_parallel([skopeo_copy_args(f"oci:{layout}:image", server.ref("h2/app", "t0"))])
        image = kinds.oci_image
        for i in range(1, BURST):
            answer = server.client.put(
                f"/v2/h2/app/manifests/t{i}",
                content=image.raw,
                headers={"Content-Type": image.media_type},
            )
            assert answer.status_code == 201, answer.text
        yield server, kinds
    finally:
        server.cleanup()


async def test_a_cold_burst_is_sent_on_one_connection_before_the_first_answer(
    tls_registry: tuple[RegistryServer, Kinds], tmp_path: Path
) -> None:
    server, kinds = tls_registry
    image = kinds.oci_image
    # (event, request number), in the order seen; "settings" is the server's SETTINGS
    # being read (by whichever request was reading)
    timeline: list[tuple[str, int]] = []
    stream_ids: dict[int, int] = {}

    def tracer(number: int) -> Any:
        async def trace(name: str, info: dict[str, Any]) -> None:
            if name == "http2.send_request_headers.started":
                stream_ids[number] = info["stream_id"]
            elif name == "http2.send_request_headers.complete":
                timeline.append(("sent", number))
            elif name == "http2.receive_remote_settings.started":
                timeline.append(("settings", number))
            elif name == "http2.receive_response_headers.complete":
                timeline.append(("answered", number))

        return trace

    settings = Settings(cache_dir=tmp_path / "cache", insecure=True)
    mark = server.mark()
    with counting_proxy(server.host, delay=DELAY) as relay:
        async with make_http_client(settings) as client:

            async def get(number: int) -> httpx.Response:
                return await client.get(
                    f"https://{relay.host}/v2/h2/app/manifests/t{number}",
                    headers={"Accept": image.media_type},
                    extensions={"trace": tracer(number)},
                )

            answers = await asyncio.gather(*(get(n) for n in range(BURST)))
        opened = list(relay.opened)

    assert [(a.status_code, a.http_version) for a in answers] == [(200, "HTTP/2")] * BURST
    assert {a.headers["docker-content-digest"] for a in answers} == {image.digest}
    assert opened == ["tls"]  # one connection
    # Client streams are odd and new on one connection: 1, 3, 5, ...
    assert sorted(stream_ids.values()) == list(range(1, 2 * BURST, 2))
    # Every request went out before the server's first frames came back: before its
    # SETTINGS (which httpcore waits for) and so before any answer. A client that waits
    # sends one request, then the rest once SETTINGS come, a round trip later: all
    # still before the first answer, which comes with SETTINGS.
    heard = next(i for i, (event, _) in enumerate(timeline) if event in ("settings", "answered"))
    sent_before = {number for event, number in timeline[:heard] if event == "sent"}
    assert timeline[heard][0] == "settings"
    assert sent_before == set(range(BURST)), timeline
    ours = [e for e in server.requests_since(mark) if e.user_agent.startswith("regview/")]
    assert sorted(e.path for e in ours) == sorted(
        f"/v2/h2/app/manifests/t{n}" for n in range(BURST)
    )
    assert all(' HTTP/2.0" 200 ' in e.line for e in ours), [e.line for e in ours]
