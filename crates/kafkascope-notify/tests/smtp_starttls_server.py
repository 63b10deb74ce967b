"""An SMTP server for the email receiver's tests, on aiosmtpd: STARTTLS
required (with the certificate the test made), then AUTH PLAIN or LOGIN
with one user, then each message is appended to a file as a JSON line
with its envelope, whether it came over TLS, authenticated, and its
headers and text as Python's email package reads them (unfolded and
decoded, as a mail client shows them).

Usage: smtp_starttls_server.py HOST PORT CERT KEY OUT USER PASSWORD
Prints "ready" once it listens; runs until killed.
"""

import email
import email.policy
import json
import ssl
import sys
import threading

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

host, port, cert, key, out, user, password = sys.argv[1:8]


class Recorder:
    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        record = {
            "mail_from": envelope.mail_from,
            "rcpt_tos": envelope.rcpt_tos,
            "tls": session.ssl is not None,
            "authenticated": bool(session.authenticated),
            "login": session.auth_data.login.decode() if session.auth_data else None,
            "headers": {name: str(value) for name, value in message.items()},
            "text": message.get_content(),
        }
        with open(out, "a", encoding="utf-8") as f:
            f.write(json.dumps(record) + "\n")
        return "250 OK"


def authenticate(server, session, envelope, mechanism, auth_data):
    ok = (
        isinstance(auth_data, LoginPassword)
        and auth_data.login.decode() == user
        and auth_data.password.decode() == password
    )
    return AuthResult(success=ok, handled=False, auth_data=auth_data if ok else None)


context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
context.load_cert_chain(cert, key)
controller = Controller(
    Recorder(),
    hostname=host,
    port=int(port),
    tls_context=context,
    require_starttls=True,
    authenticator=authenticate,
    auth_required=True,
    auth_require_tls=True,
)
controller.start()
print("ready", flush=True)
threading.Event().wait()
