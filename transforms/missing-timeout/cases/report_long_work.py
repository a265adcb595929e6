import aiohttp
import requests

NO_TIMEOUT = aiohttp.ClientTimeout(total=None)


def generate(prompt, url):
    # The server sends nothing until the model has generated the whole answer.
    return requests.post(url, json={"prompt": prompt, "max_tokens": 512})


def complete(base_url, body):
    return requests.post(f"{base_url}/v1/chat/completions", json=body)


def follow(url):
    return requests.get(url, stream=True)


class Model:
    def _call(self, prompt):
        return requests.post(self.endpoint, data=prompt)


async def relay(session: aiohttp.ClientSession, url):
    # A proxy that streams: its timeout is off on purpose, named so.
    async with session.get(url, timeout=NO_TIMEOUT) as upstream:
        async for chunk in upstream.content.iter_chunked(4096):
            yield chunk
