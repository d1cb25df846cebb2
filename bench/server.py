"""The application as the benchmark runs it: ``web.app.create_app`` on uvicorn, one worker, against
services that are already running (settings from ``GONGKAI_*``), without access logs (the baseline has
none either). ``python -m bench.server --port PORT [--without-observation]``.

``--without-observation`` serves the same app with ``web.headers.SecurityHeaders`` as its outer layer
instead of ``web.observe.Observe`` (no request id, no request metrics, no access line): what
``bench.observe`` compares over HTTP.
"""

from __future__ import annotations

import argparse

import uvicorn
from starlette.applications import Starlette
from starlette.types import ASGIApp, Receive, Scope, Send

from cms.services import Endpoints
from cms.settings import Settings
from web.app import create_app
from web.cors import Cors
from web.headers import SecurityHeaders


def unobserved(app: Starlette) -> ASGIApp:
    """``app`` as served, less observation: the layers inside ``Observe`` under ``SecurityHeaders``."""
    allowed_hosts = getattr(app, "allowed_hosts", None)
    inner = Cors(Starlette.build_middleware_stack(app), origins=getattr(app, "cors_origins", []))
    plain = SecurityHeaders(inner, allowed_hosts=allowed_hosts)

    async def serve(scope: Scope, receive: Receive, send: Send) -> None:
        scope["app"] = app  # as Starlette.__call__ sets it: the lifespan and the routes read it
        await plain(scope, receive, send)

    return serve


def main() -> None:
    parser = argparse.ArgumentParser(description="the Gongkai app for the benchmark")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--without-observation", action="store_true")
    args = parser.parse_args()
    settings = Settings()
    endpoints = Endpoints(
        mongo_url=settings.mongo_url,
        s3_endpoint=settings.s3_endpoint,
        s3_access_key=settings.s3_access_key,
        s3_secret_key=settings.s3_secret_key.get_secret_value(),
    )
    app = create_app(settings, endpoints)
    uvicorn.run(
        unobserved(app) if args.without_observation else app,
        host="127.0.0.1",
        port=args.port,
        log_level="warning",
        access_log=False,
        timeout_keep_alive=300,
        lifespan="on",
    )


if __name__ == "__main__":
    main()
