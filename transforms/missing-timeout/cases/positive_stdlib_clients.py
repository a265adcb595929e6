import ftplib
import http.client
import smtplib
import socket
from urllib.request import urlopen


def fetch(url):
    with urlopen(url) as fh:
        return fh.read()


def post(url, body):
    with urlopen(url, body) as fh:
        return fh.read()


def raw(host):
    conn = http.client.HTTPSConnection(host)
    sock = socket.create_connection((host, 443))
    mail = smtplib.SMTP(host, 25)
    ftp = ftplib.FTP(host)
    return conn, sock, mail, ftp
