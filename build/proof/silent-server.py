#!/usr/bin/env python3
"""A server on 127.0.0.1 that accepts TCP connections and never answers (nor closes them).

usage: silent-server.py PORT
"""
import socket
import sys
import time

server = socket.socket()
server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
server.bind(("127.0.0.1", int(sys.argv[1])))
server.listen(128)
held = []
while True:
    connection, _ = server.accept()
    held.append(connection)
