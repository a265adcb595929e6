"""missing-timeout: a requests.Session call to a peer that never answers."""

import time

import requests


class Api:
    def __init__(self, base_url):
        self.base_url = base_url
        self.session = requests.Session()

    def hang(self):
        return self.session.get(f"{self.base_url}/hang").status_code


async def main(base_url, n):
    start = time.monotonic()
    try:
        Api(base_url).hang()
        error = None
    except Exception as exc:  # the type is what the test compares
        error = f"{type(exc).__module__}.{type(exc).__qualname__}"
    return {"error": error, "elapsed": time.monotonic() - start}
