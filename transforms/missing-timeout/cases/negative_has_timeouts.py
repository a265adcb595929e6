import socket
import urllib.request

import httpx
import requests

TIMEOUT = 5


def ok(url, session: requests.Session):
    requests.get(url, timeout=TIMEOUT)
    session.post(url, timeout=(3.05, 27))
    urllib.request.urlopen(url, None, 5)
    socket.create_connection(("h", 1), 2)
    httpx.get(url)  # httpx defaults to 5 s: not a finding
    httpx.Client(timeout=10)


def unknown_session(s, url):
    # Nothing shows what `s` is.
    return s.get(url)


def shadowed(url):
    requests = make_requests()
    return requests.get(url)


def make_requests():
    return None


class Other:
    def __init__(self, session):
        self.session = session

    def go(self, url):
        return self.session.get(url)
