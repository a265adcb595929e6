# corral-case: target=py312
import concurrent.futures

import requests


def size(url):
    resp = requests.get(url)
    return len(resp.content)


async def sizes(urls):
    total = []
    with concurrent.futures.ThreadPoolExecutor(max_workers=3) as ex:
        futures = [ex.submit(size, u) for u in urls]
        for done in concurrent.futures.as_completed(futures):
            # Completion order.
            total.append(done.result())
    return sum(total)


async def skip_empty(urls):
    seen = []
    with concurrent.futures.ThreadPoolExecutor(max_workers=3) as ex:
        futures = {ex.submit(size, u): u for u in urls}
        for fut in concurrent.futures.as_completed(futures):
            n = fut.result()
            if n == 0:
                continue
            for part in range(n):
                if part:
                    break
                seen.append(futures[fut])
    return seen
