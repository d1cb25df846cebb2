"""/readyz and the change streams (#20): when the database's change feed stops being heard from for
longer than GONGKAI_CHANGE_STREAM_SILENCE_SECONDS, the node is not ready, and says which check failed.

The readiness check takes its clock from the app (``app.state.readiness.clock``): the tests set it a
given time after the follower last heard from the database, instead of waiting for the silence."""

from __future__ import annotations

import httpx
import pytest
from pydantic import ValidationError
from starlette.applications import Starlette

from cms.services import Endpoints, Services
from cms.settings import Settings
from web.app import create_app
from web.health import Readiness


def quiet_for(readiness: Readiness, services: Services, seconds: float) -> None:
    """Readiness's clock now reads ``seconds`` after the public-change follower last heard."""

    def clock() -> float:
        heard = services.public_changes.last_heard
        assert heard is not None
        return heard + seconds

    readiness.clock = clock


async def readyz(app: Starlette) -> httpx.Response:
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://testserver"
    ) as http:
        return await http.get("/readyz")


@pytest.mark.parametrize(
    ("quiet", "status", "stream_check"),
    [
        pytest.param(0.0, 200, {"ok": True}, id="heard-just-now"),
        pytest.param(10.0, 200, {"ok": True}, id="silent-for-exactly-the-limit"),
        pytest.param(
            10.5, 503, {"ok": False, "error": "10 秒内没有收到数据库的变更流回应"}, id="silent-past-the-limit"
        ),
    ],
)
async def test_readyz_fails_when_change_streams_stop_being_heard(
    app: Starlette,
    services: Services,
    settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
    quiet: float,
    status: int,
    stream_check: dict[str, object],
) -> None:
    # given the served app with the default limit, its follower last heard `quiet` seconds ago
    assert settings.change_stream_silence_seconds == 10.0
    readiness: Readiness = app.state.readiness
    monkeypatch.setattr(readiness, "clock", readiness.clock)  # restored afterwards
    quiet_for(readiness, services, quiet)
    # when /readyz is asked
    response = await readyz(app)
    # then the change-stream check alone decides, and is named in the answer
    body = response.json()
    assert response.status_code == status
    assert body["status"] == ("ready" if status == 200 else "unavailable")
    assert {k: v for k, v in body["checks"]["changeStreams"].items() if k != "ms"} == stream_check
    assert [name for name, check in body["checks"].items() if not check["ok"]] == (
        [] if status == 200 else ["changeStreams"]
    )
    assert response.headers["cache-control"] == "no-store"


async def test_the_silence_limit_is_a_setting(
    settings: Settings, endpoints: Endpoints, services: Services
) -> None:
    # given an app built with GONGKAI_CHANGE_STREAM_SILENCE_SECONDS=4, its readiness reading the
    # session's running services (the app itself is not started: one started app per process)
    app = create_app(settings.model_copy(update={"change_stream_silence_seconds": 4.0}), endpoints)
    readiness: Readiness = app.state.readiness
    readiness.services = lambda: services
    readiness.jobs = []  # this app's own job runner is not started
    # when the follower has been silent for 4.5 s
    quiet_for(readiness, services, 4.5)
    response = await readyz(app)
    # then the node is not ready, by the change-stream check and its 4 s limit
    assert response.status_code == 503
    assert response.json()["checks"]["changeStreams"]["error"] == "4 秒内没有收到数据库的变更流回应"


@pytest.mark.parametrize(
    "value",
    [pytest.param("1.5", id="below-the-followers-1s-beat"), pytest.param("0", id="zero")],
)
def test_a_silence_limit_the_followers_cannot_meet_is_refused(
    value: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given
    monkeypatch.setenv("GONGKAI_CHANGE_STREAM_SILENCE_SECONDS", value)
    # when / then
    with pytest.raises(ValidationError, match="change_stream_silence_seconds"):
        Settings()
