# corral-case: target=py311
from concurrent.futures import ThreadPoolExecutor

import requests


class Crawler:
    def __init__(self, base):
        self.base = base
        self.seen = []

    def page_url(self, n):
        return f"{self.base}/page/{n}"

    def fetch(self, n):
        resp = requests.get(self.page_url(n), timeout=5)
        self.seen.append(n)
        return resp.text

    def crawl(self, pages):
        with ThreadPoolExecutor(max_workers=4) as pool:
            return list(pool.map(self.fetch, pages))


if __name__ == "__main__":
    print(Crawler("http://example.com").crawl(range(3)))
