"""A small closed-loop load driver (threads + http.client, nothing to install) and a gunicorn
runner, for the API cases: N clients each send their next request as soon as the last one
answered; throughput is the requests answered per second, latencies are per request."""
from __future__ import annotations

import http.client
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _peak_rss_kb(pid: int) -> int:
    """VmHWM (peak resident set) of a live process, from /proc; 0 where /proc is missing."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def _children(pid: int) -> list[int]:
    try:
        return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


class Gunicorn:
    """`gunicorn -w WORKERS -b 127.0.0.1:PORT APP` with env; stopped by its pid."""

    def __init__(self, app: str, env: dict[str, str], workers: int = 2, config: str | None = None):
        self.port = free_port()
        # config: another gunicorn.conf.py than the project's (whose hooks boot the product)
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-w", str(workers), "-b", f"127.0.0.1:{self.port}",
             "--log-level", "warning", *(["-c", config] if config else []), app],
            cwd=ROOT, env={**os.environ, **env}, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        self.workers = workers
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"gunicorn exited: {self.proc.stderr.read().decode()[-2000:]}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                    pass
                if len(_children(self.proc.pid)) >= workers:
                    return
            except OSError:
                pass
            time.sleep(0.1)
        self.stop()
        raise RuntimeError("gunicorn did not start")

    def workers_peak_rss_mb(self) -> float:
        return max([_peak_rss_kb(p) for p in _children(self.proc.pid)] or [0]) / 1024

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


@contextmanager
def gunicorn(app: str, env: dict[str, str], workers: int = 2, config: str | None = None) -> Iterator[Gunicorn]:
    server = Gunicorn(app, env, workers, config)
    try:
        yield server
    finally:
        server.stop()


def request(port: int, method: str, path: str, token: str, body: dict | None = None,
            address: str | None = None) -> tuple[int, dict | None]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        payload = json.dumps(body) if body is not None else None
        headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
        if address:  # the client's own address, as a proxy in front would pass it on
            headers["X-Forwarded-For"] = address
        conn.request(method, path, body=payload, headers=headers)
        response = conn.getresponse()
        data = response.read()
        return response.status, (json.loads(data) if data else None)
    finally:
        conn.close()


def run(port: int, scripts: list[Iterator[tuple[str, str, str, dict | None, int]]], seconds: float) -> dict:
    """Each client i works through scripts[i], a stream of (method, path, token, body,
    expected status), until the stream ends or `seconds` pass. Returns requests, errors,
    wall seconds, throughput (requests/s) and latency p50/p99/max in ms."""
    latencies: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()
    stop_at = time.perf_counter() + seconds
    start_gate = threading.Event()

    def client(script, address):
        start_gate.wait()
        mine: list[float] = []
        for method, path, token, body, expected in script:
            if time.perf_counter() >= stop_at:
                break
            began = time.perf_counter()
            try:
                status, answer = request(port, method, path, token, body, address)
            except OSError as exc:
                status, answer = 0, {"error": str(exc)}
            mine.append(time.perf_counter() - began)
            if status != expected:
                with lock:
                    errors.append(f"{method} {path} → {status} {str(answer)[:200]}")
        with lock:
            latencies.extend(mine)

    # each client has an address of its own (X-Forwarded-For; the product trusts one proxy):
    # per-address rate limits count each till or phone apart, as behind a real load balancer
    threads = [threading.Thread(target=client, args=(s, f"10.{i // 250}.{i % 250}.1"), daemon=True)
               for i, s in enumerate(scripts)]
    for t in threads:
        t.start()
    began = time.perf_counter()
    start_gate.set()
    for t in threads:
        t.join()
    wall = time.perf_counter() - began
    return summarize(latencies, errors, wall)


def summarize(latencies: list[float], errors: list[str], wall: float) -> dict:
    ordered = sorted(latencies)

    def pct(p):
        return ordered[min(len(ordered) - 1, int(p * len(ordered)))] * 1000 if ordered else 0.0

    return {"requests": len(ordered), "errors": len(errors), "error_sample": errors[:3], "wall_s": wall,
            "throughput": len(ordered) / wall if wall else 0.0, "p50_ms": pct(0.50), "p99_ms": pct(0.99),
            "max_ms": ordered[-1] * 1000 if ordered else 0.0,
            "median_ms": statistics.median(ordered) * 1000 if ordered else 0.0}


def combine(parts: list[dict]) -> dict:
    """Figures of phases run one after another, as one: requests over the phases' wall time;
    percentiles are the worst phase's (a conservative reading)."""
    requests = sum(p["requests"] for p in parts)
    wall = sum(p["wall_s"] for p in parts)
    return {"requests": requests, "errors": sum(p["errors"] for p in parts),
            "error_sample": [e for p in parts for e in p["error_sample"]][:3], "wall_s": wall,
            "throughput": requests / wall if wall else 0.0, "p50_ms": max(p["p50_ms"] for p in parts),
            "p99_ms": max(p["p99_ms"] for p in parts), "max_ms": max(p["max_ms"] for p in parts),
            "median_ms": max(p["median_ms"] for p in parts)}


def repeat(make: Callable[[], tuple]) -> Iterator[tuple]:
    while True:
        yield make()
