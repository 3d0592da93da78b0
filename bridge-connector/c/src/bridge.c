/*
 * libdeisa_bridge: the simulation-side bridge of deisa-flink in C (deisa_bridge.h).
 *
 * The calling thread validates, copies chunks into a queue and waits (back-pressure, feedback,
 * end of run) on one condition variable. One background thread (the loop) owns the sockets that
 * the analytics reach: it accepts the job's reader on the bridge's data endpoint, writes the queue
 * to it with non-blocking gathering writes, reads its ACK and END_ACK, and reads the head's
 * PROGRESS, FEEDBACK_REPLY, FINAL and JOB_FAILED. The calling thread writes its few control frames
 * (STATS, GET, CLOSE, ABORT) itself, under ctl_mu. Lock order: ctl_mu is never taken while mu is
 * held. Protocol: docs/PROTOCOL.md, version 4.
 */
#define _GNU_SOURCE
#include "deisa_bridge.h"
#include "wire.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>

#define ERR_LEN 2048
#define CALL_LEN 320
#define HANDSHAKES 8
#define HANDSHAKE_SECONDS 10.0
#define RETRY_SECONDS 0.2
#define STATS_INTERVAL 0.2
#define DEFAULT_BUFFER_BYTES (256ull << 20)
#define MAX_CHUNK_BYTES ((1ull << 31) - 65)
#define POOLED 2

enum { ITEM_BEGIN, ITEM_CHUNK, ITEM_END };

static const char *const DTYPE_NAMES[] = {"int8", "int16", "int32", "int64", "uint8", "uint16",
                                          "uint32", "uint64", "float32", "float64"};
static const int DTYPE_SIZES[] = {1, 2, 4, 8, 1, 2, 4, 8, 4, 8};

struct item {
    int kind;
    int array;
    uint64_t seq;
    int64_t timestep;
    uint8_t header[32];
    size_t header_len;
    uint8_t *data;
    size_t data_len;
    double born;
    struct item *next;
};

struct array {
    char *name;
    int ndim;
    int *shape, *grid, *position;
    int chunks_of_node;
    deisa_dtype_t dtype;
    long long elements;
    size_t nbytes;
    int has_last;
    long long last;
    uint8_t *pool[POOLED];
    int pooled;
};

struct handshake {
    int fd;
    uint8_t buf[128];
    size_t got;
    double deadline;
};

struct started { long long timestep; uint64_t first_seq; };

struct deisa_bridge {
    MPI_Comm comm;
    int rank, size;
    char head[300];
    char head_host[256];
    int head_port;
    double timeout;
    int n_arrays;
    struct array *arrays;
    char error[ERR_LEN];

    /* registration */
    wbuf_t registration;
    char run_id[64];
    int replay;
    unsigned max_ahead;
    char simulation_id[16];

    pthread_mutex_t mu;
    pthread_cond_t cv;
    pthread_t thread;
    int thread_started;
    int wake[2];
    int stop;

    pthread_mutex_t ctl_mu;
    int ctl_fd;               /* written under ctl_mu, swapped under ctl_mu and mu */
    int ctl_done;

    /* head state (mu) */
    char *failure;
    int64_t progress;
    int final;
    uint8_t *final_table;
    uint32_t final_len;
    int get_pending;          /* a GET waits for its reply (only rank 0 asks, one at a time) */
    unsigned long gets_sent;  /* GETs sent on the current connection, in order */
    unsigned long replies_seen;
    unsigned long awaited_reply; /* the number of the GET waited for, among gets_sent */
    wbuf_t get_frame;
    int reply_ready;
    uint8_t *reply;
    uint32_t reply_len;
    int closed_sent;
    int64_t closed_at;
    int rejoining;            /* a rejoin thread runs */
    char lost_cause[256];

    /* data endpoint (mu) */
    int listen_fd, data_port, data_fd;
    struct handshake hs[HANDSHAKES];
    int has_fence;
    int64_t fence;
    struct item *q_head, *q_tail, *cursor;
    size_t wr_off;
    wbuf_t pre;
    size_t pre_off;
    uint8_t ack_buf[64];
    size_t ack_got;
    uint64_t next_seq;
    int64_t written_seq;
    int end_acked;
    unsigned long long held, bound;
    wbuf_t schemas;

    /* simulation side (calling thread) */
    int has_last_t;
    long long last_t;
    struct started *recent;
    size_t recent_head, recent_len, recent_cap;
    int has_awaited;
    long long awaited;
    int64_t awaited_last_seq;
    long long blocked_ns, progress_wait_ns, retention_blocked_ns;
    double stats_at;
    int stats_sent;
    unsigned long collectives;
    char *collective_failure;
    int run_closed;
};

static __thread char init_error[ERR_LEN] = "no error";

/* ---------------------------------------------------------------- errors */

static int fail_call(deisa_bridge_t *b, int code, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(b ? b->error : init_error, ERR_LEN, fmt, ap);
    va_end(ap);
    return code;
}

const char *deisa_last_error(const deisa_bridge_t *b) { return b ? b->error : init_error; }

/* Records the run's failure (mu held): the first one wins, every wait wakes up. */
static void set_failure(deisa_bridge_t *b, const char *fmt, ...) {
    if (!b->failure) {
        char msg[ERR_LEN];
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(msg, sizeof msg, fmt, ap);
        va_end(ap);
        b->failure = strdup(msg);
        fprintf(stderr, "[deisa] Bridge %d: %s\n", b->rank, msg);
    }
    pthread_cond_broadcast(&b->cv);
}

/* DEISA_ANALYTICS_FAILED with the run's failure, if any (mu held). */
static int check_failed(deisa_bridge_t *b) {
    if (b->failure) return fail_call(b, DEISA_ANALYTICS_FAILED, "%s", b->failure);
    return DEISA_OK;
}

static void cond_wait(deisa_bridge_t *b, double seconds) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    long long ns = ts.tv_nsec + (long long)(seconds * 1e9);
    ts.tv_sec += ns / 1000000000LL;
    ts.tv_nsec = ns % 1000000000LL;
    pthread_cond_timedwait(&b->cv, &b->mu, &ts);
}

static void wake_loop(deisa_bridge_t *b) {
    char c = 1;
    ssize_t rc = write(b->wake[1], &c, 1);
    (void)rc;
}

static void ctl_send(deisa_bridge_t *b, const void *frame, size_t n) {
    pthread_mutex_lock(&b->ctl_mu);
    if (b->ctl_fd >= 0) w_send_all(b->ctl_fd, frame, n);
    pthread_mutex_unlock(&b->ctl_mu);
}

static void ctl_send_text(deisa_bridge_t *b, uint8_t type, const char *text) {
    wbuf_t f = {0};
    size_t s = wb_begin_frame(&f, type);
    wb_raw(&f, text, strlen(text));
    wb_end_frame(&f, s);
    if (!f.oom) ctl_send(b, f.p, f.len);
    wb_free(&f);
}

/* ---------------------------------------------------------------- queue */

static void release_item(deisa_bridge_t *b, struct item *it) {
    if (it->kind == ITEM_CHUNK) {
        b->held -= it->data_len;
        struct array *a = &b->arrays[it->array];
        if (a->pooled < POOLED) a->pool[a->pooled++] = it->data;
        else free(it->data);
    }
    free(it);
}

static void pop_head(deisa_bridge_t *b) {
    struct item *it = b->q_head;
    b->q_head = it->next;
    if (!b->q_head) b->q_tail = NULL;
    release_item(b, it);
}

static void append(deisa_bridge_t *b, struct item *it) {
    it->next = NULL;
    it->born = w_now();
    if (b->q_tail) b->q_tail->next = it;
    else b->q_head = it;
    b->q_tail = it;
    if (!b->cursor) {
        b->cursor = it;
        b->wr_off = 0;
    }
}

static struct item *new_item(int kind, uint8_t frame_type, uint64_t seq, int64_t t) {
    struct item *it = calloc(1, sizeof *it);
    if (!it) return NULL;
    it->kind = kind;
    it->seq = seq;
    it->timestep = t;
    if (kind == ITEM_BEGIN) {
        le32(it->header, 9);
        it->header[4] = frame_type;
        le64(it->header + 5, (uint64_t)t);
        it->header_len = 13;
    } else if (kind == ITEM_END) {
        le32(it->header, 17);
        it->header[4] = frame_type;
        le64(it->header + 5, seq);
        le64(it->header + 13, (uint64_t)t);
        it->header_len = 21;
    }
    return it;
}

/* ---------------------------------------------------------------- loop: data endpoint */

static void close_data(deisa_bridge_t *b) {
    if (b->data_fd >= 0) close(b->data_fd);
    b->data_fd = -1;
    b->wr_off = 0;
    b->pre_off = b->pre.len = 0;
    b->ack_got = 0;
}

static void refuse_reader(int fd, const char *reason) {
    wbuf_t f = {0};
    size_t s = wb_begin_frame(&f, F_ERROR);
    wb_raw(&f, reason, strlen(reason));
    wb_end_frame(&f, s);
    if (!f.oom) send(fd, f.p, f.len, MSG_NOSIGNAL | MSG_DONTWAIT);
    wb_free(&f);
    close(fd);
}

static void subscribe(deisa_bridge_t *b, int fd, uint32_t bridge, uint64_t next, int64_t fence) {
    char reason[512];
    if ((int)bridge != b->rank) {
        snprintf(reason, sizeof reason, "this is bridge %d, not bridge %u", b->rank, bridge);
        refuse_reader(fd, reason);
        return;
    }
    if (b->has_fence && fence < b->fence) {
        snprintf(reason, sizeof reason,
                 "bridge %d is read by a newer reader attempt (fencing token %lld); this attempt's token %lld is stale",
                 b->rank, (long long)b->fence, (long long)fence);
        refuse_reader(fd, reason);
        return;
    }
    b->has_fence = 1;
    b->fence = fence;
    close_data(b);
    uint64_t oldest = b->q_head ? b->q_head->seq : b->next_seq;
    if (next < oldest) {
        snprintf(reason, sizeof reason, "bridge %d cannot replay chunks from sequence %llu: the oldest it still holds is %llu",
                 b->rank, (unsigned long long)next, (unsigned long long)oldest);
        set_failure(b, "Analytics lost chunks of bridge %d: %s", b->rank, reason);
        char text[700];
        snprintf(text, sizeof text, "Analytics lost chunks of bridge %d: %s", b->rank, reason);
        /* the head hears of it before the reader, so that this is the run's first failure;
           BRIDGE_FAILED goes out without mu: ctl_mu must not be taken under mu */
        pthread_mutex_unlock(&b->mu);
        ctl_send_text(b, F_BRIDGE_FAILED, text);
        pthread_mutex_lock(&b->mu);
        refuse_reader(fd, reason);
        return;
    }
    /* the checkpoint the reader was restored from covers what lies below next */
    while (b->q_head && b->q_head->kind != ITEM_END && b->q_head->seq < next) pop_head(b);
    b->cursor = b->q_head;
    b->wr_off = 0;
    int flags = fcntl(fd, F_GETFL, 0);
    fcntl(fd, F_SETFL, flags | O_NONBLOCK);
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    b->data_fd = fd;
    wb_clear(&b->pre);
    size_t s = wb_begin_frame(&b->pre, F_HELLO);
    wb_u32(&b->pre, W_MAGIC);
    wb_u16(&b->pre, W_VERSION);
    wb_u8(&b->pre, W_CHANNEL_DATA);
    wb_end_frame(&b->pre, s);
    wb_raw(&b->pre, b->schemas.p, b->schemas.len);
    b->pre_off = 0;
}

/* Reads what a new data connection sent; hands a complete HELLO + SUBSCRIBE to subscribe(). */
static void handshake_step(deisa_bridge_t *b, struct handshake *h) {
    ssize_t k = recv(h->fd, h->buf + h->got, sizeof h->buf - h->got, MSG_DONTWAIT);
    if (k <= 0) {
        if (k < 0 && (errno == EAGAIN || errno == EINTR)) return;
        close(h->fd);
        h->fd = -1;
        return;
    }
    h->got += (size_t)k;
    if (h->got < 5) return;
    uint32_t hello_len = ld32(h->buf);
    if (h->buf[4] != F_HELLO || hello_len < 8 || hello_len > 64) {
        close(h->fd);
        h->fd = -1;
        return;
    }
    if (h->got < 4 + hello_len) return;
    if (ld32(h->buf + 5) != W_MAGIC || (h->buf[9] | h->buf[10] << 8) != W_VERSION) {
        close(h->fd);
        h->fd = -1;
        return;
    }
    int channel = h->buf[11];
    if (channel != W_CHANNEL_DATA) {
        char reason[512];
        if (channel == W_CHANNEL_CONTROL)
            snprintf(reason, sizeof reason, "this is the data endpoint of bridge %d (port %d), not the analytics head: "
                     "check the head address (deisa_bridge_init's head / DEISA_HEAD)", b->rank, b->data_port);
        else
            snprintf(reason, sizeof reason, "not a channel %d endpoint", channel);
        refuse_reader(h->fd, reason);
        h->fd = -1;
        return;
    }
    size_t at = 4 + hello_len;
    if (h->got < at + 5) return;
    if (ld32(h->buf + at) != 21 || h->buf[at + 4] != F_SUBSCRIBE) {
        close(h->fd);
        h->fd = -1;
        return;
    }
    if (h->got < at + 25) return;
    int fd = h->fd;
    h->fd = -1;
    subscribe(b, fd, ld32(h->buf + at + 5), ld64(h->buf + at + 9), (int64_t)ld64(h->buf + at + 17));
}

static void item_written(deisa_bridge_t *b) {
    struct item *it = b->cursor;
    if (it->kind == ITEM_CHUNK && (int64_t)it->seq > b->written_seq) b->written_seq = (int64_t)it->seq;
    b->cursor = it->next;
    b->wr_off = 0;
    if (!b->replay && it->kind != ITEM_END) {
        /* without replay the queue holds only what is not written yet: it is the head */
        pop_head(b);
    }
    pthread_cond_broadcast(&b->cv);
}

/* Writes what the reader may take now, without blocking. */
static void write_some(deisa_bridge_t *b) {
    while (b->data_fd >= 0) {
        ssize_t k;
        if (b->pre_off < b->pre.len) {
            k = send(b->data_fd, b->pre.p + b->pre_off, b->pre.len - b->pre_off, MSG_NOSIGNAL | MSG_DONTWAIT);
            if (k > 0) { b->pre_off += (size_t)k; continue; }
        } else if (b->cursor) {
            struct item *it = b->cursor;
            size_t total = it->header_len + it->data_len;
            struct iovec iov[2];
            int n = 0;
            if (b->wr_off < it->header_len) {
                iov[n].iov_base = it->header + b->wr_off;
                iov[n++].iov_len = it->header_len - b->wr_off;
                if (it->data_len) { iov[n].iov_base = it->data; iov[n++].iov_len = it->data_len; }
            } else {
                iov[n].iov_base = it->data + (b->wr_off - it->header_len);
                iov[n++].iov_len = total - b->wr_off;
            }
            struct msghdr m;
            memset(&m, 0, sizeof m);
            m.msg_iov = iov;
            m.msg_iovlen = (size_t)n;
            k = sendmsg(b->data_fd, &m, MSG_NOSIGNAL | MSG_DONTWAIT);
            if (k > 0) {
                b->wr_off += (size_t)k;
                if (b->wr_off == total) item_written(b);
                continue;
            }
        } else {
            return;
        }
        if (k < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) return;
        /* the reader went away: what was not written stays queued for the next subscription */
        close_data(b);
        return;
    }
}

static void read_acks(deisa_bridge_t *b) {
    ssize_t k = recv(b->data_fd, b->ack_buf + b->ack_got, sizeof b->ack_buf - b->ack_got, MSG_DONTWAIT);
    if (k == 0 || (k < 0 && errno != EAGAIN && errno != EINTR)) {
        close_data(b);
        return;
    }
    if (k < 0) return;
    b->ack_got += (size_t)k;
    while (b->ack_got >= 5) {
        uint32_t len = ld32(b->ack_buf);
        uint8_t type = b->ack_buf[4];
        if (!((type == F_ACK && len == 9) || (type == F_END_ACK && len == 1))) {
            close_data(b);
            return;
        }
        if (b->ack_got < 4 + len) return;
        if (type == F_ACK) {
            uint64_t ack = ld64(b->ack_buf + 5);
            while (b->q_head && b->q_head != b->cursor && b->q_head->kind != ITEM_END && b->q_head->seq < ack) pop_head(b);
        } else {
            b->end_acked = 1;
        }
        memmove(b->ack_buf, b->ack_buf + 4 + len, b->ack_got - 4 - len);
        b->ack_got -= 4 + len;
        pthread_cond_broadcast(&b->cv);
    }
}

/* ---------------------------------------------------------------- registration and rejoin */

enum { HS_OK, HS_RETRY, HS_FATAL, HS_REJECTED, HS_TIMEOUT };

/*
 * Connects to the head, sends HELLO and REGISTER (built by first_frame, once the local address is
 * known) or REJOIN, and reads the answer until deadline. HS_OK leaves the connected fd in *fd and
 * the REGISTERED payload in *reg (malloc'd).
 */
typedef void (*frame_builder)(deisa_bridge_t *b, int fd, wbuf_t *out);

static int handshake_head(deisa_bridge_t *b, frame_builder first_frame, int rejoining, double deadline, int *fd_out,
                          uint8_t **reg, uint32_t *reg_len, char *msg, size_t msg_len) {
    char err[512] = "no answer";
    int fd = -1;
    while (fd < 0) {
        double left = deadline - w_now();
        if (left <= 0) {
            snprintf(msg, msg_len, "Bridge %d could not reach the analytics head at %s within the connect timeout of %.1f s (last error: %s). "
                     "Is the analytics job running, and is DEISA_HEAD / deisa_bridge_init's head right?", b->rank, b->head, b->timeout, err);
            return HS_TIMEOUT;
        }
        fd = w_connect(b->head_host, b->head_port, left < 10 ? left : 10, err, sizeof err);
        if (fd < 0) {
            double pause = deadline - w_now();
            if (pause > RETRY_SECONDS) pause = RETRY_SECONDS;
            if (pause > 0) usleep((useconds_t)(pause * 1e6));
        }
    }
    wbuf_t out = {0};
    size_t s = wb_begin_frame(&out, F_HELLO);
    wb_u32(&out, W_MAGIC);
    wb_u16(&out, W_VERSION);
    wb_u8(&out, W_CHANNEL_CONTROL);
    wb_end_frame(&out, s);
    first_frame(b, fd, &out);
    int sent = out.oom ? -1 : w_send_all(fd, out.p, out.len);
    wb_free(&out);
    const char *doing = rejoining ? "rejoining" : "registering";
    if (sent != 0) {
        snprintf(msg, msg_len, "Bridge %d lost its connection to the analytics head at %s while %s (%s; the analytics job may be restarting)",
                 b->rank, b->head, doing, strerror(errno));
        close(fd);
        return HS_RETRY;
    }
    for (int frame = 0; frame < 2; frame++) {
        uint8_t type, *payload = NULL;
        uint32_t len;
        int rc = w_read_frame(fd, deadline, W_MAX_CONTROL_FRAME, &type, &payload, &len, err, sizeof err);
        if (rc == 1) {
            snprintf(msg, msg_len, "The analytics head at %s closed the connection while bridge %d was %s (the analytics job may be restarting)",
                     b->head, b->rank, doing);
            close(fd);
            return HS_RETRY;
        }
        if (rc < 0) {
            int code = errno == ETIMEDOUT ? HS_TIMEOUT : errno == EPROTO ? HS_FATAL : HS_RETRY;
            if (code == HS_TIMEOUT) {
                snprintf(msg, msg_len, "Bridge %d %s at %s but got no answer, or not every bridge of world size %d registered, within the connect timeout of %.1f s",
                         b->rank, rejoining ? "rejoined" : "registered", b->head, b->size, b->timeout);
                /* the head learns why this bridge leaves, rather than seeing it vanish (4.6) */
                char reason[ERR_LEN + 64];
                snprintf(reason, sizeof reason, "bridge %d gave up while joining the run: %s", b->rank, msg);
                wbuf_t f = {0};
                size_t start = wb_begin_frame(&f, F_ABORT);
                wb_raw(&f, reason, strlen(reason));
                wb_end_frame(&f, start);
                if (!f.oom) send(fd, f.p, f.len, MSG_NOSIGNAL | MSG_DONTWAIT);
                wb_free(&f);
            }
            else
                snprintf(msg, msg_len, "Bridge %d lost its connection to the analytics head at %s while %s (%s)",
                         b->rank, b->head, doing, err);
            close(fd);
            return code;
        }
        int code = HS_FATAL;
        if (frame == 0) {
            if (type == F_HELLO && len >= 7 && ld32(payload) == W_MAGIC && (payload[4] | payload[5] << 8) == W_VERSION
                && payload[6] == W_CHANNEL_CONTROL) {
                free(payload);
                continue;
            }
            if (type == F_ERROR)
                snprintf(msg, msg_len, "The analytics head at %s refused bridge %d: %.*s", b->head, b->rank, (int)len, payload);
            else if (type == F_HELLO && len >= 7 && ld32(payload) == W_MAGIC)
                snprintf(msg, msg_len, "Bridge %d could not register at %s: analytics head at %s speaks protocol version %d, this side speaks %d",
                         b->rank, b->head, b->head, payload[4] | payload[5] << 8, W_VERSION);
            else
                snprintf(msg, msg_len, "Bridge %d could not register at %s: it is not a deisa analytics head (first frame type 0x%02x)",
                         b->rank, b->head, type);
        } else if (type == F_REGISTERED) {
            *fd_out = fd;
            *reg = payload;
            *reg_len = len;
            return HS_OK;
        } else if (type == F_REJECTED) {
            snprintf(msg, msg_len, "%.*s", (int)len, payload);
            code = HS_REJECTED;
        } else if (type == F_REFUSED && len >= 1) {
            snprintf(msg, msg_len, "The analytics head at %s refused bridge %d: %.*s", b->head, b->rank, (int)len - 1, payload + 1);
            code = payload[0] ? HS_RETRY : HS_FATAL;
        } else if (type == F_JOB_FAILED || type == F_ERROR) {
            snprintf(msg, msg_len, "The analytics head at %s refused bridge %d: %.*s", b->head, b->rank, (int)len, payload);
        } else {
            snprintf(msg, msg_len, "Unexpected frame of type 0x%02x from the analytics head at %s", type, b->head);
        }
        free(payload);
        close(fd);
        return code;
    }
    close(fd);
    return HS_FATAL;
}

static void hostname_of(char *out, size_t n) {
    if (gethostname(out, n) != 0) snprintf(out, n, "localhost");
    out[n - 1] = 0;
}

static void build_register(deisa_bridge_t *b, int fd, wbuf_t *out) {
    struct sockaddr_storage local;
    socklen_t len = sizeof local;
    char host[INET6_ADDRSTRLEN] = "127.0.0.1";
    if (getsockname(fd, (struct sockaddr *)&local, &len) == 0) {
        if (local.ss_family == AF_INET)
            inet_ntop(AF_INET, &((struct sockaddr_in *)&local)->sin_addr, host, sizeof host);
        else if (local.ss_family == AF_INET6)
            inet_ntop(AF_INET6, &((struct sockaddr_in6 *)&local)->sin6_addr, host, sizeof host);
    }
    char name[256];
    hostname_of(name, sizeof name);
    wbuf_t *r = &b->registration;
    wb_clear(r);
    wb_u32(r, (uint32_t)b->rank);
    wb_u32(r, (uint32_t)b->size);
    wb_str(r, b->simulation_id);
    wb_str(r, host);
    wb_u32(r, (uint32_t)b->data_port);
    wb_str(r, name);
    wb_u32(r, (uint32_t)b->n_arrays);
    for (int i = 0; i < b->n_arrays; i++) {
        struct array *a = &b->arrays[i];
        wb_str(r, a->name);
        wb_str(r, DTYPE_NAMES[a->dtype]);
        wb_ints(r, a->shape, a->ndim);
        wb_ints(r, a->grid, a->ndim);
        wb_ints(r, a->position, a->ndim);
        wb_u32(r, (uint32_t)a->chunks_of_node);
    }
    size_t s = wb_begin_frame(out, F_REGISTER);
    wb_raw(out, r->p, r->len);
    wb_end_frame(out, s);
}

static __thread int rejoin_sent_closed;

static void build_rejoin(deisa_bridge_t *b, int fd, wbuf_t *out) {
    (void)fd;
    pthread_mutex_lock(&b->mu);
    int closed = b->closed_sent;
    rejoin_sent_closed = closed;
    int64_t progress = b->progress;
    pthread_mutex_unlock(&b->mu);
    size_t s = wb_begin_frame(out, F_REJOIN);
    wb_str(out, b->run_id);
    wb_u8(out, (uint8_t)closed);
    wb_i64(out, progress);
    wb_raw(out, b->registration.p, b->registration.len);
    wb_end_frame(out, s);
}

/*
 * Rejoins a restored head of the run (REJOIN, docs/PROTOCOL.md 4.7) on its own thread, so that the
 * loop keeps serving the job's readers meanwhile; gives up after the connect timeout.
 */
static void *rejoin_main(void *arg) {
    deisa_bridge_t *b = arg;
    char last[ERR_LEN] = "";
    double deadline = w_now() + b->timeout;
    int done = 0;
    int answered = 0;   /* a head answered for good (JOB_FAILED, a refusal without retry) */
    while (!done && w_now() < deadline && !b->stop) {
        int fd = -1;
        uint8_t *reg = NULL;
        uint32_t reg_len = 0;
        int rc = handshake_head(b, build_rejoin, 1, deadline, &fd, &reg, &reg_len, last, sizeof last);
        if (rc == HS_OK) {
            free(reg);
            pthread_mutex_lock(&b->ctl_mu);
            pthread_mutex_lock(&b->mu);
            int old = b->ctl_fd;
            b->ctl_fd = fd;
            /* the new connection has seen none of the GETs: ask the pending one again */
            b->gets_sent = b->replies_seen = 0;
            int get_pending = b->get_pending;
            wbuf_t get = {0};
            if (get_pending) {
                wb_raw(&get, b->get_frame.p, b->get_frame.len);
                b->awaited_reply = 1;
                b->gets_sent = 1;
            }
            /* CLOSE again only if it was sent after the REJOIN said "not closed" */
            int close_again = b->closed_sent && !rejoin_sent_closed;
            int64_t closed_at = b->closed_at;
            b->ctl_done = 0;
            b->rejoining = 0;   /* with the swap: a GET or CLOSE from now on goes out on fd */
            pthread_mutex_unlock(&b->mu);
            if (old >= 0) close(old);
            if (get_pending && !get.oom) w_send_all(fd, get.p, get.len);
            wb_free(&get);
            if (close_again) {
                uint8_t f[13];
                le32(f, 9);
                f[4] = F_CLOSE;
                le64(f + 5, (uint64_t)closed_at);
                w_send_all(fd, f, sizeof f);
            }
            pthread_mutex_unlock(&b->ctl_mu);
            fprintf(stderr, "[deisa] Bridge %d rejoined run %s at %s\n", b->rank, b->run_id, b->head);
            done = 1;
        } else if (rc == HS_RETRY || rc == HS_TIMEOUT) {
            usleep(100000);
        } else {
            answered = 1;
            break;
        }
    }
    pthread_mutex_lock(&b->mu);
    if (!done && !b->stop && answered)
        set_failure(b, "Bridge %d lost the analytics head at %s (%s) and could not rejoin run %s: %s",
                    b->rank, b->head, b->lost_cause, b->run_id, last);
    else if (!done && !b->stop)
        set_failure(b, "Bridge %d lost the analytics head at %s (%s) and no head of run %s took it back within the connect timeout of %.1f s%s%s",
                    b->rank, b->head, b->lost_cause, b->run_id, b->timeout, last[0] ? "; last: " : "", last);
    if (!done) b->rejoining = 0;
    pthread_cond_broadcast(&b->cv);
    pthread_mutex_unlock(&b->mu);
    wake_loop(b);
    return NULL;
}

/* The control connection dropped before FINAL (called by the loop with mu held). */
static void head_lost(deisa_bridge_t *b, const char *cause) {
    b->ctl_done = 1;   /* the loop stops reading it; a rejoin hands over a new one */
    if (b->final || b->failure || b->stop || b->rejoining) return;
    if (!b->replay) {
        set_failure(b, "Bridge %d lost its connection to the analytics head at %s: the analytics job ended or failed (%s)",
                    b->rank, b->head, cause);
        return;
    }
    fprintf(stderr, "[deisa] Bridge %d lost the analytics head at %s (%s); rejoining run %s\n", b->rank, b->head, cause, b->run_id);
    snprintf(b->lost_cause, sizeof b->lost_cause, "%s", cause);
    pthread_t thread;
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    b->rejoining = 1;
    if (pthread_create(&thread, &attr, rejoin_main, b) != 0) {
        b->rejoining = 0;
        set_failure(b, "Bridge %d lost the analytics head at %s (%s) and could not start rejoining it", b->rank, b->head, cause);
    }
    pthread_attr_destroy(&attr);
}

/* ---------------------------------------------------------------- loop: control channel */

/* Handles one frame from the head (mu held); 0 when the control channel is done. */
static int head_frame(deisa_bridge_t *b, uint8_t type, const uint8_t *p, uint32_t len) {
    if (type == F_PROGRESS && len == 8) {
        int64_t t = (int64_t)ld64(p);
        if (t > b->progress) b->progress = t;
        pthread_cond_broadcast(&b->cv);
    } else if (type == F_FEEDBACK_REPLY) {
        /* replies come in the order of the GETs; one for a GET given up on is dropped */
        b->replies_seen++;
        if (b->get_pending && b->replies_seen == b->awaited_reply) {
            free(b->reply);
            b->reply = malloc(len ? len : 1);
            if (!b->reply) {
                set_failure(b, "Bridge %d: out of memory for a feedback reply of %u bytes", b->rank, len);
                return 0;
            }
            memcpy(b->reply, p, len);
            b->reply_len = len;
            b->reply_ready = 1;
            b->get_pending = 0;
            pthread_cond_broadcast(&b->cv);
        }
    } else if (type == F_FINAL) {
        free(b->final_table);
        b->final_table = malloc(len ? len : 1);
        if (!b->final_table) {
            set_failure(b, "Bridge %d: out of memory for the final feedback table of %u bytes", b->rank, len);
            return 0;
        }
        memcpy(b->final_table, p, len);
        b->final_len = len;
        b->final = 1;
        b->progress = INT64_MAX;
        pthread_cond_broadcast(&b->cv);
        return 0;
    } else if (type == F_JOB_FAILED) {
        set_failure(b, "The analytics job failed: %.*s", (int)len, (const char *)p);
        return 0;
    }
    return 1;
}

static void *loop_main(void *arg) {
    deisa_bridge_t *b = arg;
    wbuf_t in = {0};
    pthread_mutex_lock(&b->mu);
    while (!b->stop) {
        struct pollfd fds[4 + HANDSHAKES];
        int n = 0, i_listen, i_data = -1, i_ctl = -1, i_hs[HANDSHAKES];
        fds[n++] = (struct pollfd){b->wake[0], POLLIN, 0};
        i_listen = n;
        fds[n++] = (struct pollfd){b->listen_fd, POLLIN, 0};
        for (int i = 0; i < HANDSHAKES; i++) {
            i_hs[i] = -1;
            if (b->hs[i].fd >= 0) {
                i_hs[i] = n;
                fds[n++] = (struct pollfd){b->hs[i].fd, POLLIN, 0};
            }
        }
        if (b->data_fd >= 0) {
            i_data = n;
            short ev = POLLIN;
            if (b->pre_off < b->pre.len || b->cursor) ev |= POLLOUT;
            fds[n++] = (struct pollfd){b->data_fd, ev, 0};
        }
        int ctl_fd = b->ctl_fd;
        if (ctl_fd >= 0 && !b->ctl_done) {
            i_ctl = n;
            fds[n++] = (struct pollfd){ctl_fd, POLLIN, 0};
        }
        pthread_mutex_unlock(&b->mu);
        int rc = poll(fds, (nfds_t)n, 200);
        pthread_mutex_lock(&b->mu);
        if (rc < 0) continue;
        if (fds[0].revents) {
            char drain[64];
            while (read(b->wake[0], drain, sizeof drain) > 0) {}
        }
        if (fds[i_listen].revents & POLLIN) {
            int fd = accept4(b->listen_fd, NULL, NULL, SOCK_CLOEXEC);
            if (fd >= 0) {
                int slot = -1;
                for (int i = 0; i < HANDSHAKES && slot < 0; i++) if (b->hs[i].fd < 0) slot = i;
                if (slot < 0) close(fd);
                else b->hs[slot] = (struct handshake){fd, {0}, 0, w_now() + HANDSHAKE_SECONDS};
            }
        }
        for (int i = 0; i < HANDSHAKES; i++) {
            if (i_hs[i] >= 0 && fds[i_hs[i]].revents && b->hs[i].fd >= 0) handshake_step(b, &b->hs[i]);
            if (b->hs[i].fd >= 0 && w_now() > b->hs[i].deadline) {
                close(b->hs[i].fd);
                b->hs[i].fd = -1;
            }
        }
        if (i_data >= 0 && b->data_fd >= 0 && fds[i_data].revents) {
            if (fds[i_data].revents & (POLLIN | POLLHUP | POLLERR)) read_acks(b);
        }
        if (b->data_fd >= 0) write_some(b);
        if (i_ctl >= 0 && fds[i_ctl].revents && b->ctl_fd == ctl_fd) {
            uint8_t chunk[65536];
            ssize_t k = recv(ctl_fd, chunk, sizeof chunk, MSG_DONTWAIT);
            if (k > 0) {
                wb_raw(&in, chunk, (size_t)k);
                size_t at = 0;
                int go_on = 1;
                while (go_on && in.len - at >= 5) {
                    uint32_t len = ld32(in.p + at);
                    if (len < 1 || len > W_MAX_CONTROL_FRAME) {
                        set_failure(b, "Bridge %d: the analytics head at %s broke the protocol: frame length %u", b->rank, b->head, len);
                        b->ctl_done = 1;
                        go_on = 0;
                        break;
                    }
                    if (in.len - at < 4 + (size_t)len) break;
                    go_on = head_frame(b, in.p[at + 4], in.p + at + 5, len - 1);
                    at += 4 + len;
                    if (!go_on) b->ctl_done = 1;
                }
                memmove(in.p, in.p + at, in.len - at);
                in.len -= at;
            } else if (k == 0 || (errno != EAGAIN && errno != EINTR)) {
                char cause[256];
                snprintf(cause, sizeof cause, "%s", k == 0 ? "connection closed" : strerror(errno));
                wb_clear(&in);
                head_lost(b, cause);
            }
        }
    }
    pthread_mutex_unlock(&b->mu);
    wb_free(&in);
    return NULL;
}

/* ---------------------------------------------------------------- init */

static int parse_head(const char *head, char *host, size_t host_len, int *port) {
    const char *colon = strrchr(head, ':');
    if (!colon || colon == head || (size_t)(colon - head) >= host_len) return -1;
    char *end;
    long p = strtol(colon + 1, &end, 10);
    if (*end || p <= 0 || p > 65535) return -1;
    memcpy(host, head, (size_t)(colon - head));
    host[colon - head] = 0;
    *port = (int)p;
    return 0;
}

static void free_bridge(deisa_bridge_t *b) {
    if (!b) return;
    if (b->thread_started) {
        pthread_mutex_lock(&b->mu);
        b->stop = 1;
        pthread_mutex_unlock(&b->mu);
        wake_loop(b);
        pthread_join(b->thread, NULL);
        /* a rejoin in progress ends at its next step once it sees stop */
        pthread_mutex_lock(&b->mu);
        while (b->rejoining) cond_wait(b, 0.2);
        pthread_mutex_unlock(&b->mu);
    }
    if (b->ctl_fd >= 0) close(b->ctl_fd);
    if (b->listen_fd >= 0) close(b->listen_fd);
    if (b->data_fd >= 0) close(b->data_fd);
    for (int i = 0; i < HANDSHAKES; i++) if (b->hs[i].fd >= 0) close(b->hs[i].fd);
    if (b->wake[0] >= 0) close(b->wake[0]);
    if (b->wake[1] >= 0) close(b->wake[1]);
    while (b->q_head) pop_head(b);
    for (int i = 0; i < b->n_arrays; i++) {
        struct array *a = &b->arrays[i];
        free(a->name);
        free(a->shape);
        free(a->grid);
        free(a->position);
        for (int k = 0; k < a->pooled; k++) free(a->pool[k]);
    }
    free(b->arrays);
    wb_free(&b->registration);
    wb_free(&b->get_frame);
    wb_free(&b->pre);
    wb_free(&b->schemas);
    free(b->reply);
    free(b->final_table);
    free(b->failure);
    free(b->collective_failure);
    free(b->recent);
    if (b->comm != MPI_COMM_NULL) MPI_Comm_free(&b->comm);
    pthread_mutex_destroy(&b->mu);
    pthread_mutex_destroy(&b->ctl_mu);
    pthread_cond_destroy(&b->cv);
    free(b);
}

static int copy_ints(const int *src, int n, int **dst) {
    *dst = malloc(sizeof(int) * (size_t)n);
    if (!*dst) return -1;
    memcpy(*dst, src, sizeof(int) * (size_t)n);
    return 0;
}

static void format_ints(char *out, size_t n, const int *v, int k) {
    size_t at = (size_t)snprintf(out, n, "[");
    for (int i = 0; i < k && at < n; i++) at += (size_t)snprintf(out + at, n - at, i ? ", %d" : "%d", v[i]);
    if (at < n) snprintf(out + at, n - at, "]");
}

/* Validates and copies the arrays (DEISA_INVALID_ARGUMENT naming the field). */
static int take_arrays(deisa_bridge_t *b, int n_arrays, const deisa_array_t *arrays) {
    b->arrays = calloc((size_t)n_arrays, sizeof *b->arrays);
    if (!b->arrays) return fail_call(NULL, DEISA_INVALID_ARGUMENT, "Bridge %d: out of memory", b->rank);
    b->n_arrays = n_arrays;
    for (int i = 0; i < n_arrays; i++) {
        const deisa_array_t *in = &arrays[i];
        struct array *a = &b->arrays[i];
        if (!in->name || !in->name[0])
            return fail_call(NULL, DEISA_INVALID_ARGUMENT, "Bridge %d: array %d has no name", b->rank, i);
        for (int j = 0; j < i; j++)
            if (strcmp(b->arrays[j].name, in->name) == 0)
                return fail_call(NULL, DEISA_INVALID_ARGUMENT, "Bridge %d: array '%s' is declared twice", b->rank, in->name);
        a->name = strdup(in->name);
        if (!a->name) return fail_call(NULL, DEISA_INVALID_ARGUMENT, "Bridge %d: out of memory", b->rank);
        if (in->ndim < 1 || in->ndim > 32)
            return fail_call(NULL, DEISA_INVALID_ARGUMENT, "Bridge %d: array '%s': ndim must be in [1, 32], got %d",
                             b->rank, in->name, in->ndim);
        if (!in->chunk_shape || !in->chunks_per_dim || !in->chunk_position)
            return fail_call(NULL, DEISA_INVALID_ARGUMENT, "Bridge %d: array '%s': chunk_shape, chunks_per_dim and chunk_position are required",
                             b->rank, in->name);
        if ((unsigned)in->dtype > DEISA_FLOAT64)
            return fail_call(NULL, DEISA_INVALID_ARGUMENT, "Bridge %d: array '%s': dtype %d is not a deisa_dtype_t",
                             b->rank, in->name, (int)in->dtype);
        a->ndim = in->ndim;
        a->dtype = in->dtype;
        a->chunks_of_node = in->chunks_of_node == 0 ? 1 : in->chunks_of_node;
        if (a->chunks_of_node < 1)
            return fail_call(NULL, DEISA_INVALID_ARGUMENT, "Bridge %d: array '%s': chunks_of_node must be >= 1, got %d",
                             b->rank, in->name, in->chunks_of_node);
        if (copy_ints(in->chunk_shape, in->ndim, &a->shape) || copy_ints(in->chunks_per_dim, in->ndim, &a->grid)
            || copy_ints(in->chunk_position, in->ndim, &a->position))
            return fail_call(NULL, DEISA_INVALID_ARGUMENT, "Bridge %d: out of memory", b->rank);
        long long elements = 1;
        for (int d = 0; d < in->ndim; d++) {
            char s1[256], s2[256], s3[256];
            format_ints(s1, sizeof s1, a->shape, a->ndim);
            format_ints(s2, sizeof s2, a->grid, a->ndim);
            format_ints(s3, sizeof s3, a->position, a->ndim);
            if (a->shape[d] <= 0 || a->grid[d] <= 0)
                return fail_call(NULL, DEISA_INVALID_ARGUMENT, "Bridge %d: array '%s': every entry of chunk_shape %s and chunks_per_dim %s must be > 0",
                                 b->rank, in->name, s1, s2);
            if (a->position[d] < 0 || a->position[d] >= a->grid[d])
                return fail_call(NULL, DEISA_INVALID_ARGUMENT, "Bridge %d: array '%s': chunk_position %s is outside the grid %s",
                                 b->rank, in->name, s3, s2);
            elements *= a->shape[d];
            if ((unsigned long long)elements * (unsigned)DTYPE_SIZES[a->dtype] > MAX_CHUNK_BYTES)
                return fail_call(NULL, DEISA_INVALID_ARGUMENT, "Bridge %d: array '%s': a chunk of shape %s is larger than the %llu bytes one frame carries",
                                 b->rank, in->name, s1, MAX_CHUNK_BYTES);
        }
        a->elements = elements;
        a->nbytes = (size_t)elements * (size_t)DTYPE_SIZES[a->dtype];
    }
    return DEISA_OK;
}

static int init_local(deisa_bridge_t *b, const char *head, int n_arrays, const deisa_array_t *arrays) {
    if (n_arrays < 1 || !arrays)
        return fail_call(NULL, DEISA_INVALID_ARGUMENT, "Bridge %d declares no array (n_arrays %d)", b->rank, n_arrays);
    if (n_arrays > 65535)
        return fail_call(NULL, DEISA_INVALID_ARGUMENT, "Bridge %d declares %d arrays, at most 65535", b->rank, n_arrays);
    int rc = take_arrays(b, n_arrays, arrays);
    if (rc) return rc;
    if (!head || !head[0]) head = getenv("DEISA_HEAD");
    if (!head || !head[0]) head = "127.0.0.1:29600";
    snprintf(b->head, sizeof b->head, "%s", head);
    if (parse_head(head, b->head_host, sizeof b->head_host, &b->head_port))
        return fail_call(NULL, DEISA_INVALID_ARGUMENT, "Bridge %d: head '%s' is not host:port", b->rank, head);
    const char *bound = getenv("DEISA_BRIDGE_BUFFER_BYTES");
    b->bound = DEFAULT_BUFFER_BYTES;
    if (bound && bound[0]) {
        char *end;
        unsigned long long v = strtoull(bound, &end, 10);
        if (*end || v == 0)
            return fail_call(NULL, DEISA_INVALID_ARGUMENT, "DEISA_BRIDGE_BUFFER_BYTES must be a positive number of bytes, got '%s'", bound);
        b->bound = v;
    }
    /* the data endpoint, on every interface and an ephemeral port */
    b->listen_fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    struct sockaddr_in addr;
    memset(&addr, 0, sizeof addr);
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_ANY);
    socklen_t alen = sizeof addr;
    if (b->listen_fd < 0 || bind(b->listen_fd, (struct sockaddr *)&addr, sizeof addr) || listen(b->listen_fd, 16)
        || getsockname(b->listen_fd, (struct sockaddr *)&addr, &alen))
        return fail_call(NULL, DEISA_ANALYTICS_FAILED, "Bridge %d could not open its data endpoint: %s", b->rank, strerror(errno));
    b->data_port = ntohs(addr.sin_port);
    for (int i = 0; i < b->n_arrays; i++) {
        struct array *a = &b->arrays[i];
        size_t s = wb_begin_frame(&b->schemas, F_SCHEMA);
        wb_u16(&b->schemas, (uint16_t)i);
        wb_str(&b->schemas, a->name);
        wb_str(&b->schemas, DTYPE_NAMES[a->dtype]);
        wb_ints(&b->schemas, a->shape, a->ndim);
        wb_ints(&b->schemas, a->grid, a->ndim);
        wb_ints(&b->schemas, a->position, a->ndim);
        wb_u32(&b->schemas, (uint32_t)a->chunks_of_node);
        wb_end_frame(&b->schemas, s);
    }
    if (pipe2(b->wake, O_NONBLOCK | O_CLOEXEC))
        return fail_call(NULL, DEISA_ANALYTICS_FAILED, "Bridge %d: pipe: %s", b->rank, strerror(errno));
    /* register, retrying a refusal that allows it until the connect timeout */
    double deadline = w_now() + b->timeout;
    char msg[ERR_LEN], refusal[ERR_LEN] = "";
    while (1) {
        uint8_t *reg = NULL;
        uint32_t reg_len = 0;
        int fd = -1;
        int hs = handshake_head(b, build_register, 0, deadline, &fd, &reg, &reg_len, msg, sizeof msg);
        if (hs == HS_OK) {
            wrd_t r = {reg, reg_len, 0, 0};
            b->max_ahead = wr_u32(&r);
            uint32_t n;
            const uint8_t *run = wr_blob(&r, &n);
            snprintf(b->run_id, sizeof b->run_id, "%.*s", (int)n, run ? (const char *)run : "");
            b->replay = wr_u8(&r) != 0;
            int bad = r.bad;
            free(reg);
            if (bad) {
                close(fd);
                return fail_call(NULL, DEISA_ANALYTICS_FAILED, "Bridge %d could not register at %s: a malformed REGISTERED frame", b->rank, b->head);
            }
            b->ctl_fd = fd;
            return DEISA_OK;
        }
        if (hs == HS_REJECTED) return fail_call(NULL, DEISA_CONTRACT_ERROR, "%s", msg);
        if (hs == HS_FATAL) return fail_call(NULL, DEISA_ANALYTICS_FAILED, "%s", msg);
        if (hs == HS_RETRY) snprintf(refusal, sizeof refusal, "%s", msg);
        if (hs == HS_TIMEOUT || w_now() >= deadline) {
            if (refusal[0])
                return fail_call(NULL, DEISA_TIMEOUT, "Bridge %d could not join a run at %s within the connect timeout of %.1f s; the last answer was: %s",
                                 b->rank, b->head, b->timeout, refusal);
            return fail_call(NULL, DEISA_TIMEOUT, "%s", msg);
        }
        usleep((useconds_t)(RETRY_SECONDS * 1e6));
    }
}

int deisa_bridge_init(MPI_Comm comm, const char *head, int n_arrays, const deisa_array_t *arrays,
                      double connect_timeout_s, deisa_bridge_t **bridge) {
    if (!bridge) return fail_call(NULL, DEISA_INVALID_ARGUMENT, "deisa_bridge_init: bridge (the output) is NULL");
    *bridge = NULL;
    int initialized = 0;
    MPI_Initialized(&initialized);
    if (!initialized) return fail_call(NULL, DEISA_INVALID_ARGUMENT, "deisa_bridge_init: MPI is not initialized (call MPI_Init first)");
    if (comm == MPI_COMM_NULL) return fail_call(NULL, DEISA_INVALID_ARGUMENT, "deisa_bridge_init: comm is MPI_COMM_NULL");
    deisa_bridge_t *b = calloc(1, sizeof *b);
    if (!b) return fail_call(NULL, DEISA_INVALID_ARGUMENT, "deisa_bridge_init: out of memory");
    b->comm = MPI_COMM_NULL;
    b->ctl_fd = b->listen_fd = b->data_fd = -1;
    b->wake[0] = b->wake[1] = -1;
    for (int i = 0; i < HANDSHAKES; i++) b->hs[i].fd = -1;
    b->progress = INT64_MIN;
    b->written_seq = -1;
    pthread_mutex_init(&b->mu, NULL);
    pthread_mutex_init(&b->ctl_mu, NULL);
    pthread_cond_init(&b->cv, NULL);
    snprintf(b->error, ERR_LEN, "no error");
    if (MPI_Comm_dup(comm, &b->comm) != MPI_SUCCESS) {
        free_bridge(b);
        return fail_call(NULL, DEISA_INVALID_ARGUMENT, "deisa_bridge_init: MPI_Comm_dup failed");
    }
    MPI_Comm_rank(b->comm, &b->rank);
    MPI_Comm_size(b->comm, &b->size);
    b->timeout = connect_timeout_s > 0 ? connect_timeout_s : 120.0;
    /* bridge 0 names the simulation, so that a head never mixes two simulations in one run */
    char sim[16] = "";
    if (b->rank == 0) {
        unsigned seed = (unsigned)time(NULL) ^ (unsigned)getpid() ^ (unsigned)(uintptr_t)b;
        FILE *urandom = fopen("/dev/urandom", "rb");
        if (urandom) {
            if (fread(&seed, sizeof seed, 1, urandom) != 1) seed ^= (unsigned)clock();
            fclose(urandom);
        }
        snprintf(sim, sizeof sim, "%08x", seed);
    }
    MPI_Bcast(sim, sizeof sim, MPI_CHAR, 0, b->comm);
    snprintf(b->simulation_id, sizeof b->simulation_id, "%s", sim);
    int rc = init_local(b, head, n_arrays, arrays);
    int worst = rc;
    MPI_Allreduce(&rc, &worst, 1, MPI_INT, MPI_MAX, b->comm);
    if (rc == DEISA_OK && worst != DEISA_OK) {
        char reason[256];
        snprintf(reason, sizeof reason, "bridge %d gave up while joining the run: deisa_bridge_init failed on another rank", b->rank);
        ctl_send_text(b, F_ABORT, reason);
        rc = fail_call(NULL, worst, "Bridge %d: deisa_bridge_init failed on another rank (code %d)", b->rank, worst);
    } else if (rc != DEISA_OK && b->ctl_fd >= 0) {
        char reason[ERR_LEN + 64];
        snprintf(reason, sizeof reason, "bridge %d gave up while joining the run: %s", b->rank, init_error);
        ctl_send_text(b, F_ABORT, reason);
    }
    if (rc != DEISA_OK) {
        free_bridge(b);
        return rc;
    }
    b->collectives = 1;
    if (pthread_create(&b->thread, NULL, loop_main, b) != 0) {
        ctl_send_text(b, F_ABORT, "bridge could not start its thread");
        free_bridge(b);
        return fail_call(NULL, DEISA_ANALYTICS_FAILED, "Bridge: pthread_create failed");
    }
    b->thread_started = 1;
    fprintf(stderr, "[deisa] Bridge %d of %d joined run %s of simulation %s at %s (data port %d, may run %u timestep(s) ahead)\n",
            b->rank, b->size, b->run_id, b->simulation_id, b->head, b->data_port, b->max_ahead);
    *bridge = b;
    return DEISA_OK;
}

int deisa_bridge_init_f(MPI_Fint comm, const char *head, int n_arrays, const deisa_array_t *arrays,
                        double connect_timeout_s, deisa_bridge_t **bridge) {
    return deisa_bridge_init(MPI_Comm_f2c(comm), head, n_arrays, arrays, connect_timeout_s, bridge);
}

/* ---------------------------------------------------------------- send */

static int refused(deisa_bridge_t *b, const char *array, long long t, const char *fmt, ...) {
    char reason[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(reason, sizeof reason, fmt, ap);
    va_end(ap);
    return fail_call(b, DEISA_CONTRACT_ERROR, "Bridge %d cannot send array '%s' at timestep %lld: %s", b->rank,
                     array ? array : "(null)", t, reason);
}

static void report_stats(deisa_bridge_t *b) {
    double now = w_now();
    if (b->stats_sent && now - b->stats_at < STATS_INTERVAL) return;
    b->stats_sent = 1;
    b->stats_at = now;
    pthread_mutex_lock(&b->mu);
    unsigned long long retained = 0;
    for (struct item *it = b->q_head; it && it != b->cursor; it = it->next) retained += it->data_len;
    long long oldest = (b->q_head && b->q_head != b->cursor) ? (long long)((now - b->q_head->born) * 1000) : 0;
    pthread_mutex_unlock(&b->mu);
    uint8_t f[45];
    le32(f, 41);
    f[4] = F_STATS;
    le64(f + 5, (uint64_t)b->last_t);
    le64(f + 13, (uint64_t)(b->blocked_ns + b->progress_wait_ns));
    le64(f + 21, retained);
    le64(f + 29, (uint64_t)oldest);
    le64(f + 37, (uint64_t)b->retention_blocked_ns);
    ctl_send(b, f, sizeof f);
}

/* Blocks while the analytics lag more than max_ahead timesteps (docs/PROTOCOL.md 4.3). */
static int await_analytics(deisa_bridge_t *b, long long t) {
    long long bound = t - (long long)b->max_ahead - 1;
    int advanced = 0;
    while (b->recent_len && b->recent[b->recent_head].timestep <= bound) {
        b->awaited = b->recent[b->recent_head].timestep;
        b->has_awaited = 1;
        b->recent_head = (b->recent_head + 1) % b->recent_cap;
        b->recent_len--;
        advanced = 1;
    }
    if (advanced) b->awaited_last_seq = (int64_t)b->recent[b->recent_head].first_seq - 1;
    if (!b->has_awaited) return DEISA_OK;
    double start = w_now();
    pthread_mutex_lock(&b->mu);
    while (!b->failure && (b->progress < b->awaited || b->written_seq < b->awaited_last_seq)) cond_wait(b, 1.0);
    int rc = check_failed(b);
    pthread_mutex_unlock(&b->mu);
    b->progress_wait_ns += (long long)((w_now() - start) * 1e9);
    return rc;
}

static int push_recent(deisa_bridge_t *b, long long t, uint64_t seq) {
    if (b->recent_len == b->recent_cap) {
        size_t cap = b->recent_cap ? b->recent_cap * 2 : 16;
        struct started *r = malloc(cap * sizeof *r);
        if (!r) return -1;
        for (size_t i = 0; i < b->recent_len; i++) r[i] = b->recent[(b->recent_head + i) % b->recent_cap];
        free(b->recent);
        b->recent = r;
        b->recent_cap = cap;
        b->recent_head = 0;
    }
    b->recent[(b->recent_head + b->recent_len) % b->recent_cap] = (struct started){t, seq};
    b->recent_len++;
    return 0;
}

int deisa_send(deisa_bridge_t *b, const char *array_name, const void *chunk, long long n_elements,
               deisa_dtype_t dtype, long long timestep) {
    if (!b) return fail_call(NULL, DEISA_INVALID_ARGUMENT, "deisa_send: the bridge is NULL");
    if (b->run_closed) return refused(b, array_name, timestep, "the bridge is closed");
    pthread_mutex_lock(&b->mu);
    int rc = check_failed(b);
    pthread_mutex_unlock(&b->mu);
    if (rc) return rc;
    struct array *a = NULL;
    for (int i = 0; array_name && i < b->n_arrays && !a; i++) if (strcmp(b->arrays[i].name, array_name) == 0) a = &b->arrays[i];
    if (!a) {
        char names[1024];
        size_t at = (size_t)snprintf(names, sizeof names, "[");
        for (int i = 0; i < b->n_arrays && at < sizeof names; i++)
            at += (size_t)snprintf(names + at, sizeof names - at, i ? ", %s" : "%s", b->arrays[i].name);
        if (at < sizeof names) snprintf(names + at, sizeof names - at, "]");
        return refused(b, array_name, timestep, "the array was not declared (declared arrays: %s)", names);
    }
    if ((unsigned)dtype > DEISA_FLOAT64)
        return refused(b, array_name, timestep, "dtype %d is not a deisa_dtype_t", (int)dtype);
    if (dtype != a->dtype)
        return refused(b, array_name, timestep, "the array is declared as %s but a %s chunk was given", DTYPE_NAMES[a->dtype], DTYPE_NAMES[dtype]);
    if (!chunk) return refused(b, array_name, timestep, "the chunk is NULL");
    if (n_elements != a->elements) {
        char shape[256];
        format_ints(shape, sizeof shape, a->shape, a->ndim);
        return refused(b, array_name, timestep, "the chunk has %lld elements but the declared chunk shape %s holds %lld",
                       n_elements, shape, a->elements);
    }
    if (b->has_last_t && timestep < b->last_t)
        return refused(b, array_name, timestep, "timestep %lld is lower than timestep %lld sent earlier (timesteps of a bridge must not decrease)",
                       timestep, b->last_t);
    if (a->has_last && a->last == timestep)
        return refused(b, array_name, timestep, "this bridge already sent that array at that timestep");
    if (!b->has_last_t || timestep > b->last_t) {
        /* announced before waiting, so that the analytics can finish the previous timestep */
        struct item *begin = new_item(ITEM_BEGIN, F_BEGIN_TIMESTEP, 0, timestep);
        if (!begin || push_recent(b, timestep, b->next_seq)) {
            free(begin);
            return fail_call(b, DEISA_ANALYTICS_FAILED, "Bridge %d: out of memory", b->rank);
        }
        pthread_mutex_lock(&b->mu);
        begin->seq = b->next_seq;
        append(b, begin);
        pthread_mutex_unlock(&b->mu);
        wake_loop(b);
        b->has_last_t = 1;
        b->last_t = timestep;
        report_stats(b);
    }
    rc = await_analytics(b, timestep);
    if (rc) return rc;
    /* the buffer bound bites before the copy */
    pthread_mutex_lock(&b->mu);
    if (b->held > 0 && b->held + a->nbytes > b->bound) {
        int only_retained = b->cursor == NULL;
        double start = w_now();
        while (!b->failure && b->held > 0 && b->held + a->nbytes > b->bound) cond_wait(b, 1.0);
        long long waited = (long long)((w_now() - start) * 1e9);
        if (only_retained) b->retention_blocked_ns += waited;
        else b->blocked_ns += waited;
    }
    rc = check_failed(b);
    uint8_t *data = NULL;
    if (!rc && a->pooled > 0) data = a->pool[--a->pooled];
    pthread_mutex_unlock(&b->mu);
    if (rc) return rc;
    if (!data) data = malloc(a->nbytes);
    struct item *it = calloc(1, sizeof *it);
    if (!data || !it) {
        free(data);
        free(it);
        return fail_call(b, DEISA_ANALYTICS_FAILED, "Bridge %d cannot send array '%s' at timestep %lld: out of memory for %zu bytes",
                         b->rank, array_name, timestep, a->nbytes);
    }
    memcpy(data, chunk, a->nbytes);
    it->kind = ITEM_CHUNK;
    it->array = (int)(a - b->arrays);
    it->timestep = timestep;
    it->data = data;
    it->data_len = a->nbytes;
    it->header_len = 23;
    a->has_last = 1;
    a->last = timestep;
    pthread_mutex_lock(&b->mu);
    it->seq = b->next_seq++;
    le32(it->header, (uint32_t)(1 + 18 + a->nbytes));
    it->header[4] = F_CHUNK;
    le16(it->header + 5, (uint16_t)it->array);
    le64(it->header + 7, it->seq);
    le64(it->header + 15, (uint64_t)timestep);
    b->held += a->nbytes;
    append(b, it);
    pthread_mutex_unlock(&b->mu);
    wake_loop(b);
    return DEISA_OK;
}

/* ---------------------------------------------------------------- collectives */

static int collective(deisa_bridge_t *b, const char *call) {
    char numbered[CALL_LEN];
    snprintf(numbered, sizeof numbered, "%s #%lu", call, ++b->collectives);
    if (b->collective_failure)
        return fail_call(b, DEISA_CONTRACT_ERROR, "Bridge %d cannot call %s: an earlier collective failed: %s", b->rank,
                         numbered, b->collective_failure);
    char *all = malloc((size_t)CALL_LEN * (size_t)b->size);
    if (!all) return fail_call(b, DEISA_ANALYTICS_FAILED, "Bridge %d: out of memory", b->rank);
    char mine[CALL_LEN];
    memset(mine, 0, sizeof mine);
    snprintf(mine, sizeof mine, "%s", numbered);
    if (MPI_Allgather(mine, CALL_LEN, MPI_CHAR, all, CALL_LEN, MPI_CHAR, b->comm) != MPI_SUCCESS) {
        free(all);
        return fail_call(b, DEISA_ANALYTICS_FAILED, "Bridge %d: %s failed: MPI_Allgather failed", b->rank, numbered);
    }
    int rc = DEISA_OK;
    for (int r = 1; r < b->size; r++) {
        if (strncmp(all, all + (size_t)r * CALL_LEN, CALL_LEN) != 0) {
            char msg[3 * CALL_LEN];
            snprintf(msg, sizeof msg, "collective calls differ: rank 0 called %.*s but rank %d called %.*s", CALL_LEN, all, r,
                     CALL_LEN, all + (size_t)r * CALL_LEN);
            b->collective_failure = strdup(msg);
            rc = fail_call(b, DEISA_CONTRACT_ERROR, "Bridge %d: %s", b->rank, msg);
            break;
        }
    }
    free(all);
    return rc;
}

/* Reads one feedback value as a double (docs/PROTOCOL.md section 8, big-endian). */
static uint64_t be64(const uint8_t *p) {
    uint64_t v = 0;
    for (int i = 0; i < 8; i++) v = v << 8 | p[i];
    return v;
}

static int value_as_double(const uint8_t *v, uint32_t n, double *out, int *found, char *msg, size_t msg_len) {
    static const char *const TYPES[] = {"null", "boolean", "integer", "float", "string", "float64 array",
                                        "int64 array", "int32 array", "list", "map"};
    if (n < 2 || v[0] != 1) {
        snprintf(msg, msg_len, "a malformed feedback value");
        return DEISA_ANALYTICS_FAILED;
    }
    uint8_t tag = v[1];
    if (tag == 0x00 && n == 2) { *found = 0; return DEISA_OK; }
    if (tag == 0x01 && n == 3) { *out = v[2] ? 1.0 : 0.0; *found = 1; return DEISA_OK; }
    if (tag == 0x02 && n == 10) { *out = (double)(int64_t)be64(v + 2); *found = 1; return DEISA_OK; }
    if (tag == 0x03 && n == 10) {
        uint64_t bits = be64(v + 2);
        memcpy(out, &bits, 8);
        *found = 1;
        return DEISA_OK;
    }
    if (tag <= 0x09) {
        snprintf(msg, msg_len, "the value is a %s, not a number (deisa_get_double reads floats, integers and booleans)", TYPES[tag]);
        return DEISA_INVALID_ARGUMENT;
    }
    snprintf(msg, msg_len, "a feedback value of unknown tag 0x%02x", tag);
    return DEISA_ANALYTICS_FAILED;
}

/* Finds name at timestep in an entry list (FEEDBACK_REPLY or FINAL). */
static int find_entry(const uint8_t *p, uint32_t len, const char *name, long long t, double *value, int *found, char *msg, size_t msg_len) {
    wrd_t r = {p, len, 0, 0};
    uint32_t count = wr_u32(&r);
    *found = 0;
    for (uint32_t i = 0; i < count && !r.bad; i++) {
        uint32_t kn, vn;
        const uint8_t *key = wr_blob(&r, &kn);
        int64_t ts = wr_i64(&r);
        const uint8_t *val = wr_blob(&r, &vn);
        if (!r.bad && kn == strlen(name) && memcmp(key, name, kn) == 0 && ts == t)
            return value_as_double(val, vn, value, found, msg, msg_len);
    }
    if (r.bad) {
        snprintf(msg, msg_len, "a malformed feedback entry list from the analytics head");
        return DEISA_ANALYTICS_FAILED;
    }
    return DEISA_OK;
}

struct answer {
    int32_t rc;
    int32_t found;
    double value;
    char msg[1024];
};

static void ask_head(deisa_bridge_t *b, const char *name, long long t, struct answer *ans) {
    /* ctl_mu then mu: a rejoin cannot slip between registering the GET and sending it */
    pthread_mutex_lock(&b->ctl_mu);
    pthread_mutex_lock(&b->mu);
    if (b->failure) {
        ans->rc = DEISA_ANALYTICS_FAILED;
        snprintf(ans->msg, sizeof ans->msg, "%s", b->failure);
        pthread_mutex_unlock(&b->mu);
        pthread_mutex_unlock(&b->ctl_mu);
        return;
    }
    if (!b->final) {
        wb_clear(&b->get_frame);
        size_t s = wb_begin_frame(&b->get_frame, F_GET);
        wb_str(&b->get_frame, name);
        wb_u8(&b->get_frame, 0);
        wb_i64(&b->get_frame, t);
        wb_end_frame(&b->get_frame, s);
        b->get_pending = 1;
        b->reply_ready = 0;
        b->awaited_reply = ++b->gets_sent;
        /* while rejoining, the rejoin sends the pending GET on the new connection */
        int fd = b->rejoining ? -1 : b->ctl_fd;
        pthread_mutex_unlock(&b->mu);
        if (!b->get_frame.oom && fd >= 0) w_send_all(fd, b->get_frame.p, b->get_frame.len);
        pthread_mutex_unlock(&b->ctl_mu);
        pthread_mutex_lock(&b->mu);
        double deadline = w_now() + b->timeout;
        while (!b->reply_ready && !b->final && !b->failure && w_now() < deadline) cond_wait(b, 1.0);
    } else {
        pthread_mutex_unlock(&b->ctl_mu);   /* answered from FINAL's table: nothing to send */
    }
    if (b->reply_ready) {
        ans->rc = find_entry(b->reply, b->reply_len, name, t, &ans->value, &ans->found, ans->msg, sizeof ans->msg);
        b->reply_ready = 0;
    } else if (b->final) {
        b->get_pending = 0;
        ans->rc = find_entry(b->final_table, b->final_len, name, t, &ans->value, &ans->found, ans->msg, sizeof ans->msg);
    } else if (b->failure) {
        ans->rc = DEISA_ANALYTICS_FAILED;
        snprintf(ans->msg, sizeof ans->msg, "%s", b->failure);
    } else {
        b->get_pending = 0;   /* its reply, if it comes, is dropped by its number */
        ans->rc = DEISA_TIMEOUT;
        snprintf(ans->msg, sizeof ans->msg, "timed out after %.1f s waiting for feedback '%s' from the head at %s", b->timeout, name, b->head);
    }
    pthread_mutex_unlock(&b->mu);
}

int deisa_get_double(deisa_bridge_t *b, const char *name, long long timestep, double *value, int *found) {
    if (!b) return fail_call(NULL, DEISA_INVALID_ARGUMENT, "deisa_get_double: the bridge is NULL");
    if (!name || !value || !found)
        return fail_call(b, DEISA_INVALID_ARGUMENT, "Bridge %d: deisa_get_double needs a name, value and found", b->rank);
    char call[CALL_LEN];
    snprintf(call, sizeof call, "get(\"%.200s\", %lld)", name, timestep);
    int rc = collective(b, call);
    if (rc) return rc;
    struct answer ans;
    memset(&ans, 0, sizeof ans);
    if (b->rank == 0) ask_head(b, name, timestep, &ans);
    MPI_Bcast(&ans, sizeof ans, MPI_BYTE, 0, b->comm);
    if (ans.rc != DEISA_OK)
        return fail_call(b, ans.rc, "Bridge %d could not get feedback '%s' at timestep %lld: %s", b->rank, name, timestep, ans.msg);
    *found = ans.found;
    if (ans.found) *value = ans.value;
    return DEISA_OK;
}

/* ---------------------------------------------------------------- close and free */

int deisa_close(deisa_bridge_t *b, long long timestep) {
    if (!b) return fail_call(NULL, DEISA_INVALID_ARGUMENT, "deisa_close: the bridge is NULL");
    if (b->run_closed)
        return fail_call(b, DEISA_CONTRACT_ERROR, "Bridge %d cannot close the run at timestep %lld: the bridge is already closed",
                         b->rank, timestep);
    pthread_mutex_lock(&b->mu);
    int rc = check_failed(b);
    pthread_mutex_unlock(&b->mu);
    if (rc) return rc;
    char call[64];
    snprintf(call, sizeof call, "close(%lld)", timestep);
    rc = collective(b, call);
    if (rc) return rc;
    struct item *end = new_item(ITEM_END, F_END, 0, timestep);
    if (!end) return fail_call(b, DEISA_ANALYTICS_FAILED, "Bridge %d: out of memory", b->rank);
    uint8_t f[13];
    le32(f, 9);
    f[4] = F_CLOSE;
    le64(f + 5, (uint64_t)timestep);
    pthread_mutex_lock(&b->ctl_mu);
    pthread_mutex_lock(&b->mu);
    b->closed_sent = 1;
    b->closed_at = timestep;
    int fd = b->rejoining ? -1 : b->ctl_fd;
    pthread_mutex_unlock(&b->mu);
    if (fd >= 0) w_send_all(fd, f, sizeof f);
    pthread_mutex_unlock(&b->ctl_mu);
    pthread_mutex_lock(&b->mu);
    end->seq = b->next_seq;
    le64(end->header + 5, b->next_seq);
    append(b, end);
    pthread_mutex_unlock(&b->mu);
    wake_loop(b);
    pthread_mutex_lock(&b->mu);
    while (!b->failure && !(b->end_acked && b->final)) cond_wait(b, 1.0);
    rc = b->end_acked && b->final ? DEISA_OK : check_failed(b);
    pthread_mutex_unlock(&b->mu);
    if (rc == DEISA_OK) {
        b->run_closed = 1;
        fprintf(stderr, "[deisa] Bridge %d closed the run at timestep %lld after %llu chunks\n", b->rank, timestep,
                (unsigned long long)b->next_seq);
    }
    return rc;
}

void deisa_bridge_free(deisa_bridge_t *b) {
    if (!b) return;
    if (!b->run_closed) {
        char reason[256];
        snprintf(reason, sizeof reason, "bridge %d was closed without close(timestep) after %llu chunks", b->rank,
                 (unsigned long long)b->next_seq);
        ctl_send_text(b, F_ABORT, reason);
    }
    free_bridge(b);
}
