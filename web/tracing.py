"""OpenTelemetry tracing for Starlette and PyMongo, only when ``GONGKAI_TRACING=true``.

The packages are the optional ``tracing`` extra (``uv sync --extra tracing``): the OTLP exporter
brings protobuf and requests, which a deployment without a collector does not need. Spans go where
the standard ``OTEL_EXPORTER_OTLP_*`` variables say (default ``http://localhost:4318``), named by
``OTEL_SERVICE_NAME`` (default ``gongkai``). A process that already set up an OpenTelemetry SDK (for
instance under ``opentelemetry-instrument``) keeps its own tracer provider.
"""

from __future__ import annotations

import os
from typing import Any

from starlette.applications import Starlette


class TracingUnavailable(ImportError):
    """Tracing was turned on, but the ``tracing`` extra is not installed; the message says so (an
    ImportError, so that ``gongkai serve`` catches it without importing this module)."""


def instrument(app: Starlette) -> None:
    """Spans for every request of ``app`` and every MongoDB command of clients created from now on
    (the service container creates its client at start-up, after this)."""
    try:
        from opentelemetry.instrumentation.pymongo import PymongoInstrumentor
        from opentelemetry.instrumentation.starlette import StarletteInstrumentor
    except ImportError as exc:
        raise TracingUnavailable(
            "GONGKAI_TRACING=true needs the OpenTelemetry packages: install the 'tracing' extra "
            "(uv sync --extra tracing)"
        ) from exc
    provider = _provider()
    StarletteInstrumentor.instrument_app(app, tracer_provider=provider)
    instrumentor = PymongoInstrumentor()
    if not instrumentor.is_instrumented_by_opentelemetry:
        instrumentor.instrument(tracer_provider=provider)


def _provider() -> Any:
    from opentelemetry import trace
    from opentelemetry.sdk.trace import TracerProvider

    current = trace.get_tracer_provider()
    if isinstance(current, TracerProvider):
        return current  # already set up by the process (or a test)
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace.export import BatchSpanProcessor

    name = os.environ.get("OTEL_SERVICE_NAME") or "gongkai"
    provider = TracerProvider(resource=Resource.create({"service.name": name}))
    provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
    trace.set_tracer_provider(provider)
    return provider
