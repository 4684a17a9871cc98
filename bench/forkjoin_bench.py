"""Fork-join in owngil.Pool (tasks submitting subtasks to their own pool) against serial code and
ProcessPoolExecutor, which cannot nest (its tasks cannot reach their pool): there the main process
splits the work flat, the best it can do. Every variant runs in each round, in turn; medians.

    PYTHONPATH=build/runtime/py3.13 python3.13 bench/forkjoin_bench.py [--rounds 5] [--workers 2]

Two workloads: a tree of tasks (depth 6: 64 leaves of pure-Python work) and a pure-Python merge
sort of 200,000 ints (3 levels forked: 8 leaves). Prints a Markdown table.
"""
import argparse
import concurrent.futures as cf
import multiprocessing
import os
import random
import statistics
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "runtime"))

import bench_tasks  # noqa: E402
import owngil  # noqa: E402

DEPTH, LEAF = 6, 150_000
SORT_N, FORKS = 200_000, 3


def timed(action):
    start = time.perf_counter()
    result = action()
    return time.perf_counter() - start, result


def variants(pool, processes, data):
    leaves = 2**DEPTH
    chunk = -(-len(data) // 2**FORKS)
    runs = [data[i:i + chunk] for i in range(0, len(data), chunk)]
    yield "tree", "serial", lambda: bench_tasks.tree_work(DEPTH, LEAF)
    yield "tree", "owngil.Pool, nested", lambda: pool.submit(bench_tasks.tree_work, DEPTH, LEAF).result()
    yield "tree", "ProcessPoolExecutor, flat", lambda: sum(processes.map(bench_tasks.cpu, [LEAF] * leaves))
    yield "sort", "serial", lambda: bench_tasks.merge_sort(data)
    yield "sort", "owngil.Pool, nested", lambda: pool.submit(bench_tasks.merge_sort, data, FORKS).result()
    yield "sort", "ProcessPoolExecutor, flat", lambda: bench_tasks.merge_sorted_runs(
        list(processes.map(bench_tasks.merge_sort, runs)))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    data = [random.Random(1).randrange(10**9) for _ in range(SORT_N)]
    expected_sort = sorted(data)
    times = {}
    with owngil.Pool(args.workers) as pool, \
            cf.ProcessPoolExecutor(args.workers, mp_context=multiprocessing.get_context("spawn")) as processes:
        for _, _, action in variants(pool, processes, data[:1000]):  # start, import, warm
            action()
        for _ in range(args.rounds):
            for work, name, action in variants(pool, processes, data):
                seconds, result = timed(action)
                if work == "sort" and result != expected_sort:
                    raise SystemExit(f"{name}: wrong sort")
                times.setdefault((work, name), []).append(seconds)
    print(f"Python {sys.version.split()[0]}, {args.workers} workers, {os.cpu_count()} CPUs, {args.rounds} rounds "
          f"(median); speed-up against serial\n")
    print("| work | variant | median s | speed-up |")
    print("|---|---|---:|---:|")
    for work in ("tree", "sort"):
        serial = statistics.median(times[(work, "serial")])
        for (w, name), values in times.items():
            if w == work:
                m = statistics.median(values)
                print(f"| {work} | {name} | {m:.3f} | {serial / m:.2f}x |")


if __name__ == "__main__":
    main()
