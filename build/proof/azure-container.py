#!/usr/bin/env python3
"""Creates a blob container with Shared Key authorization (no SDK needed), for the proof suite's Azurite.

usage: azure-container.py BLOB_ENDPOINT ACCOUNT KEY CONTAINER      (BLOB_ENDPOINT like http://127.0.0.1:PORT/ACCOUNT)
"""
import base64
import hashlib
import hmac
import sys
import urllib.error
import urllib.parse
import urllib.request
from email.utils import formatdate

endpoint, account, key, container = sys.argv[1:5]
date = formatdate(usegmt=True)
version = "2021-08-06"
path = urllib.parse.urlparse(f"{endpoint}/{container}").path  # /ACCOUNT/CONTAINER on the emulator
# Shared Key string-to-sign: verb, 11 standard headers (empty here), the x-ms- headers, then the resource and query.
string_to_sign = "\n".join(["PUT"] + [""] * 11 + [f"x-ms-date:{date}", f"x-ms-version:{version}", f"/{account}{path}", "restype:container"])
signature = base64.b64encode(hmac.new(base64.b64decode(key), string_to_sign.encode(), hashlib.sha256).digest()).decode()
request = urllib.request.Request(f"{endpoint}/{container}?restype=container", method="PUT", data=None, headers={
    "x-ms-date": date, "x-ms-version": version, "Authorization": f"SharedKey {account}:{signature}", "Content-Length": "0"})
try:
    urllib.request.urlopen(request).close()
except urllib.error.HTTPError as e:
    if e.code != 409:  # already there
        raise
