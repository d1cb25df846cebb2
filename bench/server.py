"""The application as the benchmark runs it: ``web.app.create_app`` on uvicorn, one worker, against
services that are already running (settings from ``GONGKAI_*``), without access logs (the baseline has
none either). ``python -m bench.server --port PORT``.
"""

from __future__ import annotations

import argparse

import uvicorn

from cms.services import Endpoints
from cms.settings import Settings
from web.app import create_app


def main() -> None:
    parser = argparse.ArgumentParser(description="the Gongkai app for the benchmark")
    parser.add_argument("--port", type=int, required=True)
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
        app,
        host="127.0.0.1",
        port=args.port,
        log_level="warning",
        access_log=False,
        timeout_keep_alive=300,
        lifespan="on",
    )


if __name__ == "__main__":
    main()
