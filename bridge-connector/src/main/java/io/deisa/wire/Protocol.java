package io.deisa.wire;

/**
 * Constants of the deisa wire protocol, version {@value #VERSION}; the byte layout is documented in
 * {@code docs/PROTOCOL.md}.
 *
 * <p>Every frame is {@code u32 length | u8 type | payload}, little-endian, where {@code length}
 * counts the type byte and the payload. A connection starts with a {@link #HELLO} frame from the
 * client: {@code u32 MAGIC | u16 VERSION | u8 channel}.
 */
public final class Protocol {
    /** {@code "DEIS"} read as a little-endian integer. */
    public static final int MAGIC = 0x53494544;
    /** Protocol version spoken by this implementation. */
    public static final short VERSION = 4;

    /** Channel id in HELLO: a bridge talking to the head. */
    public static final byte CHANNEL_CONTROL = 1;
    /** Channel id in HELLO: a source reader fetching chunks from a bridge. */
    public static final byte CHANNEL_DATA = 2;
    /** Channel id in HELLO: the job's feedback publisher reporting to the head. */
    public static final byte CHANNEL_PUBLISH = 3;

    // Frame types shared by both channels.
    /** First frame of a connection, in both directions. */
    public static final byte HELLO = 0x01;
    /** The sender refuses the connection or gives up on it; payload is a UTF-8 reason. */
    public static final byte ERROR = 0x02;

    // Control channel: bridge -> head.
    /** A bridge declares itself and its arrays. */
    public static final byte REGISTER = 0x10;
    /** Bridge 0 reports the end of the simulation at a timestep. */
    public static final byte CLOSE = 0x11;
    /** A bridge leaves without {@code close(timestep)}. */
    public static final byte ABORT = 0x12;
    /** Bridge 0 asks for the feedback of a key (one timestep, or all retained). */
    public static final byte GET = 0x13;
    /** A bridge reports its newest timestep and the time it spent blocked. */
    public static final byte STATS = 0x14;
    /** A bridge cannot go on (text reason, e.g. a reader asked for chunks it no longer holds); the run fails. */
    public static final byte BRIDGE_FAILED = 0x15;
    /**
     * A bridge that lost the head during a run registers again: {@code string runId | u8 closed |
     * REGISTER payload}; see {@code io.deisa.wire.message.Rejoin}.
     */
    public static final byte REJOIN = 0x16;
    // Control channel: head -> bridge.
    /** Every bridge of the world has registered consistently. */
    public static final byte REGISTERED = 0x18;
    /** Registration refused because of a metadata contract violation; the run fails. */
    public static final byte REJECTED = 0x19;
    /**
     * Registration refused without affecting the run: {@code u8 retry | text reason}. With {@code
     * retry} set (the head's run has ended or failed) the bridge tries again until its connect
     * timeout, for the next analytics job on that address; without it (the head runs a complete
     * world that the bridge does not belong to) the bridge gives up at once.
     */
    public static final byte REFUSED = 0x1E;
    /** The analytics job stopped before the end of the run. */
    public static final byte JOB_FAILED = 0x1A;
    /** Analytics progress: every callback for timesteps up to the payload's has run. */
    public static final byte PROGRESS = 0x1B;
    /** Answer to GET: a list of feedback entries. */
    public static final byte FEEDBACK_REPLY = 0x1C;
    /** The analytics finished: the whole retained feedback table. */
    public static final byte FINAL = 0x1D;

    // Publish channel: feedback publisher -> head (PROGRESS is shared with the control channel).
    /** One feedback value published by a callback. */
    public static final byte FEEDBACK = 0x30;
    /** Head to publisher: newest timestep a bridge sent, time bridges were blocked, registrations refused. */
    public static final byte RUN_STATS = 0x31;
    /** Publisher to head: the job fails for the reason in the payload (text); the head tells the bridges. */
    public static final byte FAILURE = 0x32;
    /** Head to publisher, after the end of the run: the head stopped listening for bridges. */
    public static final byte RUN_ENDED = 0x33;

    // Data channel: bridge -> reader.
    /** Arrow IPC schema message of one array of the bridge. */
    public static final byte SCHEMA = 0x20;
    /** Arrow IPC record batch message carrying one chunk. */
    public static final byte CHUNK = 0x21;
    /** The bridge finished: no more chunks. */
    public static final byte END = 0x22;
    /**
     * The bridge starts a timestep ({@code i64 timestep}) before it copies the timestep's first chunk,
     * so that the split's watermark passes the previous timestep while the bridge waits for the
     * analytics.
     */
    public static final byte BEGIN_TIMESTEP = 0x23;
    // Data channel: reader -> bridge.
    /** Reader asks for the chunks of a bridge from a sequence number on. */
    public static final byte SUBSCRIBE = 0x27;
    /** Reader confirms it received {@link #END}. */
    public static final byte END_ACK = 0x28;
    /**
     * Reader to bridge, {@code u64 sequence}: a completed checkpoint covers every chunk below
     * {@code sequence}; the bridge may drop them (cumulative, never sent for a checkpoint that was
     * only triggered or aborted).
     */
    public static final byte ACK = 0x29;

    /** Upper bound of control frames; anything larger is a protocol error. */
    public static final int MAX_CONTROL_FRAME = 16 * 1024 * 1024;

    private Protocol() {}

    /** Human-readable name of a frame type, for error messages. */
    public static String frameName(byte type) {
        switch (type) {
            case HELLO: return "HELLO";
            case ERROR: return "ERROR";
            case REGISTER: return "REGISTER";
            case CLOSE: return "CLOSE";
            case ABORT: return "ABORT";
            case REGISTERED: return "REGISTERED";
            case REJECTED: return "REJECTED";
            case REFUSED: return "REFUSED";
            case JOB_FAILED: return "JOB_FAILED";
            case GET: return "GET";
            case STATS: return "STATS";
            case BRIDGE_FAILED: return "BRIDGE_FAILED";
            case REJOIN: return "REJOIN";
            case PROGRESS: return "PROGRESS";
            case FEEDBACK_REPLY: return "FEEDBACK_REPLY";
            case FINAL: return "FINAL";
            case FEEDBACK: return "FEEDBACK";
            case RUN_STATS: return "RUN_STATS";
            case FAILURE: return "FAILURE";
            case RUN_ENDED: return "RUN_ENDED";
            case SCHEMA: return "SCHEMA";
            case CHUNK: return "CHUNK";
            case END: return "END";
            case BEGIN_TIMESTEP: return "BEGIN_TIMESTEP";
            case SUBSCRIBE: return "SUBSCRIBE";
            case END_ACK: return "END_ACK";
            case ACK: return "ACK";
            default: return String.format("unknown(0x%02x)", type);
        }
    }
}
