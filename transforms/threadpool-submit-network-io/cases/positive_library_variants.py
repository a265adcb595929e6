# corral-case: target=py311 library-variants=true
"""Library code with --library-variants: an async variant next to the function, which
stays."""

from concurrent.futures import ThreadPoolExecutor, as_completed

import requests


def check_links(urls):
    ok, broken = [], {}
    with ThreadPoolExecutor(max_workers=16) as pool:
        futures = {pool.submit(requests.get, u, timeout=5): u for u in urls}
        for fut in as_completed(futures):
            url = futures[fut]
            try:
                fut.result().raise_for_status()
                ok.append(url)
            except requests.RequestException as exc:
                broken[url] = type(exc).__name__
    return ok, broken
