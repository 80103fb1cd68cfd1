/* web-server.h: the live service's HTTP + websocket server (libwebsockets
 * on the GLib main loop).
 *
 * Endpoints:
 *   GET /...      static files of the page (web/static), see web-static.h
 *   ws /live      the browser console: per-client view state, SVG frames
 *                 pushed when something changed, at most max_fps per client,
 *                 newest frame wins (PROTOCOL.md)
 *   ws /events    the raw accepted event stream as native NDJSON from
 *                 ?from=SEQ (default 0), for other viewers and scripts
 *   ws /ingest    producers: native NDJSON lines or XState inspection events
 *                 (one JSON object per message)
 * Every connection is checked (token, Origin) before the upgrade and
 * counted against the client / producer limits; a refused upgrade gets an
 * HTTP status with a one-line reason.
 *
 * The server borrows the store and appends /ingest events to it; the owner
 * calls web_server_store_changed() when its own sources appended.
 */
#pragma once

#include "ingest-source.h"

G_BEGIN_DECLS

typedef struct _WebServer WebServer;

typedef struct {
  const char *host;               /* default "127.0.0.1" */
  guint port;                     /* 0 = ephemeral (see web_server_get_port) */
  const char *static_dir;         /* default SOURCE_WEBDIR */
  const char *token;              /* NULL = none; required unless host is loopback */
  const char *const *allowed_origins; /* extra Origins accepted on upgrades */
  guint max_clients;              /* /live + /events, default 64 */
  guint max_producers;            /* /ingest, default 64 */
  gsize max_message_bytes;        /* incoming ws message bound, default 1 MiB */
  gsize max_line_bytes;           /* NDJSON line bound for /ingest, 0 = parser default */
  guint max_fps;                  /* frames per second per client, default 10 */
  gsize frame_budget;             /* most bytes of SVG per frame, default
                                   * WEB_FRAME_DEFAULT_BUDGET (web-frame.h) */
  guint idle_timeout_s;           /* /ingest: no message for this long closes it;
                                   * /live, /events: data waiting this long unread
                                   * closes it. 0 = never */
  guint max_fds;                  /* descriptors lws may hold (connections, its
                                   * listen socket, handshakes in flight); at this
                                   * many it stops accepting until one closes.
                                   * 0 = the process's RLIMIT_NOFILE */
  IngestSourceHooks hooks;        /* notes, and appended after /ingest data */
} WebServerOptions;

/* Creates the server and starts listening on the thread-default GLib main
 * context (options and strings are copied; options may be NULL for the
 * defaults). store is borrowed and must outlive the server. NULL with error
 * on a bad option (e.g. a non-loopback host without a token) or when binding
 * fails. */
WebServer *web_server_new (IngestStore *store, const WebServerOptions *options, GError **error);
void web_server_free (WebServer *server);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (WebServer, web_server_free)

/* The port actually bound. */
guint web_server_get_port (WebServer *server);

/* New events are in the store: schedule frames and /events pushes. Cheap;
 * call it after every batch. */
void web_server_store_changed (WebServer *server);

typedef struct {
  guint clients, producers;
  guint64 frames_built;           /* renderings (shared by clients with the same view) */
  guint64 frames_sent;            /* whole frames and updates */
  guint64 frame_updates;          /* of those, updates (web-frame-delta.h) */
  guint64 frames_replaced;        /* pending frames superseded before being sent */
  guint64 refused;                /* upgrades refused (limits, token, origin) */
  guint64 lookups_limited;        /* hit/details requests refused by the rate limit */
  gint64 last_frame_latency_us;   /* store change -> frame handed to lws */
} WebServerStats;

void web_server_get_stats (WebServer *server, WebServerStats *out);

G_END_DECLS
