# corral-case: target=py311
"""Workers that reach the network in ways httpx cannot take over keep their library and
run through asyncio.to_thread, still bounded by the pool's size."""

import smtplib
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor

import boto3
import requests

s3 = boto3.client("s3")


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


def polite(url):
    time.sleep(1)
    return requests.get(url).text


def save(url, path):
    urllib.request.urlretrieve(url, path)
    return path


def upload(key):
    s3.upload_file(key, "bucket", key)


def notify(address):
    with smtplib.SMTP("localhost") as server:
        server.sendmail("me@example.com", [address], "done")


def fetch_all(urls):
    with ThreadPoolExecutor(4) as pool:
        a = list(pool.map(streamed, urls))
    with ThreadPoolExecutor(4) as pool:
        b = list(pool.map(with_none_params, urls))
    with ThreadPoolExecutor(4) as pool:
        c = list(pool.map(pinned, urls))
    return a, b, c


def careful_all(urls):
    with ThreadPoolExecutor(4) as pool:
        return list(pool.map(careful, urls))


def polite_all(urls):
    with ThreadPoolExecutor(4) as pool:
        return list(pool.map(polite, urls))


def save_all(urls, paths):
    with ThreadPoolExecutor(4) as pool:
        return list(pool.map(save, urls, paths))


def upload_all(keys):
    with ThreadPoolExecutor(16) as pool:
        list(pool.map(upload, keys))


def notify_all(addresses):
    with ThreadPoolExecutor(2) as pool:
        list(pool.map(notify, addresses))


def post_all(urls, bodies):
    with ThreadPoolExecutor(4) as pool:
        return list(pool.map(requests.post, urls, bodies))


if __name__ == "__main__":
    fetch_all([])
