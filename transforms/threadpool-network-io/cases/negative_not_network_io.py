"""Pools doing I/O that is not network I/O, or calling what corral cannot see into:
never flagged as network I/O."""

import subprocess
from concurrent.futures import ThreadPoolExecutor
from multiprocessing.dummy import Pool

from mylib import fetch


def read(path):
    with open(path) as f:
        return f.read()


def compress(path):
    subprocess.run(["gzip", path], check=True)


def read_all(paths):
    with ThreadPoolExecutor(8) as pool:
        return list(pool.map(read, paths))


def compress_all(paths):
    pool = Pool(4)
    pool.map(compress, paths)
    pool.close()
    pool.join()


def unknown(urls):
    with ThreadPoolExecutor(8) as pool:
        return list(pool.map(fetch, urls))


if __name__ == "__main__":
    import requests

    read_all([])
    requests.get("http://example.com", timeout=5)
