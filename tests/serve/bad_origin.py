"""Two failing origins on loopback: one that accepts and never answers (timeout), one that
resets every connection after reading the request. Prints "HANG_PORT RESET_PORT"."""
import socket
import struct
import threading
import time


def listener():
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("127.0.0.1", 0))
    s.listen(64)
    return s


hang, reset = listener(), listener()
held = []


def serve_hang():
    while True:
        c, _ = hang.accept()
        held.append(c)


def serve_reset():
    while True:
        c, _ = reset.accept()
        try:
            c.recv(65536)
        except OSError:
            pass
        c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        c.close()


threading.Thread(target=serve_hang, daemon=True).start()
threading.Thread(target=serve_reset, daemon=True).start()
print(hang.getsockname()[1], reset.getsockname()[1], flush=True)
# Bounded: the test stops it long before.
time.sleep(600)
