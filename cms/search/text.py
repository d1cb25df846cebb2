"""Chinese full-text search, the pure part: index tokens and query terms (cms.search.ranking scores
and highlights with them).

MongoDB's text index does not segment Chinese and the embedded server has no text index at all, so the
search service stores :func:`tokens_for_index` in an array field with an ordinary (multikey) index,
finds documents whose tokens contain every one of :attr:`QueryTokens.terms` (AND semantics), ranks them
with :func:`score` over the small :func:`token_weights` map stored beside the tokens, and shows
:func:`highlight` snippets. No database code here.

The recall contract: every query term is a token the index holds for *any* text that contains the
query. So query terms are never jieba words (jieba segments the same characters differently in
different contexts); they are built only from context-free pieces that the index builds the same way:

- Chinese character bigrams of every run of Chinese characters (``政务公开`` → 政务, 务公, 公开);
- runs of ASCII letters and digits, at the granularity of their ``/ - . _ :`` separated parts
  (``000014349/2017-00110``, ``000014349/2017``, ``2017-00110``, ``2017`` …), plus "junctions" with
  the adjacent Chinese character (``2024年``, ``第3``, ``115号``);
- 发文字号 fragments: ``〔2013〕``, ``〔2013〕115`` and every suffix of the issuer prefix joined to the year
  (``云政办发〔2013〕``, ``政办发〔2013〕`` …), so ``云政办发〔2013〕`` and ``2013〕115号`` find
  ``云政办发〔2013〕115号``;
- the whole identifier, when a field *is* a 发文字号 or 索引号 (the ``document_number`` / ``index_number``
  fields): the token an exact query (:attr:`QueryTokens.exact`) equals.

jieba's search-mode words (with :data:`DEFAULT_USER_WORDS` as a custom dictionary) are indexed too and
boost the ranking of documents where the query is a whole word; the dictionary never affects recall.

Limits: a run of letters or digits in a query matches only whole parts (``2013`` does not find
``20130``); a query that is one Chinese character finds it only in fields weighing at least
:data:`UNIGRAM_MIN_WEIGHT` (title, summary), and single characters next to other terms are ignored;
a document's tokens are capped (:data:`MAX_INDEX_TOKENS`: the text past the cap in long bodies is not
searchable); adjacency of the bigrams is not checked (``政务公开`` also matches ``…政务…务公…公开…``,
rarely in practice), so a service that needs it verifies candidates against the text.
"""

from __future__ import annotations

import functools
import logging
import os
import re
import tempfile
import threading
import unicodedata
import warnings
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

from cms.errors import DomainError

with warnings.catch_warnings():
    # jieba 0.42.1's sources have invalid escape sequences: compiling them (no cached bytecode, e.g.
    # PYTHONDONTWRITEBYTECODE) warns, which is an error under ``-W error`` and pytest's settings.
    warnings.simplefilter("ignore", DeprecationWarning)
    warnings.simplefilter("ignore", SyntaxWarning)
    import jieba

__all__ = [
    "DEFAULT_USER_WORDS",
    "DEFAULT_WEIGHT",
    "MAX_INDEX_TOKENS",
    "EmptyQuery",
    "QueryTokens",
    "QueryTooLong",
    "SearchQueryError",
    "WeightedField",
    "initialize",
    "load_user_words",
    "normalize",
    "normalize_mapped",
    "query_tokens",
    "token_weights",
    "tokens_for_index",
]

# --------------------------------------------------------------------------------------------------
# Tunables
# --------------------------------------------------------------------------------------------------

MAX_INDEX_TOKENS = 3000
MAX_WEIGHTS = 256  # entries kept by token_weights
MAX_QUERY_TERMS = 32
DEFAULT_WEIGHT = 1.0  # what a token missing from the stored weights scores (body-only tokens)
UNIGRAM_MIN_WEIGHT = 2.0  # single characters are indexed only for fields at least this heavy
MAX_TOKEN_CHARS = 64
MAX_ALNUM_PARTS = 5  # sub-runs of letters/digits are indexed up to this many separated parts
MAX_PREFIX_CHARS = 8  # 发文字号 issuer prefixes: suffixes up to this length are indexed
MIN_WORD_CHARS = 3  # shorter jieba words are already bigrams
MAX_WORD_CHARS = 16
MAX_BOOST_WORDS = 8

# Agency names and policy terms jieba should keep whole. Data: extend with load_user_words().
DEFAULT_USER_WORDS: tuple[str, ...] = (
    "政务公开",
    "政府信息公开",
    "主动公开",
    "依申请公开",
    "不予公开",
    "政策解读",
    "新闻发布会",
    "在线访谈",
    "政府公报",
    "公开目录",
    "索引号",
    "发文字号",
    "行政规范性文件",
    "征求意见",
    "年度报告",
    "放管服",
    "一网通办",
    "一部手机办事通",
    "营商环境",
    "数字政府",
    "乡村振兴",
    "高原湖泊",
    "云南省人民政府",
    "云南省人民政府办公厅",
    "昆明市人民政府",
    "大理白族自治州人民政府",
)

# Function words that are never indexed (or searched for) on their own; bigrams containing them are.
STOPWORDS = frozenset("的了和与及或等在是对为于之其把被将从向以而并也就都又由这那有个各者所")

# --------------------------------------------------------------------------------------------------
# Errors
# --------------------------------------------------------------------------------------------------


class SearchQueryError(DomainError, ValueError):
    code: ClassVar[str] = "SEARCH_QUERY_INVALID"
    default_message: ClassVar[str] = "检索词无效。"


class EmptyQuery(SearchQueryError):
    code = "SEARCH_QUERY_EMPTY"
    default_message = "请输入检索词。"


class QueryTooLong(SearchQueryError):
    code = "SEARCH_QUERY_TOO_LONG"
    default_message = "检索词过长。"


# --------------------------------------------------------------------------------------------------
# jieba: initialised once, quietly, with its cache outside the repository
# --------------------------------------------------------------------------------------------------

_init_lock = threading.Lock()
_initialized = False


def _cache_dir() -> str:
    """Where jieba keeps its prefix-dictionary cache (about 9 MB; cuts later start-ups).

    ``GONGKAI_JIEBA_CACHE_DIR``, else ``$XDG_CACHE_HOME/gongkai/jieba`` or ``~/.cache/gongkai/jieba``; a
    private directory rather than jieba's default of the shared system temp directory.
    """
    configured = os.environ.get("GONGKAI_JIEBA_CACHE_DIR")
    try:
        if configured:
            path = Path(configured)
        else:
            base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
            path = Path(base) / "gongkai" / "jieba"
        path.mkdir(parents=True, exist_ok=True, mode=0o700)
        return str(path)
    except (OSError, RuntimeError):
        return tempfile.mkdtemp(prefix="gongkai-jieba-")


def initialize() -> None:
    """Load jieba's dictionary and :data:`DEFAULT_USER_WORDS` once (about 1-3 s; call it at start-up).

    Every function here that needs jieba calls this; later calls return at once.
    """
    global _initialized
    if _initialized:
        return
    with _init_lock:
        if _initialized:
            return
        jieba.setLogLevel(logging.WARNING)
        jieba.dt.tmp_dir = _cache_dir()
        jieba.initialize()
        _add_words(DEFAULT_USER_WORDS)
        _initialized = True


def _add_words(words: Iterable[str]) -> int:
    added = 0
    for raw in words:
        word = normalize(raw).strip()
        if 2 <= len(word) <= MAX_WORD_CHARS and not any(ch.isspace() for ch in word):
            jieba.add_word(word)
            added += 1
    return added


def load_user_words(words: Iterable[str]) -> int:
    """Add words (agency names, policy terms) to jieba's dictionary; returns how many were added.

    Affects the word tokens of documents indexed afterwards and ranking, never which documents a
    query finds.
    """
    initialize()
    with _init_lock:
        added = _add_words(words)
    _field_tokens.cache_clear()
    return added


# --------------------------------------------------------------------------------------------------
# Normalisation
# --------------------------------------------------------------------------------------------------

_CJK_CHARS = "\u3007\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f"
_CJK = re.compile(f"[{_CJK_CHARS}]")
_SEPARATORS = "/\\-._:"
# A run of Chinese characters, or of letters/digits with single separators between the parts.
_RUN = re.compile(f"(?P<cjk>[{_CJK_CHARS}]+)|(?P<alnum>[0-9a-z]+(?:[{_SEPARATORS}][0-9a-z]+)*)")
_PART = re.compile("[0-9a-z]+")
# Brackets around the year of a 发文字号, after NFKC (［ → [, （ → (, ﹝ → 〔).
_YEAR_BRACKETS = re.compile(r"[\[【(〔〖]\s*([0-9]{4})\s*[\]】)〕〗]")


@functools.lru_cache(maxsize=4096)
def _fold(ch: str) -> str:
    return unicodedata.normalize("NFKC", ch).lower()


class _FoldTable(dict[int, str]):
    """``str.translate`` table of ``_fold``, filled as characters are met (a few thousand at most)."""

    def __missing__(self, code: int) -> str:
        folded = _fold(chr(code))
        self[code] = folded
        return folded


_FOLD_TABLE = _FoldTable()


def _fold_each(text: str) -> tuple[str, list[int]]:
    chars: list[str] = []
    where: list[int] = []
    for i, ch in enumerate(text):
        f = _fold(ch)
        chars.append(f)
        where.extend([i] * len(f))
    return "".join(chars), where


def _folded(text: str) -> tuple[str, list[int]]:
    """What ``_fold_each`` gives, faster: ASCII lowered at once; other text in one ``str.translate``
    pass. NFKC never folds a character to nothing (checked over every code point), so an unchanged
    length means each character folded to exactly one and the map is the identity; otherwise (…, ①,
    ㈱ fold to several) character by character."""
    if text.isascii():
        return text.lower(), list(range(len(text)))
    folded = text.translate(_FOLD_TABLE)
    if len(folded) == len(text):
        return folded, list(range(len(text)))
    return _fold_each(text)


def normalize_mapped(text: str) -> tuple[str, list[int]]:
    """The normalized text and, per normalized character, the index of the original character."""
    folded, where = _folded(text)
    if "(" not in folded and "[" not in folded and not any(b in folded for b in "【〔〖"):
        return folded, where
    out: list[str] = []
    out_where: list[int] = []
    last = 0
    for m in _YEAR_BRACKETS.finditer(folded):
        out.append(folded[last : m.start()])
        out_where.extend(where[last : m.start()])
        out.append(f"〔{m.group(1)}〕")
        out_where.append(where[m.start()])
        out_where.extend(where[m.start(1) : m.end(1)])
        out_where.append(where[m.end() - 1])
        last = m.end()
    out.append(folded[last:])
    out_where.extend(where[last:])
    return "".join(out), out_where


def normalize(text: str) -> str:
    """NFKC (per character: full-width → half-width), lower case, and the brackets around a 发文字号's
    year unified to 〔〕: ``云政办发[2013]115号``, ``云政办发（2013）115号`` → ``云政办发〔2013〕115号``."""
    return normalize_mapped(text)[0]


# --------------------------------------------------------------------------------------------------
# Identifiers: 发文字号 and 索引号
# --------------------------------------------------------------------------------------------------

_DOC_NUMBER = re.compile(f"[{_CJK_CHARS}]{{1,30}}〔[0-9]{{4}}〕[0-9]{{1,6}}号")
_ORDER_NUMBER = re.compile(f"[{_CJK_CHARS}]{{2,30}}第[0-9]{{1,6}}号")  # 云南省人民政府令第228号
_INDEX_NUMBER = re.compile(
    r"(?=[^/-]*[0-9])[0-9a-z]{6,32}(?:[/-][0-9a-z]{1,32}){2,5}"
)  # code/period-sequence
# 发文字号 fragment in text: up to 8 prefix characters, the bracketed year, the number.
_DOC_FRAGMENT = re.compile(
    f"([{_CJK_CHARS}]{{0,{MAX_PREFIX_CHARS}}})〔([0-9]{{4}})〕(?:([0-9]{{1,6}})(?![0-9]))?"
)
# The same in a query, which may carry a longer prefix and the closing 号.
_QUERY_FRAGMENT = re.compile(f"([{_CJK_CHARS}]*)〔([0-9]{{4}})〕(?:([0-9]{{1,6}})(?![0-9])(号)?)?")
_WHITESPACE = re.compile(r"\s+")


def _identifier(normalized: str) -> str | None:
    """The text as one identifier (whitespace removed) if all of it is a 发文字号 or 索引号."""
    if len(normalized) > 128:
        return None
    compact = _WHITESPACE.sub("", normalized)
    for pattern in (_DOC_NUMBER, _ORDER_NUMBER, _INDEX_NUMBER):
        if pattern.fullmatch(compact):
            return compact
    return None


def _fragment_tokens(normalized: str) -> list[str]:
    tokens: list[str] = []
    for m in _DOC_FRAGMENT.finditer(normalized):
        prefix, year, number = m.group(1), m.group(2), m.group(3)
        bracket = f"〔{year}〕"
        tokens.append(bracket)
        tokens.extend(prefix[i:] + bracket for i in range(len(prefix) - 1, -1, -1))
        if number:
            tokens.append(bracket + number)
    return tokens


# --------------------------------------------------------------------------------------------------
# Index tokens
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class WeightedField:
    """One searchable field of a document, e.g. title 5.0, document_number 8.0, summary 2.0, body 1.0."""

    name: str
    text: str
    weight: float

    def __post_init__(self) -> None:
        if not self.weight > 0:
            raise ValueError(f"field {self.name!r}: weight must be positive")


def _alnum_tokens(run: str) -> list[str]:
    """Every sub-run of up to MAX_ALNUM_PARTS whole parts: a/b-c → a, a/b, a/b-c, b, b-c, c."""
    parts = [(m.start(), m.end()) for m in _PART.finditer(run)]
    out: list[str] = []
    for i in range(len(parts)):
        for j in range(i, min(len(parts), i + MAX_ALNUM_PARTS)):
            out.append(run[parts[i][0] : parts[j][1]])
    return out


def _junctions(normalized: str, runs: Sequence[re.Match[str]], k: int) -> tuple[str | None, str | None]:
    """The alnum run k joined to the Chinese character right before / right after it."""
    run = runs[k].group()
    before = after = None
    if k > 0 and runs[k - 1].lastgroup == "cjk" and runs[k - 1].end() == runs[k].start():
        before = normalized[runs[k].start() - 1] + _PART.findall(run)[0]
    if k + 1 < len(runs) and runs[k + 1].lastgroup == "cjk" and runs[k + 1].start() == runs[k].end():
        after = _PART.findall(run)[-1] + normalized[runs[k].end()]
    return before, after


@functools.lru_cache(maxsize=32)
def _field_tokens(text: str, unigrams: bool) -> tuple[str, ...]:
    """One field's tokens, identifiers first, then in text order (de-duplicated, not capped)."""
    initialize()
    normalized = normalize_mapped(text)[0]
    head: list[str] = []
    exact = _identifier(normalized)
    if exact is not None:
        head.append(exact)
    head.extend(_fragment_tokens(normalized))

    positioned: list[tuple[int, str]] = []
    singles: list[str] = []
    runs = list(_RUN.finditer(normalized))
    for k, m in enumerate(runs):
        run, start = m.group(), m.start()
        if m.lastgroup == "cjk":
            positioned.extend((start + i, run[i : i + 2]) for i in range(len(run) - 1))
            if unigrams:
                singles.extend(ch for ch in run if ch not in STOPWORDS)
        else:
            before, after = _junctions(normalized, runs, k)
            if before:
                positioned.append((start, before))
            positioned.extend((start, token) for token in _alnum_tokens(run))
            if after:
                positioned.append((m.end() - 1, after))
    for word, start, _end in jieba.tokenize(normalized, mode="search"):
        if MIN_WORD_CHARS <= len(word) <= MAX_WORD_CHARS and _all_cjk(word):
            positioned.append((start, word))
    positioned.sort(key=lambda p: p[0])
    ordered = [*head, *(t for _, t in positioned), *singles]
    return tuple(t for t in dict.fromkeys(ordered) if len(t) <= MAX_TOKEN_CHARS)


def _all_cjk(word: str) -> bool:
    return all(_CJK.fullmatch(ch) for ch in word)


def _by_weight(fields: Sequence[WeightedField]) -> list[WeightedField]:
    return sorted(fields, key=lambda f: -f.weight)  # stable: equal weights keep the caller's order


def tokens_for_index(fields: Sequence[WeightedField], *, max_tokens: int = MAX_INDEX_TOKENS) -> list[str]:
    """The de-duplicated tokens to store in the document's multikey-indexed token field.

    Fields are taken heaviest first (identifier and title tokens survive the cap), each field's
    tokens in text order, so a long body loses its tail.
    """
    out: dict[str, None] = {}
    for f in _by_weight(fields):
        for token in _field_tokens(f.text, f.weight >= UNIGRAM_MIN_WEIGHT):
            out.setdefault(token)
            if len(out) >= max_tokens:
                return list(out)
    return list(out)


def token_weights(fields: Sequence[WeightedField], *, max_entries: int = MAX_WEIGHTS) -> dict[str, float]:
    """Per token, the weight of the heaviest field it occurs in, for :func:`score`.

    Bounded: tokens weighing no more than :data:`DEFAULT_WEIGHT` (body-only ones) are left out, since
    :func:`score` counts a missing token as DEFAULT_WEIGHT; of the rest the heaviest ``max_entries``
    are kept. Store it as a small sub-document or as two parallel lists.
    """
    best: dict[str, float] = {}
    for f in _by_weight(fields):
        if f.weight <= DEFAULT_WEIGHT:
            continue
        for token in _field_tokens(f.text, f.weight >= UNIGRAM_MIN_WEIGHT):
            best.setdefault(token, f.weight)  # heaviest field first: the first weight is the best
            if len(best) >= max_entries:
                return best
    return best


# --------------------------------------------------------------------------------------------------
# Queries
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class QueryTokens:
    """A parsed query.

    ``exact``: the normalized identifier when the whole query is a 发文字号 or 索引号; it equals the
    token :func:`tokens_for_index` stores for a field that is exactly that identifier.
    ``terms``: tokens every matching document holds (AND). ``boost``: jieba words of the query, which
    only raise the score. ``phrases``: normalized pieces of the query, for :func:`highlight`.
    """

    exact: str | None
    terms: list[str]
    boost: tuple[str, ...] = ()
    phrases: tuple[str, ...] = ()


def _complete_brackets(q: str) -> str:
    """``2013〕115号`` → ``〔2013〕115号``, ``云政办发〔2013`` → ``云政办发〔2013〕``; no spaces around 〔〕."""
    q = re.sub(r"\s*([〔〕])\s*", r"\1", q)
    q = re.sub(r"(?<![〔0-9])([0-9]{4})〕", r"〔\1〕", q)
    return re.sub(r"〔([0-9]{4})(?![〕0-9])", r"〔\1〕", q)


def _bigrams(run: str, *, thin: bool = False) -> list[str]:
    grams = [run[i : i + 2] for i in range(len(run) - 1)]
    if thin and len(grams) > 2:
        # every other bigram still covers every character (and keeps recall)
        kept = grams[::2]
        if kept[-1] != grams[-1]:
            kept.append(grams[-1])
        return kept
    return grams


def query_tokens(query: str, *, max_length: int = 100) -> QueryTokens:
    """Turn what a user typed into :class:`QueryTokens`.

    Raises :class:`EmptyQuery` (``SEARCH_QUERY_EMPTY``) for nothing searchable (blank, punctuation or
    only function words) and :class:`QueryTooLong` (``SEARCH_QUERY_TOO_LONG``) beyond ``max_length``
    characters.
    """
    if len(query) > 4 * max_length + 64:  # before any work on a huge input
        raise QueryTooLong(f"检索词不能超过 {max_length} 个字。", max_length=max_length)
    normalized = _WHITESPACE.sub(" ", normalize(query)).strip()
    if len(normalized) > max_length:
        raise QueryTooLong(f"检索词不能超过 {max_length} 个字。", max_length=max_length)
    if not _RUN.search(normalized):
        raise EmptyQuery()
    exact = _identifier(normalized)
    canon = _complete_brackets(normalized)

    head: list[str] = []  # identifier terms
    phrases: list[str] = [exact] if exact else []
    rest = list(canon)
    for m in _QUERY_FRAGMENT.finditer(canon):
        prefix, year, number, hao = m.groups()
        bracket = f"〔{year}〕"
        kept = prefix[-MAX_PREFIX_CHARS:]
        if kept:
            head.append(kept + bracket)
        if number:
            head.append(bracket + number)
            if hao:
                head.append(number + "号")
        if not kept and not number:
            head.append(bracket)
        phrases.append(m.group()[len(prefix) - len(kept) :])
        for i in range(m.end(1) - len(kept), m.end()):
            rest[i] = " "  # covered by the fragment terms
    remainder = "".join(rest)

    runs = list(_RUN.finditer(remainder))
    cjk_runs: list[str] = []
    alnum_terms: list[str] = []
    singles: list[str] = []
    for k, m in enumerate(runs):
        run = m.group()
        if k > 0 and runs[k - 1].end() == m.start():
            phrases[-1] += run  # adjacent runs form one phrase: 2024年第3期
        else:
            phrases.append(run)
        if m.lastgroup == "cjk":
            if len(run) >= 2:
                cjk_runs.append(run)
            elif not _next_to_alnum(runs, k):
                singles.append(run)
            continue
        before, after = _junctions(remainder, runs, k)
        parts = _PART.findall(run)
        if len(parts) > 1 or not (before or after):
            if len(parts) <= MAX_ALNUM_PARTS:
                alnum_terms.append(run)
            else:
                alnum_terms.extend(_alnum_windows(run))
        alnum_terms.extend(t for t in (before, after) if t)

    def assemble(thin: bool) -> list[str]:
        grams = [g for run in cjk_runs for g in _bigrams(run, thin=thin)]
        return [t for t in dict.fromkeys([*head, *alnum_terms, *grams]) if len(t) <= MAX_TOKEN_CHARS]

    terms = assemble(thin=False)
    if len(terms) > MAX_QUERY_TERMS:
        terms = assemble(thin=True)[:MAX_QUERY_TERMS]
    if not terms:
        terms = [ch for ch in dict.fromkeys(singles) if ch not in STOPWORDS]
        if not terms:
            raise EmptyQuery("检索词过于宽泛，请输入更具体的词语。")

    return QueryTokens(
        exact=exact,
        terms=terms,
        boost=_boost_words(cjk_runs),
        phrases=tuple(dict.fromkeys(p for p in phrases if len(p) > 1 or p in terms)),
    )


def _next_to_alnum(runs: Sequence[re.Match[str]], k: int) -> bool:
    return (k > 0 and runs[k - 1].end() == runs[k].start()) or (
        k + 1 < len(runs) and runs[k + 1].start() == runs[k].end()
    )


def _alnum_windows(run: str) -> list[str]:
    parts = [(m.start(), m.end()) for m in _PART.finditer(run)]
    return [
        run[parts[i][0] : parts[i + MAX_ALNUM_PARTS - 1][1]] for i in range(len(parts) - MAX_ALNUM_PARTS + 1)
    ]


def _boost_words(cjk_runs: Sequence[str]) -> tuple[str, ...]:
    if not any(len(run) >= MIN_WORD_CHARS for run in cjk_runs):
        return ()
    initialize()
    words = (
        w
        for run in cjk_runs
        for w in jieba.cut_for_search(run)
        if MIN_WORD_CHARS <= len(w) <= MAX_WORD_CHARS and _all_cjk(w)
    )
    return tuple(dict.fromkeys(words))[:MAX_BOOST_WORDS]
