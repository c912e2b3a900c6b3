#!/usr/bin/env python3
"""Noise on real code nobody here wrote: findings per 100 MB by class, side by side.

Scans the crate sources cargo keeps in its registry cache (~/.cargo/registry/src) and the
Python standard library on this machine with keywarden and the peers bench/setup.sh installs,
and prints findings per 100 MB by class: provider key, generic (a value judged by its name),
file rule. Nearly everything found in this code is noise (test vectors and docs aside), so
lower is better; the classes say where it comes from. `--show N` prints N sample contexts of
keywarden's generic and file findings, to see what fires.

Usage: python3 bench/noise.py [--show 20] [--tools keywarden,gitleaks,...]
"""
import argparse
import collections
import glob
import json
import os
import subprocess
import sys
import sysconfig

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench  # noqa: E402

DATASETS = [
    ("cargo registry sources", glob.glob(os.path.expanduser("~/.cargo/registry/src/*"))),
    ("Python standard library", sorted(glob.glob("/usr/lib/python3.[0-9]*"))[-1:] or [sysconfig.get_paths()["stdlib"]]),
]


def size_of(paths):
    total = 0
    for root in paths:
        for d, _, files in os.walk(root):
            for f in files:
                try:
                    total += os.path.getsize(os.path.join(d, f))
                except OSError:
                    pass
    return total


def keywarden_kinds():
    """rule id -> class, from `keywarden rules list`."""
    out = subprocess.run([bench.KW, "rules", "list"], capture_output=True, text=True).stdout
    kinds = {}
    for line in out.splitlines():
        parts = line.split()
        if len(parts) >= 3 and not line.startswith(("keywarden", " ")) and "rules in" not in line:
            pack = parts[2]
            kinds[parts[0]] = "file rule" if pack in ("hygiene", "trust") else "generic" if pack in ("generic", "passwords") else "provider key"
    return kinds


def classify_peer(rule_id):
    return "generic" if "generic" in rule_id.lower() else "provider key"


def run_tool(tool, root, report):
    if os.path.exists(report):
        os.remove(report)
    cmds = {
        "keywarden": [bench.KW, "scan", root, "--quiet", "--no-config", "--format", "json"],
        "gitleaks": [bench.GITLEAKS, "dir", root, "--no-banner", "--report-format", "json", "--report-path", report, "--exit-code", "0"],
        "betterleaks": [bench.BETTERLEAKS, "fs", root, "--no-banner", "-s", "-o", report, "--exit-code", "0"],
        "kingfisher": [bench.KINGFISHER, "scan", root, "--format", "json"] + bench.KF_FLAGS,
    }
    p = subprocess.run(cmds[tool], capture_output=True, text=True, stdin=subprocess.DEVNULL)
    out = open(report).read() if tool in ("gitleaks", "betterleaks") and os.path.exists(report) else p.stdout
    found = []  # (rule id, path, line, context)
    if tool == "keywarden":
        for f in json.loads(out)["findings"]:
            for loc in f["locations"]:
                found.append((f["rule_id"], loc["path"], loc["line"], loc["context"]))
    elif tool == "gitleaks":
        for f in json.loads(out or "[]"):
            found.append((f["RuleID"], f["File"], f["StartLine"], ""))
    elif tool == "betterleaks":
        for f in json.loads(out or "{}").get("findings", []):
            found.append((f["rule_id"], f["location"]["path"], f["location"]["start_line"], ""))
    elif tool == "kingfisher":
        for line in out.strip().splitlines()[:1]:
            for f in json.loads(line).get("findings", []):
                rule = f.get("rule", {})
                rid = rule.get("id") or rule.get("name") or "?"
                found.append((rid, f["finding"]["path"], f["finding"]["line"], ""))
    return found


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--show", type=int, default=0)
    ap.add_argument("--tools", default="keywarden,gitleaks,betterleaks,kingfisher")
    ap.add_argument("--extra", action="append", default=[], help="another directory of real code to measure")
    a = ap.parse_args()
    DATASETS.extend((os.path.basename(os.path.abspath(d)) + " (extra)", [d]) for d in a.extra)
    tools = [t for t in a.tools.split(",") if t == "keywarden" or os.path.exists({"gitleaks": bench.GITLEAKS, "betterleaks": bench.BETTERLEAKS, "kingfisher": bench.KINGFISHER}[t])]
    kinds = keywarden_kinds()
    report = os.path.join(bench.WORK, "noise-report.json")
    os.makedirs(bench.WORK, exist_ok=True)
    classes = ["provider key", "generic", "file rule"]
    totals = collections.defaultdict(collections.Counter)  # tool -> class -> findings
    total_mb = 0.0
    kept = []  # every keywarden finding, to read them all
    for title, roots in DATASETS:
        roots = [r for r in roots if os.path.isdir(r)]
        if not roots:
            continue
        mb = size_of(roots) / 1e6
        total_mb += mb
        print(f"\n### {title}: {mb:.0f} MB\n")
        print("| tool | findings | per 100 MB | " + " | ".join(f"{c} /100 MB" for c in classes) + " |")
        print("|---|---:|---:|" + "---:|" * len(classes))
        samples = []
        for tool in tools:
            found = []
            for root in roots:
                found += run_tool(tool, root, report)
            by = collections.Counter(kinds.get(r, "provider key") if tool == "keywarden" else classify_peer(r) for r, *_ in found)
            cells = " | ".join(f"{by[c] * 100 / mb:.1f}" for c in classes)
            print(f"| {tool} | {len(found)} | {len(found) * 100 / mb:.1f} | {cells} |")
            totals[tool].update(by)
            if tool == "keywarden":
                kept += found
                samples = [(r, p, l, c) for r, p, l, c in found if kinds.get(r) != "provider key"]
        for r, p, l, c in samples[: a.show]:
            print(f"  {r} {p[-70:]}:{l}  {c.strip()[:110]}")
    print(f"\n### all sets: {total_mb:.0f} MB\n")
    print("| tool | findings | per 100 MB | " + " | ".join(f"{c} /100 MB" for c in classes) + " |")
    print("|---|---:|---:|" + "---:|" * len(classes))
    for tool in tools:
        by = totals[tool]
        n = sum(by.values())
        cells = " | ".join(f"{by[c] * 100 / total_mb:.1f}" for c in classes)
        print(f"| {tool} | {n} | {n * 100 / total_mb:.1f} | {cells} |")
    if kept:
        print("\nkeywarden's findings, every one (read each: `keywarden explain --line FILE:N`):")
        for r, p, l, c in kept:
            print(f"  {r} {p}:{l}")


if __name__ == "__main__":
    main()
