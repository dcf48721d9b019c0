"""The bundled model as an int8 onnxruntime export: nearly the same vectors as sentence-transformers, faster.

sentence-transformers runs BERT through torch, whose per-call overhead dominates when one short question is
encoded at a time. An ONNX export of the same weights, its matrix products quantized to int8 (dynamic, per
channel), run by onnxruntime gives vectors within cosine ONNX_MIN_COSINE of sentence-transformers' in about a third
of the time, and a server that uses it never imports torch. Because int8 vectors are near but not equal to the
float ones, everything an index holds is encoded by this same export when it is in use (the embedder's name says
so, and an index built by the other encoder is stale). Anything that goes wrong here only costs speed: the caller
falls back to sentence-transformers.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import re
import tempfile
import warnings
from pathlib import Path

import numpy as np

log = logging.getLogger("cablewise.index")

ONNX_EXPORT_VERSION = 3  # 2: matrix products quantized to int8; 3: but the first FLOAT_LAYERS layers
PUBLISHED_FORMAT = 1
# The export is used only if its vector of each probe is within this cosine of sentence-transformers' (int8 gives
# about 0.99 on questions; a damaged or wrong file gives far less).
ONNX_MIN_COSINE = 0.98
FLOAT_LAYERS = 2  # the first encoder layers, whose matrix products stay float (see _export_onnx)
ONNX_PROBES = (
    "is TRS to TS balanced?",
    'XLR -> 1/4" TRS: is a DI box with +48V phantom power safe? ¼ inch, S/PDIF, AES/EBU',
    " ".join(["Balanced XLR microphone cable into an unbalanced TS guitar amp input."] * 40),  # > max length
)


class OnnxQueryEncoder:
    """The sentence-transformers model (BERT, mean pooling, L2 normalize) exported to ONNX, run by onnxruntime.

    The export is made once from the local
    weights, quantized, and kept in a cache folder (Settings.model_cache_dir) under a name derived from the model
    files and the torch, transformers, sentence-transformers and onnxruntime versions. Next to it go the tokenizer
    and sentence-transformers' vectors of a few probe texts; the export is used only while onnxruntime reproduces
    those to within cosine ONNX_MIN_COSINE, checked on every load.
    """

    def __init__(self, onnx_path: Path, tokenizer_json: str, max_length: int, *, threads: int = 1) -> None:
        from tokenizers import Tokenizer

        self._tokenizer = Tokenizer.from_str(tokenizer_json)
        self._tokenizer.no_padding()
        self._tokenizer.enable_truncation(max_length=max_length)
        self.path = Path(onnx_path)
        self.threads = threads
        self._session = None
        self._session_pid = 0
        self.dim = int(self.encode(ONNX_PROBES[0]).shape[1])

    def encode(self, text: str) -> np.ndarray:
        """One text -> array of shape (1, dim), unit length."""
        ids = np.asarray([self._tokenizer.encode(text).ids], dtype=np.int64)
        feeds = {"input_ids": ids, "attention_mask": np.ones_like(ids), "token_type_ids": np.zeros_like(ids)}
        return np.asarray(self._process_session().run(None, feeds)[0], dtype=np.float32)

    def _process_session(self):
        # An onnxruntime session does not survive fork: a gunicorn worker that used the master's aborts at exit.
        # So each process opens its own (about 0.2 s, once).
        if self._session is None or self._session_pid != os.getpid():
            import onnxruntime as ort

            options = ort.SessionOptions()
            options.intra_op_num_threads = self.threads
            options.inter_op_num_threads = 1
            options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
            options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
            options.log_severity_level = 3
            self._session = ort.InferenceSession(str(self.path), options, providers=["CPUExecutionProvider"])
            self._session_pid = os.getpid()
        return self._session

    def fidelity(self, reference: np.ndarray) -> float:
        """The lowest cosine between this encoder's vector of each of ONNX_PROBES and the reference vector."""
        return min(float(self.encode(t)[0] @ r) for t, r in zip(ONNX_PROBES, reference, strict=True))

    def publish(self, cache_dir: Path, model_name: str) -> Path:
        """Name this (checked) export as `model_name`'s query encoder in cache_dir, for a runtime without torch.

        A server installed without torch, sentence-transformers or the model package (the container's runtime
        stage) cannot derive the export's file name from the model files; it reads this small file instead
        (`load_published`). Written only when it changes, atomically.
        """
        cache_dir = Path(cache_dir)
        stem = self.path.with_suffix("")
        record = {
            "format": PUBLISHED_FORMAT,
            "model_name": model_name,
            "onnx": self.path.name,
            "meta": stem.with_suffix(".json").name,
            "reference": stem.with_suffix(".npy").name,
        }
        target = published_path(cache_dir, model_name)
        text = json.dumps(record, indent=2) + "\n"
        try:
            if target.read_text(encoding="utf-8") == text:
                return target
        except OSError:
            pass
        _write_atomic(target, lambda fh: fh.write(text.encode()))
        return target

    @classmethod
    def load_published(cls, cache_dir: Path, model_name: str, *, threads: int = 1) -> OnnxQueryEncoder | None:
        """The export `publish` named for model_name, checked against its reference vectors, or None."""
        target = published_path(Path(cache_dir), model_name)
        if not target.is_file():
            return None
        try:
            record = json.loads(target.read_text(encoding="utf-8"))
            if record.get("format") != PUBLISHED_FORMAT or record.get("model_name") != model_name:
                log.warning("%s is not a query encoder record for %s; not used", target, model_name)
                return None
            meta = json.loads((target.parent / record["meta"]).read_text(encoding="utf-8"))
            encoder = cls(
                target.parent / record["onnx"], meta["tokenizer"], int(meta["max_length"]), threads=threads
            )
            worst = encoder.fidelity(np.load(target.parent / record["reference"]))
        except Exception as exc:  # a damaged cache: the caller says what to rebuild
            log.warning("published ONNX query encoder unusable (%s: %s)", type(exc).__name__, exc)
            return None
        if worst < ONNX_MIN_COSINE:
            log.warning(
                "published ONNX query encoder is at cosine %.3f of its reference vectors; not used", worst
            )
            return None
        log.info("queries are encoded with onnxruntime (%s, prebuilt)", encoder.path.name)
        return encoder

    @classmethod
    def load_checked(cls, model_dir: Path, cache_dir: Path, *, threads: int = 1) -> OnnxQueryEncoder | None:
        """The cached, checked export for this model, or None (no onnxruntime, no export yet, or it drifted)."""
        try:
            import onnxruntime  # noqa: F401
        except ImportError:
            return None
        try:
            paths = _cache_paths(model_dir, cache_dir)
            if not all(p.exists() for p in paths.values()):
                return None
            meta = json.loads(paths["meta"].read_text(encoding="utf-8"))
            encoder = cls(paths["onnx"], meta["tokenizer"], int(meta["max_length"]), threads=threads)
            worst = encoder.fidelity(np.load(paths["reference"]))
        except Exception as exc:  # a damaged cache only costs speed
            log.warning("cached ONNX query encoder unusable (%s: %s)", type(exc).__name__, exc)
            return None
        if worst < ONNX_MIN_COSINE:
            log.warning(
                "cached ONNX query encoder is at cosine %.3f of its reference vectors; not used", worst
            )
            return None
        log.info("queries are encoded with onnxruntime (%s)", paths["onnx"].name)
        return encoder

    @classmethod
    def create(
        cls, model, model_dir: Path, cache_dir: Path, reference, *, threads: int = 1
    ) -> OnnxQueryEncoder | None:
        """Export the loaded model, check it against `reference(texts)` (sentence-transformers), cache it.

        Returns None, with the reason logged, when onnxruntime (or onnx, for the export) is missing, the model is
        not BERT + mean pooling + normalize, or the export does not match.
        """
        try:
            import onnxruntime  # noqa: F401
        except ImportError:
            log.info("onnxruntime is not installed: queries are encoded with sentence-transformers")
            return None
        try:
            if not _is_mean_pooled_bert(model):
                log.info("model is not BERT + mean pooling + normalize: queries use sentence-transformers")
                return None
            paths = _cache_paths(model_dir, cache_dir)
            _export_onnx(model, paths["onnx"])
            tokenizer, max_length = model.tokenizer.backend_tokenizer.to_str(), int(model.max_seq_length)
            encoder = cls(paths["onnx"], tokenizer, max_length, threads=threads)
            expected = np.stack([reference([text])[0] for text in ONNX_PROBES])
            worst = encoder.fidelity(expected)
            if worst < ONNX_MIN_COSINE:
                log.warning("ONNX export is at cosine %.3f of sentence-transformers; not used", worst)
                return None
            _write_atomic(paths["reference"], lambda fh: np.save(fh, expected))
            meta = {"tokenizer": tokenizer, "max_length": max_length, "min_cosine": worst}
            _write_atomic(paths["meta"], lambda fh: fh.write(json.dumps(meta).encode()))
        except Exception as exc:  # any failure here only costs speed
            log.warning(
                "ONNX query encoder unavailable (%s: %s); using sentence-transformers",
                type(exc).__name__,
                exc,
            )
            return None
        log.info("queries are encoded with onnxruntime (%s, int8, cosine >= %.3f)", paths["onnx"].name, worst)
        return encoder


def published_path(cache_dir: Path, model_name: str) -> Path:
    """Where `publish` records which export in cache_dir is model_name's query encoder."""
    slug = re.sub(r"[^A-Za-z0-9]+", "-", model_name).strip("-").lower()
    return Path(cache_dir) / f"query-encoder-{slug}.json"


def _is_mean_pooled_bert(model) -> bool:
    modules = [type(m).__name__ for m in model]
    if modules != ["Transformer", "Pooling", "Normalize"] or not hasattr(model[0], "auto_model"):
        return False
    config = model[1].get_config_dict()
    return config.get("pooling_mode") == "mean" or bool(config.get("pooling_mode_mean_tokens"))


def _cache_paths(model_dir: Path, cache_dir: Path) -> dict[str, Path]:
    """The export, its metadata and its reference vectors, named after everything that shapes the vectors."""
    from importlib import metadata

    files = sorted(p for p in Path(model_dir).rglob("*") if p.is_file())
    stats = [(p.relative_to(model_dir).as_posix(), p.stat().st_size, p.stat().st_mtime_ns) for p in files]
    versions = []
    for package in ("torch", "transformers", "sentence-transformers", "onnxruntime"):
        try:
            versions.append(metadata.version(package))
        except metadata.PackageNotFoundError:
            versions.append(None)
    blob = json.dumps(
        [ONNX_EXPORT_VERSION, FLOAT_LAYERS, versions, str(Path(model_dir).resolve()), stats, ONNX_PROBES]
    )
    cache_dir.mkdir(parents=True, exist_ok=True)
    stem = cache_dir / f"{Path(model_dir).name}-{hashlib.sha256(blob.encode()).hexdigest()[:20]}"
    return {
        "onnx": stem.with_suffix(".onnx"),
        "meta": stem.with_suffix(".json"),
        "reference": stem.with_suffix(".npy"),
    }


def _write_atomic(path: Path, write) -> None:
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            write(fh)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def _first_layer_products(onnx_path: str) -> list[str]:
    """The matrix products of the first FLOAT_LAYERS encoder layers, by the names torch.onnx gives BERT's modules."""
    import onnx

    return [
        node.name
        for node in onnx.load(onnx_path).graph.node
        if node.op_type == "MatMul" and any(f"/layer.{i}/" in node.name for i in range(FLOAT_LAYERS))
    ]


def _export_onnx(model, path: Path) -> None:
    """Export BERT + mean pooling + normalize with dynamic batch and length, its matrix products quantized to
    int8; written atomically."""
    import torch
    from onnxruntime.quantization import QuantType
    from onnxruntime.quantization import quantize_dynamic

    class Pooled(torch.nn.Module):
        def __init__(self, bert) -> None:
            super().__init__()
            self.bert = bert

        def forward(self, input_ids, attention_mask, token_type_ids):
            tokens = self.bert(
                input_ids=input_ids,
                attention_mask=attention_mask,
                token_type_ids=token_type_ids,
                return_dict=False,
            )[0]
            mask = attention_mask.unsqueeze(-1).to(tokens.dtype)
            pooled = (tokens * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
            return torch.nn.functional.normalize(pooled, p=2, dim=1)

    sample = model.tokenizer(["a sample sentence to trace the graph"], return_tensors="pt")
    inputs = (sample["input_ids"], sample["attention_mask"], sample["token_type_ids"])
    axes = {0: "batch", 1: "tokens"}
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".export-", suffix=".onnx", dir=path.parent)
    os.close(fd)
    fd, float_model = tempfile.mkstemp(prefix=".float-", suffix=".onnx", dir=path.parent)
    os.close(fd)
    try:
        with warnings.catch_warnings(), torch.no_grad():
            warnings.simplefilter("ignore")
            torch.onnx.export(
                Pooled(model[0].auto_model).eval(),
                inputs,
                float_model,
                input_names=["input_ids", "attention_mask", "token_type_ids"],
                output_names=["sentence_embedding"],
                dynamic_axes={"input_ids": axes, "attention_mask": axes, "token_type_ids": axes},
                opset_version=17,
                dynamo=False,
            )
            # Only the matrix products, per output channel: the embedding tables and attention stay float, which
            # keeps the vectors within about 0.99 cosine of the float model's at about twice its speed on CPUs
            # with int8 dot products. The first layers stay float too: they take the raw embeddings, whose
            # outliers int8 rounds worst, and a message of one or two words ("ok") has too few tokens for the
            # error to average out (0.97 cosine with every layer in int8; 0.98 with the first two in float, for
            # about a quarter more time per question).
            with _root_log_quiet():
                quantize_dynamic(
                    float_model,
                    tmp,
                    per_channel=True,
                    weight_type=QuantType.QInt8,
                    op_types_to_quantize=["MatMul"],
                    nodes_to_exclude=_first_layer_products(float_model),
                )
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
        log.info("exported the query encoder to %s", path)
    finally:
        for leftover in (tmp, float_model):
            if os.path.exists(leftover):
                os.unlink(leftover)


@contextlib.contextmanager
def _root_log_quiet():
    """onnxruntime's quantizer advises pre-processing through the root logger (which, unconfigured, would also set
    up a stderr handler for the whole process): hold that back while it runs."""
    root = logging.getLogger()
    placeholder = logging.NullHandler()
    root.addHandler(placeholder)
    level = root.level
    root.setLevel(logging.ERROR)
    try:
        yield
    finally:
        root.setLevel(level)
        root.removeHandler(placeholder)
