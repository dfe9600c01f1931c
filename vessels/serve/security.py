"""Who may talk to the server, and what a page from it may do (one ASGI middleware).

- Host: only the names the server was started for (DNS rebinding: a page on evil.example that
  resolves to 127.0.0.1 is refused with 400).
- Token: bound to anything but a loopback address the server requires a token. The printed URL
  carries it once (``?token=...``); the server answers with an HttpOnly, SameSite=Strict cookie
  and a redirect to the same URL without it. No token, no cookie: 401.
- CSRF: every state-changing request (anything but GET, HEAD, OPTIONS) needs the header
  ``X-CSRF-Token`` equal to the ``vessels_csrf`` cookie (set on the first page load, double
  submit) and an ``Origin`` that is the server's own: 403 otherwise.
- Size: request bodies over ``max_body_bytes`` get 413, before the handler sees them.
- Every response carries a strict Content-Security-Policy (scripts and styles from the server
  only, no inline script, ``connect-src 'self'``), ``nosniff``, no referrer and no framing.
"""

from __future__ import annotations

import hmac
import ipaddress
import secrets
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from typing import Any
from urllib.parse import parse_qsl, urlencode

__all__ = ["CSP", "SecurityConfig", "SecurityMiddleware", "is_loopback"]

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
    "worker-src 'self'; connect-src 'self'; font-src 'self'; object-src 'none'; "
    "base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
)
TOKEN_COOKIE = "vessels_token"
CSRF_COOKIE = "vessels_csrf"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@dataclass
class SecurityConfig:
    host: str = "127.0.0.1"
    port: int = 8000
    token: str | None = None  # required when not None
    max_body_bytes: int = 64 * 1024
    extra_hosts: tuple[str, ...] = ()
    allowed_hosts: frozenset[str] = field(init=False)
    allowed_origins: frozenset[str] = field(init=False)

    def __post_init__(self) -> None:
        names = {self.host, "127.0.0.1", "localhost", "[::1]", *self.extra_hosts}
        if self.host in ("0.0.0.0", "::"):
            names.add("*")  # any interface: the token is the protection
        self.allowed_hosts = frozenset(names)
        self.allowed_origins = frozenset(
            f"http://{n}:{self.port}" for n in names if n != "*"
        ) | frozenset(f"http://{n}" for n in names if n != "*" and self.port == 80)

    @classmethod
    def for_bind(cls, host: str, port: int, token: str | None = None, **kw: Any) -> SecurityConfig:
        """Loopback binds need no token (unless one is given); any other bind gets one."""
        if token is None and not is_loopback(host):
            token = secrets.token_urlsafe(24)
        return cls(host=host, port=port, token=token, **kw)


def _headers(scope: Scope) -> dict[str, str]:
    return {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}


def _cookies(headers: dict[str, str]) -> dict[str, str]:
    jar: SimpleCookie = SimpleCookie()
    try:
        jar.load(headers.get("cookie", ""))
    except Exception:
        return {}
    return {k: m.value for k, m in jar.items()}


def _eq(a: str | None, b: str | None) -> bool:
    return bool(a) and bool(b) and hmac.compare_digest(str(a), str(b))


class SecurityMiddleware:
    def __init__(self, app: ASGIApp, config: SecurityConfig) -> None:
        self.app = app
        self.cfg = config

    async def _plain(
        self,
        send: Send,
        status: int,
        text: str,
        extra: list[tuple[bytes, bytes]] = (),  # type: ignore[assignment]
    ) -> None:
        body = (text + "\n").encode()
        headers = [
            (b"content-type", b"text/plain; charset=utf-8"),
            (b"content-length", str(len(body)).encode()),
            *self._security_headers(),
            *extra,
        ]
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": body})

    @staticmethod
    def _security_headers() -> list[tuple[bytes, bytes]]:
        return [
            (b"content-security-policy", CSP.encode()),
            (b"x-content-type-options", b"nosniff"),
            (b"referrer-policy", b"no-referrer"),
            (b"x-frame-options", b"DENY"),
            (b"cross-origin-opener-policy", b"same-origin"),
        ]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        h = _headers(scope)
        host = h.get("host", "")
        hostname = host.rsplit(":", 1)[0] if not host.startswith("[") else host.split("]")[0] + "]"
        if "*" not in self.cfg.allowed_hosts and hostname not in self.cfg.allowed_hosts:
            await self._plain(send, 400, f"unknown host {host!r}")
            return
        cookies = _cookies(h)
        set_cookies: list[tuple[bytes, bytes]] = []
        if self.cfg.token is not None:
            query = dict(parse_qsl(scope.get("query_string", b"").decode("latin-1")))
            if _eq(query.get("token"), self.cfg.token):
                # trade the URL token for a cookie, and take it out of the address bar
                rest = urlencode([(k, v) for k, v in query.items() if k != "token"])
                location = scope.get("path", "/") + (f"?{rest}" if rest else "")
                cookie = (
                    f"{TOKEN_COOKIE}={self.cfg.token}; HttpOnly; SameSite=Strict; Path=/"
                ).encode()
                await self._plain(
                    send,
                    303,
                    "signed in",
                    [(b"location", location.encode()), (b"set-cookie", cookie)],
                )
                return
            if not _eq(cookies.get(TOKEN_COOKIE), self.cfg.token):
                await self._plain(
                    send, 401, "this server needs its token: open the URL it printed at start"
                )
                return
        method = scope.get("method", "GET").upper()
        if method not in SAFE_METHODS:
            origin = h.get("origin")
            if not _eq(h.get("x-csrf-token"), cookies.get(CSRF_COOKIE)):
                await self._plain(send, 403, "missing or wrong X-CSRF-Token (reload the page)")
                return
            if origin is None or (
                origin not in self.cfg.allowed_origins and not self._same_host(origin, host)
            ):
                await self._plain(send, 403, "request from another origin refused")
                return
            length = h.get("content-length")
            if length is not None and (
                not length.isdigit() or int(length) > self.cfg.max_body_bytes
            ):
                await self._plain(send, 413, f"request body over {self.cfg.max_body_bytes} bytes")
                return
            receive = self._limited(receive)
        if CSRF_COOKIE not in cookies:
            value = secrets.token_urlsafe(24)
            set_cookies.append(
                (b"set-cookie", f"{CSRF_COOKIE}={value}; SameSite=Strict; Path=/".encode())
            )

        async def send_wrapped(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                headers += self._security_headers() + set_cookies
                message["headers"] = headers
            await send(message)

        try:
            await self.app(scope, receive, send_wrapped)
        except _TooLarge:
            await self._plain(send, 413, f"request body over {self.cfg.max_body_bytes} bytes")

    def _same_host(self, origin: str, host: str) -> bool:
        """Behind a 0.0.0.0 bind the page's origin is whatever name the analyst typed: accept
        an Origin equal to the request's own Host (still needs the token and the CSRF pair)."""
        return "*" in self.cfg.allowed_hosts and origin == f"http://{host}"

    def _limited(self, receive: Receive) -> Receive:
        seen = 0
        limit = self.cfg.max_body_bytes

        async def inner() -> Message:
            nonlocal seen
            msg = await receive()
            if msg["type"] == "http.request":
                seen += len(msg.get("body", b""))
                if seen > limit:
                    raise _TooLarge
            return msg

        return inner


class _TooLarge(Exception):
    pass
