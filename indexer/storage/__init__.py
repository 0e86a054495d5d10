"""The only code that touches Whoosh's private names and file layouts (docs/storage.md).

    blocks.py   the compact block layout of postings: bytes and numpy, no Whoosh
    files.py    a term's entry and postings read straight from Whoosh 3's files
    codec.py    NewsdeskCodec and ArrayPositions: Whoosh 3's codec writing compact blocks
    leaves.py   what search reads from each segment: live documents, postings, lengths,
                document frequencies, wildcard words, the date column
    pool.py     the segment writers: Newsdesk's analysis inlined, Whoosh's MpWriter processes
    termpool.py the writers' pool of postings: flat arrays, spilled to run files past a budget
    toc.py      the index's table of contents: the last generation, and cleaning up after
                a failed commit

Everything else imports these modules' public names; tests/test_storage_contract.py checks
each private Whoosh name and layout they rely on against the installed Whoosh.
"""
