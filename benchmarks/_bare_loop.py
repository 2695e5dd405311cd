"""The reference for bench_eval.py: a bare asyncio + aiohttp eval loop, nothing else.

What any eval tool must do at the least: read the JSONL cases, send each as an
OpenAI-compatible chat completion with bounded concurrency, check the answer, write the
results as JSON. No retries, no store, no statistics, no reports. Run it in a fresh
process like the tool it is compared with:

    python benchmarks/_bare_loop.py BASE_URL CASES.jsonl CONCURRENCY OUT.json
"""

from __future__ import annotations

import asyncio
import json
import sys
import time

import aiohttp


async def _run(base_url: str, path: str, concurrency: int, out: str) -> None:
    with open(path, encoding="utf-8") as f:
        cases = [json.loads(line) for line in f if line.strip()]
    sem = asyncio.Semaphore(concurrency)
    url = base_url.rstrip("/") + "/chat/completions"
    connector = aiohttp.TCPConnector(limit=concurrency)
    async with aiohttp.ClientSession(connector=connector) as session:

        async def one(case: dict[str, str]) -> dict[str, object]:
            body = {
                "model": "fake-model",
                "messages": [{"role": "user", "content": f"Question: {case['question']}"}],
            }
            async with sem:
                t0 = time.perf_counter()
                async with session.post(url, json=body) as resp:
                    data = await resp.json()
                latency = time.perf_counter() - t0
            text = data["choices"][0]["message"]["content"]
            return {
                "id": case["id"],
                "output": text,
                "passed": case["expected"] in text,
                "latency_s": latency,
            }

        results = await asyncio.gather(*(one(c) for c in cases))
    passed = sum(1 for r in results if r["passed"])
    with open(out, "w", encoding="utf-8") as f:
        json.dump({"pass_rate": passed / len(results), "cases": results}, f)


if __name__ == "__main__":
    asyncio.run(_run(sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]))
