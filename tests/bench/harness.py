"""What the wrk benchmarks (bench_story.py, bench_writes.py) share: one uvicorn worker in its
own process group, wrk runs that end with wrk_report.lua's JSON line, and the CPU readings
from /proc that turn a run into CPU per request and an `others` noise figure.

Kept in one place so that both benchmarks start, load, measure and stop the server the same
way: a fix to how a figure is taken (or how the server is stopped) reaches both.
Linux only (/proc); the scripts check that before calling anything here.
"""

from __future__ import annotations

import argparse
import http.client
import importlib.util
import json
import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NoReturn

ROOT = Path(__file__).resolve().parents[2]
# The wrk script that prints the BENCH_JSON summary line; bench_writes.py prepends it to its
# own generated script, so both benchmarks report in the same format.
REPORT_LUA = Path(__file__).resolve().parent / "wrk_report.lua"
CLK_TCK = os.sysconf("SC_CLK_TCK")


def fail(message: str) -> NoReturn:
    """Stop the benchmark with exit status 2, the message prefixed by the script's name.

    SystemExit rather than an exception of our own: the callers' finally blocks still stop
    the server and remove the temporary files.
    """
    print(f"\n{Path(sys.argv[0]).stem}: FAILED: {message}", file=sys.stderr)
    raise SystemExit(2)


def missing_prerequisite(wrk: str, no_wrk: str, not_linux: str) -> bool:
    """Print `no_wrk` or `not_linux` and answer True when the harness cannot run here: it
    needs the wrk binary at `wrk` and Linux (/proc for CPU time). The caller exits 2."""
    if not Path(wrk).exists():
        print(no_wrk, file=sys.stderr)
        return True
    if not sys.platform.startswith("linux"):
        print(not_linux, file=sys.stderr)
        return True
    return False


def free_port() -> int:
    """A port the OS has just said is free: the server binds it a moment later."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def stat_cpu_seconds(raw: str) -> float:
    """utime + stime from the text of a /proc/<pid>/stat file.

    Split after the last ")": the command name may hold spaces and parentheses. After
    "pid (comm)", state is fields[0]; utime and stime are stat fields 14 and 15.
    """
    fields = raw.rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


def proc_cpu_seconds(pid: int) -> float:
    """utime + stime of the whole process (all threads), from /proc/<pid>/stat."""
    with open(f"/proc/{pid}/stat") as f:
        return stat_cpu_seconds(f.read())


def machine_busy_seconds() -> float:
    """Busy CPU seconds of the whole machine so far (all cores, not idle or iowait), from
    /proc/stat: what the `others` noise figure is taken from."""
    with open("/proc/stat") as f:
        v = [int(x) for x in f.readline().split()[1:9]]
    user, nice, system, _idle, _iowait, irq, softirq, steal = v
    return (user + nice + system + irq + softirq + steal) / CLK_TCK


def http_get(
    port: int, path: str, headers: dict[str, str] | None = None
) -> tuple[int, dict[str, str], bytes]:
    """GET on the local server: status, headers (lower-case names) and body."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.request("GET", path, headers=headers or {})
        resp = conn.getresponse()
        body = resp.read()
        return resp.status, {k.lower(): v for k, v in resp.getheaders()}, body
    finally:
        conn.close()


def loop_and_http() -> tuple[str, str]:
    """uvicorn's fastest event loop and HTTP parser installed here, as deployments run it."""
    loop = "uvloop" if importlib.util.find_spec("uvloop") else "asyncio"
    http_impl = "httptools" if importlib.util.find_spec("httptools") else "h11"
    return loop, http_impl


def uvicorn_command(port: int, factory: str) -> list[str]:
    """One uvicorn worker serving the app factory `module:function`, no access log: the
    figures are per worker, and logging every request would be measured too."""
    loop, http_impl = loop_and_http()
    return [
        str(Path(sys.executable).parent / "uvicorn"), "--factory", factory, "--workers", "1",
        "--host", "127.0.0.1", "--port", str(port), "--loop", loop, "--http", http_impl,
        "--no-access-log", "--log-level", "warning",
    ]  # fmt: skip


def start_server(
    cmd: list[str], env: dict[str, str], log: Path, port: int, ready_path: str
) -> subprocess.Popen[bytes]:
    """Start the server in its own session (process group), so that stop_server can end it
    and whatever it spawned without touching anything else, and wait until `ready_path`
    answers 200 (60 s at most: seeding on a busy machine is slow). On any failure the
    server is stopped before the exception leaves."""
    with open(log, "wb") as logf:
        proc = subprocess.Popen(
            cmd, cwd=ROOT, env=env, stdout=logf, stderr=subprocess.STDOUT, start_new_session=True
        )
    timeout = 60
    try:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                fail(
                    f"the server exited with {proc.returncode} at startup:\n"
                    f"{log.read_text()[-3000:]}"
                )
            try:
                if http_get(port, ready_path)[0] == 200:
                    return proc
            except OSError:
                pass
            time.sleep(0.1)
        fail(f"the server did not answer within {timeout} s:\n{log.read_text()[-3000:]}")
    except BaseException:
        stop_server(proc)
        raise


def stop_server(proc: subprocess.Popen[bytes]) -> None:
    """SIGTERM to the server's own process group, SIGKILL after 10 s; idempotent."""
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)  # the server's own session, nothing else
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


@dataclass
class WrkRun:
    """One wrk run: its BENCH_JSON summary and the CPU the machine spent meanwhile."""

    summary: dict[str, Any]  # the BENCH_JSON line: requests, duration_us, p50_us ... errors
    stdout: str
    stderr: str
    elapsed_s: float
    server_cpu_s: float  # the server process, all threads (0 when no pid was given)
    wrk_cpu_s: float  # wrk itself, as a finished child of this process
    busy_s: float  # the whole machine

    def others_cores(self, also_own_s: float = 0.0) -> float:
        """Cores busy with work that is neither the server, wrk nor `also_own_s` (say, the
        database's processes): the noise indicator, close to 0 on an idle machine."""
        own = self.server_cpu_s + self.wrk_cpu_s + also_own_s
        return max(0.0, self.busy_s - own) / self.elapsed_s


def run_wrk(
    args: argparse.Namespace,
    *,
    seconds: int,
    timeout: str,
    lua: Path,
    url: str,
    env: dict[str, str],
    pid: int | None,
    where: str = "",
) -> WrkRun:
    """Run wrk (the script's --wrk, --threads, --connections; latency percentiles on) and
    read the server's and the machine's CPU time around it. `where` (" on /path") goes into
    the failure messages. Fails when wrk does not finish within `seconds` + 30 s, exits
    non-zero or prints no BENCH_JSON line."""
    cmd = [
        args.wrk, f"-t{args.threads}", f"-c{args.connections}", f"-d{seconds}s",
        "--timeout", timeout, "--latency", "-s", str(lua), url,
    ]  # fmt: skip
    cpu0 = proc_cpu_seconds(pid) if pid else 0.0
    child0 = os.times()
    busy0 = machine_busy_seconds()
    t0 = time.monotonic()
    try:
        out = subprocess.run(
            cmd, env=env, capture_output=True, text=True, timeout=seconds + 30, check=False
        )
    except subprocess.TimeoutExpired:
        fail(f"wrk did not finish{where}")
    cpu1 = proc_cpu_seconds(pid) if pid else 0.0
    child1 = os.times()
    busy1 = machine_busy_seconds()
    elapsed = time.monotonic() - t0
    if out.returncode != 0:
        fail(f"wrk exited {out.returncode}{where}:\n{out.stdout}\n{out.stderr}")
    line = next((ln for ln in out.stdout.splitlines() if ln.startswith("BENCH_JSON ")), None)
    if line is None:
        fail(f"no summary from wrk{where}:\n{out.stdout}\n{out.stderr}")
    return WrkRun(
        summary=json.loads(line.removeprefix("BENCH_JSON ")),
        stdout=out.stdout,
        stderr=out.stderr,
        elapsed_s=elapsed,
        server_cpu_s=cpu1 - cpu0,
        wrk_cpu_s=(child1.children_user + child1.children_system)
        - (child0.children_user + child0.children_system),
        busy_s=busy1 - busy0,
    )
