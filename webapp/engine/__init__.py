"""Matching and BM25F scoring of parsed Whoosh queries over numpy postings arrays.

engine = Engine(searcher.reader(), B=0.3, K1=1.2)  # once per index generation
found = engine.run(searcher, query)   # Found: sorted document numbers and their scores
matched_terms(engine, searcher, query, [12])  # {12: {("body", b"grain"), ...}}

sets.py      Found and the set algebra of sorted document arrays (no Whoosh)
postings.py  Engine: the arrays of one generation (postings cache, lengths, idf)
evaluate.py  the query tree evaluated over them, scored as Whoosh's BM25F scores
"""

from indexer.storage.leaves import DOCNUM, EMPTY_DOCS
from webapp.engine.evaluate import matched_terms
from webapp.engine.postings import SCORE_DECIMALS, Engine
from webapp.engine.sets import EMPTY, Found, common_docs, contains, docs_array

__all__ = [
    "DOCNUM",
    "EMPTY",
    "EMPTY_DOCS",
    "SCORE_DECIMALS",
    "Engine",
    "Found",
    "common_docs",
    "contains",
    "docs_array",
    "matched_terms",
]
