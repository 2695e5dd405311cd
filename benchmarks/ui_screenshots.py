"""Regenerate the screenshots in docs/ui.md: `python benchmarks/ui_screenshots.py`.

Builds the demo workspace of tests/ui/ui_kit.py (a refund-answers PRD, its runs, prompt
versions, production traces with feedback and guards; a failure lab and a comparison of two
small scripted features, really run), has two reviewers label a review queue, serves it
with a real `gonogo ui` and photographs the main pages with Debian's Chromium (Playwright)
into docs/ui/.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "ui"))

import ui_kit  # noqa: E402
from http_kit import Client  # noqa: E402

from gonogo.store.gateway import ReviewLabel, open_gateway_store  # noqa: E402
from gonogo.testing import UIProcess  # noqa: E402


async def label_queue(store_url: str, prd_key: str, n: int) -> None:
    """Two reviewers label ``n`` items of the disagree queue (mostly agreeing)."""
    store = open_gateway_store(store_url)
    await store.open()
    rng = random.Random(3)
    try:
        for reviewer in ("ana", "bo"):
            for _ in range(n):
                item = await store.claim_review_item(prd_key, "disagree", reviewer)
                if item is None:
                    break
                correct = item.payload["scores"]["correct"]["passed"]
                verdict = ("pass" if correct else "fail") if rng.random() < 0.8 else (
                    "fail" if correct else "pass")
                await store.label_review_item(ReviewLabel(item.id, reviewer, verdict,
                                                          rng.randint(2, 5), None, time.time()))
    finally:
        await store.close()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", type=Path, default=ROOT / "docs" / "ui")
    args = ap.parse_args()
    from playwright.sync_api import sync_playwright

    exe = os.environ.get("GONOGO_TEST_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
    work = Path(tempfile.mkdtemp(prefix="gonogo-ui-shots-"))
    ws = ui_kit.make_workspace(work, cases=40, runs=12, n_traces=120)
    lab_prd = ui_kit.write_lab_project(work / "capitals", "shots_lab_app")
    ui_kit.run_lab(lab_prd)  # a real `gonogo lab`
    cmp_prd = ui_kit.make_comparison(work)["prd"]  # a real `gonogo compare`
    args.out.mkdir(parents=True, exist_ok=True)
    with UIProcess(ws["root"], ws["store_url"]) as ui:
        c = Client(ui.url)
        from gonogo.spec import prd_key
        from gonogo.ui._workspace import slug_of

        slug = slug_of(prd_key(ws["prd"]))
        c.submit("/review/build", {"feature": slug, "rule": "disagree", "n": "30", "wanted": "2"},
                 "/review")  # fmt: skip
        c.submit("/review/build", {"feature": slug, "rule": "flagged", "n": "10"}, "/review")
        ui_kit.run_async(label_queue(ws["store_url"], prd_key(ws["prd"]), 16))
        run = ws["runs"][-1]
        item = c.submit(f"/review/{slug}/flagged/next", {}, "/review").headers["location"]
        trace = re.search(r'href="(/production/traces/[^"]+)"', c.get("/production?guard=any").text)
        pages = {
            "features": "/",
            "run": f"/runs/{run}",
            "case": f"/runs/{run}/case?key=golden/q5",
            "trends": f"/trends?feature={slug}",
            "production": "/production?guard=any",
            "trace": trace.group(1) if trace else "/production",
            "prompts": "/prompts/refund?a=2&b=3",
            "review-item": item,
            "calibration": f"/review/calibration?feature={slug}",
            "lab": f"/lab?feature={slug_of(prd_key(lab_prd))}",
            "comparison": f"/comparison?feature={slug_of(prd_key(cmp_prd))}",
        }
        tall = {"lab": 1500, "comparison": 1150}
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=exe, args=["--no-sandbox"])
            page = browser.new_page(viewport={"width": 1280, "height": 860}, base_url=ui.url)
            for name, path in pages.items():
                page.set_viewport_size({"width": 1280, "height": tall.get(name, 860)})
                page.goto(path)
                target = args.out / f"{name}.png"
                page.screenshot(path=str(target))
                print(f"{target.relative_to(ROOT)}  ←  {path}")
            browser.close()
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
