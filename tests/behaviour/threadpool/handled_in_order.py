"""threadpool-submit-network-io: futures kept in a dict, read in order with a handler around
each result."""

import concurrent.futures

import requests


def get_json(url):
    resp = requests.get(url)
    resp.raise_for_status()
    return resp.json()


def main(base_url, n):
    ok, failed = [], []
    with concurrent.futures.ThreadPoolExecutor(max_workers=4) as ex:
        futures = {i: ex.submit(get_json, f"{base_url}/users/{i}") for i in range(n)}
        for i, fut in futures.items():
            try:
                ok.append(fut.result()["id"])
            except requests.HTTPError:
                failed.append(i)
    return {"ok": ok, "failed": failed}


if __name__ == "__main__":
    import sys

    print(main(sys.argv[1], 10))
