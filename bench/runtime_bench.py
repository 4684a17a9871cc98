"""owngil.Pool against what Python users have today, in one run on one machine.

    bench/runtime_bench.sh [BUILD_DIR] [PYTHON]      (builds the ported C module, then runs this)

Compares owngil.Pool, ThreadPoolExecutor, ProcessPoolExecutor and, on 3.13, the private
_interpreters module: round-trip latency, throughput of small tasks, speed-up of CPU-bound work
(pure Python, and a C module ported by `owngil fix`), cost of handing over 1 KiB ... 1 GiB,
interpreter start time and memory per worker. Writes results as Markdown on stdout and data files
plus PNG plots (gnuplot) into --out.
"""
import argparse
import concurrent.futures as cf
import multiprocessing
import os
import statistics
import subprocess
import sys
import time

sys.stdout.reconfigure(line_buffering=True)

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "runtime"))

import bench_tasks  # noqa: E402
import owngil  # noqa: E402
from bench_common import rss_mib  # noqa: E402

try:
    import _interpreters as raw_interpreters  # 3.13
except ImportError:
    raw_interpreters = None

WORKERS = 2
_processes = None  # the reference for speed-ups, set in main()


def executors():
    yield "owngil.Pool", lambda n: owngil.Pool(n)
    yield "ThreadPoolExecutor", lambda n: cf.ThreadPoolExecutor(n)
    yield "ProcessPoolExecutor", lambda n: cf.ProcessPoolExecutor(n)


def warm(ex, n):
    list(ex.map(bench_tasks.size_of, [b"x"] * (n * 4)))


def timed(action, *args):
    """Seconds that action(*args) took."""
    t = time.perf_counter()
    action(*args)
    return time.perf_counter() - t


def median_us(rounds, action, *args):
    """Median of `rounds` timings of action(*args), in µs."""
    return statistics.median(timed(action, *args) for _ in range(rounds)) * 1e6


def latency_us(ex, rounds=2000, call=None):
    """Median round trip of an empty task: submit(...).result(), or `call` (Pool.call: synchronous)."""
    run = call or (lambda fn: ex.submit(fn).result())
    return median_us(rounds, run, bench_tasks.noop)


def raw_interpreters_latency_us(rounds=2000):
    interp = raw_interpreters.create()
    try:
        return median_us(rounds, raw_interpreters.exec, interp, "pass")
    finally:
        raw_interpreters.destroy(interp)


def throughput(ex, n=20000):
    t = time.perf_counter()
    for _ in ex.map(bench_tasks.size_of, [b""] * n):
        pass
    return n / (time.perf_counter() - t)


def speedup(ex, fn, arg, tasks=4, rounds=3):
    """(speed-up, processes' speed-up): best serial time over best parallel time, alternating, so
    a busy moment of the machine does not land on one side only. The second figure is the same
    measure, in the same rounds, for separate processes (started by spawn, as fork is unsafe once
    interpreters exist): what this machine, a VM whose neighbours take CPU time, gives Python
    code at that moment."""
    serial = parallel = in_processes = float("inf")
    for _ in range(rounds):
        serial = min(serial, timed(lambda: [fn(arg) for _ in range(tasks)]))
        parallel = min(parallel, timed(lambda: list(ex.map(fn, [arg] * tasks))))
        in_processes = min(in_processes, timed(lambda: list(_processes.map(fn, [arg] * tasks))))
    return serial / parallel, serial / in_processes


def one_task_ms(pool, fn, arg, rounds=8):
    """(main interpreter, a worker's interpreter): best time of one task in each, alternating,
    both from this thread (Pool.call), so only the interpreter differs."""
    here = there = float("inf")
    for _ in range(rounds):
        here = min(here, timed(lambda: fn(arg)))
        there = min(there, timed(lambda: pool.call(fn, arg)))
    return here * 1e3, there * 1e3


def handover_ms(ex, data, rounds=3):
    def hand_over():
        assert ex.submit(bench_tasks.size_of, data).result() == len(memoryview(data))

    return min(timed(hand_over) for _ in range(rounds)) * 1e3


def start_and_memory(n=4):
    before = rss_mib()
    t = time.perf_counter()
    pool = owngil.Pool(n)
    took = time.perf_counter() - t
    after = rss_mib()
    pool.shutdown()
    return took / n * 1e3, (after - before) / n


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", default="docs/runtime-bench")
    parser.add_argument("--max-size", type=int, default=30, help="largest handover, as a power of two (30: 1 GiB)")
    parser.add_argument("--speedup-runs", type=int, default=0,
                        help="only measure owngil.Pool's two speed-ups this many times (how much they vary)")
    args = parser.parse_args()
    global _processes
    _processes = cf.ProcessPoolExecutor(WORKERS, mp_context=multiprocessing.get_context("spawn"))
    warm(_processes, WORKERS)
    if args.speedup_runs:
        with owngil.Pool(WORKERS) as pool:
            warm(pool, WORKERS)
            here, there = one_task_ms(pool, bench_tasks.cpu, 3_000_000)
            print(f"one pure Python task: {here:.1f} ms in the main interpreter, {there:.1f} ms in a worker's")
            for _ in range(args.speedup_runs):
                py, py_ceiling = speedup(pool, bench_tasks.cpu, 3_000_000)
                c, c_ceiling = speedup(pool, bench_tasks.c_module_work, 300_000)
                print(f"speed-up: pure Python {py:.2f}x (processes meanwhile {py_ceiling:.2f}x), "
                      f"ported C module {c:.2f}x (processes meanwhile {c_ceiling:.2f}x)", flush=True)
        _processes.shutdown()
        return
    os.makedirs(args.out, exist_ok=True)
    print(f"CPython {sys.version.split()[0]}, {os.cpu_count()} cores, {WORKERS} workers\n")

    rows = {}
    sizes = [2 ** k for k in range(10, args.max_size + 1, 4)]
    handover = {}
    for name, make in executors():
        with make(WORKERS) as ex:
            warm(ex, WORKERS)
            r = rows[name] = {}
            r["latency"] = latency_us(ex)
            if name == "owngil.Pool":
                call_latency = latency_us(ex, call=ex.call)
            r["throughput"] = throughput(ex)
            r["speedup_py"], r["ceiling_py"] = speedup(ex, bench_tasks.cpu, 3_000_000)
            try:
                r["speedup_c"], r["ceiling_c"] = speedup(ex, bench_tasks.c_module_work, 300_000)
            except Exception as e:  # the ported module missing from the path
                r["speedup_c"] = r["ceiling_c"] = float("nan")
                print(f"  ({name}: C module work skipped: {e})")
            handover[name] = []
            for size in sizes:
                if name == "ProcessPoolExecutor" and size > 2 ** 28:
                    break
                data = owngil.Buffer(size) if name == "owngil.Pool" else bytes(size)
                handover[name].append((size, handover_ms(ex, data)))
                del data
    with owngil.Pool(1) as pool:  # the same pool with bytes: copied, for comparison
        handover["owngil.Pool, bytes (copied)"] = [(s, handover_ms(pool, bytes(s))) for s in sizes]
    raw = raw_interpreters_latency_us() if raw_interpreters else None
    start_ms, mem_mib = start_and_memory()
    _processes.shutdown()

    print("Speed-ups: in parentheses, what separate processes got in the same rounds.\n")
    print("| executor | round trip (median) | small tasks/s | speed-up, pure Python | speed-up, ported C module |")
    print("| --- | ---: | ---: | ---: | ---: |")
    for name, r in rows.items():
        print(f"| {name} | {r['latency']:.1f} µs | {r['throughput']:,.0f} | {r['speedup_py']:.2f}× ({r['ceiling_py']:.2f}×) "
              f"| {r['speedup_c']:.2f}× ({r['ceiling_c']:.2f}×) |")
    print(f"| owngil.Pool.call (synchronous, calling thread) | {call_latency:.1f} µs | | | |")
    if raw is not None:
        print(f"| _interpreters.exec (3.13, no result) | {raw:.1f} µs | | | |")
    print(f"\nowngil.Pool start: {start_ms:.1f} ms and {mem_mib:.1f} MiB of resident memory per worker.\n")
    print("Handing over data (send, worker takes len(), result back), best of 3, ms:\n")
    names = list(handover)
    print("| size | " + " | ".join(names) + " |")
    print("| ---: |" + " ---: |" * len(names))
    for i, size in enumerate(sizes):
        cells = [f"{dict(handover[n]).get(size, float('nan')):.3f}" for n in names]
        print(f"| {size // 1024:,} KiB | " + " | ".join(cells) + " |")

    with open(os.path.join(args.out, "handover.dat"), "w") as f:
        f.write("# size_bytes " + " ".join(n.replace(" ", "_") for n in names) + "\n")
        for size in sizes:
            f.write(f"{size} " + " ".join(f"{dict(handover[n]).get(size, float('nan'))}" for n in names) + "\n")
    with open(os.path.join(args.out, "summary.dat"), "w") as f:
        f.write("# executor latency_us speedup_py speedup_c\n")
        for name, r in rows.items():
            f.write(f"\"{name}\" {r['latency']} {r['speedup_py']} {r['speedup_c']}\n")
        f.write(f"\"owngil.Pool.call\" {call_latency} nan nan\n")
    plot(args.out, names)


def plot(out, names):
    script = f"""
set terminal png size 900,520
set datafile missing "nan"
set output '{out}/handover.png'
set title 'Handing data to a worker and back (lower is better)'
set logscale xy
set xlabel 'bytes'
set ylabel 'ms'
set key left top
plot """ + ", ".join(f"'{out}/handover.dat' using 1:{i + 2} with linespoints title '{n}'" for i, n in enumerate(names)) + f"""
set output '{out}/speedup.png'
unset logscale
set title 'Speed-up of 4 CPU-bound tasks on {WORKERS} workers over running them one after another'
set style data histograms
set style fill solid 0.8
set yrange [0:*]
set ylabel 'speed-up (x)'
set xlabel ''
plot '{out}/summary.dat' using 3:xtic(1) title 'pure Python', '' using 4 title 'ported C module'
set output '{out}/latency.png'
set title 'Round trip of an empty task (median, lower is better)'
set logscale y
set ylabel 'microseconds'
plot '{out}/summary.dat' using 2:xtic(1) title 'round trip'
"""
    try:
        subprocess.run(["gnuplot"], input=script, text=True, check=True)
        print(f"\nPlots: {out}/handover.png, {out}/speedup.png, {out}/latency.png")
    except (OSError, subprocess.CalledProcessError) as e:
        print(f"\n(no plots: gnuplot failed or is missing ({e}); apt-get install gnuplot-nox)")


if __name__ == "__main__":
    main()
