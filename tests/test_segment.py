"""The segment writers (indexer/storage/pool.py) write the index Whoosh's own writer writes:
the same terms, postings, term statistics, stored fields and lengths, for Newsdesk's
documents and for posting lists of many blocks, after merges too."""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import pytest
from whoosh import index
from whoosh.fields import ID, NUMERIC, TEXT, Schema
from whoosh.writing import SegmentWriter

from indexer.analysis import InLanguage
from indexer.parsing import parse_for_index
from indexer.schema import EXACT_FIELDS, SCHEMA, article_documents
from indexer.storage.codec import NewsdeskCodec
from indexer.storage.pool import NewsdeskWriter
from indexer.storage.termpool import TermPool
from indexer.storage.toc import committed_segments

SAMPLES = Path(__file__).resolve().parent.parent / "samples"
WORDS = [f"w{n}" for n in range(40)]


def synthetic_schema() -> Schema:
    return Schema(
        id=ID(stored=True, unique=True),
        freq=TEXT(phrase=False),  # frequencies only: blocks of 1,024
        pos=TEXT(stored=True),  # positions: blocks of 128
        n=NUMERIC(stored=True, sortable=True),
    )


def synthetic_docs(count: int) -> list[dict[str, Any]]:
    rng = random.Random(11)
    docs = []
    for n in range(count):
        few = [f"few{n // 3}"] * rng.randint(1, 3)  # a word of a few documents, repeated
        words = ["common", *rng.choices(WORDS, k=rng.randint(1, 40)), *few, f"rare{n}"]
        text = " ".join(words)
        docs.append({"id": str(n), "freq": text, "pos": text, "n": n})
    return docs


def sample_docs() -> list[dict[str, Any]]:
    docs = []
    for path in sorted(p for p in SAMPLES.rglob("*") if p.is_file() and p.suffix != ".md"):
        parsed = parse_for_index(str(path))
        for article in parsed.articles:
            docs.extend(dict(d, cluster=article.id) for d in article_documents(article, parsed.key))
    assert len(docs) > 50
    return docs


# Texts whose words are easy to get wrong: case folding that changes length (İ, ß), dotted
# tokens and tickers, `*`, underscores, digits, scripts without spaces, combining marks,
# repeated words (positions), and none at all.
HARD_TEXTS = [
    "İstanbul ŞİŞLİ Straße STRASSE ǅungla \u212a",
    "U.S. a.b.c. 3.5% $1,000.50 <KNBW.T> e-mail foo_bar *star* ** x²",
    "ﬁnance ﬀ Ⅻ ½ — running runs ran runner's isn't",
    "the cat the the dog the cat",
    "日本語のテキスト 中文 한국어 café CAFÉ cafe\u0301",
    "",
    "   \n\t ",
]


# Texts in languages whose words are reduced otherwise (dictionary forms, stems, stop words)
LANGUAGE_TEXTS = [
    ("uk", "У Києві президент України Володимир Зеленський заявив, що київ — не Київ."),
    ("ru", "В Москве сказали, что Москва и москвичи ждут; ЛЮДИ и люди."),
    ("de", "Die Häuser der Stadt: das Haus, die Kinder und ein Kind sagten."),
    ("ja", "写真集をミラノで見る"),
    ("ar", "الأميرة السعودية في الشقة"),
]


def hard_docs() -> list[dict[str, Any]]:
    docs = []
    texts = [(None, text) for text in HARD_TEXTS] + LANGUAGE_TEXTS
    for n, (language, text) in enumerate(texts):
        title = texts[-1 - n][1]
        docs.append(
            {"id": str(n), "kind": "article", "title": title, "title_exact": title,
             "body": text, "body_exact": text, "quotes": text.upper(), "quotes_exact": text,
             "language": language or ""}
        )  # fmt: skip
    return docs


def told_language(doc: dict[str, Any]) -> dict[str, Any]:
    """A document as Whoosh's own writer is given it: each searched text says its language
    (InLanguage), which Newsdesk's writer reads from the document's `language`."""
    language = doc.get("language") or None
    told = dict(doc)
    for name in EXACT_FIELDS:
        if isinstance(doc.get(name), str):
            told[name] = InLanguage(doc[name], language)
            told[f"_stored_{name}"] = doc[name]
    return told


def build(
    path: Path,
    schema: Schema,
    writer_class: type,
    batches: list[list[dict]],
    budget: int | None = None,
    **commit: Any,
):
    """An index of `batches` committed one after the other; with a `budget`, Newsdesk's
    writer spills its pool to run files past that many postings (and must have)."""
    path.mkdir()
    ix = index.create_in(str(path), schema)
    for n, batch in enumerate(batches):
        writer = writer_class(ix, codec=NewsdeskCodec())
        if budget is not None:
            writer.pool.budget = budget
        for doc in batch:
            writer.add_document(**(doc if writer_class is NewsdeskWriter else told_language(doc)))
        assert budget is None or len(writer.pool.runs) >= 2
        writer.commit(**(commit if n == len(batches) - 1 else {}))
    return index.open_dir(str(path))


def contents(ix: Any) -> dict[str, Any]:
    """Everything a search reads: each term's statistics and postings (document, weight,
    value bytes), each document's stored fields and field lengths."""
    found: dict[str, Any] = {}
    with ix.searcher() as searcher:
        reader = searcher.reader()
        for fieldname, text in reader.all_terms():
            info = reader.term_info(fieldname, text)
            stats = (
                info.doc_frequency(),
                info.weight(),
                info.min_length(),
                info.max_length(),
                info.max_weight(),
                info.min_id(),
                info.max_id(),
            )
            matcher = reader.postings(fieldname, text)
            rows = []
            while matcher.is_active():
                rows.append((matcher.id(), matcher.weight(), matcher.value()))
                matcher.next()
            found[f"{fieldname}:{text!r}"] = (stats, rows)
        scorable = [name for name in ix.schema.names() if ix.schema[name].scorable]
        for docnum in range(reader.doc_count_all()):
            lengths = [reader.doc_field_length(docnum, name) for name in scorable]
            found[f"doc {docnum}"] = (reader.stored_fields(docnum), lengths)
    return found


@pytest.mark.parametrize(
    "source",
    [
        pytest.param("samples", marks=pytest.mark.slow),
        "hard texts",
        pytest.param("synthetic", marks=pytest.mark.slow),
    ],
)
def test_the_index_written_is_the_one_whoosh_writes(tmp_path: Path, source: str) -> None:
    # Newsdesk's writer finds the words of its text fields itself (analysed_fields): the
    # terms, frequencies and positions must be those of Whoosh's analyzers.
    if source == "samples":
        schema, docs = SCHEMA, sample_docs()
    elif source == "hard texts":
        schema, docs = SCHEMA, hard_docs()
    else:
        schema, docs = synthetic_schema(), synthetic_docs(2_600)  # 'common': 3 long blocks
    ours = build(tmp_path / "ours", schema, NewsdeskWriter, [docs])
    whoosh = build(tmp_path / "whoosh", schema, SegmentWriter, [docs])
    expected = contents(whoosh)
    assert contents(ours) == expected
    common = expected.get("freq:b'common'")
    assert source != "synthetic" or len(common[1]) == 2_600


@pytest.mark.parametrize("budget", [1, 997])
def test_a_pool_spilled_to_run_files_writes_the_same_index(tmp_path: Path, budget: int) -> None:
    # Past its budget the pool writes its postings to run files and starts again empty
    # (TermPool.spill): after every document (budget 1), or now and then in the middle of a
    # term's postings; merged at commit with what is left in memory, a term's postings
    # from every run come out whole and in document order, as one pool writes them.
    docs = synthetic_docs(1_200) if budget > 1 else hard_docs()
    schema = synthetic_schema() if budget > 1 else SCHEMA
    ours = build(tmp_path / "ours", schema, NewsdeskWriter, [docs], budget=budget)
    whoosh = build(tmp_path / "whoosh", schema, SegmentWriter, [docs])
    assert contents(ours) == contents(whoosh)


@pytest.mark.slow
@pytest.mark.parametrize("budget", [None, 5_000])
def test_merged_segments_with_deletions_are_written_as_whoosh_writes_them(
    tmp_path: Path, budget: int | None, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Newsdesk's documents in three segments, some deleted (as updates leave them), merged by
    # a fourth commit: the postings are copied a block at a time (copy_postings), renumbered
    # around the deleted documents; a term whose every posting is deleted is left out.
    docs = sample_docs()
    third = len(docs) // 3
    built = {}
    spills: list[int] = []
    spill = TermPool.spill

    def counted(pool: TermPool) -> None:
        spills.append(1)
        spill(pool)

    monkeypatch.setattr(TermPool, "spill", counted)
    for name, writer_class in (("ours", NewsdeskWriter), ("whoosh", SegmentWriter)):
        path = tmp_path / name
        path.mkdir()
        ix = index.create_in(str(path), SCHEMA)
        for batch in (docs[:third], docs[third : 2 * third], docs[2 * third :]):
            writer = writer_class(ix, codec=NewsdeskCodec())
            for doc in batch:
                writer.add_document(
                    **(doc if writer_class is NewsdeskWriter else told_language(doc))
                )
            writer.commit(merge=False)
        writer = writer_class(ix, codec=NewsdeskCodec())
        if budget is not None and writer_class is NewsdeskWriter:
            pool: Any = writer.pool
            pool.budget = budget  # the merge's copied postings spill too
        for doc in docs[1 : 2 * third : 4]:
            writer.delete_by_term("id", doc["id"])
        writer.commit(optimize=True)
        built[name] = index.open_dir(str(path))
    assert budget is None or len(spills) >= 2
    assert len(committed_segments(built["ours"])) == 1
    merged = contents(built["ours"])
    assert merged == contents(built["whoosh"])
    assert not any(key.startswith(f"id:{docs[1]['id'].encode()!r}") for key in merged)


@pytest.mark.slow
def test_merged_segments_are_written_as_whoosh_writes_them(tmp_path: Path) -> None:
    # Three commits, then one that merges every segment into the new one (add_reader).
    docs = synthetic_docs(1_500)
    batches = [docs[:400], docs[400:900], docs[900:1_400], docs[1_400:]]
    ours = build(tmp_path / "ours", synthetic_schema(), NewsdeskWriter, batches, optimize=True)
    whoosh = build(tmp_path / "whoosh", synthetic_schema(), SegmentWriter, batches, optimize=True)
    assert len(committed_segments(ours)) == 1
    assert contents(ours) == contents(whoosh)


def test_the_compact_term_table_writes_whoosh_s_file(tmp_path: Path) -> None:
    # The term table keeps its buckets in arrays (CompactTermTable): the same bytes as
    # Whoosh's OrderedHashWriter for the same keys and values, read back by Whoosh's reader.
    from whoosh.filedb.filestore import FileStorage
    from whoosh.filedb.filetables import OrderedHashReader, OrderedHashWriter

    from indexer.storage.codec import compact_term_table

    storage = FileStorage(str(tmp_path))
    rng = random.Random(5)
    keys = sorted({f"{rng.choice('abc')}{rng.randrange(10**6)}".encode() for _ in range(5_000)})
    for name, compact in (("whoosh.trm", False), ("ours.trm", True)):
        writer = OrderedHashWriter(storage.create_file(name))
        if compact:
            compact_term_table(writer)
            assert type(writer).__name__ == "CompactTermTable"
        for n, key in enumerate(keys):
            writer.add(key, str(n).encode())
        writer.close()
    assert (tmp_path / "ours.trm").read_bytes() == (tmp_path / "whoosh.trm").read_bytes()
    reader = OrderedHashReader.open(storage, "ours.trm")
    assert reader[keys[1234]] == b"1234"
    assert reader.closest_key(keys[77] + b"\x00") == keys[78]
