"""A headless Streamlit browser tab: speaks Streamlit 1.67's websocket protocol.

What a real browser does, and so what this client does:

1. open ``ws://host/_stcore/stream`` with the subprotocols ``["streamlit", <xsrf token or
   placeholder>]`` (the server echoes ``streamlit``); cookies ride on the upgrade request,
   so ``st.context.cookies`` sees them;
2. send a ``BackMsg.rerun_script`` (a ``ClientState``): the URL's query string, the page
   (``page_name`` = URL path on the first run, then the ``page_script_hash`` the server
   named in its ``navigation`` message), every widget's current value and browser context;
3. receive ``ForwardMsg``s: ``new_session``, ``navigation``, ``delta`` (one element or
   block at a ``metadata.delta_path``, tagged with the fragment that drew it),
   ``auto_rerun`` (a fragment's ``run_every``), ``page_info_changed`` (query string),
   ``script_finished``; large messages may arrive as a ``ref_hash`` to a cached one;
4. for every ``auto_rerun`` start a timer that, like the browser's ``setInterval``, asks
   for a rerun of that fragment (``fragment_id``, ``is_auto_rerun``) every interval,
   whether or not the last one finished; ``stop_auto_rerun`` cancels it;
5. a widget interaction is one more ``rerun_script`` carrying all widget values plus the
   changed one; a button (and a form's submit button) is a one-shot ``trigger_value``;
   a widget drawn inside a fragment reruns only that fragment (``fragment_id``);
6. a ``st.components.v2`` component arrives as a ``bidi_component`` element carrying its
   JavaScript and its data (JSON in ``proto.json``); what the component then does in the
   browser is up to it (the presenter's follow component: ``bench/room.py``).

Phones no longer speak this protocol (their page is workshop's own HTML, see
``bench/phone_driver.py``); the bench uses it for the presenter screen, and tests use it
for other facilitator pages.

Only the installed ``streamlit.proto`` modules are used, so a Streamlit upgrade that
changes the protocol breaks this module loudly (tests/bench/test_protocol_client.py).
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import websockets
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.Block_pb2 import Block
from streamlit.proto.Element_pb2 import Element
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.proto.WidgetStates_pb2 import WidgetState

STREAM_PATH = "/_stcore/stream"
# The browser sends its XSRF cookie's token here; without one it sends this placeholder.
PLACEHOLDER_AUTH_TOKEN = "PLACEHOLDER_AUTH_TOKEN"
_FINISHED = ForwardMsg.ScriptFinishedStatus
# Element kinds whose proto carries readable text, and the fields that hold it.
_TEXT_FIELDS = ("body", "label", "code_text", "title")


@dataclass
class Node:
    """One element or block in the page tree, as the last delta drew it."""

    path: tuple[int, ...]
    element: Element | None  # None for a block
    block: Block | None  # None for an element
    form_id: str
    fragment_id: str
    run_id: str
    received_at: float

    @property
    def kind(self) -> str:
        """The element's kind ("radio", "button"...) or the block's ("form", "expandable")."""
        if self.element is not None:
            return self.element.WhichOneof("type") or ""
        return (self.block.WhichOneof("type") if self.block is not None else None) or "block"

    @property
    def proto(self) -> Any:
        """The element's own message (``element.radio``...) or the block's (``expandable``)."""
        owner = self.element if self.element is not None else self.block
        return getattr(owner, self.kind, None)

    @property
    def widget_id(self) -> str:
        """The widget id of an input, a button, or a block with state (a keyed expander)."""
        proto = self.proto
        return getattr(proto, "id", "") if proto is not None and hasattr(proto, "id") else ""

    @property
    def text(self) -> str:
        return element_text(self.element) if self.element is not None else ""


def element_text(element: Element) -> str:
    """The human-readable text of an element (heading, markdown, alert, label...)."""
    kind = element.WhichOneof("type")
    if kind is None:
        return ""
    proto = getattr(element, kind)
    parts = [
        value
        for name in _TEXT_FIELDS
        if hasattr(proto, name) and isinstance(value := getattr(proto, name), str) and value
    ]
    return "\n".join(parts)


@dataclass
class ClientStats:
    messages: int = 0
    bytes_received: int = 0
    reruns_sent: int = 0
    auto_reruns_sent: int = 0
    script_runs_finished: int = 0


@dataclass
class StreamlitClient:
    """One simulated browser tab on one Streamlit page.

    ``on_delta(client, node)`` is called for every element or block a delta draws, with
    ``node.received_at`` the ``time.monotonic()`` at which its frame arrived.
    """

    base_url: str  # http://127.0.0.1:PORT
    page: str = ""  # URL path of the page, e.g. "join"
    query_string: str = ""  # without "?"
    cookies: Mapping[str, str] = field(default_factory=dict)
    headers: Mapping[str, str] = field(default_factory=dict)  # extra request headers
    follow_auto_rerun: bool = True
    timezone: str = "UTC"
    on_delta: Callable[[StreamlitClient, Node], None] | None = None
    on_finished: Callable[[StreamlitClient, ForwardMsg], None] | None = None

    nodes: dict[tuple[int, ...], Node] = field(default_factory=dict, init=False)
    widget_states: dict[str, WidgetState] = field(default_factory=dict, init=False)
    # Values of widgets inside a form, sent only when the form is submitted.
    form_values: dict[str, dict[str, WidgetState]] = field(default_factory=dict, init=False)
    session_id: str = field(default="", init=False)
    page_script_hash: str = field(default="", init=False)
    run_id: str = field(default="", init=False)
    script_running: bool = field(default=False, init=False)
    closed: bool = field(default=False, init=False)
    error: BaseException | None = field(default=None, init=False)
    stats: ClientStats = field(default_factory=ClientStats, init=False)
    run_started_at: dict[str, float] = field(default_factory=dict, init=False)

    def __post_init__(self) -> None:
        self._ws: Any = None
        self._reader: asyncio.Task[None] | None = None
        self._timers: dict[str, tuple[float, asyncio.Task[None]]] = {}
        self._cache: dict[str, ForwardMsg] = {}  # hash -> cacheable message
        self._waiters: list[asyncio.Future[None]] = []
        self._first_run_sent = False
        self._widget_nodes: dict[str, Node] = {}  # widget id -> the node that drew it

    # ---- connection -------------------------------------------------------------------

    @property
    def stream_url(self) -> str:
        parts = urlsplit(self.base_url)
        scheme = "wss" if parts.scheme == "https" else "ws"
        return f"{scheme}://{parts.netloc}{parts.path.rstrip('/')}{STREAM_PATH}"

    async def connect(self, *, timeout: float = 30.0, first_run: bool = True) -> None:
        """Open the websocket and (like a page load) ask for the first script run."""
        headers = dict(self.headers)
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        self._ws = await websockets.connect(
            self.stream_url,
            subprotocols=["streamlit", PLACEHOLDER_AUTH_TOKEN],  # type: ignore[list-item]
            additional_headers=headers,
            open_timeout=timeout,
            max_size=None,
            compression=None,  # Streamlit's frames are protobuf; browsers rarely deflate
            # A browser never pings: it only answers the server's pings (which the library
            # does). Client pings would close busy connections that a phone keeps open.
            ping_interval=None,
        )
        self._reader = asyncio.create_task(self._read_loop(), name="streamlit-reader")
        if first_run:
            await self.rerun()

    async def close(self) -> None:
        self.closed = True
        for _, task in self._timers.values():
            task.cancel()
        self._timers.clear()
        if self._ws is not None:
            with contextlib.suppress(Exception):
                await self._ws.close()
        if self._reader is not None:
            self._reader.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._reader
        self._wake()

    # ---- sending ----------------------------------------------------------------------

    async def rerun(
        self,
        *,
        fragment_id: str = "",
        triggers: Iterable[WidgetState] = (),
        is_auto_rerun: bool = False,
    ) -> None:
        """Send ``rerun_script`` with every widget value, plus one-shot ``triggers``."""
        msg = BackMsg()
        state = msg.rerun_script
        state.query_string = self.query_string
        if self._first_run_sent and self.page_script_hash:
            state.page_script_hash = self.page_script_hash
        else:
            state.page_name = self.page  # the URL path picks the page on a fresh load
        self._first_run_sent = True
        if fragment_id:
            state.fragment_id = fragment_id
        state.is_auto_rerun = is_auto_rerun
        for widget in self.widget_states.values():
            state.widget_states.widgets.append(widget)
        for widget in triggers:
            state.widget_states.widgets.append(widget)
        state.cached_message_hashes.extend(self._cache)
        state.context_info.timezone = self.timezone
        state.context_info.timezone_offset = 0
        state.context_info.locale = "en-US"
        state.context_info.url = f"{self.base_url}/{self.page}" + (
            f"?{self.query_string}" if self.query_string else ""
        )
        state.context_info.is_embedded = False
        state.context_info.color_scheme = "light"
        await self._send(msg)
        self.stats.reruns_sent += 1
        if is_auto_rerun:
            self.stats.auto_reruns_sent += 1
        else:
            self.script_running = True  # as the browser's "rerun requested" state

    async def _send(self, msg: BackMsg) -> None:
        if self._ws is None or self.closed:
            raise ConnectionError("not connected")
        await self._ws.send(msg.SerializeToString())

    def set_widget(self, widget_id: str, **value: Any) -> None:
        """Set a widget's value as a person would, e.g. ``set_widget(id, string_value="B")``.

        A widget outside a form sends it with the next rerun; inside a form it waits,
        as in the browser, until the form's submit button is pressed.
        """
        ((name, raw),) = value.items()
        self._store(widget_id, _widget_state(widget_id, name, raw))

    def _store(self, widget_id: str, widget: WidgetState | None) -> None:
        node = self._widget_nodes.get(widget_id)
        states = self.form_values.setdefault(node.form_id, {}) if node and node.form_id else None
        target = self.widget_states if states is None else states
        if widget is None:
            target.pop(widget_id, None)
        else:
            target[widget_id] = widget

    async def click(self, button: Node) -> None:
        """Press a button (or a form's submit button): a one-shot trigger.

        Submitting a form commits the values its widgets hold, as the browser does.
        """
        if button.form_id:
            self.widget_states.update(self.form_values.pop(button.form_id, {}))
        await self.rerun(
            fragment_id=button.fragment_id,
            triggers=[WidgetState(id=button.widget_id, trigger_value=True)],
        )

    # ---- receiving --------------------------------------------------------------------

    async def _read_loop(self) -> None:
        try:
            async for frame in self._ws:
                received_at = time.monotonic()
                msg = ForwardMsg()
                msg.ParseFromString(frame)
                self.stats.messages += 1
                self.stats.bytes_received += len(frame)
                self._handle(msg, received_at)
                self._wake()
        except asyncio.CancelledError:
            raise
        except websockets.ConnectionClosedOK:
            pass
        except Exception as exc:  # surfaced through .error; the bench counts it
            self.error = exc
        finally:
            if not self.closed:
                if self.error is None:
                    self.error = ConnectionError("server closed the connection")
                self.closed = True
                for _, task in self._timers.values():
                    task.cancel()
            self._wake()

    def _handle(self, msg: ForwardMsg, received_at: float) -> None:
        kind = msg.WhichOneof("type")
        if kind == "ref_hash":
            cached = self._cache.get(msg.ref_hash)
            if cached is None:
                raise RuntimeError(f"server referred to an uncached message {msg.ref_hash}")
            resolved = ForwardMsg()
            resolved.CopyFrom(cached)
            resolved.metadata.CopyFrom(msg.metadata)
            msg, kind = resolved, resolved.WhichOneof("type")
        elif msg.metadata.cacheable and msg.hash:
            self._cache[msg.hash] = msg
        if msg.metadata.run.script_run_id:
            self.run_id = msg.metadata.run.script_run_id
        if kind == "new_session":
            # Every run, fragment runs included, opens with new_session: when it arrived
            # tells which runs started after a given interaction was sent.
            self.run_started_at[self.run_id] = received_at
            if len(self.run_started_at) > 64:
                del self.run_started_at[next(iter(self.run_started_at))]
            if not msg.metadata.run.fragment_ids:
                # The browser drops every run_every timer when a full run starts; the run
                # sends auto_rerun again for the fragments it still draws.
                for fragment_id in list(self._timers):
                    self._stop_timer(fragment_id)
            self.session_id = msg.new_session.initialize.session_id
            self.script_running = True
        elif kind == "delta":
            self._apply_delta(msg, received_at)
        elif kind == "navigation":
            self.page_script_hash = msg.navigation.page_script_hash
        elif kind == "page_info_changed":
            self.query_string = msg.page_info_changed.query_string
        elif kind == "session_status_changed":
            self.script_running = msg.session_status_changed.script_is_running
        elif kind == "auto_rerun":
            self._start_timer(msg.auto_rerun.fragment_id, msg.auto_rerun.interval)
        elif kind == "stop_auto_rerun":
            for fragment_id in msg.stop_auto_rerun.fragment_ids:
                self._stop_timer(fragment_id)
        elif kind == "script_finished":
            self._finish_run(msg)

    def _apply_delta(self, msg: ForwardMsg, received_at: float) -> None:
        path = tuple(msg.metadata.delta_path)
        delta = msg.delta
        which = delta.WhichOneof("type")
        previous = self.nodes.get(path)
        if which == "new_element":
            node = Node(
                path,
                delta.new_element,
                None,
                self._form_of(path),
                delta.fragment_id,
                self.run_id,
                received_at,
            )
            if previous is not None and previous.block is not None:
                self._drop_children(path)  # a block replaced by an element
        elif which == "add_block":
            block = delta.add_block
            form_id = block.form.form_id if block.HasField("form") else self._form_of(path)
            node = Node(path, None, block, form_id, delta.fragment_id, self.run_id, received_at)
        else:  # new_transient (toasts...) carries nothing a phone needs
            return
        self.nodes[path] = node
        if node.widget_id:
            self._widget_nodes[node.widget_id] = node
            self._mount_widget(node)
        if self.on_delta is not None:
            self.on_delta(self, node)

    def _form_of(self, path: tuple[int, ...]) -> str:
        for depth in range(len(path) - 1, 0, -1):
            parent = self.nodes.get(path[:depth])
            if parent is not None and parent.block is not None and parent.form_id:
                return parent.form_id
        return ""

    def _drop_children(self, path: tuple[int, ...]) -> None:
        for other in [p for p in self.nodes if len(p) > len(path) and p[: len(path)] == path]:
            del self.nodes[other]

    def _finish_run(self, msg: ForwardMsg) -> None:
        """Clear what the finished run no longer drew, as the browser does."""
        status = msg.script_finished
        if status == _FINISHED.FINISHED_EARLY_FOR_RERUN:
            return
        run_id = msg.metadata.run.script_run_id or self.run_id
        fragment_ids = set(msg.metadata.run.fragment_ids)
        if status == _FINISHED.FINISHED_FRAGMENT_RUN_SUCCESSFULLY or fragment_ids:
            stale = [
                p
                for p, n in self.nodes.items()
                if n.fragment_id in fragment_ids and n.run_id != run_id
            ]
        else:
            stale = [p for p, n in self.nodes.items() if n.run_id != run_id]
        for path in stale:
            self.nodes.pop(path, None)
        active = {n.widget_id for n in self.nodes.values() if n.widget_id}
        for states in (self.widget_states, *self.form_values.values()):
            for widget_id in [w for w in states if w not in active]:
                del states[widget_id]
        for widget_id in [w for w in self._widget_nodes if w not in active]:
            del self._widget_nodes[widget_id]
        self.stats.script_runs_finished += 1
        if self.on_finished is not None:
            self.on_finished(self, msg)

    def _mount_widget(self, node: Node) -> None:
        """What a drawn widget puts into the browser's widget state (useBasicWidgetState):
        its default when first drawn, and the script's value whenever the script set it
        (``set_value``, e.g. through ``st.session_state``)."""
        proto = node.proto
        if node.kind == "expandable":
            # The script owns a keyed expander's open state: the browser follows it.
            if node.widget_id in self.widget_states:
                self._store(
                    node.widget_id, _widget_state(node.widget_id, "bool_value", proto.expanded)
                )
            return
        if getattr(proto, "set_value", False):
            self._store(node.widget_id, _widget_state_from(node, current=True))
        elif node.widget_id not in self.widget_states and node.widget_id not in (
            self.form_values.get(node.form_id, {}) if node.form_id else {}
        ):
            self._store(node.widget_id, _widget_state_from(node, current=False))

    # ---- fragment timers (run_every) --------------------------------------------------

    def _start_timer(self, fragment_id: str, interval: float) -> None:
        if not self.follow_auto_rerun or not fragment_id or interval <= 0:
            return
        current = self._timers.get(fragment_id)
        if current is not None and current[0] == interval:
            return  # the browser keeps a running timer with the same interval
        self._stop_timer(fragment_id)
        task = asyncio.create_task(self._tick(fragment_id, interval), name="run-every")
        self._timers[fragment_id] = (interval, task)

    def _stop_timer(self, fragment_id: str) -> None:
        current = self._timers.pop(fragment_id, None)
        if current is not None:
            current[1].cancel()

    async def _tick(self, fragment_id: str, interval: float) -> None:
        loop = asyncio.get_running_loop()
        due = loop.time() + interval
        while not self.closed:
            await asyncio.sleep(max(0.0, due - loop.time()))
            due += interval
            with contextlib.suppress(ConnectionError, websockets.ConnectionClosed):
                await self.rerun(fragment_id=fragment_id, is_auto_rerun=True)

    @property
    def auto_rerun_intervals(self) -> dict[str, float]:
        return {fragment_id: interval for fragment_id, (interval, _) in self._timers.items()}

    # ---- reading the page -------------------------------------------------------------

    def elements(self) -> Iterator[Node]:
        """Drawn elements in page order."""
        for path in sorted(self.nodes):
            node = self.nodes[path]
            if node.element is not None:
                yield node

    def texts(self) -> list[str]:
        return [text for node in self.elements() if (text := node.text)]

    def widgets(self, kind: str | None = None, *, form_id: str | None = None) -> list[Node]:
        return [
            node
            for node in self.elements()
            if node.widget_id
            and (kind is None or node.kind == kind)
            and (form_id is None or node.form_id == form_id)
        ]

    def blocks(self, kind: str | None = None) -> list[Node]:
        """Drawn blocks in page order (``kind``: "form", "expandable"...)."""
        return [
            self.nodes[path]
            for path in sorted(self.nodes)
            if self.nodes[path].block is not None
            and (kind is None or self.nodes[path].kind == kind)
        ]

    def find_text(self, needle: str) -> Node | None:
        return next((node for node in self.elements() if needle in node.text), None)

    # ---- waiting ----------------------------------------------------------------------

    def _wake(self) -> None:
        waiters, self._waiters = self._waiters, []
        for waiter in waiters:
            if not waiter.done():
                waiter.set_result(None)

    async def wait_for(self, predicate: Callable[[], object], *, timeout: float) -> None:
        """Wait until ``predicate()`` holds after some message; raise on close or timeout."""
        loop = asyncio.get_running_loop()
        async with asyncio.timeout(timeout):
            while not predicate():
                if self.closed:
                    raise ConnectionError(f"connection closed: {self.error!r}")
                waiter = loop.create_future()
                self._waiters.append(waiter)
                await waiter

    async def wait_idle(self, *, timeout: float) -> None:
        """Wait until the current script run finished (the page is fully drawn)."""
        await self.wait_for(lambda: not self.script_running, timeout=timeout)


def _widget_state(widget_id: str, name: str, raw: Any) -> WidgetState:
    widget = WidgetState(id=widget_id)
    if name.endswith("_array_value"):
        getattr(widget, name).data.extend(raw)
    else:
        setattr(widget, name, raw)
    return widget


def _widget_state_from(node: Node, *, current: bool) -> WidgetState | None:
    """A widget's value as the browser holds it: the proto's default, or (``current``) the
    value the script set. None where the browser holds no value (e.g. no selection).

    Widgets not listed keep no browser-side state here; the server then uses their
    defaults, which is what the browser would send for an untouched widget.
    """
    proto, kind, wid = node.proto, node.kind, node.widget_id
    if kind in ("text_input", "text_area"):
        field_name = "value" if current else "default"
        if not proto.HasField(field_name):
            return None
        return _widget_state(wid, "string_value", getattr(proto, field_name))
    if kind == "checkbox":
        return _widget_state(wid, "bool_value", proto.value if current else proto.default)
    if kind in ("radio", "selectbox"):
        if current:
            return (
                _widget_state(wid, "string_value", proto.raw_value)
                if proto.HasField("raw_value")
                else None
            )
        if not proto.HasField("default") or not proto.options:
            return None
        return _widget_state(wid, "string_value", proto.options[proto.default])
    if kind == "button_group":
        picked = (
            list(proto.raw_values) if current else [proto.options[i].content for i in proto.default]
        )
        return _widget_state(wid, "string_array_value", picked)
    if kind == "multiselect":
        picked = list(proto.raw_values) if current else [proto.options[i] for i in proto.default]
        return _widget_state(wid, "string_array_value", picked)
    if kind == "slider" and not proto.options:
        return _widget_state(
            wid, "double_array_value", list(proto.value if current else proto.default)
        )
    return None
