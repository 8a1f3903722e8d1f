"""Throughput of the story page and a passage permalink against two baselines, one uvicorn
worker, loaded by wrk from a separate process. See tests/bench/README.md.

    .venv/bin/python tests/bench/bench_story.py [--duration 2] [--rounds 3] [--json out.json]

Targets (issue): the story page rendered fresh >= 1/12 of the constant route's requests/s;
the story page when nothing changed (render cache warm) >= 1/2 of it.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shlex
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))  # run as a script: `tests.bench.harness` from the repository

from tests.bench.harness import (  # noqa: E402
    REPORT_LUA,
    fail,
    free_port,
    http_get,
    loop_and_http,
    missing_prerequisite,
    run_wrk,
    start_server,
    stop_server,
    uvicorn_command,
)

FRESH_TARGET = 1 / 12  # story page rendered fresh, of the constant route's requests/s
CACHED_TARGET = 1 / 2  # story page with nothing changed since the last render


@dataclass
class Path_:
    name: str
    url: str  # path on the server
    expect_status: int
    if_none_match: str = ""
    note: str = ""
    runs: list[dict[str, Any]] = field(default_factory=list)

    @property
    def is_baseline(self) -> bool:
        return self.name == "constant"


def measure_path(
    args: argparse.Namespace, port: int, p: Path_, seconds: int, pid: int | None
) -> dict[str, Any]:
    run = run_wrk(
        args,
        seconds=seconds,
        timeout="5s",
        lua=REPORT_LUA,
        url=f"http://127.0.0.1:{port}{p.url}",
        env=dict(os.environ, BENCH_IF_NONE_MATCH=p.if_none_match),
        pid=pid,
        where=f" on {p.url}",
    )
    r = run.summary
    errors = {k: v for k, v in r["errors"].items() if v}
    if errors or r["requests"] == 0:
        fail(
            f"{p.name} ({p.url}): {r['requests']} requests, errors {errors} "
            "(status = non-2xx/3xx responses)\n" + run.stdout
        )
    r["rps"] = r["requests"] / (r["duration_us"] / 1e6)
    r["server_cpu_s"] = run.server_cpu_s
    r["cpu_us_per_req"] = run.server_cpu_s / r["requests"] * 1e6
    r["wrk_cpu_s"] = run.wrk_cpu_s
    # CPU the rest of the machine used meanwhile (cores busy with neither server nor wrk):
    # the noise indicator. On an idle machine it is close to 0.
    r["others_cores"] = run.others_cores()
    r["server_cores"] = run.server_cpu_s / run.elapsed_s
    return r


def cache_stats(port: int) -> dict[str, int]:
    status, _, body = http_get(port, "/bench/cache-stats")
    if status != 200:
        fail(f"/bench/cache-stats answered {status}")
    return json.loads(body)  # type: ignore[no-any-return]


def check_path(port: int, p: Path_) -> None:
    headers = {"If-None-Match": p.if_none_match} if p.if_none_match else {}
    status, _, body = http_get(port, p.url, headers)
    if status != p.expect_status:
        fail(f"{p.name}: GET {p.url} answered {status}, expected {p.expect_status}")
    p.note = p.note or f"{len(body):,} B"


def median(xs: list[float]) -> float:
    return statistics.median(xs)


def main() -> int:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument(
        "--duration", type=int, default=2, help="whole seconds measured per path per round (2)"
    )
    ap.add_argument(
        "--baseline-duration",
        type=int,
        default=1,
        help="whole seconds of each constant-route run bracketing the others (1)",
    )
    ap.add_argument(
        "--warmup",
        type=int,
        default=1,
        help="whole seconds of load on each fresh path before the first round (1)",
    )
    ap.add_argument("--rounds", type=int, default=3, help="rounds; medians reported (3)")
    ap.add_argument("--connections", type=int, default=8, help="wrk connections (8)")
    ap.add_argument("--threads", type=int, default=1, help="wrk threads (1)")
    ap.add_argument("--story", default="trump-putin-call")
    ap.add_argument("--json", metavar="FILE", help="also write every run and the summary here")
    ap.add_argument(
        "--max-seconds", type=float, default=300, help="abort if the run takes longer (300)"
    )
    ap.add_argument("--wrk", default=shutil.which("wrk") or "/usr/bin/wrk")
    ap.add_argument("--strict", action="store_true", help="exit 1 when a target is missed")
    args = ap.parse_args()

    if missing_prerequisite(
        args.wrk,
        "bench_story: wrk is not installed. Install it with:\n"
        "    sudo apt-get install -y wrk      (Debian/Ubuntu)\n"
        "or pass --wrk /path/to/wrk.",
        "bench_story: needs Linux (/proc for server CPU time).",
    ):
        return 2
    if min(args.duration, args.baseline_duration, args.rounds) < 1 or args.warmup < 0:
        fail("--duration, --baseline-duration, --rounds >= 1, --warmup >= 0 (whole seconds)")

    # Stopping the bench (SIGTERM, SIGHUP, or SIGINT when run in the background, where the
    # shell ignores it) must still stop the server: turn them into an exception, so that
    # the finally below runs.
    def interrupted(signum: int, _frame: object) -> None:
        raise KeyboardInterrupt(f"signal {signum}")

    for sig in (signal.SIGTERM, signal.SIGHUP, signal.SIGINT):
        signal.signal(sig, interrupted)

    started = time.monotonic()
    n_paths = 7
    planned = 2 * args.warmup + args.rounds * (
        (n_paths - 1) * args.duration + n_paths * args.baseline_duration
    )
    if planned + 20 > args.max_seconds:
        fail(f"planned {planned:.0f} s of load exceeds --max-seconds {args.max_seconds:.0f}")

    tmp = Path(tempfile.mkdtemp(prefix="parallax-bench-"))
    log = tmp / "uvicorn.log"
    port = free_port()
    loop, http_impl = loop_and_http()
    server_cmd = uvicorn_command(port, "tests.bench.bench_app:create")
    env = dict(
        os.environ,
        PARALLAX_BENCH_DB=str(tmp / "bench.db"),
        PARALLAX_BENCH_STORY=args.story,
        PYTHONDONTWRITEBYTECODE="1",
    )
    proc: subprocess.Popen[bytes] | None = None
    load_before = os.getloadavg()
    try:
        proc = start_server(server_cmd, env, log, port, "/bench/constant")
        startup = time.monotonic() - started
        pid = proc.pid

        # The passage: the fourth of the first article, from the read-only API.
        status, _, body = http_get(port, f"/api/stories/{args.story}")
        if status != 200:
            fail(f"/api/stories/{args.story} answered {status}")
        passage = json.loads(body)["articles"][0]["passages"][3]["id"]
        story_url, passage_url = f"/stories/{args.story}", f"/p/{passage}"
        status, headers, _ = http_get(port, story_url)  # also warms the render cache
        etag = headers.get("etag", "")
        if status != 200 or not etag:
            fail(f"GET {story_url} answered {status} with etag {etag!r}")
        http_get(port, passage_url)

        const = Path_("constant", "/bench/constant", 200)
        others = [
            Path_("prerendered", "/bench/prerendered", 200),
            Path_("story fresh", f"/bench/fresh{story_url}", 200),
            Path_("story cached", story_url, 200),
            Path_("story 304", story_url, 304, if_none_match=etag, note="0 B, 304"),
            Path_("passage fresh", f"/bench/fresh{passage_url}", 200),
            Path_("passage cached", passage_url, 200),
        ]
        paths = [const, *others]
        assert len(paths) == n_paths
        for p in paths:
            check_path(port, p)

        print(
            f"Parallax bench: {platform.python_implementation()} {platform.python_version()}, "
            f"{os.cpu_count()} CPUs, uvicorn 1 worker ({loop}, {http_impl}), "
            f"wrk -t{args.threads} -c{args.connections}; {args.rounds} rounds of "
            f"{args.duration} s per path, each bracketed by {args.baseline_duration} s runs of "
            f"the constant route;\n{args.warmup} s warm-up on the fresh paths first; load average "
            f"{load_before[0]:.2f}; server up in {startup:.1f} s (seeded a fresh SQLite file)"
        )
        print(f"story {args.story!r}, passage {passage!r}\n")

        def measure(p: Path_, seconds: int, rnd: int) -> dict[str, Any]:
            if time.monotonic() - started > args.max_seconds:
                fail(f"over --max-seconds {args.max_seconds:.0f}")
            before = cache_stats(port)
            r = measure_path(args, port, p, seconds, pid)
            after = cache_stats(port)
            r["cache"] = {k: after[k] - before[k] for k in after}
            r["round"] = rnd
            verify_cache(p, r)
            if proc is not None and proc.poll() is not None:
                fail(f"the server died during {p.name}:\n{log.read_text()[-3000:]}")
            p.runs.append(r)
            return r

        # Warm-up: the fresh paths start the thread pool's threads and fill SQLAlchemy's
        # compiled-statement cache; the others were warmed by check_path's request.
        for p in paths:
            if args.warmup and p.name.endswith("fresh"):
                measure_path(args, port, p, args.warmup, None)
        for rnd in range(args.rounds):
            # C P1 C P2 ... C P6 C: every path is compared with the constant route measured
            # just before and just after it, so that both see the same machine.
            k = rnd % len(others)
            order = others[k:] + others[:k]
            last = measure(const, args.baseline_duration, rnd)
            for p in order:
                r = measure(p, args.duration, rnd)
                nxt = measure(const, args.baseline_duration, rnd)
                r["const_rps"] = (last["rps"] + nxt["rps"]) / 2
                r["const_cpu_us"] = (last["cpu_us_per_req"] + nxt["cpu_us_per_req"]) / 2
                last = nxt
            print(
                f"  round {rnd + 1}/{args.rounds}: constant "
                f"{median([r['rps'] for r in const.runs if r['round'] == rnd]):,.0f} (median), "
                + ", ".join(f"{p.name} {p.runs[-1]['rps']:,.0f}" for p in others)
                + " req/s",
                flush=True,
            )
    finally:
        if proc is not None:
            stop_server(proc)
        shutil.rmtree(tmp, ignore_errors=True)

    summary = summarize(paths)
    wall = time.monotonic() - started
    report(args, summary, wall, server_cmd)
    if args.json:
        Path(args.json).write_text(
            json.dumps(
                {
                    "args": vars(args),
                    "server_cmd": server_cmd,
                    "wall_s": wall,
                    "load_avg_before": load_before,
                    "load_avg_after": os.getloadavg(),
                    "summary": summary,
                    "runs": {p.name: {"url": p.url, "runs": p.runs} for p in paths},
                },
                indent=2,
            )
        )
    t = summary["targets"]
    missed = not (t["fresh"]["pass"] and t["cached"]["pass"])
    return 1 if (args.strict and missed) else 0


def verify_cache(p: Path_, r: dict[str, Any]) -> None:
    """The fresh runs must not have been served from the cache, nor the cached ones rendered."""
    c, n = r["cache"], r["requests"]
    if p.name.endswith("fresh") and (c["hits"] or c["bypassed"] < n):
        fail(f"{p.name}: {c} for {n} requests: not every request rendered")
    if p.name.endswith("cached") and (c["misses"] > 1 or c["hits"] < n):
        fail(f"{p.name}: {c} for {n} requests: not every request came from the cache")
    if p.name.endswith("304") and (c["hits"] or c["misses"] or c["bypassed"]):
        fail(f"{p.name}: {c}: 304s should not touch the cache")


def summarize(paths: list[Path_]) -> dict[str, Any]:
    by = {p.name: p for p in paths}
    pre = {r["round"]: r for r in by["prerendered"].runs}
    rows = []
    for p in paths:
        runs = p.runs
        row: dict[str, Any] = {
            "path": p.name,
            "url": p.url,
            "note": p.note,
            "runs": len(runs),
            "rps": median([r["rps"] for r in runs]),
            "rps_min": min(r["rps"] for r in runs),
            "rps_max": max(r["rps"] for r in runs),
            "p50_ms": median([r["p50_us"] / 1000 for r in runs]),
            "p99_ms": median([r["p99_us"] / 1000 for r in runs]),
            "cpu_us": median([r["cpu_us_per_req"] for r in runs]),
            "others_cores": median([r["others_cores"] for r in runs]),
        }
        if p.is_baseline:
            row.update(x_const=1.0, cpu_x_const=1.0)
            row["x_pre"] = median([r["rps"] / pre[r["round"]]["rps"] for r in runs])
        else:
            # each run against the constant route measured just before and after it
            row["x_const"] = median([r["rps"] / r["const_rps"] for r in runs])
            row["cpu_x_const"] = median([r["const_cpu_us"] / r["cpu_us_per_req"] for r in runs])
            row["x_pre"] = median([r["rps"] / pre[r["round"]]["rps"] for r in runs])
        rows.append(row)
    row_by = {r["path"]: r for r in rows}
    busy = median([r["others_cores"] for p in paths for r in p.runs])

    def target(name: str, goal: float | None) -> dict[str, Any]:
        r = row_by[name]
        out: dict[str, Any] = {"path": name, "ratio": r["x_const"], "cpu_ratio": r["cpu_x_const"]}
        if goal is not None:
            out.update(
                target=goal,
                pass_=r["x_const"] >= goal,
                cpu_pass=r["cpu_x_const"] >= goal,
            )
            out["pass"] = out.pop("pass_")
        return out

    return {
        "rows": rows,
        "others_cores": busy,
        "targets": {
            "fresh": target("story fresh", FRESH_TARGET),
            "cached": target("story cached", CACHED_TARGET),
            "304": target("story 304", None),
        },
    }


def frac(x: float) -> str:
    return f"1/{1 / x:.1f}" if 0 < x < 1 else f"{x:.2f}x"


def report(
    args: argparse.Namespace, summary: dict[str, Any], wall: float, server_cmd: list[str]
) -> None:
    rows = summary["rows"]
    head = (
        f"{'path':<15} {'req/s':>7} {'(min-max)':>13} {'p50 ms':>7} {'p99 ms':>7} "
        f"{'CPU us/req':>10} {'/const':>7} {'/prerend':>8} {'CPU/const':>9} {'others':>6}"
        f"  {'size':>9}  url"
    )
    print("\n" + head + "\n" + "-" * len(head))
    for r in rows:
        spread = f"{r['rps_min']:,.0f}-{r['rps_max']:,.0f}"
        print(
            f"{r['path']:<15} {r['rps']:>7,.0f} {spread:>13} {r['p50_ms']:>7.2f} "
            f"{r['p99_ms']:>7.2f} {r['cpu_us']:>10,.0f} {r['x_const']:>7.3f} {r['x_pre']:>8.3f} "
            f"{r['cpu_x_const']:>9.3f} {r['others_cores']:>6.2f}  {r['note']:>9}  {r['url']}"
        )
    print(
        "\nMedians over rounds. /const: req/s over the constant route's req/s measured just "
        "before and after the run;\n/prerend: over the prerendered route's in the same round; "
        "CPU/const: the same ratio by server CPU per request\n(constant's CPU us/req over this "
        "path's). others: cores busy with other work meanwhile (about 0 on a quiet machine).\n"
        f"p50/p99 are closed-loop latencies with {args.connections} requests in flight "
        "(they include queueing)."
    )
    t = summary["targets"]
    row = {r["path"]: r for r in rows}
    const = row["constant"]["rps"]
    busy = summary["others_cores"]
    print("\nTargets (req/s relative to the constant route, same run):")
    for key, label in (
        ("fresh", "story page rendered fresh"),
        ("cached", "story page, nothing changed"),
        ("304", "story page, repeat view (304)"),
    ):
        x = t[key]
        name = x["path"]
        goal = x.get("target")
        verdict = "info" if goal is None else ("PASS" if x["pass"] else "MISS")
        line = (
            f"  {verdict}  {label:<30} {row[name]['rps']:>7,.0f} req/s = {frac(x['ratio'])} of "
            f"constant (~{const:,.0f} req/s)"
        )
        if goal is not None:
            line += f"; target >= {frac(goal)}"
        line += f"   [by server CPU per request: {frac(x['cpu_ratio'])}]"
        print(line)
        if goal is not None and x["pass"] != x["cpu_pass"]:
            print(
                f"        not conclusive: by server CPU per request it would be "
                f"{'PASS' if x['cpu_pass'] else 'MISS'}"
                + (f" (other work used ~{busy:.1f} cores)" if busy > 0.3 else "")
            )
    if busy > 0.3:
        print(
            f"\nNote: other work kept about {busy:.1f} of the {os.cpu_count()} cores busy during "
            "the runs: absolute figures are low and noisy;\ncompare the ratios, and prefer "
            "the CPU ones when the two disagree."
        )
    print(f"\nWall time {wall:.0f} s.")
    argv = " ".join(shlex.quote(a) for a in sys.argv[1:])
    server = " ".join([Path(server_cmd[0]).name, *server_cmd[1:]])
    print(
        "Reproduce (from the repository root):\n"
        f"    .venv/bin/python tests/bench/bench_story.py{' ' + argv if argv else ''}\n"
        "Server and load it runs, per path:\n"
        f"    PARALLAX_BENCH_DB=/tmp/bench.db {server}\n"
        f"    wrk -t{args.threads} -c{args.connections} -d{args.duration}s --timeout 5s "
        "--latency -s tests/bench/wrk_report.lua http://127.0.0.1:PORT/URL"
    )


if __name__ == "__main__":
    try:
        raise SystemExit(main())
    except KeyboardInterrupt as exc:
        print(
            f"\nbench_story: interrupted ({exc or 'SIGINT'}); the server was stopped.",
            file=sys.stderr,
        )
        raise SystemExit(130) from None
