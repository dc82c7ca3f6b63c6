"""Pages of a long list: which page, how many rows, sorted by which column, in which direction.

A list screen (caseload, pathways, people) reads these from its query string; the use case turns the
sort key into columns (with the row's id last, so that the order is stable from one page to the next)
and answers one page with the total. Bounded: a page holds at most `MAX_SIZE` rows, and a page number
past the end reads as the last page.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

DEFAULT_SIZE = 50
MAX_SIZE = 100
MAX_PAGE = 100_000  # far past any real list; keeps OFFSET and the numbers bounded

T = TypeVar("T")


@dataclass(frozen=True)
class Paging:
    page: int = 1
    size: int = DEFAULT_SIZE
    sort: str = ""
    descending: bool = False

    def offset(self) -> int:
        return (self.page - 1) * self.size


def paging_from(args: Mapping[str, str], sorts: Sequence[str], default_sort: str) -> Paging:
    """`page`, `par_page`, `tri` and `ordre` ("desc" or not) from a query string; anything unreadable
    falls back to its default (a list never fails on a stale bookmark)."""
    page = _whole(args.get("page"), 1)
    size = _whole(args.get("par_page"), DEFAULT_SIZE)
    sort = args.get("tri") or default_sort
    return Paging(
        page=min(max(page, 1), MAX_PAGE),
        size=min(max(size, 1), MAX_SIZE),
        sort=sort if sort in sorts else default_sort,
        descending=args.get("ordre") == "desc",
    )


def _whole(raw: str | None, default: int) -> int:
    raw = (raw or "").strip()
    return int(raw) if raw.isdigit() and len(raw) <= 9 else default


@dataclass(frozen=True)
class Page(Generic[T]):
    rows: list[T]
    total: int
    paging: Paging

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.paging.size))

    @property
    def number(self) -> int:
        return self.paging.page

    @property
    def first_row(self) -> int:
        return 0 if not self.rows else self.paging.offset() + 1

    @property
    def last_row(self) -> int:
        return self.paging.offset() + len(self.rows)


def last_page(total: int, paging: Paging) -> Paging:
    """`paging` moved back to the last page when it asks past the end of `total` rows."""
    pages = max(1, -(-total // paging.size))
    if paging.page <= pages:
        return paging
    return Paging(pages, paging.size, paging.sort, paging.descending)
