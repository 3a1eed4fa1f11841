"""A simulated phone that opens the light phone page (GET /join) as its browser does.

``bench.room.Phone`` follows the room (``/events``), polls and answers exactly as the
phone app does; its page load here is the light page's: ``GET /join?code=…`` (a first
visit gets the participant cookie and a ``303`` to the same page with ``p=<token>``), the
page again with the cookie, and the data the app starts from read out of its
``<script id="phone-data">``. No Streamlit websocket, as on a real phone now.
"""

from __future__ import annotations

import asyncio
import time

from bench.room import CONNECT_TIMEOUT
from bench.room import Phone as BenchPhone
from tests.support.web import page_data

MAX_REDIRECTS = 2


class LightPhone(BenchPhone):
    """``bench.room.Phone`` with the light page's load."""

    html: str = ""  # the page as it was drawn

    async def connect(self, delay: float) -> None:
        await asyncio.sleep(delay)
        started = time.monotonic()
        try:
            await self._load_light_page()
        except Exception as exc:  # counted, not raised: overload shows as errors
            self.failure = f"connect: {exc!r}"[:200]
            return
        self.connect_ms = 1000 * (time.monotonic() - started)
        self.connected = True

    async def _load_light_page(self) -> None:
        path = self.page_url.removeprefix(self.url)
        for _ in range(MAX_REDIRECTS + 1):
            reply = await self.http.request(
                "GET",
                path,
                headers=self._headers(Accept="text/html", **{"Accept-Encoding": "gzip"}),
                timeout=CONNECT_TIMEOUT,
            )
            for header in reply.headers.get("set-cookie", []):
                name, _, value = header.split(";", 1)[0].partition("=")
                self.cookies[name.strip()] = value.strip()
            if reply.status != 303:
                break
            path = reply.header("location")
        if reply.status != 200:
            raise ConnectionError(f"GET /join: HTTP {reply.status}")
        self.html = reply.decoded().decode("utf-8")
        data = page_data(self.html)
        if data is None:
            raise ConnectionError("GET /join: the page has no live part")
        self._mount(data, reply.received_at)
