"""Syndicated-copy detection: precision and recall on a test set of copies and near-misses.

Run:  .venv/bin/python bench/syndication.py [--seed S]

The originals are the demo site's stories (``crawler.demosite``): written from shared
templates, stories of one kind (two wildfires, two job-cut announcements) share phrasing
and topic but not their facts, so every pair of originals is a near-miss that must stay
apart. Some originals get copies as another outlet would run them: a new headline, its own
boilerplate lines, the closing paragraph dropped, a few words edited. Every article goes
through the real store (:meth:`indexer.store.Archive.add_articles`), which groups copies;
the groups are scored pair by pair against the truth. The scoring is reused by
tests/test_syndication.py.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:  # run as a script from anywhere
    sys.path.insert(0, str(REPO))

from crawler.demosite.content import stories  # noqa: E402
from indexer.article import Article  # noqa: E402
from indexer.store import Archive  # noqa: E402

BOILERPLATE_TOP = (
    "Advertisement",
    "This article is more than 2 years old",
    "Listen to this article",
)
BOILERPLATE_BOTTOM = (
    "Copyright 2024 Reuters. All rights reserved.",
    "Sign up for our morning newsletter to get the day's top stories in your inbox.",
    "Our Standards: The Thomson Reuters Trust Principles.",
    "Related: more stories from our business desk",
)
SWAPS = {
    "said": "says", "on": "on", "the": "the", "percent": "per cent", "about": "around",
    "more": "over", "will": "would", "city": "town", "company": "firm", "new": "fresh",
}
EDITS = ("boilerplate", "truncated", "reworded", "all")



def pairs_in_groups(groups: Iterable[Iterable[str]]) -> set[frozenset[str]]:
    """Return every unordered pair of members of the same group (for precision/recall)."""
    pairs: set[frozenset[str]] = set()
    for group in groups:
        members = sorted(set(group))
        pairs.update(frozenset((a, b)) for i, a in enumerate(members) for b in members[i + 1 :])
    return pairs

@dataclass(frozen=True)
class Sample:
    """One article of the test set and the story it truly belongs to."""

    article: Article
    story: str
    edit: str  # "original" or one of EDITS


def _reword(text: str, rng: random.Random, rate: float) -> str:
    words = text.split(" ")
    for i, word in enumerate(words):
        if rng.random() < rate:
            words[i] = SWAPS.get(word.lower(), word.upper() if rng.random() < 0.5 else word + ",")
    return " ".join(words)


def _copy(paragraphs: tuple[str, ...], edit: str, rng: random.Random) -> str:
    body = list(paragraphs)
    if edit in {"truncated", "all"} and len(body) >= 4:
        body = body[: len(body) - 1]
    if edit in {"reworded", "all"}:
        body = [_reword(p, rng, 0.03) for p in body]
    if edit in {"boilerplate", "all"}:
        body = [rng.choice(BOILERPLATE_TOP), *body, rng.choice(BOILERPLATE_BOTTOM),
                rng.choice(BOILERPLATE_BOTTOM)]
    return "\n\n".join(body)


def build_test_set(seed: int = 7) -> list[Sample]:
    """Return the originals (all near-misses of one another) and edited copies of a third.

    The demo site at its published size: larger synthetic sites reuse whole template
    paragraphs, making "different" stories that are copies in all but a few words.
    """
    rng = random.Random(seed)
    samples = []
    for n, story in enumerate(stories()):
        key = f"{story.outlet}{story.path}"
        # The truth: one story per text (the demo's Reuters story runs in two outlets).
        truth = "\n\n".join(story.paragraphs)
        samples.append(Sample(_article(key, story.title, truth), truth, "original"))
        if n % 3:
            continue
        for copy_number, edit in enumerate(rng.sample(EDITS, 2)):
            samples.append(Sample(
                _article(f"copy{copy_number}/{key}", f"{story.title} (updated)",
                         _copy(story.paragraphs, edit, rng)),
                truth, edit,
            ))
    return samples


def _article(key: str, title: str, text: str) -> Article:
    return Article(url=f"https://{key.replace('/', '.', 1)}", title=title, text=text,
                   source=key.split("/", 1)[0].split(".")[0])


@dataclass
class Score:
    """Pairwise precision and recall of predicted groups against the true stories."""

    true_pairs: int
    predicted_pairs: int
    correct_pairs: int
    missed: dict[str, int]

    @property
    def precision(self) -> float:
        """Share of predicted same-story pairs that are true copies."""
        return self.correct_pairs / self.predicted_pairs if self.predicted_pairs else 1.0

    @property
    def recall(self) -> float:
        """Share of true copy pairs that were grouped."""
        return self.correct_pairs / self.true_pairs if self.true_pairs else 1.0


def evaluate(samples: list[Sample], folder: Path) -> Score:
    """Store the samples in a fresh archive under ``folder``; score the groups it made."""
    with Archive(folder / "archive.db") as archive:
        archive.add_articles([(s.article, b"") for s in samples])
        found = archive.stories([s.article.id for s in samples])
    predicted: dict[str, list[str]] = defaultdict(list)
    truth: dict[str, list[str]] = defaultdict(list)
    for s in samples:
        predicted[found.get(s.article.id, s.article.id)].append(s.article.id)
        truth[s.story].append(s.article.id)
    predicted_pairs = pairs_in_groups(predicted.values())
    true_pairs = pairs_in_groups(truth.values())
    edits = {s.article.id: s.edit for s in samples}
    missed: dict[str, int] = defaultdict(int)
    for pair in true_pairs - predicted_pairs:
        missed["+".join(sorted(edits[i] for i in pair))] += 1
    return Score(len(true_pairs), len(predicted_pairs), len(true_pairs & predicted_pairs),
                 dict(missed))


def main() -> None:
    """Build the test set, run it through the store, print precision and recall."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    samples = build_test_set(args.seed)
    originals = sum(s.edit == "original" for s in samples)
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        score = evaluate(samples, Path(tmp))
    seconds = time.perf_counter() - started
    near_misses = originals * (originals - 1) // 2
    print(f"{len(samples)} articles: {originals} originals ({near_misses} near-miss pairs), "
          f"{len(samples) - originals} copies ({score.true_pairs} true copy pairs)")
    print(f"precision {score.precision:.3f} ({score.correct_pairs}/{score.predicted_pairs} "
          f"grouped pairs)  recall {score.recall:.3f} "
          f"({score.correct_pairs}/{score.true_pairs} copy pairs)")
    if score.missed:
        print("missed pairs by edit:", dict(sorted(score.missed.items())))
    print(f"{1000 * seconds / len(samples):.1f} ms per article stored and grouped")


if __name__ == "__main__":
    main()
