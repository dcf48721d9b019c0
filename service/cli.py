"""The `cablewise` command: ask, index build, kb check, eval."""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from pathlib import Path

from service import catalog_cli
from service import plan_cli

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")


def main(argv: list[str] | None = None) -> int:
    """Entry point of the console script."""
    parser = argparse.ArgumentParser(prog="cablewise", description="Studio-cable question answering.")
    sub = parser.add_subparsers(dest="command", required=True)

    ask = sub.add_parser("ask", help="answer one question")
    ask.add_argument("question")
    ask.add_argument("--json", action="store_true", help="print the HTTP contract's JSON")
    ask.add_argument("--context", help="JSON context of the previous answer, for a follow-up")

    index = sub.add_parser("index", help="manage the retrieval index")
    index_sub = index.add_subparsers(dest="index_command", required=True)
    build = index_sub.add_parser("build", help="build the index from kb/")
    build.add_argument("--if-stale", action="store_true", help="only rebuild when kb/ or the model changed")
    build.add_argument("--quiet", action="store_true", help="no progress bar")

    kb = sub.add_parser("kb", help="knowledge base tools")
    kb_sub = kb.add_subparsers(dest="kb_command", required=True)
    kb_sub.add_parser("check", help="validate kb/ (the same checks the service runs at start)")

    ev = sub.add_parser(
        "eval",
        help="grade question files (../shared/eval format); by default the shared dev sets when ../shared is "
        "beside the checkout, and the project's own sets in tests/eval",
    )
    ev.add_argument("files", type=Path, nargs="*")
    ev.add_argument("--misses", action="store_true", help="list every wrong answer")
    ev.add_argument("--json", action="store_true", help="print the scores as JSON")
    ev.add_argument(
        "--min-structured", type=float, default=None, help="exit 1 below this structured accuracy"
    )

    cal = sub.add_parser(
        "calibrate",
        help="fit the answer confidence (kb/calibration.yaml) on labelled question files held back from training",
    )
    cal.add_argument("files", type=Path, nargs="+")
    cal.add_argument("--out", type=Path, default=None, help="where to write (default: kb/calibration.yaml)")
    catalog_cli.add_parser(sub)
    plan_cli.add_parser(sub)

    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s %(message)s")
    logging.getLogger("bm25s").setLevel(logging.WARNING)
    from service.errors import CablewiseError

    try:
        return _COMMANDS[args.command](args)
    except CablewiseError as exc:
        print(f"error: {exc.detail}", file=sys.stderr)
        return 2
    except (FileNotFoundError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


def _settings():
    from service.settings import Settings

    return Settings()


def _engine():
    from service.runtime import build_engine

    return build_engine(_settings())


def _ask(args) -> int:
    from service.adapters import render

    context = json.loads(args.context) if args.context else None
    answer = _engine().answer(args.question, context)
    print(json.dumps(render.to_api(answer), indent=2) if args.json else render.to_text(answer))
    return 0


def _index(args) -> int:
    from index.build import build_index
    from index.build import is_stale
    from index.embedder import load_embedder
    from service.kb import load_ontology
    from service.kb import ontology_passages
    from service.kb import reader_training_data

    settings = _settings()
    ontology = load_ontology(settings.kb_dir)  # a bad kb fails before the slow part
    # With the ONNX query encoder this also makes its export once, so the server starts without that step.
    embedder = load_embedder(
        settings.model,
        query_encoder=settings.query_encoder,
        cache_dir=settings.model_cache_dir,
        threads=settings.encoder_threads,
    )
    if args.if_stale:
        stale, why = is_stale(settings.kb_dir, settings.index_dir, embedder.name)
        if not stale:
            print(f"index: {why} ({settings.index_dir})")
            return 0
        print(f"index: rebuilding because {why}")
    manifest = build_index(
        settings.kb_dir,
        settings.index_dir,
        embedder,
        extra_passages=ontology_passages(ontology),
        reader=reader_training_data(settings.kb_dir, ontology),
        progress=not args.quiet,
    )
    print(
        f"index: version {manifest.version}, {manifest.count} passages, model {manifest.model_name}, "
        f"dim {manifest.dim} -> {settings.index_dir} (running servers switch to it within seconds)"
    )
    extra = manifest.extra
    print(
        f"reader: {extra['reader_examples']} examples; cross-validated domain accuracy "
        f"{float(extra['reader_domain_cv_accuracy']):.1%}, intent accuracy {float(extra['reader_intent_cv_accuracy']):.1%}, "
        f"FAQ top-1 {float(extra['reader_faq_top1']):.1%}"
    )
    return 0


def _kb(args) -> int:
    from index.chunking import ArticleError
    from index.chunking import read_articles
    from service.kb import load_ontology

    settings = _settings()
    ontology = load_ontology(settings.kb_dir)
    try:
        articles = read_articles(settings.kb_dir / "articles")
    except ArticleError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    unknown = [(a.id, tag) for a in articles for tag in a.sources if tag not in ontology.sources]
    if unknown:
        for article_id, tag in unknown:
            print(f"error: kb/articles/{article_id}.md: unknown source '{tag}'", file=sys.stderr)
        return 2
    sections = sum(len(a.sections) for a in articles)
    print(
        f"kb ok: {len(articles)} articles ({sections} sections), {len(ontology.families)} connector families, "
        f"{len(ontology.devices)} devices, {len(ontology.ports)} port kinds, {len(ontology.link_rules)} link rules, "
        f"{len(ontology.hazards)} hazards, {len(ontology.sources)} sources"
    )
    return 0


def default_eval_files() -> list[Path]:
    """The shared dev sets when ../shared is there, then the project's own sets (never the held-out one)."""
    root = Path(__file__).resolve().parent.parent
    shared = sorted((root.parent / "shared" / "eval").glob("*.jsonl"))
    return shared + sorted((root / "tests" / "eval").glob("*.jsonl"))


def _eval(args) -> int:
    from service.evaluation import format_report
    from service.evaluation import load_items
    from service.evaluation import run

    engine = _engine()
    files = args.files or default_eval_files()
    failed = False
    results = {}
    for path in files:
        report = run(load_items(path), engine.answer)
        results[str(path)] = report.as_json()
        if not args.json:
            print(f"== {path}")
            print(format_report(report, show_misses=args.misses))
            print()
        if args.min_structured is not None and report.totals()["structured"] < args.min_structured:
            failed = True
    if args.json:
        print(json.dumps(results, indent=2))
    return 1 if failed else 0


def _calibrate(args) -> int:
    import dataclasses

    from service.calibration import fit_calibration

    engine = _engine()
    engine.ontology = dataclasses.replace(engine.ontology, calibration=None)  # signals, not last fit's output
    out = args.out or _settings().kb_dir / "calibration.yaml"
    report = fit_calibration(engine, args.files, out)
    print(report)
    return 0


_COMMANDS = {"ask": _ask, "index": _index, "kb": _kb, "eval": _eval, "calibrate": _calibrate}

_COMMANDS["catalog"] = catalog_cli.run
_COMMANDS["plan"] = plan_cli.run

if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
