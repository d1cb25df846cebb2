"""Per-terminal settings of the reading-room app, changed without rebuilding it.

A terminal opens ``/reading-room/?terminal=ID``; the app then asks the server for that terminal's
configuration (``GONGKAI_READING_ROOM_TERMINALS``, a JSON object from terminal id to settings). A
terminal without an id, or with one that is not configured, gets the defaults: the whole tree from its
root organization and a two-minute idle timeout. An unknown id is answered with the defaults on purpose:
a kiosk with a mistyped URL must still show something rather than an error page all day.
"""

from __future__ import annotations

import re

from pydantic import BaseModel, ConfigDict, Field

DEFAULT_IDLE_SECONDS = 120
TERMINAL_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$")


class TerminalConfig(BaseModel):
    """What one terminal shows first and how it behaves."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    # The key of the organization whose subtree the terminal shows first (None: the root).
    organization: str | None = Field(default=None, min_length=1, max_length=64)
    # Shown in the terminal's header, e.g. 某某县政务服务中心 政府信息查阅点.
    name: str = Field(default="政府信息查阅终端", min_length=1, max_length=60)
    # Seconds without a touch before the terminal returns to its home screen (with a countdown).
    idle_seconds: int = Field(default=DEFAULT_IDLE_SECONDS, ge=30, le=3600)
    # The portal address of an item, for QR codes: ``{id}`` is replaced by the item's id.
    portal_url_template: str | None = Field(default=None, max_length=300, pattern=r"^https?://.*\{id\}")


def terminal_config(
    terminals: dict[str, TerminalConfig], terminal: str | None
) -> tuple[str | None, TerminalConfig]:
    """The terminal's id (None when absent or not configured) and its configuration."""
    if terminal and TERMINAL_ID.match(terminal) and terminal in terminals:
        return terminal, terminals[terminal]
    return None, TerminalConfig()


def public_view(terminal: str | None, config: TerminalConfig) -> dict[str, object]:
    """The JSON the app reads (camelCase, like the GraphQL API)."""
    return {
        "terminal": terminal,
        "organization": config.organization,
        "name": config.name,
        "idleSeconds": config.idle_seconds,
        "portalUrlTemplate": config.portal_url_template,
    }
