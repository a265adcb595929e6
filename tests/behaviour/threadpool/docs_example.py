"""threadpool-submit-network-io: the concurrent.futures documentation's example, urllib in a
thread pool, futures in a dict handled as they complete, under the script's main guard."""

import concurrent.futures
import sys
import urllib.request


def load_url(url, timeout):
    with urllib.request.urlopen(url, timeout=timeout) as conn:
        return conn.read()


if __name__ == "__main__":
    base, n = sys.argv[1], int(sys.argv[2])
    urls = [f"{base}/users/{i}" for i in range(n)]
    with concurrent.futures.ThreadPoolExecutor(max_workers=5) as executor:
        future_to_url = {executor.submit(load_url, url, 60): url for url in urls}
        for future in concurrent.futures.as_completed(future_to_url):
            url = future_to_url[future]
            try:
                data = future.result()
            except Exception as exc:
                print("%r generated an exception: %s" % (url, type(exc).__name__))
            else:
                print("%r page is %d bytes" % (url, len(data)))
