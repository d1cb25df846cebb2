"""Structured logs: one JSON object per line, each carrying the request it was written for.

``web.observe.Observe`` sets one context variable per request (``web.facts.REQUEST``: its
``RequestFacts``, the request id first); every record written meanwhile, by any logger, carries that id
(``request_id``). The access line of a request adds the route, the GraphQL operation, the user id,
the status, the outcome and the duration (successful response-cache hits have none by default: they
are counted in /metrics instead, see ``web.observe``).

Nothing secret may reach a line: the access line is built from fields chosen here (never a query
string, variables or headers), and every line is scrubbed once more at formatting time, message and
traceback alike: bearer tokens and JWTs, the signature and credential of presigned S3 URLs,
``password``/``secret``/``token`` values written as ``key=value`` or JSON, and the configured secrets
themselves (the signing key, the S3 secret, the demo password).
"""

from __future__ import annotations

import logging
import re
import sys
from datetime import UTC, datetime
from typing import Any

import orjson

from cms.settings import Settings
from web.facts import REQUEST

REDACTED = "[REDACTED]"
# One pass of one pattern per text (a line per request must stay cheap): each alternative names
# what it hides in its group, which is kept (``X-Amz-Signature=[REDACTED]``).
_PATTERN = re.compile(
    r"(?i)\b(?P<bearer>bearer)\s+[A-Za-z0-9._~+/=-]+"
    r"|\beyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*"  # a JWT
    r"|\b(?P<param>X-Amz-(?:Signature|Credential|Security-Token)|Signature|AWSAccessKeyId)=[^&\s\"']+"
    r"|\b(?P<key>password|passwd|secret|secret_key|token|access_key)(?P<sep>\"?\s*[:=]\s*\"?)[^\s\"',&}]+"
)
# Extra fields whose values web.observe builds from bounded, non-secret parts: not scanned.
_SAFE_FIELDS = frozenset(
    {"method", "route", "status", "duration_ms", "operation", "cache", "user", "outcome"}
)
# Attributes every LogRecord has: anything else came through ``extra=`` and goes into the line.
_STANDARD = frozenset(logging.makeLogRecord({}).__dict__) | {"message", "asctime", "taskName"}


_secrets: list[str] = []  # the literal secrets of this process, longest first (see keep_secret)


def keep_secret(*secrets: str) -> None:
    """Never write these (the app registers its signing key, the S3 secret of the services it uses
    — also the embedded ones' —, the metrics token and the demo password)."""
    found = set(_secrets) | {s for s in secrets if len(s) >= 6}
    _secrets[:] = sorted(found, key=len, reverse=True)


class Redactor:
    """Replaces secrets in text: fixed patterns plus the literal secrets this process holds."""

    def __call__(self, text: str) -> str:
        for secret in _secrets:
            if secret in text:
                text = text.replace(secret, REDACTED)
        return _PATTERN.sub(_keep_name, text)


def _keep_name(match: re.Match[str]) -> str:
    """``name=value`` → ``name=[REDACTED]`` (the name says what was there, which helps to debug)."""
    if match["bearer"]:
        return f"{match['bearer']} {REDACTED}"
    if match["param"]:
        return f"{match['param']}={REDACTED}"
    if match["key"]:
        return f"{match['key']}{match['sep']}{REDACTED}"
    return REDACTED


class JsonFormatter(logging.Formatter):
    def __init__(self, redact: Redactor) -> None:
        super().__init__()
        self.redact = redact

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": self.redact(record.getMessage()),
        }
        facts = REQUEST.get()
        if facts is not None:
            line["request_id"] = facts.request_id.decode("ascii")
        for key, value in record.__dict__.items():
            if key in _SAFE_FIELDS:
                line[key] = value
            elif key not in _STANDARD and not key.startswith("_"):
                line[key] = self.redact(value) if isinstance(value, str) else value
        if record.exc_info:
            line["exception"] = self.redact(self.formatException(record.exc_info))
        return orjson.dumps(line, default=str).decode()


class TextFormatter(logging.Formatter):
    """For a developer's terminal (``GONGKAI_LOG_FORMAT=text``): redacted too."""

    def __init__(self, redact: Redactor) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s: %(message)s")
        self.redact = redact

    def format(self, record: logging.LogRecord) -> str:
        return self.redact(super().format(record))


def keep_secrets_of(settings: Settings) -> None:
    keep_secret(
        settings.secret_key.get_secret_value(),
        settings.s3_secret_key.get_secret_value(),
        settings.metrics_token.get_secret_value(),
        settings.demo_password.get_secret_value(),
        settings.request_data_key.get_secret_value(),
        *(key.get_secret_value() for key in settings.request_data_previous_keys),
    )


def formatter_for(settings: Settings) -> logging.Formatter:
    return JsonFormatter(Redactor()) if settings.log_format == "json" else TextFormatter(Redactor())


def lean_records() -> None:
    """Records without the caller's file and line, thread, process names (the logging HOWTO's
    "Optimization": finding the caller was a quarter of an access line's cost)."""
    logging._srcfile = None
    logging.logThreads = False
    logging.logProcesses = False
    logging.logMultiprocessing = False


def configure_logging(settings: Settings) -> None:
    """The root logger writes to stderr in the configured format; uvicorn's loggers go through it
    (``log_config=None``), its access log is replaced by ours."""
    keep_secrets_of(settings)
    lean_records()
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(formatter_for(settings))
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(settings.log_level)
    logging.getLogger("casbin").setLevel(logging.WARNING)  # it logs the whole model at INFO on every load
