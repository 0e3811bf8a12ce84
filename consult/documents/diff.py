"""What changed between two versions of one document, section by section.

Sections are matched by anchor (the services keep a section's anchor into the next
version). A section is added, removed, changed (heading or text), moved (its place among
the sections both versions share changed) or unchanged; a changed section that also moved
says both. Changed text is compared word by word, so the page can mark what was added and
removed with <ins>/<del> and a spoken label, readable without colour.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l
from flask_babel import ngettext

from consult.documents.models import DocumentVersion, Section
from consult.documents.sanitising import plain_text
from consult.enums import LabelledEnum


class Status(LabelledEnum):
    ADDED = "added", _l("Added")
    REMOVED = "removed", _l("Removed")
    CHANGED = "changed", _l("Changed")
    MOVED = "moved", _l("Moved")
    UNCHANGED = "unchanged", _l("Unchanged")


@dataclass(frozen=True)
class Mark:
    """A run of words: ``kind`` is "same", "ins" (only in the new text) or "del"."""

    kind: str
    text: str


@dataclass
class SectionChange:
    status: Status
    old: Section | None
    new: Section | None
    moved: bool = False
    heading_changed: bool = False
    text_changed: bool = False
    number_changed: bool = False
    heading_marks: list[Mark] = field(default_factory=list)
    text_marks: list[Mark] = field(default_factory=list)

    @property
    def anchor(self) -> str:
        return (self.new or self.old).anchor  # type: ignore[union-attr]


@dataclass
class VersionDiff:
    old: DocumentVersion
    new: DocumentVersion
    changes: list[SectionChange]

    def count(self, status: Status) -> int:
        return sum(1 for c in self.changes if c.status is status)

    @property
    def moved_count(self) -> int:
        return sum(1 for c in self.changes if c.moved)

    def summary(self) -> str:
        """ "3 sections changed, 1 section added, 2 sections unchanged", in words."""
        parts = []
        if number := self.count(Status.CHANGED):
            parts.append(ngettext("%(num)d section changed", "%(num)d sections changed", number))
        if number := self.count(Status.ADDED):
            parts.append(ngettext("%(num)d section added", "%(num)d sections added", number))
        if number := self.count(Status.REMOVED):
            parts.append(ngettext("%(num)d section removed", "%(num)d sections removed", number))
        if number := self.moved_count:
            parts.append(ngettext("%(num)d section moved", "%(num)d sections moved", number))
        if number := self.count(Status.UNCHANGED):
            parts.append(
                ngettext("%(num)d section unchanged", "%(num)d sections unchanged", number)
            )
        return ", ".join(parts) if parts else str(_l("Neither version has any sections."))

    @property
    def has_changes(self) -> bool:
        return any(c.status is not Status.UNCHANGED for c in self.changes)


_WORD = re.compile(r"\S+")


def word_marks(old_text: str, new_text: str) -> list[Mark]:
    """Word-level differences, adjacent runs of one kind merged."""
    a, b = _WORD.findall(old_text), _WORD.findall(new_text)
    marks: list[Mark] = []

    def add(kind: str, words: list[str]) -> None:
        if not words:
            return
        text = " ".join(words)
        if marks and marks[-1].kind == kind:
            marks[-1] = Mark(kind, f"{marks[-1].text} {text}")
        else:
            marks.append(Mark(kind, text))

    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            add("same", a[i1:i2])
        else:
            add("del", a[i1:i2])
            add("ins", b[j1:j2])
    return marks


def diff_versions(old: DocumentVersion, new: DocumentVersion) -> VersionDiff:
    """Every section of both versions, in the new order, removed ones where they were."""
    old_by_anchor = {s.anchor: s for s in old.sections}
    new_by_anchor = {s.anchor: s for s in new.sections}
    shared_old = [s.anchor for s in old.sections if s.anchor in new_by_anchor]
    shared_new = [s.anchor for s in new.sections if s.anchor in old_by_anchor]
    in_place: set[str] = set()
    matcher = difflib.SequenceMatcher(None, shared_old, shared_new, autojunk=False)
    for block in matcher.get_matching_blocks():
        in_place.update(shared_old[block.a : block.a + block.size])

    changes: dict[str, SectionChange] = {}
    for section in new.sections:
        before = old_by_anchor.get(section.anchor)
        if before is None:
            changes[section.anchor] = SectionChange(Status.ADDED, None, section)
            continue
        old_text, new_text = plain_text(before.body_html), plain_text(section.body_html)
        change = SectionChange(
            Status.UNCHANGED,
            before,
            section,
            moved=section.anchor not in in_place,
            heading_changed=before.heading != section.heading,
            text_changed=old_text != new_text or before.body_html != section.body_html,
            number_changed=before.number != section.number,
        )
        if change.heading_changed:
            change.heading_marks = word_marks(before.heading, section.heading)
        if change.text_changed:
            change.text_marks = word_marks(old_text, new_text)
        if change.heading_changed or change.text_changed:
            change.status = Status.CHANGED
        elif change.moved:
            change.status = Status.MOVED
        changes[section.anchor] = change

    # Removed sections go right after the section that came before them in the old version.
    ordered = [changes[s.anchor] for s in new.sections]
    previous_anchor: str | None = None
    for section in old.sections:
        if section.anchor in new_by_anchor:
            previous_anchor = section.anchor
            continue
        removed = SectionChange(Status.REMOVED, section, None)
        if previous_anchor is None:
            index = 0
            while index < len(ordered) and ordered[index].status is Status.REMOVED:
                index += 1
        else:
            index = (
                next(
                    i
                    for i, c in enumerate(ordered)
                    if c.new is not None and c.anchor == previous_anchor
                )
                + 1
            )
            while index < len(ordered) and ordered[index].status is Status.REMOVED:
                index += 1
        ordered.insert(index, removed)
    return VersionDiff(old, new, ordered)
