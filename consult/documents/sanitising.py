"""The one gate every stored piece of document HTML passes through (nh3, i.e. ammonia).

Only structure survives: paragraphs, emphasis, lists, tables, quotes, links and small
headings inside a section. No images, scripts, styles, classes or ids; a link keeps only an
http, https or mailto address and is marked ``nofollow``. The services sanitise on every
write, so nothing reaches the database that did not pass here.
"""

from __future__ import annotations

import html
import re

import nh3

ALLOWED_TAGS = frozenset(
    {
        "p", "br", "strong", "em", "ul", "ol", "li",
        "table", "thead", "tbody", "tr", "th", "td", "caption",
        "blockquote", "a", "h4", "h5", "h6", "abbr", "sub", "sup",
    }
)  # fmt: skip
ATTRIBUTES = {
    "a": {"href", "title"},
    "abbr": {"title"},
    "th": {"colspan", "rowspan"},
    "td": {"colspan", "rowspan"},
}
# ``scope`` only with a meaningful value; nh3 wants it here rather than in ATTRIBUTES.
ATTRIBUTE_VALUES = {"th": {"scope": {"col", "row", "colgroup", "rowgroup"}}}
URL_SCHEMES = frozenset({"http", "https", "mailto"})
# Dropped together with everything inside them, not just unwrapped.
DROPPED_WITH_CONTENT = frozenset({"script", "style", "template", "iframe", "object", "noscript"})
LINK_REL = "nofollow noopener"
_SPAN = re.compile(r"^[1-9][0-9]?$")

# While splitting an import into sections the top headings must survive one more step.
_SPLIT_TAGS = ALLOWED_TAGS | {"h1", "h2", "h3"}


def _keep_attribute(tag: str, name: str, value: str) -> str | None:
    if name in ("colspan", "rowspan"):
        return value if _SPAN.match(value.strip()) else None
    return value


def _clean(fragment: str, tags: frozenset[str]) -> str:
    return nh3.clean(
        fragment,
        tags=set(tags),
        clean_content_tags=set(DROPPED_WITH_CONTENT),
        # "*": none, or ammonia would keep its default lang and title on every tag.
        attributes={"*": set(), **{tag: set(names) for tag, names in ATTRIBUTES.items()}},
        tag_attribute_values=ATTRIBUTE_VALUES,
        attribute_filter=_keep_attribute,
        url_schemes=set(URL_SCHEMES),
        url_relative="deny",
        link_rel=LINK_REL,
        strip_comments=True,
    )


def sanitise_body(fragment: str) -> str:
    """A section's body HTML, safe to show as it is."""
    return _clean(fragment or "", ALLOWED_TAGS).strip()


def sanitise_for_splitting(fragment: str) -> str:
    """Like :func:`sanitise_body`, but keeps h1–h3, where an import starts new sections."""
    return _clean(fragment or "", _SPLIT_TAGS)


_BLOCK_BOUNDARY = re.compile(
    r"<(?:/?(?:p|li|td|th|tr|h[1-6]|blockquote|ul|ol|table|thead|tbody|caption)|br)\b[^>]*>",
    re.IGNORECASE,
)


def plain_text(fragment: str) -> str:
    """The words of an HTML fragment, one space between blocks: for headings, search, diff."""
    spaced = _BLOCK_BOUNDARY.sub(" ", fragment or "")
    text = html.unescape(
        nh3.clean(spaced, tags=set(), clean_content_tags=set(DROPPED_WITH_CONTENT))
    )
    return " ".join(text.split())
