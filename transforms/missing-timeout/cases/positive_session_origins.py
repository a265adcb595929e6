import ftplib
import smtplib

import requests


def make_session():
    session = requests.Session()
    session.headers["accept"] = "application/json"
    return session


def from_a_helper(url):
    s = make_session()
    return s.get(url)


def through_a_local(url):
    base = requests.Session()
    session = base
    return session.post(url, json={"ping": 1})


def tls_clients(host):
    ftp = ftplib.FTP_TLS(host)
    mail = smtplib.SMTP_SSL(host)
    return ftp, mail
