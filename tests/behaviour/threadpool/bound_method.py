"""threadpool-network-io: a bound method as the worker, updating `self` state."""

from concurrent.futures import ThreadPoolExecutor

import requests


class Crawler:
    def __init__(self, base):
        self.base = base
        self.seen = []

    def page_url(self, uid):
        return f"{self.base}/users/{uid}"

    def fetch(self, uid):
        resp = requests.get(self.page_url(uid))
        self.seen.append(uid)
        return resp.status_code

    def crawl(self, uids):
        with ThreadPoolExecutor(max_workers=4) as pool:
            return list(pool.map(self.fetch, uids))


def main(base_url, n):
    crawler = Crawler(base_url)
    codes = crawler.crawl(range(n))
    return {"codes": codes, "seen": sorted(crawler.seen)}


if __name__ == "__main__":
    import sys

    print(main(sys.argv[1], 10))
