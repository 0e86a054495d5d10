"""The import path that indexes written before the storage layer name their codec by.

A Whoosh index pickles its codec and field formats by module and class name in its table of
contents; indexes built before they moved to indexer/storage/codec.py refer to
`indexer.codec.NewsdeskCodec` and `indexer.codec.ArrayPositions`, so those names stay here.
"""

from indexer.storage.codec import ArrayPositions, NewsdeskCodec

__all__ = ["ArrayPositions", "NewsdeskCodec"]
