"""Administration of the catalog vocabularies (主题分类, 体裁), shared by every organization."""

from __future__ import annotations

import strawberry

from cms.admin.vocabularies import Vocabulary
from schema import types as t
from schema.context import Info
from schema.staff import principal

strawberry.enum(Vocabulary, name="Vocabulary", description="受控词表")

MAX_VALUE = 200


@strawberry.input(description="新增词表中的词")
class VocabularyTermInput:
    vocabulary: Vocabulary
    label: str
    parent: str | None = strawberry.field(
        default=None, description="主题分类的二级分类：所属一级分类的值；一级分类和体裁不填"
    )


@strawberry.type
class VocabularyMutation:
    @strawberry.mutation(
        description="新增主题分类或体裁（需词表管理权限）；排在同级最后。"
        "词的值（内容中保存的）由名称生成，之后不再改变"
    )
    async def add_vocabulary_term(self, info: Info, input: VocabularyTermInput) -> t.VocabularyTerm:
        term = await info.context.services.admin.add_term(
            principal(info),
            input.vocabulary,
            input.label,
            input.parent[:MAX_VALUE] if input.parent is not None else None,
        )
        return term  # type: ignore[return-value]

    @strawberry.mutation(
        description="修改词的显示名称（需词表管理权限）；内容中保存的值不变，已发布内容不受影响"
    )
    async def relabel_vocabulary_term(
        self, info: Info, vocabulary: Vocabulary, value: str, label: str
    ) -> t.VocabularyTerm:
        term = await info.context.services.admin.relabel_term(
            principal(info), vocabulary, value[:MAX_VALUE], label
        )
        return term  # type: ignore[return-value]

    @strawberry.mutation(
        description="调整同一级词的顺序（需词表管理权限）：按新顺序列出该级全部词的值；"
        "parent 为空时是一级分类（或体裁），否则是该一级分类下的二级分类。返回整个词表"
    )
    async def reorder_vocabulary_terms(
        self, info: Info, vocabulary: Vocabulary, values: list[str], parent: str | None = None
    ) -> list[t.VocabularyTerm]:
        terms = await info.context.services.admin.reorder_terms(
            principal(info), vocabulary, parent[:MAX_VALUE] if parent is not None else None, values
        )
        return terms  # type: ignore[return-value]

    @strawberry.mutation(
        description="删除词表中的词（需词表管理权限）；已有内容（含草稿）使用的词和还有二级分类的一级分类不能删除"
    )
    async def remove_vocabulary_term(self, info: Info, vocabulary: Vocabulary, value: str) -> bool:
        await info.context.services.admin.remove_term(principal(info), vocabulary, value[:MAX_VALUE])
        return True
