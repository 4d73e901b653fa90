"""Subscribers as CSV (API export and the admin action)."""

import csv
import io

EXPORT_COLUMNS = [
    "page",
    "kind",
    "address",
    "confirmed",
    "confirmed_at",
    "created_at",
    "components",
]


def csv_cell(value: str) -> str:
    """A cell a spreadsheet shows as text: a leading =, +, - or @ starts no formula."""
    return f"'{value}" if value[:1] in ("=", "+", "-", "@") else value


def subscribers_csv(subscribers) -> str:
    """One row per subscriber (`subscribers` with page and components prefetched)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(EXPORT_COLUMNS)
    for subscriber in subscribers:
        names = "; ".join(component.name for component in subscriber.components.all())
        writer.writerow(
            [
                subscriber.page.slug,
                subscriber.kind,
                csv_cell(subscriber.email or subscriber.url),
                "yes" if subscriber.is_confirmed else "no",
                subscriber.confirmed_at.isoformat() if subscriber.confirmed_at else "",
                subscriber.created_at.isoformat(),
                "" if subscriber.all_components else csv_cell(names),
            ]
        )
    return buffer.getvalue()
