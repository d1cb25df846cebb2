"""The per-request context: who is asking, what they may read, and request-scoped dataloaders."""

from __future__ import annotations

from dataclasses import dataclass, field

import strawberry

from authz import Principal
from cms.content.visibility import ReadScope
from cms.model import User
from cms.services import Services
from schema.dataloaders import Loaders


@dataclass
class Context:
    services: Services
    scope: ReadScope
    principal: Principal
    user: User | None = None
    token: str | None = None
    base_url: str = ""  # where /files/… download links point
    # The client's address as the ASGI server saw it (behind a proxy, uvicorn takes it from
    # X-Forwarded-For only for proxies listed in --forwarded-allow-ips / FORWARDED_ALLOW_IPS).
    source: str | None = None
    # Set by a resolver whose anonymous answer must never be kept by the public response cache.
    uncacheable: bool = False
    loaders: Loaders = field(init=False)

    def __post_init__(self) -> None:
        self.loaders = Loaders(self.services, self.scope, self.principal)


Info = strawberry.Info[Context, None]
