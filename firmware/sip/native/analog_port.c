/* Analog port media in C: a pjmedia port (pjproject 2.15, pjmedia/port.h `pjmedia_port`,
 * pjmedia/frame.h `pjmedia_frame`) that pjmedia's conference bridge calls on its clock thread
 * without entering Python, carrying PCM through the two bounded rings of firmware/sip/ringbuf.py
 * (same rules: drop-oldest overflow, a standing-fill target that adapts like a jitter buffer,
 * window trim) with the callbacks of firmware/sip/analog.py (`AnalogPortMedia`).
 *
 * Why: each Python callback on the clock thread costs about 100 us (SWIG director, the GIL, the
 * frame proxy), two per port every 10 ms tick: about 2 % of a core per connected port, the bulk
 * of pbxd's own cost per media-anchored call. Here a tick costs a mutex and two memcpys.
 *
 * Threads: ap_get_frame/ap_put_frame run on the bridge clock thread; ap_from_line/ap_to_line on
 * the port thread (through ctypes, which drops the GIL); everything else on pjsua2's owner
 * thread. One mutex per port guards all state; nothing here calls back into Python or pjlib.
 *
 * pjmedia's structs are mirrored below for LP64 (x86_64, aarch64). firmware/sip/native_port.py
 * checks the mirror against a port pjmedia made itself (a null port) before the first use and
 * falls back to the Python ports if it does not match.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* --- pjmedia mirror (pjmedia/types.h, format.h, port.h, frame.h of 2.15) --------------------- */
typedef int pj_status_t;
typedef struct { char *ptr; long slen; } mirror_str;
typedef struct {
    uint32_t clock_rate, channel_count, frame_time_usec, bits_per_sample, avg_bps, max_bps;
} mirror_aud_detail;
typedef struct {
    uint32_t w, h;
    int32_t fps_num, fps_denum;
    uint32_t avg_bps, max_bps;
} mirror_vid_detail;
typedef struct {
    uint32_t id;
    int32_t type;
    int32_t detail_type;
    union { mirror_aud_detail aud; mirror_vid_detail vid; char user[1]; } det;
} mirror_format;
typedef struct {
    mirror_str name;
    uint32_t signature;
    int32_t dir;
    mirror_format fmt;
} mirror_port_info;
typedef struct {
    int32_t type;                 /* pjmedia_frame_type */
    void *buf;
    size_t size;                  /* bytes */
    uint64_t timestamp;           /* pj_timestamp */
    uint32_t bit_info;
} mirror_frame;
typedef struct mirror_port mirror_port;
struct mirror_port {
    mirror_port_info info;
    struct { void *pdata; long ldata; } port_data;
    void *grp_lock;
    void *(*get_clock_src)(mirror_port *, int32_t);
    pj_status_t (*put_frame)(mirror_port *, mirror_frame *);
    pj_status_t (*get_frame)(mirror_port *, mirror_frame *);
    pj_status_t (*on_destroy)(mirror_port *);
};

enum { FRAME_NONE = 0, FRAME_AUDIO = 1 };

/* --- ring (firmware/sip/ringbuf.py) -------------------------------------------------------- */
typedef struct {
    int16_t *buf;
    int cap, head, level;
    int target, floor, max_target, window, relax_windows;
    int calm_windows, block, reads_in_window, min_in_window;
    uint64_t overruns, dropped, underruns, trimmed;
} ring_t;

static int imin(int a, int b) { return a < b ? a : b; }
static int imax(int a, int b) { return a > b ? a : b; }

static int ring_init(ring_t *r, int cap, int target, int max_target, int window, int relax) {
    memset(r, 0, sizeof *r);
    r->buf = calloc((size_t)cap, sizeof(int16_t));
    if (!r->buf) return -1;
    r->cap = cap;
    r->target = imax(0, imin(target, cap));
    r->floor = r->target;
    r->max_target = imax(r->target, imin(max_target, cap));
    r->window = imax(1, window);
    r->relax_windows = imax(1, relax);
    r->min_in_window = cap;
    return 0;
}

static void ring_discard(ring_t *r, int n) {
    r->head = (r->head + n) % r->cap;
    r->level -= n;
}

static void ring_reset_window(ring_t *r) {
    r->reads_in_window = 0;
    r->min_in_window = r->cap;
}

static void ring_clear(ring_t *r) {
    r->head = 0;
    r->level = 0;
    ring_reset_window(r);
}

static void ring_write(ring_t *r, const int16_t *s, int n) {
    if (n <= 0) return;
    if (n >= r->cap) {                       /* larger than the ring: keep its newest part */
        r->dropped += (uint64_t)(r->level + n - r->cap);
        s += n - r->cap;
        r->head = 0;
        r->level = 0;
        n = r->cap;
        r->overruns++;
    }
    int excess = r->level + n - r->cap;
    if (excess > 0) {
        ring_discard(r, excess);
        r->dropped += (uint64_t)excess;
        r->overruns++;
    }
    int tail = (r->head + r->level) % r->cap;
    int first = imin(n, r->cap - tail);
    memcpy(r->buf + tail, s, (size_t)first * sizeof(int16_t));
    if (first < n) memcpy(r->buf, s + first, (size_t)(n - first) * sizeof(int16_t));
    r->level += n;
}

static void ring_after_read(ring_t *r) {
    if (r->level < r->min_in_window) r->min_in_window = r->level;
    if (++r->reads_in_window < r->window) return;
    r->calm_windows++;
    if (r->calm_windows >= r->relax_windows && r->target > r->floor) {
        r->target = imax(r->floor, r->target - r->block);
        r->calm_windows = 0;
    }
    int excess = r->min_in_window - r->target;
    if (excess > 0) {
        ring_discard(r, excess);
        r->trimmed += (uint64_t)excess;
    }
    ring_reset_window(r);
}

/* 1 and `out` filled with the oldest n samples, or 0 (an underrun, nothing consumed). */
static int ring_read(ring_t *r, int16_t *out, int n, int adapt) {
    r->block = n;
    if (r->level < n) {
        r->underruns++;
        if (adapt) {
            r->calm_windows = 0;
            r->target = imin(r->max_target, r->target + n);
        }
        return 0;
    }
    int first = imin(n, r->cap - r->head);
    memcpy(out, r->buf + r->head, (size_t)first * sizeof(int16_t));
    if (first < n) memcpy(out + first, r->buf, (size_t)(n - first) * sizeof(int16_t));
    ring_discard(r, n);
    ring_after_read(r);
    return 1;
}

static int ring_discard_to(ring_t *r, int keep, int count) {
    int excess = imax(0, r->level - imax(0, keep));
    ring_discard(r, excess);
    if (count) r->trimmed += (uint64_t)excess;
    ring_reset_window(r);
    return excess;
}

/* --- the port ------------------------------------------------------------------------------ */
typedef struct {
    pthread_mutex_t lock;
    ring_t in;                    /* A: line -> bridge */
    ring_t out;                   /* B: bridge -> line */
    int frame;                    /* samples per bridge frame */
    double idle_s;
    double last_request, last_fed, last_drained, last_tick, max_tick_gap;
    int bridge_audio, primed, out_primed;
    uint64_t frames_requested, frames_delivered, frames_late, frames_received, out_underruns;
} ap_port;

/* One life of a port on the bridge: the pjmedia port pjmedia holds (and destroys through its
 * group lock, asynchronously, after pjsua_conf_remove_port) pointing at the port's lasting state,
 * so an on-demand port can leave and rejoin while the port thread keeps using the same state. */
typedef struct {
    mirror_port base;             /* first: pjmedia sees a pjmedia_port */
    ap_port *state;
    volatile int destroyed;
} ap_reg;

/* Counters for status, in this order (native_port.py mirrors it). */
typedef struct {
    uint64_t frames_requested, frames_delivered, frames_late, frames_received;
    uint64_t in_overruns, in_trimmed, out_overruns, out_underruns, out_trimmed;
    int64_t in_level, out_level, in_target, out_target;
    double max_tick_gap_s;
    int64_t connected;
} ap_stats;

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* Bridge clock thread: the bridge wants the line's audio. */
static pj_status_t ap_get_frame(mirror_port *pp, mirror_frame *f) {
    ap_port *p = ((ap_reg *)pp)->state;
    double now = now_s();
    pthread_mutex_lock(&p->lock);
    p->frames_requested++;
    p->last_request = now;
    int fed = now - p->last_fed <= p->idle_s;
    if (f->buf && f->size >= (size_t)p->frame * sizeof(int16_t)
            && ring_read(&p->in, (int16_t *)f->buf, p->frame, fed && p->primed)) {
        f->type = FRAME_AUDIO;
        f->size = (size_t)p->frame * sizeof(int16_t);
        p->frames_delivered++;
        p->primed = 1;
    } else {
        f->type = FRAME_NONE;
        f->size = 0;
        if (!fed) p->primed = 0;
        else if (p->primed) p->frames_late++;
    }
    pthread_mutex_unlock(&p->lock);
    return 0;
}

/* Bridge clock thread: audio toward the line (a NONE frame when nothing transmits to us). */
static pj_status_t ap_put_frame(mirror_port *pp, mirror_frame *f) {
    ap_port *p = ((ap_reg *)pp)->state;
    double now = now_s();
    pthread_mutex_lock(&p->lock);
    if (p->last_tick > 0.0 && now - p->last_tick > p->max_tick_gap) p->max_tick_gap = now - p->last_tick;
    p->last_tick = now;
    if (f->type != FRAME_AUDIO || !f->buf || f->size < sizeof(int16_t)) {
        p->bridge_audio = 0;
    } else {
        p->bridge_audio = 1;
        p->frames_received++;
        if (now - p->last_drained > p->idle_s)        /* the port thread is not draining */
            ring_discard_to(&p->out, p->out.target, 0);
        ring_write(&p->out, (const int16_t *)f->buf, (int)(f->size / sizeof(int16_t)));
    }
    pthread_mutex_unlock(&p->lock);
    return 0;
}

/* Called by pjmedia when the last reference to the port goes (its group lock's handler). */
static pj_status_t ap_on_destroy(mirror_port *pp) {
    __atomic_store_n(&((ap_reg *)pp)->destroyed, 1, __ATOMIC_RELEASE);
    return 0;
}

/* --- the port thread and the owner thread (ctypes) ----------------------------------------- */
ap_port *ap_new(int frame, int jitter_frames, int max_jitter_frames, int capacity_frames, int trim_window,
                double idle_s) {
    if (frame <= 0) return NULL;
    ap_port *p = calloc(1, sizeof *p);
    if (!p) return NULL;
    int most = imax(jitter_frames, max_jitter_frames);
    int cap = imax(capacity_frames, most + 2) * frame;
    if (ring_init(&p->in, cap, jitter_frames * frame, most * frame, trim_window, 20) != 0 ||
            ring_init(&p->out, cap, jitter_frames * frame, most * frame, trim_window, 20) != 0) {
        free(p->in.buf);
        free(p->out.buf);
        free(p);
        return NULL;
    }
    pthread_mutex_init(&p->lock, NULL);
    p->frame = frame;
    p->idle_s = idle_s;
    return p;
}

/* A pjmedia port for `p` (its info is filled by pjmedia_port_info_init from Python). */
ap_reg *ap_reg_new(ap_port *p) {
    ap_reg *r = calloc(1, sizeof *r);
    if (!r) return NULL;
    r->state = p;
    r->base.put_frame = ap_put_frame;
    r->base.get_frame = ap_get_frame;
    r->base.on_destroy = ap_on_destroy;
    return r;
}

int ap_reg_destroyed(ap_reg *r) { return __atomic_load_n(&r->destroyed, __ATOMIC_ACQUIRE); }

void ap_reg_free(ap_reg *r) { free(r); }

/* Free a port's state once no registration of it is left and the port thread is done with it. */
void ap_free(ap_port *p) {
    if (!p) return;
    pthread_mutex_destroy(&p->lock);
    free(p->in.buf);
    free(p->out.buf);
    free(p);
}

/* Audio that came from the line (any block size), toward the bridge. */
void ap_from_line(ap_port *p, const int16_t *samples, int n) {
    double now = now_s();
    pthread_mutex_lock(&p->lock);
    p->last_fed = now;
    if (now - p->last_request > p->idle_s)           /* nobody listens: keep only fresh audio */
        ring_discard_to(&p->in, p->in.target, 0);
    ring_write(&p->in, samples, n);
    pthread_mutex_unlock(&p->lock);
}

/* n samples of bridge audio toward the line into `out`: 1 audio, 2 silence (a connection is
 * starting, or an underrun while connected), 0 nothing connected (out untouched). */
int ap_to_line(ap_port *p, int16_t *out, int n) {
    int result;
    pthread_mutex_lock(&p->lock);
    p->last_drained = now_s();
    if (ring_read(&p->out, out, n, p->out_primed)) {
        p->out_primed = p->bridge_audio;
        result = 1;
    } else if (!p->bridge_audio) {
        p->out_primed = 0;
        ring_clear(&p->out);
        result = 0;
    } else {
        if (p->out_primed) p->out_underruns++;
        memset(out, 0, (size_t)n * sizeof(int16_t));
        result = 2;
    }
    pthread_mutex_unlock(&p->lock);
    return result;
}

/* A new session on the bridge (a call starts): empty rings at their latency floor, so a call does
 * not inherit the latency an earlier call's stalls built up. */
void ap_session_start(ap_port *p) {
    pthread_mutex_lock(&p->lock);
    ring_t *rings[2] = {&p->in, &p->out};
    for (int i = 0; i < 2; i++) {
        ring_clear(rings[i]);
        rings[i]->target = rings[i]->floor;
        rings[i]->calm_windows = 0;
    }
    p->primed = 0;
    p->out_primed = 0;
    pthread_mutex_unlock(&p->lock);
}

/* The port left the bridge: nothing transmits to it any more (and the time until it is back is
 * no gap in the bridge clock). */
void ap_detached(ap_port *p) {
    pthread_mutex_lock(&p->lock);
    p->bridge_audio = 0;
    p->last_tick = 0.0;
    pthread_mutex_unlock(&p->lock);
}

void ap_reset_counters(ap_port *p) {
    pthread_mutex_lock(&p->lock);
    p->frames_requested = p->frames_delivered = p->frames_late = 0;
    p->frames_received = p->out_underruns = 0;
    p->max_tick_gap = 0.0;
    ring_t *rings[2] = {&p->in, &p->out};
    for (int i = 0; i < 2; i++) rings[i]->overruns = rings[i]->dropped = rings[i]->underruns = rings[i]->trimmed = 0;
    pthread_mutex_unlock(&p->lock);
}

void ap_stats_get(ap_port *p, ap_stats *s) {
    pthread_mutex_lock(&p->lock);
    s->frames_requested = p->frames_requested;
    s->frames_delivered = p->frames_delivered;
    s->frames_late = p->frames_late;
    s->frames_received = p->frames_received;
    s->in_overruns = p->in.overruns;
    s->in_trimmed = p->in.trimmed;
    s->out_overruns = p->out.overruns;
    s->out_underruns = p->out_underruns;
    s->out_trimmed = p->out.trimmed;
    s->in_level = p->in.level;
    s->out_level = p->out.level;
    s->in_target = p->in.target;
    s->out_target = p->out.target;
    s->max_tick_gap_s = p->max_tick_gap;
    s->connected = p->bridge_audio;
    pthread_mutex_unlock(&p->lock);
}

/* --- layout check against a port pjmedia built (pjmedia_null_port_create) ------------------- */
/* 0 if `made` reads as an 8 kHz-style mono 16-bit port of `spf` samples at `clock_rate` through
 * this file's mirror, else the number of the first check that failed. */
int ap_check_layout(const mirror_port *made, unsigned clock_rate, unsigned spf) {
    if (sizeof(mirror_port) != 120 || sizeof(mirror_frame) != 40) return 1;
    const mirror_aud_detail *aud = &made->info.fmt.det.aud;
    if (aud->clock_rate != clock_rate) return 2;
    if (aud->channel_count != 1) return 3;
    if (aud->bits_per_sample != 16) return 4;
    if (aud->frame_time_usec != (uint32_t)((uint64_t)spf * 1000000u / clock_rate)) return 5;
    if (made->info.name.ptr == NULL || made->info.name.slen <= 0 || made->info.name.slen > 64) return 6;
    if (made->get_frame == NULL || made->put_frame == NULL || made->on_destroy == NULL) return 7;
    if (made->get_clock_src != NULL) return 8;
    return 0;
}

size_t ap_reg_size(void) { return sizeof(ap_reg); }

/* An importable module, so setuptools builds and installs this file with the package; Python
 * code loads the same file with ctypes (native_port.py) and calls the functions above. */
static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT,
    .m_name = "_analog_port",
    .m_doc = "pjmedia analog port in C (loaded through ctypes)",
    .m_size = -1,
};

PyMODINIT_FUNC PyInit__analog_port(void) { return PyModule_Create(&module); }
