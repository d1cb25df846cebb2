"""The MongoDB connection: PyMongo's async client (Motor is deprecated) with Beanie 2 on top."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from beanie import init_beanie
from pymongo import AsyncMongoClient, monitoring
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import PyMongoError

from storage.accounts import LoginFailures, RevokedToken, User
from storage.attachments import Attachment
from storage.calendar import CalendarDay
from storage.documents import ALL_DOCUMENTS, OBSOLETE_INDEXES
from storage.reads import EngineProfile, profile_of
from storage.register import RegisterRecord
from storage.search import SearchEntry, SearchWord


class DatabaseUnavailable(RuntimeError):
    """The configured MongoDB could not be reached; the message is meant for an operator."""


def make_client(
    url: str, *, timeout_ms: int = 5000, listeners: Sequence[monitoring.CommandListener] = ()
) -> AsyncMongoClient[dict[str, Any]]:
    # tz_aware: datetimes come back as aware UTC values, the same as the ones written.
    return AsyncMongoClient(
        url,
        tz_aware=True,
        serverSelectionTimeoutMS=timeout_ms,
        appname="gongkai",
        event_listeners=list(listeners),
    )


async def connect(
    url: str, database: str, *, listeners: Sequence[monitoring.CommandListener] = ()
) -> tuple[AsyncMongoClient[dict[str, Any]], AsyncDatabase[dict[str, Any]]]:
    """``listeners``: PyMongo event listeners (command monitoring for metrics)."""
    client = make_client(url, listeners=listeners)
    try:
        await client.admin.command("ping")
    except PyMongoError as exc:
        await client.close()
        raise DatabaseUnavailable(f"无法连接 MongoDB（{_redact(url)}）：{exc.__class__.__name__}") from exc
    db = client[database]
    await drop_obsolete_indexes(db)
    await init_beanie(
        database=db,
        document_models=[
            *ALL_DOCUMENTS,
            User,
            RevokedToken,
            LoginFailures,
            RegisterRecord,
            CalendarDay,
            Attachment,
            SearchWord,
            SearchEntry,
        ],
    )
    return client, db


async def drop_obsolete_indexes(db: AsyncDatabase[dict[str, Any]]) -> None:
    """Before Beanie creates the current indexes: a replaced index may share its key pattern."""
    for collection, names in OBSOLETE_INDEXES.items():
        existing = await db[collection].index_information()
        for name in names:
            if name in existing:
                await db[collection].drop_index(name)


async def engine_profile(client: AsyncMongoClient[dict[str, Any]]) -> EngineProfile:
    """How the server executes reads (MongoDB, or the embedded SecantusDB, which names itself in
    ``buildInfo``): chosen once at start-up, it shapes every read in storage.reads."""
    return profile_of(await client.admin.command("buildInfo"))


def _redact(url: str) -> str:
    """Keep credentials out of logs and error messages."""
    if "@" not in url:
        return url
    scheme, _, rest = url.partition("://")
    return f"{scheme}://***@{rest.split('@', 1)[1]}"
