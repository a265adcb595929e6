# corral-case: target=py312 timeout=5
import concurrent.futures as cf
import functools

import requests


async def statuses(urls):
    with cf.ThreadPoolExecutor(max_workers=4) as pool:
        responses = list(pool.map(functools.partial(requests.get, allow_redirects=False), urls))
    return [r.status_code for r in responses]


async def heads(urls, names):
    with cf.ThreadPoolExecutor() as pool:
        return list(pool.map(lambda u: requests.head(u, headers={"x": "1"}), urls))


async def requests_by_method(methods, urls):
    with cf.ThreadPoolExecutor(8) as pool:
        return list(pool.map(requests.request, methods, urls))
