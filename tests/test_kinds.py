"""Each content kind is described once (cms.content.kinds), and every description names real fields."""

from __future__ import annotations

import pytest

import cms.services  # noqa: F401  (the container imports every kind module, which registers its kind)
from cms.content.kinds import KINDS, Kind, kind_of, label_of
from cms.content.versions import editable_fields
from cms.content.visibility import withheld_view
from storage.documents import CONTENT_TYPES, ContentDocument, GazetteArticle, GazetteIssue


class Unregistered(ContentDocument):
    """A stored content class no kind module describes."""


def test_every_stored_content_type_is_described_by_a_kind() -> None:
    # Given the content collections, when the kinds are looked up, then each has exactly one description
    assert {cls.__name__ for cls in KINDS} == set(CONTENT_TYPES)
    assert {kind.name for kind in KINDS.values()} == set(CONTENT_TYPES)


@pytest.mark.parametrize("kind", list(KINDS.values()), ids=lambda k: k.name)
def test_a_kinds_editable_and_withheld_fields_are_fields_of_its_stored_class(
    kind: Kind[ContentDocument],
) -> None:
    # Given a kind's description, when its field names are resolved on its stored class
    fields = kind.cls.model_fields
    # then every editable and every withheld field exists (a dotted name: on the list's elements)
    assert [f for f in kind.all_editable if f not in fields] == []
    heads = [name.partition(".")[0] for name in kind.all_withheld]
    assert [h for h in heads if h not in fields] == []
    assert len(set(kind.all_editable)) == len(kind.all_editable)


@pytest.mark.parametrize(
    ("type_name", "label"),
    [
        ("CatalogEntry", "公开目录"),
        ("GazetteIssue", "政府公报"),
        ("Interpretation", "政策解读"),
        ("Interview", "在线访谈"),
        ("Unknown", None),
    ],
    ids=["catalog", "gazette", "interpretation", "interview", "unknown"],
)
def test_a_kinds_label_is_found_by_its_type_name(type_name: str, label: str | None) -> None:
    assert label_of(type_name) == label


def test_an_unregistered_content_class_is_refused_by_name() -> None:
    # Given a content class no kind module registered, when its kind is asked for, then the error names it
    with pytest.raises(LookupError, match="Unregistered is not a registered content kind"):
        kind_of(Unregistered.model_construct())


def test_the_editable_fields_of_an_item_are_its_kinds() -> None:
    issue = GazetteIssue.model_construct()
    assert editable_fields(issue) == kind_of(issue).all_editable
    assert editable_fields(issue)[-5:] == ("year", "number", "total_number", "publication_date", "articles")


def test_a_withheld_gazette_keeps_its_articles_titles_and_loses_their_bodies() -> None:
    # Given an issue with an article, when its withheld view is taken
    issue = GazetteIssue.model_construct(
        articles=[GazetteArticle(order=0, title="通知", document_number="某政发〔2024〕1号", body="正文")],
        non_disclosure_reason="理由",
        legal_basis="依据",
        attachment_text="附件",
    )
    view = withheld_view(issue)
    # then the catalog metadata stays and the content and review records are emptied
    assert [(a.title, a.document_number, a.body) for a in view.articles] == [
        ("通知", "某政发〔2024〕1号", "")
    ]
    assert (view.non_disclosure_reason, view.legal_basis, view.attachment_text) == ("", "", "")
