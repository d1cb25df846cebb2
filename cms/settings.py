"""Typed configuration, read once from the environment (prefix ``GONGKAI_``).

Everything the process needs to know about its surroundings is here, so that a deployment can be
understood by reading one class. Production mode refuses to start on values that are only safe for a
developer's laptop.
"""

from __future__ import annotations

import enum
import ipaddress
from pathlib import Path
from typing import Self
from urllib.parse import urlsplit

from pydantic import Field, SecretStr, ValidationInfo, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from cms.delivery.templates import check_templates
from cms.reading_room.terminals import TERMINAL_ID, TerminalConfig
from cms.requests.crypto import PREVIOUS_DATA_KEYS_SETTING, key_from, parse_key

DEV_SECRET_KEY = "gongkai-development-secret-key-change-me"  # noqa: S105 - the refusal below keys on it
DEFAULT_DEMO_PASSWORD = "Gongkai-demo-2026"  # noqa: S105 - documented; demo mode only


class Mode(enum.StrEnum):
    DEVELOPMENT = "development"
    DEMO = "demo"
    PRODUCTION = "production"


class UnsafeConfiguration(ValueError):
    """Raised when production mode is asked to start with development-only values."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="GONGKAI_", extra="ignore")

    mode: Mode = Mode.DEMO
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    data_dir: Path = Path("data")
    secret_key: SecretStr = SecretStr(DEV_SECRET_KEY)
    # Periodic jobs run on one node at a time, under a lease in MongoDB (cms/jobs): a node that dies
    # holding it is replaced after job_lease_seconds; each node tries to take it every job_tick_seconds.
    job_lease_seconds: float = Field(default=60.0, ge=1.0)
    job_tick_seconds: float = Field(default=10.0, ge=0.1)
    # Key rotation: the keys used before secret_key (a JSON list, newest first). Tokens and cursors
    # signed with them stay accepted (tokens until they expire); new ones are signed with secret_key.
    previous_secret_keys: list[SecretStr] = Field(default_factory=list)

    # Empty mongo_url / s3_endpoint mean "start the embedded servers under data_dir".
    mongo_url: str = ""
    mongo_database: str = "gongkai"
    s3_endpoint: str = ""
    s3_access_key: str = ""
    s3_secret_key: SecretStr = SecretStr("")
    s3_secure: bool = False
    s3_region: str = ""
    s3_bucket: str = "gongkai-attachments"
    # Where browsers reach the S3 service (an origin, e.g. https://oss.example.gov.cn): presigned upload
    # URLs are signed for it. Empty: the admin app uploads to this server (PUT /uploads/{id}), which
    # streams the file on to the object store.
    s3_public_endpoint: str = ""
    # Faults answer fast: how long a request may wait for the database (every command and its
    # retries together), how long to wait for a connection / a server to select, and the object
    # store's connect and read timeouts (a refused connection is retried once, a silent one never).
    mongo_timeout_seconds: float = Field(default=10.0, gt=0, le=600)
    mongo_connect_timeout_seconds: float = Field(default=3.0, gt=0, le=60)
    s3_connect_timeout_seconds: float = Field(default=3.0, gt=0, le=60)
    s3_timeout_seconds: float = Field(default=10.0, gt=0, le=600)
    # /readyz: a background job round running longer than this counts as stuck.
    job_stuck_seconds: float = Field(default=30 * 60, gt=0)
    # /readyz: change streams count as dead when the database's change feed has not been heard from
    # for this long (the followers hear from it every second, so less than 2 s would flap).
    change_stream_silence_seconds: float = Field(default=10.0, ge=2.0, le=3600)

    # Attachments: size limit, the types accepted (judged by content), and the public address of this
    # server used to build stable download URLs (empty: taken from each request).
    attachment_max_mb: int = Field(default=1024, ge=1, le=1024 * 1024)
    attachment_types: list[str] = Field(
        default_factory=lambda: [
            "application/pdf",
            "application/ofd",
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            "application/vnd.openxmlformats-officedocument.presentationml.presentation",
            "application/x-ole-storage",
            "image/png",
            "image/jpeg",
            "image/gif",
            "image/webp",
            "video/mp4",
            "audio/mpeg",
            "audio/mp4",
            "audio/wav",
            "text/plain",
        ]
    )
    public_base_url: str = ""
    # Signed-in staff reading a file the public may not read get a link signed for them that works
    # this long (cms/attachments/links.py): long enough to open a PDF, short enough that a copied link
    # is soon dead.
    staff_link_ttl_seconds: int = Field(default=600, ge=10, le=24 * 3600)
    # Without a public base URL, attachment URLs are built from the request's Host: only these names
    # (any port; compared case-insensitively) are accepted then, so a client cannot put its own host
    # into answers that shared caches keep. Production requires public_base_url instead.
    allowed_hosts: list[str] = Field(default_factory=lambda: ["localhost", "127.0.0.1", "[::1]"])
    # Origins of portals and apps whose pages may call the API from the browser (web/cors.py): listed
    # origins with staff tokens too; "*" lets any other origin read anonymously. None by default.
    cors_origins: list[str] = Field(default_factory=list)
    # Webhooks (cms/changes/targets.py): receivers on loopback, private, link-local or otherwise
    # non-public addresses are refused (server-side request forgery) unless they fall in one of these
    # networks (CIDRs). Demo and development modes also allow loopback, for receivers on the same host.
    webhook_allowed_networks: list[str] = Field(default_factory=list)
    # A PEM file of certificate authorities that HTTPS webhook receivers' certificates may chain to,
    # besides the system's (an intranet CA); None: the system's store alone.
    webhook_ca_file: Path | None = None
    # URLs per sitemap page (cms/delivery/feeds.py); the sitemaps protocol allows at most 50,000.
    sitemap_urls: int = Field(default=50_000, ge=1, le=50_000)
    # Thumbnails and text are derived in a child process per file (cms/previews.py). Images above
    # thumbnail_max_pixels are kept but not decoded (40 MP: an A4 scan at 600 dpi or a camera photo
    # passes, and decoding it takes ~160 MiB); each child is capped at preview_memory_mb of address
    # space and preview_timeout_seconds, and at most preview_workers run at once.
    thumbnail_max_pixels: int = Field(default=40_000_000, ge=1)
    preview_memory_mb: int = Field(default=512, ge=128)
    preview_timeout_seconds: float = Field(default=60.0, gt=0)
    preview_workers: int = Field(default=2, ge=1)

    demo_data: bool = True
    demo_password: SecretStr = SecretStr(DEFAULT_DEMO_PASSWORD)
    graphiql: bool | None = None  # None: on except in production

    # GraphQL limits: abuse protection for a public endpoint.
    max_page_size: int = Field(default=100, ge=1, le=1000)
    default_page_size: int = Field(default=20, ge=1, le=1000)
    max_query_depth: int = Field(default=10, ge=2, le=50)
    max_aliases: int = Field(default=30, ge=1)
    max_tokens: int = Field(default=2000, ge=50)
    max_request_bytes: int = Field(default=200_000, ge=1_000)
    # The estimated number of values an answer may hold (schema/cost.py), checked before execution.
    max_query_cost: int = Field(default=12_000, ge=100)
    # ``__schema`` / ``__type`` queries; front-end tooling (codegen, GraphiQL) needs them.
    introspection: bool = True
    # The compiled shortcut for plain fields (schema/execution.py, a fork of graphql-core internals).
    # Off: every field takes graphql-core's general path (slower, same answers), e.g. to rule the
    # shortcut out when an answer looks wrong, or after upgrading graphql-core.
    compiled_execution: bool = True

    # The public response cache (anonymous GraphQL answers, invalidated by every publication; see
    # web/cache.py). Bounded in entries and bytes so that cache-busting variables cannot grow it;
    # 0 entries turns it off. The TTL only bounds how long an answer may live if a change were ever
    # missed; HTTP caches downstream get ``max-age`` (plus as long again of stale-while-revalidate).
    cache_max_entries: int = Field(default=5_000, ge=0)
    cache_max_bytes: int = Field(default=64 * 1024 * 1024, ge=0)
    cache_ttl_seconds: int = Field(default=300, ge=1)
    cache_http_max_age: int = Field(default=30, ge=0)
    # Automatic persisted queries (Apollo APQ): documents registered by hash, per process.
    persisted_queries_max_entries: int = Field(default=2_000, ge=0)
    # Reading-room terminals by id (``/reading-room/?terminal=ID``): organization key, name, idle
    # seconds, portal URL template (cms/reading_room/terminals.py). Unknown ids get the defaults.
    reading_room_terminals: dict[str, TerminalConfig] = Field(default_factory=dict)
    # Visit statistics (cms/reading_room/visits.py): batches one terminal may send per minute.
    reading_room_batches_per_minute: int = Field(default=12, ge=1)
    # Canonical URLs of public items on the portal, per content type (cms/delivery/templates.py):
    # e.g. {"CatalogEntry": "https://www.example.gov.cn/zwgk/{indexNumber}.html"}. A type without one
    # has url null, and its feed and sitemap entries point at the reading room.
    portal_url_templates: dict[str, str] = Field(default_factory=dict)
    # Requests for disclosure (cms/requests): the key sealing applicants' personal data (32 bytes,
    # URL-safe base64; empty: derived from the secret key, refused in production), how long it is kept after a request is
    # closed, and how many anonymous submissions one source may make per hour.
    request_data_key: SecretStr = SecretStr("")
    # Rotation of request_data_key: the keys used before it (a JSON list, newest first, each like
    # request_data_key). Values sealed under them still open; ``gongkai rekey-requests`` re-seals them.
    request_data_previous_keys: list[SecretStr] = Field(default_factory=list)
    request_retention_days: int = Field(default=1825, ge=1)
    request_submissions_per_hour: int = Field(default=10, ge=1)

    @property
    def previous_secrets(self) -> list[str]:
        return [key.get_secret_value() for key in self.previous_secret_keys]

    # Operations. /metrics (Prometheus) answers only sources in metrics_allowed_networks (CIDRs; an
    # empty list allows any source) and, when metrics_token is set, only with
    # ``Authorization: Bearer <token>``. Behind a proxy, the source is the proxy unless uvicorn trusts
    # its X-Forwarded-For (FORWARDED_ALLOW_IPS), so keep /metrics off the proxy's public routes.
    metrics_allowed_networks: list[str] = Field(default_factory=lambda: ["127.0.0.1/32", "::1/128"])
    metrics_token: SecretStr = SecretStr("")
    # Logs: one JSON object per line (``json``) or the classic text format for a terminal (``text``).
    log_format: str = Field(default="json", pattern="^(json|text)$")
    log_level: str = Field(default="INFO", pattern="^(DEBUG|INFO|WARNING|ERROR)$")
    # A successful response-cache hit has no access line unless this is set (it is counted in
    # /metrics all the same): the line would cost a hit more than half its time.
    log_cache_hits: bool = False
    # OpenTelemetry spans for Starlette and PyMongo, exported over OTLP/HTTP as the standard OTEL_*
    # variables say; needs the ``tracing`` extra.
    tracing: bool = False

    @property
    def embedded_mongo(self) -> bool:
        return not self.mongo_url

    @property
    def embedded_s3(self) -> bool:
        return not self.s3_endpoint

    @property
    def graphiql_enabled(self) -> bool:
        if self.graphiql is None:
            return self.mode is not Mode.PRODUCTION
        return self.graphiql

    @property
    def loads_demo_data(self) -> bool:
        return self.demo_data and self.mode is not Mode.PRODUCTION

    @field_validator("reading_room_terminals")
    @classmethod
    def _terminal_ids(cls, value: dict[str, TerminalConfig]) -> dict[str, TerminalConfig]:
        """Ids go into URLs: letters, digits, ``-`` and ``_``, at most 64."""
        bad = [key for key in value if not TERMINAL_ID.match(key)]
        if bad:
            raise ValueError(
                f"reading_room_terminals: invalid terminal id {bad[0]!r} (letters, digits, - and _)"
            )
        return value

    @field_validator("portal_url_templates")
    @classmethod
    def _portal_templates(cls, value: dict[str, str]) -> dict[str, str]:
        return check_templates(value)

    @field_validator("request_data_key")
    @classmethod
    def _data_key(cls, value: SecretStr) -> SecretStr:
        """A malformed key is a setting's fault, found before anything starts."""
        if value.get_secret_value():
            key_from(value.get_secret_value(), "")  # raises ValueError naming the setting
        return value

    @field_validator("request_data_previous_keys")
    @classmethod
    def _previous_data_keys(cls, value: list[SecretStr]) -> list[SecretStr]:
        for key in value:
            parse_key(key.get_secret_value(), PREVIOUS_DATA_KEYS_SETTING)  # names the setting
        return value

    @field_validator("public_base_url")
    @classmethod
    def _absolute_origin(cls, value: str) -> str:
        """An absolute http(s) URL without query or fragment; kept without its trailing slash."""
        if not value:
            return value
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.netloc or parts.query or parts.fragment:
            raise ValueError(
                "GONGKAI_PUBLIC_BASE_URL must be an absolute http(s) URL such as https://gk.example.gov.cn"
            )
        return value.rstrip("/")

    @field_validator("metrics_allowed_networks", "webhook_allowed_networks")
    @classmethod
    def _networks(cls, value: list[str], info: ValidationInfo) -> list[str]:
        for network in value:
            try:
                ipaddress.ip_network(network, strict=False)
            except ValueError as exc:
                name = f"GONGKAI_{(info.field_name or '').upper()}"
                raise ValueError(f'{name}: "{network}" is not a network, e.g. ["10.0.0.0/8"]') from exc
        return value

    @property
    def webhook_networks(self) -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
        """Where webhook receivers may be although not public: the setting, and loopback outside
        production."""
        listed = [ipaddress.ip_network(n, strict=False) for n in self.webhook_allowed_networks]
        if self.mode is Mode.PRODUCTION:
            return listed
        return [*listed, ipaddress.ip_network("127.0.0.0/8"), ipaddress.ip_network("::1/128")]

    @field_validator("allowed_hosts")
    @classmethod
    def _host_names(cls, value: list[str]) -> list[str]:
        """Host names as the Host header carries them (without a port), lower-cased."""
        names = [name.strip().lower() for name in value]
        bracketed = [name.startswith("[") and name.endswith("]") for name in names]  # IPv6 literals
        if any(not name or (":" in name and not ipv6) for name, ipv6 in zip(names, bracketed, strict=True)):
            raise ValueError('GONGKAI_ALLOWED_HOSTS must list host names without ports, e.g. ["localhost"]')
        return names

    @field_validator("s3_public_endpoint")
    @classmethod
    def _s3_origin(cls, value: str) -> str:
        origin = value.strip().rstrip("/").lower()
        if origin and not _is_origin(origin):
            raise ValueError(
                "GONGKAI_S3_PUBLIC_ENDPOINT must be an origin such as https://oss.example.gov.cn "
                f"(scheme, host and port only), not {value!r}"
            )
        return origin

    @field_validator("cors_origins")
    @classmethod
    def _origins(cls, value: list[str]) -> list[str]:
        """Origins exactly as browsers send them (``scheme://host[:port]``, lower case), or ``*``."""
        origins = [origin.strip().rstrip("/") for origin in value]
        for origin in origins:
            if origin != "*" and not _is_origin(origin):
                raise ValueError(
                    'GONGKAI_CORS_ORIGINS must list origins like ["https://www.example.gov.cn"] or "*", '
                    f"not {origin!r}"
                )
        return origins

    @model_validator(mode="after")
    def _refuse_unsafe_production(self) -> Self:
        if self.mode is not Mode.PRODUCTION:
            return self
        problems = []
        secret = self.secret_key.get_secret_value()
        if secret == DEV_SECRET_KEY or len(secret) < 32:
            problems.append("GONGKAI_SECRET_KEY must be set to a random value of at least 32 characters")
        if any(old == DEV_SECRET_KEY or len(old) < 32 for old in self.previous_secrets):
            # Accepting a published development key would let anyone sign a token.
            problems.append(
                "GONGKAI_PREVIOUS_SECRET_KEYS must hold only random values of at least 32 characters"
            )
        if self.embedded_mongo:
            problems.append("GONGKAI_MONGO_URL must point at a MongoDB replica set")
        if self.embedded_s3:
            problems.append("GONGKAI_S3_ENDPOINT must point at a MinIO/S3 service")
        elif not self.s3_access_key or not self.s3_secret_key.get_secret_value():
            problems.append("GONGKAI_S3_ACCESS_KEY and GONGKAI_S3_SECRET_KEY must be set")
        if self.graphiql:
            problems.append("GONGKAI_GRAPHIQL must not be enabled in production")
        if not self.public_base_url:
            problems.append("GONGKAI_PUBLIC_BASE_URL must name the public https:// address of this service")
        if not self.request_data_key.get_secret_value():
            # Derived from the secret key, applicants' personal data would become unreadable when
            # that key is rotated, and readable to anyone who learns it.
            problems.append(
                "GONGKAI_REQUEST_DATA_KEY must be set to 32 random bytes in URL-safe base64 "
                "(it seals applicants' personal data)"
            )
        if problems:
            raise UnsafeConfiguration("refusing to start in production mode: " + "; ".join(problems))
        return self


def _is_origin(value: str) -> bool:
    parts = urlsplit(value)
    return (
        parts.scheme in ("http", "https")
        and bool(parts.hostname)
        and value == f"{parts.scheme}://{parts.netloc}"
        and value == value.lower()
        and "@" not in parts.netloc
    )
