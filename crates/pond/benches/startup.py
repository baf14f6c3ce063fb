#!/usr/bin/env python3
"""Start-up time of `pond serve`: from spawning the binary on a fresh SQLite
file to the first 200 on /healthz, over several runs (docs/benchmarks.md).
Usage: startup.py BINARY RUNS"""
import os, socket, subprocess, sys, tempfile, time, urllib.request, statistics

def free_port():
    s = socket.socket(); s.bind(("127.0.0.1", 0)); p = s.getsockname()[1]; s.close(); return p

def once(binary):
    d = tempfile.mkdtemp()
    port = free_port()
    env = dict(os.environ, POND_DATABASE_URL=f"sqlite://{d}/pond.db", RUST_LOG="warn")
    t0 = time.perf_counter()
    p = subprocess.Popen([binary, "serve", "--listen", f"127.0.0.1:{port}", "--time-zone", "Asia/Shanghai"],
                         env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1) as r:
                    if r.status == 200:
                        return time.perf_counter() - t0
            except Exception:
                if p.poll() is not None:
                    raise SystemExit(f"pond exited with {p.returncode}")
                time.sleep(0.002)
    finally:
        p.terminate(); p.wait()

binary, runs = sys.argv[1], int(sys.argv[2])
times = [once(binary) for _ in range(runs)]
print(f"{binary}: median {statistics.median(times)*1000:.0f} ms over {runs} runs "
      f"(min {min(times)*1000:.0f}, max {max(times)*1000:.0f}): " + ", ".join(f"{t*1000:.0f}" for t in times))
