"""Keep every secret regview holds out of what it shows or logs.

A registry is untrusted: it may echo back what it was sent — a 403 whose message quotes
the request's ``Authorization`` header, a token in a ``Link`` header, a password in an
error body or an annotation. So every secret regview learns is registered here the moment
it is learned, and everything shown or logged passes through :data:`redactor` first:

* what is registered: a credential's password and identity token, ``user:password`` in
  base64 (as Basic auth sends it), bearer and refresh tokens a token service issued, and
  the credentials in a URL's userinfo (a proxy URL: :meth:`Redactor.register_url`). Each
  is also known in the forms an echo may take: percent-encoded, JSON-escaped, base64
  without padding. Anyone may register a secret (:meth:`Redactor.register`);
* :meth:`Redactor.redact` replaces every registered secret, and every ``Authorization``
  value (``Basic …``, ``Bearer …``), with :data:`HIDDEN`. It is for everything shown,
  registry content included: content is changed only where it holds a known secret (a
  signature annotation full of base64 is left alone);
* :meth:`Redactor.redact_message` also hides what is *shaped* like a credential (a JWT,
  ``token=…``, ``password: …``), and a short secret (:data:`MIN_SHORT` to
  :data:`MIN_LENGTH` - 1 characters) where it stands as a word of its own. It is for
  messages and logs, never for content: every
  :class:`~regview.registry.errors.RegistryError` is redacted this way, and so is every
  ``-v`` record.

The data a source returns (manifests, configs, tag lists) stays as the registry sent it.
"""

from __future__ import annotations

import base64
import json
import logging
import re
import threading
from collections.abc import Iterable, Iterator
from typing import Any, ClassVar
from urllib.parse import quote, quote_plus, unquote, urlsplit

from regview.registry.credential import Credential

__all__ = ["HIDDEN", "MIN_LENGTH", "MIN_SHORT", "RedactingFilter", "Redactor", "redactor"]

HIDDEN = "<hidden>"
"""What a secret is replaced with, wherever it would be shown or logged."""

MIN_LENGTH = 6
"""Shorter secrets are not hidden inside other text, nor in content at all: they would
blank out ordinary words (their base64 ``user:password`` form, which Basic auth sends, is
still hidden everywhere). Messages and logs hide them as whole words."""

MIN_SHORT = 3
"""The shortest secret a message hides as a word of its own (a password of one or two
characters is no word that can be told from the message's own)."""

_AUTHORIZATION = re.compile(
    # An Authorization header value: a token or base64 has a digit somewhere, so that
    # "Basic authentication" is left alone.
    r"(?i)\b(bearer|basic)(\s+)(?=[A-Za-z0-9._~+/=-]*[0-9])[A-Za-z0-9._~+/=-]{12,}"
)
_ELLIPSIS = "\u2026"
_JWT = re.compile(r"\beyJ[A-Za-z0-9_-]{8,}(?:\.[A-Za-z0-9_-]*){0,2}")
_KEYED = re.compile(
    # A value after "token", "password"... and a separator (JSON, a form, a query string).
    r"(?i)\b(access_token|refresh_token|identitytoken|identity_token|token|password|"
    r"passwd|secret)([\"']?\s*[:=]\s*[\"']?)[^\s\"'&,;<>]{6,}"
)


def _forms(secret: str) -> Iterator[str]:
    """``secret`` as an echo may carry it: as is, percent-encoded, JSON-escaped."""
    yield secret
    yield quote(secret, safe="")
    yield quote_plus(secret, safe="")
    yield json.dumps(secret)[1:-1]
    yield json.dumps(secret, ensure_ascii=False)[1:-1]


def _basic_forms(username: str, password: str) -> Iterator[str]:
    """``username:password`` in base64, as Basic auth sends it (with and without padding)."""
    pair = f"{username}:{password}".encode()
    for encoded in (base64.b64encode(pair), base64.urlsafe_b64encode(pair)):
        text = encoded.decode("ascii")
        yield text
        yield text.rstrip("=")


class Redactor:
    """The secrets this process holds, and the function that hides them.

    Thread-safe: credentials are looked up in worker threads. :data:`redactor` is the one
    every part of regview uses; a separate instance is only for tests.
    """

    HIDDEN: ClassVar[str] = HIDDEN
    """What a secret is replaced with: ``<hidden>``."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._known: set[str] = set()
        self._ordered: tuple[str, ...] = ()  # longest first
        self._pattern: re.Pattern[str] | None = None
        self._finder: re.Pattern[str] | None = None  # lower-cased secrets, case-sensitive
        self._lowered: tuple[str, ...] = ()
        self._windows: frozenset[str] = frozenset()  # every MIN_LENGTH-long piece of one
        self._short: set[str] = set()  # MIN_SHORT to MIN_LENGTH - 1 characters
        self._short_pattern: re.Pattern[str] | None = None  # as whole words

    # --- learning ------------------------------------------------------------------------

    def register(self, secret: str | None) -> None:
        """Hide ``secret`` (and its percent-encoded and JSON-escaped forms) from now on."""
        if secret:
            self._add(_forms(secret))

    def register_credential(self, credential: Credential | None) -> None:
        """Hide a credential's password, identity token and base64 ``user:password``."""
        if credential is None:
            return
        found: list[str] = []
        if credential.password:
            found += _forms(credential.password)
            found += _basic_forms(credential.username or "", credential.password)
        if credential.identity_token:
            found += _forms(credential.identity_token)
        self._add(found)

    def register_url(self, url: str | None) -> None:
        """Hide the credentials in ``url``'s userinfo (``http://user:password@proxy:3128``):
        the password, and ``user:password`` in base64 as ``Proxy-Authorization`` sends it.
        A URL without a password registers its user name, which is then the secret."""
        if not url:
            return
        try:
            parts = urlsplit(url if "//" in url else "//" + url)
            username, password = parts.username, parts.password
        except ValueError:
            return
        found: list[str] = []
        user = unquote(username) if username else ""
        if password is not None:
            secret = unquote(password)
            if secret:
                found += _forms(secret)
                found += _forms(password)  # as written in the URL
                found += _basic_forms(user, secret)
        elif user:
            found += _forms(user)
        self._add(found)

    def forget_all(self) -> None:
        """Forget every secret (for tests: a process that held a secret keeps hiding it)."""
        with self._lock:
            self._known.clear()
            self._ordered = ()
            self._pattern = None
            self._finder = None
            self._lowered = ()
            self._windows = frozenset()
            self._short.clear()
            self._short_pattern = None

    def _add(self, secrets: Iterable[str]) -> None:
        secrets = set(secrets)
        short = {s for s in secrets if MIN_SHORT <= len(s) < MIN_LENGTH} - self._short
        if short:
            with self._lock:
                self._short |= short
                words = "|".join(map(re.escape, sorted(self._short, key=len, reverse=True)))
                # A word of its own: no letter, digit or ``_`` right before or after it.
                self._short_pattern = re.compile(rf"(?<!\w)(?:{words})(?!\w)", re.IGNORECASE)
        fresh = {s for s in secrets if len(s) >= MIN_LENGTH and s not in self._known}
        if not fresh:
            return
        with self._lock:
            self._known |= fresh
            ordered = tuple(sorted(self._known, key=len, reverse=True))
            # Case-insensitive: a server (or a parser) may change the case of what it
            # echoes, and a lower-cased password is still most of the password.
            self._pattern = re.compile("|".join(map(re.escape, ordered)), re.IGNORECASE)
            # Finding is the common case (nothing to hide): a case-sensitive search of
            # the lower-cased text is about three times faster than an IGNORECASE one.
            lowered = sorted({x.lower() for x in ordered}, key=len, reverse=True)
            self._finder = re.compile("|".join(map(re.escape, lowered)))
            self._lowered = tuple(lowered)
            self._windows = frozenset(
                x[i : i + MIN_LENGTH] for x in lowered for i in range(len(x) - MIN_LENGTH + 1)
            )
            self._ordered = ordered

    def __contains__(self, text: object) -> bool:
        return text in self._known

    # --- hiding --------------------------------------------------------------------------

    def redact(self, text: str) -> str:
        """``text`` with every registered secret and ``Authorization`` value hidden.

        A secret is found in any case, and so is the start of one that was cut off
        where the text was clipped (right before an ellipsis, ``…``).
        """
        pattern, finder = self._pattern, self._finder
        if pattern is not None and finder is not None:
            lowered = text.lower()
            # Long text (a chunk of lines): one substring scan per secret beats the
            # regular expression, which tries every alternative at every position.
            if (
                any(s in lowered for s in self._lowered)
                if len(text) > 256
                else finder.search(lowered) is not None
            ):
                text = pattern.sub(HIDDEN, text)
            if _ELLIPSIS in text:
                text = self._hide_clipped(text)
        if "earer" in text or "asic" in text or "EARER" in text or "ASIC" in text:
            text = _AUTHORIZATION.sub(lambda m: f"{m.group(1)}{m.group(2)}{HIDDEN}", text)
        return text

    def _hide_clipped(self, text: str) -> str:
        """Hide the start of a secret (``MIN_LENGTH`` characters or more) cut off by an
        ellipsis: ``Basic dXNlcjpw…`` shows no part of the secret."""
        parts = text.split(_ELLIPSIS)
        for i, part in enumerate(parts[:-1]):
            lowered = part.lower()
            # The cut-off start of a secret ends in MIN_LENGTH characters of it: one set
            # lookup rules out the common case (and a hostile text full of ellipses).
            if lowered[-MIN_LENGTH:] not in self._windows:
                continue
            for secret in self._ordered:
                head = secret.lower()
                for k in range(min(len(head), len(lowered)), MIN_LENGTH - 1, -1):
                    if lowered.endswith(head[:k]):
                        part = part[:-k] + HIDDEN
                        lowered = part.lower()
                        break
            parts[i] = part
        return _ELLIPSIS.join(parts)

    def redact_message(self, text: str) -> str:
        """:meth:`redact`, and anything shaped like a credential (a JWT, ``token=…``,
        ``password: …``): for regview's messages and logs, which quote the server."""
        # Shapes first: a known secret inside a longer value would otherwise leave
        # "<hidden>" plus the value's tail, which no longer looks like a value.
        if "eyJ" in text:
            text = _JWT.sub(HIDDEN, text)
        text = _KEYED.sub(lambda m: f"{m.group(1)}{m.group(2)}{HIDDEN}", text)
        text = self.redact(text)
        short = self._short_pattern
        if short is not None:
            text = short.sub(HIDDEN, text)
        return text

    def redact_json(self, value: Any) -> Any:
        """A JSON-ready value with :meth:`redact` applied to every string (keys too)."""
        if not self._ordered and not _might_hold_authorization(value):
            return value
        return self._redact_json(value)

    def _redact_json(self, value: Any) -> Any:
        if isinstance(value, str):
            return self.redact(value)
        if isinstance(value, list | tuple):
            return [self._redact_json(v) for v in value]
        if isinstance(value, dict):
            return {self.redact(str(k)): self._redact_json(v) for k, v in value.items()}
        return value


def _might_hold_authorization(value: Any) -> bool:
    """Could :meth:`Redactor.redact` change any string in ``value``? (A fast path: the
    Authorization pattern needs the word "basic" or "bearer".)"""
    if isinstance(value, str):
        lowered = value.lower()
        return "basic" in lowered or "bearer" in lowered
    if isinstance(value, list | tuple):
        return any(_might_hold_authorization(v) for v in value)
    if isinstance(value, dict):
        return any(
            _might_hold_authorization(str(k)) or _might_hold_authorization(v)
            for k, v in value.items()
        )
    return False


class RedactingFilter(logging.Filter):
    """A :mod:`logging` filter that redacts every record's message like an error message.

    :data:`redactor` installs one on the ``regview``, ``regview.notebook`` and ``httpx``
    loggers (httpx logs every request's URL at INFO) and on httpcore's (DEBUG); add it to
    a handler to cover other loggers too.
    """

    def __init__(self, redactor: Redactor) -> None:
        super().__init__()
        self._redactor = redactor

    def filter(self, record: logging.LogRecord) -> bool:
        """Redact ``record``'s message (arguments merged in); always lets it through."""
        try:
            message = record.getMessage()
        except (TypeError, ValueError):
            return True
        redacted = self._redactor.redact_message(message)
        if redacted != message or record.args:
            record.msg = redacted
            record.args = None
        return True


redactor = Redactor()
"""Every secret this process holds: credentials, tokens, proxy credentials.

``redactor.register(secret)`` hides a secret from then on; ``redactor.redact(text)`` is
applied to everything shown, ``redactor.redact_message(text)`` to messages and logs."""

# A logger's filters see only the records logged on it (not its children's): name each.
# httpcore logs its connections and streams at DEBUG, each part on a logger of its own.
for _name in (
    "regview",
    "regview.notebook",
    "httpx",
    "httpcore.connection",
    "httpcore.http11",
    "httpcore.http2",
    "httpcore.proxy",
    "httpcore.socks",
):
    logging.getLogger(_name).addFilter(RedactingFilter(redactor))
