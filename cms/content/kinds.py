"""Each content kind described once: what of it is edited, withheld, searched and derived, and what its
publication adds, as data and small functions instead of ``isinstance`` branches across the domain.

The descriptions are written by the kind modules (``cms.kinds.<kind>``) when they are imported, and the
service container imports every one of them; the code here and below it (versions, visibility, search
entries, the store) only reads them, so it never imports a kind. A fifth kind is one new module that
registers its :class:`Kind`, plus its GraphQL types.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from storage.documents import ContentDocument

D = TypeVar("D", bound=ContentDocument)

# (name, text, weight) of one searchable field; see cms.content.entries.field_texts.
FieldText = tuple[str, str, float]

# Fields every kind edits (cms.content.versions): the Dublin Core core and the disclosure decision.
COMMON_EDITABLE = (
    "title",
    "description",
    "language",
    "subjects",
    "effective",
    "expires",
    "involves_org_ids",
    "disclosure_mode",
    "non_disclosure_reason",
    "legal_basis",
)
# Withheld from every kind's restricted readers (cms.content.visibility): the reason and legal basis of
# a non-proactive mode are internal review records, and attachments' text is content.
REVIEW_RECORDS = ("non_disclosure_reason", "legal_basis", "attachment_text")


def _no_fields(item: ContentDocument) -> list[FieldText]:
    return []


def _nothing(item: ContentDocument) -> None:
    return None


def numbered_key(item: ContentDocument) -> str | None:
    """The public key of a kind numbered at first publication (``Kind.public_numbered``)."""
    return str(item.public_number) if item.public_number is not None else None


def year_published(item: ContentDocument) -> int | None:
    """The year an item was published (or created): what a kind without a year of its own is found by."""
    return int(item.sort_key[:4]) if item.sort_key[:4].isdigit() else None


@dataclass(frozen=True)
class Kind(Generic[D]):
    """One content kind.

    ``editable``: its own editable fields (after COMMON_EDITABLE), what a version stores.
    ``withheld``: what of it is content rather than catalog metadata (after REVIEW_RECORDS are added):
    never shown to a reader whose content is withheld, never indexed of a non-proactive item; a dotted
    name empties that field of every element of a list.
    ``search_fields``: its weighted search fields between description (2) and attachments (1).
    ``snippet_texts``: the texts a search hit's snippet is chosen from, when not its search fields.
    ``search_year``: the year its search entry is filtered by.
    ``derive``: derived fields beyond those every kind has, recomputed before each write (cheap: it runs
    on every stamp).
    ``on_publication``: what the last approval sets besides the workflow state.
    ``index_numbered``: whether publication assigns it an index number (索引号) first.
    ``public_key``: the stable key portals address a published item by (its canonical URL is built
    from it, cms.delivery); None before publication gives it one.
    ``public_numbered``: whether first publication draws it a public number (its key by default).
    ``unique_violation``: the error a duplicate-key write of it means (a content field unique among
    its kind, e.g. a gazette's number); None: a duplicate key is not the user's to fix.
    """

    cls: type[D]
    label: str
    editable: tuple[str, ...] = ()
    withheld: tuple[str, ...] = ()
    search_fields: Callable[[D], list[FieldText]] = _no_fields
    snippet_texts: Callable[[D], list[str]] | None = None
    search_year: Callable[[D], int | None] = year_published
    derive: Callable[[D], None] = _nothing
    on_publication: Callable[[D], None] = _nothing
    index_numbered: bool = False
    public_key: Callable[[D], str | None] = numbered_key
    public_numbered: bool = False
    unique_violation: Callable[[D], Exception] | None = None

    @property
    def name(self) -> str:
        """The stored class's name: the GraphQL type name and the ``type`` of its search entry."""
        return self.cls.__name__

    @property
    def all_editable(self) -> tuple[str, ...]:
        return (*COMMON_EDITABLE, *self.editable)

    @property
    def all_withheld(self) -> tuple[str, ...]:
        return (*self.withheld, *REVIEW_RECORDS)


KINDS: dict[type[ContentDocument], Kind[Any]] = {}


def register(kind: Kind[D]) -> Kind[D]:
    """Called once per kind module at import; registering a class again replaces its description."""
    KINDS[kind.cls] = kind
    return kind


def kind_of(item: ContentDocument) -> Kind[Any]:
    try:
        return KINDS[type(item)]
    except KeyError:
        raise LookupError(
            f"{type(item).__name__} is not a registered content kind (import cms.kinds)"
        ) from None


def label_of(type_name: str) -> str | None:
    """The Chinese name of a kind by its type name (search facets), None for an unknown one."""
    return next((k.label for k in KINDS.values() if k.name == type_name), None)


def type_labels() -> dict[str, str]:
    """Every registered kind's GraphQL type name and Chinese label, in registration order."""
    return {kind.name: kind.label for kind in KINDS.values()}
