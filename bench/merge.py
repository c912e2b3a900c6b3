#!/usr/bin/env python3
"""How long `keywarden merge` takes on an organization's worth of reports: R JSON reports of
F findings each (default 1,000 x 50 = 50,000 findings), one in ten fingerprints shared by
several repositories, as an organization scan's shards would write them. The reports are
made from a real history report of a small repository with fake keys (labelled FAKE), their
fingerprints, paths and commits varied. Prints time and peak memory for each output format.

Usage: python3 bench/merge.py [--reports 1000] [--findings 50]
"""
import argparse, copy, hashlib, json, os, random, resource, shutil, subprocess, sys, time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "scripts"))
import bench  # noqa: E402
from fake_keys import Fakes  # noqa: E402


def template():
    d = os.path.join(bench.WORK, "merge-template")
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(d)
    run = lambda *a: subprocess.run(a, cwd=d, check=True, capture_output=True)
    run("git", "init", "-q", "-b", "main")
    f = Fakes(99)
    with open(os.path.join(d, "app.py"), "w") as fh:
        fh.write(f"# FAKE key for the merge bench\nTOKEN = '{f.github()}'\n")
    run("git", "add", ".")
    run("git", "-c", "user.name=Bench", "-c", "user.email=bench@example.com", "commit", "-qm", "k")
    out = subprocess.run([bench.KW, "scan", "--history", d, "--format", "json"], capture_output=True, text=True).stdout
    return json.loads(out)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--reports", type=int, default=1000)
    ap.add_argument("--findings", type=int, default=50)
    a = ap.parse_args()
    base = template()
    proto = base["findings"][0]
    rng = random.Random(7)
    out = os.path.join(bench.WORK, "merge-reports")
    shutil.rmtree(out, ignore_errors=True)
    os.makedirs(out)
    shared = [hashlib.sha256(f"shared{i}".encode()).hexdigest() for i in range(a.findings * a.reports // 50)]
    for r in range(a.reports):
        doc = copy.deepcopy(base)
        doc["findings"] = []
        for i in range(a.findings):
            f = copy.deepcopy(proto)
            fp = rng.choice(shared) if rng.random() < 0.1 else hashlib.sha256(f"{r}/{i}".encode()).hexdigest()
            f["fingerprint"] = fp
            f["path"] = f"src/module{i}/config.py"
            f["locations"][0]["path"] = f["path"]
            f["commit"] = hashlib.sha1(f"{r}{i}".encode()).hexdigest()
            doc["findings"].append(f)
        with open(os.path.join(out, f"acme__repo{r:04d}.json"), "w") as fh:
            json.dump(doc, fh)
    files = sorted(os.listdir(out))
    total = sum(os.path.getsize(os.path.join(out, x)) for x in files)
    print(f"{len(files)} reports, {len(files) * a.findings} findings, {total / 1e6:.0f} MB of JSON\n")
    print("| format | wall | peak RSS | merged findings |\n|---|---:|---:|---:|")
    for fmt in ("json", "text", "markdown", "html"):
        target = os.path.join(bench.WORK, f"merged.{fmt}")
        t = time.perf_counter()
        p = subprocess.run(["/usr/bin/time", "-f", "%M", bench.KW, "merge", *files, "--format", fmt, "-o", target],
                           cwd=out, capture_output=True, text=True)
        wall = time.perf_counter() - t
        rss = int(p.stderr.strip().splitlines()[-1]) / 1024
        n = len(json.load(open(target))["findings"]) if fmt == "json" else "-"
        print(f"| {fmt} | {wall:.2f} s | {rss:.0f} MiB | {n} |")


if __name__ == "__main__":
    main()
