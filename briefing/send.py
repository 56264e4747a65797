"""Deliver built packs: one e-mail per recipient with the PDF and the workbook attached (SMTP), or
a copy into one folder per recipient (`--drop DIR`, for a shared drive).

SMTP settings come from the environment, or from a TOML secrets file named by CASES_SMTP_SECRETS
(a `[smtp]` table with the same keys in lower case, without the prefix), never from the
repository; the environment wins over the file:

    CASES_SMTP_HOST, CASES_SMTP_PORT (587), CASES_SMTP_STARTTLS (1; 0 only for a local relay),
    CASES_SMTP_USER, CASES_SMTP_PASSWORD, CASES_SMTP_FROM, CASES_SMTP_CAFILE (a private CA)

A password is never sent without STARTTLS, and the secrets file must not be readable by group
or others. A delivery that fails for one recipient is reported and does not stop the others;
after each successful delivery a marker beside the pack records the files' digest, so the next
run sends only what was not delivered yet (or was rebuilt since). Every delivery and every
failure is written to the audit log.
"""
import hashlib
import json
import os
import shutil
import smtplib
import ssl
import stat
import tomllib
from dataclasses import dataclass
from datetime import date, datetime, timezone
from email.message import EmailMessage
from pathlib import Path

from access import audit
from briefing import recipients, texts
from briefing.build import PAGE, paths, viewer_of, write_atomic
from briefing.content import Recipient

ENV_PREFIX = "CASES_SMTP_"
SECRETS_ENV = "CASES_SMTP_SECRETS"
KEYS = ("host", "port", "starttls", "user", "password", "from", "cafile")
BODY = {
    "en": "Attached: the morning briefing as of {d} (PDF for reading and printing, Excel workbook "
          "with the same tables).\n\n{confidential}\n\nThis message was sent automatically; "
          "replies are not read.",
    "ko": "{d} 기준 아침 브리핑을 첨부합니다 (읽기·인쇄용 PDF, 같은 표를 담은 엑셀 파일).\n\n"
          "{confidential}\n\n자동으로 보낸 메일이며 회신은 확인하지 않습니다.",
}


class SendError(ValueError):
    """The delivery settings are unusable; the message says which and where."""


@dataclass
class SmtpSettings:
    host: str
    port: int = 587
    starttls: bool = True
    user: str | None = None
    password: str | None = None
    sender: str = ""
    cafile: str | None = None


def smtp_settings(environ=None) -> SmtpSettings:
    environ = os.environ if environ is None else environ
    values = {}
    secrets = environ.get(SECRETS_ENV, "").strip()
    if secrets:
        values.update(_secrets_file(Path(secrets)))
    for key in KEYS:
        raw = environ.get(ENV_PREFIX + key.upper())
        if raw is not None and raw.strip() != "":
            values[key] = raw.strip()
    if not values.get("host"):
        raise SendError(f"no SMTP server: set {ENV_PREFIX}HOST (or host in the [smtp] table of "
                        f"the file named by {SECRETS_ENV}), or use --drop DIR")
    try:
        port = int(values.get("port", 587))
    except ValueError:
        raise SendError(f"SMTP port is not a number: {values.get('port')!r}") from None
    starttls = str(values.get("starttls", "1")).strip().lower() not in ("0", "false", "no", "off")
    settings = SmtpSettings(host=str(values["host"]), port=port, starttls=starttls,
                            user=values.get("user") or None,
                            password=values.get("password") or None,
                            sender=str(values.get("from") or values.get("user") or ""),
                            cafile=values.get("cafile") or None)
    if not settings.sender:
        raise SendError(f"no sender address: set {ENV_PREFIX}FROM")
    if settings.password and not settings.starttls:
        raise SendError("refusing to send the SMTP password without STARTTLS "
                        f"({ENV_PREFIX}STARTTLS=0)")
    return settings


def _secrets_file(path: Path) -> dict:
    try:
        mode = path.stat().st_mode
        raw = path.read_bytes()
    except OSError as exc:
        raise SendError(f"cannot read the SMTP secrets file {path}: {exc.strerror or exc}") from None
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise SendError(f"the SMTP secrets file {path} is readable by others: chmod 600 it")
    try:
        table = tomllib.loads(raw.decode("utf-8")).get("smtp", {})
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise SendError(f"{path}: not valid TOML ({exc})") from None
    unknown = set(table) - set(KEYS)
    if unknown:
        raise SendError(f"{path}: unknown keys in [smtp]: {sorted(unknown)}; allowed: {list(KEYS)}")
    return {k: str(v) if not isinstance(v, bool) else ("1" if v else "0") for k, v in table.items()}


@dataclass
class Delivery:
    recipient: Recipient
    ok: bool
    skipped: bool = False      # delivered on an earlier run, files unchanged
    error: str | None = None
    to: str = ""


def send(engine, as_of: date, chosen: list[Recipient], out: Path, *, drop: Path | None = None,
         settings: SmtpSettings | None = None, say=print) -> list[Delivery]:
    """Deliver each chosen recipient's pack of `as_of` from `out`, by SMTP or into `drop`."""
    channel = "drop" if drop is not None else "smtp"
    if channel == "smtp" and settings is None:
        settings = smtp_settings()
    results = []
    with _Mailer(settings) if channel == "smtp" else _NoMailer() as mailer:
        for recipient in chosen:
            result = _deliver_one(engine, as_of, recipient, out, drop, mailer, channel)
            say(f"{recipient.id}: " + ("already delivered" if result.skipped else
                                       f"delivered to {result.to}" if result.ok else
                                       f"FAILED: {result.error}"))
            results.append(result)
    return results


def _deliver_one(engine, as_of, recipient, out, drop, mailer, channel) -> Delivery:
    pdf_path, xlsx_path = paths(out, as_of, recipient)
    to = str(drop / recipients.file_stem(recipient)) if drop is not None else (recipient.email or "")
    missing = [p.name for p in (pdf_path, xlsx_path) if not p.exists()]
    if missing:
        return _failed(engine, as_of, recipient, channel, to,
                       f"not built: {', '.join(missing)} missing in {out}")
    digest = _digest(pdf_path, xlsx_path)
    marker = _marker(pdf_path, channel)
    if _delivered(marker, digest, to):
        return Delivery(recipient, ok=True, skipped=True, to=to)
    try:
        if channel == "drop":
            folder = Path(to)
            folder.mkdir(parents=True, exist_ok=True)
            for path in (pdf_path, xlsx_path):
                _copy_atomic(path, folder / path.name)
        else:
            if not recipient.email:
                raise SendError("the role map gives no e-mail address for this recipient")
            mailer.send(_message(recipient, as_of, mailer.settings.sender, pdf_path, xlsx_path))
    except (smtplib.SMTPException, OSError, SendError) as exc:
        return _failed(engine, as_of, recipient, channel, to, _reason(exc))
    write_atomic(marker, json.dumps({"digest": digest, "to": to,
                                     "at": datetime.now(timezone.utc).isoformat()}).encode())
    audit.record(engine, viewer_of(recipient), PAGE, "delivered",
                 audit.detail_json(as_of=as_of, channel=channel, to=to,
                                   files=[pdf_path.name, xlsx_path.name]))
    return Delivery(recipient, ok=True, to=to)


def _failed(engine, as_of, recipient, channel, to, error) -> Delivery:
    audit.record(engine, viewer_of(recipient), PAGE, "delivery_failed",
                 audit.detail_json(as_of=as_of, channel=channel, to=to, error=error))
    return Delivery(recipient, ok=False, error=error, to=to)


def _reason(exc: BaseException) -> str:
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = [f"{code} {msg.decode(errors='replace') if isinstance(msg, bytes) else msg}"
                 for code, msg in exc.recipients.values()]
        return "recipient refused by the SMTP server: " + "; ".join(codes)
    if isinstance(exc, smtplib.SMTPResponseException):
        message = exc.smtp_error.decode(errors="replace") if isinstance(exc.smtp_error, bytes) \
            else str(exc.smtp_error)
        return f"SMTP server said {exc.smtp_code} {message}"
    return str(exc).splitlines()[0] if str(exc) else type(exc).__name__


def _message(recipient: Recipient, as_of: date, sender: str, *attachments: Path) -> EmailMessage:
    w = texts.Words(recipient.lang)
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = recipient.email
    msg["Subject"] = f"{w['title']} — {w['as_of'].format(d=w.date(as_of))}"
    msg.set_content(BODY[recipient.lang].format(d=w.date(as_of), confidential=w["confidential"]))
    types = {".pdf": ("application", "pdf"),
             ".xlsx": ("application", "vnd.openxmlformats-officedocument.spreadsheetml.sheet")}
    for path in attachments:
        maintype, subtype = types[path.suffix]
        msg.add_attachment(path.read_bytes(), maintype=maintype, subtype=subtype,
                           filename=path.name)
    return msg


class _Mailer:
    """One SMTP connection for the run, opened on first use and reopened after a failure."""

    def __init__(self, settings: SmtpSettings):
        self.settings = settings
        self.smtp = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self._close()

    def _open(self):
        s = self.settings
        smtp = smtplib.SMTP(s.host, s.port, timeout=60)
        try:
            smtp.ehlo()
            if s.starttls:
                context = ssl.create_default_context(cafile=s.cafile)
                smtp.starttls(context=context)
                smtp.ehlo()
            if s.user and s.password:
                smtp.login(s.user, s.password)
        except BaseException:
            smtp.close()
            raise
        return smtp

    def send(self, msg: EmailMessage) -> None:
        if self.smtp is None:
            self.smtp = self._open()
        try:
            self.smtp.send_message(msg)
        except smtplib.SMTPRecipientsRefused:
            self.smtp.rset()  # the connection stays usable for the next recipient
            raise
        except (smtplib.SMTPException, OSError):
            self._close()
            raise

    def _close(self):
        if self.smtp is not None:
            try:
                self.smtp.quit()
            except (smtplib.SMTPException, OSError):
                self.smtp.close()
            self.smtp = None


class _NoMailer:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return None


def _digest(*files: Path) -> str:
    h = hashlib.sha256()
    for path in files:
        h.update(path.read_bytes())
    return h.hexdigest()


def _marker(pdf_path: Path, channel: str) -> Path:
    return pdf_path.with_name(f".{pdf_path.stem}.{channel}-delivered.json")


def _delivered(marker: Path, digest: str, to: str) -> bool:
    try:
        kept = json.loads(marker.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return kept.get("digest") == digest and kept.get("to") == to


def _copy_atomic(source: Path, target: Path) -> None:
    tmp = target.with_name(f".{target.name}.tmp")
    shutil.copyfile(source, tmp)
    os.replace(tmp, target)
