#!/usr/bin/env python3
"""Is a rarity score better than keywarden's judgement of generic values? An experiment.

Takes every literal assigned to a secret-sounding name (`api_key = "…"`) from real code (the
folders given with --extra, as for noise.py) and from other scanners' test cases (run
bench/cases.py first: positives and negatives), each distinct value once, and compares three
ways of telling a secret from the rest at the same recall: keywarden's generic judgement
(the values written into one file and scanned with --no-config, so no path lowers them),
Shannon entropy, and BPE token efficiency (tokens per character under the cl100k vocabulary,
betterleaks' published measure; the vocabulary comes with the `tiktoken-rs` crate, built
here in bench/rarity). Then asks what a token-efficiency threshold would add on top of the
judgement. Nothing here is part of keywarden.

Usage: python3 bench/rarity.py --extra DIR [--extra DIR ...]
"""
import argparse, collections, json, math, os, re, subprocess, sys

import bench

HERE = os.path.dirname(os.path.abspath(__file__))
NAME_VALUE = re.compile(
    r"""([A-Za-z0-9_.-]*(?:key|secret|token|passw|pwd|credential|auth)[A-Za-z0-9_.-]*)["']?\s*(?::=|=>|[:=])\s*(["'])([^\s"'\\]{8,120})\2""",
    re.I)


def literals(text):
    return [(m.group(1), m.group(3)) for m in NAME_VALUE.finditer(text)]


def read(path):
    try:
        if os.path.getsize(path) <= 1 << 20:
            return open(path, encoding="utf-8").read()
    except (OSError, UnicodeDecodeError):
        pass
    return ""


def entropy(s):
    n = len(s)
    return -sum(c / n * math.log2(c / n) for c in collections.Counter(s).values())


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--extra", action="append", default=[])
    a = ap.parse_args()
    values = {}  # value -> (label, name); the first label a value is seen with
    for root in a.extra:
        for dp, _, fns in os.walk(root):
            for f in fns:
                for name, v in literals(read(os.path.join(dp, f))):
                    values.setdefault(v, ("real code", name))
    index = json.load(open(os.path.join(bench.WORK, "cases-index.json")))
    for d, (_src, _rule, pos, _k) in sorted(index.items()):
        folder = os.path.join(bench.WORK, "cases", d)
        for name, v in literals(read(os.path.join(folder, os.listdir(folder)[0]))):
            values.setdefault(v, ("case positive" if pos else "case negative", name))
    items = list(values.items())
    probe = os.path.join(bench.WORK, "rarity-values.py")
    with open(probe, "w") as fh:
        fh.writelines(f'{name} = "{v}"\n' for v, (_, name) in items)
    out = subprocess.run([bench.KW, "scan", probe, "--no-config", "--format", "json"], capture_output=True, text=True).stdout
    reported = {f["line"] for f in json.loads(out)["findings"]}
    subprocess.run(["cargo", "build", "--release", "--quiet", "--manifest-path", os.path.join(HERE, "rarity/Cargo.toml")], check=True)
    tool = os.path.join(HERE, "rarity/target/release/rarity")
    counts = subprocess.run([tool], input="".join(v + "\n" for v, _ in items), capture_output=True, text=True, check=True).stdout.split()
    rows = [(lab, i + 1 in reported, entropy(v), int(c) / len(v)) for i, ((v, (lab, _)), c) in enumerate(zip(items, counts))]
    pos = [r for r in rows if r[0] == "case positive"]
    rest = [r for r in rows if r[0] != "case positive"]
    print(f"{len(pos)} distinct values under secret names in positive cases; {len(rest)} in real code and negative cases\n")
    recall = sum(r[1] for r in pos) / len(pos)
    print("| judge | recall | others reported |\n|---|---:|---:|")
    print(f"| keywarden's generic judgement | {recall:.3f} | {sum(r[1] for r in rest) / len(rest):.3f} |")
    for label, col in (("Shannon entropy", 2), ("BPE tokens per character", 3)):
        scores = sorted((r[col] for r in pos), reverse=True)
        t = scores[max(0, int(recall * len(scores)) - 1)]
        print(f"| {label} ≥ {t:.3f} (same recall) | {recall:.3f} | {sum(r[col] >= t for r in rest) / len(rest):.3f} |")
    print("\nA token-efficiency floor on top of the judgement (values it reports):\n")
    print("| tokens per character below | positives lost | others dropped |\n|---:|---:|---:|")
    kept_pos = [r for r in pos if r[1]]
    kept_rest = [r for r in rest if r[1]]
    for floor in (0.33, 0.4, 0.45, 0.5, 0.55, 0.6, 0.67):
        print(f"| {floor} | {sum(r[3] < floor for r in kept_pos)} of {len(kept_pos)} | {sum(r[3] < floor for r in kept_rest)} of {len(kept_rest)} |")


if __name__ == "__main__":
    sys.exit(main())
