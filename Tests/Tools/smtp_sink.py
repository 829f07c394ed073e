"""A real SMTP server for the mail tests (aiosmtpd), counting what it accepts.

Listens on 127.0.0.1 (`--port 0` picks a free port) and prints `PORT=<n>` once it accepts
connections. Every accepted message is appended to `--out` as one JSON line per recipient
(`from`, `to`, `subject`, `message_id`, `data`), so a test can count deliveries per address.

`--tls CERT_OUT` offers STARTTLS with a freshly made self-signed certificate for `localhost` and
127.0.0.1, written to CERT_OUT as PEM for the client to trust. `--auth USER:PASSWORD` requires
AUTH (PLAIN or LOGIN, only after STARTTLS when TLS is on). Recipients whose local part starts with
`bounce` are refused with 550 (permanent), with `busy` with 451 (transient).
"""
import argparse
import datetime
import email
import email.policy
import ipaddress
import json
import os
import signal
import ssl
import tempfile

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword


def self_signed(cert_out):
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(minutes=5)).not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost"),
                                                        x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    cert_pem = cert.public_bytes(serialization.Encoding.PEM)
    key_pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    with open(cert_out, "wb") as f:
        f.write(cert_pem)
    folder = tempfile.mkdtemp()
    cert_path, key_path = os.path.join(folder, "cert.pem"), os.path.join(folder, "key.pem")
    with open(cert_path, "wb") as f:
        f.write(cert_pem)
    with open(key_path, "wb") as f:
        f.write(key_pem)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert_path, key_path)
    return context


class Sink:
    def __init__(self, out):
        self.out = out

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        local = address.split("@", 1)[0].lower()
        if local.startswith("bounce"):
            return "550 5.1.1 mailbox unavailable"
        if local.startswith("busy"):
            return "451 4.3.0 try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        with open(self.out, "a") as f:
            for rcpt in envelope.rcpt_tos:
                f.write(json.dumps({
                    "from": envelope.mail_from, "to": rcpt, "subject": str(message.get("Subject", "")),
                    "message_id": str(message.get("Message-ID", "")),
                    "data": envelope.content.decode("utf-8", "replace"),
                }) + "\n")
            f.flush()
        return "250 Message accepted for delivery"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--out", required=True)
    parser.add_argument("--tls")
    parser.add_argument("--auth")
    options = parser.parse_args()

    if options.port == 0:
        import socket
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        options.port = s.getsockname()[1]
        s.close()

    kwargs = {}
    if options.tls:
        kwargs["tls_context"] = self_signed(options.tls)
        kwargs["require_starttls"] = False
    if options.auth:
        user, password = options.auth.split(":", 1)

        def authenticate(server, session, envelope, mechanism, auth_data):
            ok = isinstance(auth_data, LoginPassword) and auth_data.login.decode() == user \
                and auth_data.password.decode() == password
            # handled=False: aiosmtpd answers 535 itself (handled=True would leave the client waiting).
            return AuthResult(success=ok, handled=False)

        kwargs["authenticator"] = authenticate
        kwargs["auth_required"] = True
        kwargs["auth_require_tls"] = bool(options.tls)
    open(options.out, "a").close()
    controller = Controller(Sink(options.out), hostname="127.0.0.1", port=options.port, **kwargs)
    controller.start()
    print(f"PORT={options.port}", flush=True)
    # Runs until killed; every accepted message is already on disk.
    while True:
        signal.pause()


if __name__ == "__main__":
    main()
