"""Controlled vocabularies (主题分类, 体裁) are data, seeded with the common national lists."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from beanie import SortDirection

from cms.errors import InvalidInput
from cms.vocabulary_data import GENRES, TOPICS, topic_path
from storage.documents import VocabularyTerm

TOPIC = "topic"
GENRE = "genre"


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
        await self.reload()
        if added:
            for hook in self.changed_hooks:
                await hook()
        return added

    async def terms(self, vocabulary: str) -> list[VocabularyTerm]:
        return (
            await VocabularyTerm.find({"vocabulary": vocabulary})
            .sort([("sort_order", SortDirection.ASCENDING)])
            .to_list()
        )

    def check(self, vocabulary: str, value: str | None, field: str) -> None:
        if value is not None and value not in self._values.get(vocabulary, set()):
            raise InvalidInput(f"“{value}”不在受控词表中。", field=field)
