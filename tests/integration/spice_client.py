# SPDX-License-Identifier: LGPL-2.1-or-later
"""spice_client: drive the real SPICE client library (spice-gtk's
SpiceClientGLib, through GObject introspection) from integration tests.

Run with Debian's /usr/bin/python3 (python3-gi, gir1.2-spiceclientglib-2.0).
No display or GTK is needed: a SpiceSession and the default GLib main
context are enough (SPICE-NOTES 10).

Typical use:

    import spice_client
    c = spice_client.connect(port=sp.port, password="secret")
    c.wait_channels([spice_client.CHANNEL_MAIN, spice_client.CHANNEL_DISPLAY])
    prim = c.wait_primary(timeout=10)      # {"format", "width", ...}
    c.wait_mark(timeout=10)
    rgb = c.snapshot()                     # width*height*3 bytes, RGB
    c.disconnect()

    c = spice_client.connect(port=sp.port, password="wrong")
    assert c.wait_link_result(5) == "auth"

Everything runs on the thread that calls these functions: signal handlers
only record what happened, and every wait_* iterates the main context
until its predicate holds or the timeout passes (SpiceTimeout).  A channel
error recorded while waiting raises SpiceError (with .kind) at once, unless
the wait was asked to tolerate it.

Pixels come from the client's own framebuffer, handed over by the
display channel's `display-primary-create` signal (format, size, stride,
address) and read with ctypes.string_at.  spice_display_channel_get_primary()
is not used: GI lays its struct out wrongly in spice-gtk 0.42.
"""

import ctypes
import time

import gi

gi.require_version("SpiceClientGLib", "2.0")
from gi.repository import GLib, GObject  # noqa: E402
from gi.repository import SpiceClientGLib as Spice  # noqa: E402

# Channel types (spice/enums.h SPICE_CHANNEL_*).
CHANNEL_MAIN = 1
CHANNEL_DISPLAY = 2
CHANNEL_INPUTS = 3
CHANNEL_CURSOR = 4
CHANNEL_PLAYBACK = 5
CHANNEL_RECORD = 6

# Surface formats (SPICE_SURFACE_FMT_*) that snapshot() converts.
FMT_32_xRGB = 32
FMT_32_ARGB = 96

# Channel events that end a channel with an error, by the kind reported.
_ERROR_KINDS = {
    Spice.ChannelEvent.ERROR_CONNECT: "connect",
    Spice.ChannelEvent.ERROR_TLS: "tls",
    Spice.ChannelEvent.ERROR_LINK: "link",
    Spice.ChannelEvent.ERROR_AUTH: "auth",
    Spice.ChannelEvent.ERROR_IO: "io",
}


class SpiceError(Exception):
    """A channel reported an error event.  kind is one of "connect",
    "tls", "link", "auth", "io"; channel is (type, id)."""

    def __init__(self, kind, channel, message="", code=None):
        super().__init__("SPICE %s error on channel %s:%s%s" % (
            kind, channel[0], channel[1], (": " + message) if message else ""))
        self.kind = kind
        self.channel = channel
        # The GError code (Spice.ClientError for auth errors), or None.
        self.code = code


class SpiceTimeout(Exception):
    """A wait_* ran out of time; the message says what it waited for."""


def _iterate(max_wait):
    """Run the default main context for up to max_wait seconds, returning
    as soon as one batch of events was dispatched."""
    ctx = GLib.MainContext.default()
    if ctx.iteration(False):
        return
    # Nothing ready: sleep in the context's poll, bounded by a timer.
    fired = []
    src = GLib.timeout_add(max(1, int(max_wait * 1000)),
                           lambda: fired.append(1) or False)
    ctx.iteration(True)
    if not fired:
        GLib.source_remove(src)


def wait_until(predicate, timeout, what="condition", client=None,
               tolerate_error=False):
    """Iterate the GLib main context until predicate() returns a true value
    (returned), or raise SpiceTimeout after timeout seconds.  With a
    client, an error it recorded raises SpiceError first, unless
    tolerate_error."""
    end = time.monotonic() + timeout
    while True:
        v = predicate()
        if v:
            return v
        if client is not None and client.error is not None and not tolerate_error:
            raise client.error
        left = end - time.monotonic()
        if left <= 0:
            raise SpiceTimeout("timed out after %.1fs waiting for %s" % (timeout, what))
        _iterate(min(left, 0.05))


class Client:
    """One SpiceSession and what its channels reported.

    Attributes, updated from signal handlers as the main context runs:
      channels      {(type, id): SpiceChannel} of live channels
      destroyed     [(type, id)] of channels the session destroyed
      created       [(type, id)] of every channel the session created
                    (one per CHANNELS_LIST entry)
      events        [(type, id, event_name)] in arrival order
      opened        set of (type, id) whose channel-event was OPENED
      error         SpiceError of the first channel error, or None
      primary       dict(format, width, height, stride, address, shmid)
                    of the current primary surface, or None
      primary_count how many primaries were created so far
      invalidates   [(x, y, w, h)] since the last clear_invalidates()
      marks         number of display-mark signals seen
      disconnected  True once the session emitted "disconnected" (when
                    the server ends it; not after disconnect())
      cursors       [dict(width, height, hot_x, hot_y, rgba)] of every
                    cursor-set, rgba as R,G,B,A bytes (spice-gtk's form
                    for every cursor type)
      cursor_moves  [(x, y)] of every cursor-move
      cursor_hides  number of cursor-hide signals
    """

    def __init__(self, host="127.0.0.1", port=None, password=None,
                 unix_path=None, tls_port=None, ca_file=None, uri=None,
                 connect_types=None, username=None, audio=False):
        """connect_types: channel types to connect when the server lists
        them (None: all).  username: the session's "username", which
        spice-gtk 0.42 gives SASL as the user name.  audio: make playback
        channels, whose sound is recorded (playback_starts, pcm), and
        record channels (record_starts, record_stops; send_record())."""
        self.connect_types = None if connect_types is None else set(connect_types)
        self.session = Spice.Session()
        if uri is not None:
            self.session.set_property("uri", uri)
        else:
            if unix_path is not None:
                self.session.set_property("unix-path", unix_path)
            else:
                self.session.set_property("host", host)
                if port is not None:
                    self.session.set_property("port", str(port))
                if tls_port is not None:
                    self.session.set_property("tls-port", str(tls_port))
        if password is not None:
            self.session.set_property("password", password)
        if username is not None:
            self.session.set_property("username", username)
        if ca_file is not None:
            self.session.set_property("ca-file", ca_file)
        self.session.set_property("enable-audio", audio)
        self.playback_starts = []
        self.pcm = bytearray()
        self.record_starts = []
        self.record_stops = 0
        self.playback_stops = 0
        self._record_bufs = []
        self.channels = {}
        self.events = []
        self.opened = set()
        self.error = None
        self.primary = None
        self.primary_count = 0
        self.invalidates = []
        self.marks = 0
        self.disconnected = False
        self.destroyed = []
        self.created = []
        self.cursors = []
        self.cursor_moves = []
        self.cursor_hides = 0
        # SpiceSession.connect/disconnect are spice-gtk's methods and hide
        # GObject's signal connect/disconnect: call GObject's explicitly.
        GObject.Object.connect(self.session, "channel-new", self._on_channel_new)
        GObject.Object.connect(self.session, "channel-destroy", self._on_channel_destroy)
        GObject.Object.connect(self.session, "disconnected", self._on_disconnected)

    # --- signal handlers: record only -------------------------------------

    def _on_channel_new(self, session, channel):
        key = (channel.get_property("channel-type"), channel.get_property("channel-id"))
        self.channels[key] = channel
        self.created.append(key)
        GObject.Object.connect(channel, "channel-event", self._on_channel_event, key)
        if key[0] == CHANNEL_DISPLAY:
            GObject.Object.connect(channel, "display-primary-create", self._on_primary_create)
            GObject.Object.connect(channel, "display-primary-destroy", self._on_primary_destroy)
            GObject.Object.connect(channel, "display-invalidate", self._on_invalidate)
            GObject.Object.connect(channel, "display-mark", self._on_mark)
        if key[0] == CHANNEL_PLAYBACK:
            GObject.Object.connect(channel, "playback-start", self._on_playback_start)
            GObject.Object.connect(channel, "playback-data", self._on_playback_data)
            GObject.Object.connect(channel, "playback-stop", self._on_playback_stop)
        if key[0] == CHANNEL_RECORD:
            GObject.Object.connect(channel, "record-start", self._on_record_start)
            GObject.Object.connect(channel, "record-stop", self._on_record_stop)
        if key[0] == CHANNEL_CURSOR:
            GObject.Object.connect(channel, "cursor-set", self._on_cursor_set)
            GObject.Object.connect(channel, "cursor-move", self._on_cursor_move)
            GObject.Object.connect(channel, "cursor-hide", self._on_cursor_hide)
        # spice-gtk creates the channels CHANNELS_LIST names but leaves
        # connecting them to the application (as its widgets do); the main
        # channel is already connecting from spice_session_connect().
        if key[0] != CHANNEL_MAIN and (self.connect_types is None
                                       or key[0] in self.connect_types):
            Spice.Channel.connect(channel)

    def _on_channel_destroy(self, session, channel):
        key = (channel.get_property("channel-type"), channel.get_property("channel-id"))
        self.channels.pop(key, None)
        self.opened.discard(key)
        self.destroyed.append(key)

    def _on_channel_event(self, channel, event, key):
        self.events.append((key[0], key[1], event.value_nick))
        if event == Spice.ChannelEvent.OPENED:
            self.opened.add(key)
        kind = _ERROR_KINDS.get(event)
        if kind is not None and self.error is None:
            err = channel.get_error()
            self.error = SpiceError(kind, key, err.message if err is not None else "",
                                    err.code if err is not None else None)

    def _on_primary_create(self, channel, fmt, width, height, stride, shmid, address):
        self.primary = {"format": fmt, "width": width, "height": height,
                        "stride": stride, "shmid": shmid, "address": address}
        self.primary_count += 1

    def _on_primary_destroy(self, channel):
        self.primary = None

    def _on_invalidate(self, channel, x, y, w, h):
        self.invalidates.append((x, y, w, h))

    def _on_mark(self, channel, mark):
        self.marks += 1

    def _on_cursor_set(self, channel, width, height, hot_x, hot_y, rgba):
        # rgba is the address of width * height R,G,B,A bytes, valid
        # during the signal only.
        data = ctypes.string_at(rgba, width * height * 4) if rgba else b""
        self.cursors.append({"width": width, "height": height, "hot_x": hot_x,
                             "hot_y": hot_y, "rgba": data})

    def _on_playback_start(self, channel, fmt, channels, rate):
        self.playback_starts.append((fmt, channels, rate))

    def _on_playback_data(self, channel, data, size):
        self.pcm.extend(ctypes.string_at(data, size))

    def _on_playback_stop(self, channel):
        self.playback_stops += 1

    def _on_record_start(self, channel, fmt, channels, rate):
        self.record_starts.append((fmt, channels, rate))

    def _on_record_stop(self, channel):
        self.record_stops += 1

    def send_record(self, pcm):
        """pcm (bytes, in the format of the last record_starts) as the
        microphone's sound, as spice-gtk's audio backend sends it."""
        buf = ctypes.create_string_buffer(bytes(pcm), len(pcm))
        # spice-gtk may write it after this call returns: keep the last
        # ones alive.
        self._record_bufs = self._record_bufs[-63:] + [buf]
        Spice.RecordChannel.send_data(self.channels[(CHANNEL_RECORD, 0)],
                                      ctypes.addressof(buf), len(pcm),
                                      int(time.monotonic() * 1000) & 0xffffffff)

    def _on_cursor_move(self, channel, x, y):
        self.cursor_moves.append((x, y))

    def _on_cursor_hide(self, channel):
        self.cursor_hides += 1

    def _on_disconnected(self, session):
        self.disconnected = True

    # --- actions and waits -------------------------------------------------

    def start(self):
        """Start connecting the main channel (the rest follows from
        CHANNELS_LIST).  Returns self."""
        if not Spice.Session.connect(self.session):
            raise SpiceError("connect", (CHANNEL_MAIN, 0), "spice_session_connect failed")
        return self

    def wait_until(self, predicate, timeout, what="condition", tolerate_error=False):
        """wait_until() bound to this client's error state."""
        return wait_until(predicate, timeout, what, self, tolerate_error)

    def wait_channels(self, types, timeout=10):
        """Wait until a channel of each type in types (id 0) is OPENED."""
        want = {(t, 0) for t in types}
        return self.wait_until(lambda: want <= self.opened, timeout,
                               "channels %s opened" % sorted(want))

    def wait_link_result(self, timeout=10):
        """None once the main channel opened; else the error kind ("auth",
        "link", "connect", ...), without raising."""
        def done():
            return self.error is not None or (CHANNEL_MAIN, 0) in self.opened
        self.wait_until(done, timeout, "main channel link result", tolerate_error=True)
        if (CHANNEL_MAIN, 0) in self.opened:
            return None
        return self.error.kind

    def wait_primary(self, timeout=10, count=1):
        """Wait for the count-th primary surface since the session started
        (count=2 after a resize) and return its description."""
        self.wait_until(lambda: self.primary is not None and self.primary_count >= count,
                        timeout, "primary surface #%d" % count)
        return dict(self.primary)

    def wait_mark(self, timeout=10, count=1):
        """Wait until count display-mark signals were seen in all."""
        return self.wait_until(lambda: self.marks >= count, timeout,
                               "display mark #%d" % count)

    def wait_invalidate(self, timeout=10, covering=None):
        """Wait for an invalidate (one containing the rectangle covering =
        (x, y, w, h), if given); returns the list so far."""
        def seen():
            if covering is None:
                return bool(self.invalidates)
            cx, cy, cw, ch = covering
            return any(x <= cx and y <= cy and x + w >= cx + cw and y + h >= cy + ch
                       for (x, y, w, h) in self.invalidates)
        self.wait_until(seen, timeout, "invalidate %s" % (covering,))
        return list(self.invalidates)

    def clear_invalidates(self):
        self.invalidates = []

    def wait_pixels(self, expected_rgb, timeout=10):
        """Wait until snapshot() equals expected_rgb (the screen may still be
        arriving in pieces); returns the snapshot."""
        last = [None]

        def same():
            if self.primary is None:
                return False
            last[0] = self.snapshot()
            return last[0] == expected_rgb
        try:
            self.wait_until(same, timeout, "the expected picture")
        except SpiceTimeout:
            if last[0] is not None and len(last[0]) == len(expected_rgb):
                diff = sum(1 for i in range(0, len(expected_rgb), 3)
                           if last[0][i:i + 3] != expected_rgb[i:i + 3])
                raise SpiceTimeout("picture still differs in %d pixels after %.1fs"
                                   % (diff, timeout))
            raise
        return last[0]

    def snapshot(self):
        """The current primary surface as width*height*3 bytes of RGB, top
        row first.  Call from this thread, between waits."""
        p = self.primary
        if p is None:
            raise SpiceError("io", (CHANNEL_DISPLAY, 0), "no primary surface")
        if p["format"] not in (FMT_32_xRGB, FMT_32_ARGB):
            raise ValueError("snapshot of surface format %d not supported" % p["format"])
        w, h, stride = p["width"], p["height"], p["stride"]
        row_bytes = w * 4
        # A negative stride means the address is the top row and rows go
        # down in memory: read the whole block from the lowest address.
        span = abs(stride) * (h - 1) + row_bytes
        base = p["address"] if stride > 0 else p["address"] + stride * (h - 1)
        raw = ctypes.string_at(base, span)
        out = bytearray(w * h * 3)
        for y in range(h):
            off = y * stride if stride > 0 else (h - 1 - y) * -stride
            row = raw[off:off + row_bytes]
            o = y * w * 3
            # 32-bit pixels are little-endian 0xAARRGGBB: B, G, R, A bytes.
            out[o:o + w * 3:3] = row[2::4]
            out[o + 1:o + w * 3:3] = row[1::4]
            out[o + 2:o + w * 3:3] = row[0::4]
        return bytes(out)

    def channel(self, ctype, cid=0):
        """The SpiceChannel of (type, id), or None."""
        return self.channels.get((ctype, cid))

    def disconnect(self, timeout=5):
        """Close every channel and wait until the session destroyed them
        all (the sockets are closed by then)."""
        Spice.Session.disconnect(self.session)
        wait_until(lambda: not self.channels, timeout, "all channels destroyed")

    def closed_channels(self):
        """(type, id) of channels whose last event was CLOSED or an
        error: what a server-side close looks like from here."""
        last = {}
        for t, i, ev in self.events:
            last[(t, i)] = ev
        return {k for k, ev in last.items() if ev != "opened"}


def connect(host="127.0.0.1", port=None, password=None, unix_path=None,
            tls_port=None, ca_file=None, uri=None, connect_types=None,
            username=None, audio=False):
    """Create a Client and start connecting; returns the Client."""
    return Client(host=host, port=port, password=password, unix_path=unix_path,
                  tls_port=tls_port, ca_file=ca_file, uri=uri,
                  connect_types=connect_types, username=username, audio=audio).start()


class Clip:
    """A viewer's main channel, recording what the agent says: clipboard
    grabs and data, and answering the agent's requests from offer."""

    def __init__(self, client):
        self.c = client
        self.m = client.channel(CHANNEL_MAIN)
        self.grabs = []
        self.data = []
        self.offer = {}         # selection -> the bytes we copied
        GObject.Object.connect(self.m, "main-clipboard-selection-grab", self._grab)
        GObject.Object.connect(self.m, "main-clipboard-selection", self._data)
        GObject.Object.connect(self.m, "main-clipboard-selection-request", self._request)

    def _grab(self, ch, sel, types, ntypes):
        self.grabs.append((sel, list(types)))
        return True

    def _data(self, ch, sel, typ, data, size):
        self.data.append((sel, typ, ctypes.string_at(data, size) if size else b""))

    def _request(self, ch, sel, typ):
        if sel not in self.offer:
            return False
        Spice.MainChannel.clipboard_selection_notify(self.m, sel, typ, self.offer[sel])
        return True

    def connected(self):
        return self.m.get_property("agent-connected")

    def ready(self):
        """The agent is here and has said what it can (spice-gtk drops
        clipboard calls until then)."""
        return self.connected() and self.m.get_property("agent-caps-0") != 0
