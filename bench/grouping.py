"""Benchmark: group 20,000 comments of which half are letter-campaign copies.

Run from the project root: ``.venv/bin/python -m bench.grouping`` (``--help`` for options).

It generates Dutch comments about youth care: 30 campaigns of 100-600 copies of a letter, each
copy signed with another name and most with a few small edits (a sentence added or left out, a
word changed, a typo, capitals or punctuation changed), plus unique comments of 20-120 words
built from the same vocabulary and the same sentence openings (so unrelated comments do share
words and phrases, as real ones on one consultation do). It then times ``group_similar``
(wall time, several runs), measures its peak memory in a separate run under tracemalloc, and
checks the groups against what was generated: how many campaign copies were found in their
campaign's group (recall), and how many texts were put in a group they do not belong to.
``--compare-datasketch`` times the datasketch library on the same texts (install it first).
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import random
import resource
import statistics
import time
import tracemalloc
from collections import Counter

from bench.support import write_figures
from consult.responses.grouping.similarity import DEFAULT_THRESHOLD, group_similar, similarity

TOPIC_WORDS = """
jeugdzorg jeugdhulp gemeente gemeenten regio wijkteam wijkteams zorgaanbieder zorgaanbieders
wachtlijst wachtlijsten pleegzorg jeugdbescherming ouders kinderen jongeren school scholen
huisarts specialistische jeugd-ggz residentiële gezinshuis gezinshuizen inkoop budget tekort
tekorten transformatie preventie regiovisie samenwerking onderwijs leerplicht thuiszitters
zorgcontinuïteit gezin gezinnen hulpverlener hulpverleners indicatie beschikking verwijzing
praktijkondersteuner ambulante dagbehandeling crisisopvang veiligheid Veilig-Thuis mantelzorg
vrijwilligers toegang lokaal bovenregionaal contract contracten tarieven administratie
bureaucratie regeldruk kwaliteit wachttijd maanden weken jaren snel sneller beter slechter
belangrijk nodig duidelijk onduidelijk vertrouwen luisteren betrokkenheid participatie inspraak
jongerenraad cliëntenraad ervaringsdeskundigen autisme ADHD trauma depressie angst verslaving
armoede schulden huisvesting echtscheiding netwerk buurt wijk sport vereniging jongerenwerk
begeleiding therapie psycholoog psychiater orthopedagoog gedragswetenschapper casusregie
afspraken evaluatie monitoring doelen resultaten kosten financiering middelen investeren
bezuinigen medewerkers personeelstekort overdracht privacy gegevens dossier zorgplan
""".split()  # noqa: SIM905
COMMON_WORDS = """
ik wij de het een en of maar dat die dit deze is zijn was wordt worden moet moeten kan kunnen
zou zouden voor van in op met naar bij om te niet geen wel ook nog al meer minder veel weinig
heel erg onze mijn ons hun zij ze er hier daar nu dan als omdat want dus toch vooral juist
""".split()  # noqa: SIM905
OPENINGS = [
    "Ik vind dat",
    "Wij maken ons zorgen over",
    "Als ouder merk ik dat",
    "Het is belangrijk dat",
    "In onze wijk zien we dat",
    "Graag wil ik reageren op",
    "Volgens mij moet",
    "Ik mis in de regiovisie",
    "Als jongerenwerker zie ik",
    "De gemeente zou",
    "Mijn ervaring is dat",
    "Wat mij opvalt is dat",
]
FIRST_NAMES = """Anna Bram Carla Daan Eva Femke Gijs Hanna Iris Joost Kim Lotte Mark Noor Okke
Pim Roos Sanne Tom Vera Wim Yara Zoë Fatima Mohammed Ayşe Sem Julia Lucas Mila Finn Saar Levi
Tess Noah Emma Liam Sophie Milan Nina""".split()  # noqa: SIM905
LAST_NAMES = """de Vries|Jansen|Bakker|Visser|Smit|Meijer|de Boer|Mulder|de Groot|Bos|Vos|Peters|
Hendriks|van Dijk|Yılmaz|El Amrani|van den Berg|Dekker|Brouwer|de Wit|Dijkstra|Kok|Janssen|
Verhoeven|Willems|van Leeuwen|Kaya|Öztürk|Bouzid|Postma""".replace("\n", "").split("|")
GREETINGS = ["Geachte leden van de raad,", "Beste mensen van de regio,", "Geacht college,"]


def sentence(rng: random.Random, words: int) -> str:
    out = rng.choice(OPENINGS).split()
    while len(out) < words:
        out.append(rng.choice(TOPIC_WORDS if rng.random() < 0.55 else COMMON_WORDS))
    return " ".join(out) + rng.choice(".....!?")


def sentences(rng: random.Random, words: int) -> list[str]:
    out: list[str] = []
    count = 0
    while count < words:
        length = rng.randint(6, 18)
        out.append(sentence(rng, length))
        count += length
    return out


def name(rng: random.Random) -> str:
    return f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"


def edited_copy(rng: random.Random, letter: list[str]) -> str:
    """A copy of ``letter`` (its sentences) with its own signature and 0-3 small edits."""
    body = list(letter)
    edits = rng.choices([0, 1, 2, 3], weights=[3, 4, 2, 1])[0]
    for _ in range(edits):
        kind = rng.choice(["add", "drop", "word", "typo", "case", "punctuation"])
        at = rng.randrange(len(body))
        if kind == "add":
            body.insert(at, sentence(rng, rng.randint(8, 16)))
        elif kind == "drop" and len(body) > 4:
            del body[at]
        elif kind == "word":
            words = body[at].split()
            words[rng.randrange(len(words))] = rng.choice(TOPIC_WORDS)
            body[at] = " ".join(words)
        elif kind == "typo":
            words = body[at].split()
            i = rng.randrange(len(words))
            if len(words[i]) > 3:
                j = rng.randrange(len(words[i]) - 1)
                word = words[i]
                words[i] = word[:j] + word[j + 1] + word[j] + word[j + 2 :]
            body[at] = " ".join(words)
        elif kind == "case":
            body[at] = body[at].upper() if rng.random() < 0.5 else body[at].lower()
        else:
            body = [s.rstrip(".!?") + rng.choice(["", "!!", " ,", "..."]) for s in body]
    greeting = GREETINGS[0] if rng.random() < 0.8 else rng.choice(GREETINGS)
    return "\n\n".join([greeting, " ".join(body), f"Met vriendelijke groet,\n{name(rng)}"])


def generate(
    total: int, campaigns: int, seed: int
) -> tuple[list[tuple[int, str]], dict[int, int | None]]:
    """``total`` comments with shuffled ids 1..total, and each id's campaign (None: unique)."""
    rng = random.Random(seed)  # noqa: S311  (reproducible test data, not secrets)
    texts: list[tuple[str, int | None]] = []
    for campaign in range(campaigns):
        letter = sentences(rng, rng.randint(60, 200))
        texts += [(edited_copy(rng, letter), campaign) for _ in range(rng.randint(100, 600))]
    while len(texts) < total:
        body = " ".join(sentences(rng, rng.randint(20, 120)))
        texts.append((body if rng.random() < 0.7 else f"{body}\n\n{name(rng)}", None))
    texts = texts[:total]
    rng.shuffle(texts)
    items = [(i, text) for i, (text, _) in enumerate(texts, start=1)]
    truth = {i: campaign for i, (_, campaign) in enumerate(texts, start=1)}
    return items, truth


def check(groups, truth: dict[int, int | None]) -> dict[str, int]:
    """Compare groups with the generated campaigns."""
    copies = Counter(c for c in truth.values() if c is not None)
    best_found: Counter[int] = Counter()  # campaign -> copies in its largest group
    groups_per_campaign: Counter[int] = Counter()
    wrong = 0  # members of a group that do not belong to its campaign
    wrong_groups = 0
    for group in groups:
        labels = Counter(truth[i] for i in group.ids)
        label, count = labels.most_common(1)[0]
        if label is None:  # unique texts grouped together
            wrong += len(group.ids)
            wrong_groups += 1
            continue
        groups_per_campaign[label] += 1
        best_found[label] = max(best_found[label], count)
        if count < len(group.ids):
            wrong += len(group.ids) - count
            wrong_groups += 1
    return {
        "campaign copies": sum(copies.values()),
        "copies found in their campaign's group": sum(best_found.values()),
        "campaigns split over several groups": sum(
            1 for n in groups_per_campaign.values() if n > 1
        ),
        "campaigns not found": sum(1 for c in copies if c not in best_found),
        "texts in a group they do not belong to": wrong,
        "groups with such texts": wrong_groups,
    }


def phases(items: list[tuple[int, str]], threshold: float) -> dict[str, float]:
    """Seconds spent in each step of ``group_similar`` (its private steps, in its order)."""
    from consult.responses.grouping import similarity as grouping

    seconds: dict[str, float] = {}
    started = time.perf_counter()
    distinct: dict[bytes, list[bytes]] = {}
    for _, text in sorted(items):
        words = grouping._words(text)
        if words:
            distinct.setdefault(b" ".join(words), words)
    word_lists = list(distinct.values())
    seconds["words (normalise, split, drop exact copies)"] = time.perf_counter() - started
    started = time.perf_counter()
    sets = grouping._ShingleSets(word_lists)
    seconds["shingle codes"] = time.perf_counter() - started
    started = time.perf_counter()
    signatures = grouping._signatures(sets, grouping.NUM_PERM)
    seconds[f"MinHash signatures ({grouping.NUM_PERM} permutations)"] = (
        time.perf_counter() - started
    )
    started = time.perf_counter()
    bands, rows = grouping._lsh_params(threshold, grouping.NUM_PERM)
    buckets = list(grouping._buckets(signatures, bands, rows))
    seconds[f"LSH buckets ({bands} bands of {rows} rows)"] = time.perf_counter() - started
    started = time.perf_counter()
    forest = grouping._Forest(len(sets))
    for bucket in buckets:
        grouping._link_bucket(bucket, sets, threshold, forest)
    seconds[f"exact check of candidates in {len(buckets)} buckets"] = time.perf_counter() - started
    return seconds


def compare_datasketch(items: list[tuple[int, str]], threshold: float) -> None:
    """Time datasketch's MinHash.bulk and MinHashLSH on the same texts, if it is installed."""
    import zlib

    from consult.responses.grouping import similarity as grouping

    try:
        started = time.perf_counter()
        from datasketch import MinHash, MinHashLSH
    except ImportError:
        print("datasketch is not installed: .venv/bin/pip install datasketch")
        return
    print(f"  importing datasketch (and scipy): {time.perf_counter() - started:.2f} s")
    distinct = {grouping.normalise(text): text for _, text in items}
    shingle_lists = [
        [shingle.encode() for shingle in grouping.shingles(text)] for text in distinct.values()
    ]
    started = time.perf_counter()
    signatures = MinHash.bulk(
        shingle_lists, num_perm=grouping.NUM_PERM, seed=1, hashfunc=zlib.crc32
    )
    print(
        f"  MinHash.bulk (CRC-32; SHA-1 is ten times slower): {time.perf_counter() - started:.2f} s"
    )
    started = time.perf_counter()
    index = MinHashLSH(
        num_perm=grouping.NUM_PERM, params=grouping._lsh_params(threshold, grouping.NUM_PERM)
    )
    with index.insertion_session() as session:
        for key, signature in enumerate(signatures):
            session.insert(key, signature, check_duplication=False)
    print(f"  MinHashLSH insertion: {time.perf_counter() - started:.2f} s")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--comments", type=int, default=20_000)
    parser.add_argument("--campaigns", type=int, default=30)
    parser.add_argument("--threshold", type=float, default=DEFAULT_THRESHOLD)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--seed", type=int, default=5)
    parser.add_argument("--profile", action="store_true", help="print where the time goes")
    parser.add_argument(
        "--compare-datasketch", action="store_true", help="time datasketch on the same texts"
    )
    parser.add_argument("--figures", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    started = time.perf_counter()
    import numpy  # noqa: F401  (imported by the first grouping, once per process)

    import_seconds = time.perf_counter() - started
    items, truth = generate(args.comments, args.campaigns, args.seed)
    words = [len(text.split()) for _, text in items]
    print(
        f"{len(items)} comments ({sum(words)} words, {min(words)}-{max(words)} per comment), "
        f"{args.campaigns} campaigns, threshold {args.threshold}"
    )
    print(f"importing numpy (once per process): {import_seconds:.2f} s")

    timings = []
    cpu = []
    groups = []
    for _ in range(args.runs):
        started, started_cpu = time.perf_counter(), time.process_time()
        groups = group_similar(items, threshold=args.threshold)
        timings.append(time.perf_counter() - started)
        cpu.append(time.process_time() - started_cpu)
    print(
        f"group_similar over {args.runs} runs: wall time best {min(timings):.2f} s, "
        f"median {statistics.median(timings):.2f} s; CPU time best {min(cpu):.2f} s"
    )
    for label, seconds in phases(items, args.threshold).items():
        print(f"  {label}: {seconds:.2f} s")

    tracemalloc.start()
    again = group_similar(items, threshold=args.threshold)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    maxrss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"peak memory allocated by group_similar (tracemalloc): {peak / 2**20:.0f} MB; "
        f"process max RSS: {maxrss_mb:.0f} MB"
    )
    print(f"same groups on every run: {again == groups}")

    sizes = sorted((len(group.ids) for group in groups), reverse=True)
    print(f"groups found: {len(groups)} (sizes {sizes[:5]} ... {sizes[-5:]})")
    found = check(groups, truth)
    for label, value in found.items():
        print(f"  {label}: {value}")
    recall = found["copies found in their campaign's group"] / max(found["campaign copies"], 1)
    print(f"  recall: {recall:.4f}")
    shown = [value for group in groups for i, value in group.similarity.items()]
    print(
        f"similarity shown to the representative: min {min(shown):.2f}, "
        f"median {statistics.median(shown):.2f}"
    )
    # How alike the generated copies are, measured without the grouping: each copy against
    # the lowest id of its campaign.
    first_copy: dict[int, str] = {}
    texts = dict(items)
    pairwise = []
    for item_id, campaign in sorted(truth.items()):
        if campaign is None:
            continue
        if campaign not in first_copy:
            first_copy[campaign] = texts[item_id]
        else:
            pairwise.append(similarity(first_copy[campaign], texts[item_id]))
    below = sum(1 for value in pairwise if value < args.threshold)
    print(
        f"generated copies vs their campaign's first copy: min {min(pairwise):.2f}, "
        f"median {statistics.median(pairwise):.2f}, {below} below the threshold"
    )

    write_figures(
        args.figures,
        {
            "comments": len(items),
            "best_seconds": min(timings),
            "median_seconds": statistics.median(timings),
            "peak_mb": peak / 2**20,
            "groups": len(groups),
            "recall": recall,
            "wrongly_grouped": found["texts in a group they do not belong to"],
        },
    )
    if args.compare_datasketch:
        print("datasketch on the same distinct texts:")
        compare_datasketch(items, args.threshold)
    if args.profile:
        profiler = cProfile.Profile()
        profiler.runcall(group_similar, items, threshold=args.threshold)
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(20)


if __name__ == "__main__":
    main()
