"""threadpool-network-io: one requests.Session per thread from a thread-local factory, as the
common recipe has it; the results are printed by the workers and never read."""

import concurrent.futures
import sys
import threading

import requests

thread_local = threading.local()


def get_session():
    if not hasattr(thread_local, "session"):
        thread_local.session = requests.Session()
    return thread_local.session


def download_site(url):
    session = get_session()
    with session.get(url) as response:
        print(f"Read {len(response.content)} from {url}")


def download_all_sites(sites):
    with concurrent.futures.ThreadPoolExecutor(max_workers=5) as executor:
        executor.map(download_site, sites)


if __name__ == "__main__":
    base, n = sys.argv[1], int(sys.argv[2])
    download_all_sites([f"{base}/users/{i}" for i in range(n)])
    print("finished")
