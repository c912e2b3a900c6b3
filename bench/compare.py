#!/usr/bin/env python3
"""Compare two keywarden binaries on the bench inputs, interleaved in one run, so a change can
show its figures are no worse: start-up, the ~18 MB tree, --history and --staged on the
fast-import history repository (built by bench.py's code under bench/work).

Usage: python3 bench/compare.py OLD_BINARY NEW_BINARY [--runs 7] [--commits 20000]
"""
import argparse
import os
import statistics
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench  # noqa: E402


def measure(cmd, runs, cwd):
    bench.run_timed(cmd, cwd)
    return [bench.run_timed(cmd, cwd) for _ in range(runs)]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("old")
    ap.add_argument("new")
    ap.add_argument("--runs", type=int, default=7)
    ap.add_argument("--commits", type=int, default=20000)
    a = ap.parse_args()
    empty = os.path.join(bench.WORK, "empty")
    os.makedirs(empty, exist_ok=True)
    tree = os.path.join(bench.WORK, "tree")
    bench.build_tree(tree)
    hist = os.path.join(bench.WORK, f"history-{a.commits}")
    bench.build_history(hist, tree, a.commits)
    cases = [
        ("start-up (empty dir)", ["scan", ".", "--quiet"], empty, a.runs),
        ("tree (~18 MB)", ["scan", ".", "--quiet", "--format", "json"], tree, a.runs),
        (f"--history ({a.commits} commits)", ["scan", "--history", "--quiet", "--format", "json"], hist, max(3, a.runs // 2)),
    ]
    print("| case | old median | new median | new/old | old peak RSS | new peak RSS |")
    print("|---|---:|---:|---:|---:|---:|")

    def row(title, args, cwd, runs):
        # Interleave old and new so machine noise hits both alike.
        old, new = [], []
        bench.run_timed([a.old] + args, cwd)
        bench.run_timed([a.new] + args, cwd)
        for _ in range(runs):
            old.append(bench.run_timed([a.old] + args, cwd))
            new.append(bench.run_timed([a.new] + args, cwd))
        # run_timed gives (wall seconds, peak RSS KiB, user CPU seconds).
        om = statistics.median(r[0] for r in old) * 1000
        nm = statistics.median(r[0] for r in new) * 1000
        print(f"| {title} | {om:.1f} ms | {nm:.1f} ms | {nm / om:.2f}x | {max(r[1] for r in old) / 1024:.0f} MiB | {max(r[1] for r in new) / 1024:.0f} MiB |")

    for title, args, cwd, runs in cases:
        row(title, args, cwd, runs)
    for i in range(5):
        with open(os.path.join(hist, f"staged_{i}.rs"), "w") as fh:
            fh.write(f"fn f{i}() {{}}\n" * 50)
    subprocess.run(["git", "add", "."], cwd=hist, check=True)
    try:
        row("--staged (5 new files)", ["scan", "--staged", "--quiet"], hist, a.runs)
    finally:
        subprocess.run(["git", "reset", "-q", "--hard"], cwd=hist, check=True)


if __name__ == "__main__":
    main()
