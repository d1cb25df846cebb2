"""The application for the reading-room measurements, plus one static page to compare against.

``python -m bench.reading_room_server --port PORT``, settings from ``GONGKAI_*`` (the embedded services
already running, the demo data loaded by the app's own start-up). Besides the app it answers
``/bench/baseline.html``: a static page of the same size class as the terminal's home screen, with the
same Performance mark set by an inline script at the end of the body. Served by the same process, over
the same middleware, it is the floor a page can reach on this server and this machine: the terminal's
time is reported as a ratio to it.
"""

from __future__ import annotations

import argparse

import uvicorn
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route

from cms.services import Endpoints
from cms.settings import Settings
from web.app import create_app

BASELINE_PATH = "/bench/baseline.html"
MARK = "reading-room:home-rendered"  # the mark reading-room/src/views/HomeView.vue sets
ROWS = "".join(
    f"<li><a href='#'>云南省人民政府办公厅关于政务公开工作的通知（第 {i} 号）</a></li>" for i in range(8)
)
BASELINE = f"""<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>基准页</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>body {{ font: 22px/1.6 sans-serif; margin: 0 24px }} li {{ min-height: 48px }}</style></head>
<body><h1>政府信息查阅终端</h1><h2>最新公开</h2><ul>{ROWS}</ul>
<script>performance.mark({MARK!r})</script></body></html>"""


async def baseline(_: Request) -> Response:
    return HTMLResponse(BASELINE, headers={"Cache-Control": "no-store"})


def main() -> None:
    parser = argparse.ArgumentParser(description="the Gongkai app and a static baseline page")
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
    # first, so that the app's catch-all mounts never see it
    app.router.routes.insert(0, Route(BASELINE_PATH, baseline, methods=["GET"]))
    uvicorn.run(app, host="127.0.0.1", port=args.port, log_level="warning", access_log=False, lifespan="on")


if __name__ == "__main__":
    main()
