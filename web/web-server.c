/* web-server.c: libwebsockets on the GLib loop; /live, /events, /ingest and
 * static files. One protocol handles HTTP and all websockets (a websocket
 * without a subprotocol binds to protocols[0], and the XState inspector
 * sends none); the kind of a connection comes from its URI.
 *
 * Life of a websocket (after ttyd): refuse in HTTP_CONFIRM_UPGRADE (token,
 * Origin, limits: with an HTTP status and reason), classify in
 * FILTER_PROTOCOL_CONNECTION, set up in ESTABLISHED, reassemble fragments
 * in RECEIVE up to the message bound, send in SERVER_WRITEABLE (one
 * lws_write per callback, re-armed while more waits), free in CLOSED.
 */
#include "config.h"

#include <libwebsockets.h>
#include <stdlib.h>
#include <string.h>
#ifdef __linux__
#include <errno.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>
#endif

#include "web-server.h"
#include "web-auth.h"
#include "web-frame.h"
#include "web-frame-delta.h"
#include "web-deviations.h"
#include "web-search.h"
#include "web-actor-charts.h"
#include "web-protocol.h"
#include "web-static.h"
#include "web-view-state.h"
#include "ingest-json-lexer.h"
#include "ingest-native-writer.h"
#include "ingest-parser.h"
#include "ingest-xstate-adapter.h"
#include "web-otlp.h"

#define DEFAULT_MAX_CLIENTS 64
#define DEFAULT_MAX_PRODUCERS 64
#define DEFAULT_MAX_MESSAGE (1024 * 1024)
#define DEFAULT_MAX_FPS 10
/* Small replies (hello, details, errors) queued per client at most; a client
 * that does not read them loses the oldest, never grows the server. */
#define MAX_REPLIES 16
/* One /events message carries at most this many bytes of NDJSON. */
#define EVENTS_CHUNK (128 * 1024)
/* One round of frame preparation on the loop (extracting and detaching
 * the view data) stops after this long; the loop then gets as much time for
 * ingestion and I/O before the next round. The renderings themselves run
 * in the worker pool. */
#define FRAME_ROUND_BUDGET_US (50 * 1000)
/* Frames rendered or queued in the pool at once, per worker: enough that a
 * worker finds the next job when it finishes one, few enough that a frame
 * is never built from data much older than the newest. */
#define FRAME_JOBS_PER_WORKER 2
/* After a round of preparation that took T, the next waits T / this. The
 * loop no longer renders, and what a round does (advancing the views'
 * sliding windows, copying their data) is mostly work the new events cost
 * anyway, so rounds may follow each other closely; the wait still leaves
 * the producers a fifth of a busy loop. */
#define FRAME_PREP_SHARE_DIVISOR 4
/* Workers run this much nicer than the loop (Linux: per thread): when the
 * machine is short of CPU, ingestion and I/O go first and frames get what
 * is left, instead of the renderings slowing the producers down. */
#define FRAME_WORKER_NICE 5
/* `hit` and `details` cost a rendering or a view rebuild each: per /live
 * client a token bucket of LOOKUP_BURST requests refilled at LOOKUP_RATE
 * per second; beyond it a request is answered with a `limit` error and not
 * computed, so one client's flood costs the loop O(bytes it sends), never
 * renderings (the page asks at most a few per second). */
#define LOOKUP_BURST 20
#define LOOKUP_RATE 10
/* ... and one bucket for the whole service, so many clients together can't
 * starve the loop either (64 clients x 10/s would be 640 renderings/s). */
/* An update carries the actor table's changed rows at most this often
 * (web-frame-delta.h): the page redraws the table twice a second, and the
 * rows of 200 actors were most of each update's bytes. */
#define LIVE_TABLE_INTERVAL_US (G_USEC_PER_SEC / 2)
#define SERVICE_LOOKUP_BURST 40
#define SERVICE_LOOKUP_RATE 20

typedef enum {
  CONN_HTTP = 0,
  CONN_LIVE,
  CONN_EVENTS,
  CONN_INGEST,
} ConnKind;

typedef struct _Conn Conn;
typedef struct _SharedScene SharedScene; /* below: a frame's scene, for hits */

struct _WebServer {
  IngestStore *store;
  double lookup_tokens;      /* the service-wide hit/details budget */
  gint64 lookup_refill_us;
  WebServerOptions options;
  char *host, *static_root, *token;
  GStrv allowed_origins;
  struct lws_context *context;
  GMainLoop *foreign_loop;   /* only a handle for lws: we never run it */
  guint port;
  GList *conns;              /* Conn* of every websocket */
  guint n_clients, n_producers;
  WebActivity *activity;
  WebLiveViews *live;        /* follow-live graphs kept between rounds */
  guint frame_source;
  /* Frames render in this pool (web_frame_input_render on detached
   * inputs: the workers never see the store). Finished jobs come back
   * through done, and done_source wakes the loop for them. */
  GThreadPool *render_pool;
  guint max_jobs;
  GAsyncQueue *done;         /* FrameJob* */
  GSource *done_source;
  GHashTable *jobs;          /* view key -> FrameJob* in the pool */
  /* Frames finished since the store last changed, by view key: a client
   * asking for one of these gets it without a rendering. */
  GHashTable *finished;      /* view key -> FinishedFrame* */
  guint64 finished_events;
  gint64 changed_us;         /* first store change not yet in a frame */
  /* Frame preparation gets at most 4/5 of the loop: after a round that
   * took T, the next round waits T / FRAME_PREP_SHARE_DIVISOR (ingestion
   * runs meanwhile). */
  gint64 frames_not_before_us;
  guint64 next_ingest_id;
  IngestNoteLimit refused_note;  /* refused upgrades: one log line per 10 s */
  WebServerStats stats;
  WebOtlpSink *otlp;         /* POST /v1/traces (web-otlp.h) */
};

struct _Conn {
  WebServer *server;
  struct lws *wsi;
  ConnKind kind;
  gboolean counted;
  GByteArray *rx;
  GQueue replies;            /* char* JSON texts */
  /* close after the queued replies */
  enum lws_close_status close_status;
  char *close_reason;
  /* live */
  WebViewState state;
  gboolean state_ready;
  guint64 drawn_generation;
  guint64 drawn_events;
  double lookup_tokens;      /* hit/details budget (LOOKUP_BURST, LOOKUP_RATE) */
  gint64 lookup_refill_us;
  gint64 drawn_from_ns, drawn_to_ns; /* window of the last frame (details) */
  gint64 last_frame_us;
  /* Frames a second the client said it can use (`pace`; 0: as many as
   * the service sends, max_fps). */
  double pace_fps;
  GBytes *pending_frame;     /* LWS_PRE + JSON text */
  /* ... taken apart and diffed by its worker (references, may be NULL) */
  WebFrameParsed *pending_parsed;
  WebFrameUpdate *pending_update;
  SharedScene *frame_scene;  /* the scene of the last frame given (hits) */
  /* What the client last received, so a frame of the same structure goes
   * out as a small update (web-frame-delta.h; NULL: the client did not
   * ask for updates); delta_generation is the view state it was drawn for. */
  WebFrameDelta *delta;
  guint64 delta_generation;
  /* Frames and updates taken for this client so far: a delta started by a
   * hello after some frames went out continues the client's count (seq). */
  guint64 n_frames_taken;
  /* The view key of the frame being rendered for this client (NULL =
   * none) and the state generation it was asked for: a result for an
   * older generation is dropped. */
  char *waiting_key;
  guint64 waiting_generation;
  /* The buffer of the last lws_write, kept until the next writable
   * callback or the close (an extension such as permessage-deflate, not
   * offered now, keeps reading from it on later POLLOUTs). */
  GBytes *inflight;
  gboolean drawn_once;
  /* events */
  IngestSeq next_seq;
  guint32 declared_actors;   /* actors 1..N already declared on /events */
  gboolean header_sent;
  /* ingest */
  IngestParser *parser;
  IngestXstateAdapter *xstate;
  /* live, events: the idle timeout runs while output waits unread */
  gboolean stall_armed;
  char peer[64];             /* a peer beyond loopback, else "" */
  char *name;
  guint64 n_reported;
};

/* No websocket extensions. permessage-deflate is not offered: lws 4.1's
 * inflate side aborts the process (assertion `priv->rx.avail_out` in
 * extension-permessage-deflate.c, lws issue 2120) when clients send large
 * compressed messages at once, and stalls a compressing sender for good
 * mid-message on the GLib loop; any client could compress, since the
 * extension is negotiated for both directions. Frames go uncompressed. */

static void server_schedule_frames (WebServer *self);

/* The scene of a frame, shared by the clients it was sent to: a `hit`
 * tests the picture the client was given instead of rendering the view
 * again on the loop (a rendering costs tens of milliseconds, hundreds
 * under a sanitizer; a flood of hits then starved the other clients).
 * Atomically reference counted; the scene is read-only once shared. */
struct _SharedScene {
  RenderScene *scene;
};

static void
shared_scene_clear (gpointer data)
{
  SharedScene *s = data;
  render_scene_free (s->scene);
}

static SharedScene *
shared_scene_new (RenderScene *scene)
{
  SharedScene *s = g_atomic_rc_box_new0 (SharedScene);
  s->scene = scene;
  return s;
}

static SharedScene *
shared_scene_ref (SharedScene *s)
{
  return s != NULL ? g_atomic_rc_box_acquire (s) : NULL;
}

static void
shared_scene_unref (SharedScene *s)
{
  if (s != NULL)
    g_atomic_rc_box_release_full (s, shared_scene_clear);
}

/* A frame given to the render pool: the input is built on the loop, the
 * text in a worker, and the result is handed out on the loop. */
typedef struct {
  char *key;
  WebFrameInput *input;
  guint64 n_events;          /* the store's event count it was built at */
  gint64 from_ns, to_ns;     /* the window it shows */
  /* What the client that asked for it last received (a reference, NULL:
   * nothing, or no updates): the worker diffs the frame against it. */
  WebFrameParsed *base;
  gboolean take_apart;       /* a client of the view accepts updates */
  char *text;                /* the result, or NULL with error */
  RenderScene *scene;        /* ... and its scene (owned) */
  WebFrameParsed *parsed;    /* ... taken apart if take_apart (a reference) */
  WebFrameUpdate *update;    /* ... and its update from base (a reference) */
  GError *error;
} FrameJob;

static void
frame_job_free (FrameJob *job)
{
  g_free (job->key);
  web_frame_input_free (job->input);
  g_free (job->text);
  g_clear_pointer (&job->scene, render_scene_free);
  web_frame_parsed_unref (job->base);
  web_frame_parsed_unref (job->parsed);
  web_frame_update_unref (job->update);
  g_clear_error (&job->error);
  g_free (job);
}

typedef struct {
  GBytes *frame;
  SharedScene *scene;        /* a reference */
  WebFrameParsed *parsed;    /* references, may be NULL (see FrameJob) */
  WebFrameUpdate *update;
  gint64 from_ns, to_ns;
} FinishedFrame;

static void
finished_frame_free (gpointer data)
{
  FinishedFrame *f = data;
  g_bytes_unref (f->frame);
  shared_scene_unref (f->scene);
  web_frame_parsed_unref (f->parsed);
  web_frame_update_unref (f->update);
  g_free (f);
}

/* ---- helpers ------------------------------------------------------------ */

static char *
hdr_dup (struct lws *wsi, enum lws_token_indexes token)
{
  int len = lws_hdr_total_length (wsi, token);
  char *buf;

  if (len <= 0 || len > 8192)
    return NULL;
  buf = g_malloc ((gsize) len + 1);
  if (lws_hdr_copy (wsi, buf, len + 1, token) < 0)
    {
      g_free (buf);
      return NULL;
    }
  return buf;
}

/* "token=VALUE" if the URL has a token argument (lws splits the query into
 * fragments and url-decodes them). */
static char *
query_token (struct lws *wsi)
{
  char buf[512];
  /* lws 4.1 matches the name as a prefix of "name=value": '=' included. */
  const char *v = lws_get_urlarg_by_name (wsi, "token=", buf, (int) sizeof buf);

  return v != NULL ? g_strconcat ("token=", v, NULL) : NULL;
}

static gboolean
request_authorized (WebServer *self, struct lws *wsi, gboolean *via_query)
{
  g_autofree char *auth = hdr_dup (wsi, WSI_TOKEN_HTTP_AUTHORIZATION);
  g_autofree char *cookie = hdr_dup (wsi, WSI_TOKEN_HTTP_COOKIE);
  g_autofree char *query = query_token (wsi);

  if (via_query != NULL)
    *via_query = FALSE;
  if (self->token == NULL)
    return TRUE;
  if (web_auth_check_token (self->token, auth, cookie, NULL))
    return TRUE;
  if (web_auth_check_token (self->token, NULL, NULL, query))
    {
      if (via_query != NULL)
        *via_query = TRUE;
      return TRUE;
    }
  return FALSE;
}

/* Without a token the service trusts whoever reaches it on loopback; a
 * Host that is not a loopback name means a page elsewhere re-pointed its
 * own name at us (DNS rebinding), and its script would be same-origin. */
static gboolean
request_host_allowed (WebServer *self, struct lws *wsi)
{
  g_autofree char *host = NULL;

  if (self->token != NULL)
    return TRUE;
  host = hdr_dup (wsi, WSI_TOKEN_HOST);
  return web_auth_host_header_is_loopback (host);
}

/* Sends a complete HTTP response with a short text body. Returns what an
 * lws HTTP callback should return. */
static int
http_reply (struct lws *wsi, unsigned int status, const char *body)
{
  guint8 buf[LWS_PRE + 2048];
  guint8 *start = buf + LWS_PRE, *p = start, *end = buf + sizeof buf - 1;
  size_t len = strlen (body);

  if (lws_add_http_common_headers (wsi, status, "text/plain; charset=utf-8", len, &p, end) ||
      lws_add_http_header_by_name (wsi, (const unsigned char *) "x-content-type-options:",
                                   (const unsigned char *) "nosniff", 7, &p, end) ||
      lws_finalize_write_http_header (wsi, start, &p, end))
    return -1;
  if (lws_write (wsi, (unsigned char *) body, len, LWS_WRITE_HTTP_FINAL) != (int) len)
    return -1;
  return lws_http_transaction_completed (wsi) ? -1 : 0;
}

static GBytes *
bytes_with_pre (char *text)
{
  gsize len = strlen (text);
  guint8 *buf = g_malloc (LWS_PRE + len);

  memcpy (buf + LWS_PRE, text, len);
  g_free (text);
  return g_bytes_new_take (buf, LWS_PRE + len);
}

/* /live and /events: output waits for the client. Unless a timeout already
 * runs, the client has idle_timeout_s to take something (then lws closes
 * it); each writable callback (it took data) starts the wait again. */
static void
conn_want_write (Conn *c)
{
  lws_callback_on_writable (c->wsi);
  if (c->kind == CONN_INGEST || c->stall_armed || c->server->options.idle_timeout_s == 0)
    return;
  c->stall_armed = TRUE;
  lws_set_timeout (c->wsi, PENDING_TIMEOUT_USER_OK, (int) c->server->options.idle_timeout_s);
}

static void
conn_took_output (Conn *c)
{
  if (c->kind == CONN_INGEST || !c->stall_armed)
    return;
  c->stall_armed = FALSE;
  lws_set_timeout (c->wsi, NO_PENDING_TIMEOUT, 0);
}

static void
conn_queue_reply (Conn *c, char *text)
{
  if (text == NULL)
    return;
  if (c->replies.length >= MAX_REPLIES)
    g_free (g_queue_pop_head (&c->replies));
  g_queue_push_tail (&c->replies, text);
  conn_want_write (c);
}

static void
conn_queue_error (Conn *c, const GError *error)
{
  conn_queue_reply (c, web_protocol_error_json (error));
}

/* Sends an error message, then closes with status and reason. */
static void
conn_fail (Conn *c, enum lws_close_status status, int code, const char *reason)
{
  g_autoptr(GError) error = g_error_new_literal (WEB_PROTOCOL_ERROR, code, reason);
  char *valid = g_utf8_make_valid (reason, -1);
  gsize n = strlen (valid);

  conn_queue_error (c, error);
  c->close_status = status;
  g_free (c->close_reason);
  /* Close reasons must fit 123 bytes and be UTF-8 (a client fails the
   * connection otherwise): cut at a character boundary. */
  if (n > 120)
    {
      n = 120;
      while (n > 0 && ((guchar) valid[n] & 0xC0) == 0x80)
        n--;
      valid[n] = '\0';
    }
  c->close_reason = valid;
}

/* ---- /live -------------------------------------------------------------- */

/* parsed and update may be NULL (borrowed, references taken). */
static void
live_set_frame (Conn *c, GBytes *frame, WebFrameParsed *parsed, WebFrameUpdate *update,
                SharedScene *scene)
{
  if (c->pending_frame != NULL)
    c->server->stats.frames_replaced++; /* newest frame wins */
  g_clear_pointer (&c->pending_frame, g_bytes_unref);
  g_clear_pointer (&c->pending_parsed, web_frame_parsed_unref);
  g_clear_pointer (&c->pending_update, web_frame_update_unref);
  c->pending_frame = g_bytes_ref (frame);
  c->pending_parsed = parsed != NULL ? web_frame_parsed_ref (parsed) : NULL;
  c->pending_update = update != NULL ? web_frame_update_ref (update) : NULL;
  shared_scene_unref (c->frame_scene);
  c->frame_scene = shared_scene_ref (scene);
  conn_want_write (c);
}

/* The pending frame as this client gets it: an update against the last
 * frame it received when the structure allows, else the frame itself.
 * Diffed at write time, so the base is what the client really has (a
 * pending frame replaced before it was sent never counts). */
static GBytes *
live_take_frame (Conn *c)
{
  g_autoptr(GBytes) frame = g_steal_pointer (&c->pending_frame);
  g_autoptr(WebFrameParsed) parsed = g_steal_pointer (&c->pending_parsed);
  g_autoptr(WebFrameUpdate) prepared = g_steal_pointer (&c->pending_update);
  gsize size;
  const char *data = (const char *) g_bytes_get_data (frame, &size) + LWS_PRE;
  char *update;

  c->n_frames_taken++;
  if (c->delta == NULL)
    return g_steal_pointer (&frame);
  if (c->delta_generation != c->drawn_generation)
    web_frame_delta_reset (c->delta); /* another view: it starts over whole */
  c->delta_generation = c->drawn_generation;
  /* Taken apart in the worker unless no client of the view accepted
   * updates when it was asked for. */
  if (parsed == NULL)
    parsed = web_frame_parsed_new (data, size - LWS_PRE);
  update = web_frame_delta_next_parsed (c->delta, parsed, prepared);
  if (update == NULL)
    return g_steal_pointer (&frame);
  c->server->stats.frame_updates++;
  return bytes_with_pre (update);
}

static gboolean
live_is_dirty (Conn *c, guint64 n_events)
{
  if (!c->state_ready)
    return FALSE;
  if (!c->drawn_once || c->drawn_generation != c->state.generation)
    return TRUE;
  /* A fixed range that ends before new data is unaffected by it, but
   * actor table and overview still change: redraw, at the same cap. */
  return c->drawn_events != n_events;
}

/* The client was given its frame (or its error): it is drawn as of
 * n_events for its current generation. */
static void
live_mark_drawn (Conn *c, guint64 n_events, gint64 from_ns, gint64 to_ns, gint64 now)
{
  c->drawn_from_ns = from_ns;
  c->drawn_to_ns = to_ns;
  c->drawn_generation = c->state.generation;
  c->drawn_events = n_events;
  c->drawn_once = TRUE;
  c->last_frame_us = now;
}

/* The client changed its view: a frame still being rendered for it shows
 * the old one, so it no longer waits for it (the result is dropped). */
static void
live_drop_waiting (Conn *c)
{
  g_clear_pointer (&c->waiting_key, g_free);
}

/* Lowers the calling worker thread's priority, once per thread. */
static void
worker_be_nice (void)
{
#ifdef __linux__
  static GPrivate niced;
  if (g_private_get (&niced) != NULL)
    return;
  g_private_set (&niced, GINT_TO_POINTER (1));
  errno = 0;
  int now = getpriority (PRIO_PROCESS, 0);
  if (errno == 0)
    (void) setpriority (PRIO_PROCESS, (id_t) syscall (SYS_gettid), MIN (now + FRAME_WORKER_NICE, 19));
#endif
}

/* In a worker: renders one frame from its detached input. */
static void
render_job (gpointer data, gpointer user_data)
{
  FrameJob *job = data;
  WebServer *self = user_data;

  worker_be_nice ();
  job->text = web_frame_input_render (job->input, &job->scene, &job->error);
  if (job->text != NULL && job->take_apart)
    {
      job->parsed = web_frame_parsed_new (job->text, strlen (job->text));
      if (job->base != NULL)
        job->update = web_frame_update_new (job->base, job->parsed);
    }
  g_async_queue_push (self->done, job);
  /* thread-safe: wakes the loop, which dispatches on_jobs_done */
  g_source_set_ready_time (self->done_source, 0);
}

/* On the loop: hands the finished frames to the clients waiting for them. */
static gboolean
on_jobs_done (gpointer user_data)
{
  WebServer *self = user_data;
  guint64 n_events = ingest_store_n_events (self->store);
  gint64 now = g_get_monotonic_time ();
  gboolean sent_any = FALSE;
  FrameJob *job;

  while ((job = g_async_queue_try_pop (self->done)) != NULL)
    {
      g_autoptr(GBytes) frame = NULL;
      SharedScene *scene = NULL;

      g_hash_table_remove (self->jobs, job->key);
      if (job->text != NULL)
        {
          self->stats.frames_built++;
          web_frame_input_keep_positions (job->input, self->live);
          frame = bytes_with_pre (g_steal_pointer (&job->text));
          if (job->scene != NULL)
            scene = shared_scene_new (g_steal_pointer (&job->scene));
        }
      for (GList *l = self->conns; l != NULL; l = l->next)
        {
          Conn *c = l->data;

          if (c->kind != CONN_LIVE || g_strcmp0 (c->waiting_key, job->key) != 0)
            continue;
          live_drop_waiting (c);
          if (c->waiting_generation != c->state.generation)
            continue; /* stale: the client changed its view meanwhile */
          if (frame == NULL)
            conn_queue_error (c, job->error);
          else
            {
              live_set_frame (c, frame, job->parsed, job->update, scene);
              sent_any = TRUE;
            }
          live_mark_drawn (c, job->n_events, job->from_ns, job->to_ns, now);
        }
      /* Other clients of this view ask later: they get it as it is, as
       * long as the store has not changed. */
      if (frame != NULL && job->n_events == n_events)
        {
          FinishedFrame *f = g_new0 (FinishedFrame, 1);

          if (self->finished_events != n_events)
            {
              g_hash_table_remove_all (self->finished);
              self->finished_events = n_events;
            }
          f->frame = g_bytes_ref (frame);
          f->scene = shared_scene_ref (scene);
          f->parsed = job->parsed != NULL ? web_frame_parsed_ref (job->parsed) : NULL;
          f->update = job->update != NULL ? web_frame_update_ref (job->update) : NULL;
          f->from_ns = job->from_ns;
          f->to_ns = job->to_ns;
          g_hash_table_replace (self->finished, g_strdup (job->key), f);
        }
      shared_scene_unref (scene);
      frame_job_free (job);
    }
  if (sent_any && self->changed_us != 0)
    {
      self->stats.last_frame_latency_us = now - self->changed_us;
      self->changed_us = 0;
    }
  /* A slot in the pool is free: views left waiting get their turn. */
  server_schedule_frames (self);
  return G_SOURCE_CONTINUE;
}

static gboolean
jobs_done_dispatch (GSource *source, GSourceFunc callback, gpointer user_data)
{
  g_source_set_ready_time (source, -1);
  return callback (user_data);
}

static GSourceFuncs jobs_done_funcs = { NULL, NULL, jobs_done_dispatch, NULL, NULL, NULL };

/* A round of frames: for each /live client due a frame, hand it a
 * finished one of its view, make it wait for the one being rendered, or
 * prepare its view's input and give it to the pool (bounded by max_jobs;
 * the loop only extracts and detaches view data, the pool renders). */
static gboolean
on_frames (gpointer user_data)
{
  WebServer *self = user_data;
  g_autoptr(WebViewCache) views = web_view_cache_new ();
  guint64 n_events = ingest_store_n_events (self->store);
  gint64 now = g_get_monotonic_time ();
  gint64 interval = G_USEC_PER_SEC / self->options.max_fps;
  gint64 next_due = G_MAXINT64;
  gboolean sent_any = FALSE;
  GList *served = NULL;      /* Conn* given or promised a frame this round */
  gboolean built_any = FALSE;

  self->frame_source = 0;
  web_activity_update (self->activity, self->store);
  web_view_cache_set_live (views, self->live);
  web_view_cache_set_frame_budget (views, self->options.frame_budget);
  /* A window nobody looked at for 10 s (client gone, view changed) goes. */
  web_live_views_prune (self->live, now, 10 * G_USEC_PER_SEC);
  if (self->finished_events != n_events)
    {
      g_hash_table_remove_all (self->finished);
      self->finished_events = n_events;
    }
  for (GList *l = self->conns; l != NULL; l = l->next)
    {
      Conn *c = l->data;
      gint64 from_ns, to_ns;
      g_autofree char *key = NULL;
      FinishedFrame *done;

      if (c->kind != CONN_LIVE || !live_is_dirty (c, n_events))
        continue;
      /* A client that has not taken its last frame yet (it stopped
       * reading, or its turn to write has not come) gets no new
       * rendering: that would be thrown away unsent, and twenty stalled
       * clients re-rendered every round starved everyone else. Once lws
       * takes the frame, conn_writable asks for the newest one. Nor does
       * one whose frame is being rendered: at most one each. */
      if (c->pending_frame != NULL || c->waiting_key != NULL)
        continue;
      gint64 spacing = c->pace_fps > 0 ? MAX (interval, (gint64) (G_USEC_PER_SEC / c->pace_fps)) : interval;
      if (c->drawn_once && c->drawn_generation == c->state.generation &&
          now - c->last_frame_us < spacing)
        {
          next_due = MIN (next_due, c->last_frame_us + spacing);
          continue;
        }
      web_view_state_window (&c->state, self->store, &from_ns, &to_ns);
      key = web_view_state_key (&c->state, from_ns, to_ns);
      done = g_hash_table_lookup (self->finished, key);
      if (done != NULL)
        {
          live_set_frame (c, done->frame, done->parsed, done->update, done->scene);
          live_mark_drawn (c, n_events, done->from_ns, done->to_ns, now);
          sent_any = TRUE;
          served = g_list_prepend (served, c);
          continue;
        }
      /* Identical views share one rendering, also one already under way. */
      if (!g_hash_table_contains (self->jobs, key))
        {
          g_autoptr(GError) error = NULL;
          FrameJob *job;

          /* The pool is full: the next finished job starts another round.
           * Past the budget, views not prepared yet wait for the next round
           * (after the loop had as much time), and the clients served now
           * go to the back of the line, so every view gets its turn. */
          if (g_hash_table_size (self->jobs) >= self->max_jobs)
            continue;
          if (built_any && g_get_monotonic_time () - now > FRAME_ROUND_BUDGET_US)
            {
              next_due = now;
              continue;
            }
          built_any = TRUE;
          job = g_new0 (FrameJob, 1);
          job->input = web_frame_input_new (self->store, &c->state, self->activity, views, &error);
          if (job->input == NULL)
            {
              frame_job_free (job);
              conn_queue_error (c, error);
              live_mark_drawn (c, n_events, from_ns, to_ns, now);
              continue;
            }
          job->key = g_strdup (key);
          job->take_apart = c->delta != NULL;
          /* The base is what this client will have when the frame is
           * taken: its last frame, unless its view changed since. */
          if (c->delta != NULL && c->delta_generation == c->state.generation &&
              web_frame_delta_get_last (c->delta) != NULL)
            job->base = web_frame_parsed_ref (web_frame_delta_get_last (c->delta));
          job->n_events = n_events;
          job->from_ns = from_ns;
          job->to_ns = to_ns;
          g_hash_table_insert (self->jobs, job->key, job);
          g_thread_pool_push (self->render_pool, job, NULL);
        }
      c->waiting_key = g_steal_pointer (&key);
      c->waiting_generation = c->state.generation;
      served = g_list_prepend (served, c);
    }
  for (GList *l = served; l != NULL; l = l->next)
    {
      self->conns = g_list_remove (self->conns, l->data);
      self->conns = g_list_append (self->conns, l->data);
    }
  g_list_free (served);
  if (sent_any && self->changed_us != 0)
    {
      self->stats.last_frame_latency_us = g_get_monotonic_time () - self->changed_us;
      self->changed_us = 0;
    }
  self->frames_not_before_us = g_get_monotonic_time ()
                               + (g_get_monotonic_time () - now) / FRAME_PREP_SHARE_DIVISOR;
  if (next_due != G_MAXINT64)
    {
      next_due = MAX (next_due, self->frames_not_before_us);
      self->frame_source = g_timeout_add ((guint) MAX (1, (next_due - now + 999) / 1000),
                                          on_frames, self);
    }
  return G_SOURCE_REMOVE;
}

static void
server_schedule_frames (WebServer *self)
{
  gint64 now;

  if (self->frame_source != 0)
    return;
  now = g_get_monotonic_time ();
  if (now < self->frames_not_before_us)
    self->frame_source = g_timeout_add ((guint) MAX (1, (self->frames_not_before_us - now + 999) / 1000),
                                        on_frames, self);
  else
    self->frame_source = g_idle_add_full (G_PRIORITY_DEFAULT, on_frames, self, NULL);
}

/* TRUE when the client may have one more hit/details now (and takes it). */
/* Refills a token bucket up to burst at rate per second; TRUE if a token
 * is left to take (not taken yet). */
static gboolean
bucket_refill (double *tokens, gint64 *refill_us, gint64 now, int burst, int rate)
{
  *tokens = MIN ((double) burst, *tokens + (double) (now - *refill_us) * rate / G_USEC_PER_SEC);
  *refill_us = now;
  return *tokens >= 1.0;
}

static gboolean
live_lookup_allowed (Conn *c)
{
  WebServer *self = c->server;
  gint64 now = g_get_monotonic_time ();
  gboolean client_ok = bucket_refill (&c->lookup_tokens, &c->lookup_refill_us, now,
                                      LOOKUP_BURST, LOOKUP_RATE);
  gboolean service_ok = bucket_refill (&self->lookup_tokens, &self->lookup_refill_us, now,
                                       SERVICE_LOOKUP_BURST, SERVICE_LOOKUP_RATE);

  if (!client_ok || !service_ok)
    {
      g_autoptr(GError) e = g_error_new (WEB_PROTOCOL_ERROR, WEB_PROTOCOL_ERROR_LIMIT,
                                         "too many hit/details requests (at most %d a second "
                                         "per client, bursts of %d; %d a second for the whole "
                                         "service): this one was not answered",
                                         LOOKUP_RATE, LOOKUP_BURST, SERVICE_LOOKUP_RATE);
      c->server->stats.lookups_limited++;
      conn_queue_error (c, e);
      return FALSE;
    }
  c->lookup_tokens -= 1.0;
  self->lookup_tokens -= 1.0;
  return TRUE;
}

/* The deviations of the window the client sees (a scan of that window:
 * rate-limited like details). */
static void
live_deviations (Conn *c, json_t *msg)
{
  g_autoptr(GError) error = NULL;
  gint64 from_ns = c->drawn_from_ns, to_ns = c->drawn_to_ns;
  char *text;

  if (!live_lookup_allowed (c))
    return;
  if (!c->drawn_once)
    web_view_state_window (&c->state, c->server->store, &from_ns, &to_ns);
  text = web_deviations_reply (c->server->store, from_ns, to_ns, msg, &error);
  if (text == NULL)
    conn_queue_error (c, error);
  else
    conn_queue_reply (c, text);
}

/* One actor's charts over the window the client sees (rate-limited like
 * details). */
static void
live_actor_charts (Conn *c, json_t *msg)
{
  g_autoptr(GError) error = NULL;
  gint64 from_ns = c->drawn_from_ns, to_ns = c->drawn_to_ns;
  char *text;

  if (!live_lookup_allowed (c))
    return;
  if (!c->drawn_once)
    web_view_state_window (&c->state, c->server->store, &from_ns, &to_ns);
  text = web_actor_charts_reply (c->server->store, from_ns, to_ns, c->state.theme, msg, &error);
  if (text == NULL)
    conn_queue_error (c, error);
  else
    conn_queue_reply (c, text);
}

static void
live_handle (Conn *c, const char *data, gsize len)
{
  WebServer *self = c->server;
  g_auto(WebRequest) req = { 0 };
  g_autoptr(GError) error = NULL;

  if (!web_request_parse (data, len, &req, &error))
    {
      conn_queue_error (c, error);
      return;
    }
  switch (req.type)
    {
    case WEB_REQUEST_HELLO:
      /* The negotiation of updates: a client that lists "update" in its
       * hello's "accepts" gets them from its next frame on; one that
       * lists without it gets whole frames again; one that never says
       * (a protocol-1 client written before updates) keeps whole frames. */
      if (req.accepts_updates == 1 && c->delta == NULL)
        {
          c->delta = web_frame_delta_new_after (c->n_frames_taken);
          web_frame_delta_set_table_interval (c->delta, LIVE_TABLE_INTERVAL_US);
          c->delta_generation = c->drawn_generation;
        }
      else if (req.accepts_updates == 0)
        g_clear_pointer (&c->delta, web_frame_delta_free);
      conn_queue_reply (c, web_protocol_hello_json ((guint) self->options.max_message_bytes,
                                                    self->options.max_fps, c->delta != NULL));
      break;
    case WEB_REQUEST_PACE:
      /* No reply: it only spaces this client's frames (a view change
       * still gets its frame at once). */
      c->pace_fps = req.fps;
      break;
    case WEB_REQUEST_PING:
      conn_queue_reply (c, web_protocol_dump (json_pack ("{s:s}", "type", "pong")));
      break;
    case WEB_REQUEST_VIEW:
      if (!web_view_state_apply_json (&c->state, req.msg, &error))
        {
          conn_queue_error (c, error);
          return;
        }
      c->state_ready = TRUE;
      live_drop_waiting (c);
      server_schedule_frames (self);
      break;
    case WEB_REQUEST_PAUSE:
      {
        gint64 from_ns, to_ns;
        web_view_state_window (&c->state, self->store, &from_ns, &to_ns);
        c->state.follow = FALSE;
        c->state.from_ns = from_ns;
        c->state.to_ns = to_ns;
        c->state.generation++;
        c->state_ready = TRUE;
        live_drop_waiting (c);
        server_schedule_frames (self);
      }
      break;
    case WEB_REQUEST_LIVE:
      c->state.follow = TRUE;
      c->state.generation++;
      c->state_ready = TRUE;
      live_drop_waiting (c);
      server_schedule_frames (self);
      break;
    case WEB_REQUEST_DETAILS:
      {
        gint64 from_ns = c->drawn_from_ns, to_ns = c->drawn_to_ns;
        char *text;

        if (!live_lookup_allowed (c))
          return;
        /* Index ids ("span3") name items of the frame the client saw. */
        if (!c->drawn_once)
          web_view_state_window (&c->state, self->store, &from_ns, &to_ns);
        text = web_frame_details (self->store, &c->state, from_ns, to_ns, req.klass, req.id, &error);
        if (text == NULL)
          conn_queue_error (c, error);
        else
          conn_queue_reply (c, text);
      }
      break;
    case WEB_REQUEST_DEVIATIONS:
      live_deviations (c, req.msg);
      break;
    case WEB_REQUEST_CHARTS:
      live_actor_charts (c, req.msg);
      break;
    case WEB_REQUEST_SEARCH:
      if (live_lookup_allowed (c))
        {
          char *text = web_search_reply (self->store, req.msg, &error);
          if (text == NULL)
            conn_queue_error (c, error);
          else
            conn_queue_reply (c, text);
        }
      break;
    case WEB_REQUEST_HIT:
      {
        g_autoptr(RenderScene) scene = NULL;
        g_autofree char *frame = NULL;
        const RenderNode *hit;
        char *text = NULL;
        gint64 from_ns, to_ns;

        if (!live_lookup_allowed (c))
          return;
        if (c->frame_scene != NULL)
          /* The picture the client was given: no rendering on the loop. */
          hit = render_scene_hit_test (c->frame_scene->scene, req.x, req.y);
        else
          {
            /* No frame yet: render the view as its frame will be (with
             * the live views, a graph is laid out from its kept
             * positions). */
            g_autoptr(WebViewCache) views = web_view_cache_new ();
            web_view_cache_set_live (views, self->live);
            frame = web_frame_build (self->store, &c->state, NULL, views, &scene, &error);
            hit = frame != NULL ? render_scene_hit_test (scene, req.x, req.y) : NULL;
          }
        web_view_state_window (&c->state, self->store, &from_ns, &to_ns);
        if (hit != NULL && hit->u.group.id != NULL)
          text = web_frame_details (self->store, &c->state, from_ns, to_ns,
                                    hit->u.group.klass, hit->u.group.id, &error);
        else if (error == NULL)
          g_set_error (&error, WEB_PROTOCOL_ERROR, WEB_PROTOCOL_ERROR_NOT_FOUND,
                       "nothing at (%g, %g)", req.x, req.y);
        if (text == NULL)
          conn_queue_error (c, error);
        else
          conn_queue_reply (c, text);
      }
      break;
    }
}

/* ---- /ingest ------------------------------------------------------------ */

static void
ingest_handle (Conn *c, const char *data, gsize len)
{
  WebServer *self = c->server;
  g_autoptr(GError) error = NULL;
  guint64 skipped_before = ingest_parser_n_skipped (c->parser);

  if (ingest_xstate_looks_like (data, len))
    {
      if (!ingest_xstate_adapter_feed (c->xstate, data, len, &error))
        conn_queue_error (c, error);
    }
  else
    {
      /* A message ends a line: producers need not add the newline. */
      if (!ingest_parser_feed (c->parser, (const guint8 *) data, len, &error) ||
          (len > 0 && data[len - 1] != '\n' &&
           !ingest_parser_feed (c->parser, (const guint8 *) "\n", 1, &error)))
        {
          conn_fail (c, LWS_CLOSE_STATUS_INVALID_PAYLOAD, WEB_PROTOCOL_ERROR_BAD_FIELD,
                     error->message);
          return;
        }
      if (ingest_parser_n_skipped (c->parser) > skipped_before)
        {
          const GPtrArray *diags = ingest_parser_get_diagnostics (c->parser);
          if (diags != NULL && diags->len > 0)
            conn_queue_error (c, g_ptr_array_index (diags, diags->len - 1));
          else
            {
              g_autoptr(GError) e = g_error_new (WEB_PROTOCOL_ERROR, WEB_PROTOCOL_ERROR_BAD_FIELD,
                                                 "record skipped (%" G_GUINT64_FORMAT " so far)",
                                                 ingest_parser_n_skipped (c->parser));
              conn_queue_error (c, e);
            }
        }
      ingest_source_report_parser (&self->options.hooks, c->name, c->parser, &c->n_reported);
    }
  ingest_source_hooks_appended (&self->options.hooks);
  web_server_store_changed (self);
}

/* ---- /events ------------------------------------------------------------ */

/* The /events stream is a complete native trace: the version header and
 * every actor's declaration (kind, parent) come before the events that
 * name them, so a subscriber can parse it (or save it) as a file.
 * Declarations stop at the message bound like events do (a trace with a
 * million actors must not become one huge message); returns TRUE once all
 * actors known now are declared. */
static gboolean
events_declare_actors (WebServer *self, Conn *c, GString *out)
{
  guint32 n = ingest_store_n_actors (self->store);

  if (!c->header_sent)
    {
      g_string_append (out, "{\"actorscope\":1}\n");
      c->header_sent = TRUE;
    }
  for (; c->declared_actors < n && out->len < LWS_PRE + EVENTS_CHUNK; c->declared_actors++)
    {
      IngestActorId id = c->declared_actors + 1;
      const IngestActor *a = ingest_store_actor (self->store, id);
      const char *name;

      if (a == NULL)
        continue;
      name = ingest_store_actor_name (self->store, id);
      g_string_append (out, "{\"ev\":\"actor\",\"actor\":");
      ingest_json_append_string (out, name, strlen (name));
      g_string_append_printf (out, ",\"kind\":\"%s\"", ingest_actor_kind_to_string (a->kind));
      if (a->parent != 0)
        {
          const char *parent = ingest_store_actor_name (self->store, a->parent);
          g_string_append (out, ",\"parent\":");
          ingest_json_append_string (out, parent, strlen (parent));
        }
      g_string_append (out, "}\n");
    }
  return c->declared_actors >= n;
}

static int
events_write (Conn *c)
{
  WebServer *self = c->server;
  guint64 n = ingest_store_n_events (self->store);
  g_autoptr(GString) out = NULL;
  int wrote;

  gboolean declared;

  if (c->next_seq >= n && c->header_sent &&
      c->declared_actors >= ingest_store_n_actors (self->store))
    return 0;
  out = g_string_sized_new (LWS_PRE + EVENTS_CHUNK + 4096);
  g_string_set_size (out, LWS_PRE);
  declared = events_declare_actors (self, c, out);
  /* Asked for (or fallen behind into) history that retention dropped: say
   * so in a header line (readers ignore its extra members, see
   * web/PROTOCOL.md) and go on from the first event held. */
  IngestSeq first = ingest_store_first_seq (self->store);
  if (declared && c->next_seq < first)
    {
      g_string_append_printf (out, "{\"actorscope\":1,\"retained_away\":%" G_GUINT64_FORMAT
                              ",\"history_from\":%" G_GUINT64_FORMAT "}\n", first - c->next_seq, first);
      c->next_seq = first;
    }
  /* Events only after every actor they may name is declared. */
  while (declared && c->next_seq < n && out->len < LWS_PRE + EVENTS_CHUNK)
    ingest_native_format_event (self->store, c->next_seq++, out);
  wrote = lws_write (c->wsi, (unsigned char *) out->str + LWS_PRE, out->len - LWS_PRE,
                     LWS_WRITE_TEXT);
  /* Kept until the deflate drain is over (see Conn.inflight). */
  gsize out_len = out->len;
  c->inflight = g_string_free_to_bytes (g_steal_pointer (&out));
  if (wrote < (int) (out_len - LWS_PRE))
    return -1;
  if (!declared || c->next_seq < n)
    conn_want_write (c);
  return 0;
}

/* ---- connection life ---------------------------------------------------- */

static ConnKind
kind_from_uri (const char *uri)
{
  if (g_strcmp0 (uri, "/live") == 0)
    return CONN_LIVE;
  if (g_strcmp0 (uri, "/events") == 0)
    return CONN_EVENTS;
  if (g_strcmp0 (uri, "/ingest") == 0)
    return CONN_INGEST;
  return CONN_HTTP;
}

/* Refuses an upgrade with an HTTP status and a one-line reason; returns
 * the value CONFIRM_UPGRADE must return. */
static int
refuse_upgrade (WebServer *self, struct lws *wsi, unsigned int status, const char *reason)
{
  guint8 buf[LWS_PRE + 1024];
  guint8 *start = buf + LWS_PRE, *p = start, *end = buf + sizeof buf - 1;
  size_t len = strlen (reason);

  self->stats.refused++;
  ingest_source_hooks_note_limited (&self->options.hooks, &self->refused_note, "web",
                                    "refused a websocket: %s", reason);
  if (lws_add_http_common_headers (wsi, status, "text/plain; charset=utf-8", len, &p, end) ||
      lws_finalize_write_http_header (wsi, start, &p, end) ||
      lws_write (wsi, (unsigned char *) reason, len, LWS_WRITE_HTTP_FINAL) != (int) len)
    return -1;
  return 1;
}

/* The peer's address when it is beyond loopback, else "" (loopback peers
 * are all one address: a cap per address would be the global cap). */
static void
peer_name (struct lws *wsi, char *buf, gsize size)
{
  g_autoptr(GInetAddress) ia = NULL;

  buf[0] = '\0';
  if (lws_get_peer_simple (wsi, buf, size) == NULL ||
      ((ia = g_inet_address_new_from_string (buf)) != NULL && g_inet_address_get_is_loopback (ia)))
    buf[0] = '\0';
}

/* One address beyond loopback holds at most half of the clients' or the
 * producers' slots, so one host can't lock the others out. */
static gboolean
peer_over_cap (WebServer *self, struct lws *wsi, ConnKind kind)
{
  char peer[64];
  guint n = 0, cap;

  peer_name (wsi, peer, sizeof peer);
  if (peer[0] == '\0')
    return FALSE;
  cap = MAX (1, (kind == CONN_INGEST ? self->options.max_producers : self->options.max_clients) / 2);
  for (GList *l = self->conns; l != NULL; l = l->next)
    {
      Conn *c = l->data;
      n += (c->kind == CONN_INGEST) == (kind == CONN_INGEST) && strcmp (c->peer, peer) == 0;
    }
  return n >= cap;
}

static int
confirm_upgrade (WebServer *self, struct lws *wsi)
{
  g_autofree char *uri = hdr_dup (wsi, WSI_TOKEN_GET_URI);
  g_autofree char *origin = hdr_dup (wsi, WSI_TOKEN_ORIGIN);
  g_autofree char *host = hdr_dup (wsi, WSI_TOKEN_HOST);
  ConnKind kind = kind_from_uri (uri);

  if (kind == CONN_HTTP)
    return refuse_upgrade (self, wsi, HTTP_STATUS_NOT_FOUND,
                           "no websocket here (use /live, /events or /ingest)");
  if (!request_host_allowed (self, wsi))
    return refuse_upgrade (self, wsi, HTTP_STATUS_FORBIDDEN,
                           "Host is not a loopback name (use --token to serve others)");
  if (!request_authorized (self, wsi, NULL))
    return refuse_upgrade (self, wsi, HTTP_STATUS_UNAUTHORIZED, "missing or wrong token");
  if (!web_auth_check_origin (origin, host, (const char *const *) self->allowed_origins))
    return refuse_upgrade (self, wsi, HTTP_STATUS_FORBIDDEN,
                           "origin not allowed (see --allow-origin)");
  if (peer_over_cap (self, wsi, kind))
    return refuse_upgrade (self, wsi, HTTP_STATUS_SERVICE_UNAVAILABLE,
                           "too many connections from this address (half of the limit)");
  if (kind == CONN_INGEST && self->n_producers >= self->options.max_producers)
    {
      g_autofree char *r = g_strdup_printf ("too many producers (limit %u)",
                                            self->options.max_producers);
      return refuse_upgrade (self, wsi, HTTP_STATUS_SERVICE_UNAVAILABLE, r);
    }
  if (kind != CONN_INGEST && self->n_clients >= self->options.max_clients)
    {
      g_autofree char *r = g_strdup_printf ("too many clients (limit %u)",
                                            self->options.max_clients);
      return refuse_upgrade (self, wsi, HTTP_STATUS_SERVICE_UNAVAILABLE, r);
    }
  return 0;
}

static void
conn_setup (WebServer *self, Conn *c, struct lws *wsi)
{
  g_autofree char *uri = hdr_dup (wsi, WSI_TOKEN_GET_URI);
  char buf[64];

  c->server = self;
  c->wsi = wsi;
  c->kind = kind_from_uri (uri);
  c->rx = g_byte_array_new ();
  g_queue_init (&c->replies);
  peer_name (wsi, c->peer, sizeof c->peer);
  c->counted = TRUE;
  self->conns = g_list_prepend (self->conns, c);
  switch (c->kind)
    {
    case CONN_LIVE:
      self->n_clients++;
      web_view_state_init (&c->state);
      /* Updates are for clients that asked: a hello with "accepts"
       * (live_handle), or, the older form, /live?updates=1. Protocol 1
       * clients written before them only know whole frames. */
      {
        const char *u = lws_get_urlarg_by_name (wsi, "updates=", buf, (int) sizeof buf);
        if (u != NULL && strcmp (u, "1") == 0)
          {
            c->delta = web_frame_delta_new ();
            web_frame_delta_set_table_interval (c->delta, LIVE_TABLE_INTERVAL_US);
          }
      }
      c->lookup_tokens = LOOKUP_BURST;
      c->lookup_refill_us = g_get_monotonic_time ();
      conn_queue_reply (c, web_protocol_hello_json ((guint) self->options.max_message_bytes,
                                                    self->options.max_fps, c->delta != NULL));
      break;
    case CONN_EVENTS:
      {
        const char *from = lws_get_urlarg_by_name (wsi, "from=", buf, (int) sizeof buf);
        self->n_clients++;
        c->next_seq = from != NULL ? g_ascii_strtoull (from, NULL, 10) : 0;
        conn_want_write (c);
      }
      break;
    case CONN_INGEST:
      {
        IngestParserOptions popts = { 0 };
        self->n_producers++;
        c->name = g_strdup_printf ("ws:ingest#%" G_GUINT64_FORMAT, ++self->next_ingest_id);
        popts.source_name = c->name;
        popts.max_line_bytes = self->options.max_line_bytes;
        c->parser = ingest_parser_new (self->store, &popts);
        c->xstate = ingest_xstate_adapter_new (self->store, c->name);
        if (self->options.idle_timeout_s > 0)
          lws_set_timeout (wsi, PENDING_TIMEOUT_USER_OK, (int) self->options.idle_timeout_s);
        ingest_source_hooks_note (&self->options.hooks, INGEST_SOURCE_NOTE_INFO, c->name,
                                  "producer connected");
      }
      break;
    case CONN_HTTP:
      break;
    }
  self->stats.clients = self->n_clients;
  self->stats.producers = self->n_producers;
}

static void
conn_teardown (Conn *c)
{
  WebServer *self = c->server;

  if (!c->counted)
    return;
  c->counted = FALSE;
  self->conns = g_list_remove (self->conns, c);
  if (c->kind == CONN_INGEST)
    {
      g_autoptr(GError) error = NULL;
      /* A websocket message is all or nothing: the fragments of one that
       * never ended are dropped, and said so. */
      if (c->rx->len > 0)
        ingest_source_hooks_note (&self->options.hooks, INGEST_SOURCE_NOTE_WARNING, c->name,
                                  "disconnected in the middle of a message "
                                  "(%u bytes received of it, dropped)", c->rx->len);
      if (!ingest_parser_finish (c->parser, &error))
        ingest_source_hooks_note (&self->options.hooks, INGEST_SOURCE_NOTE_WARNING, c->name,
                                  "%s", error->message);
      ingest_source_report_parser (&self->options.hooks, c->name, c->parser, &c->n_reported);
      ingest_source_hooks_note (&self->options.hooks, INGEST_SOURCE_NOTE_INFO, c->name,
                                "producer disconnected");
      ingest_parser_free (c->parser);
      ingest_xstate_adapter_free (c->xstate);
      self->n_producers--;
      ingest_source_hooks_appended (&self->options.hooks);
      web_server_store_changed (self);
    }
  else if (c->kind == CONN_LIVE || c->kind == CONN_EVENTS)
    self->n_clients--;
  web_view_state_clear (&c->state);
  g_clear_pointer (&c->pending_frame, g_bytes_unref);
  g_clear_pointer (&c->pending_parsed, web_frame_parsed_unref);
  g_clear_pointer (&c->pending_update, web_frame_update_unref);
  g_clear_pointer (&c->frame_scene, shared_scene_unref);
  g_clear_pointer (&c->delta, web_frame_delta_free);
  g_clear_pointer (&c->waiting_key, g_free);
  g_clear_pointer (&c->inflight, g_bytes_unref);
  g_queue_clear_full (&c->replies, g_free);
  g_byte_array_unref (c->rx);
  g_free (c->close_reason);
  g_free (c->name);
  self->stats.clients = self->n_clients;
  self->stats.producers = self->n_producers;
}

static int
conn_writable (Conn *c)
{
  g_clear_pointer (&c->inflight, g_bytes_unref);
  conn_took_output (c);
  if (c->replies.length > 0)
    {
      g_autofree char *text = g_queue_pop_head (&c->replies);
      gsize len = strlen (text);
      guint8 *buf = g_malloc (LWS_PRE + len);

      memcpy (buf + LWS_PRE, text, len);
      c->inflight = g_bytes_new_take (buf, LWS_PRE + len);
      if (lws_write (c->wsi, buf + LWS_PRE, len, LWS_WRITE_TEXT) < (int) len)
        return -1;
    }
  else if (c->close_reason != NULL)
    {
      lws_close_reason (c->wsi, c->close_status, (unsigned char *) c->close_reason,
                        strlen (c->close_reason));
      return -1;
    }
  else if (c->kind == CONN_LIVE && c->pending_frame != NULL)
    {
      gsize size;
      guint8 *data;
      int wrote;

      c->inflight = live_take_frame (c);
      data = (guint8 *) g_bytes_get_data (c->inflight, &size);
      wrote = lws_write (c->wsi, data + LWS_PRE, size - LWS_PRE, LWS_WRITE_TEXT);
      if (wrote < (int) (size - LWS_PRE))
        return -1;
      c->server->stats.frames_sent++;
      /* No frame was rendered for it while this one waited. */
      if (live_is_dirty (c, ingest_store_n_events (c->server->store)))
        server_schedule_frames (c->server);
    }
  else if (c->kind == CONN_EVENTS)
    return events_write (c);

  /* An /events subscriber whose turn went to a reply still has its backlog
   * (events_write returns at once when there is none). */
  if (c->replies.length > 0 || c->close_reason != NULL || c->pending_frame != NULL)
    conn_want_write (c);
  else if (c->kind == CONN_EVENTS)
    lws_callback_on_writable (c->wsi);
  return 0;
}

static int
conn_receive (Conn *c, const void *in, size_t len)
{
  WebServer *self = c->server;

  if (c->close_reason != NULL)
    return 0; /* closing: ignore the rest */
  if (c->kind == CONN_INGEST && self->options.idle_timeout_s > 0)
    lws_set_timeout (c->wsi, PENDING_TIMEOUT_USER_OK, (int) self->options.idle_timeout_s);
  /* A frame that announces more than the bound is refused at its first
   * bytes, not after the client has trickled them all in. */
  if (c->rx->len + len > self->options.max_message_bytes ||
      lws_remaining_packet_payload (c->wsi) > self->options.max_message_bytes - c->rx->len - len)
    {
      g_autofree char *r = g_strdup_printf ("message larger than %" G_GSIZE_FORMAT " bytes",
                                            self->options.max_message_bytes);
      g_byte_array_set_size (c->rx, 0);
      conn_fail (c, LWS_CLOSE_STATUS_MESSAGE_TOO_LARGE, WEB_PROTOCOL_ERROR_TOO_BIG, r);
      return 0;
    }
  g_byte_array_append (c->rx, in, (guint) len);
  if (!lws_is_final_fragment (c->wsi) || lws_remaining_packet_payload (c->wsi) > 0)
    return 0;
  switch (c->kind)
    {
    case CONN_LIVE:
      live_handle (c, (const char *) c->rx->data, c->rx->len);
      break;
    case CONN_INGEST:
      ingest_handle (c, (const char *) c->rx->data, c->rx->len);
      break;
    case CONN_EVENTS:
      {
        g_autoptr(GError) e = g_error_new_literal (WEB_PROTOCOL_ERROR,
                                                   WEB_PROTOCOL_ERROR_UNKNOWN_TYPE,
                                                   "/events is read-only");
        conn_queue_error (c, e);
      }
      break;
    case CONN_HTTP:
      break;
    }
  g_byte_array_set_size (c->rx, 0);
  return 0;
}

static int
serve_http (WebServer *self, struct lws *wsi, const char *uri)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = NULL;
  g_autofree char *headers = NULL;
  const char *mime = NULL;
  gboolean via_query = FALSE;
  int n;

  if (!request_host_allowed (self, wsi))
    return http_reply (wsi, HTTP_STATUS_FORBIDDEN,
                       "403 forbidden: Host is not a loopback name "
                       "(serving other hosts needs --host and --token)\n");
  if (!request_authorized (self, wsi, &via_query))
    return http_reply (wsi, HTTP_STATUS_UNAUTHORIZED,
                       "401 unauthorized: this actorscope service needs its token "
                       "(open the URL printed by `actorscope serve`, with ?token=...)\n");
  if (g_strcmp0 (uri, WEB_OTLP_TRACES_PATH) == 0)
    return web_otlp_begin (self->otlp, wsi);
  path = web_static_resolve (self->static_root, uri, &mime, &error);
  if (path == NULL)
    return http_reply (wsi, g_error_matches (error, G_FILE_ERROR, G_FILE_ERROR_NOENT)
                              ? HTTP_STATUS_NOT_FOUND : HTTP_STATUS_FORBIDDEN,
                       g_error_matches (error, G_FILE_ERROR, G_FILE_ERROR_NOENT)
                         ? "404 not found\n" : "403 forbidden\n");
  /* The page runs only its own script: even if a trace string slipped into
   * markup, inline script and handlers would not run. */
  headers = g_strdup_printf (
    "Content-Security-Policy: default-src 'self'; script-src 'self'; "
    "style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; "
    "object-src 'none'; base-uri 'none'; frame-ancestors 'none'\r\n"
    "X-Content-Type-Options: nosniff\r\n"
    "Referrer-Policy: no-referrer\r\n"
    "Cache-Control: no-cache\r\n"
    "%s%s%s",
    via_query ? "Set-Cookie: actorscope_token=" : "",
    via_query ? self->token : "",
    via_query ? "; Path=/; HttpOnly; SameSite=Strict\r\n" : "");
  n = lws_serve_http_file (wsi, path, mime, headers, (int) strlen (headers));
  if (n < 0 || (n > 0 && lws_http_transaction_completed (wsi)))
    return -1;
  return 0;
}

static int
callback (struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in, size_t len)
{
  struct lws_context *ctx = lws_get_context (wsi);
  WebServer *self = ctx != NULL ? lws_context_user (ctx) : NULL;
  Conn *c = user;

  switch (reason)
    {
    case LWS_CALLBACK_HTTP:
      return serve_http (self, wsi, in);
    case LWS_CALLBACK_HTTP_BODY:
      return web_otlp_body (self->otlp, wsi, in, len);
    case LWS_CALLBACK_HTTP_BODY_COMPLETION:
      {
        gboolean appended = FALSE;
        int ret = web_otlp_complete (self->otlp, wsi, &appended);
        if (appended)
          {
            ingest_source_hooks_appended (&self->options.hooks);
            web_server_store_changed (self);
          }
        return ret;
      }
    case LWS_CALLBACK_HTTP_DROP_PROTOCOL:
    case LWS_CALLBACK_CLOSED_HTTP:
      if (self != NULL)
        web_otlp_forget (self->otlp, wsi);
      break;
    case LWS_CALLBACK_HTTP_CONFIRM_UPGRADE:
      return confirm_upgrade (self, wsi);
    case LWS_CALLBACK_ESTABLISHED:
      conn_setup (self, c, wsi);
      return 0;
    case LWS_CALLBACK_RECEIVE:
      return conn_receive (c, in, len);
    case LWS_CALLBACK_SERVER_WRITEABLE:
      if (c == NULL || !c->counted)
        return 0;
      return conn_writable (c);
    case LWS_CALLBACK_CLOSED:
      if (c != NULL && c->counted)
        conn_teardown (c);
      return 0;
    default:
      break;
    }
  return lws_callback_http_dummy (wsi, reason, user, in, len);
}

static const struct lws_protocols protocols[] = {
  { "actorscope", callback, sizeof (Conn), 64 * 1024, 0, NULL, 0 },
  { NULL, NULL, 0, 0, 0, NULL, 0 }
};

static void
lws_log_to_glib (int level, const char *line)
{
  /* Libraries never print: lws's own log goes to GLib's debug log. */
  g_debug ("lws: %s", line);
}

WebServer *
web_server_new (IngestStore *store, const WebServerOptions *options, GError **error)
{
  WebServer *self;
  struct lws_context_creation_info info;
  void *foreign[1];
  g_autofree char *root = NULL;
  g_autoptr(GInetAddress) listen_addr = NULL;

  g_return_val_if_fail (store != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  self = g_new0 (WebServer, 1);
  self->store = store;
  if (options != NULL)
    self->options = *options;
  self->host = g_strdup (self->options.host != NULL ? self->options.host : "127.0.0.1");
  self->token = self->options.token != NULL && *self->options.token != '\0'
    ? g_strdup (self->options.token) : NULL;
  self->allowed_origins = g_strdupv ((char **) self->options.allowed_origins);
  if (self->options.max_clients == 0)
    self->options.max_clients = DEFAULT_MAX_CLIENTS;
  if (self->options.max_producers == 0)
    self->options.max_producers = DEFAULT_MAX_PRODUCERS;
  if (self->options.max_message_bytes == 0)
    self->options.max_message_bytes = DEFAULT_MAX_MESSAGE;
  if (self->options.max_fps == 0)
    self->options.max_fps = DEFAULT_MAX_FPS;
  self->otlp = web_otlp_sink_new (store, self->options.max_message_bytes,
                                  self->options.idle_timeout_s);
  if (self->options.frame_budget == 0)
    self->options.frame_budget = WEB_FRAME_DEFAULT_BUDGET;
  self->options.host = self->host;
  self->options.token = self->token;
  self->options.allowed_origins = (const char *const *) self->allowed_origins;
  self->lookup_tokens = SERVICE_LOOKUP_BURST;
  self->lookup_refill_us = g_get_monotonic_time ();
  self->activity = web_activity_new ();
  self->live = web_live_views_new (store);
  {
    guint workers = MAX (2, g_get_num_processors ());

    self->max_jobs = workers * FRAME_JOBS_PER_WORKER;
    /* exclusive: the threads are ours (they are made nicer) */
    self->render_pool = g_thread_pool_new (render_job, self, (gint) workers, TRUE, NULL);
    self->done = g_async_queue_new ();
    self->jobs = g_hash_table_new (g_str_hash, g_str_equal);
    self->finished = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, finished_frame_free);
    self->done_source = g_source_new (&jobs_done_funcs, sizeof (GSource));
    g_source_set_callback (self->done_source, on_jobs_done, self, NULL);
    g_source_set_ready_time (self->done_source, -1);
    g_source_set_name (self->done_source, "actorscope frames done");
    g_source_attach (self->done_source, g_main_context_get_thread_default ());
  }

  /* The token goes verbatim into a Set-Cookie header and the printed URL,
   * and arrives url-decoded from "?token=": unreserved URL characters only,
   * so it can't split a header or a query. */
  if (self->token != NULL &&
      (strlen (self->token) > 256 ||
       strspn (self->token, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
         != strlen (self->token)))
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                           "--token may only use letters, digits and - . _ ~ (at most 256)");
      goto fail;
    }
  if (!web_auth_is_loopback (self->host) && self->token == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   "binding to %s (beyond loopback) requires --token", self->host);
      goto fail;
    }
  /* lws binds its listen socket to info.iface only when it can use it with
   * the socket's family: with IPv6 on (lws's default), an IPv4 address such
   * as 127.0.0.1 is silently ignored and the socket listens on every
   * interface of the machine. So the host must be a literal address (or
   * "localhost"), and an IPv4 host turns lws's IPv6 off. tests/
   * test-web-live.mjs checks the bound address in /proc/net/tcp. */
  if (g_ascii_strcasecmp (self->host, "localhost") == 0)
    {
      g_free (self->host);
      self->host = g_strdup ("127.0.0.1");
      self->options.host = self->host;
    }
  listen_addr = g_inet_address_new_from_string (self->host);
  if (listen_addr == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   "--host must be an IP address such as 127.0.0.1, ::1, 0.0.0.0 or :: (not %s)",
                   self->host);
      goto fail;
    }
  root = realpath (self->options.static_dir != NULL ? self->options.static_dir : SOURCE_WEBDIR, NULL);
  if (root == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, "static directory %s not found",
                   self->options.static_dir != NULL ? self->options.static_dir : SOURCE_WEBDIR);
      goto fail;
    }
  self->static_root = g_steal_pointer (&root);

  lws_set_log_level (LLL_ERR | LLL_WARN, lws_log_to_glib);
  /* lws's GLib event library attaches to a main loop; it only uses the
   * loop's context, which is the thread-default one we run. */
  self->foreign_loop = g_main_loop_new (g_main_context_get_thread_default (), FALSE);
  foreign[0] = self->foreign_loop;
  memset (&info, 0, sizeof info);
  info.port = (int) self->options.port;
  info.iface = self->host;
  info.protocols = protocols;
  /* Not HTTP_HEADERS_SECURITY_BEST_PRACTICES_ENFORCE: the static file
   * handler below sends its own CSP and security headers, and lws's
   * stricter set would replace the CSP the page needs. */
  info.options = LWS_SERVER_OPTION_GLIB;
  if (g_inet_address_get_family (listen_addr) == G_SOCKET_FAMILY_IPV4)
    info.options |= LWS_SERVER_OPTION_DISABLE_IPV6;
  info.foreign_loops = foreign;
  info.user = self;
  info.max_http_header_data = 4096;
  /* Below the process limit, so lws pauses its accepts (accept
   * modulation) before accept() fails with EMFILE: lws 4.1 would retry
   * such a failure at once, forever. */
  info.fd_limit_per_thread = self->options.max_fds;
  /* A connection that has not finished its HTTP request (or upgrade) in
   * 10 s is dropped: slowloris peers and non-HTTP garbage each hold a
   * connection slot only that long. Established websockets are not
   * affected. */
  info.timeout_secs = 10;
  info.ka_time = 60;
  info.ka_probes = 3;
  info.ka_interval = 10;
  self->context = lws_create_context (&info);
  if (self->context == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                   "could not listen on %s:%u (address in use, or lws GLib support missing)",
                   self->host, self->options.port);
      goto fail;
    }
  {
    struct lws_vhost *vh = lws_get_vhost_by_name (self->context, "default");
    int port = vh != NULL ? lws_get_vhost_listen_port (vh) : (int) self->options.port;
    self->port = (guint) port;
  }
  return self;

fail:
  web_server_free (self);
  return NULL;
}

void
web_server_free (WebServer *self)
{
  if (self == NULL)
    return;
  if (self->frame_source != 0)
    g_source_remove (self->frame_source);
  /* Jobs under way finish (they touch only their own input); then the
   * finished ones are freed unsent. */
  if (self->render_pool != NULL)
    g_thread_pool_free (self->render_pool, FALSE, TRUE);
  if (self->done != NULL)
    {
      FrameJob *job;
      while ((job = g_async_queue_try_pop (self->done)) != NULL)
        frame_job_free (job);
      g_async_queue_unref (self->done);
    }
  if (self->done_source != NULL)
    {
      g_source_destroy (self->done_source);
      g_source_unref (self->done_source);
    }
  g_clear_pointer (&self->jobs, g_hash_table_unref);
  g_clear_pointer (&self->finished, g_hash_table_unref);
  if (self->context != NULL)
    lws_context_destroy (self->context);
  /* CLOSED callbacks ran during destroy; anything left is freed here. */
  while (self->conns != NULL)
    conn_teardown (self->conns->data);
  g_clear_pointer (&self->foreign_loop, g_main_loop_unref);
  web_otlp_sink_free (self->otlp);
  web_activity_free (self->activity);
  web_live_views_free (self->live);
  g_strfreev (self->allowed_origins);
  g_free (self->static_root);
  g_free (self->token);
  g_free (self->host);
  g_free (self);
}

guint
web_server_get_port (WebServer *self)
{
  g_return_val_if_fail (self != NULL, 0);

  return self->port;
}

void
web_server_store_changed (WebServer *self)
{
  guint64 n;

  g_return_if_fail (self != NULL);

  n = ingest_store_n_events (self->store);
  if (self->changed_us == 0)
    self->changed_us = g_get_monotonic_time ();
  for (GList *l = self->conns; l != NULL; l = l->next)
    {
      Conn *c = l->data;
      if (c->kind == CONN_EVENTS && c->next_seq < n)
        conn_want_write (c);
    }
  server_schedule_frames (self);
}

void
web_server_get_stats (WebServer *self, WebServerStats *out)
{
  g_return_if_fail (self != NULL);
  g_return_if_fail (out != NULL);

  *out = self->stats;
  out->clients = self->n_clients;
  out->producers = self->n_producers;
}
