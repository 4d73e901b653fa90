"""Cursor pagination of the GraphQL lists (`first`, `after`): opaque cursors holding the
position in the list's fixed order, page sizes capped."""

import base64
import binascii
from dataclasses import dataclass

import strawberry
from django.conf import settings

from slaportal.graphql.errors import bad_input

CURSOR_PREFIX = "o:"


@strawberry.type
class PageInfo:
    has_next_page: bool
    end_cursor: str | None


def encode_cursor(offset: int) -> str:
    return base64.urlsafe_b64encode(f"{CURSOR_PREFIX}{offset}".encode()).decode()


def decode_cursor(cursor: str | None) -> int:
    """The position after `cursor` (0 without one); a cursor we did not make is a clear
    BAD_USER_INPUT error naming `after`."""
    if cursor is None:
        return 0
    try:
        text = base64.urlsafe_b64decode(cursor.encode("ascii")).decode("ascii")
    except (UnicodeError, binascii.Error, ValueError):
        text = ""
    number = text.removeprefix(CURSOR_PREFIX)
    if not text.startswith(CURSOR_PREFIX) or not (number.isascii() and number.isdigit()):
        raise bad_input("after", "Not a cursor of this list; give an endCursor it returned.")
    return int(number) + 1


def page_size(first: int | None) -> int:
    """`first`, checked against GRAPHQL_MAX_PAGE_SIZE (default GRAPHQL_DEFAULT_PAGE_SIZE)."""
    if first is None:
        return settings.GRAPHQL_DEFAULT_PAGE_SIZE
    if not 1 <= first <= settings.GRAPHQL_MAX_PAGE_SIZE:
        raise bad_input("first", f"Give 1 to {settings.GRAPHQL_MAX_PAGE_SIZE} (the page size).")
    return first


@dataclass
class Page:
    """One page of rows of a list: the rows, their first position, whether more follow."""

    rows: list
    start: int
    has_next: bool

    def cursors(self) -> list[str]:
        return [encode_cursor(self.start + index) for index in range(len(self.rows))]

    def info(self) -> PageInfo:
        end = encode_cursor(self.start + len(self.rows) - 1) if self.rows else None
        return PageInfo(has_next_page=self.has_next, end_cursor=end)


def paginate(rows, *, first: int | None, after: str | None) -> Page:
    """A page of a queryset or list (one query for a queryset: size + 1 rows)."""
    size, start = page_size(first), decode_cursor(after)
    found = list(rows[start : start + size + 1])
    return Page(rows=found[:size], start=start, has_next=len(found) > size)
