"""The bridge's control connection to the analytics head (``docs/PROTOCOL.md``, section 4).

One thread reads the head's frames after registration (PROGRESS, FEEDBACK_REPLY, FINAL,
JOB_FAILED); callers wait on one condition. When the job takes checkpoints (``replay``) and the
connection drops before FINAL, that thread rejoins the restored head (REJOIN, section 4.7) until
``connect_timeout`` has passed, keeping every wait pending.
"""

import collections
import logging
import socket
import struct
import threading
import time

from . import _wire as w
from .errors import ContractError, DeisaError, DeisaTimeoutError, ProtocolError

LOG = logging.getLogger("deisa_flink")
RETRY_SECONDS = 0.2


class Refused(DeisaError):
    """REFUSED from the head; ``retry`` tells whether another head may take the bridge later."""

    def __init__(self, message, retry):
        super().__init__(message)
        self.retry = retry


class HeadClient:
    def __init__(self, bridge_id, host, port, connect_timeout):
        self.bridge_id = bridge_id
        self.host, self.port = host, port
        self.head = "%s:%d" % (host, port)
        self.connect_timeout = connect_timeout
        self.sock = None
        self.cv = threading.Condition()
        self.write_lock = threading.Lock()
        self.progress = w.LONG_MIN
        self.final = None              # list of (key, timestep, value bytes) once FINAL came
        self.failure = None            # DeisaError once the run failed for this bridge
        self.replies = {}              # GET number -> entries payload
        self.pending = collections.OrderedDict()   # GET number -> GET payload, in order
        self.abandoned = set()         # GETs whose caller stopped waiting: their replies are dropped
        self.next_get = 0
        self.closed_at = None          # the timestep of CLOSE once sent
        self.released = False
        self.registration = None
        self.run_id = None
        self.replay = False
        self.on_failure = None
        self.thread = None

    # ------------------------------------------------------------ registration

    def _open(self, deadline):
        """Connects, retrying a refused connection every 200 ms until ``deadline``."""
        last = None
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise DeisaTimeoutError(
                    "Bridge %d could not reach the analytics head at %s within the connect timeout of %.1f s (last "
                    "error: %s). Is the analytics job running, and is DEISA_HEAD / system_metadata['head'] right?"
                    % (self.bridge_id, self.head, self.connect_timeout, last or "no answer"))
            try:
                sock = w.connect(self.host, self.port, min(left, 10.0))
                if w.is_self_connection(sock):
                    sock.close()
                    raise ConnectionRefusedError(
                        "the connection to the analytics head at %s is connected to itself: refused" % self.head)
                return sock
            except OSError as e:
                last = e
                time.sleep(min(RETRY_SECONDS, max(0.0, deadline - time.monotonic())))

    def _handshake(self, first_frame, deadline, rejoining):
        """Sends HELLO and REGISTER (or REJOIN), the latter built by ``first_frame(sock)``; returns the
        socket and the REGISTERED payload."""
        sock = self._open(deadline)
        try:
            sock.sendall(w.hello(w.CHANNEL_CONTROL) + first_frame(sock))
            sock.settimeout(max(0.001, deadline - time.monotonic()))
            ftype, payload = w.read_frame(sock)
            w.check_hello(ftype, payload, w.CHANNEL_CONTROL, "analytics head at " + self.head)
            ftype, payload = w.read_frame(sock)
            refused = "The analytics head at %s refused bridge %d: " % (self.head, self.bridge_id)
            if ftype == w.REGISTERED:
                sock.settimeout(None)
                return sock, payload
            if ftype == w.REJECTED:
                raise ContractError(payload.decode("utf-8", errors="replace"))
            if ftype == w.REFUSED:
                r = w.Reader(payload, "REFUSED")
                retry = r.u8() != 0
                raise Refused(refused + r.rest_text(), retry)
            if ftype in (w.JOB_FAILED, w.ERROR):
                raise DeisaError(refused + payload.decode("utf-8", errors="replace"))
            raise DeisaError("Unexpected %s frame from the analytics head at %s" % (w.frame_name(ftype), self.head))
        except socket.timeout:
            message = ("Bridge %d %s at %s but got no answer, or not every bridge of world size %d registered, "
                       "within the connect timeout of %.1f s" % (self.bridge_id, "rejoined" if rejoining else "registered",
                                                                 self.head, self.registration_world,
                                                                 self.connect_timeout))
            try:  # the head learns why this bridge leaves, rather than seeing it vanish (4.6)
                sock.sendall(w.frame(w.ABORT, ("bridge %d gave up while joining the run: %s"
                                               % (self.bridge_id, message)).encode("utf-8")))
            except OSError:
                pass
            sock.close()
            raise DeisaTimeoutError(message)
        except w.PeerRefused as e:
            sock.close()
            raise DeisaError("The analytics head at %s refused bridge %d: %s" % (self.head, self.bridge_id, e))
        except EOFError:
            sock.close()
            raise Refused("The analytics head at %s closed the connection while bridge %d was %s (the analytics "
                          "job may be restarting)" % (self.head, self.bridge_id,
                                                      "rejoining" if rejoining else "registering"), True)
        except ProtocolError as e:
            sock.close()
            raise DeisaError("Bridge %d could not register at %s: %s" % (self.bridge_id, self.head, e))
        except OSError as e:
            sock.close()
            raise Refused("Bridge %d lost its connection to the analytics head at %s while %s (%s; the analytics "
                          "job may be restarting)" % (self.bridge_id, self.head,
                                                      "rejoining" if rejoining else "registering", e), True)
        except BaseException:
            sock.close()
            raise

    def register(self, registration, world_size, deadline):
        """Registers until ``deadline``; a REFUSED with retry is tried again every 200 ms.

        ``registration(data_host)`` builds the REGISTER payload once the local address of the control
        connection is known. Returns ``(max_simulation_ahead, run_id, replay)``.
        """
        self.registration_world = world_size
        refusal = None
        while True:
            try:
                sock, payload = self._register_once(registration, deadline)
                break
            except Refused as e:
                if not e.retry:
                    raise
                if refusal is None:
                    LOG.info("Bridge %d: %s; retrying until the connect timeout", self.bridge_id, e)
                refusal = e
            except DeisaTimeoutError as e:
                if refusal is None:
                    raise
                raise DeisaTimeoutError(
                    "Bridge %d could not join a run at %s within the connect timeout of %.1f s; the last answer "
                    "was: %s" % (self.bridge_id, self.head, self.connect_timeout, refusal)) from e
            if deadline - time.monotonic() <= 0:
                raise DeisaTimeoutError(
                    "Bridge %d could not join a run at %s within the connect timeout of %.1f s; the last answer "
                    "was: %s" % (self.bridge_id, self.head, self.connect_timeout, refusal))
            time.sleep(RETRY_SECONDS)
        r = w.Reader(payload, "REGISTERED")
        max_ahead = r.u32()
        self.run_id = r.string()
        self.replay = r.u8() != 0
        self.sock = sock
        return max_ahead, self.run_id, self.replay

    def _register_once(self, registration, deadline):
        def register_frame(sock):
            # the data host is the interface on which this bridge reaches the head
            self.registration = registration(sock.getsockname()[0])
            return w.frame(w.REGISTER, self.registration)
        return self._handshake(register_frame, deadline, False)

    def abort(self, reason):
        self._send(w.frame(w.ABORT, reason.encode("utf-8")))

    # ------------------------------------------------------------ after registration

    def start(self, on_failure):
        self.on_failure = on_failure
        self.thread = threading.Thread(target=self._listen, name="deisa-bridge-%d-head" % self.bridge_id,
                                       daemon=True)
        self.thread.start()

    def _send(self, data):
        with self.write_lock:
            sock = self.sock
            if sock is None:
                raise OSError("not connected to the analytics head")
            sock.sendall(data)

    def _fail(self, error):
        with self.cv:
            if self.failure is None:
                self.failure = error
            self.cv.notify_all()
        if self.on_failure is not None:
            self.on_failure(error)

    def _listen(self):
        while True:
            sock = self.sock
            try:
                while True:
                    ftype, payload = w.read_frame(sock)
                    if not self._on_frame(ftype, payload):
                        return
            except (EOFError, OSError, ProtocolError, struct.error) as e:
                with self.cv:
                    done = self.final is not None or self.failure is not None or self.released
                if done:
                    return
                cause = "connection closed" if isinstance(e, EOFError) else str(e)
                if not self.replay:
                    self._fail(DeisaError("Bridge %d lost its connection to the analytics head at %s: the analytics "
                                          "job ended or failed (%s)" % (self.bridge_id, self.head, cause)))
                    return
                # as in Java, a frame cut off by a dying head is a lost connection: rejoin
                error = self._rejoin(cause)
                if error is not None:
                    self._fail(error)
                    return

    def _on_frame(self, ftype, payload):
        if ftype == w.PROGRESS:
            if len(payload) != 8:
                raise ProtocolError("PROGRESS frame of %d bytes" % len(payload))
            (t,) = struct.unpack("<q", payload)
            with self.cv:
                if t > self.progress:
                    self.progress = t
                    self.cv.notify_all()
        elif ftype == w.FEEDBACK_REPLY:
            # replies come in the order of the GETs; one for a GET given up on is dropped
            with self.cv:
                if not self.pending:
                    LOG.warning("Bridge %d: ignoring a FEEDBACK_REPLY without a GET", self.bridge_id)
                    return True
                number, _ = self.pending.popitem(last=False)
                if number in self.abandoned:
                    self.abandoned.discard(number)
                else:
                    self.replies[number] = payload
                self.cv.notify_all()
        elif ftype == w.FINAL:
            entries = w.decode_entries(payload, "FINAL")
            with self.cv:
                self.final = entries
                self.progress = w.LONG_MAX
                self.cv.notify_all()
            return False
        elif ftype == w.JOB_FAILED:
            self._fail(DeisaError("The analytics job failed: " + payload.decode("utf-8", errors="replace")))
            return False
        else:
            LOG.debug("Bridge %d: ignoring a %s frame from the head", self.bridge_id, w.frame_name(ftype))
        return True

    def _rejoin(self, cause):
        """Registers with a restored head of the same run (REJOIN); None once it took the bridge back."""
        deadline = time.monotonic() + self.connect_timeout
        LOG.warning("Bridge %d lost the analytics head at %s (%s); rejoining run %s", self.bridge_id,
                    self.head, cause, self.run_id)
        last = None
        answered = False  # a head answered for good (JOB_FAILED, a refusal without retry)
        while time.monotonic() < deadline and not self.released:
            with self.cv:
                closed = self.closed_at is not None
                progress = self.progress
            rejoin = (w.Writer().string(self.run_id).u8(1 if closed else 0).i64(progress)
                      .raw(self.registration).bytes())
            rejoin_said_closed = closed
            try:
                sock, _ = self._handshake(lambda _sock: w.frame(w.REJOIN, rejoin), deadline, True)
            except Refused as e:
                last = e
                if not e.retry:
                    answered = True
                    break
                time.sleep(0.1)
                continue
            except DeisaTimeoutError as e:
                last = e
                break
            except (DeisaError, ContractError) as e:
                last = e
                answered = True
                break
            with self.write_lock:
                old, self.sock = self.sock, sock
                try:
                    old.close()
                except OSError:
                    pass
                with self.cv:
                    resend = list(self.pending.values())
                    # CLOSE again only if it was sent after the REJOIN said "not closed"
                    close_at = None if rejoin_said_closed else self.closed_at
                try:
                    for get in resend:
                        sock.sendall(w.frame(w.GET, get))
                    if close_at is not None:
                        sock.sendall(w.frame(w.CLOSE, struct.pack("<q", close_at)))
                except OSError as e:
                    last = e
                    continue
            LOG.info("Bridge %d rejoined run %s at %s", self.bridge_id, self.run_id, self.head)
            return None
        if self.released:
            return None
        if answered:
            return DeisaError("Bridge %d lost the analytics head at %s (%s) and could not rejoin run %s: %s"
                              % (self.bridge_id, self.head, cause, self.run_id, last))
        return DeisaError("Bridge %d lost the analytics head at %s (%s) and no head of run %s took it back within "
                          "the connect timeout of %.1f s%s" % (self.bridge_id, self.head, cause, self.run_id,
                                                               self.connect_timeout,
                                                               "" if last is None else "; last: %s" % last))

    # ------------------------------------------------------------ calls

    def check(self):
        if self.failure is not None:
            raise DeisaError(str(self.failure))

    def await_progress(self, timestep):
        with self.cv:
            while self.progress < timestep and self.failure is None:
                self.cv.wait(1.0)
            self.check()

    def stats(self, last_timestep, blocked_ns, retained, oldest_ms, retention_blocked_ns):
        try:
            self._send(w.frame(w.STATS, struct.pack("<qqqqq", last_timestep, blocked_ns, retained, oldest_ms,
                                                    retention_blocked_ns)))
        except OSError:
            pass

    def bridge_failed(self, reason):
        with self.cv:
            if self.failure is None:
                self.failure = DeisaError(reason)
            self.cv.notify_all()
        try:
            self._send(w.frame(w.BRIDGE_FAILED, reason.encode("utf-8")))
        except OSError:
            pass

    def query(self, name, all_entries, timestep):
        """Entries ``[(timestep, value bytes)]`` of ``name``: from the head, or from FINAL's table."""
        get = w.Writer().string(name).u8(1 if all_entries else 0).i64(0 if all_entries else timestep).bytes()
        # write_lock first: a rejoin (which resends the pending GETs) cannot slip between the
        # registration of this GET and its sending, so it goes out exactly once per connection
        with self.write_lock:
            with self.cv:
                self.check()
                if self.final is not None:
                    return [(t, v) for (k, t, v) in self.final if k == name and (all_entries or t == timestep)]
                number = self.next_get
                self.next_get += 1
                self.pending[number] = get
            try:
                self.sock.sendall(w.frame(w.GET, get))
            except OSError:
                pass  # the listener rejoins and asks again, or fails the bridge
        deadline = time.monotonic() + self.connect_timeout
        with self.cv:
            while number not in self.replies:
                if self.final is not None:
                    self.pending.pop(number, None)
                    return [(t, v) for (k, t, v) in self.final if k == name and (all_entries or t == timestep)]
                self.check()
                left = deadline - time.monotonic()
                if left <= 0:
                    if number in self.pending:
                        self.abandoned.add(number)
                    raise DeisaTimeoutError("Bridge %d timed out after %.1f s waiting for feedback '%s' from the "
                                            "head at %s" % (self.bridge_id, self.connect_timeout, name, self.head))
                self.cv.wait(min(left, 1.0))
            payload = self.replies.pop(number)
        return [(t, v) for (_, t, v) in w.decode_entries(payload, "FEEDBACK_REPLY")]

    def close_run(self, timestep):
        try:
            # as for GET: registered and sent under write_lock, so a rejoin sends it once
            with self.write_lock:
                with self.cv:
                    self.closed_at = timestep
                self.sock.sendall(w.frame(w.CLOSE, struct.pack("<q", timestep)))
        except OSError as e:
            if not self.replay:
                raise DeisaError("Bridge %d could not tell the analytics head that the run ended: %s"
                                 % (self.bridge_id, e))

    def await_final(self):
        with self.cv:
            while self.final is None and self.failure is None:
                self.cv.wait(1.0)
            self.check()

    def release(self):
        with self.cv:
            self.released = True
            self.cv.notify_all()
        with self.write_lock:
            if self.sock is not None:
                try:
                    self.sock.close()
                except OSError:
                    pass
