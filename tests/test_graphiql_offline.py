"""GraphiQL on an intranet (#16): its files come from this server (pinned npm packages copied by
graphiql/ensure-built.sh), byte for byte the files strawberry's page names, and never from a CDN."""

from __future__ import annotations

import base64
import hashlib
import re
from pathlib import Path

import httpx
import pytest
from strawberry.http.ides import get_graphql_ide_html

from web.graphiql import DIST, NOT_BUILT, GraphiQLAssets, offline_page, page_response

ASSET = re.compile(r'(?:src|href)="(/graphiql-assets/[^"]+)"\s+integrity="([a-z0-9]+)-([^"]+)"')


@pytest.fixture(scope="module")
def built() -> None:
    """Missing files are a failure, never a skip."""
    missing = offline_page().missing
    assert not missing, f"run graphiql/ensure-built.sh: {DIST} lacks {missing}"


async def test_page_loads_nothing_from_the_internet(client: httpx.AsyncClient, built: None) -> None:
    response = await client.get("/graphql", headers={"accept": "text/html"})
    assert response.status_code == 200
    assert "unpkg.com" not in response.text
    assert not re.findall(r'(?:src|href)="https?://', response.text)
    assert "unpkg.com" not in response.headers["content-security-policy"]


async def test_every_asset_is_served_as_the_page_pins_it(client: httpx.AsyncClient, built: None) -> None:
    # given the page strawberry would send, with its seven CDN files and their integrity hashes
    page = (await client.get("/graphql", headers={"accept": "text/html"})).text
    assets = ASSET.findall(page)
    assert len(assets) == len(re.findall(r"https://unpkg\.com/", get_graphql_ide_html())) == 7
    for url, algorithm, digest in assets:
        # when the browser fetches each from this server
        response = await client.get(url)
        # then it gets exactly the pinned file, kept for good (the URL names the version)
        assert response.status_code == 200, url
        assert base64.b64encode(hashlib.new(algorithm, response.content).digest()).decode() == digest, url
        assert response.headers["cache-control"] == "public, max-age=31536000, immutable"


@pytest.mark.parametrize(
    "path",
    [
        "/graphiql-assets/react@18.2.0/package.json",
        "/graphiql-assets/react@18.2.0/../../../pyproject.toml",
        "/graphiql-assets/react@99.0.0/umd/react.production.min.js",
    ],
    ids=["unnamed-file", "traversal", "other-version"],
)
async def test_only_the_named_files_are_served(client: httpx.AsyncClient, path: str) -> None:
    response = await client.get(path)
    assert response.status_code == 404


def test_without_built_files_graphiql_says_what_to_run(tmp_path: Path) -> None:
    # given a checkout where graphiql/ensure-built.sh has not run
    page = offline_page(dist=tmp_path)
    # when a browser asks for GraphiQL
    response = page_response(page, {})
    # then it is told how to build it, and no asset is served
    assert len(page.missing) == 7
    assert response.status_code == 503
    assert response.body.decode() == NOT_BUILT
    assert GraphiQLAssets(page).files == page.files
