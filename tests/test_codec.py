"""The index's codec (indexer/storage/): what it writes reads back as Whoosh 3's own codec
reads the same documents, posting for posting, through Whoosh's matchers and the engine."""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from whoosh import index
from whoosh.codec.whoosh3 import W3Codec
from whoosh.fields import ID, TEXT, Schema

from indexer.storage import files
from indexer.storage.blocks import COMPACT, block_arrays, block_positions, blocks_positions
from indexer.storage.codec import LONG_BLOCK, ArrayPositions, NewsdeskCodec
from indexer.storage.files import (
    positions_block_at,
    positions_blocks_at,
    term_doc_frequency,
    term_raw_blocks,
)
from indexer.storage.leaves import leaf_matcher, matcher_arrays
from webapp.engine import Engine
from webapp.engine.scoring import Bm25f

WORDS = [f"w{n}" for n in range(40)]


def schema() -> Schema:
    found = Schema(
        id=ID(stored=True),
        freq=TEXT(phrase=False),  # frequencies only: long blocks
        pos=TEXT(),  # Whoosh's positions: Whoosh's short blocks
        arr=TEXT(),  # positions as arrays, in long blocks
    )
    found["arr"].format = ArrayPositions()
    return found


def build(path: Path, codec: Any, docs: int, compound: bool = False) -> Any:
    rng = random.Random(7)
    path.mkdir()
    ix = index.create_in(str(path), schema())
    writer = ix.writer(codec=codec, compound=compound)  # the index's segments are not compound
    for n in range(docs):
        # A word in every document (several blocks), frequent words, words of a few documents
        # (small blocks), rare ones (one posting: kept inline in the term table), repeats
        # (weights above 1).
        # Some long documents: positions and their distances past a byte, counts too (and
        # one past 65,535 words).
        few = [f"few{n // 3}"] * rng.randint(1, 3)
        words = ["common", *rng.choices(WORDS, k=rng.randint(1, 30)), *few, f"rare{n}"]
        if n % 97 == 5:
            words += ["filler"] * rng.randint(300, 700) + rng.choices(WORDS, k=300)
        if n == 1001:
            words += ["filler"] * 70_000 + ["common", "w1"]
        text = " ".join(words)
        writer.add_document(id=str(n), freq=text, pos=text, arr=text)
    writer.commit()
    return ix


def postings(ix: Any) -> dict[tuple[str, bytes], list[tuple[int, float, Any]]]:
    found = {}
    with ix.searcher() as searcher:
        reader = searcher.reader()
        for fieldname, text in reader.all_terms():
            if fieldname not in ("freq", "pos", "arr"):
                continue
            matcher = reader.postings(fieldname, text)
            kind = "frequency" if fieldname == "freq" else "positions"
            rows = []
            while matcher.is_active():
                rows.append((matcher.id(), matcher.weight(), matcher.value_as(kind)))
                matcher.next()
            found[(fieldname, text)] = rows
    return found


@pytest.fixture(scope="module")
def pair(tmp_path_factory: pytest.TempPathFactory) -> tuple[Any, Any]:
    root = tmp_path_factory.mktemp("codec")
    docs = 3 * LONG_BLOCK + 17
    return build(root / "whoosh", W3Codec(), docs), build(root / "ours", NewsdeskCodec(), docs)


@pytest.mark.slow
def test_postings_read_back_as_whoosh_writes_them(pair: tuple[Any, Any]) -> None:
    whoosh, ours = postings(pair[0]), postings(pair[1])
    assert whoosh.keys() == ours.keys()
    assert whoosh == ours
    assert max(len(rows) for rows in ours.values()) > 2 * LONG_BLOCK  # several long blocks
    # array positions are Whoosh's positions, as Whoosh's own codec writes them too
    for (fieldname, text), rows in whoosh.items():
        if fieldname == "pos":
            assert ours[("arr", text)] == rows
    assert max(max(row[2]) for row in ours[("arr", b"common")]) > 70_000
    assert max(len(row[2]) for row in ours[("arr", b"filler")]) == 70_000


@pytest.mark.slow
def test_a_block_s_positions_read_as_arrays(
    pair: tuple[Any, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """block_positions (the engine's phrases) reads every block of every term of the
    array positions field as Whoosh's matcher decodes them, one posting at a time."""
    whoosh = postings(pair[0])
    with pair[1].searcher() as searcher:
        leaf = searcher.reader()
        postfile = terms_of(leaf)._postfile  # Whoosh keeps it private; the codec reads it
        checked = 0
        for fieldname, text in list(leaf.all_terms()):
            if fieldname != "arr":
                continue
            got = term_blocks(terms_of(leaf), fieldname, text)
            if got is None:  # one posting, kept in the term table
                continue
            rows = iter(whoosh[("pos", text)])
            for docs, _, start in got[1]:
                block = positions_block_at(postfile, start)
                assert block is not None
                counts, positions = block_positions(block[1], block[0])
                expected = [next(rows) for _ in docs]
                assert [row[0] for row in expected] == docs.tolist()
                assert counts.tolist() == [len(row[2]) for row in expected]
                assert positions.tolist() == [p for row in expected for p in row[2]]
                checked += 1
            assert next(rows, None) is None
            # every block of the term at once, and every other one, as a phrase reads them
            every = whoosh[("pos", text)]
            starts = [start for _, _, start in got[1]]
            for chosen, at_once, head in [
                (range(len(starts)), files.READ_AT_ONCE, files.BLOCK_HEAD),
                (range(0, len(starts), 2), files.READ_AT_ONCE, files.BLOCK_HEAD),
                (range(len(starts)), 1, 128),  # each block read alone, and read on
            ]:
                monkeypatch.setattr(files, "READ_AT_ONCE", at_once)
                monkeypatch.setattr(files, "BLOCK_HEAD", head)
                blocks = positions_blocks_at(postfile, [starts[i] for i in chosen])
                assert blocks is not None
                ids, counts, positions = blocks_positions(blocks)
                expected = [row for i in chosen for row in _rows_of(got[1][i][0], every)]
                assert ids.tolist() == [row[0] for row in expected]
                assert counts.tolist() == [len(row[2]) for row in expected]
                assert positions.tolist() == [p for row in expected for p in row[2]]
        assert checked > 100
        # a block without array positions is not read as one
        start = term_blocks(terms_of(leaf), "freq", b"common")[1][0][2]  # type: ignore[index]
        assert positions_block_at(postfile, start) is None


@pytest.mark.slow
def test_engine_reads_the_same_arrays(pair: tuple[Any, Any]) -> None:
    for ix in pair:
        every = postings(ix)
        with ix.searcher() as searcher:
            leaf = searcher.reader()
            for word in ("common", "w3", "w17"):
                for fieldname in ("freq", "pos"):
                    parts = list(matcher_arrays(leaf.postings(fieldname, word.encode())))
                    docs = np.concatenate([ids for ids, _, _ in parts])
                    expected = [row[0] for row in every[(fieldname, word.encode())]]
                    assert docs.tolist() == expected


@pytest.mark.slow
def test_blocks_are_long_but_with_whoosh_s_positions(pair: tuple[Any, Any]) -> None:
    with pair[1].searcher() as searcher:
        reader = searcher.reader()
        freq = list(matcher_arrays(reader.postings("freq", b"common")))
        pos = list(matcher_arrays(reader.postings("pos", b"common")))
        arr = list(matcher_arrays(reader.postings("arr", b"common")))
    assert len(freq[0][0]) == len(arr[0][0]) == LONG_BLOCK
    assert len(pos[0][0]) == 128
    # compact blocks, not pickled: a block's layout shows only in its matcher's _compression
    with pair[1].searcher() as searcher:
        reader = searcher.reader()
        assert leaf_matcher(reader, "freq", b"common")._compression == COMPACT
        assert leaf_matcher(reader, "freq", b"w3")._compression == COMPACT
        assert leaf_matcher(reader, "arr", b"common")._compression == COMPACT
        assert leaf_matcher(reader, "pos", b"common")._compression != COMPACT


def test_block_arrays_reads_whoosh_tuples_too() -> None:
    docs, tf = block_arrays(((3, 1, 4), (1.0, 2.0, 1.0), None), 3, byteids=False)
    assert docs.tolist() == [3, 4, 8] and tf.tolist() == [1.0, 2.0, 1.0]
    docs, tf = block_arrays(((3, 1), None, None), 2, byteids=False)
    assert tf.tolist() == [1.0, 1.0]


@pytest.mark.slow
def test_a_term_read_at_once_is_what_the_matcher_reads(pair: tuple[Any, Any]) -> None:
    """term_raw_blocks (the engine's reader: one read for the term's entry, one for its
    postings) finds every term of both codecs' segments, with the blocks, frequencies and
    block positions Whoosh's matcher gives, and nothing for terms the segment lacks."""
    for ix in pair:
        with ix.searcher() as searcher:
            leaf = searcher.reader()
            inline = 0
            for fieldname, text in list(leaf.all_terms()):
                got = term_blocks(terms_of(leaf), fieldname, text)
                expected = list(matcher_arrays(leaf_matcher(leaf, fieldname, text)))
                if got is None:  # one posting, kept in the term table
                    assert leaf.doc_frequency(fieldname, text) == 1
                    inline += 1
                    continue
                doc_frequency, blocks = got
                assert doc_frequency == leaf.doc_frequency(fieldname, text)
                assert len(blocks) == len(expected) > 0, (fieldname, text)
                for (docs, tf, start), (docs2, tf2, start2) in zip(blocks, expected, strict=True):
                    assert docs.tolist() == docs2.tolist() and tf.tolist() == tf2.tolist()
                    assert start == start2
                assert term_blocks(terms_of(leaf), fieldname, text + b"x") == (0, [])
                assert term_doc_frequency(terms_of(leaf), fieldname, text) == (
                    leaf.doc_frequency(fieldname, text)
                )
                assert term_doc_frequency(terms_of(leaf), fieldname, text + b"x") == 0
            assert inline < len(list(leaf.all_terms())) / 2
            assert term_blocks(terms_of(leaf), "nofield", b"common") == (0, [])


@pytest.mark.slow
def test_the_engine_reads_every_term_as_the_matcher_does(tmp_path: Path) -> None:
    """The engine's postings of each term over segments of different layouts (Whoosh's,
    Newsdesk's pickled arrays as written before compact blocks, compact; one compound, read
    through Whoosh's matcher) are the matcher's: documents, frequencies and the first
    document of each block."""
    cases = [
        (NewsdeskCodec(), NewsdeskCodec(), False),
        (W3Codec(), NewsdeskCodec(), False),  # an index of Whoosh's, then Newsdesk's blocks
        (_PickledCodec(), NewsdeskCodec(), False),  # an index of an earlier Newsdesk
        (NewsdeskCodec(), NewsdeskCodec(), True),
    ]
    for number, (first, then, compound) in enumerate(cases):
        ix = build(tmp_path / str(number), first, 300, compound=compound)
        writer = ix.writer(codec=then, compound=False)  # a second, non-compound segment
        for n in range(300, 420):
            writer.add_document(id=str(n), freq="common w1 w2", pos="common w1 w2")
        writer.commit(merge=False)
        every = postings(ix)
        with ix.searcher() as searcher:
            reader = searcher.reader()
            assert len(reader.leaf_readers()) == 2
            engine = Engine(reader, Bm25f(k1=1.2, b=0.75))
            for fieldname, text in reader.all_terms():
                if fieldname not in ("freq", "pos"):
                    continue
                docs, tf = engine.postings(searcher, fieldname, text)
                expected = [row[:2] for row in every[(fieldname, text)]]
                assert list(zip(docs.tolist(), tf.tolist(), strict=True)) == expected
                # each block's first document (the engine's index for phrases): no public name
                blocks = engine._postings_of(searcher, fieldname, text).blocks
                assert blocks is not None
                assert set(blocks[0].tolist()) <= set(docs.tolist())
                assert blocks[0].tolist() == sorted(blocks[0].tolist())


class _PickledCodec(NewsdeskCodec):
    """Newsdesk's codec as it was before compact blocks: every block pickled."""

    def postings_writer(self, dbfile: Any, byteids: bool = False) -> Any:
        writer: Any = super().postings_writer(dbfile, byteids)
        writer._compact = lambda: None  # the earlier layout: no public switch brings it back
        return writer


def terms_of(leaf: Any) -> Any:
    """A segment reader's terms table, which the codec's functions read."""
    return leaf._terms  # Whoosh's segment reader has no public name for it


def term_blocks(terms: Any, fieldname: str, text: bytes) -> Any:
    """term_raw_blocks with each block decoded: (docs, frequencies, position)."""
    found = term_raw_blocks(terms, fieldname, text)
    if found is None:
        return None
    doc_frequency, raw = found
    return doc_frequency, [(*block_arrays((b[1], b[2], None), b[0], False), b[3]) for b in raw]


def _rows_of(docs: np.ndarray, rows: list[tuple[int, float, Any]]) -> list[tuple[int, float, Any]]:
    """The postings of one block (its documents) among a term's."""
    wanted = set(docs.tolist())
    return [row for row in rows if row[0] in wanted]
