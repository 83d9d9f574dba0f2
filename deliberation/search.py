"""Search in the hall that works in Chinese, with an index, on a city's requests.

Chinese is written without spaces, so a word-based full-text index sees 楼道漏水三天了 as one
token and a search for 漏水 finds nothing (PostgreSQL's parsers, Wagtail's database backend).
Each request therefore keeps ``search_grams``: the overlapping character pairs (bigrams) of its
title, description and place, plus each latin word or number whole, as one space-separated list
of terms. A query is cut the same way and every one of its terms must be there:

- 漏水 is the term 漏水; 楼道漏水 is 楼道, 道漏 and 漏水; a single character 漏 matches any term
  that starts with it (each run of Chinese keeps its last character alone, so 了 in 三天了 is
  found too);
- a latin word matches the words that start with it (``interc`` finds ``intercom``);
- punctuation, case and full-width forms do not matter (NFKC, lower case).

On PostgreSQL the terms are read directly as a ``tsvector`` (a cast, no parser, so no locale
decides what a Chinese character is), stored by the database in the generated column
``search_vector`` with a GIN index (migration ``0021_request_search_vector``), and results
are ranked by ``ts_rank`` after the matches in the title. On SQLite (the embedded default,
one community's thousands of requests) the same terms are matched with ``LIKE`` on the same
column. Why bigrams rather than a segmenter or trigrams:
``docs/decisions.md``.
"""

import re
import unicodedata

from django.db import connection
from django.db.models import BooleanField, Case, FloatField, Q, Value, When
from django.db.models.expressions import RawSQL

#: Chinese characters (with the compatibility and extension blocks), kana and hangul: cut in pairs.
_CJK = (
    r"\u2e80-\u2fff\u3040-\u30ff\u3100-\u312f\u31a0-\u31bf\u31f0-\u31ff\u3400-\u4dbf"
    r"\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff\U00020000-\U0003134f"
)
_RUNS = re.compile(rf"(?P<cjk>[{_CJK}]+)|(?P<word>[^\W_{_CJK}]+)")
#: A latin word longer than this is kept by its beginning (nobody types more to find it).
WORD_MAX = 32
#: A query is cut to this many terms: enough for any real phrase, bounded for the database.
QUERY_TERMS_MAX = 24


def _runs(text: str):
    for match in _RUNS.finditer(unicodedata.normalize("NFKC", text or "").lower()):
        yield ("cjk", match["cjk"]) if match["cjk"] else ("word", match["word"][:WORD_MAX])


def grams_of(*texts: str) -> str:
    """The terms a request is found by, space-separated, each once (the ``search_grams`` column).

    Padded with a space at each end so that ``LIKE '% term %'`` matches whole terms."""
    terms: dict[str, None] = {}
    for text in texts:
        for kind, run in _runs(text):
            if kind == "word":
                terms[run] = None
                continue
            for i in range(len(run) - 1):
                terms[run[i : i + 2]] = None
            terms[run[-1]] = None
    return f" {' '.join(terms)} " if terms else ""


def query_terms(q: str) -> list[tuple[str, bool]]:
    """The terms a query needs, each with whether it is matched as a prefix."""
    terms: dict[tuple[str, bool], None] = {}
    for kind, run in _runs(q):
        if kind == "word":
            terms[(run, True)] = None
        elif len(run) == 1:
            terms[(run, True)] = None
        else:
            for i in range(len(run) - 1):
                terms[(run[i : i + 2], False)] = None
    return list(terms)[:QUERY_TERMS_MAX]


def _tsquery(terms) -> str:
    # The terms hold letters, digits and CJK only (``_RUNS``): nothing to escape in the quotes.
    return " & ".join(f"'{term}'{':*' if prefix else ''}" for term, prefix in terms)


def search_requests(queryset, q: str, *, ranked: bool = True):
    """The requests of ``queryset`` that match ``q`` by their terms or by their tracking number,
    best first when ``ranked`` (matches in the title, then by ``ts_rank`` on PostgreSQL); an
    ordering given after this one replaces it."""
    terms = query_terms(q)
    by_number = Q(tracking_number=q.strip().upper())  # stored in capitals (``selectors.by_ref``)
    if not terms:
        return queryset.filter(by_number)
    table = queryset.model._meta.db_table
    if connection.vendor == "postgresql":
        tsquery = _tsquery(terms)
        matches = RawSQL(
            f'("{table}"."search_vector" @@ %s::tsquery)', [tsquery], output_field=BooleanField()
        )
        queryset = queryset.filter(matches | by_number)
        rank = RawSQL(
            f'ts_rank("{table}"."search_vector", %s::tsquery)', [tsquery], output_field=FloatField()
        )
    else:
        matches = Q()
        for term, prefix in terms:
            matches &= Q(search_grams__contains=f" {term}" if prefix else f" {term} ")
        queryset = queryset.filter(matches | by_number)
        rank = Value(0.0)
    if not ranked:
        return queryset
    in_title = Q()
    for term, _prefix in terms:
        in_title &= Q(title__icontains=term)
    return queryset.alias(
        search_in_title=Case(When(in_title, then=Value(1)), default=Value(0)), search_rank=rank
    ).order_by("-search_in_title", "-search_rank", "-created_at", "-id")
