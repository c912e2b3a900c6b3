"""Drive keywarden's HTML report in a real headless Chromium (Debian's, through Playwright):
no console error and no network request, one card per finding, a filter hides what it should,
a checked step survives a reload, progress exports and imports into a fresh browser, no full
secret anywhere in the DOM, and a screenshot for people. Prints `ok` or fails with the reason.

Usage: python browser_check.py REPORT.html SECRETS.txt SCREENSHOT.png DOWNLOAD_DIR N_FINDINGS
"""
import json
import os
import sys

from playwright.sync_api import sync_playwright

ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"]


def main():
    report, secrets_file, shot, downloads, expected = sys.argv[1:6]
    secrets = [s for s in open(secrets_file).read().split("\n") if s]
    url = "file://" + os.path.abspath(report)
    problems, requests = [], []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=os.environ.get("KEYWARDEN_CHROMIUM", "/usr/bin/chromium"), args=ARGS)

        def page_in(context):
            page = context.new_page()
            page.on("console", lambda m: problems.append(f"console {m.type}: {m.text}") if m.type in ("error", "warning") else None)
            page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
            page.on("request", lambda r: requests.append(r.url))
            page.goto(url)
            page.wait_for_load_state("load")
            return page

        ctx = browser.new_context(viewport={"width": 1100, "height": 1400}, accept_downloads=True)
        page = page_in(ctx)
        cards = page.locator("article.card")
        n = cards.count()
        severities = [cards.nth(i).get_attribute("data-severity") for i in range(n)]
        expected = int(expected)
        assert n == expected, f"{n} cards for {expected} findings"
        # The script ran: the filters are shown.
        assert page.locator("#filters").is_visible(), "the filter form stayed hidden: the script did not run"
        # A filter hides what it should.
        pick = next((s for s in severities if severities.count(s) < n), None)
        pick = pick or next(s for s in ("critical", "high", "medium", "low") if s not in severities)
        page.select_option("select[name=severity]", pick)
        visible = page.locator("article.card:visible").count()
        assert visible == severities.count(pick), f"severity {pick}: {visible} visible, {severities.count(pick)} expected"
        assert page.locator("#shown").inner_text() == f"Showing {visible} of {n}"
        page.select_option("select[name=severity]", "")
        page.fill("input[name=q]", "no-such-text-anywhere")
        assert page.locator("article.card:visible").count() == 0, "a search for nothing still shows cards"
        page.fill("input[name=q]", "")
        # A checked step survives a reload.
        first = cards.first
        fp = first.get_attribute("data-fingerprint")
        first.locator(".checklist input").first.check()
        assert "1 of" in first.locator(".progress").inner_text()
        page.reload()
        page.wait_for_load_state("load")
        card = page.locator(f"article.card[data-fingerprint='{fp}']")
        assert card.locator(".checklist input").first.is_checked(), "a checked step did not survive a reload"
        # Export, then import into a fresh browser profile.
        with page.expect_download() as d:
            page.click("#export")
        saved = os.path.join(downloads, "progress.json")
        d.value.save_as(saved)
        exported = open(saved).read()
        assert json.loads(exported)["done"][fp] == [0], exported
        fresh = browser.new_context(viewport={"width": 1100, "height": 1400})
        other = page_in(fresh)
        ocard = other.locator(f"article.card[data-fingerprint='{fp}']")
        assert not ocard.locator(".checklist input").first.is_checked()
        other.set_input_files("#import", saved)
        other.wait_for_function("document.getElementById('progress-status').textContent.length > 0")
        assert ocard.locator(".checklist input").first.is_checked(), "import did not restore the step"
        # No full secret in the DOM, the exported file or the page source.
        dom = page.content()
        for s in secrets:
            assert s not in dom, "a full secret is in the DOM"
            assert s not in exported, "a full secret is in the exported progress"
        page.screenshot(path=shot)
        browser.close()
    outside = [r for r in requests if not r.startswith(("file://", "data:", "blob:"))]
    assert not outside, f"network requests: {outside}"
    assert not problems, "; ".join(problems)
    print("ok")


if __name__ == "__main__":
    main()
