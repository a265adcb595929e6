import requests
from requests import Session
from requests import post as send


class Client:
    def __init__(self, base):
        self.base = base
        self.session = requests.Session()

    def user(self, uid):
        return self.session.get(f"{self.base}/users/{uid}").json()


def module_functions(url, payload):
    requests.get(url)
    send(url, json=payload)
    requests.request("PATCH", url, data=payload,)
    return requests.head(
        url,
        allow_redirects=True,  # keep redirects
    )


def with_block(urls):
    with Session() as s:
        return [s.post(u, data=b"") for u in urls]


def annotated(s: requests.Session, url):
    return s.delete(url)


def explicit_none(url):
    return requests.get(url, timeout=None)


def one_per_line(url, payload):
    return requests.post(
        url,
        json=payload
    )


class Backend:
    def __init__(self, session=None):
        self._client: requests.Session = session or requests.Session()

    def fetch(self, url):
        return self._client.get(url)
