"""Whoosh's segment writers with postings gathered in arrays instead of one tuple each.

Whoosh's SegmentWriter puts every posting in a pool as a tuple (field, term, document,
weight, value), sorts the pool at commit (spilling sorted runs to disk past `limitmb`) and
hands the postings one by one to the codec, which looks up the document's field length for
each: the commit alone took longer than analysing the documents' text.

Here the pool is a `TermPool` (indexer/storage/termpool.py): postings in flat arrays, a
term's postings grouped at commit in document order, spilled to run files past a budget so
that a commit of any size is written in bounded memory. `NewsdeskWriter` writes them a block
at a time (`_PostingsWriter.add_run` in indexer/storage/codec.py) with the field's lengths
read once: the commit takes far less time and the process far less memory
(docs/benchmarks.md, "Measurements behind the design"). The files are the ones Whoosh's
writer writes (tests/test_segment.py). `NewsdeskMpWriter` is Whoosh's MpWriter (one indexing
process per core, each committing its own segment) whose processes write this way.
"""

from __future__ import annotations

import errno
import pickle
import queue
import signal
from collections import Counter
from itertools import groupby
from operator import itemgetter
from typing import Any

from whoosh.formats import Frequency
from whoosh.multiproc import MpWriter, SubWriterTask
from whoosh.system import emptybytes, pack_uint
from whoosh.util import random_name
from whoosh.writing import SegmentWriter

from indexer.analysis import terms, words
from indexer.children import ServerPopen, detach_from_reindex, server
from indexer.errors import IndexingFailed
from indexer.schema import EXACT_ANALYZER, TEXT_ANALYZER
from indexer.storage.blocks import pack_positions
from indexer.storage.codec import ArrayPositions
from indexer.storage.leaves import matcher_postings, pool_lengths
from indexer.storage.termpool import TermPool


class NewsdeskWriter(SegmentWriter):
    """Whoosh's SegmentWriter over a TermPool (see the module)."""

    def __init__(self, ix: Any, **kwargs: Any) -> None:
        super().__init__(ix, **kwargs)
        self.pool: Any = TermPool(spill_dir=getattr(self.storage, "folder", None))
        for name, field in self.schema.items():
            if field.vector or field.separate_spelling():
                raise ValueError(f"{name}: term vectors and spelling fields are not written")
        self.analysed = analysed_fields(self.schema)

    def add_document(self, **fields: Any) -> None:
        # Whoosh's SegmentWriter.add_document, with the pool's insertion inlined: this loop
        # runs once for every posting of the index.
        self._check_state()
        perdocwriter = self.perdocwriter
        schema = self.schema
        docnum = self.docnum
        pool = self.pool
        docboost = self._doc_boost(fields)
        fieldnames = sorted([name for name in fields if not name.startswith("_")])
        self._check_fields(schema, fieldnames)
        analysed = self.analysed
        text: str | None = None  # the last text split into words, and its words
        found: list[str] = []
        language = fields.get("language") or None  # the article's: its words' terms
        perdocwriter.start_doc(docnum)
        try:
            for fieldname in fieldnames:
                value = fields.get(fieldname)
                if value is None:
                    continue
                field = schema[fieldname]
                length = 0
                if field.indexed:
                    boost = self._field_boost(fields, fieldname, docboost)
                    scorable = field.scorable
                    postings = pool.field(fieldname, field)
                    term_ids = postings.term_ids
                    add_term = postings.terms.append
                    add_doc = postings.docs.append
                    add_weight = postings.weights.append
                    values = postings.values
                    shared = postings.shared
                    kind = analysed.get(fieldname)
                    if kind is None or type(value) is not str:
                        entries = field.index(value)
                    else:  # `body` then `body_exact` (sorted names): the same text, split once
                        if value is not text and value != text:
                            text, found = value, words(value)
                        entries = kind(found, field.format.field_boost, language)
                    for tbytes, freq, weight, vbytes in entries:
                        term = term_ids.get(tbytes)
                        if term is None:
                            term = term_ids[tbytes] = len(term_ids)
                        add_term(term)
                        add_doc(docnum)
                        add_weight(weight * boost)
                        if values is not None:
                            vbytes = vbytes or emptybytes
                            if shared is not None:
                                vbytes = shared.setdefault(vbytes, vbytes)
                            values.append(vbytes)
                        if scorable:
                            length += freq
                stored = fields.get(f"_stored_{fieldname}", value)
                perdocwriter.add_field(fieldname, field, stored if field.stored else None, length)
                column = field.column_type
                if column and stored is not None:
                    perdocwriter.add_column_value(fieldname, column, field.to_column_value(stored))
        except ValueError:
            perdocwriter.cancel_doc()
            raise
        perdocwriter.finish_doc()
        self._added = True
        self.docnum += 1
        pool.check()

    def add_postings_to_pool(self, reader: Any, startdoc: int, docmap: Any) -> None:
        """A merged segment's postings (Whoosh's add_reader), a block at a time."""
        copy_postings(self, reader, startdoc, docmap)

    def _flush_segment(self) -> None:
        self.perdocwriter.close()
        lengths = self.per_document_reader()
        try:
            write_pool(self.fieldwriter, self.schema, lengths, self.pool)
        finally:
            lengths.close()
        self.fieldwriter.close()


def copy_postings(writer: Any, reader: Any, startdoc: int, docmap: Any) -> None:
    """Put a segment's postings in the writer's pool, renumbered as Whoosh's add_reader does
    (`startdoc` + n, or `docmap` when the segment has deleted documents: theirs are left out),
    reading each term's postings a block at a time from the term table in order; a reader
    that is not a Whoosh 3 segment goes through Whoosh's own SegmentWriter code.

    Whoosh's own merge reads them one posting at a time through a matcher (id, weight, value
    and next: four calls) and a generator, then adds each to the pool, which made merging
    small segments as slow as indexing their documents again. Here a block at a time, short
    blocks read in Python (blocks.py, `_short_tuple`), a merge takes a fraction of that; most
    of it is now the cost of each term (one matcher each)."""
    terms = getattr(reader, "_terms", None)
    if terms is None or not hasattr(terms, "items") or not hasattr(terms, "_codec"):
        SegmentWriter.add_postings_to_pool(writer, reader, startdoc, docmap)
        return
    codec, postfile = terms._codec, terms._postfile
    schema, pool = writer.schema, writer.pool
    count = reader.doc_count_all()
    if docmap is None:
        renumbered = list(range(startdoc, startdoc + count))
    else:
        renumbered = [docmap.get(docnum, -1) for docnum in range(count)]
    current = None
    for counted, ((fieldname, btext), info) in enumerate(terms.items()):
        if fieldname not in schema:
            continue
        if counted % 1024 == 0 and pool.check():  # spilled: its fields are new
            current = None
        if fieldname != current:
            current, field = fieldname, schema[fieldname]
            postings = pool.field(fieldname, field)
            term_ids, shared, format_ = postings.term_ids, postings.shared, field.format
            add_term, add_doc = postings.terms.append, postings.docs.append
            add_weight, values = postings.weights.append, postings.values
        term = term_ids.get(btext)  # numbered at its first posting kept (none: no term)
        matcher = codec.postings_reader(postfile, info, format_, term=(fieldname, btext))
        for ids, weights, found in matcher_postings(matcher):
            for docnum, weight, value in zip(ids, weights, found, strict=True):
                newdoc = renumbered[docnum]
                if newdoc < 0:
                    continue
                if term is None:
                    term = term_ids[btext] = len(term_ids)
                add_term(term)
                add_doc(newdoc)
                add_weight(weight)
                if values is not None:
                    value = value or emptybytes
                    if shared is not None:
                        value = shared.setdefault(value, value)
                    values.append(value)


def analysed_fields(schema: Any) -> dict[str, Any]:
    """The fields whose words the writer finds itself (`stemmed_values`, `exact_values`):
    TEXT_ANALYZER's with Whoosh's Frequency format, EXACT_ANALYZER's with ArrayPositions.
    Whoosh's analysis spent much of an indexing process's time passing Token objects from
    a tokenizer through filters, and split `body` and `body_exact` (the same text) twice."""
    found: dict[str, Any] = {}
    for name, field in schema.items():
        analyzer, format_ = getattr(field, "analyzer", None), field.format
        if type(format_) is Frequency and analyzer == TEXT_ANALYZER:
            found[name] = stemmed_values
        elif type(format_) is ArrayPositions and analyzer == EXACT_ANALYZER:
            found[name] = exact_values
    return found


def stemmed_values(
    found: list[str], boost: float, language: str | None
) -> list[tuple[bytes, int, float, bytes]]:
    """Frequency.word_values of TEXT_ANALYZER's tokens, given the words (as written) and
    their language: each term in order of first occurrence with its count, weight and
    packed count."""
    return [
        (term.encode("utf-8"), count, float(count) * boost, pack_uint(count))
        for term, count in Counter(terms(found, language)).items()
    ]


def exact_values(
    written: list[str], boost: float, language: str | None = None
) -> list[tuple[bytes, int, float, bytes]]:
    """ArrayPositions.word_values of EXACT_ANALYZER's tokens, given the words (as written):
    each word lower-cased, in order of first occurrence with its count, weight and packed
    positions (the same in every language)."""
    positions: dict[str, list[int]] = {}
    for position, word in enumerate(map(str.lower, written)):
        found = positions.get(word)
        if found is None:
            positions[word] = [position]
        else:
            found.append(position)
    return [
        (word.encode("utf-8"), len(where), float(len(where)) * boost, pack_positions(where))
        for word, where in positions.items()
    ]


def write_pool(fieldwriter: Any, schema: Any, lengths: Any, pool: TermPool) -> None:
    """Every term of the pool, in field and term order, through the codec's field writer:
    a block of postings at a time when it is Newsdesk's (storage/codec.py), else (another
    codec) one posting at a time as Whoosh does."""
    if not hasattr(fieldwriter, "add_run"):
        fieldwriter.add_postings(schema, lengths, pool.iter_postings())
        return
    for fieldname, found in groupby(pool.terms(), key=itemgetter(0)):
        fieldwriter.start_field(fieldname, schema[fieldname])
        doc_lengths = pool_lengths(lengths, fieldname)
        for _, btext, docs, weights, values in found:
            fieldwriter.start_term(btext)
            fieldwriter.add_run(docs, weights, values, doc_lengths)
            fieldwriter.finish_term()
        fieldwriter.finish_field()


class NewsdeskMpWriter(MpWriter):
    """Whoosh's MpWriter (multisegment: each process commits its own segment) whose indexing
    processes are NewsdeskWriters, and whose commit fails when one of them did not finish.

    Whoosh's MpWriter commits whatever segments arrive from its processes and drops the
    segment of a process that died (killed, or out of memory) without a word: a reindex then
    reported every article added and the index lacked those that process held (red team,
    issue 18). Here every process's exit status is checked, and a job is never queued to
    processes that are gone (the queue filled and the run hung): `IndexingFailed`, and the
    commit is not written.
    """

    def __init__(self, ix: Any, **kwargs: Any) -> None:
        super().__init__(ix, multisegment=True, **kwargs)
        self.pool: Any = TermPool(spill_dir=getattr(self.storage, "folder", None))
        # The queues of the context the processes start in (indexer/children.py, `server`):
        # a forked context's cannot be sent to them
        context = server()
        self.jobqueue = context.Queue(self.procs * 4)
        self.resultqueue = context.Queue()

    def _new_task(self) -> Any:
        task = _SubWriterTask(
            self.storage,
            self.indexname,
            self.jobqueue,
            self.resultqueue,
            self.subargs,
            self.multisegment,
        )
        self.tasks.append(task)
        task.start()
        return task

    def _enqueue(self) -> None:
        # Whoosh's _enqueue, with a put that notices dead processes instead of blocking.
        self.check_tasks()
        docbuffer = self.docbuffer
        filename = f"{random_name()}.doclist"
        with self.temp_storage().create_file(filename).raw_file() as f:
            for item in docbuffer:
                pickle.dump(item, f, 2)
        if len(self.tasks) < self.procs:
            self._new_task()
        self._put((filename, len(docbuffer)))
        self.docbuffer = []

    def _put(self, job: Any) -> None:
        while True:
            try:
                self.jobqueue.put(job, timeout=1.0)
                return
            except queue.Full:
                self.check_tasks()

    def check_tasks(self, finished: bool = False) -> None:
        """IndexingFailed if an indexing process has ended before it was told to (or, once
        they are `finished`, ended with anything but success)."""
        for task in self.tasks:
            code = task.exitcode
            if code is None or (finished and code == 0):
                continue
            why = self._failure() if code > 0 else None
            raise IndexingFailed(
                f"an indexing process (pid {task.pid}) failed: {why}"
                if why
                else f"an indexing process (pid {task.pid}) {exit_reason(code)}"
            )

    def _failure(self) -> str | None:
        """The reason a failed indexing process sent (`_SubWriterTask.run`), if any."""
        try:
            while True:
                item = self.resultqueue.get(timeout=1.0)
                if item[0] == FAILED:
                    return str(item[1])
        except queue.Empty:
            return None

    def _commit(self, mergetype: Any, optimize: Any, merge: Any) -> None:
        # Whoosh's MpWriter._commit for a multisegment writer, checking every process.
        if self.docbuffer:
            self._enqueue()
        for _task in self.tasks:
            self._put(None)
        finalsegments = self._merge_segments(mergetype, optimize, merge)
        results = self._results()
        for task in self.tasks:
            task.join()
        self.check_tasks(finished=True)
        if len(results) != len(self.tasks):
            raise IndexingFailed(
                f"{len(self.tasks) - len(results)} indexing process(es) sent no segment"
            )
        finalsegments += [segment for _, _, segment in results]
        if self._added:
            finalsegments.append(self._finalize_segment())
        else:
            self._close_segment()
        self._commit_toc(finalsegments)
        self._finish()

    def _results(self) -> list[Any]:
        """Each process's last message (its segment), waiting as long as it is alive: it
        writes its segment first, which takes a while for a large commit."""
        results: list[Any] = []
        while len(results) < len(self.tasks):
            try:
                item = self.resultqueue.get(timeout=1.0)
                if item[0] == FAILED:
                    raise IndexingFailed(f"an indexing process failed: {item[1]}")
                results.append(item)
            except queue.Empty:
                self.check_tasks(finished=True)  # one died: fail now
                if all(task.exitcode is not None for task in self.tasks):
                    try:  # all ended well: what they sent is in the pipe by now
                        results.append(self.resultqueue.get(timeout=1.0))
                    except queue.Empty:
                        break
        return results

    def cancel(self, **kwargs: Any) -> None:
        """Stop the indexing processes (a failed or interrupted commit): none is left behind
        writing files for a commit that will not come."""
        try:
            for task in self.tasks:
                if task.is_alive():
                    task.kill()
                task.join(5)
        finally:
            SegmentWriter.cancel(self, **kwargs)

    def _flush_segment(self) -> None:
        NewsdeskWriter._flush_segment(self)  # type: ignore[arg-type]

    def add_postings_to_pool(self, reader: Any, startdoc: int, docmap: Any) -> None:
        copy_postings(self, reader, startdoc, docmap)


def exit_reason(code: int) -> str:
    """How a process ended, for messages: 'was killed by SIGKILL (out of memory?)'."""
    if code < 0:
        try:
            name = signal.Signals(-code).name
        except ValueError:
            name = f"signal {-code}"
        hint = " (out of memory, or killed by hand?)" if -code == signal.SIGKILL else ""
        return f"was killed by {name}{hint}"
    return f"exited with status {code}"


class _SubWriterTask(SubWriterTask):
    @staticmethod
    def _Popen(process_obj: Any) -> Any:  # started by the lean fork server (children.py)
        return ServerPopen(process_obj)

    def run(self) -> None:
        # Whoosh's SubWriterTask.run for a multisegment writer, with a NewsdeskWriter, in a
        # process that holds no index lock and ends with its reindex (indexer/children.py).
        # A failure is sent to the parent as its reason (a full disk, say), not printed as a
        # traceback: the parent fails the commit with it (NewsdeskMpWriter.check_tasks).
        detach_from_reindex("index", through_server=True)
        try:
            ix = self.storage.open_index(self.indexname)
            writer = self.writer = NewsdeskWriter(ix, _lk=False, **self.kwargs)
            while self.running:
                jobinfo = self.jobqueue.get()
                if jobinfo is None:
                    break
                self._process_file(*jobinfo)
            if not self.running:
                writer.cancel()
                return
            fieldnames = writer.pool.fieldnames
            segment = writer._finalize_segment()
        except Exception as exc:
            self.resultqueue.put((FAILED, failure_reason(exc), None), timeout=5)
            raise SystemExit(1) from exc
        self.resultqueue.put((None, fieldnames, segment), timeout=5)


FAILED = "newsdesk: failed"  # the first item of a failed indexing process's last message


def failure_reason(exc: BaseException) -> str:
    """What went wrong, for the user: 'the disk is full (path)' rather than errno 28."""
    if isinstance(exc, OSError) and exc.errno == errno.ENOSPC:
        where = f" ({exc.filename})" if exc.filename else ""
        return f"the disk is full{where}"
    if isinstance(exc, MemoryError):
        return "out of memory"
    return f"{type(exc).__name__}: {exc}"
