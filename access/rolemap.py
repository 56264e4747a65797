"""The role map: which login identity gets which role, kept by the city's administrators.

A TOML file OUTSIDE the repository (it names real staff), its path in env CASES_ROLE_MAP:

    [[viewer]]
    email = "head.district@example.go.kr"   # or sub = "..." (the identity provider's subject)
    role = "district"                       # city | response_team | district
    district = "11110"                      # the MOIS code, for role "district" only
    lang = "en"                             # the briefing pack's language: ko (default) | en

Emails match case-insensitively; `sub` matches exactly. An identity listed twice, an unknown key
(a typo such as `distrcit`) or a bad role is an error naming the entry, so a mistake in the file
stops the app instead of granting the wrong access. The file is read on every run, so removing
someone takes effect at their next click.
"""
import os
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

from access.viewer import ROLES, Viewer

ENV = "CASES_ROLE_MAP"
_KEYS = {"email", "sub", "role", "district", "note", "lang"}
LANGS = ("ko", "en")
_DISTRICT = re.compile(r"^[0-9]{5}$")


class RoleMapError(ValueError):
    """The role map is missing or malformed; the message says where and what."""


@dataclass(frozen=True)
class Entry:
    email: str | None
    sub: str | None
    role: str
    district: str | None
    lang: str = "ko"


class RoleMap:
    def __init__(self, entries: list[Entry]):
        self.entries = entries
        self._by_email = {e.email: e for e in entries if e.email}
        self._by_sub = {e.sub: e for e in entries if e.sub}

    def lookup(self, *, email: str | None = None, sub: str | None = None) -> Viewer | None:
        """The Viewer for this identity, or None if it is not in the map. `sub` is tried first."""
        entry = None
        if sub:
            entry = self._by_sub.get(sub)
        if entry is None and email:
            entry = self._by_email.get(email.strip().lower())
        if entry is None:
            return None
        subject = (email.strip().lower() if email else None) or sub
        return Viewer(subject=subject, role=entry.role, district_code=entry.district)


def role_map_path() -> Path:
    raw = os.environ.get(ENV, "").strip()
    if not raw:
        raise RoleMapError(f"login is configured but {ENV} is not set: point it at the role map file")
    return Path(raw)


def load(path: str | Path | None = None) -> RoleMap:
    path = Path(path) if path is not None else role_map_path()
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise RoleMapError(f"cannot read the role map {path}: {exc.strerror or exc}") from None
    return parse(raw.decode("utf-8"), source=str(path))


def parse(text: str, source: str = "role map") -> RoleMap:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise RoleMapError(f"{source}: not valid TOML ({exc})") from None
    extra = set(data) - {"viewer"}
    if extra:
        raise RoleMapError(f"{source}: unknown top-level keys {sorted(extra)}; expected [[viewer]] tables")
    items = data.get("viewer", [])
    if not isinstance(items, list):
        raise RoleMapError(f"{source}: 'viewer' must be an array of tables, written [[viewer]]")
    entries, seen = [], {}
    for number, item in enumerate(items, start=1):
        where = f"{source}: [[viewer]] number {number}"
        entry = _entry(item, where)
        for key in (("email", entry.email), ("sub", entry.sub)):
            if key[1] is None:
                continue
            if key in seen:
                raise RoleMapError(f"{where}: {key[0]} {key[1]!r} is already listed in entry {seen[key]}")
            seen[key] = number
        entries.append(entry)
    return RoleMap(entries)


def _entry(item, where) -> Entry:
    if not isinstance(item, dict):
        raise RoleMapError(f"{where}: must be a table")
    unknown = set(item) - _KEYS
    if unknown:
        raise RoleMapError(f"{where}: unknown keys {sorted(unknown)}; allowed: {sorted(_KEYS)}")
    for key in ("email", "sub", "role", "district", "lang"):
        if key in item and not isinstance(item[key], str):
            raise RoleMapError(f"{where}: {key} must be a quoted string")
    email = item.get("email", "").strip().lower() or None
    sub = item.get("sub", "").strip() or None
    if not email and not sub:
        raise RoleMapError(f"{where}: needs an email or a sub")
    if email and "@" not in email:
        raise RoleMapError(f"{where}: email {email!r} is not an email address")
    role = item.get("role")
    if role not in ROLES:
        raise RoleMapError(f"{where}: role must be one of {', '.join(ROLES)}, not {role!r}")
    district = item.get("district")
    if role == "district":
        if not district or not _DISTRICT.match(district):
            raise RoleMapError(f"{where}: role 'district' needs district = a five-digit MOIS code, got {district!r}")
    elif district is not None:
        raise RoleMapError(f"{where}: only role 'district' takes a district (this is {role!r})")
    lang = item.get("lang", "ko")
    if lang not in LANGS:
        raise RoleMapError(f"{where}: lang must be one of {', '.join(LANGS)}, not {lang!r}")
    return Entry(email=email, sub=sub, role=role, district=district, lang=lang)
