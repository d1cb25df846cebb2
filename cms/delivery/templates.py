"""Portal URL templates (setting ``GONGKAI_PORTAL_URL_TEMPLATES``): one per content type, e.g.
``{"CatalogEntry": "https://www.example.gov.cn/zwgk/{indexNumber}.html"}``. Checked when the settings
are read, so a typo stops the server at start-up instead of producing broken links. Standard library
only: cms.settings imports it."""

from __future__ import annotations

from string import Formatter
from urllib.parse import urlsplit

COMMON = frozenset({"publicKey", "id", "organization"})
# What each type's template may use besides COMMON: the fields its public key is made of.
PLACEHOLDERS: dict[str, frozenset[str]] = {
    "CatalogEntry": COMMON | {"indexNumber"},
    "GazetteIssue": COMMON | {"year", "number"},
    "Interpretation": COMMON,
    "Interview": COMMON,
}


def check_templates(templates: dict[str, str]) -> dict[str, str]:
    for type_name, template in templates.items():
        allowed = PLACEHOLDERS.get(type_name)
        if allowed is None:
            raise ValueError(f"portal_url_templates: unknown type {type_name!r} ({', '.join(PLACEHOLDERS)})")
        if urlsplit(template).scheme not in ("http", "https") or not urlsplit(template).netloc:
            raise ValueError(f"portal_url_templates[{type_name}]: not an http(s) URL: {template!r}")
        try:
            names = {name for _, name, spec, _ in Formatter().parse(template) if name is not None}
        except ValueError as exc:
            raise ValueError(f"portal_url_templates[{type_name}]: {exc}") from exc
        unknown = names - allowed
        if unknown or "" in names:
            raise ValueError(
                f"portal_url_templates[{type_name}]: unknown placeholder {sorted(unknown)!r}"
                f" (allowed: {', '.join(sorted(allowed))})"
            )
    return templates
