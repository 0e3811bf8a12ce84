"""Find comments that are (nearly) the same text, as sent in a letter campaign.

A comment becomes a set of *shingles*: every run of three consecutive words of its normalised
text (case, accents, punctuation and spacing do not count). Two comments are similar to the
degree their shingle sets overlap (the Jaccard index: shared shingles / all shingles). Changing
a name in a 100-word letter keeps about 94% of it; adding a sentence of 15 words about 83%;
two different comments on the same topic share almost nothing.

Comparing every pair of 20,000 comments (200 million pairs) would take minutes, so MinHash
signatures and locality-sensitive hashing (LSH) first pick the pairs that are *likely* similar.
Only those pairs are compared, exactly, on their shingle sets, and a pair joins a group only if
its exact similarity reaches the threshold. Groups are transitive: if A is like B and B is like
C, the three form one group. What is shown for each member is its exact similarity to the
group's representative.

MinHash and LSH are computed with numpy over all comments at once, with the permutation scheme
of the ``datasketch`` library ("affine32"). datasketch itself works one comment at a time in
Python: for 20,000 comments its ``MinHash.bulk`` and ``MinHashLSH`` took 5 to 6 s where these
take half a second (``bench/grouping.py --compare-datasketch``), and it needs scipy.

Everything here is pure (no database, no request), and the same texts give the same groups.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache
from itertools import chain
from typing import TYPE_CHECKING

# numpy is imported where it is used, so that starting the app and ``similarity`` do not wait
# for it.
if TYPE_CHECKING:
    import numpy as np

SHINGLE_WORDS = 3
DEFAULT_THRESHOLD = 0.7
NUM_PERM = 128
# A fixed seed fixes the MinHash permutations, so the same input always gives the same groups.
SEED = 20250505
# Weigh missed pairs above extra candidates when choosing the LSH bands: a candidate costs one
# exact comparison, a missed pair is a copy that is not found. At threshold 0.7 this gives
# 20 bands of 6 rows, which proposes 92% of the pairs exactly at the threshold (and nearly all
# of those above 0.8), and 1.5% of the pairs at 0.3.
_LSH_WEIGHTS = (0.1, 0.9)

_MARKS = "".join(chr(c) for c in range(0x10000) if unicodedata.combining(chr(c)))
_COMBINING_MARKS = re.compile(f"[{_MARKS}]+")
_NEITHER_ASCII_NOR_MARK = re.compile(f"[^\x00-\x7f{_MARKS}]")
_WORD = re.compile(r"[^\W_]+")
# For ASCII text: letters in lower case, digits stay, everything else separates words.
_ASCII_FOLD = bytes(ord(chr(c).lower()) if chr(c).isalnum() else 0x20 for c in range(128))
_ASCII_FOLD += b" " * 128

# A word is a 21-bit number in a shingle code, so one grouping can hold this many words.
_WORD_BITS = 21
MAX_DISTINCT_WORDS = (1 << _WORD_BITS) - 1


@dataclass(frozen=True)
class SimilarGroup:
    """Comments with (nearly) the same text.

    ``similarity`` maps each member id to the exact Jaccard similarity of its shingle set to
    that of the ``representative`` (which has 1.0), rounded to two decimals. Members are in the
    group because they are similar to *a* member, so some may be below the threshold here.
    """

    ids: tuple[int, ...]
    representative: int
    similarity: dict[int, float]

    @property
    def min_similarity(self) -> float:
        return min(self.similarity.values())


def _words(text: str) -> list[bytes]:
    """The words of ``text``, case-folded and without accents, as UTF-8."""
    if text.isascii():
        data = text.encode("ascii")
    else:
        text = unicodedata.normalize("NFKD", text)  # "Ë" becomes "E" and a combining mark
        if _NEITHER_ASCII_NOR_MARK.search(text):  # "ı", "ß", "ø", other scripts: keep them
            text = _COMBINING_MARKS.sub("", unicodedata.normalize("NFKD", text.casefold()))
            return [word.encode() for word in _WORD.findall(text)]
        data = text.encode("ascii", "ignore")  # drops exactly the combining marks
    return data.translate(_ASCII_FOLD).split()


def normalise(text: str) -> str:
    """The words of ``text`` in lower case, without accents or punctuation, one space apart."""
    return b" ".join(_words(text)).decode()


def shingles(text: str, k: int = SHINGLE_WORDS) -> frozenset[str]:
    """The set of runs of ``k`` consecutive words of the normalised ``text``.

    A text of fewer than ``k`` words is one shingle, the whole text: so two identical short
    answers ("ja") are the same, and different ones ("ja", "nee") share nothing. A text without
    any word has no shingles and is similar to nothing.
    """
    words = normalise(text).split()
    if len(words) <= k:
        return frozenset((" ".join(words),)) if words else frozenset()
    return frozenset(map(" ".join, zip(*(words[i:] for i in range(k)), strict=False)))


def jaccard(a: frozenset, b: frozenset) -> float:
    """Shared elements over all elements; 0.0 when either set is empty."""
    if not a or not b:
        return 0.0
    shared = len(a & b)
    return shared / (len(a) + len(b) - shared)


def similarity(a: str, b: str) -> float:
    """The exact similarity (0..1) of two texts, as :func:`group_similar` measures it."""
    return jaccard(shingles(a), shingles(b))


def group_similar(
    items: Iterable[tuple[int, str]],
    *,
    threshold: float = DEFAULT_THRESHOLD,
    num_perm: int = NUM_PERM,
) -> list[SimilarGroup]:
    """Group the texts that are at least ``threshold`` similar, directly or through others.

    ``items`` are ``(id, text)`` pairs with unique ids. Returns the groups of two or more, the
    largest first (then by lowest id); texts like no other are left out. The result does not
    depend on the order of ``items``.
    """
    if not 0.0 < threshold <= 1.0:
        raise ValueError(f"threshold must be in (0, 1], got {threshold!r}")
    if num_perm < 1:
        raise ValueError(f"num_perm must be positive, got {num_perm!r}")

    # Texts with the same words are one text to compare: ``copies[u]`` are the ids of distinct
    # text ``u``, in id order (so that the order of ``items`` does not matter).
    by_words: dict[bytes, list[int]] = {}
    word_lists: list[list[bytes]] = []
    seen: set[int] = set()
    for item_id, text in sorted(items, key=lambda item: item[0]):
        if item_id in seen:
            raise ValueError(f"duplicate id {item_id!r}")
        seen.add(item_id)
        words = _words(text)
        if not words:
            continue
        ids = by_words.setdefault(b" ".join(words), [])
        if not ids:
            word_lists.append(words)
        ids.append(item_id)
    copies = list(by_words.values())
    del by_words, seen

    sets = _ShingleSets(word_lists)
    del word_lists
    forest = _Forest(len(sets))
    signatures = None
    if len(sets) > 1:
        signatures = _signatures(sets, num_perm)
        for bucket in _buckets(signatures, *_lsh_params(threshold, num_perm)):
            _link_bucket(bucket, sets, threshold, forest)

    components: dict[int, list[int]] = {}
    for u in range(len(sets)):
        components.setdefault(forest.find(u), []).append(u)
    groups = [
        _group(members, sets, copies, signatures)
        for members in components.values()
        if len(members) > 1 or len(copies[members[0]]) > 1
    ]
    groups.sort(key=lambda group: (-len(group.ids), group.ids[0]))
    return groups


class _Vocabulary(dict):
    """Numbers the words 1, 2, 3... in order of first use."""

    def __missing__(self, word: bytes) -> int:
        number = self[word] = len(self) + 1
        return number


class _ShingleSets:
    """The shingle sets of distinct texts, as numbers: three word numbers of 21 bits each.

    A text of one or two words is taken as if preceded by one or two words numbered 0, so its
    one shingle is a number below 2**42: it equals no shingle of three words, and "ja" equals
    "ja". Numbers make the sets smaller and faster to compare than strings of words. All codes
    are kept in one array, text after text, for the MinHash; a text's set is only made when
    it is compared, which most texts never are.
    """

    def __init__(self, word_lists: Sequence[Sequence[bytes]]) -> None:
        import numpy as np

        vocabulary = _Vocabulary()
        numbered = [list(map(vocabulary.__getitem__, words)) for words in word_lists]
        if len(vocabulary) > MAX_DISTINCT_WORDS:
            raise ValueError(f"more than {MAX_DISTINCT_WORDS} distinct words")
        short = SHINGLE_WORDS - 1
        for i, numbers in enumerate(numbered):
            if len(numbers) < SHINGLE_WORDS:
                numbered[i] = [0] * (SHINGLE_WORDS - len(numbers)) + numbers
        lengths = np.fromiter(map(len, numbered), dtype=np.int64, count=len(numbered))
        flat = np.fromiter(chain.from_iterable(numbered), dtype=np.uint64, count=lengths.sum())
        del numbered
        bits = np.uint64(_WORD_BITS)
        # codes[i] is the shingle that starts at word i of all texts in a row; drop those that
        # start in one text and end in the next.
        codes = (flat[:-2] << (bits + bits)) | (flat[1:-1] << bits) | flat[2:]
        ends = np.cumsum(lengths)
        across = np.concatenate([ends - 2, ends - 1])
        keep = np.ones(len(codes), dtype=bool)
        keep[across[across < len(codes)]] = False
        self.codes = codes[keep]
        counts = lengths - short
        self.starts = np.zeros(len(counts) + 1, dtype=np.int64)
        np.cumsum(counts, out=self.starts[1:])
        self._sets: list[frozenset[int] | None] = [None] * len(counts)

    def __len__(self) -> int:
        return len(self._sets)

    def __getitem__(self, index: int) -> frozenset[int]:
        shingle_set = self._sets[index]
        if shingle_set is None:
            start, end = self.starts[index], self.starts[index + 1]
            shingle_set = self._sets[index] = frozenset(self.codes[start:end].tolist())
        return shingle_set


class _Forest:
    """Union-find over distinct texts, with path halving and union by size."""

    def __init__(self, size: int) -> None:
        self.parent = list(range(size))
        self.size = [1] * size

    def find(self, node: int) -> int:
        parent = self.parent
        while parent[node] != node:
            parent[node] = parent[parent[node]]
            node = parent[node]
        return node

    def union(self, a: int, b: int) -> int:
        a, b = self.find(a), self.find(b)
        if a == b:
            return a
        if self.size[a] < self.size[b]:
            a, b = b, a
        self.parent[b] = a
        self.size[a] += self.size[b]
        return a


def _mix64(values: np.ndarray) -> np.ndarray:
    """The MurmurHash3 64-bit finaliser: spreads structured numbers over all bits."""
    import numpy as np

    values = values ^ (values >> np.uint64(33))
    values *= np.uint64(0xFF51AFD7ED558CCD)
    values ^= values >> np.uint64(33)
    values *= np.uint64(0xC4CEB9FE1A85EC53)
    values ^= values >> np.uint64(33)
    return values


def _signatures(sets: _ShingleSets, num_perm: int) -> np.ndarray:
    """The MinHash signature of each set: a row of ``num_perm`` minimum hash values.

    Each shingle is hashed once to 32 bits, then permuted ``num_perm`` times by
    ``a * h + b mod 2**32`` with odd ``a`` (a bijection, so no new collisions); the fraction of
    equal minimums of two rows estimates the sets' Jaccard similarity. This is datasketch's
    "affine32" scheme, for all sets at once per permutation instead of one set at a time.
    """
    import numpy as np

    hashed = (_mix64(sets.codes) >> np.uint64(32)).astype(np.uint32)
    starts = sets.starts[:-1]

    generator = np.random.RandomState(SEED)  # the legacy generator: stable across numpy versions
    a = generator.randint(0, 1 << 31, num_perm, dtype=np.uint32) * np.uint32(2) + np.uint32(1)
    b = generator.randint(0, 1 << 32, num_perm, dtype=np.uint32)
    signatures = np.empty((len(sets), num_perm), dtype=np.uint32)
    permuted = np.empty_like(hashed)
    for k in range(num_perm):
        np.multiply(hashed, a[k], out=permuted)
        permuted += b[k]
        signatures[:, k] = np.minimum.reduceat(permuted, starts)
    return signatures


@lru_cache(maxsize=16)
def _lsh_params(threshold: float, num_perm: int) -> tuple[int, int]:
    """The number of bands and rows per band for LSH at ``threshold``.

    Two sets of similarity s share at least one band with probability 1 - (1 - s**r)**b. As
    datasketch does, choose the b and r (b * r <= num_perm) that minimise the weighted areas of
    false candidates (below the threshold) and missed pairs (above it).
    """
    import numpy as np

    s = np.linspace(0.0, 1.0, 1001)
    below = s <= threshold
    fp_weight, fn_weight = _LSH_WEIGHTS
    best = (float("inf"), 1, num_perm)
    for bands in range(1, num_perm + 1):
        rows = np.arange(1, num_perm // bands + 1)[:, None]
        candidate = 1.0 - (1.0 - s**rows) ** bands
        false = np.trapezoid(candidate[:, below], s[below], axis=1)
        missed = np.trapezoid(1.0 - candidate[:, ~below], s[~below], axis=1)
        error = fp_weight * false + fn_weight * missed
        i = int(np.argmin(error))
        if error[i] < best[0]:
            best = (float(error[i]), bands, int(rows[i, 0]))
    return best[1], best[2]


def _buckets(signatures: np.ndarray, bands: int, rows: int) -> Iterator[list[int]]:
    """Yield, per band, each set of two or more texts with the same values in that band."""
    import numpy as np

    for band in range(bands):
        values = signatures[:, band * rows : (band + 1) * rows].astype(np.uint64)
        key = np.zeros(len(signatures), dtype=np.uint64)
        for column in values.T:
            key = _mix64(key ^ column)  # a collision only adds a candidate, checked exactly
        order = np.argsort(key, kind="stable")  # stable: members stay in ascending order
        sorted_key = key[order]
        starts = np.flatnonzero(np.r_[True, sorted_key[1:] != sorted_key[:-1]])
        sizes = np.diff(np.r_[starts, len(order)])
        for start, size in zip(starts[sizes > 1].tolist(), sizes[sizes > 1].tolist(), strict=True):
            yield order[start : start + size].tolist()


def _link_bucket(bucket: list[int], sets: _ShingleSets, threshold: float, forest: _Forest) -> None:
    """Join the texts of one LSH bucket that are similar enough, checked exactly.

    Only connectivity matters, so a text is compared with the bucket's members of another
    group until one is similar enough, and never with members of its own group: a campaign
    of n copies costs about n comparisons per bucket, not n squared. Which pairs are compared
    depends on the order, but the groups do not: they are the connected parts of the graph of
    all candidate pairs that are similar enough.
    """
    heads: dict[int, list[int]] = {}  # group root -> this bucket's members in that group
    for member in bucket:
        root = forest.find(member)
        for other_root in list(heads):
            if other_root == root or other_root not in heads:
                continue
            if any(_similar(sets[member], sets[other], threshold) for other in heads[other_root]):
                joined = forest.union(root, other_root)
                heads[joined] = heads.pop(other_root) + heads.pop(root, [])
                root = joined
        heads.setdefault(root, []).append(member)


def _similar(a: frozenset[int], b: frozenset[int], threshold: float) -> bool:
    small, large = sorted((len(a), len(b)))
    if small < threshold * large:  # not even if all of the smaller set were shared
        return False
    return jaccard(a, b) >= threshold


def _group(
    members: list[int],
    sets: _ShingleSets,
    copies: Sequence[list[int]],
    signatures: np.ndarray | None,
) -> SimilarGroup:
    """The group of the distinct texts ``members``, measured against its representative."""
    central = members[0]
    if len(members) > 1:
        assert signatures is not None
        central = members[_most_central(signatures[members], [len(copies[m]) for m in members])]
    similarities: dict[int, float] = {}
    for member in members:
        value = 1.0 if member == central else round(jaccard(sets[member], sets[central]), 2)
        for item_id in copies[member]:
            similarities[item_id] = value
    ids = tuple(sorted(similarities))
    return SimilarGroup(
        ids=ids, representative=copies[central][0], similarity={i: similarities[i] for i in ids}
    )


def _most_central(signatures: np.ndarray, weights: list[int]) -> int:
    """Row of the text most like all texts of the group (``weights``: copies of each).

    Uses the MinHash estimate summed over the group: for every permutation, a text scores the
    number of texts (copies counted) with the same minimum. This is linear in the group's size,
    where exact comparison of all pairs of a campaign of thousands would be quadratic. Ties go
    to the first row, the lowest id.
    """
    import numpy as np

    count, num_perm = signatures.shape
    # One key per (permutation, value), so that one np.unique counts all columns at once.
    keys = (np.arange(num_perm, dtype=np.uint64) << np.uint64(32)) | signatures
    _, inverse = np.unique(keys.ravel(), return_inverse=True)
    per_key = np.bincount(inverse, weights=np.repeat(np.asarray(weights), num_perm))
    scores = per_key[inverse].reshape(count, num_perm).sum(axis=1)
    return int(np.argmax(scores))
