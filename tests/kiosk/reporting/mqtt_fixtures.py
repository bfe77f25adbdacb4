"""Helpers of the reporting tests: a test PKI, a private mosquitto, a provisioned kiosk."""

from __future__ import annotations

import datetime as dt
import os
import random
import shutil
import socket
import subprocess
import time
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from kiosk.reporting.outbox import Outbox
from kiosk.security.crypto import public_key_bytes
from kiosk.security.keys import DataPaths, provision
from kiosk.storage.store import KioskStore

MOSQUITTO = shutil.which("mosquitto") or "/usr/sbin/mosquitto"
MOSQUITTO_PASSWD = shutil.which("mosquitto_passwd") or "/usr/bin/mosquitto_passwd"


def free_port() -> int:
    """A free port below the kernel's ephemeral range: a port from that range can be
    taken by an outgoing connection between our check and mosquitto's (re)start."""
    ranges = Path("/proc/sys/net/ipv4/ip_local_port_range")
    low = int(ranges.read_text().split()[0]) if ranges.exists() else 32768
    rng = random.SystemRandom()
    for _ in range(200):
        port = rng.randrange(max(1024, low - 12000), low)
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError("no free port below the ephemeral range")


# ---- a test PKI ------------------------------------------------------------------------------
def _name(cn: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])


def _write_key(key, path: Path) -> None:
    path.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                       serialization.PrivateFormat.PKCS8,
                                       serialization.NoEncryption()))
    path.chmod(0o600)


class CA:
    def __init__(self, folder: Path, name: str):
        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)
        self.key = ec.generate_private_key(ec.SECP256R1())
        now = dt.datetime.now(dt.UTC)
        self.cert = (x509.CertificateBuilder().subject_name(_name(name)).issuer_name(_name(name))
                     .public_key(self.key.public_key()).serial_number(x509.random_serial_number())
                     .not_valid_before(now - dt.timedelta(days=1))
                     .not_valid_after(now + dt.timedelta(days=30))
                     .add_extension(x509.BasicConstraints(ca=True, path_length=None), True)
                     .sign(self.key, hashes.SHA256()))
        self.path = folder / f"{name}.crt"
        self.path.write_bytes(self.cert.public_bytes(serialization.Encoding.PEM))

    def issue(self, cn: str, server: bool = False) -> tuple[str, str]:
        key = ec.generate_private_key(ec.SECP256R1())
        now = dt.datetime.now(dt.UTC)
        b = (x509.CertificateBuilder().subject_name(_name(cn)).issuer_name(self.cert.subject)
             .public_key(key.public_key()).serial_number(x509.random_serial_number())
             .not_valid_before(now - dt.timedelta(days=1))
             .not_valid_after(now + dt.timedelta(days=30))
             .add_extension(x509.BasicConstraints(ca=False, path_length=None), True))
        if server:
            import ipaddress

            b = b.add_extension(x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                False)
        cert = b.sign(self.key, hashes.SHA256())
        crt, kf = self.folder / f"{cn}.crt", self.folder / f"{cn}.key"
        crt.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
        _write_key(key, kf)
        return str(crt), str(kf)


ACL = """\
user hub
topic readwrite sidik/#
pattern write sidik/v1/+/%u/events
pattern write sidik/v1/+/%u/status
pattern write sidik/v1/+/%u/cmd-reply
pattern read sidik/v1/+/%u/ack
pattern read sidik/v1/+/%u/cmd
pattern read sidik/v1/+/%u/roster
"""


# name -> password of the accounts on the password listener
ACCOUNTS = {"hub": "hub-secret", "kiosk-1": "kiosk-secret"}


class Broker:
    """A private mosquitto: ``port`` (plain, anonymous), ``tls_port`` (client certificates,
    the certificate's CN is the user name, ACL per device) and ``pw_port`` (user name and
    password from ACCOUNTS). Restartable on the same ports."""

    def __init__(self, folder: Path, ca: CA):
        self.folder = folder
        self.port, self.tls_port, self.pw_port = free_port(), free_port(), free_port()
        cert, key = ca.issue("broker", server=True)
        (folder / "acl").write_text(ACL)
        passwords = folder / "passwords"
        for i, (user, secret) in enumerate(ACCOUNTS.items()):
            subprocess.run([MOSQUITTO_PASSWD, "-b", *(["-c"] if i == 0 else []), str(passwords),
                            user, secret], check=True, capture_output=True)
        lines = [
            "per_listener_settings true", "persistence false", "log_dest stderr",
            "log_type error", "log_type warning",
            # Anything bigger is refused by the broker (the client is disconnected).
            "max_packet_size 8388608",
            f"listener {self.port} 127.0.0.1", "allow_anonymous true",
            f"listener {self.tls_port} 127.0.0.1", f"cafile {ca.path}", f"certfile {cert}",
            f"keyfile {key}", "require_certificate true", "use_identity_as_username true",
            f"acl_file {folder / 'acl'}",
            f"listener {self.pw_port} 127.0.0.1", "allow_anonymous false",
            f"password_file {passwords}",
        ]
        if os.geteuid() == 0:
            lines.insert(0, "user root")
        self.conf = folder / "mosquitto.conf"
        self.conf.write_text("\n".join(lines) + "\n")
        self.proc: subprocess.Popen | None = None
        self.url = f"mqtt://127.0.0.1:{self.port}"
        self.tls_url = f"mqtts://127.0.0.1:{self.tls_port}"

    def start(self) -> None:
        with open(self.folder / "broker.log", "ab") as log:
            self.proc = subprocess.Popen([MOSQUITTO, "-c", str(self.conf)],
                                         stdout=subprocess.DEVNULL, stderr=log)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    return
            except OSError:
                if self.proc.poll() is not None:
                    raise RuntimeError((self.folder / "broker.log").read_text()[-2000:]) from None
                time.sleep(0.05)
        raise RuntimeError("mosquitto did not start")

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        self.proc = None

    def restart(self) -> None:
        self.stop()
        self.start()



class KioskSide:
    """A provisioned kiosk: its store (to make events) and the reporter's outbox view."""

    def __init__(self, folder: Path, hub_key):
        self.paths = DataPaths.resolve(folder)
        self.identity = provision(self.paths, hub_public_key=public_key_bytes(hub_key))
        self.store = KioskStore.open(self.paths)
        self.outbox = Outbox(self.paths.db)

    @property
    def device(self) -> str:
        return self.identity.device_id

    def make_events(self, n: int) -> None:
        for i in range(n):
            self.store.record("test_decision", decision="accepted", reason="match", n=i)

    def close(self) -> None:
        self.outbox.close()
        self.store.close()


class OldBrokerProxy:
    """Stands for a broker that only speaks MQTT 3.1.1: closes the socket on an MQTT 5
    CONNECT (as old brokers do) and relays everything else to the real broker."""

    def __init__(self, upstream_port: int):
        import threading

        self.upstream = upstream_port
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.port = self.sock.getsockname()[1]
        self.refused_v5 = 0
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        import threading

        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn: socket.socket) -> None:
        import threading

        head = b""
        while len(head) < 16:  # every CONNECT here is longer (client ids are 20 characters)
            data = conn.recv(16 - len(head))
            if not data:
                conn.close()
                return
            head += data
        # Fixed header: type byte, remaining length (1-4 bytes), then "\0\4MQTT" and level.
        i = 1
        while head[i] & 0x80:
            i += 1
        if head[i + 7] == 5:
            self.refused_v5 += 1
            conn.close()
            return
        up = socket.create_connection(("127.0.0.1", self.upstream))
        up.sendall(head)

        def pipe(a, b):
            try:
                while data := a.recv(65536):
                    b.sendall(data)
            except OSError:
                pass
            finally:
                for s in (a, b):
                    try:
                        s.shutdown(socket.SHUT_RDWR)
                    except OSError:
                        pass

        threading.Thread(target=pipe, args=(up, conn), daemon=True).start()
        pipe(conn, up)

    def close(self) -> None:
        self.sock.close()
