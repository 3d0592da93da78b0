/* Byte buffers, payload readers and socket helpers for the deisa wire protocol (docs/PROTOCOL.md). */
#ifndef DEISA_WIRE_H
#define DEISA_WIRE_H

#include <stddef.h>
#include <stdint.h>

#define W_MAGIC 0x53494544u
#define W_VERSION 4
#define W_CHANNEL_CONTROL 1
#define W_CHANNEL_DATA 2

enum {
    F_HELLO = 0x01, F_ERROR = 0x02,
    F_REGISTER = 0x10, F_CLOSE = 0x11, F_ABORT = 0x12, F_GET = 0x13, F_STATS = 0x14, F_BRIDGE_FAILED = 0x15,
    F_REJOIN = 0x16,
    F_REGISTERED = 0x18, F_REJECTED = 0x19, F_JOB_FAILED = 0x1A, F_PROGRESS = 0x1B, F_FEEDBACK_REPLY = 0x1C,
    F_FINAL = 0x1D, F_REFUSED = 0x1E,
    F_SCHEMA = 0x20, F_CHUNK = 0x21, F_END = 0x22, F_BEGIN_TIMESTEP = 0x23,
    F_SUBSCRIBE = 0x27, F_END_ACK = 0x28, F_ACK = 0x29
};

#define W_MAX_CONTROL_FRAME (16u * 1024u * 1024u)

/** A growable byte buffer; a failed allocation sets oom and later writes do nothing. */
typedef struct {
    uint8_t *p;
    size_t len, cap;
    int oom;
} wbuf_t;

void wb_free(wbuf_t *b);
void wb_clear(wbuf_t *b);
void wb_raw(wbuf_t *b, const void *data, size_t n);
void wb_u8(wbuf_t *b, uint8_t v);
void wb_u16(wbuf_t *b, uint16_t v);
void wb_u32(wbuf_t *b, uint32_t v);
void wb_i64(wbuf_t *b, int64_t v);
void wb_u64(wbuf_t *b, uint64_t v);
void wb_str(wbuf_t *b, const char *s);
void wb_ints(wbuf_t *b, const int *v, int n);
/** Starts a frame of type t; wb_end_frame fills in its length. Returns the frame's offset. */
size_t wb_begin_frame(wbuf_t *b, uint8_t type);
void wb_end_frame(wbuf_t *b, size_t start);

/** A bounds-checked payload reader: any read past the end sets bad. */
typedef struct {
    const uint8_t *p;
    size_t len, at;
    int bad;
} wrd_t;

uint8_t wr_u8(wrd_t *r);
uint32_t wr_u32(wrd_t *r);   /* bad when >= 2^31 (the Java side reads u32 as int) */
int64_t wr_i64(wrd_t *r);
uint64_t wr_u64(wrd_t *r);
/** A string or byte blob: pointer into the payload and its length. */
const uint8_t *wr_blob(wrd_t *r, uint32_t *n);

/** Little-endian stores and loads. */
void le16(uint8_t *p, uint16_t v);
void le32(uint8_t *p, uint32_t v);
void le64(uint8_t *p, uint64_t v);
uint32_t ld32(const uint8_t *p);
uint64_t ld64(const uint8_t *p);

/** Monotonic seconds. */
double w_now(void);

/** Sends all bytes (blocking socket, no SIGPIPE); 0 or -1 with errno. */
int w_send_all(int fd, const void *data, size_t n);
/** Connects to host:port within timeout_s; the fd (blocking, TCP_NODELAY) or -1 with msg. */
int w_connect(const char *host, int port, double timeout_s, char *msg, size_t msg_len);
/**
 * Reads one frame before deadline: 0 with *type, *payload (malloc'd, caller frees) and *len;
 * 1 on a clean EOF before the first byte; -1 with msg otherwise (timeout: errno ETIMEDOUT).
 */
int w_read_frame(int fd, double deadline, uint32_t max_len, uint8_t *type, uint8_t **payload, uint32_t *len,
                 char *msg, size_t msg_len);

#endif
