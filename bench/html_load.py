#!/usr/bin/env python3
"""How fast keywarden's HTML incident report opens with many secrets, in Debian's headless
Chromium (through Playwright, as the browser test drives it).

Builds a git repository with N fake keys (labelled FAKE, from scripts/fake_keys.py: GitHub,
Stripe, AWS, Slack and OpenAI shapes) added over 100 commits, a third of them removed again,
scans its history into one HTML file, and loads that file R times: the time to the `load`
event and until the script has laid out the filters, and how long a filter and a search take.

Usage: python3 bench/html_load.py [--secrets 10000] [--runs 3]
Needs: .venv with playwright (scripts/test.sh), /usr/bin/chromium, a release build.
"""
import argparse, os, shutil, subprocess, sys, time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "scripts"))
import bench  # noqa: E402
from fake_keys import Fakes  # noqa: E402

ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"]


def git(d, *a, env=None):
    subprocess.run(["git", *a], cwd=d, check=True, capture_output=True, env=env)


def build_repo(d, n):
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(d)
    git(d, "init", "-q", "-b", "main")
    f = Fakes(2026)
    makers = [f.github, lambda: f.stripe("sk_live_"), f.aws_id, f.slack_bot, f.openai_project]
    per = max(1, n // 100)
    for c in range(100):
        lines = [f"# FAKE keys for the HTML load bench (never issued)\n"]
        lines += [f"KEY_{c}_{i} = '{makers[(c * per + i) % len(makers)]()}'\n" for i in range(per)]
        with open(os.path.join(d, f"keys{c:03d}.py"), "w") as fh:
            fh.writelines(lines)
        if c % 3 == 2:
            os.remove(os.path.join(d, f"keys{c - 1:03d}.py"))
        env = dict(os.environ, GIT_AUTHOR_DATE=f"{1_600_000_000 + c * 86_400} +0000", GIT_COMMITTER_DATE=f"{1_600_000_000 + c * 86_400} +0000",
                   GIT_AUTHOR_NAME="Bench", GIT_AUTHOR_EMAIL="bench@example.com", GIT_COMMITTER_NAME="Bench", GIT_COMMITTER_EMAIL="bench@example.com")
        git(d, "add", "-A", env=env)
        git(d, "commit", "-q", "-m", f"keys {c}", env=env)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--secrets", type=int, default=10_000)
    ap.add_argument("--runs", type=int, default=3)
    a = ap.parse_args()
    from playwright.sync_api import sync_playwright
    repo = os.path.join(bench.WORK, "html-load-repo")
    build_repo(repo, a.secrets)
    page_file = os.path.join(bench.WORK, "html-load.html")
    t = time.perf_counter()
    subprocess.run([bench.KW, "scan", "--history", repo, "--format", "html", "--output", page_file], capture_output=True)
    written = time.perf_counter() - t
    cards = open(page_file).read().count('"fp":')
    size = os.path.getsize(page_file)
    print(f"{cards} secrets, page {size / 1e6:.1f} MB, written in {written:.2f} s (the whole history scan)\n")
    print("| run | load event | script ready | severity filter | search |\n|---:|---:|---:|---:|---:|")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=os.environ.get("KEYWARDEN_CHROMIUM", "/usr/bin/chromium"), args=ARGS)
        for r in range(a.runs):
            ctx = b.new_context(viewport={"width": 1100, "height": 1400})
            page = ctx.new_page()
            t0 = time.perf_counter()
            page.goto("file://" + page_file, wait_until="load")
            t_load = time.perf_counter() - t0
            page.wait_for_function("document.getElementById('shown').textContent.length > 0")
            t_ready = time.perf_counter() - t0
            t1 = time.perf_counter()
            page.select_option("select[name=severity]", "critical")
            page.evaluate("new Promise(r => requestAnimationFrame(() => r()))")
            t_filter = time.perf_counter() - t1
            t2 = time.perf_counter()
            page.fill("input[name=q]", "keys042")
            page.evaluate("new Promise(r => requestAnimationFrame(() => r()))")
            t_search = time.perf_counter() - t2
            print(f"| {r + 1} | {t_load:.2f} s | {t_ready:.2f} s | {t_filter * 1000:.0f} ms | {t_search * 1000:.0f} ms |")
            ctx.close()
        b.close()


if __name__ == "__main__":
    main()
