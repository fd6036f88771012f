"""How often one client may ask the portal for codes and try them, counted in the API process's memory.

A code's own limits are per address (intake/portal_codes.py); this one is per client, so that one place cannot
spread its guesses over many addresses, nor flood the audit trails. A client is the address the ASGI server
reports: behind a proxy that is the proxy's, unless the server is told to believe its forwarded headers
(uvicorn's FORWARDED_ALLOW_IPS, which the deployments set: docs/deploy.md). An IPv6 client is counted by its
/64, the block one household or office is given, so that stepping through its addresses does not escape the count.

Each client gets `limit` requests in a window of `window` seconds starting at its first; then it is refused until
the window ends. Counts live in one process (several API processes each count their own) and are forgotten on a
restart. Memory is bounded: entries whose window has ended are dropped as new ones come, and at `max_clients` the
oldest goes first. The clock is injected, so that tests move it rather than wait.
"""

import ipaddress
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

from fastapi import Request

MAX_CLIENTS = 100_000  # about 10 MB at most


@dataclass(frozen=True)
class Verdict:
    """Whether a request may go on; if not, whether it is the client's first refusal in this window (the one
    worth auditing: those after it are the same client still at it) and how many seconds until it may try again."""

    allowed: bool
    first_refusal: bool = False
    retry_after: int = 0


@dataclass
class _Window:
    started: float
    count: int


class ClientLimit:
    def __init__(
        self,
        limit: int,
        window: float,
        clock: Callable[[], float] = time.monotonic,
        max_clients: int = MAX_CLIENTS,
    ) -> None:
        self.limit = limit
        self.window = window
        self.clock = clock
        self.max_clients = max_clients
        # Oldest window first: a client whose window starts again moves to the end.
        self._windows: OrderedDict[str, _Window] = OrderedDict()

    def hit(self, client: str) -> Verdict:
        """Count one request from `client`."""
        now = self.clock()
        self._forget_before(now - self.window)
        counted = self._windows.get(client)
        if counted is None:
            while len(self._windows) >= self.max_clients:
                self._windows.popitem(last=False)
            counted = self._windows[client] = _Window(now, 0)
        counted.count = min(counted.count + 1, self.limit + 2)  # no need to count further than "refused again"
        if counted.count <= self.limit:
            return Verdict(allowed=True)
        retry_after = max(int(counted.started + self.window - now + 0.999), 1)
        return Verdict(allowed=False, first_refusal=counted.count == self.limit + 1, retry_after=retry_after)

    def _forget_before(self, moment: float) -> None:
        while self._windows:
            oldest = next(iter(self._windows.values()))
            if oldest.started > moment:
                return
            self._windows.popitem(last=False)

    def __len__(self) -> int:
        return len(self._windows)


def client_of(request: Request) -> str:
    """The client as the server reports it; an IPv6 address by its /64."""
    host = request.client.host if request.client else ""
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return host[:64]  # not an address (a test transport's name): counted as it is
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return str(ipaddress.IPv6Network(f"{address}/64", strict=False))
    return str(address)
