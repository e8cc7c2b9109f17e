"""The crawl's process tree stays small: what each process loads, and what it holds.

Summed over the tree (bench/hostile.py), the resident memory of every process counts, pages
shared with others included; these tests catch the regressions that cost it most.
"""

from __future__ import annotations

import json
import subprocess
import sys

from tests.conftest import ROOT, SHARED, need_shared

# Run in a fresh interpreter: the fork server's preload, then what the extractor detects.
PRELOAD_PROBE = """
import json, mmap, re, sys
import crawler.processes.worker_preload
from crawler.extraction import language
from py3langid.langid import MODEL_FILE, LanguageIdentifier

identifier = language._identifier()
start = identifier.nb_ptc.__array_interface__["data"][0]  # the file's first table

def mapped_kb():
    smaps = open("/proc/self/smaps").read()
    blocks = re.split(r"\\n(?=[0-9a-f]+-[0-9a-f]+ )", smaps)
    return sum(int(re.search(r"^Rss:\\s+(\\d+)", b, re.M).group(1))
               for b in blocks if int(b.split("-", 1)[0], 16) == start)

before = mapped_kb()
texts = {
    "en": "The city council voted on Tuesday to keep the old bridge closed to traffic "
          "until engineers finish their inspection of the cracked supports next spring. " * 3,
    "de": "Der Stadtrat hat am Dienstag beschlossen, die alte Brücke für den Verkehr "
          "gesperrt zu lassen, bis die Ingenieure die Prüfung der Stützen beendet haben. " * 3,
    "fr": "Le conseil municipal a décidé mardi de garder le vieux pont fermé à la "
          "circulation jusqu'à ce que les ingénieurs terminent l'inspection des piliers. " * 3,
}
detected = {lang: language.detect_language(None, text) for lang, text in texts.items()}
heap = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
print(json.dumps({
    "found": any(int(line.split("-", 1)[0], 16) == start
                 for line in open("/proc/self/maps")),
    "mapped": isinstance(identifier.tk_nextmove, memoryview)
              and isinstance(identifier.tk_nextmove.obj, mmap.mmap),
    "before_kb": before, "after_kb": mapped_kb(), "detected": detected,
    "same": all(heap.classify(t) == identifier.classify(t) for t in texts.values()),
}))
"""

CRAWL_IMPORTS = """
import sys
import crawler.commands, crawler.pipelines, crawler.run
print(sorted({m.split(".")[0] for m in sys.modules if m.startswith(("whoosh", "indexer.search"))}))
"""


def _run(code: str) -> str:
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                            text=True, timeout=300, check=False)
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout.strip().splitlines()[-1]


def test_the_fork_server_maps_the_language_model_and_reads_none_of_it() -> None:
    """The workers' fork server maps the language model from a file instead of loading it
    (70 MB in its heap, then in each worker's resident memory); detection reads pages of it
    as it needs them, with the results of the model loaded whole."""
    seen = json.loads(_run(PRELOAD_PROBE))
    assert seen["mapped"]
    assert seen["found"]
    assert seen["before_kb"] < 1024  # the server itself has read none of the tables
    assert seen["after_kb"] > seen["before_kb"]  # a detection reads what it needs
    assert seen["detected"] == {"en": "en", "de": "de", "fr": "fr"}
    assert seen["same"]


def test_the_crawl_process_does_not_import_whoosh() -> None:
    """Only the index writer process loads Whoosh and the search modules (about 6 MB)."""
    assert _run(CRAWL_IMPORTS) == "[]"


FIRST_PAGES_PROBE = """
import sys, tracemalloc
import crawler.processes.worker_preload
from crawler.processes.workers import extract_page
tracemalloc.start()
for path, url in zip(sys.argv[1::2], sys.argv[2::2]):
    extract_page(open(path, "rb").read(), None, url)
print(round(tracemalloc.get_traced_memory()[0] / 2**20, 1))
"""


def test_a_worker_builds_no_library_tables_of_its_own() -> None:
    """The tables the extractor's libraries build on first use come from the fork server:
    the first page needing htmldate's extensive search (dateparser, every locale), the
    first through justext, leave under 5 MB in a worker (about 60 MB before)."""
    pages = need_shared(SHARED / "corpus" / "pages")
    args = [str(pages / "der-erfolg-gibt-recht.de.rinderleber.html"),
            "http://www.der-erfolg-gibt-recht.de/rezepte/rinderleber-geschnetzeltes-mit-apfel-"
            "und-zwiebel.htm",
            str(pages / "feuerwehrtaucher-oldenburg.de.ausbildung.html"),
            "http://feuerwehrtaucher-oldenburg.de/bootsdienst/ausbildung.html"]
    result = subprocess.run([sys.executable, "-c", FIRST_PAGES_PROBE, *args], cwd=ROOT,
                            capture_output=True, text=True, timeout=300, check=False)
    assert result.returncode == 0, result.stderr[-2000:]
    assert float(result.stdout.split()[-1]) < 5


TRIM_PROBE = """
import re
from crawler.processes.workers import extract_page
from tests.sites.hostile import article_html, prose

def private_mb():
    text = open("/proc/self/smaps_rollup").read()
    return sum(int(n) for n in re.findall(r"Private_\\w+:\\s+(\\d+)", text)) / 1024

page = article_html("Harbour dues rise", prose("Harbour dues rise")).encode()
extract_page(page, None, "https://a.example/1")
chunks = [bytes(60_000) for _ in range(1500)]  # 90 MB of heap (under the mmap threshold)
del chunks[:-1]  # freed, below the last one: glibc keeps them
before = private_mb()
for n in range(9):
    extract_page(page, None, f"https://a.example/{n}")
print(round(before - private_mb()))
"""


def test_an_extraction_worker_gives_freed_heap_back() -> None:
    """Every ten pages a worker returns the heap's free pages to the system (they stayed
    resident: a worker kept its high-water mark)."""
    assert float(_run(TRIM_PROBE)) > 60
