"""Stress for the runtime: run with a CPython 3.12+ and PYTHONPATH=build/runtime/py3.X.

    PYTHONPATH=build/runtime/py3.13 python3.13 bench/stress_runtime.py [--tasks 100000]

1. --tasks tasks over 8 workers, one in ten raising, while another thread keeps using Pool.call:
   every result and every exception comes back with the right value, and every task ran exactly
   once (counted in a shared Buffer), whether a worker ran it or the thread asking for its result.
2. Threads keep entering the pool's interpreters (run_string) while the pool shuts down: each call
   succeeds or gets a clear error; nothing hangs or crashes.
3. 1000 create/destroy cycles: the interpreter count returns to zero; resident memory is printed
   after 100 and after 1000 cycles (growth should flatten).
4. --trees trees of nested tasks (fork-join, random depth 1..9) on 2 workers, while another thread
   submits plain tasks: every node ran exactly once (a byte per node in a shared Buffer).
5. --exits child processes that make a pool and never shut it down, ending in turn normally, by
   an uncaught exception, sys.exit and KeyboardInterrupt: no crash, no hang (60 s each).
Prints one line per part; exits 1 on any lost, duplicated or wrong result.
"""
import argparse
import os
import random
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "runtime"))

import owngil  # noqa: E402
from bench_common import rss_mib  # noqa: E402
from owngil import _owngil  # noqa: E402

import stress_tasks  # noqa: E402


def many_tasks(n):
    rng = random.Random(7)
    failing = {i for i in range(n) if rng.random() < 0.1}
    runs = owngil.Buffer(n)  # each task adds one to its byte, in whichever interpreter it ran
    start, rss0 = time.perf_counter(), rss_mib()
    with owngil.Pool(8) as pool:
        calls = threading.Thread(target=keep_calling, args=(pool, n // 10))
        calls.start()
        futures = [pool.submit(stress_tasks.square_or_fail, i, i in failing, runs) for i in range(n)]
        seen_ok, seen_err, wrong = 0, 0, 0
        for i, f in enumerate(futures):
            try:
                # Half without a timeout: a task no worker has started yet then runs in this thread.
                value = f.result() if i % 2 else f.result(timeout=120)
                seen_ok += 1
                wrong += value != i * i or i in failing
            except stress_tasks.TaskError as e:
                seen_err += 1
                wrong += e.args[0] != i or i not in failing
        calls.join()
    ran = memoryview(runs)
    not_once = sum(1 for count in ran if count != 1)
    elapsed = time.perf_counter() - start
    print(f"tasks: {n} over 8 workers (and {n // 10} Pool.call from another thread) in {elapsed:.1f} s "
          f"({n / elapsed:,.0f}/s): {seen_ok} results, {seen_err} exceptions (expected {len(failing)}), "
          f"{wrong} wrong, {not_once} not run exactly once; RSS {rss0:.0f} -> {rss_mib():.0f} MiB")
    return wrong == 0 and not_once == 0 and seen_ok + seen_err == n and seen_err == len(failing)


def keep_calling(pool, count):
    for i in range(count):
        if pool.call(stress_tasks.square_or_fail, i, False) != i * i:
            raise AssertionError(f"Pool.call({i}) gave a wrong result")


def enter_during_shutdown():
    pool = owngil.Pool(4)
    ids = [w.interp for w in pool._workers]
    stop = threading.Event()
    outcomes = {"ok": 0, "gone or closing": 0, "other": 0}
    lock = threading.Lock()

    def hammer():
        while not stop.is_set():
            try:
                _owngil.run_string(random.choice(ids), "x = sum(range(100))")
                key = "ok"
            except ValueError:
                key = "gone or closing"
            except Exception:
                key = "other"
            with lock:
                outcomes[key] += 1

    threads = [threading.Thread(target=hammer) for _ in range(6)]
    for t in threads:
        t.start()
    for i in range(200):
        pool.submit(stress_tasks.square_or_fail, i, False)
    time.sleep(0.3)
    start = time.perf_counter()
    pool.shutdown()
    took = time.perf_counter() - start
    time.sleep(0.1)
    stop.set()
    for t in threads:
        t.join(timeout=30)
    hung = sum(t.is_alive() for t in threads)
    print(f"enter during shutdown: {outcomes}, shutdown took {took * 1000:.0f} ms, threads hung: {hung}, "
          f"interpreters left: {_owngil.count()}")
    return hung == 0 and outcomes["other"] == 0 and _owngil.count() == 0


def create_destroy(cycles):
    start, rss0 = time.perf_counter(), rss_mib()
    rss100 = None
    for i in range(cycles):
        _owngil.destroy(_owngil.create())
        if i == min(cycles, 100) - 1:
            rss100 = rss_mib()
    elapsed = time.perf_counter() - start
    print(f"create/destroy: {cycles} cycles in {elapsed:.1f} s ({elapsed / cycles * 1000:.1f} ms each); "
          f"RSS {rss0:.0f} MiB at start, {rss100:.0f} after {min(cycles, 100)}, {rss_mib():.0f} after {cycles}; "
          f"interpreters left: {_owngil.count()}")
    return _owngil.count() == 0


def nested_trees(count):
    rng = random.Random(11)
    lost = duplicated = wrong = 0
    start = time.perf_counter()
    with owngil.Pool(2) as pool:
        side = [pool.submit(stress_tasks.square_or_fail, i, False) for i in range(count * 10)]
        for _ in range(count):
            depth = rng.randint(1, 9)
            nodes = 2 ** (depth + 1) - 1
            seen = owngil.Buffer(nodes)
            total = pool.submit(stress_tasks.tree_nodes, 0, depth, seen).result(timeout=300)
            counts = memoryview(seen)
            lost += sum(1 for c in counts if c == 0)
            duplicated += sum(1 for c in counts if c > 1)
            wrong += total != nodes
        wrong += sum(f.result(timeout=300) != i * i for i, f in enumerate(side))
    print(f"nested: {count} trees of subtasks (depth 1..9) on 2 workers in {time.perf_counter() - start:.1f} s: "
          f"{lost} nodes lost, {duplicated} run twice, {wrong} wrong results")
    return lost == duplicated == wrong == 0


EXIT_SCRIPT = """
import sys, owngil, stress_tasks
pool = owngil.Pool(2)
futures = [pool.submit(stress_tasks.square_or_fail, i, False) for i in range(50)]
assert futures[0].result(timeout=60) == 0
how = sys.argv[1]
if how == "exception":
    raise RuntimeError("uncaught")
if how == "exit":
    sys.exit(3)
if how == "interrupt":
    raise KeyboardInterrupt
"""
EXPECTED_RC = {"normal": (0,), "exception": (1,), "exit": (3,), "interrupt": (130, -2)}


def exits_without_shutdown(count):
    crashes = hangs = 0
    kinds = list(EXPECTED_RC)
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path))
    start = time.perf_counter()
    for i in range(count):
        how = kinds[i % len(kinds)]
        try:
            done = subprocess.run([sys.executable, "-c", EXIT_SCRIPT, how], capture_output=True, text=True,
                                  timeout=60, env=env)
        except subprocess.TimeoutExpired:
            hangs += 1
            continue
        if done.returncode not in EXPECTED_RC[how] or "Fatal Python error" in done.stderr:
            crashes += 1
            print(f"  {how}: rc {done.returncode}: {done.stderr.strip().splitlines()[-1:]}")
    print(f"exit without shutdown: {count} processes in {time.perf_counter() - start:.1f} s: "
          f"{crashes} crashes, {hangs} hangs")
    return crashes == hangs == 0


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--tasks", type=int, default=100_000)
    parser.add_argument("--cycles", type=int, default=1000)
    parser.add_argument("--trees", type=int, default=200)
    parser.add_argument("--exits", type=int, default=40)
    args = parser.parse_args()
    print(f"CPython {sys.version.split()[0]}, {os.cpu_count()} cores")
    ok = many_tasks(args.tasks)
    ok &= enter_during_shutdown()
    ok &= create_destroy(args.cycles)
    ok &= nested_trees(args.trees)
    ok &= exits_without_shutdown(args.exits)
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
