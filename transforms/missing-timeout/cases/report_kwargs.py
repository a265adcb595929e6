import requests
from urllib.request import urlopen


def forward(url, **kwargs):
    return requests.get(url, **kwargs)


def forward_positional(*args):
    return urlopen(*args)
