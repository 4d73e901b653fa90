"""Atom and RSS feeds of a page's incidents and maintenances (Django's feed generators).

Every text goes through `xml_safe`: a control character in a stored row (refused on input,
but rows may predate that) must not make the feed unrenderable.
"""

from django.utils.feedgenerator import Atom1Feed, Rss201rev2Feed
from django.utils.html import escape, linebreaks

from statuspage import i18n
from statuspage.selectors.snapshot import FEED_LIMIT, PageSnapshot
from statuspage.text import xml_safe

FEED_TYPES = {
    "atom": (Atom1Feed, "application/atom+xml; charset=utf-8"),
    "rss": (Rss201rev2Feed, "application/rss+xml; charset=utf-8"),
}


def _timeline_html(updates, snapshot: PageSnapshot, t: dict) -> str:
    language = snapshot.page.language
    parts = []
    for update in updates:
        when = i18n.moment(update.display_at.astimezone(snapshot.zone), language)
        status = escape(t.get(update.status, update.status))
        # linebreaks() makes paragraphs of the body: they sit beside the heading's
        # paragraph in a <div>, never inside a <p> (which HTML does not allow).
        parts.append(f"<div><p><small>{escape(when)}</small><br><strong>{status}</strong></p>")
        parts.append(f"{linebreaks(escape(update.body))}</div>")
    return "".join(parts)


def _entries(snapshot: PageSnapshot):
    for incident in snapshot.incidents:
        link = f"{snapshot.url}/incidents/{incident.id}"
        yield incident.updated_at, incident.name, link, incident.started_at, incident.updates
    for item in snapshot.maintenances:
        if item.updates:  # a maintenance enters the feed once it is announced
            link = f"{snapshot.url}/maintenances/{item.id}"
            yield item.updated_at, item.name, link, item.created_at, item.updates


def render(snapshot: PageSnapshot, kind: str) -> tuple[bytes, str]:
    feed_class, content_type = FEED_TYPES[kind]
    t = i18n.catalogue(snapshot.page.language)
    page = snapshot.page
    feed = feed_class(
        title=xml_safe(f"{page.title} status"),
        link=f"{snapshot.url}/",
        description=xml_safe(f"{page.title}: {t['history']}"),
        language=page.language,
        feed_url=f"{snapshot.url}/history.{kind}",
        feed_guid=f"{snapshot.url}/history",
        # RFC 4287 4.1.1: an Atom feed names an author (the page's owner, publicly).
        author_name=xml_safe(page.title),
        author_link=f"{snapshot.url}/",
    )
    entries = sorted(_entries(snapshot), key=lambda entry: (entry[0], entry[3]), reverse=True)
    for updated, title, link, published, updates in entries[:FEED_LIMIT]:
        feed.add_item(
            title=xml_safe(title),
            link=link,
            description=xml_safe(_timeline_html(updates, snapshot, t)),
            unique_id=link,
            unique_id_is_permalink=True,
            pubdate=published,
            updateddate=updated,
        )
    return feed.writeString("utf-8").encode(), content_type
