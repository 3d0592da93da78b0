/* Byte buffers, payload readers and socket helpers of the deisa wire protocol. */
#define _GNU_SOURCE
#include "wire.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

void wb_free(wbuf_t *b) {
    free(b->p);
    b->p = NULL;
    b->len = b->cap = 0;
    b->oom = 0;
}

void wb_clear(wbuf_t *b) { b->len = 0; }

static int wb_grow(wbuf_t *b, size_t n) {
    if (b->oom) return -1;
    if (b->len + n <= b->cap) return 0;
    size_t cap = b->cap ? b->cap : 64;
    while (cap < b->len + n) cap *= 2;
    uint8_t *p = realloc(b->p, cap);
    if (!p) {
        b->oom = 1;
        return -1;
    }
    b->p = p;
    b->cap = cap;
    return 0;
}

void wb_raw(wbuf_t *b, const void *data, size_t n) {
    if (n == 0 || wb_grow(b, n)) return;
    memcpy(b->p + b->len, data, n);
    b->len += n;
}

void le16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8); }
void le32(uint8_t *p, uint32_t v) { for (int i = 0; i < 4; i++) p[i] = (uint8_t)(v >> (8 * i)); }
void le64(uint8_t *p, uint64_t v) { for (int i = 0; i < 8; i++) p[i] = (uint8_t)(v >> (8 * i)); }
uint32_t ld32(const uint8_t *p) { return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24; }
uint64_t ld64(const uint8_t *p) { return (uint64_t)ld32(p) | (uint64_t)ld32(p + 4) << 32; }

void wb_u8(wbuf_t *b, uint8_t v) { wb_raw(b, &v, 1); }
void wb_u16(wbuf_t *b, uint16_t v) { uint8_t x[2]; le16(x, v); wb_raw(b, x, 2); }
void wb_u32(wbuf_t *b, uint32_t v) { uint8_t x[4]; le32(x, v); wb_raw(b, x, 4); }
void wb_i64(wbuf_t *b, int64_t v) { uint8_t x[8]; le64(x, (uint64_t)v); wb_raw(b, x, 8); }
void wb_u64(wbuf_t *b, uint64_t v) { uint8_t x[8]; le64(x, v); wb_raw(b, x, 8); }

void wb_str(wbuf_t *b, const char *s) {
    size_t n = strlen(s);
    wb_u32(b, (uint32_t)n);
    wb_raw(b, s, n);
}

void wb_ints(wbuf_t *b, const int *v, int n) {
    wb_u32(b, (uint32_t)n);
    for (int i = 0; i < n; i++) wb_u32(b, (uint32_t)v[i]);
}

size_t wb_begin_frame(wbuf_t *b, uint8_t type) {
    size_t start = b->len;
    wb_u32(b, 0);
    wb_u8(b, type);
    return start;
}

void wb_end_frame(wbuf_t *b, size_t start) {
    if (!b->oom) le32(b->p + start, (uint32_t)(b->len - start - 4));
}

static const uint8_t *wr_take(wrd_t *r, size_t n) {
    if (r->bad || n > r->len - r->at) {
        r->bad = 1;
        return NULL;
    }
    const uint8_t *p = r->p + r->at;
    r->at += n;
    return p;
}

uint8_t wr_u8(wrd_t *r) { const uint8_t *p = wr_take(r, 1); return p ? p[0] : 0; }
uint32_t wr_u32(wrd_t *r) {
    const uint8_t *p = wr_take(r, 4);
    if (!p) return 0;
    uint32_t v = ld32(p);
    if (v >= 0x80000000u) { r->bad = 1; return 0; }
    return v;
}
int64_t wr_i64(wrd_t *r) { const uint8_t *p = wr_take(r, 8); return p ? (int64_t)ld64(p) : 0; }
uint64_t wr_u64(wrd_t *r) { const uint8_t *p = wr_take(r, 8); return p ? ld64(p) : 0; }
const uint8_t *wr_blob(wrd_t *r, uint32_t *n) {
    *n = wr_u32(r);
    const uint8_t *p = wr_take(r, *n);
    if (!p) *n = 0;
    return p;
}

double w_now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

int w_send_all(int fd, const void *data, size_t n) {
    const uint8_t *p = data;
    while (n > 0) {
        ssize_t k = send(fd, p, n, MSG_NOSIGNAL);
        if (k < 0) {
            if (errno == EINTR) continue;
            if (errno == EAGAIN || errno == EWOULDBLOCK) {
                struct pollfd pfd = {fd, POLLOUT, 0};
                poll(&pfd, 1, 1000);
                continue;
            }
            return -1;
        }
        p += k;
        n -= (size_t)k;
    }
    return 0;
}

int w_connect(const char *host, int port, double timeout_s, char *msg, size_t msg_len) {
    char service[16];
    snprintf(service, sizeof service, "%d", port);
    struct addrinfo hints, *res = NULL;
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    int gai = getaddrinfo(host, service, &hints, &res);
    if (gai != 0) {
        snprintf(msg, msg_len, "cannot resolve %s: %s", host, gai_strerror(gai));
        return -1;
    }
    int fd = -1;
    for (struct addrinfo *ai = res; ai; ai = ai->ai_next) {
        fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
        if (fd < 0) continue;
        int flags = fcntl(fd, F_GETFL, 0);
        fcntl(fd, F_SETFL, flags | O_NONBLOCK);
        int rc = connect(fd, ai->ai_addr, ai->ai_addrlen);
        if (rc < 0 && errno == EINPROGRESS) {
            struct pollfd pfd = {fd, POLLOUT, 0};
            int ms = timeout_s <= 0 ? 1 : (int)(timeout_s * 1000) + 1;
            rc = poll(&pfd, 1, ms);
            if (rc == 1) {
                int err = 0;
                socklen_t len = sizeof err;
                getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len);
                if (err) { errno = err; rc = -1; } else rc = 0;
            } else {
                if (rc == 0) errno = ETIMEDOUT;
                rc = -1;
            }
        }
        if (rc == 0) {
            /* a connection to a local port where nothing listens may connect to itself */
            struct sockaddr_storage a, p;
            socklen_t al = sizeof a, pl = sizeof p;
            if (getsockname(fd, (struct sockaddr *)&a, &al) == 0 && getpeername(fd, (struct sockaddr *)&p, &pl) == 0
                && al == pl && memcmp(&a, &p, al) == 0) {
                errno = ECONNREFUSED;
                rc = -1;
            }
        }
        if (rc == 0) {
            fcntl(fd, F_SETFL, flags & ~O_NONBLOCK);
            int one = 1;
            setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
            break;
        }
        snprintf(msg, msg_len, "%s", strerror(errno));
        close(fd);
        fd = -1;
    }
    freeaddrinfo(res);
    return fd;
}

static int read_exact(int fd, uint8_t *p, size_t n, double deadline, size_t *got) {
    *got = 0;
    while (*got < n) {
        double left = deadline - w_now();
        if (left <= 0) { errno = ETIMEDOUT; return -1; }
        struct pollfd pfd = {fd, POLLIN, 0};
        int rc = poll(&pfd, 1, (int)(left * 1000) + 1);
        if (rc < 0 && errno == EINTR) continue;
        if (rc <= 0) { errno = rc == 0 ? ETIMEDOUT : errno; return -1; }
        ssize_t k = recv(fd, p + *got, n - *got, 0);
        if (k == 0) return 1;
        if (k < 0) {
            if (errno == EINTR || errno == EAGAIN) continue;
            return -1;
        }
        *got += (size_t)k;
    }
    return 0;
}

int w_read_frame(int fd, double deadline, uint32_t max_len, uint8_t *type, uint8_t **payload, uint32_t *len,
                 char *msg, size_t msg_len) {
    uint8_t head[5];
    size_t got;
    int rc = read_exact(fd, head, 5, deadline, &got);
    if (rc == 1 && got == 0) return 1;
    if (rc != 0) {
        snprintf(msg, msg_len, "%s", rc == 1 ? "connection closed in the middle of a frame" : strerror(errno));
        return -1;
    }
    uint32_t length = ld32(head);
    if (length < 1 || length > max_len) {
        snprintf(msg, msg_len, "frame length %u is out of bounds [1, %u]", length, max_len);
        errno = EPROTO;
        return -1;
    }
    *type = head[4];
    *len = length - 1;
    *payload = malloc(*len ? *len : 1);
    if (!*payload) {
        snprintf(msg, msg_len, "out of memory for a frame of %u bytes", length);
        return -1;
    }
    rc = read_exact(fd, *payload, *len, deadline, &got);
    if (rc != 0) {
        snprintf(msg, msg_len, "%s", rc == 1 ? "connection closed in the middle of a frame" : strerror(errno));
        free(*payload);
        *payload = NULL;
        return -1;
    }
    return 0;
}
