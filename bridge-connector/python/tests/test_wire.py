"""Unit tests of the protocol codecs and the default communicator, without the analytics."""

import struct
import threading

import pytest

from deisa_flink import _wire as w
from deisa_flink.comm import TcpCommunicator
from deisa_flink.errors import ProtocolError, RendezvousError
from conftest import free_port


def be_value(tag, body):
    return bytes([1, tag]) + body


@pytest.mark.parametrize("encoded, value", [
    (be_value(0x00, b""), None),
    (be_value(0x01, b"\x01"), True),
    (be_value(0x01, b"\x00"), False),
    (be_value(0x02, struct.pack(">q", -7)), -7),
    (be_value(0x03, struct.pack(">d", 2.5)), 2.5),
    (be_value(0x04, struct.pack(">i", 3) + "héé".encode()[:3]), "hé"),
    (be_value(0x05, struct.pack(">i", 2) + struct.pack(">2d", 1.5, -2.0)), [1.5, -2.0]),
    (be_value(0x06, struct.pack(">i", 2) + struct.pack(">2q", 1 << 40, -1)), [1 << 40, -1]),
    (be_value(0x07, struct.pack(">i", 3) + struct.pack(">3i", 1, 2, 3)), [1, 2, 3]),
    (be_value(0x08, struct.pack(">i", 2) + b"\x02" + struct.pack(">q", 1) + b"\x00"), [1, None]),
    (be_value(0x09, struct.pack(">i", 1) + struct.pack(">i", 1) + b"k" + b"\x03" + struct.pack(">d", 0.5)),
     {"k": 0.5}),
])
def test_every_feedback_value_type_decodes_as_section_8_says(encoded, value):
    assert w.decode_feedback(encoded) == value


def test_feedback_values_round_trip_and_malformed_ones_are_refused():
    value = {"a": [1, 2.5, "x", None, True], "b": {"c": []}}
    assert w.decode_feedback(w.encode_feedback(value)) == value
    good = w.encode_feedback(value)
    for cut in range(1, len(good)):
        with pytest.raises(ProtocolError):
            w.decode_feedback(good[:cut])
    with pytest.raises(ProtocolError, match="trailing"):
        w.decode_feedback(good + b"\x00")
    with pytest.raises(ProtocolError, match="format"):
        w.decode_feedback(b"\x02\x00")
    with pytest.raises(ProtocolError, match="tag"):
        w.decode_feedback(b"\x01\x42")
    # a count larger than the bytes left never allocates
    with pytest.raises(ProtocolError):
        w.decode_feedback(be_value(0x08, struct.pack(">i", 1 << 30)))


def test_frames_and_declarations_match_the_protocol_pages_examples():
    assert w.hello(w.CHANNEL_CONTROL) == bytes.fromhex("08000000 01 44454953 0400 01".replace(" ", ""))
    schema = w.frame(w.SCHEMA, w.array_declaration(w.Writer().u16(0), "field", "float64", (2, 2), (1, 2), (0, 1),
                                                   1).bytes())
    assert schema.hex()[:32] == "3f000000200000050000006669656c64"
    assert len(schema) == 67


def test_the_rendezvous_names_rank_world_endpoint_and_timeout_when_rank_0_never_comes():
    port = free_port()
    with pytest.raises(RendezvousError) as error:
        TcpCommunicator(3, 2, "127.0.0.1", port, timeout=0.5)
    assert str(error.value).startswith("Rendezvous of rank 2 failed: expected a world of size 3 at 127.0.0.1:%d "
                                       "within 0.5 s: rank 0 was not reachable" % port)


def test_the_tcp_communicator_broadcasts_gathers_and_synchronizes():
    port = free_port()
    results = {}

    def rank(r):
        comm = TcpCommunicator(3, r, "127.0.0.1", port, timeout=20)
        results[r] = (comm.broadcast_object(b"abc" if r == 0 else None, 0),
                      comm.allgather_object("call #%d" % r), comm.broadcast_object([r, 2.5], 1))
        comm.barrier()
        comm.close()

    threads = [threading.Thread(target=rank, args=(r,)) for r in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert results == {r: (b"abc", ["call #0", "call #1", "call #2"], [1, 2.5]) for r in range(3)}
