"""API keys for the public API (`/api/v1/…`): optional, hashed at rest, checked in constant time, limited per key.

Off when no key is configured: the API behaves as before (per-client limits). Keys are configured as lines
`name:sha256[:limits]`, in `CABLEWISE_API_KEYS` (comma-separated) and/or the file `CABLEWISE_API_KEYS_FILE` (one
per line; blank lines and `#` comments are ignored), for example

    shop-a:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08
    studio-group:2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae:600/minute;20000/hour

`cablewise apikey new NAME` makes a key, prints it once and the line to store. Only the sha256 of a key is kept:
a key is 32 random bytes, so its hash can neither be reversed nor guessed (slow password hashes are for secrets
people choose). A presented key is hashed and compared with every stored hash by `hmac.compare_digest`, without
stopping at a match, so the time taken says nothing about which key, or how much of one, matched.

A client sends its key in the `X-API-Key` header. With keys configured:

- a known key is counted against its own limits (the line's, else `CABLEWISE_API_KEY_RATE_LIMIT`), shared
  between workers through `CABLEWISE_RATE_LIMIT_STORAGE` like every limit, and not against the per-client one;
- an unknown or malformed key is `401` problem+json (after counting the request against the per-client limit,
  so guessing is throttled like any other traffic);
- no key: the per-client limit as before. With `CABLEWISE_REQUIRE_API_KEY=1` a request without a key is `401`,
  except a browser's call from one of the widget's shops (`Origin` in `CABLEWISE_CORS_ORIGINS`) or from the
  service's own pages (`/demo`): the widget keeps working as configured, under the per-client limit. `Origin`
  is set by browsers but can be forged by other clients, so this exception keeps the widget working and
  authenticates no one; such calls stay bound by the per-client limit.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import re
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from flask import Flask
from flask import current_app
from flask import g
from flask import request
from limits import parse_many
from spectree.models import SecurityScheme
from spectree.models import SecuritySchemeData

from service.adapters import rate_limit
from service.errors import Unauthorized

log = logging.getLogger("cablewise.api_keys")

HEADER = "X-API-Key"
API_PREFIX = "/api/v1/"
OPEN_PATHS = frozenset({"/api/v1/openapi.json"})  # the API's own description needs no key
KEY_PREFIX = "cw_"
EXTENSION = "cablewise.api_keys"
_NAME = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
_SHA256 = re.compile(r"^[0-9a-f]{64}$")
_MAX_KEY_CHARS = 200  # a real key is 46; a longer header is not hashed


# For the OpenAPI document: the key is optional (an anonymous call is limited per client), hence `{}` first.
SECURITY_SCHEME = SecurityScheme(
    name="ApiKey",
    data=SecuritySchemeData(
        type="apiKey",
        name=HEADER,
        field_in="header",
        description="Optional unless the operator requires it: a key made by `cablewise apikey new NAME`. "
        "A request with a valid key is limited per key instead of per client; an unknown key is 401.",
    ),
)
OPTIONAL_SECURITY = [{}, {"ApiKey": []}]


class ApiKeysInvalid(ValueError):
    """A configured key line is malformed; the message names where it came from and what is wrong."""


@dataclass(frozen=True)
class ApiKey:
    """One configured key: who holds it, the sha256 of the key, and its own limits (None: the default)."""

    name: str
    sha256: str
    limits: str | None = None


def make_key(name: str) -> tuple[str, str]:
    """A new random key for `name` and the line that configures it (name:sha256).

    :raises ApiKeysInvalid: the name is not 1-64 letters, digits, dots, dashes or underscores.
    """
    if not _NAME.match(name):
        raise ApiKeysInvalid(f"key name {name!r}: use 1-64 letters, digits, '.', '-' or '_'")
    key = KEY_PREFIX + secrets.token_urlsafe(32)
    return key, f"{name}:{key_sha256(key)}"


def key_sha256(key: str) -> str:
    """The hex sha256 stored for a key."""
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def parse_lines(lines: Iterable[str], where: str) -> list[ApiKey]:
    """Read `name:sha256[:limits]` lines; blank lines and `#` comments are skipped.

    :raises ApiKeysInvalid: naming `where`, the line number and what is wrong (never the hash itself).
    """
    keys: list[ApiKey] = []
    for number, raw in enumerate(lines, start=1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        name, _, rest = line.partition(":")
        digest, _, limits = rest.partition(":")
        name, digest, limits = name.strip(), digest.strip().lower(), limits.strip()
        at = f"{where} line {number}"
        if not _NAME.match(name):
            raise ApiKeysInvalid(f"{at}: the name must be 1-64 letters, digits, '.', '-' or '_'")
        if not _SHA256.match(digest):
            raise ApiKeysInvalid(
                f"{at} ({name}): expected name:sha256 with 64 hex digits; `cablewise apikey new {name}` "
                "prints a valid line"
            )
        if limits:
            try:
                parse_many(limits)
            except ValueError:
                raise ApiKeysInvalid(
                    f"{at} ({name}): limits {limits!r} are not like 600/minute;20000/hour"
                ) from None
        keys.append(ApiKey(name, digest, limits or None))
    return keys


def load_keys(lines: Iterable[str], keys_file: Path | None) -> list[ApiKey]:
    """The keys from the setting's lines and from the keys file.

    :raises ApiKeysInvalid: a line is malformed, or the file cannot be read.
    """
    keys = parse_lines(lines, "CABLEWISE_API_KEYS")
    if keys_file is not None:
        try:
            text = Path(keys_file).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise ApiKeysInvalid(f"CABLEWISE_API_KEYS_FILE {keys_file} cannot be read: {exc}") from exc
        keys += parse_lines(text.splitlines(), f"CABLEWISE_API_KEYS_FILE {keys_file}")
    names = [k.name for k in keys]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise ApiKeysInvalid(f"key names configured twice: {', '.join(duplicates)}")
    return keys


class ApiKeys:
    """The configured keys, their limits, and the check run before every API request."""

    def __init__(
        self,
        keys: list[ApiKey],
        *,
        default_limits: str,
        storage_uri: str,
        required: bool,
        browser_origins: Iterable[str] = (),
    ) -> None:
        self.keys = tuple(keys)
        self.required = required
        self._browser_origins = frozenset(o.rstrip("/") for o in browser_origins if o)
        # One limiter per distinct set of limits (usually one): each opens its own storage connection.
        specs = {k.limits or default_limits for k in keys}
        self._limits = {spec: rate_limit.RateLimit(spec, storage_uri, scope="apikey") for spec in specs}
        self._default = default_limits

    def identify(self, presented: str) -> ApiKey | None:
        """The configured key `presented` is, or None; takes the same time whichever key (if any) matches."""
        if not presented or len(presented) > _MAX_KEY_CHARS:
            return None
        digest = key_sha256(presented).encode()
        found = None
        for key in self.keys:  # no early exit: every stored hash is compared
            if hmac.compare_digest(digest, key.sha256.encode()):
                found = key
        return found

    def check(self) -> None:
        """Run before an API request: authenticate its key and count it against the key's limits.

        :raises Unauthorized: (401) a key that is not configured, or none where one is required.
        :raises RateLimited: (429) the key's limit is reached, or (for a bad key) the client's.
        """
        presented = request.headers.get(HEADER)
        if presented is None:
            if self.required and not self._from_widget():
                raise Unauthorized(f"this API needs a key: send it in the {HEADER} header")
            return
        key = self.identify(presented.strip())
        if key is None:
            rate_limit.of(current_app).hit(request.remote_addr or "unknown")
            log.warning("unknown API key refused client=%s", request.remote_addr or "-")
            raise Unauthorized(f"the {HEADER} header holds no valid key")
        self._limits[key.limits or self._default].hit(key.name)
        g.cablewise_api_key = key.name  # from here on, per-client limits skip it (rate_limit.RateLimit.hit)

    def _from_widget(self) -> bool:
        origin = (request.headers.get("Origin") or "").rstrip("/")
        if not origin:
            return False
        own = request.host_url.rstrip("/")
        return origin == own or origin in self._browser_origins


def install(app: Flask, settings) -> ApiKeys | None:
    """Check keys before every `/api/v1/` request when keys are configured (or required); else do nothing.

    :raises ApiKeysInvalid: the configured keys cannot be read; the service does not start half-protected.
    """
    keys = load_keys(settings.api_keys, settings.api_keys_file)
    if not keys and not settings.require_api_key:
        return None
    public = urlsplit(settings.public_url)
    own = [f"{public.scheme}://{public.netloc}"] if public.scheme and public.netloc else []
    api_keys = ApiKeys(
        keys,
        default_limits=settings.api_key_rate_limit,
        storage_uri=settings.rate_limit_storage,
        required=settings.require_api_key,
        browser_origins=[*settings.cors_origins, *own],
    )
    if settings.require_api_key and not keys:
        log.warning("CABLEWISE_REQUIRE_API_KEY=1 but no key is configured: only the widget can call the API")
    log.info(
        "API keys: %d configured (%s)%s",
        len(keys),
        ", ".join(k.name for k in keys) or "none",
        "; required outside the widget" if settings.require_api_key else "; optional",
    )
    app.extensions[EXTENSION] = api_keys

    @app.before_request
    def check_api_key() -> None:
        if (
            request.path.startswith(API_PREFIX)
            and request.path not in OPEN_PATHS
            and request.method != "OPTIONS"
        ):
            api_keys.check()

    return api_keys
