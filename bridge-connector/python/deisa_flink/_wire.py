"""Frames, payload codecs and feedback values of the deisa wire protocol, version 4.

Byte layouts: ``docs/PROTOCOL.md`` (sections 1 to 8). Everything is little-endian except the
inside of a feedback value (big-endian, section 8).
"""

import math
import socket
import struct

from .errors import ProtocolError

MAGIC = 0x53494544
VERSION = 4
CHANNEL_CONTROL, CHANNEL_DATA, CHANNEL_PUBLISH = 1, 2, 3

HELLO, ERROR = 0x01, 0x02
REGISTER, CLOSE, ABORT, GET, STATS, BRIDGE_FAILED, REJOIN = 0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16
REGISTERED, REJECTED, JOB_FAILED, PROGRESS, FEEDBACK_REPLY, FINAL, REFUSED = (
    0x18, 0x19, 0x1A, 0x1B, 0x1C, 0x1D, 0x1E)
SCHEMA, CHUNK, END, BEGIN_TIMESTEP = 0x20, 0x21, 0x22, 0x23
SUBSCRIBE, END_ACK, ACK = 0x27, 0x28, 0x29

MAX_CONTROL_FRAME = 16 * 1024 * 1024
LONG_MIN = -(1 << 63)
LONG_MAX = (1 << 63) - 1

NAMES = {
    HELLO: "HELLO", ERROR: "ERROR", REGISTER: "REGISTER", CLOSE: "CLOSE", ABORT: "ABORT", GET: "GET",
    STATS: "STATS", BRIDGE_FAILED: "BRIDGE_FAILED", REJOIN: "REJOIN", REGISTERED: "REGISTERED",
    REJECTED: "REJECTED", JOB_FAILED: "JOB_FAILED", PROGRESS: "PROGRESS",
    FEEDBACK_REPLY: "FEEDBACK_REPLY", FINAL: "FINAL", REFUSED: "REFUSED", SCHEMA: "SCHEMA",
    CHUNK: "CHUNK", END: "END", BEGIN_TIMESTEP: "BEGIN_TIMESTEP", SUBSCRIBE: "SUBSCRIBE",
    END_ACK: "END_ACK", ACK: "ACK",
}


def frame_name(ftype):
    return NAMES.get(ftype, "unknown (0x%02x)" % ftype)


def frame(ftype, payload=b""):
    """One frame: ``u32 length | u8 type | payload``."""
    return struct.pack("<IB", 1 + len(payload), ftype) + payload


def hello(channel):
    return frame(HELLO, struct.pack("<IHB", MAGIC, VERSION, channel))


class Writer:
    """Builds a payload from the protocol's types (section 1)."""

    def __init__(self):
        self.parts = []

    def u8(self, v):
        self.parts.append(struct.pack("<B", v))
        return self

    def u16(self, v):
        self.parts.append(struct.pack("<H", v))
        return self

    def u32(self, v):
        self.parts.append(struct.pack("<I", v))
        return self

    def i64(self, v):
        self.parts.append(struct.pack("<q", v))
        return self

    def u64(self, v):
        self.parts.append(struct.pack("<Q", v))
        return self

    def string(self, s):
        b = s.encode("utf-8")
        self.parts.append(struct.pack("<I", len(b)) + b)
        return self

    def ints(self, values):
        self.parts.append(struct.pack("<I%di" % len(values), len(values), *values))
        return self

    def text(self, s):
        self.parts.append(s.encode("utf-8"))
        return self

    def raw(self, b):
        self.parts.append(b)
        return self

    def bytes(self):
        return b"".join(self.parts)


class Reader:
    """Reads a payload with bounds checks; a short payload is a ProtocolError naming the frame."""

    def __init__(self, payload, frame_name_):
        self.p = payload
        self.at = 0
        self.name = frame_name_

    def _take(self, n, what):
        if n < 0 or self.at + n > len(self.p):
            raise ProtocolError("Truncated %s frame: cannot read %s at byte %d of %d"
                                % (self.name, what, self.at, len(self.p)))
        b = self.p[self.at:self.at + n]
        self.at += n
        return b

    def u8(self):
        return self._take(1, "u8")[0]

    def u32(self):
        (v,) = struct.unpack("<I", self._take(4, "u32"))
        if v >= 1 << 31:
            raise ProtocolError("%s frame: count or length %d is negative as a Java int" % (self.name, v))
        return v

    def i64(self):
        return struct.unpack("<q", self._take(8, "i64"))[0]

    def u64(self):
        return struct.unpack("<Q", self._take(8, "u64"))[0]

    def string(self):
        n = self.u32()
        try:
            return self._take(n, "a string of %d bytes" % n).decode("utf-8")
        except UnicodeDecodeError as e:
            raise ProtocolError("%s frame: invalid UTF-8 string: %s" % (self.name, e))

    def blob(self):
        n = self.u32()
        return self._take(n, "%d bytes" % n)

    def rest_text(self):
        b = self.p[self.at:]
        self.at = len(self.p)
        return b.decode("utf-8", errors="replace")

    def end(self):
        if self.at != len(self.p):
            raise ProtocolError("%s frame has %d trailing bytes" % (self.name, len(self.p) - self.at))


# ---------------------------------------------------------------- sockets

def recv_exact(sock, n, what):
    """Reads exactly ``n`` bytes; EOFError at a clean end before the first byte."""
    chunks = []
    got = 0
    while got < n:
        part = sock.recv(min(n - got, 1 << 20))
        if not part:
            if got == 0:
                raise EOFError("connection closed")
            raise ProtocolError("connection closed in the middle of %s (%d of %d bytes)" % (what, got, n))
        chunks.append(part)
        got += len(part)
    return b"".join(chunks)


def read_frame(sock, max_length=MAX_CONTROL_FRAME):
    """Reads one frame: ``(type, payload)``. EOFError when the connection ends between frames."""
    (length,) = struct.unpack("<I", recv_exact(sock, 4, "a frame length"))
    if length < 1 or length > max_length:
        raise ProtocolError("frame length %d is out of bounds [1, %d]" % (length, max_length))
    try:
        body = recv_exact(sock, length, "a frame of %d bytes" % length)
    except EOFError:
        raise ProtocolError("connection closed after a frame length of %d" % length)
    return body[0], body[1:]


def check_hello(ftype, payload, channel, peer):
    """Checks the peer's HELLO (magic, version, channel); an ERROR frame is the peer's refusal."""
    if ftype == ERROR:
        raise PeerRefused(payload.decode("utf-8", errors="replace"))
    if ftype != HELLO or len(payload) < 7:
        raise ProtocolError("expected HELLO from %s, got a %s frame" % (peer, frame_name(ftype)))
    magic, version, ch = struct.unpack_from("<IHB", payload, 0)
    if magic != MAGIC:
        raise ProtocolError("%s is not a deisa endpoint (magic 0x%08x)" % (peer, magic))
    if version != VERSION:
        raise ProtocolError("%s speaks protocol version %d, this side speaks %d" % (peer, version, VERSION))
    if ch != channel:
        raise ProtocolError("%s answered for channel %d, expected %d" % (peer, ch, channel))


class PeerRefused(ProtocolError):
    """The peer answered ERROR(text) instead of HELLO."""


def is_self_connection(sock):
    """A connection to a local port where nothing listens may connect to itself (section 2)."""
    try:
        return sock.getsockname() == sock.getpeername()
    except OSError:
        return False


# ---------------------------------------------------------------- registration

def array_declaration(w, name, dtype_name, shape, grid, position, chunks_of_node):
    return (w.string(name).string(dtype_name).ints(shape).ints(grid).ints(position).u32(chunks_of_node))


# ---------------------------------------------------------------- feedback values (section 8)

FEEDBACK_FORMAT = 1
MAX_DEPTH = 64


def decode_feedback(data):
    """Decodes one feedback value: ``None``, bool, int, float, str, list (of float/int for the
    array tags) or dict. Raises ProtocolError on anything malformed."""
    if len(data) < 1 or data[0] != FEEDBACK_FORMAT:
        raise ProtocolError("feedback value of format %s, this decoder reads %d"
                            % (data[0] if data else "none", FEEDBACK_FORMAT))
    value, at = _decode_value(data, 1, 0)
    if at != len(data):
        raise ProtocolError("feedback value has %d trailing bytes" % (len(data) - at))
    return value


def _need(data, at, n):
    if n < 0 or at + n > len(data):
        raise ProtocolError("truncated feedback value at byte %d" % at)


def _count(data, at):
    _need(data, at, 4)
    (n,) = struct.unpack_from(">i", data, at)
    if n < 0:
        raise ProtocolError("negative count %d in a feedback value" % n)
    return n, at + 4


def _decode_value(data, at, depth):
    if depth > MAX_DEPTH:
        raise ProtocolError("feedback value nests deeper than %d levels" % MAX_DEPTH)
    _need(data, at, 1)
    tag = data[at]
    at += 1
    if tag == 0x00:
        return None, at
    if tag == 0x01:
        _need(data, at, 1)
        if data[at] not in (0, 1):
            raise ProtocolError("boolean byte %d in a feedback value" % data[at])
        return data[at] == 1, at + 1
    if tag == 0x02:
        _need(data, at, 8)
        return struct.unpack_from(">q", data, at)[0], at + 8
    if tag == 0x03:
        _need(data, at, 8)
        return struct.unpack_from(">d", data, at)[0], at + 8
    if tag == 0x04:
        n, at = _count(data, at)
        _need(data, at, n)
        try:
            return bytes(data[at:at + n]).decode("utf-8"), at + n
        except UnicodeDecodeError as e:
            raise ProtocolError("invalid UTF-8 in a feedback string: %s" % e)
    if tag in (0x05, 0x06, 0x07):
        n, at = _count(data, at)
        size, fmt = {0x05: (8, "d"), 0x06: (8, "q"), 0x07: (4, "i")}[tag]
        _need(data, at, n * size)
        return list(struct.unpack_from(">%d%s" % (n, fmt), data, at)), at + n * size
    if tag == 0x08:
        n, at = _count(data, at)
        _need(data, at, n)  # every value takes at least one byte
        items = []
        for _ in range(n):
            v, at = _decode_value(data, at, depth + 1)
            items.append(v)
        return items, at
    if tag == 0x09:
        n, at = _count(data, at)
        _need(data, at, n * 5)
        out = {}
        for _ in range(n):
            k, at = _count(data, at)
            _need(data, at, k)
            try:
                key = bytes(data[at:at + k]).decode("utf-8")
            except UnicodeDecodeError as e:
                raise ProtocolError("invalid UTF-8 in a feedback map key: %s" % e)
            at += k
            if key in out:
                raise ProtocolError("duplicate map key %r in a feedback value" % key)
            out[key], at = _decode_value(data, at, depth + 1)
        return out, at
    raise ProtocolError("unknown feedback value tag 0x%02x" % tag)


def encode_feedback(value):
    """Encodes a feedback value (for tests and tools; the simulation side only decodes)."""
    return bytes([FEEDBACK_FORMAT]) + _encode_value(value, 0)


def _encode_value(v, depth):
    if depth > MAX_DEPTH:
        raise ValueError("feedback value nests deeper than %d levels" % MAX_DEPTH)
    if v is None:
        return b"\x00"
    if isinstance(v, bool):
        return b"\x01" + (b"\x01" if v else b"\x00")
    if isinstance(v, int):
        return b"\x02" + struct.pack(">q", v)
    if isinstance(v, float):
        return b"\x03" + struct.pack(">d", v)
    if isinstance(v, str):
        b = v.encode("utf-8")
        return b"\x04" + struct.pack(">i", len(b)) + b
    if isinstance(v, (list, tuple)):
        return b"\x08" + struct.pack(">i", len(v)) + b"".join(_encode_value(x, depth + 1) for x in v)
    if isinstance(v, dict):
        out = [b"\x09", struct.pack(">i", len(v))]
        for k, x in v.items():
            kb = str(k).encode("utf-8")
            out.append(struct.pack(">i", len(kb)) + kb + _encode_value(x, depth + 1))
        return b"".join(out)
    raise ValueError("a feedback value cannot be a %s" % type(v).__name__)


def decode_entries(payload, name):
    """FEEDBACK_REPLY / FINAL entry list: ``u32 count | count × (string key | i64 t | bytes value)``."""
    r = Reader(payload, name)
    n = r.u32()
    entries = []
    for _ in range(n):
        key = r.string()
        t = r.i64()
        entries.append((key, t, r.blob()))
    r.end()
    return entries


def is_nan(x):
    return isinstance(x, float) and math.isnan(x)


def connect(host, port, timeout):
    s = socket.create_connection((host, port), timeout=timeout)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return s
