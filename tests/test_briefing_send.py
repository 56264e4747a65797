"""Delivering the briefing pack: against a local SMTP server (aiosmtpd on 127.0.0.1, STARTTLS with
a certificate made for the test, login required), every recipient gets one message with both
files; a refused recipient is reported while the others are delivered, the exit status is
non-zero, and the next run sends only what failed. Also the --drop folder and the settings'
checks. Runs the real command line on SQLite and PostgreSQL.
"""
import datetime as dt
import email
import email.policy
import ipaddress
import os
import shutil
import socket
import ssl
import subprocess
import sys
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from sqlalchemy import text

from access import rolemap
from briefing.send import SendError, smtp_settings
from data.db import create_schema, make_engine
from data.generate import generate

AS_OF = "2021-03-01"
REFUSED = "refused@example.go.kr"
ROLE_MAP = f"""
[[viewer]]
email = "city@example.go.kr"
role = "city"

[[viewer]]
email = "{REFUSED}"
role = "district"
district = "11110"

[[viewer]]
email = "mapo@example.go.kr"
role = "district"
district = "11440"
lang = "en"
"""
USER, PASSWORD = "briefing", "not-a-real-password"


class Inbox:
    """An aiosmtpd handler that keeps messages and refuses one address while told to."""

    def __init__(self):
        self.messages = []
        self.refuse = {REFUSED}

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refuse:
            return "550 5.1.1 mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.messages.append((envelope.rcpt_tos, email.message_from_bytes(
            envelope.content, policy=email.policy.default)))
        return "250 Message accepted"


def _certificate(folder: Path) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(minutes=5))
            .not_valid_after(now + dt.timedelta(hours=1))
            .add_extension(x509.SubjectAlternativeName(
                [x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    cert_path, key_path = folder / "cert.pem", folder / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                           serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_path, key_path


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _authenticator(server, session, envelope, mechanism, auth_data):
    ok = auth_data.login == USER.encode() and auth_data.password == PASSWORD.encode()
    return AuthResult(success=ok)


@pytest.fixture
def smtp(tmp_path):
    cert, key = _certificate(tmp_path)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=_free_port(), tls_context=context,
                            require_starttls=True, auth_required=True,
                            authenticator=_authenticator)
    controller.start()
    yield {"inbox": inbox, "port": controller.port, "cafile": cert}
    controller.stop()


@pytest.fixture(scope="module")
def pack(tmp_path_factory):
    """The packs, built once for the module (a build starts Chromium for its charts, about ten
    seconds); each test sends its own copy. What is sent does not depend on the database."""
    folder = tmp_path_factory.mktemp("pack")
    url = f"sqlite:///{folder / 'cases.db'}"
    engine = make_engine(url)
    create_schema(engine)
    generate(engine, seed=1, scale=0.2)
    engine.dispose()
    role_map = folder / "roles.toml"
    role_map.write_text(ROLE_MAP, encoding="utf-8")
    env = {**os.environ, rolemap.ENV: str(role_map)}
    out = folder / "packs"
    done = _run(["build", "--db", url, "--as-of", AS_OF, "--out", str(out)], env)
    assert done.returncode == 0, done.stderr
    return {"out": out, "env": env}


@pytest.fixture
def built(db_url, tmp_path, pack):
    """A case database of each kind (where deliveries are audited) and a fresh copy of the packs
    (where delivered ones are marked)."""
    engine = make_engine(db_url)
    generate(engine, seed=1, scale=0.2)
    out = tmp_path / "packs"
    shutil.copytree(pack["out"], out)
    yield {"engine": engine, "url": db_url, "out": out, "env": pack["env"]}
    engine.dispose()


def _run(args, env):
    return subprocess.run([sys.executable, "-m", "briefing", *args], capture_output=True,
                          text=True, env=env, timeout=600)


def _smtp_env(base, smtp, tmp_path):
    secrets = tmp_path / "smtp.toml"
    secrets.write_text(f'[smtp]\nuser = "{USER}"\npassword = "{PASSWORD}"\n', encoding="utf-8")
    secrets.chmod(0o600)
    return {**base, "CASES_SMTP_HOST": "127.0.0.1", "CASES_SMTP_PORT": str(smtp["port"]),
            "CASES_SMTP_FROM": "briefing@example.go.kr", "CASES_SMTP_CAFILE": str(smtp["cafile"]),
            "CASES_SMTP_SECRETS": str(secrets)}


def _audit(engine, action):
    with engine.connect() as conn:
        return conn.execute(text("select subject, detail from audit_log where action = :a "
                                 "order by event_id"), {"a": action}).all()


def test_send_one_message_each_refused_reported_others_delivered_then_retried(built, smtp,
                                                                                 tmp_path):
    env = _smtp_env(built["env"], smtp, tmp_path)
    args = ["send", "--db", built["url"], "--as-of", AS_OF, "--out", str(built["out"])]
    done = _run(args, env)
    assert done.returncode == 1
    assert done.stderr.strip().splitlines() == [
        f"error: {REFUSED}: recipient refused by the SMTP server: 550 5.1.1 mailbox unavailable"]
    inbox = smtp["inbox"].messages
    assert sorted(to for tos, _ in inbox for to in tos) == ["city@example.go.kr",
                                                           "mapo@example.go.kr"]
    for tos, message in inbox:
        names = sorted(part.get_filename() for part in message.iter_attachments())
        assert names == [f"{AS_OF}_{tos[0]}.pdf", f"{AS_OF}_{tos[0]}.xlsx"]
        for part in message.iter_attachments():
            assert part.get_content() == (built["out"] / part.get_filename()).read_bytes()
    assert {s for s, _ in _audit(built["engine"], "delivered")} == {"city@example.go.kr",
                                                                  "mapo@example.go.kr"}
    failed = _audit(built["engine"], "delivery_failed")
    assert [s for s, _ in failed] == [REFUSED] and "550" in failed[0].detail
    assert PASSWORD not in done.stdout + done.stderr + "".join(d for _, d in failed)

    # The next run sends only what failed.
    smtp["inbox"].refuse = set()
    again = _run(args, env)
    assert again.returncode == 0, again.stderr
    assert [tos for tos, _ in inbox[2:]] == [[REFUSED]]
    assert "already delivered" in again.stdout
    assert [s for s, _ in _audit(built["engine"], "delivered")][-1] == REFUSED


def test_drop_copies_each_recipients_files_into_their_folder(built, tmp_path):
    drop = tmp_path / "share"
    done = _run(["send", "--db", built["url"], "--as-of", AS_OF, "--out", str(built["out"]),
                 "--drop", str(drop)], built["env"])
    assert done.returncode == 0, done.stderr
    for who in ("city@example.go.kr", REFUSED, "mapo@example.go.kr"):
        files = sorted(p.name for p in (drop / who).iterdir())
        assert files == [f"{AS_OF}_{who}.pdf", f"{AS_OF}_{who}.xlsx"]
        assert (drop / who / files[0]).read_bytes() == (built["out"] / files[0]).read_bytes()
    assert len(_audit(built["engine"], "delivered")) == 3


def test_a_missing_pack_is_a_failed_delivery(built, tmp_path):
    (built["out"] / f"{AS_OF}_city@example.go.kr.xlsx").unlink()
    done = _run(["send", "--db", built["url"], "--as-of", AS_OF, "--out", str(built["out"]),
                 "--drop", str(tmp_path / "share")], built["env"])
    assert done.returncode == 1
    assert "error: city@example.go.kr: not built:" in done.stderr
    assert [s for s, _ in _audit(built["engine"], "delivery_failed")] == ["city@example.go.kr"]


def test_smtp_settings_are_checked(tmp_path):
    with pytest.raises(SendError, match="no SMTP server"):
        smtp_settings({})
    with pytest.raises(SendError, match="without STARTTLS"):
        smtp_settings({"CASES_SMTP_HOST": "h", "CASES_SMTP_FROM": "a@b", "CASES_SMTP_USER": "u",
                       "CASES_SMTP_PASSWORD": "p", "CASES_SMTP_STARTTLS": "0"})
    secrets = tmp_path / "smtp.toml"
    secrets.write_text('[smtp]\nhost = "h"\npassword = "p"\n', encoding="utf-8")
    secrets.chmod(0o644)
    with pytest.raises(SendError, match="readable by others"):
        smtp_settings({"CASES_SMTP_SECRETS": str(secrets)})
    secrets.chmod(0o600)
    settings = smtp_settings({"CASES_SMTP_SECRETS": str(secrets), "CASES_SMTP_FROM": "a@b",
                              "CASES_SMTP_PORT": "2525"})
    assert (settings.host, settings.port, settings.starttls, settings.password) == \
        ("h", 2525, True, "p")
