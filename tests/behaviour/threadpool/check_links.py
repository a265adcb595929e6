"""threadpool-submit-network-io: submit per URL, handle results as they complete."""

from concurrent.futures import ThreadPoolExecutor, as_completed

import requests


def check_links(urls):
    ok, broken = [], {}
    with ThreadPoolExecutor(max_workers=5) as pool:
        futures = {pool.submit(requests.get, u, timeout=5): u for u in urls}
        for fut in as_completed(futures):
            url = futures[fut]
            try:
                fut.result().raise_for_status()
                ok.append(url)
            except requests.RequestException as exc:
                broken[url] = type(exc).__name__
    return ok, broken


def main(base_url, n):
    ok, broken = check_links([f"{base_url}/users/{i}" for i in range(n)])
    # Paths only: the server's port differs from run to run.
    path = lambda u: u[len(base_url):]
    return {"ok": sorted(map(path, ok)), "broken": {path(u): e for u, e in sorted(broken.items())}}


if __name__ == "__main__":
    import sys

    print(main(sys.argv[1], 10))
