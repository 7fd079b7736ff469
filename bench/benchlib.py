"""Shared helpers of the project's benchmarks: the reference kernels, timing, the table."""
import os
import statistics
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
SHARED_BENCH = Path(os.environ.get("BRAINMASS_SHARED_BENCH", HERE.parents[1] / "shared" / "bench"))
RESULTS = HERE / "RESULTS.md"


def shared_bench():
    """Import the standard workload definitions and hand-written limit kernels."""
    if not (SHARED_BENCH / "common.py").exists():
        raise SystemExit(f"the standard benchmarks are not at {SHARED_BENCH}; set "
                         "BRAINMASS_SHARED_BENCH to the folder holding limit_*_numba.py")
    sys.path.insert(0, str(SHARED_BENCH))
    saved = sys.argv
    sys.argv = [saved[0]]  # the shared scripts read --flags from argv at import
    try:
        import common as shared_common  # noqa: F401
        import limit_hopf_numba
        import limit_other_numba
    finally:
        sys.argv = saved
    return shared_common, limit_hopf_numba, limit_other_numba


def timed(fn, reps=3):
    """(first call s, [rep s...], median s): a separate warm-up call, then `reps` runs."""
    t0 = time.perf_counter()
    fn()
    first = time.perf_counter() - t0
    walls = []
    for _ in range(reps):
        t0 = time.perf_counter()
        fn()
        walls.append(time.perf_counter() - t0)
    return first, walls, statistics.median(walls)


def w2_network(cm, C, L):
    """The W2 network through the public API: HopfW2 nodes (bench/models/hopf_w2.nmm),
    Euler-Maruyama, delayed diffusive coupling of x with K, lengths / speed as delays."""
    import numpy as np

    import brainmass_dsl as bm

    N = C.shape[0]
    lib = bm.load(HERE / "models" / "hopf_w2.nmm")
    rng = np.random.default_rng(0)
    node = lib.HopfW2(N, method="euler_maruyama", init_x=0.1 * rng.standard_normal(N),
                      init_y=0.1 * rng.standard_normal(N))
    return bm.Network(node, conn=C, distance=L, speed=cm.SPEED_MM_PER_MS, coupling="diffusive",
                      coupled_var="x", k=cm.W2_K)


def interleaved(fns, reps=5):
    """{name: {"first": s, "walls": [s...], "min": s, "median": s}} with the functions run in
    turn (a, b, a, b, ...) after one warm-up call each, so that a slow spell of a shared
    machine hits all of them alike. The minimum is the least disturbed run of each."""
    out = {}
    for name, fn in fns.items():
        t0 = time.perf_counter()
        fn()
        out[name] = {"first": time.perf_counter() - t0, "walls": []}
    for _ in range(reps):
        for name, fn in fns.items():
            t0 = time.perf_counter()
            fn()
            out[name]["walls"].append(time.perf_counter() - t0)
    for r in out.values():
        r["min"], r["median"] = min(r["walls"]), statistics.median(r["walls"])
    return out


def paired_ratio(t, ours, limit):
    """Median over the repetitions of ours / limit within each round of `interleaved`: the
    two runs of a round are adjacent in time and share the machine's state of the moment,
    so their ratio is steadier than a ratio of minima or medians on a shared machine.

    >>> paired_ratio({"a": {"walls": [2.0, 3.0, 9.0]}, "b": {"walls": [2.0, 2.0, 10.0]}}, "a", "b")
    1.0
    """
    return statistics.median(a / b for a, b in zip(t[ours]["walls"], t[limit]["walls"]))


def machine():
    import platform

    try:
        cpu = next(line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo")
                   if line.startswith("model name"))
    except (OSError, StopIteration):
        cpu = platform.processor()
    return f"{cpu}, {os.cpu_count()} cores, Python {platform.python_version()}"


def update_results(section: str, lines):
    """Replace `## section` in RESULTS.md with `lines` (a markdown table and notes)."""
    text = RESULTS.read_text() if RESULTS.exists() else "# Benchmark results\n\n"
    head = f"## {section}\n"
    body = head + "\n".join(lines).rstrip() + "\n\n"
    if head in text:
        start = text.index(head)
        nxt = text.find("\n## ", start + len(head))
        text = text[:start] + body + (text[nxt + 1:] if nxt >= 0 else "")
    else:
        text = text.rstrip() + "\n\n" + body
    RESULTS.write_text(text)
