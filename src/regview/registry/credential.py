"""One credential for a registry: a user name and password, or an identity token.

It says where it came from (for people) and never shows its secret: ``repr()`` and
``str()`` hide the password and the token.
"""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = ["TOKEN_USERNAME", "Credential"]

TOKEN_USERNAME = "<token>"
"""The user name docker writes (in auth files and helper answers) for an identity token."""


@dataclass(frozen=True, repr=False)
class Credential:
    """A username/password or an identity token, and where it came from.

    ``source`` describes the origin for people (``~/.docker/config.json``, ``credential
    helper docker-credential-pass``, ``--password-stdin``); it never holds a secret.
    ``repr()`` and ``str()`` never show the password or token.
    """

    username: str | None = None
    password: str | None = None
    identity_token: str | None = None
    """An OAuth2 refresh token (docker's ``identitytoken``)."""
    source: str = field(default="")

    @property
    def is_anonymous(self) -> bool:
        """True when there is nothing to authenticate with (no password, no token)."""
        return not self.password and not self.identity_token

    def __repr__(self) -> str:
        return (
            f"Credential(username={self.username!r}, "
            f"password={'<hidden>' if self.password else None}, "
            f"identity_token={'<hidden>' if self.identity_token else None}, "
            f"source={self.source!r})"
        )

    def __str__(self) -> str:
        if self.is_anonymous:
            who = "anonymous"
        elif self.identity_token:
            who = f"identity token for {self.username}" if self.username else "identity token"
        else:
            who = self.username or "password"
        return f"{who} (from {self.source})" if self.source else who
