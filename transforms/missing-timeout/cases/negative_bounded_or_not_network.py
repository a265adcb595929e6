import socket

import aiohttp
import requests

SESSION_ARGS = {"headers": {"accept": "application/json"}}


def loopback_to_self():
    # A connection to a listener this function just opened is not a wait on a peer.
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    client = socket.create_connection(listener.getsockname())
    return listener, client


async def read_bound(url):
    # sock_read bounds a silent peer even with no total.
    timeout = aiohttp.ClientTimeout(total=None, sock_read=30)
    async with aiohttp.ClientSession(timeout=timeout) as session:
        async with session.get(url, **SESSION_ARGS) as resp:
            return await resp.text()


def test_fetch(url):
    # Tests talk to mocks and have their own timeouts.
    assert requests.get(url).ok
