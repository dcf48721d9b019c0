"""The pure core: no Flask, FAISS, model or file I/O here, so every step is a plain function over data."""
