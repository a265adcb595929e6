"""executor-wrapped-http: hops to threads awaited as async code writes them: a loop over the
gathered results, asyncio.wait, and a partial written inside the comprehension that reads its
loop variable."""

import asyncio
import functools

import requests


async def statuses(urls):
    loop = asyncio.get_running_loop()
    codes = []
    for resp in await asyncio.gather(
        *[loop.run_in_executor(None, requests.get, u) for u in urls]
    ):
        codes.append(resp.status_code)
    return codes


async def waited(urls):
    loop = asyncio.get_running_loop()
    futures = [loop.run_in_executor(None, requests.get, u) for u in urls]
    done, _ = await asyncio.wait(futures)
    return sorted(t.result().status_code for t in done)


async def by_id(base_url, n):
    responses = await asyncio.gather(
        *[
            asyncio.to_thread(functools.partial(requests.get, f"{base_url}/users/{i}"))
            for i in range(n)
        ]
    )
    return [r.status_code for r in responses]


async def main(base_url, n):
    urls = [f"{base_url}/users/{i}" for i in range(n)]
    return {
        "statuses": await statuses(urls),
        "waited": await waited(urls),
        "by_id": await by_id(base_url, n),
    }
