"""PostgreSQL URLs as libpq reads them: checked up front, shown without their password.

    url = check_database_url(text, "DATABASE_URL")   # or ConfigurationError saying what is wrong
    redact_url(url)          # 'postgresql://qe:***@db:5432/fleet?sslmode=require'
    server_location(url)     # 'db:5432/fleet' ('h1:5432,h2:5433/fleet' for several hosts)
    host_count(url)          # 2 for 'postgresql://u@h1,h2/db' or '?host=h1,h2'
    password_forms(url)      # every spelling of the password, to scrub from any text

The shape is libpq's: `postgresql://[user[:password]@][host[:port][,...]][/dbname][?name=value&...]`,
where `password`, `host` and `port` may also be query parameters and every part may be
percent-encoded (parameter names too: `?pass%77ord=` is a password). A URL libpq would
misread is refused here, with what to fix and without the password: malformed
percent-encoding, `%00`, an unencoded `@`, a bad port, unequal host and port lists.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import unquote, unquote_to_bytes

from lionagi_qe.errors import ConfigurationError

URL_SCHEMES = ("postgresql", "postgres")
MASK = "***"
_SCHEME = re.compile(r"([A-Za-z][A-Za-z0-9+.-]*):")
_BAD_PERCENT = re.compile(r"%(?![0-9A-Fa-f]{2})")
_MIN_SCRUBBED = 2
"""Shorter spellings of a password are not scrubbed: replacing single characters would garble every message."""


@dataclass
class _Parts:
    """A URL cut where libpq cuts it, nothing decoded; `None` where a part is absent."""

    scheme: str
    userinfo: str | None = None
    hosts: str = ""
    path: str = ""
    query: list[tuple[str, str]] = field(default_factory=list)


def _split(url: str) -> _Parts:
    """Cut `url` into its parts; never raises, never decodes.

    The user part runs to the last '@', so a password with an unencoded '@', '/' or '?' stays
    in it (and is masked whole) instead of leaking into the host, path or query.
    """
    match = _SCHEME.match(url)
    scheme = match[1].lower() if match else ""
    rest = url[match.end() :] if match else url
    rest = rest.removeprefix("//")
    userinfo: str | None = None
    if "@" in rest:
        userinfo, _, rest = rest.rpartition("@")
    head, _, query = rest.partition("?")
    hosts, slash, path = head.partition("/")
    pairs = []
    for item in query.split("&") if query else ():
        name, _, value = item.partition("=")
        pairs.append((name, value))
    return _Parts(scheme, userinfo, hosts, slash + path, pairs)


def _name(raw: str) -> str:
    """A query parameter's name as libpq reads it (decoded), lower case for comparison."""
    return unquote(raw, errors="replace").lower()


def redact_url(url: str) -> str:
    """`url` with every spelling of its password replaced by '***'; never raises."""
    parts = _split(url)
    shown = f"{parts.scheme}://" if parts.scheme else ""
    if parts.userinfo is not None:
        user, colon, _ = parts.userinfo.partition(":")
        shown += f"{user}:{MASK}@" if colon else f"{user}@"
    shown += parts.hosts + parts.path
    if parts.query:
        shown += "?" + "&".join(
            f"{name}={MASK if _name(name) == 'password' else value}" for name, value in parts.query
        )
    return shown


def password_forms(url: str) -> set[str]:
    """The password of `url` as written and as decoded (user part and `?password=`), to scrub from any text."""
    parts = _split(url)
    raw = []
    if parts.userinfo is not None and ":" in parts.userinfo:
        raw.append(parts.userinfo.partition(":")[2])
        raw.append(parts.userinfo)  # an unencoded '@' moves part of the password into the user name
    raw += [value for name, value in parts.query if _name(name) == "password"]
    forms = set()
    for text in raw:
        forms |= {text, unquote(text, errors="replace"), unquote(text.replace("+", " "), errors="replace")}
    return {form for form in forms if len(form) >= _MIN_SCRUBBED}


def _query_values(parts: _Parts, name: str) -> list[str]:
    return [unquote(value, errors="replace") for key, value in parts.query if _name(key) == name]


def _hosts_and_ports(parts: _Parts) -> tuple[list[str], list[str]]:
    """The host and port lists as written: the URL's host list, else `?host=` and `?port=`."""
    hosts: list[str] = []
    ports: list[str] = []
    if parts.hosts:
        for spec in parts.hosts.split(","):
            if spec.startswith("["):
                host, _, after = spec[1:].partition("]")
                port = after.removeprefix(":")
            else:
                host, _, port = spec.partition(":")
            hosts.append(unquote(host, errors="replace"))
            ports.append(port)
    else:
        hosts = ",".join(_query_values(parts, "host")).split(",")
    if not any(ports):
        ports = ",".join(_query_values(parts, "port")).split(",")
    return hosts, ports


def _host_list(parts: _Parts) -> list[tuple[str, str]]:
    """[(host, port)] as libpq pairs them (one port serves every host), with libpq's defaults."""
    hosts, ports = _hosts_and_ports(parts)
    if len(ports) == 1:
        ports = ports * len(hosts)
    return [(host or "localhost", port or "5432") for host, port in zip(hosts, ports, strict=False)]


def server_location(url: str) -> str:
    """`host:port/database` (hosts joined by commas), with libpq's defaults; never the password."""
    parts = _split(url)
    database = unquote(parts.path.lstrip("/"), errors="replace")
    if not database:
        named = _query_values(parts, "dbname")
        user = unquote((parts.userinfo or "").partition(":")[0], errors="replace")
        database = named[0] if named else user or "postgres"
    return ",".join(f"{host}:{port}" for host, port in _host_list(parts)) + f"/{database}"


def host_count(url: str) -> int:
    """How many hosts libpq will try in turn."""
    return max(1, len(_host_list(_split(url))))


def check_database_url(url: str, source: str) -> str:
    """Return `url` if libpq will read it as written, else raise `ConfigurationError` naming `source`."""
    parts = _split(url)
    if parts.scheme not in URL_SCHEMES or not url.lower().startswith(f"{parts.scheme}://"):
        hint = " (drop the '+driver' part)" if parts.scheme.startswith("postgresql+") else ""
        raise ConfigurationError(
            f"{source} must be a PostgreSQL URL starting with postgresql:// or postgres://, "
            f"got scheme {parts.scheme or 'none'!r}{hint}"
        )
    if parts.userinfo is not None:
        for char, code in (("@", "%40"), ("/", "%2F"), ("?", "%3F")):
            if char in parts.userinfo:
                raise ConfigurationError(
                    f"the user name or password in {source} contains {char!r}: encode it as {code} "
                    f"(postgresql://user:p{code}ss@host/db), and any other {char!r} in the URL too"
                )
        user, _, password = parts.userinfo.partition(":")
        _check_encoding(user, f"the user name in {source}")
        _check_password(password, source)
    for name, value in parts.query:
        if _BAD_PERCENT.search(name):
            raise ConfigurationError(f"a parameter name in {source} is not valid percent-encoding: encode % as %25")
        if _name(name) == "password":
            _check_password(value, source)
        else:
            _check_encoding(value, f"the value of {_name(name)!r} in {source}")
    _check_encoding(parts.path, f"the database name in {source}")
    _check_hosts(parts, source)
    return url


def _check_password(password: str, source: str) -> None:
    _check_encoding(password, f"the password in {source}")
    if b"\x00" in unquote_to_bytes(password):
        raise ConfigurationError(
            f"the password in {source} contains %00 (a NUL character), which PostgreSQL cannot take; "
            "remove it from the password"
        )


def _check_encoding(text: str, what: str) -> None:
    if _BAD_PERCENT.search(text):
        raise ConfigurationError(
            f"{what} is not valid percent-encoding: encode % as %25 "
            "(and other special characters as %XX, e.g. @ as %40, / as %2F)"
        )


def _check_hosts(parts: _Parts, source: str) -> None:
    _check_encoding(parts.hosts, f"the host in {source}")
    if any(spec.startswith("[") and "]" not in spec for spec in parts.hosts.split(",")):
        raise ConfigurationError(f"an IPv6 host in {source} lacks its closing ']'")
    hosts, ports = _hosts_and_ports(parts)
    if len(ports) > 1 and len(ports) != len(hosts):
        raise ConfigurationError(
            f"{source} names {len(hosts)} hosts but {len(ports)} ports: give one port, or one per host"
        )
    for _, port in _host_list(parts):
        if not port.isdigit() or not 1 <= int(port) <= 65535:
            raise ConfigurationError(
                f"{source} is not a valid URL (check the host and port): a port is not a number from 1 to 65535"
            )
