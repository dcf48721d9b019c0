"""Builds the retrieval index from kb/ and owns its on-disk format. Imports nothing on purpose."""
