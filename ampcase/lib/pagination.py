"""A paginator that counts only as far as a page needs.

Django's `Paginator` counts every row to say "Page 1 of 844": at 100,000 cases that exact
count cost a list more than the page itself. `CappedPaginator` counts at most `cap` rows, or
as many as the pages up to the one asked for hold if that is further, and one more: enough to
show the page, to know whether another follows, and to say "more than 1000" when the count
stopped early (`capped`). A smaller list is counted exactly, as before.
"""

from __future__ import annotations

import math

from django.core.paginator import Paginator
from django.utils.functional import cached_property


class CappedPaginator(Paginator):
    """`counted`: the rows to count, if not `object_list` (a queryset without its order and
    its columns, which a count does not need but a sliced count would still compute).

    Ask for pages with `get_page`, which sets how far to count; `page(n)` alone counts only
    to `cap` and finds no page beyond it."""

    def __init__(self, object_list, per_page, *, cap: int, counted=None, **kwargs):
        super().__init__(object_list, per_page, **kwargs)
        self.cap = cap
        self.limit = cap
        self.counted = object_list if counted is None else counted

    def get_page(self, number):
        """As `Paginator.get_page`, counting as far as the page asked for."""
        try:
            wanted = max(int(number), 1)
        except (TypeError, ValueError):
            wanted = 1
        self.limit = max(self.cap, wanted * self.per_page)
        return super().get_page(number)

    @cached_property
    def _counted(self) -> int:
        # `COUNT(*)` of the first limit + 1 rows: PostgreSQL stops reading there.
        return self.counted[: self.limit + 1].count()

    @property
    def capped(self) -> bool:
        """Whether there are more rows than were counted (`count` is then a lower bound)."""
        return self._counted > self.limit

    @cached_property
    def count(self) -> int:
        return min(self._counted, self.limit)

    @cached_property
    def num_pages(self) -> int:
        """The pages counted, and one more when the count stopped early (so that the last
        page counted links to the next)."""
        if self.capped:
            return math.ceil(self.limit / self.per_page) + 1
        return super().num_pages
