# corral-case: target=py311
import time
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor

import requests


def streamed(url):
    return requests.get(url, stream=True).raw.read()


def with_none_params(url, token=None):
    return requests.get(url, params={"token": token}).text


def pinned(url):
    return requests.get(url, verify="/etc/ca.pem").text


def careful(url):
    try:
        return requests.get(url).text
    except OSError:
        return ""


def slow(url):
    time.sleep(1)
    return requests.get(url).text


def ok_worker(url):
    return requests.get(url).text


def main(urls):
    with ThreadPoolExecutor(4) as pool:
        a = list(pool.map(streamed, urls))
    with ThreadPoolExecutor(4) as pool:
        b = list(pool.map(with_none_params, urls))
    with ThreadPoolExecutor(4) as pool:
        c = list(pool.map(pinned, urls))
    with ThreadPoolExecutor(4) as pool:
        d = list(pool.map(careful, urls))
    with ThreadPoolExecutor(4) as pool:
        e = list(pool.map(slow, urls))
    with ThreadPoolExecutor(4) as pool:
        for text in pool.map(ok_worker, urls):
            if not text:
                break
    with ProcessPoolExecutor(4) as pool:
        f = list(pool.map(ok_worker, urls))
    return a, b, c, d, e, f


if __name__ == "__main__":
    main([])


async def two_iterables(urls, bodies):
    with ThreadPoolExecutor(4) as pool:
        return list(pool.map(requests.post, urls, bodies))


def with_session(urls):
    session = requests.Session()
    with ThreadPoolExecutor(4) as pool:
        return list(pool.map(session.get, urls))
