"""Deterministic keyword search (BM25) over tool slugs, names and descriptions (§4.11).

The catalog's token statistics are computed once; inline custom tools sent with a request
are scored against the same statistics (their few documents barely move the IDF), so a
search with customs costs no more than one without.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Mapping

from ._catalog import ToolDef

__all__ = ["SearchIndex", "tokenize"]

_SPLIT = re.compile(r"[^a-z0-9]+")
_STOP = frozenset(
    [
        "a",
        "an",
        "and",
        "are",
        "as",
        "at",
        "be",
        "by",
        "for",
        "from",
        "i",
        "in",
        "into",
        "is",
        "it",
        "me",
        "my",
        "of",
        "on",
        "or",
        "our",
        "please",
        "the",
        "their",
        "this",
        "to",
        "up",
        "with",
        "you",
        "your",
        "all",
        "some",
        "any",
        "get",
        "use",
        "using",
        "can",
        "want",
        "need",
    ]
)
_K1, _B = 1.2, 0.75


def _stem(token: str) -> str:
    if len(token) > 4 and token.endswith("ies"):
        return token[:-3] + "y"
    if len(token) > 3 and token.endswith("s") and not token.endswith("ss"):
        return token[:-1]
    return token


def tokenize(text: str) -> list[str]:
    return [_stem(t) for t in _SPLIT.split(text.lower()) if t and t not in _STOP]


def _document(tool: ToolDef, toolkit_name: str) -> list[str]:
    # The toolkit appears twice so "gmail ..." strongly prefers gmail tools.
    text = " ".join(
        (
            tool.slug.replace("_", " "),
            tool.name,
            tool.description,
            tool.toolkit,
            toolkit_name,
            tool.toolkit,
        )
    )
    return tokenize(text)


class SearchIndex:
    def __init__(self, tools: Iterable[ToolDef], toolkit_names: Mapping[str, str]) -> None:
        self._names = dict(toolkit_names)
        self._docs: dict[str, Counter[str]] = {}
        self._lens: dict[str, int] = {}
        df: Counter[str] = Counter()
        for tool in tools:
            tokens = _document(tool, self._names.get(tool.toolkit, tool.toolkit))
            self._docs[tool.slug] = Counter(tokens)
            self._lens[tool.slug] = len(tokens)
            df.update(set(tokens))
        self._n = max(1, len(self._docs))
        self._avgdl = sum(self._lens.values()) / self._n if self._docs else 1.0
        self._idf = {t: self._idf_of(c) for t, c in df.items()}

    def _idf_of(self, df: int) -> float:
        return math.log(1 + (self._n - df + 0.5) / (df + 0.5))

    def _score(self, terms: list[str], doc: Counter[str], length: int) -> float:
        score = 0.0
        norm = _K1 * (1 - _B + _B * length / self._avgdl)
        for t in terms:
            tf = doc.get(t)
            if tf:
                score += self._idf.get(t, self._idf_of(0)) * tf * (_K1 + 1) / (tf + norm)
        return score

    def rank(
        self,
        query: str,
        allowed: Iterable[str],
        extra: Iterable[ToolDef] = (),
    ) -> list[tuple[float, str]]:
        """(score, slug) of matching tools, best first; ties broken by slug."""
        terms = list(dict.fromkeys(tokenize(query)))
        if not terms:
            return []
        hits = []
        for slug in allowed:
            doc = self._docs.get(slug)
            if doc is not None:
                s = self._score(terms, doc, self._lens[slug])
                if s > 0:
                    hits.append((s, slug))
        for tool in extra:
            tokens = _document(tool, self._names.get(tool.toolkit, tool.toolkit))
            s = self._score(terms, Counter(tokens), len(tokens))
            if s > 0:
                hits.append((s, tool.slug))
        hits.sort(key=lambda h: (-h[0], h[1]))
        return hits
