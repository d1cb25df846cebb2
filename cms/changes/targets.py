"""Where webhooks may be sent: public addresses only (server-side request forgery protection).

A webhook makes this server send requests to an address an administrator typed in. Without a check
that address could be the metadata service of the cloud host, the database, or an intranet system
behind the firewall. So a receiver's host name is resolved and every address it resolves to must be
public (``ipaddress``'s ``is_global``: not loopback, private, link-local, shared, reserved, multicast
or unspecified), unless it lies in a network the operator listed (``GONGKAI_WEBHOOK_ALLOWED_NETWORKS``;
loopback too outside production). The check is made when a webhook is saved and again before every
delivery, and the delivery connects to exactly the address that was checked (a name that resolves to
another address a moment later — DNS rebinding — is not asked again).
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

from cms.errors import InvalidInput, WebhookTargetRefused

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
Address = ipaddress.IPv4Address | ipaddress.IPv6Address
MAX_URL = 2000


@dataclass(frozen=True)
class Target:
    scheme: str
    host: str
    port: int
    path: str  # with the query
    address: str  # the checked address the delivery connects to


def check_url(url: str) -> tuple[str, str, int, str]:
    """(scheme, host, port, path) of an absolute http(s) URL without credentials; BAD_USER_INPUT
    otherwise."""
    if not url or len(url) > MAX_URL or url != url.strip():
        raise InvalidInput(f"请填写完整的推送地址（http 或 https，不超过 {MAX_URL} 个字符）。", field="url")
    parts = urlsplit(url)
    try:
        port = parts.port
    except ValueError:
        port = -1
    if parts.scheme not in ("http", "https") or not parts.hostname or "@" in parts.netloc or port == -1:
        raise InvalidInput(
            "推送地址须为 http:// 或 https:// 开头的完整网址，且不含用户名和密码。", field="url"
        )
    if parts.fragment:
        raise InvalidInput("推送地址不能含有“#”片段。", field="url")
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return parts.scheme, parts.hostname, port or (443 if parts.scheme == "https" else 80), path


def allowed(address: Address, networks: Sequence[Network]) -> bool:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    if any(address in network for network in networks):
        return True
    return address.is_global and not address.is_multicast


async def resolve(url: str, networks: Sequence[Network]) -> Target:
    """The URL's target, with an address that is allowed; WEBHOOK_TARGET_REFUSED when any address
    the host resolves to is not (a name that also points inward is refused as a whole)."""
    scheme, host, port, path = check_url(url)
    try:
        infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as exc:
        raise InvalidInput("推送地址的主机名无法解析。", field="url") from exc
    addresses = [ipaddress.ip_address(str(info[4][0]).split("%")[0]) for info in infos]
    if not addresses:
        raise InvalidInput("推送地址的主机名无法解析。", field="url")
    refused = [a for a in addresses if not allowed(a, networks)]
    if refused:
        raise WebhookTargetRefused(field="url", address=str(refused[0]))
    return Target(scheme, host, port, path, str(addresses[0]))
