"""Cases opened through the API as an LA's officers open them: POST /cases, one request for assessment each."""

import time
import uuid
from datetime import date

from bench.load import Api, bounded, case_body, timed_request


class Opener:
    """Opens cases through the API, spread over the LAs, their officers and the teams, numbering them."""

    def __init__(self, api: Api, today: date, officers: dict[str, list[str]], teams: tuple[str, ...]) -> None:
        self.api, self.today, self.officers, self.teams = api, today, officers, teams
        self.las = list(officers)
        self.opened = 0
        self.refs: list[str] = []

    async def open(self, n: int) -> float:
        la = self.las[n % len(self.las)]
        staff = self.officers[la]
        body = case_body(n, la, staff[n // len(self.las) % len(staff)], self.teams[n % len(self.teams)], self.today)
        took, answer = await timed_request(
            self.api, "POST", "/cases", expect=201, json=body, headers={"Idempotency-Key": uuid.uuid4().hex}
        )
        self.refs.append(answer["case_ref"])
        return took

    async def open_many(self, how_many: int, concurrency: int) -> tuple[float, list[float]]:
        first = self.opened
        self.opened += how_many
        started = time.perf_counter()
        latencies = await bounded(concurrency, range(first, first + how_many), self.open)
        return time.perf_counter() - started, latencies
