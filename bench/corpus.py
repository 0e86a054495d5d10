"""Benchmark corpora built from ../shared/corpora/reuters21578, written under bench/data/.

`reuters_records()` turns the 21,578 Reuters SGML documents into article records;
`scaled_records(n)` recombines their real sentences under their real headlines into n distinct
articles with new ids and dates (for the scale benchmarks). Generated data stays out of git.

    python -m bench.corpus --n 20000 --out bench/data/reuters-20k.jsonl

`write_corpus(n, root)` lays the n articles out as the scale benchmark reads them (bench/scale.py).
"""

from __future__ import annotations

import argparse
import html
import json
import random
import re
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
REUTERS = REPO.parent / "shared" / "corpora" / "reuters21578"
DATA = REPO / "bench" / "data"

_DOC = re.compile(r"<REUTERS(.*?)</REUTERS>", re.S)
_FIELD = {
    name: re.compile(rf"<{name}>(.*?)</{name}>", re.S)
    for name in ("DATE", "TITLE", "DATELINE", "BODY", "AUTHOR")
}
_PLACES = re.compile(r"<PLACES>(.*?)</PLACES>", re.S)
_NEWID = re.compile(r'NEWID="(\d+)"')
_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-Z\"])")
_BYLINE = re.compile(r"^by\s+|,?\s*reuters?\s*$", re.I)


def _field(name: str, doc: str) -> str:
    match = _FIELD[name].search(doc)
    text = html.unescape(match.group(1)) if match else ""
    return re.sub(r"[\x00-\x08\x0b-\x1f]", "", text).strip()


def _paragraphs(body: str) -> str:
    body = re.sub(r"\s*Reuter\s*$", "", body)
    paras = [re.sub(r"\s+", " ", p).strip() for p in re.split(r"\n\s{3,}", body)]
    return "\n\n".join(p for p in paras if p)


def _date(raw: str) -> str | None:
    try:
        return datetime.strptime(raw.split(".")[0].strip(), "%d-%b-%Y %H:%M:%S").date().isoformat()
    except ValueError:
        return None


def _author(raw: str) -> str | None:
    """'By ROBERT TRAUTMAN, Reuters' -> 'Robert Trautman' (875 documents have a byline)."""
    name = _BYLINE.sub("", " ".join(raw.split())).strip(" ,")
    return (name.title() if name.isupper() else name) or None


def reuters_records(root: Path = REUTERS) -> Iterator[dict]:
    """Every Reuters document with a body, as a record with the keys of `newsdesk parse`."""
    for sgm in sorted(root.glob("reut2-*.sgm")):
        raw = sgm.read_bytes().decode("latin-1")
        for match in _DOC.finditer(raw):
            doc = match.group(1)
            body = _paragraphs(_field("BODY", doc))
            title = _field("TITLE", doc).title()
            if not body or not title:
                continue
            dateline = _field("DATELINE", doc).split(",")[0].strip().title()
            yield {
                "id": f"reuters-{_NEWID.search(doc).group(1)}",  # type: ignore[union-attr]
                "title": title,
                "author": _author(_field("AUTHOR", doc)),
                "date": _date(_field("DATE", doc)),
                "location": dateline or None,
                "source": "Reuters",
                "body": body,
            }


def scaled_records(n: int, seed: int = 1987) -> Iterator[dict]:
    """n distinct articles: the originals, then real headlines over recombined real sentences."""
    base = list(reuters_records())
    sentences = [s for r in base for s in _SENTENCE.split(r["body"].replace("\n\n", " ")) if s]
    rng = random.Random(seed)
    start = datetime(2015, 1, 1)
    for i in range(n):
        if i < len(base):
            yield base[i]
            continue
        model = base[i % len(base)]
        picked = [rng.choice(sentences) for _ in range(rng.randint(4, 14))]
        paras = [" ".join(picked[j : j + 3]) for j in range(0, len(picked), 3)]
        yield {
            **model,
            "id": f"scaled-{i}",
            "date": (start + timedelta(days=rng.randrange(3650))).date().isoformat(),
            "body": "\n\n".join(paras),
        }


def write_jsonl(records: Iterator[dict], out: Path) -> int:
    out.parent.mkdir(parents=True, exist_ok=True)
    count = 0
    with out.open("w", encoding="utf-8") as fh:
        for record in records:
            fh.write(json.dumps(record, ensure_ascii=False) + "\n")
            count += 1
    return count


# ---------------------------------------------------------------- the scale corpus layout

FILES_PER_DIR = 250
CORRECTION = "This story corrects the figure given in the second paragraph."
UPDATE = "This story was updated with comments from the ministry."


def scale_dir(n: int) -> Path:
    """Where everything generated for one scale run lives: bench/data/scale-<n>/."""
    return DATA / f"scale-{n}"


def write_corpus(n: int, root: Path, seed: int = 1987) -> int:
    """Write `scaled_records(n)` as a newsroom export: many small JSON Lines files.

    Each file holds 1 to 10 articles (seeded), files go 250 to a directory:
    `root/batch-000/export-000000.jsonl`. Returns the number of files. A stamp file
    (`root` + `.json`) records n and seed, so an existing corpus is reused only if it matches.
    """
    stamp = root.with_suffix(".json")
    wanted = {"n": n, "seed": seed, "layout": "1-10 articles per file, 250 files per dir"}
    if stamp.exists() and json.loads(stamp.read_text())["params"] == wanted:
        return int(json.loads(stamp.read_text())["files"])
    if root.exists():
        for old in sorted(root.glob("batch-*/*.jsonl")):
            old.unlink()
    rng = random.Random(seed + 1)
    records = scaled_records(n, seed)
    files = 0
    while True:
        batch = [r for _, r in zip(range(rng.randint(1, 10)), records, strict=False)]
        if not batch:
            break
        path = root / f"batch-{files // FILES_PER_DIR:03d}" / f"export-{files:06d}.jsonl"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in batch))
        files += 1
    stamp.write_text(json.dumps({"params": wanted, "files": files}))
    return files


def corpus_files(root: Path) -> list[Path]:
    return sorted(root.glob("batch-*/*.jsonl"))


def change_files(
    root: Path, backup: Path, count: int = 100, seed: int = 7, whole: bool = False
) -> list[Path]:
    """Edit `count` seeded files as a newsroom correction would: the first article of each gets
    a sentence appended to its body (with `whole`, every article of each gets another one, as
    when files are scraped again). Originals are kept under `backup` (see restore_files)."""
    restore_files(root, backup)
    chosen = random.Random(seed).sample(corpus_files(root), count)
    for path in chosen:
        rel = path.relative_to(root)
        (backup / rel).parent.mkdir(parents=True, exist_ok=True)
        original = path.read_text(encoding="utf-8")
        (backup / rel).write_text(original, encoding="utf-8")
        lines = original.splitlines()
        for n in range(len(lines) if whole else 1):
            record = json.loads(lines[n])
            record["body"] += "\n\n" + (UPDATE if whole else CORRECTION)
            lines[n] = json.dumps(record, ensure_ascii=False)
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return chosen


def restore_files(root: Path, backup: Path) -> int:
    """Put back every original saved by change_files; returns how many."""
    restored = 0
    for saved in sorted(backup.glob("**/*.jsonl")):
        saved.replace(root / saved.relative_to(backup))
        restored += 1
    return restored


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=0, help="articles (0: the Reuters originals only)")
    ap.add_argument("--out", type=Path, default=DATA / "reuters.jsonl")
    a = ap.parse_args()
    records = scaled_records(a.n) if a.n else reuters_records()
    print(f"{write_jsonl(records, a.out)} articles -> {a.out}")


if __name__ == "__main__":
    main()
