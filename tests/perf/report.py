"""Turn a bench run's raw numbers into ratios, PASS/FAIL lines, bench-report.md/.json and the latency CDF plot."""

from __future__ import annotations

import json
import statistics
from pathlib import Path

# figure -> (target ratio, "<=" or ">=")
TARGETS = {
    "latency_p50": (1.0, "<="),
    "latency_p99": (2.5, "<="),
    "repeated_p50": (0.1, "<="),
    "throughput": (0.9, ">="),
    "cold_start": (1.3, "<="),
    "memory_per_worker": (1.2, "<="),
    "index_build": (1.2, "<="),
}


def pct(values: list[float], q: float) -> float:
    """The q-th percentile with linear interpolation between closest ranks (numpy's default)."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    pos = (len(ordered) - 1) * q / 100.0
    low = int(pos)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (pos - low)


def _verdict(name: str, ratio: float, extra_ok: bool = True) -> str:
    target, op = TARGETS[name]
    ok = ratio <= target if op == "<=" else ratio >= target
    return "PASS" if ok and extra_ok else "FAIL"


def figures(result: dict) -> dict:
    """Every judged figure: measured value, floor, ratio, target, verdict."""
    floor = result["floor"]["run1"] + result["floor"]["run2"]
    floor_p50 = pct(floor, 50)
    first = result["latency"]["first"]
    repeated = result["latency"]["repeated"]
    cores = result["env"]["usable_cores"]
    rows: dict[str, dict] = {}

    def row(name, label, measured, floor_value, unit, note="", extra_ok=True):
        ratio = measured / floor_value if floor_value else float("nan")
        target, op = TARGETS.get(name, (None, ""))
        rows[name] = {
            "label": label,
            "measured": measured,
            "floor": floor_value,
            "unit": unit,
            "ratio": ratio,
            "target": f"{op} {target}" if target is not None else "-",
            "verdict": _verdict(name, ratio, extra_ok) if name in TARGETS else "info",
            "note": note,
        }

    ms = 1000.0
    row("latency_p50", "latency p50", pct(first, 50) * ms, floor_p50 * ms, "ms")
    row(
        "latency_p95",
        "latency p95",
        pct(first, 95) * ms,
        floor_p50 * ms,
        "ms",
        f"like-for-like (÷ floor p95 {pct(floor, 95) * ms:.1f} ms): {pct(first, 95) / pct(floor, 95):.2f}",
    )
    row(
        "latency_p99",
        "latency p99",
        pct(first, 99) * ms,
        floor_p50 * ms,
        "ms",
        f"like-for-like (÷ floor p99 {pct(floor, 99) * ms:.1f} ms): {pct(first, 99) / pct(floor, 99):.2f}",
    )
    row(
        "repeated_p50",
        "repeated question p50",
        pct(repeated, 50) * ms,
        floor_p50 * ms,
        "ms",
        f"{result['latency']['repeated_identical']}/{result['latency']['n']} answers identical to the first pass",
    )
    tput = result["throughput"]
    row(
        "throughput",
        f"throughput ({tput['clients']} clients)",
        tput["rps"],
        cores / floor_p50,
        "req/s",
        f"{tput['requests']} requests, {tput['errors']} errors {tput['error_kinds'] or ''}; "
        f"floor = {cores} cores / floor p50",
        extra_ok=tput["errors"] == 0,
    )
    uncached = result.get("throughput_uncached")
    if uncached:
        row(
            "throughput_uncached",
            "throughput, caches off (info)",
            uncached["rps"],
            cores / floor_p50,
            "req/s",
            f"{uncached['requests']} requests, {uncached['errors']} errors",
        )
    cold = result["cold_start"]
    row(
        "cold_start",
        "cold start to /readyz 200",
        statistics.median(cold["server"]),
        statistics.median(cold["bare"]),
        "s",
        f"medians of {len(cold['server'])}; server {_list(cold['server'])}, bare {_list(cold['bare'])}",
    )
    if result.get("index_if_stale_s") is not None:
        row(
            "index_if_stale",
            "`index build --if-stale` (make serve runs it first; info)",
            result["index_if_stale_s"],
            statistics.median(cold["bare"]),
            "s",
            "with the index already fresh",
        )
    planner = result.get("planner")
    if planner:
        row(
            "planner",
            "connection plan, per pair (info)",
            pct(planner["first"], 50) * ms,
            floor_p50 * ms,
            "ms",
            f"p50 of {planner['pairs']} pairs with no link judged before; again with the links cached: "
            f"{pct(planner['repeated'], 50) * ms:.1f} ms",
        )
    mem = result["memory"]
    workers = mem["workers"]
    bare_pss = statistics.median([m.get("pss_kb", m["rss_kb"]) for m in result["bare_memory"]]) / 1024
    bare_rss = statistics.median([m["rss_kb"] for m in result["bare_memory"]]) / 1024
    if workers:
        worst_pss = max(w.get("pss_kb", w["rss_kb"]) for w in workers) / 1024
        worst_rss = max(w["rss_kb"] for w in workers) / 1024
        total_pss = (sum(w.get("pss_kb", 0) for w in workers) + mem["master"].get("pss_kb", 0)) / 1024
        row(
            "memory_per_worker",
            "memory per worker (PSS)",
            worst_pss,
            bare_pss,
            "MiB",
            "worst worker; PSS splits pages shared with other processes (libraries) among the sharers",
        )
        row(
            "memory_rss",
            "memory per worker (RSS, info)",
            worst_rss,
            bare_rss,
            "MiB",
            "RSS counts every shared page in full in every process",
        )
        row(
            "memory_total",
            "service total PSS / workers (info)",
            total_pss / len(workers),
            bare_pss,
            "MiB",
            f"master + {len(workers)} workers = {total_pss:.0f} MiB",
        )
    ib = result["index_build"]
    row(
        "index_build",
        "index build of kb/",
        statistics.median(ib["build"]),
        statistics.median(ib["bare"]),
        "s",
        f"{ib['passages']} passages; medians of {len(ib['build'])}; build {_list(ib['build'])}, "
        f"bare encode {_list(ib['bare'])}",
    )
    return rows


def _list(values: list[float]) -> str:
    return "[" + ", ".join(f"{v:.2f}" for v in values) + "]"


def markdown(result: dict, rows: dict) -> str:
    env = result["env"]
    floor = result["floor"]
    lines = [
        "# Cablewise benchmark",
        "",
        f"Run {result['started']} on {env['usable_cores']} cores ({env['cores']} online), "
        f"{env['questions']} questions from `{Path(env['questions_file']).name}`, git {env['git']}. "
        f"Load average before {env['loadavg_before'][0]:.2f}, after {env['loadavg_after'][0]:.2f} "
        "(other work on the machine moves every number; the ratios are taken within this run).",
        "",
        "Floor: a bare process's `SentenceTransformer.encode([question])` + FAISS search (k=4), each question "
        "once per run, two runs (before the server started, after it stopped), with torch's default thread count "
        "and with one thread; the variant with the lower pooled p50 is the floor (the stricter one). "
        + "; ".join(
            f"threads {name} (torch {v['torch_threads']}): p50 {pct(v['run1'], 50) * 1000:.1f} / "
            f"{pct(v['run2'], 50) * 1000:.1f} ms" + (" **chosen**" if name == floor["chosen"] else "")
            for name, v in floor["variants"].items()
        )
        + ". Latency ratios are divided by the floor's p50.",
        "",
        "| figure | measured | floor | ratio | target | result | note |",
        "|---|---:|---:|---:|---:|:---:|---|",
    ]
    for r in rows.values():
        lines.append(
            f"| {r['label']} | {_fmt(r['measured'])} {r['unit']} | {_fmt(r['floor'])} {r['unit']} | "
            f"{r['ratio']:.3f} | {r['target']} | {r['verdict']} | {r['note']} |"
        )
    mem = result["memory"]
    lines += [
        "",
        "Serving processes after the run (kB):",
        "",
        "| process | pid | VmRSS | Pss | threads |",
        "|---|---:|---:|---:|---:|",
        f"| master | {mem['master']['pid']} | {mem['master'].get('rss_kb', '-')} | "
        f"{mem['master'].get('pss_kb', '-')} | {mem['master'].get('threads', '-')} |",
    ]
    lines += [
        f"| worker | {w['pid']} | {w.get('rss_kb', '-')} | {w.get('pss_kb', '-')} | {w.get('threads', '-')} |"
        for w in mem["workers"]
    ]
    bare = result["bare_memory"][0]
    lines += [
        f"| bare model process | - | {bare.get('rss_kb', '-')} | {bare.get('pss_kb', '-')} | "
        f"{bare.get('threads', '-')} |",
        "",
        "Eval (`cablewise eval` before/after) is checked outside the bench; see the issue.",
        "",
        "![latency CDF](latency-cdf.png)",
        "",
    ]
    return "\n".join(lines)


def _fmt(value: float) -> str:
    return f"{value:.3f}" if value < 10 else f"{value:.1f}"


def plot(result: dict, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    curves = {
        **{
            f"floor: encode + FAISS, bare process, torch threads {name}": v["run1"] + v["run2"]
            for name, v in result["floor"]["variants"].items()
        },
        "POST /api/v1/ask, first time": result["latency"]["first"],
        "POST /api/v1/ask, repeated": result["latency"]["repeated"],
        f"POST /api/v1/ask, {result['throughput']['clients']} clients": result["throughput"]["latencies"],
    }
    if result.get("throughput_uncached"):
        curves[f"POST /api/v1/ask, {result['throughput']['clients']} clients, caches off"] = result[
            "throughput_uncached"
        ]["latencies"]
    fig, ax = plt.subplots(figsize=(9, 5.5))
    for label, values in curves.items():
        if not values:
            continue
        xs = sorted(v * 1000 for v in values)
        ys = [(i + 1) / len(xs) for i in range(len(xs))]
        ax.step(xs, ys, where="post", label=f"{label} (n={len(xs)})")
    ax.set_xscale("log")
    ax.set_xlabel("latency (ms, log scale)")
    ax.set_ylabel("fraction of requests")
    ax.set_title(f"Cablewise latency CDF ({result['env']['usable_cores']} cores)")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(loc="lower right", fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def write(result: dict, out: Path) -> str:
    """Write the three files; return the markdown."""
    out.mkdir(parents=True, exist_ok=True)
    rows = figures(result)
    text = markdown(result, rows)
    (out / "bench-report.md").write_text(text, encoding="utf-8")
    (out / "bench-report.json").write_text(
        json.dumps({"figures": rows, "raw": result}, indent=1), encoding="utf-8"
    )
    plot(result, out / "latency-cdf.png")
    return text
