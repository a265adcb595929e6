"""threadpool-network-io and threadpool-submit-network-io: thread pools of the multiprocessing
package, through map, imap, imap_unordered and apply_async."""

from multiprocessing.dummy import Pool
from multiprocessing.pool import ThreadPool

import requests


def status(url):
    return requests.get(url).status_code


def mapped(urls):
    pool = Pool(3)
    codes = pool.map(status, urls)
    pool.close()
    pool.join()
    return codes


def streamed(urls):
    codes = []
    with ThreadPool(processes=3) as pool:
        for code in pool.imap(status, urls):
            codes.append(code)
    return codes


def unordered(urls):
    codes = []
    with ThreadPool(3) as pool:
        for code in pool.imap_unordered(status, urls):
            codes.append(code)
    return sorted(codes)


def applied(urls):
    with ThreadPool(3) as pool:
        results = [pool.apply_async(status, (u,)) for u in urls]
        return [r.get() for r in results]


def main(base_url, n):
    urls = [f"{base_url}/users/{i}" for i in range(n)]
    return {
        "mapped": mapped(urls),
        "streamed": streamed(urls),
        "unordered": unordered(urls),
        "applied": applied(urls),
    }


if __name__ == "__main__":
    import sys

    print(main(sys.argv[1], 10))
