"""The MongoDB connection: PyMongo's async client (Motor is deprecated) with Beanie 2 on top."""

from __future__ import annotations

import contextlib
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

import pymongo
from beanie import init_beanie
from pymongo import AsyncMongoClient, monitoring
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import ConnectionFailure, PyMongoError

from storage.accounts import LoginFailures, RevokedToken, User
from storage.attachments import Attachment
from storage.audit import AuditRecord
from storage.calendar import CalendarDay
from storage.documents import ALL_DOCUMENTS, OBSOLETE_INDEXES
from storage.imports import IMPORT_DOCUMENTS
from storage.reading_room import READING_ROOM_DOCUMENTS
from storage.reads import EngineProfile, profile_of
from storage.register import RegisterRecord
from storage.reports import REPORT_DOCUMENTS
from storage.requests import REQUEST_DOCUMENTS
from storage.search import SearchEntry, SearchWord


class DatabaseUnavailable(RuntimeError):
    """The configured MongoDB could not be reached; the message is meant for an operator."""


def make_client(
    url: str, *, connect_timeout: float = 3.0, listeners: Sequence[monitoring.CommandListener] = ()
) -> AsyncMongoClient[dict[str, Any]]:
    """``connect_timeout`` bounds opening a connection and selecting a server: with the database
    down, an operation fails after that long instead of PyMongo's default 20 s (30 s to select).
    Operations themselves are bounded per request (``operation_budget``), not here: start-up index
    builds and background upkeep may legitimately take minutes."""
    ms = max(1, int(connect_timeout * 1000))
    # tz_aware: datetimes come back as aware UTC values, the same as the ones written.
    return AsyncMongoClient(
        url,
        tz_aware=True,
        serverSelectionTimeoutMS=ms,
        connectTimeoutMS=ms,
        appname="gongkai",
        event_listeners=list(listeners),  # command monitoring for metrics (cms.observe)
    )


def operation_budget(seconds: float) -> contextlib.AbstractContextManager[None]:
    """Every database command inside the block, retries included, shares one deadline (PyMongo's
    client-side operation timeout): a frozen server fails the block after ``seconds``, not never."""
    return pymongo.timeout(seconds)


def is_unavailable(exc: BaseException) -> bool:
    """The database could not be reached or did not answer in time (not: it refused the command)."""
    return isinstance(exc, ConnectionFailure) or (isinstance(exc, PyMongoError) and exc.timeout)


async def connect(
    url: str,
    database: str,
    before_indexes: Callable[[AsyncDatabase[dict[str, Any]]], Awaitable[object]] | None = None,
    *,
    connect_timeout: float = 3.0,
    listeners: Sequence[monitoring.CommandListener] = (),
) -> tuple[AsyncMongoClient[dict[str, Any]], AsyncDatabase[dict[str, Any]]]:
    """Connect, run ``before_indexes`` (the index migrations: a replaced index may share its key
    pattern with the current one), then let Beanie create the current indexes."""
    client = make_client(url, connect_timeout=connect_timeout, listeners=listeners)
    try:
        await client.admin.command("ping")
    except PyMongoError as exc:
        await client.close()
        raise DatabaseUnavailable(f"无法连接 MongoDB（{_redact(url)}）：{exc.__class__.__name__}") from exc
    db = client[database]
    if before_indexes is not None:
        try:
            await before_indexes(db)
        except BaseException:
            await client.close()
            raise
    await init_beanie(
        database=db,
        document_models=[
            *ALL_DOCUMENTS,
            User,
            RevokedToken,
            LoginFailures,
            RegisterRecord,
            AuditRecord,
            CalendarDay,
            Attachment,
            SearchWord,
            SearchEntry,
            *REQUEST_DOCUMENTS,
            *REPORT_DOCUMENTS,
            *READING_ROOM_DOCUMENTS,
            *IMPORT_DOCUMENTS,
        ],
    )
    return client, db


async def drop_obsolete_indexes(db: AsyncDatabase[dict[str, Any]]) -> int:
    """Before Beanie creates the current indexes: a replaced index may share its key pattern."""
    dropped = 0
    for collection, names in OBSOLETE_INDEXES.items():
        existing = await db[collection].index_information()
        for name in names:
            if name in existing:
                await db[collection].drop_index(name)
                dropped += 1
    return dropped


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
