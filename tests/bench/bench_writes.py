"""Annotation writes per second and their latency, 20 concurrent clients, one uvicorn worker,
on SQLite (WAL) and on PostgreSQL; loaded by wrk from a separate process.

    .venv/bin/python tests/bench/bench_writes.py [--backend sqlite|postgresql|both]
                                                 [--duration 10] [--connections 20]

Target (issue): at least 300 writes/s on SQLite with p99 under 100 ms, 20 concurrent clients,
on this 2-core machine. PostgreSQL is measured and reported, without a target.

What it does, per backend:
 1. Makes a fresh database (a SQLite file in a temporary directory; a new database
    `px_bench_<random>` on the PostgreSQL server at --pg-url, dropped afterwards), migrates
    and seeds it, and creates 20 analysts with one API token each, straight in the database.
 2. Starts one uvicorn worker on the real app (`uvicorn --factory app.main:create_app`,
    uvloop + httptools when installed, no access log), configured by the environment
    (PARALLAX_DATABASE_URL, PARALLAX_ENVIRONMENT=test), in its own process group, on a free
    port, and waits for /healthz. One POST is made and checked (201, the body echoed back).
 3. Runs wrk (-t1 -c20 by default) with a generated Lua script: every request is
    `POST /api/annotations` with `Authorization: Bearer <token>` (the 20 tokens in turn) and
    a JSON body `{"passage": <a real passage id, in turn>, "body": "bench note N"}`. Each
    POST creates a new annotation; each goes through the whole write path (token lookup,
    one write transaction with the annotation, its version row and the story's
    data-version bump, the response built from what the write knows). The script counts
    every status that is not 201 as an error; its summary line is wrk_report.lua's.
    First --warmup seconds (not measured), then --duration seconds measured.
 4. Reads the server's CPU time (utime + stime, all threads, /proc/<pid>/stat) before and
    after: server CPU per write. On PostgreSQL it also sums the CPU time of the machine's
    `postgres` processes (the database's own work per write; other users of that server
    add to it). `others` = cores busy with work that is neither server, wrk nor postgres:
    the noise indicator (this machine is shared).
 5. Checks afterwards that the annotation table grew by exactly the 201s wrk counted (plus
    at most one request per connection still in flight when wrk stopped), that every
    annotation has its `created` version row, and that the story's data version moved once
    per annotation. Any failure stops the run with exit status 2.

Reading it: writes/s and p50/p99 are closed-loop figures with 20 requests in flight (each
client sends its next write when the previous one is answered), so p99 includes queueing
in the server: it is the latency 20 busy clients see, not the latency at a light load.
Server CPU per write is the steadier figure on a noisy machine; writes/s ~= cores the
server gets / CPU per write.

`--factory module:function` serves another app factory (importable from the repository root
or PYTHONPATH) in the same harness: the way to measure a candidate change to the write path
before making it.

The write path it measures (app/services/annotation_create.py): a note is created with four
plain SQL statements in one transaction on a pooled DB-API connection, the token lookup is
one plain SELECT, and SQLite writers queue on an in-process lock taken before BEGIN
IMMEDIATE (instead of polling in SQLite's busy handler, which made the p99 tail).
Last run (this machine, shared): SQLite 557 writes/s, p99 72.8 ms; PostgreSQL 301 writes/s,
p99 153 ms; server CPU 1.84 / 2.32 ms per write. See tests/bench/README.md.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from sqlalchemy import create_engine, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from app.db import make_engine, write_session  # noqa: E402
from app.migrate import upgrade  # noqa: E402
from app.services.accounts import create_user, issue_token  # noqa: E402
from app.services.seed import load_seeds  # noqa: E402
from tests.bench.harness import (  # noqa: E402
    REPORT_LUA,
    fail,
    free_port,
    missing_prerequisite,
    run_wrk,
    start_server,
    stat_cpu_seconds,
    stop_server,
    uvicorn_command,
)

STORY = "trump-putin-call"
TARGET_WPS = 300.0  # SQLite, writes per second
TARGET_P99_MS = 100.0  # SQLite, with 20 concurrent clients
DEFAULT_PG = os.environ.get(
    "PARALLAX_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
# Server bytecode outside the repository and the venv (PYTHONDONTWRITEBYTECODE is set on
# this machine and site-packages has no __pycache__: each start would compile everything).
PYCACHE = Path(tempfile.gettempdir()) / "parallax-test-pycache"

# Written after wrk_report.lua (its done() prints the BENCH_JSON summary line) into the
# generated post_annotation.lua.
LUA = r"""
-- generated by tests/bench/bench_writes.py: POST an annotation, tokens and passages in turn
local tokens, passages = {}, {}
for t in string.gmatch(os.getenv("BENCH_TOKENS"), "[^,]+") do tokens[#tokens + 1] = t end
for p in string.gmatch(os.getenv("BENCH_PASSAGES"), "[^,]+") do passages[#passages + 1] = p end
local n = 0
not201 = 0  -- a global: done() runs in the main Lua state and reads it from each thread
local threads = {}

function setup(thread)
  threads[#threads + 1] = thread
end

function request()
  n = n + 1
  local headers = {
    ["Authorization"] = "Bearer " .. tokens[(n % #tokens) + 1],
    ["Content-Type"] = "application/json",
    ["Accept"] = "application/json",
  }
  local body = '{"passage": "' .. passages[(n % #passages) + 1] ..
               '", "body": "bench note ' .. n .. '"}'
  return wrk.format("POST", "/api/annotations", headers, body)
end

function response(status, headers, body)
  if status ~= 201 then
    not201 = not201 + 1
    if not201 <= 3 then io.stderr:write("status " .. status .. ": " .. body .. "\n") end
  end
end

-- done() is wrk_report.lua's (written above this part): its BENCH_JSON line gets "not201"
function report_extra()
  local total = 0
  for _, thread in ipairs(threads) do total = total + (thread:get("not201") or 0) end
  return string.format(', "not201": %d', total)
end
"""


def postgres_cpu() -> dict[int, float]:
    """CPU seconds so far of every process on this machine named `postgres`, by pid."""
    out: dict[int, float] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                raw = f.read()
        except OSError:
            continue
        comm = raw[raw.index("(") + 1 : raw.rindex(")")]
        if comm == "postgres":
            out[int(entry)] = stat_cpu_seconds(raw)
    return out


def http(
    port: int, method: str, path: str, body: Any = None, token: str | None = None
) -> tuple[int, Any]:
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(f"http://127.0.0.1:{port}{path}", data=data, method=method)
    req.add_header("Content-Type", "application/json")
    if token:
        req.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            raw = r.read()
            is_json = r.headers.get("content-type", "").startswith("application/json")
            return r.status, json.loads(raw) if is_json else raw.decode(errors="replace")
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode(errors="replace")


class Database:
    """A fresh, migrated, seeded database with `clients` analysts and their tokens."""

    def __init__(self, backend: str, pg_url: str, workdir: Path) -> None:
        self.backend = backend
        self.pg_url = pg_url
        self.created = False
        self.tokens: list[str] = []
        self.passages: list[str] = []
        if backend == "sqlite":
            self.url = f"sqlite:///{workdir / 'bench.db'}"
        else:
            name = f"px_bench_{uuid.uuid4().hex[:10]}"
            self.url = make_url(pg_url).set(database=name).render_as_string(hide_password=False)

    def create(self, clients: int) -> None:
        if self.backend == "postgresql":
            admin = create_engine(self.pg_url, isolation_level="AUTOCOMMIT")
            with admin.connect() as conn:
                conn.execute(text(f'CREATE DATABASE "{make_url(self.url).database}"'))
            admin.dispose()
        self.created = True
        upgrade(self.url)
        engine = make_engine(self.url)
        try:
            load_seeds(engine, ROOT / "seeds")
            with write_session(engine) as s:
                self.tokens = [
                    issue_token(
                        s, create_user(s, name=f"bench{i:02d}", role="analyst", password=None)
                    )
                    for i in range(clients)
                ]
            with engine.connect() as conn:
                self.passages = list(
                    conn.execute(
                        text(
                            "SELECT p.public_id FROM passage p"
                            " JOIN article a ON a.id = p.article_id"
                            " JOIN story s ON s.id = a.story_id"
                            " WHERE s.slug = :s AND p.removed_at IS NULL ORDER BY p.id"
                        ),
                        {"s": STORY},
                    ).scalars()
                )
        finally:
            engine.dispose()
        if not self.passages:
            fail(f"the seeded story {STORY!r} has no passages")

    def counts(self) -> dict[str, int]:
        queries = {
            "annotations": "SELECT COUNT(*) FROM annotation",
            "without_created_row": "SELECT COUNT(*) FROM annotation a WHERE NOT EXISTS ("
            "SELECT 1 FROM annotation_version v WHERE v.annotation_id = a.id"
            " AND v.version = 1 AND v.action = 'created')",
            "story_version": f"SELECT version FROM story WHERE slug = '{STORY}'",
        }
        engine = make_engine(self.url)
        try:
            with engine.connect() as conn:
                return {k: int(conn.execute(text(q)).scalar_one()) for k, q in queries.items()}
        finally:
            engine.dispose()

    def drop(self) -> None:
        if self.backend != "postgresql" or not self.created:
            return
        admin = create_engine(self.pg_url, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(
                text(f'DROP DATABASE IF EXISTS "{make_url(self.url).database}" WITH (FORCE)')
            )
        admin.dispose()


def start_writes_server(
    db: Database, log: Path, factory: str
) -> tuple[subprocess.Popen[bytes], int, list[str]]:
    port = free_port()
    cmd = uvicorn_command(port, factory)
    env = dict(
        os.environ,
        PARALLAX_DATABASE_URL=db.url,
        PARALLAX_ENVIRONMENT="test",
        PYTHONPYCACHEPREFIX=str(PYCACHE),
    )
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return start_server(cmd, env, log, port, "/healthz"), port, cmd


def measure_writes(
    args: argparse.Namespace, port: int, lua: Path, db: Database, seconds: int, pid: int
) -> dict[str, Any]:
    pg0 = postgres_cpu()
    run = run_wrk(
        args,
        seconds=seconds,
        timeout="10s",
        lua=lua,
        url=f"http://127.0.0.1:{port}/api/annotations",
        env=dict(
            os.environ, BENCH_TOKENS=",".join(db.tokens), BENCH_PASSAGES=",".join(db.passages)
        ),
        pid=pid,
    )
    pg1 = postgres_cpu()
    r = run.summary
    r["stderr"] = run.stderr.strip()
    r["wps"] = (r["requests"] - r["not201"]) / (r["duration_us"] / 1e6)
    r["server_cpu_s"] = run.server_cpu_s
    r["server_cores"] = run.server_cpu_s / run.elapsed_s
    r["pg_cpu_s"] = sum(pg1[p] - pg0[p] for p in pg1.keys() & pg0.keys())
    r["wrk_cpu_s"] = run.wrk_cpu_s
    r["others_cores"] = run.others_cores(r["pg_cpu_s"])
    n = max(1, r["requests"])
    r["cpu_ms_per_write"] = r["server_cpu_s"] / n * 1000
    r["pg_cpu_ms_per_write"] = r["pg_cpu_s"] / n * 1000
    return r


def bench_backend(args: argparse.Namespace, backend: str, tmp: Path) -> dict[str, Any]:
    workdir = tmp / backend
    workdir.mkdir()
    t0 = time.monotonic()
    db = Database(backend, args.pg_url, workdir)
    proc: subprocess.Popen[bytes] | None = None
    try:
        db.create(args.connections)
        proc, port, cmd = start_writes_server(db, workdir / "uvicorn.log", args.factory)
        setup_s = time.monotonic() - t0
        status, body = http(
            port,
            "POST",
            "/api/annotations",
            {"passage": db.passages[0], "body": "hello"},
            db.tokens[0],
        )
        if status != 201 or not isinstance(body, dict) or body.get("body") != "hello":
            fail(f"the check POST answered {status}: {body}")
        lua = workdir / "post_annotation.lua"
        lua.write_text(REPORT_LUA.read_text() + LUA)
        before = db.counts()
        warm = measure_writes(args, port, lua, db, args.warmup, proc.pid) if args.warmup else None
        r = measure_writes(args, port, lua, db, args.duration, proc.pid)
        time.sleep(0.5)  # the requests wrk left in flight finish
        if proc.poll() is not None:
            fail(f"the server died:\n{(workdir / 'uvicorn.log').read_text()[-3000:]}")
        log_tail = (workdir / "uvicorn.log").read_text(errors="replace")
        stop_server(proc)
        after = db.counts()
    finally:
        if proc is not None:
            stop_server(proc)
        db.drop()

    acked = sum(x["requests"] - x["not201"] for x in (warm, r) if x)
    grew = after["annotations"] - before["annotations"]
    runs = 2 if warm else 1
    problems = []
    if r["not201"] or any(r["errors"].values()):
        problems.append(f"errors: {r['not201']} non-201, {r['errors']}; {r['stderr'][:500]}")
    if not acked <= grew <= acked + runs * args.connections:
        problems.append(f"{acked} writes got 201 but the annotation table grew by {grew}")
    if after["without_created_row"]:
        problems.append(f"{after['without_created_row']} annotations without a created row")
    if after["story_version"] - before["story_version"] != grew:
        problems.append("the story's data version did not move once per annotation")
    if "Traceback" in log_tail:
        problems.append("the server logged a traceback:\n" + log_tail[-2000:])
    if problems:
        fail(f"{backend}: " + "; ".join(problems))
    r.update(backend=backend, setup_s=setup_s, grew=grew, acked=acked, server_cmd=cmd)
    return r


def main() -> int:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    ap.add_argument("--duration", type=int, default=10, help="whole seconds measured (10)")
    ap.add_argument("--warmup", type=int, default=2, help="whole seconds of load first (2)")
    ap.add_argument("--connections", type=int, default=20, help="concurrent clients (20)")
    ap.add_argument("--threads", type=int, default=1, help="wrk threads (1)")
    ap.add_argument("--pg-url", default=DEFAULT_PG, help="PostgreSQL server (a database is made)")
    ap.add_argument(
        "--factory",
        default="app.main:create_app",
        help="the app factory uvicorn serves (app.main:create_app); another one to measure a "
        "candidate change, importable from the repository root or PYTHONPATH",
    )
    ap.add_argument("--wrk", default=shutil.which("wrk") or "/usr/bin/wrk")
    ap.add_argument("--json", metavar="FILE", help="also write the results here")
    ap.add_argument("--strict", action="store_true", help="exit 1 when the target is missed")
    args = ap.parse_args()

    if missing_prerequisite(
        args.wrk,
        "bench_writes: wrk is not installed (sudo apt-get install -y wrk) or pass --wrk.",
        "bench_writes: needs Linux (/proc for CPU time).",
    ):
        return 2
    if args.duration < 1 or args.warmup < 0 or args.connections < 1:
        fail("--duration >= 1, --warmup >= 0, --connections >= 1")

    backends = ["sqlite", "postgresql"] if args.backend == "both" else [args.backend]
    load_before = os.getloadavg()
    started = time.monotonic()
    tmp = Path(tempfile.mkdtemp(prefix="parallax-bench-writes-"))
    results = []
    try:
        for b in backends:
            results.append(bench_backend(args, b, tmp))
            r = results[-1]
            print(
                f"  {b}: {r['wps']:,.0f} writes/s, p99 {r['p99_us'] / 1000:.1f} ms",
                flush=True,
            )
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    wall = time.monotonic() - started
    missed = report(args, results, load_before, wall)
    if args.json:
        Path(args.json).write_text(json.dumps({"args": vars(args), "results": results}, indent=2))
    return 1 if (args.strict and missed) else 0


def report(
    args: argparse.Namespace, results: list[dict[str, Any]], load_before: Any, wall: float
) -> bool:
    print(
        f"\nParallax write bench: {platform.python_implementation()} "
        f"{platform.python_version()}, {os.cpu_count()} CPUs, uvicorn 1 worker, "
        f"wrk -t{args.threads} -c{args.connections}, {args.duration} s measured after "
        f"{args.warmup} s warm-up, load average before {load_before[0]:.2f}\n"
    )
    head = (
        f"{'backend':<11} {'writes/s':>8} {'p50 ms':>7} {'p90 ms':>7} {'p99 ms':>7} "
        f"{'max ms':>7} {'errors':>6} {'server CPU ms/write':>19} {'postgres CPU ms/write':>21}"
        f" {'others':>6}"
    )
    print(head + "\n" + "-" * len(head))
    for r in results:
        errors = r["not201"] + sum(r["errors"].values())
        pg = f"{r['pg_cpu_ms_per_write']:.2f}" if r["backend"] == "postgresql" else "-"
        print(
            f"{r['backend']:<11} {r['wps']:>8,.0f} {r['p50_us'] / 1000:>7.1f} "
            f"{r['p90_us'] / 1000:>7.1f} {r['p99_us'] / 1000:>7.1f} {r['max_us'] / 1000:>7.1f} "
            f"{errors:>6} {r['cpu_ms_per_write']:>19.2f} {pg:>21} {r['others_cores']:>6.2f}"
        )
    print(
        f"\nLatencies: closed loop, {args.connections} requests in flight (queueing included). "
        "server CPU: the uvicorn process, all threads.\npostgres CPU: every `postgres` process "
        "on the machine (other users of the server add to it). others: cores busy with other "
        "work\n(near 0 on a quiet machine; above ~0.3 the absolute figures are low and noisy)."
    )
    missed = False
    for r in results:
        if r["backend"] == "sqlite":
            ok = r["wps"] >= TARGET_WPS and r["p99_us"] / 1000 < TARGET_P99_MS
            missed = not ok
            print(
                f"\n{'PASS' if ok else 'MISS'}  SQLite: {r['wps']:,.0f} writes/s (target >= "
                f"{TARGET_WPS:.0f}), p99 {r['p99_us'] / 1000:.1f} ms (target < "
                f"{TARGET_P99_MS:.0f} ms) with {args.connections} concurrent clients"
            )
        else:
            print(
                f"info  PostgreSQL: {r['wps']:,.0f} writes/s, p99 {r['p99_us'] / 1000:.1f} ms "
                "(no target)"
            )
    argv = " ".join(shlex.quote(a) for a in sys.argv[1:])
    server = " ".join([Path(results[0]["server_cmd"][0]).name, *results[0]["server_cmd"][1:]])
    print(
        f"\nWall time {wall:.0f} s. Reproduce (from the repository root):\n"
        f"    .venv/bin/python tests/bench/bench_writes.py{' ' + argv if argv else ''}\n"
        "Server and load it runs, per backend:\n"
        f"    PARALLAX_DATABASE_URL=... PARALLAX_ENVIRONMENT=test {server}\n"
        f"    wrk -t{args.threads} -c{args.connections} -d{args.duration}s --timeout 10s "
        "--latency -s post_annotation.lua http://127.0.0.1:PORT/api/annotations"
    )
    return missed


if __name__ == "__main__":
    raise SystemExit(main())
