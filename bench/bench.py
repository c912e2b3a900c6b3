#!/usr/bin/env python3
"""keywarden benchmark: speed side by side with peers, and accuracy on the labelled corpus.

Run bench/setup.sh once, then:
  python3 bench/bench.py [--runs 5] [--commits 20000] [--real DIR ...] [--refs 0,25000,100000]

--real DIR adds the history comparison on a real repository: fetch one (rust-lang/cargo,
lodash/lodash) and `git clone --no-local` it under bench/work (never committed). --refs times
--history on a copy of the first --real repository with N tags written into packed-refs.

Trees (built under bench/work, never committed):
  empty     an empty directory (start-up cost)
  tree      ~3,000 source files / ~18 MB copied from ~/.cargo/registry/src
  history   a git repository with --commits commits made with git fast-import from those
            sources (each commit edits one file), then repacked
Prints medians in ms, ratios to keywarden, peak RSS, and per-family recall/precision on
fixtures/corpus for every tool (a finding counts when its path and line carry a label).
"""
import argparse
import glob
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
WORK = os.path.join(HERE, "work")
KW = os.path.join(ROOT, "target", "release", "keywarden")
GITLEAKS = os.path.join(WORK, "peers", "bin", "gitleaks")
KINGFISHER = os.path.join(WORK, "peers", "bin", "kingfisher")
BETTERLEAKS = os.path.join(WORK, "betterleaks", "bin", "betterleaks")
RIPSECRETS = os.path.join(WORK, "cargo", "bin", "ripsecrets")
KF_FLAGS = ["--no-validate", "--no-update-check"]


def run_timed(cmd, cwd=None):
    """Wall seconds, peak RSS (KiB) and user CPU seconds of one run."""
    t = time.perf_counter()
    p = subprocess.run(["/usr/bin/time", "-f", "%M %U"] + cmd, cwd=cwd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    wall = time.perf_counter() - t
    last = p.stderr.strip().splitlines()[-1].split() if p.stderr.strip() else ["0", "0"]
    return wall, int(last[0]), float(last[1])


def bench(name, cmd, runs, cwd=None):
    run_timed(cmd, cwd)  # warm the page cache
    samples = [run_timed(cmd, cwd) for _ in range(runs)]
    walls = [s[0] for s in samples]
    return {"tool": name, "median_ms": statistics.median(walls) * 1000, "rss_mib": max(s[1] for s in samples) / 1024,
            "user_ms": statistics.median(s[2] for s in samples) * 1000}


def interleaved(named_cmds, runs, cwd=None):
    """`bench` for several commands run in turns (one warm-up each, then a run of each per round)."""
    for _, cmd in named_cmds:
        run_timed(cmd, cwd)
    samples = {name: [] for name, _ in named_cmds}
    for _ in range(runs):
        for name, cmd in named_cmds:
            samples[name].append(run_timed(cmd, cwd))
    return [{"tool": name, "median_ms": statistics.median(s[0] for s in samples[name]) * 1000,
             "rss_mib": max(s[1] for s in samples[name]) / 1024,
             "user_ms": statistics.median(s[2] for s in samples[name]) * 1000} for name, _ in named_cmds]


def build_tree(dest, max_files=3000, max_bytes=18_000_000):
    if os.path.isdir(dest):
        return
    srcs = sorted(glob.glob(os.path.expanduser("~/.cargo/registry/src/*/*")))
    n = size = 0
    for crate in srcs:
        for path in sorted(glob.glob(os.path.join(crate, "**", "*.rs"), recursive=True)):
            if n >= max_files or size >= max_bytes:
                return
            if os.path.getsize(path) > 32_000:
                continue
            rel = os.path.relpath(path, os.path.dirname(crate))
            out = os.path.join(dest, rel)
            os.makedirs(os.path.dirname(out), exist_ok=True)
            shutil.copyfile(path, out)
            n += 1
            size += os.path.getsize(path)


def build_history(dest, tree, commits):
    if os.path.isdir(os.path.join(dest, ".git")) or os.path.isfile(os.path.join(dest, "HEAD")):
        return
    os.makedirs(dest, exist_ok=True)
    subprocess.run(["git", "init", "-q", "-b", "main", dest], check=True)
    files = sorted(glob.glob(os.path.join(tree, "**", "*.rs"), recursive=True))
    contents = [open(f, "rb").read() for f in files]
    rels = [os.path.relpath(f, tree) for f in files]
    p = subprocess.Popen(["git", "fast-import", "--quiet"], cwd=dest, stdin=subprocess.PIPE)  # noqa: S603
    w = p.stdin.write
    ts = 1_600_000_000
    for i in range(commits):
        k = i % len(files)
        body = contents[k] + f"\n// revision {i}\n".encode()
        msg = f"edit {rels[k]} ({i})".encode()
        w(b"commit refs/heads/main\n")
        w(f"committer Bench <bench@example.com> {ts + i} +0000\n".encode())
        w(b"data %d\n%s\n" % (len(msg), msg))
        if i == 0:
            for j, (r, c) in enumerate(zip(rels, contents)):
                w(b"M 100644 inline %s\ndata %d\n%s\n" % (r.encode(), len(c), c))
        w(b"M 100644 inline %s\ndata %d\n%s\n" % (rels[k].encode(), len(body), body))
    p.stdin.close()
    p.wait()
    subprocess.run(["git", "repack", "-adq", "--window=10"], cwd=dest, check=True, stdin=subprocess.DEVNULL)
    subprocess.run(["git", "reset", "-q", "--hard"], cwd=dest, check=True, stdin=subprocess.DEVNULL)


def table(rows, base="keywarden"):
    ref = next((r["median_ms"] for r in rows if r["tool"] == base), None)
    out = ["| tool | median wall | vs keywarden | user CPU | peak RSS |", "|---|---:|---:|---:|---:|"]
    for r in rows:
        ratio = f"{r['median_ms'] / ref:.2f}x" if ref else "-"
        out.append(f"| {r['tool']} | {r['median_ms']:.1f} ms | {ratio} | {r['user_ms']:.0f} ms | {r['rss_mib']:.0f} MiB |")
    return "\n".join(out)


KW_RELEASE = None


def release_binary():
    """Build and unpack the x86_64 static release archive exactly as the release workflow does."""
    target = "x86_64-unknown-linux-musl"
    out = subprocess.run(["bash", os.path.join(ROOT, "scripts", "package.sh"), target], capture_output=True, text=True, check=True)
    archive = os.path.join(ROOT, out.stdout.strip().splitlines()[-1])
    subprocess.run(["sha256sum", "-c", "--ignore-missing", "SHA256SUMS"], cwd=os.path.dirname(archive), check=True, capture_output=True)
    dest = os.path.join(WORK, "release")
    shutil.rmtree(dest, ignore_errors=True)
    os.makedirs(dest)
    subprocess.run(["tar", "-xzf", archive, "-C", dest], check=True)
    return glob.glob(os.path.join(dest, "*", "keywarden"))[0]


def peers_tree(path):
    extra = [("keywarden (release musl)", [KW_RELEASE, "scan", path, "--quiet", "--format", "json"])] if KW_RELEASE else []
    return [
        ("keywarden", [KW, "scan", path, "--quiet", "--format", "json"]),
    ] + extra + [
        ("ripsecrets", [RIPSECRETS, path]),
        ("kingfisher", [KINGFISHER, "scan", path, "--format", "json"] + KF_FLAGS),
        ("gitleaks", [GITLEAKS, "dir", path, "--no-banner", "--report-format", "json", "--report-path", os.path.join(WORK, "gl-report.json"), "--exit-code", "0"]),
        ("betterleaks", [BETTERLEAKS, "fs", path, "--no-banner", "-s", "--exit-code", "0"]),
        ("rg (floor)", ["rg", "-c", "--no-messages", "-e", "sk-proj-", "-e", "ghp_", "-e", "AKIA", path]),
    ]


def parse_findings(tool, out, corpus):
    """(path, line) of each finding a tool reported on the corpus."""
    res = set()
    norm = lambda p: os.path.relpath(os.path.join(corpus, p) if not os.path.isabs(p) else p, corpus)
    if tool == "keywarden":
        for f in json.loads(out)["findings"]:
            for loc in f["locations"]:
                res.add((loc["path"], loc["line"]))
    elif tool == "kingfisher":
        first = out.strip().splitlines()[0] if out.strip() else "{}"
        for f in json.loads(first).get("findings", []):
            res.add((norm(f["finding"]["path"]), int(f["finding"]["line"])))
    elif tool == "gitleaks":
        for f in json.loads(out or "[]"):
            res.add((norm(f["File"]), int(f["StartLine"])))
    elif tool == "betterleaks":
        for f in json.loads(out or "{}").get("findings", []):
            res.add((norm(f["location"]["path"]), int(f["location"].get("start_line") or 0)))
    elif tool == "ripsecrets":
        for line in out.splitlines():
            m = re.match(r"^(.*?):(\d+):", line)
            if m:
                res.add((norm(m.group(1)), int(m.group(2))))
    return res


def accuracy(corpus):
    labels = {}
    for line in open(os.path.join(corpus, "labels.tsv")):
        if line.startswith("#") or not line.strip():
            continue
        p, l, fam = line.rstrip("\n").split("\t")
        labels[(p, int(l))] = fam
    report_path = os.path.join(WORK, "report.json")
    cmds = {
        "keywarden": [KW, "scan", ".", "--format", "json"],
        "kingfisher": [KINGFISHER, "scan", ".", "--format", "json"] + KF_FLAGS,
        "gitleaks": [GITLEAKS, "dir", ".", "--no-banner", "--report-format", "json", "--report-path", report_path, "--exit-code", "0"],
        "betterleaks": [BETTERLEAKS, "fs", ".", "--no-banner", "-s", "-o", report_path, "--exit-code", "0"],
        "ripsecrets": [RIPSECRETS, "."],
    }
    rows = []
    for tool, cmd in cmds.items():
        if os.path.exists(report_path):
            os.remove(report_path)
        p = subprocess.run(cmd, cwd=corpus, capture_output=True, text=True, stdin=subprocess.DEVNULL)
        out = open(report_path).read() if tool in ("gitleaks", "betterleaks") else p.stdout
        found = parse_findings(tool, out, corpus)
        tp = found & set(labels)
        fams = {}
        for key, fam in labels.items():
            fams.setdefault(fam, [0, 0])[1] += 1
            if key in found:
                fams[fam][0] += 1
        rows.append((tool, len(tp) / len(labels), len(tp) / len(found) if found else 0.0, fams))
    return rows


def history_rows(repo, runs):
    """keywarden --history, every peer's history scan and the cat-file floor on one repository."""
    extra = [bench("keywarden --history (release musl)", [KW_RELEASE, "scan", "--history", "--quiet", "--format", "json"], runs, cwd=repo)] if KW_RELEASE else []
    # keywarden and the floor take turns, run for run: this machine's speed drifts by a fifth
    # within minutes, and the ratio between the two is what the table is read for.
    kw, floor = interleaved([
        ("keywarden --history", [KW, "scan", "--history", "--quiet", "--format", "json"]),
        ("git cat-file --batch-all-objects (floor)", ["git", "cat-file", "--batch-all-objects", "--unordered", "--batch"]),
    ], runs, cwd=repo)
    return [kw] + extra + [
        bench("kingfisher", [KINGFISHER, "scan", ".", "--format", "json"] + KF_FLAGS, runs, cwd=repo),
        bench("gitleaks git", [GITLEAKS, "git", ".", "--no-banner", "--report-format", "json", "--report-path", os.path.join(WORK, "gl-report.json"), "--exit-code", "0"], runs, cwd=repo),
        bench("betterleaks git", [BETTERLEAKS, "git", ".", "--no-banner", "-s", "--exit-code", "0"], runs, cwd=repo),
        floor,
    ]


def history_section(real, runs):
    """The history table of one real repository. The floor to compare with is cat-file's user
    CPU: its wall time adds one write per object to the pipe."""
    commits = subprocess.run(["git", "rev-list", "--all", "--count"], cwd=real, capture_output=True, text=True).stdout.strip()
    size = subprocess.run(["du", "-sh", os.path.join(real, ".git")], capture_output=True, text=True).stdout.split()[0]
    print(f"\n### History of a real repository: {os.path.basename(os.path.abspath(real))}, {commits} commits, .git {size}\n")
    print(table(history_rows(real, runs), base="keywarden --history"), flush=True)


def ref_scaling(hist, counts, runs):
    """--history on a copy of `hist` with N tags written into packed-refs (as a mirror fetch
    leaves them), for each N: time should grow linearly with N."""
    rows = []
    commits = subprocess.run(["git", "rev-list", "--all"], cwd=hist, capture_output=True, text=True, check=True).stdout.split()
    for n in counts:
        dest = os.path.join(WORK, f"refs-{n}")
        if not os.path.exists(dest):
            subprocess.run(["git", "clone", "-q", "--no-local", hist, dest], check=True)
            names = sorted(f"refs/tags/mirror-{i:06d}" for i in range(n))
            with open(os.path.join(dest, ".git", "packed-refs"), "a") as fh:
                for i, name in enumerate(names):
                    fh.write(f"{commits[(i * 7919) % len(commits)]} {name}\n")
        r = bench(f"{n} tags", [KW, "scan", "--history", "--quiet", "--format", "json"], runs, cwd=dest)
        rows.append(r)
    return rows


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--commits", type=int, default=20000)
    ap.add_argument("--accuracy-only", action="store_true", help="only the accuracy table on fixtures/corpus")
    ap.add_argument("--release-binary", action="store_true", help="also build the static Linux release archive with scripts/package.sh (the release recipe) and time its binary beside the local build")
    ap.add_argument("--real", action="append", default=[], help="a real repository (a `git clone --no-local` of e.g. rust-lang/cargo) to run the history comparison on")
    ap.add_argument("--history-only", action="store_true", help="only the history comparison on each --real repository (keywarden, the peers and the cat-file floor)")
    ap.add_argument("--refs", type=str, default="", help="comma-separated tag counts (e.g. 0,25000,50000,100000): --history time on a copy of --real's first repository with that many tags")
    a = ap.parse_args()
    for tool in (KW, GITLEAKS, KINGFISHER, BETTERLEAKS, RIPSECRETS):
        if not os.path.exists(tool):
            sys.exit(f"missing {tool}: run bench/setup.sh")
    print(f"machine: {os.cpu_count()} cores; keywarden {subprocess.run([KW, '--version'], capture_output=True, text=True).stdout.strip()}")
    if a.accuracy_only:
        print_accuracy()
        return
    if a.history_only:
        for real in a.real:
            history_section(real, max(1, a.runs // 2))
        return
    if a.release_binary:
        global KW_RELEASE
        KW_RELEASE = release_binary()
    empty = os.path.join(WORK, "empty")
    os.makedirs(empty, exist_ok=True)
    tree = os.path.join(WORK, "tree")
    build_tree(tree)
    nfiles = sum(len(f) for _, _, f in os.walk(tree))
    nbytes = sum(os.path.getsize(os.path.join(d, x)) for d, _, fs in os.walk(tree) for x in fs)
    for title, path in (("Start-up: empty directory", empty), (f"Tree: {nfiles} files, {nbytes / 1e6:.1f} MB", tree)):
        print(f"\n### {title}\n")
        print(table([bench(n, c, a.runs) for n, c in peers_tree(path)]))

    hist = os.path.join(WORK, f"history-{a.commits}")
    build_history(hist, tree, a.commits)
    size = subprocess.run(["du", "-sh", os.path.join(hist, ".git")], capture_output=True, text=True).stdout.split()[0]
    print(f"\n### History: {a.commits} commits, .git {size}\n")
    hruns = max(1, a.runs // 2)
    print(table(history_rows(hist, hruns), base="keywarden --history"))

    for real in a.real:
        history_section(real, hruns)

    if a.refs:
        counts = [int(x) for x in a.refs.split(",")]
        base = a.real[0] if a.real else hist
        print(f"\n### Refs: --history on {os.path.basename(os.path.abspath(base))} with N tags in packed-refs\n")
        rows = ref_scaling(base, counts, hruns)
        print("| tags | median ms | ms per 10,000 tags over the first | peak RSS MiB |\n|---:|---:|---:|---:|")
        for n, r in zip(counts, rows):
            per = (r["median_ms"] - rows[0]["median_ms"]) / (n - counts[0]) * 10000 if n != counts[0] else 0
            print(f"| {n:,} | {r['median_ms']:.0f} | {per:.1f} | {r['rss_mib']:.0f} |")

    # --staged for a 5-file commit in the large repository.
    for i in range(5):
        with open(os.path.join(hist, f"staged_{i}.rs"), "w") as fh:
            fh.write(f"fn f{i}() {{}}\n" * 50)
    subprocess.run(["git", "add", "."], cwd=hist, check=True)
    print("\n### --staged, 5 new files in that repository\n")
    print(table([bench("keywarden --staged", [KW, "scan", "--staged", "--quiet"], a.runs, cwd=hist)], base="keywarden --staged"))
    subprocess.run(["git", "reset", "-q", "--hard"], cwd=hist, check=True)

    print_accuracy()


def print_accuracy():
    """Families as rows (there are many), tools as columns: found/planted per family."""
    corpus = os.path.join(ROOT, "fixtures", "corpus")
    print("\n### Accuracy on fixtures/corpus (path+line match)\n")
    rows = accuracy(corpus)
    fams = sorted(rows[0][3], key=str.lower)
    tools = [r[0] for r in rows]
    print("| family | " + " | ".join(tools) + " |")
    print("|---|" + "---:|" * len(tools))
    for fam in fams:
        cells = []
        for _, _, _, per in rows:
            got, n = per[fam]
            cells.append(f"{got}/{n}")
        print(f"| {fam} | " + " | ".join(cells) + " |")
    print("| **recall** | " + " | ".join(f"**{rec:.2f}**" for _, rec, _, _ in rows) + " |")
    print("| **precision** | " + " | ".join(f"**{prec:.2f}**" for _, _, prec, _ in rows) + " |")
    ahead = [f for f in fams if all(rows[0][3][f][0] >= r[3][f][0] for r in rows[1:])]
    print(f"\nkeywarden finds at least as many as every peer in {len(ahead)} of {len(fams)} families.")

if __name__ == "__main__":
    main()
