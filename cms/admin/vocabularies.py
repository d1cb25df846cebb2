"""Controlled vocabularies (主题分类, 体裁) are data, seeded with the common national lists and kept
by administrators (see docs/adr/0005-vocabulary-administration.md).

A term's ``value`` is what content stores and filters on, so it never changes once added; people see
the ``label``, which may change. A term that content uses cannot be removed. Topics have two levels,
kept in one flat order (each top-level topic followed by its subtopics) by ``sort_order``.
"""

from __future__ import annotations

import enum
from collections.abc import Awaitable, Callable, Sequence

from beanie import SortDirection
from pymongo import UpdateOne
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.errors import DuplicateKeyError

from cms.admin.vocabulary_data import GENRES, TOPIC_SEPARATOR, TOPICS, topic_path
from cms.errors import (
    InvalidInput,
    NotFound,
    VocabularyTermExists,
    VocabularyTermHasChildren,
    VocabularyTermInUse,
)
from storage.documents import CatalogEntry, VocabularyTerm

TOPIC = "topic"
GENRE = "genre"
MAX_LABEL = 50
MAX_TERMS = 1000  # per vocabulary


class Vocabulary(enum.StrEnum):
    TOPIC = "topic"  # 主题分类
    GENRE = "genre"  # 体裁


class VocabularyService:
    def __init__(self) -> None:
        self._values: dict[str, set[str]] = {}
        # Called after terms were added or changed (public caches listen here).
        self.changed_hooks: list[Callable[[], Awaitable[None]]] = []

    async def reload(self) -> None:
        values: dict[str, set[str]] = {}
        for term in await VocabularyTerm.find_all().to_list():
            values.setdefault(term.vocabulary, set()).add(term.value)
        self._values = values

    async def seed(self) -> int:
        """Insert the national lists when a vocabulary is empty; returns how many terms were added."""
        added = 0
        if not await VocabularyTerm.find_one({"vocabulary": TOPIC}):
            terms: list[VocabularyTerm] = []
            for order, (top, subs) in enumerate(TOPICS):
                terms.append(VocabularyTerm(vocabulary=TOPIC, value=top, label=top, sort_order=order * 100))
                terms.extend(
                    VocabularyTerm(
                        vocabulary=TOPIC,
                        value=topic_path(top, sub),
                        label=sub,
                        parent=top,
                        sort_order=order * 100 + i + 1,
                    )
                    for i, sub in enumerate(subs)
                )
            await VocabularyTerm.insert_many(terms)
            added += len(terms)
        if not await VocabularyTerm.find_one({"vocabulary": GENRE}):
            genres = [
                VocabularyTerm(vocabulary=GENRE, value=g, label=g, sort_order=i) for i, g in enumerate(GENRES)
            ]
            await VocabularyTerm.insert_many(genres)
            added += len(genres)
        if added:
            await self.changed()
        else:
            await self.reload()
        return added

    async def changed(self) -> None:
        """After a committed change: reload the values content is checked against, then tell the
        public caches (whose answers include the vocabularies)."""
        await self.reload()
        for hook in self.changed_hooks:
            await hook()

    async def terms(self, vocabulary: str) -> list[VocabularyTerm]:
        return (
            await VocabularyTerm.find({"vocabulary": vocabulary})
            .sort([("sort_order", SortDirection.ASCENDING)])
            .to_list()
        )

    def values(self, vocabulary: str) -> frozenset[str]:
        """The stored values content is checked against (an import checks many rows with them)."""
        return frozenset(self._values.get(vocabulary, set()))

    def check(self, vocabulary: str, value: str | None, field: str) -> None:
        if value is not None and value not in self._values.get(vocabulary, set()):
            raise InvalidInput(f"“{value}”不在受控词表中。", field=field)

    # -- administration (the caller has checked the permission) ---------------------------------

    async def add(
        self, vocabulary: Vocabulary, label: str, parent: str | None, *, session: AsyncClientSession
    ) -> VocabularyTerm:
        """A new term, last among its siblings. A subtopic's value is ``parent\\label``."""
        label = _label(label)
        if parent is not None and vocabulary is not Vocabulary.TOPIC:
            raise InvalidInput("体裁没有上级分类。", field="parent")
        if parent is not None:
            above = await self._get(vocabulary, parent, session, field="parent")
            if above.parent is not None:
                raise InvalidInput("主题分类只有两级，只能在一级分类下添加。", field="parent")
        value = topic_path(parent, label) if parent is not None else label
        terms = await self._all(vocabulary, session)
        if len(terms) >= MAX_TERMS:
            raise InvalidInput(f"一个词表最多 {MAX_TERMS} 个词。", field="label")
        if any(t.value == value for t in terms) or _label_taken(terms, parent, label, None):
            raise VocabularyTermExists(f"词表中已有“{label}”。", field="label")
        term = VocabularyTerm(
            vocabulary=vocabulary.value,
            value=value,
            label=label,
            parent=parent,
            sort_order=max((t.sort_order for t in terms), default=0) + 1,
        )
        try:
            await term.insert(session=session)
        except DuplicateKeyError as exc:  # added at the same moment by someone else
            raise VocabularyTermExists(f"词表中已有“{label}”。", field="label") from exc
        await self._renumber(vocabulary, [*terms, term], session)
        return term

    async def relabel(
        self, vocabulary: Vocabulary, value: str, label: str, *, session: AsyncClientSession
    ) -> VocabularyTerm:
        """What people see changes; what content stores (the value) does not."""
        label = _label(label)
        term = await self._get(vocabulary, value, session)
        terms = await self._all(vocabulary, session)
        if _label_taken(terms, term.parent, label, term.value):
            raise VocabularyTermExists(f"同一级已有“{label}”。", field="label")
        await VocabularyTerm.get_pymongo_collection().update_one(
            {"_id": term.id}, {"$set": {"label": label}}, session=session
        )
        term.label = label
        return term

    async def reorder(
        self,
        vocabulary: Vocabulary,
        parent: str | None,
        values: Sequence[str],
        *,
        session: AsyncClientSession,
    ) -> list[VocabularyTerm]:
        """Put the terms of one level (the top level, or one topic's subtopics) in the order given."""
        terms = await self._all(vocabulary, session)
        siblings = [t for t in terms if t.parent == parent]
        if parent is not None and not any(t.value == parent for t in terms):
            raise NotFound("词表中没有该上级分类。", field="parent")
        if len(values) != len(set(values)) or set(values) != {t.value for t in siblings}:
            raise InvalidInput("请按新顺序列出这一级的全部词，每个词一次。", field="values")
        position = {value: i for i, value in enumerate(values)}
        rest = [t for t in terms if t.parent != parent]
        ordered = [*sorted(siblings, key=lambda t: position[t.value]), *rest]
        return await self._renumber(vocabulary, ordered, session, keep_given_order=True)

    async def remove(self, vocabulary: Vocabulary, value: str, *, session: AsyncClientSession) -> None:
        """Only a term nothing uses: published records must not lose their classification."""
        term = await self._get(vocabulary, value, session)
        terms = await self._all(vocabulary, session)
        if any(t.parent == term.value for t in terms):
            raise VocabularyTermHasChildren(field="value")
        field = "topic_path" if vocabulary is Vocabulary.TOPIC else "genre"
        used = await CatalogEntry.get_pymongo_collection().count_documents({field: value}, session=session)
        if used:
            raise VocabularyTermInUse(
                f"已有 {used} 条公开目录条目（含草稿和工作副本）使用“{term.label}”，不能删除；"
                "可以修改显示名称或调整顺序。",
                field="value",
            )
        await VocabularyTerm.get_pymongo_collection().delete_one({"_id": term.id}, session=session)

    async def _get(
        self, vocabulary: Vocabulary, value: str, session: AsyncClientSession, *, field: str = "value"
    ) -> VocabularyTerm:
        term = await VocabularyTerm.find_one(
            {"vocabulary": vocabulary.value, "value": value}, session=session
        )
        if term is None:
            raise NotFound("词表中没有该词。", field=field)
        return term

    async def _all(self, vocabulary: Vocabulary, session: AsyncClientSession) -> list[VocabularyTerm]:
        return (
            await VocabularyTerm.find({"vocabulary": vocabulary.value}, session=session)
            .sort([("sort_order", SortDirection.ASCENDING)])
            .to_list()
        )

    async def _renumber(
        self,
        vocabulary: Vocabulary,
        terms: list[VocabularyTerm],
        session: AsyncClientSession,
        *,
        keep_given_order: bool = False,
    ) -> list[VocabularyTerm]:
        """One flat order: each top-level term followed by its children, siblings in their order."""
        if not keep_given_order:
            terms = sorted(terms, key=lambda t: t.sort_order)
        children: dict[str, list[VocabularyTerm]] = {}
        for term in terms:
            if term.parent is not None:
                children.setdefault(term.parent, []).append(term)
        ordered: list[VocabularyTerm] = []
        for top in (t for t in terms if t.parent is None):
            ordered.append(top)
            ordered.extend(children.pop(top.value, []))
        ordered.extend(t for rest in children.values() for t in rest)  # orphans, should there be any
        updates = []
        for i, term in enumerate(ordered):
            if term.sort_order != (i + 1) * 10:
                term.sort_order = (i + 1) * 10
                updates.append(UpdateOne({"_id": term.id}, {"$set": {"sort_order": term.sort_order}}))
        if updates:
            await VocabularyTerm.get_pymongo_collection().bulk_write(updates, session=session)
        return ordered


def _label(label: str) -> str:
    label = label.strip()
    if not label:
        raise InvalidInput("名称不能为空。", field="label")
    if len(label) > MAX_LABEL:
        raise InvalidInput(f"名称不超过 {MAX_LABEL} 字。", field="label")
    if TOPIC_SEPARATOR in label:
        raise InvalidInput(f"名称中不能有“{TOPIC_SEPARATOR}”。", field="label")
    return label


def _label_taken(
    terms: Sequence[VocabularyTerm], parent: str | None, label: str, other_than: str | None
) -> bool:
    return any(t.parent == parent and t.label == label and t.value != other_than for t in terms)
