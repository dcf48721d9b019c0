"""The `cablewise` command: ask, index build, kb check, eval, calibrate, db upgrade, report gaps."""

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

    apikey = sub.add_parser("apikey", help="API keys for /api/v1/ (see CABLEWISE_API_KEYS_FILE)")
    apikey_sub = apikey.add_subparsers(dest="apikey_command", required=True)
    new_key = apikey_sub.add_parser("new", help="make a key: prints it once, and the line to store")
    new_key.add_argument("name", help="who holds the key (letters, digits, '.', '-', '_')")
    catalog_cli.add_parser(sub)
    plan_cli.add_parser(sub)

    db = sub.add_parser("db", help="the feedback and question-log database (CABLEWISE_DATABASE_URL)")
    db_sub = db.add_subparsers(dest="db_command", required=True)
    db_sub.add_parser("upgrade", help="apply the schema migrations (safe to run while servers run)")
    db_sub.add_parser("status", help="the database's schema revision against this release's")
    db_sub.add_parser(
        "prune", help="delete question-log rows older than CABLEWISE_QUESTION_LOG_RETENTION_DAYS"
    )

    report = sub.add_parser("report", help="reports from what the service recorded")
    report_sub = report.add_subparsers(dest="report_command", required=True)
    gaps = report_sub.add_parser(
        "gaps", help="refused, low-confidence and not-helpful questions grouped by meaning, with counts"
    )
    gaps.add_argument("--days", type=int, default=30, help="look this many days back (default 30)")
    gaps.add_argument("--below", type=float, default=0.5, help="confidence under this is low (default 0.5)")
    gaps.add_argument(
        "--similarity", type=float, default=0.7, help="cosine similarity that joins a group (default 0.7)"
    )
    gaps.add_argument(
        "--limit", type=int, default=1000, help="newest questions read per source (default 1000)"
    )
    gaps.add_argument("--top", type=int, default=20, help="groups shown (default 20)")
    gaps.add_argument("--json", action="store_true", help="print the whole report as JSON")

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
    except _storage_errors() as exc:
        print(f"error: the database failed: {exc}", file=sys.stderr)
        return 2


def _storage_errors() -> tuple[type[Exception], ...]:
    from sqlalchemy.exc import SQLAlchemyError

    from service.storage.database import SchemaNotReady

    return (SQLAlchemyError, SchemaNotReady)


def _settings():
    from service.settings import Settings

    return Settings()


def _engine():
    from service.runtime import build_engine

    return build_engine(_settings())


def _ask(args) -> int:
    from service.adapters import render

    context = json.loads(args.context) if args.context else None
    engine = _engine()
    answer = engine.answer(args.question, context)
    products = catalog_cli.products_for(answer, engine.ontology, _settings())  # CABLEWISE_CATALOG's that fit
    if args.json:
        print(json.dumps(render.to_api(answer, products=products), indent=2))
    else:
        print(render.to_text(answer) + catalog_cli.products_text(products))
    return 0


def _index(args) -> int:
    from index.build import build_index
    from index.build import is_stale
    from index.embedder import load_embedder
    from index.reader_training import faq_threshold_warning
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
        + (
            f"; nearest-examples gate refuses {float(extra['reader_nearest_ood_recall']):.1%} of out-of-domain "
            f"examples left out (margin >= {float(extra['reader_nearest_threshold']):+.3f})"
            if "reader_nearest_ood_recall" in extra
            else ""
        )
    )
    warning = faq_threshold_warning(float(extra.get("reader_faq_threshold", 0.0)))
    if warning:
        print(warning, file=sys.stderr)
    return 0


def _kb(args) -> int:
    from index.chunking import ArticleError
    from index.chunking import read_articles
    from service.kb import load_ontology

    settings = _settings()
    ontology = load_ontology(settings.kb_dir)
    catalog_cli.check_kb_files(settings.kb_dir, ontology)  # shop.yaml and wiring.yaml
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


def _db(args) -> int:
    from service.question_log import QuestionLog
    from service.storage.database import Database

    settings = _settings()
    database = Database.from_settings(settings)
    try:
        if args.db_command == "upgrade":
            before = database.status()
            after = database.upgrade()
            if not after.known:
                print(
                    f"db: {database.describe()} is at revision {after.current}, newer than this release "
                    f"({after.head}); left as it is",
                    file=sys.stderr,
                )
                return 1
            moved = "already at" if before.current == after.current else f"{before.current or 'empty'} ->"
            print(f"db: {database.describe()}: {moved} {after.current}")
        elif args.db_command == "status":
            status = database.status()
            state = (
                "up to date"
                if status.up_to_date
                else ("behind" if status.known else "newer than this release")
            )
            print(
                f"db: {database.describe()}: revision {status.current or 'none'}, latest {status.head} ({state})"
            )
            return 0 if status.up_to_date else 1
        else:
            log = QuestionLog(database, enabled=True, retention_days=settings.question_log_retention_days)
            print(
                f"db: pruned {log.prune()} question-log rows older than {settings.question_log_retention_days} days"
            )
    finally:
        database.dispose()
    return 0


def _report(args) -> int:
    from service import gaps
    from service.storage.database import Database

    settings = _settings()
    options = gaps.GapOptions(days=args.days, below=args.below, similarity=args.similarity, limit=args.limit)
    database = Database.from_settings(settings)
    try:
        result = gaps.report(database, _question_encoder(settings), options)
    finally:
        database.dispose()
    print(json.dumps(result.as_json(), indent=2) if args.json else gaps.format_report(result, top=args.top))
    return 0


def _question_encoder(settings):
    """Encode questions one at a time, as the server does: the ONNX export when there is one (the same vectors as
    /admin/gaps, and faster here than sentence-transformers' batches: 8 against 26 ms a question), else the model."""
    import numpy as np

    from index.embedder import load_embedder

    embedder = load_embedder(
        settings.model,
        query_encoder=settings.query_encoder,
        cache_dir=settings.model_cache_dir,
        threads=settings.encoder_threads,
    )
    return lambda texts: np.concatenate([embedder.encode([text]) for text in texts]).reshape(len(texts), -1)


_COMMANDS = {
    "ask": _ask,
    "index": _index,
    "kb": _kb,
    "eval": _eval,
    "calibrate": _calibrate,
    "db": _db,
    "report": _report,
}

_COMMANDS["catalog"] = catalog_cli.run
_COMMANDS["plan"] = plan_cli.run


def _apikey(args) -> int:
    from service.adapters.api_keys import ApiKeysInvalid
    from service.adapters.api_keys import make_key

    try:
        key, line = make_key(args.name)
    except ApiKeysInvalid as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"key for {args.name} (shown only now; the client sends it as X-API-Key): {key}")
    print("the line to store in CABLEWISE_API_KEYS_FILE (append :LIMITS to give it its own limits):")
    print(line)
    return 0


_COMMANDS["apikey"] = _apikey

if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
