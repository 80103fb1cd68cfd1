/* serve-load.h: the shared parts of the load programs for `actorscope serve`
 * (bench-serve prints figures; soak-serve runs long and fails on any
 * error): the server under test as a child process (ports, stderr, memory),
 * a paced TCP NDJSON producer, a pool of lws /live websocket clients (fixed,
 * or joining and leaving continuously with slow readers and abrupt
 * disconnects) and latency percentiles.
 *
 * Test-support code: not a library of the project, never installed.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* ---- the server ---------------------------------------------------------- */

typedef struct _ServeLoadServer ServeLoadServer;

/* Starts `ACTORSCOPE serve -p 0 --listen tcp://127.0.0.1:0 -q` plus
 * EXTRA_ARGS (NULL-terminated, may be NULL) and waits for it to print its
 * two ports. Its stdout is drained; every stderr line is kept (the server
 * prints only warnings and errors with -q) and, when ECHO is TRUE, also
 * written to our stderr as it comes. Returns an owned server, or NULL with
 * ERROR set (the child is killed). */
ServeLoadServer *serve_load_server_start (const char *actorscope, const char *const *extra_args,
                                          gboolean echo, GError **error);
int serve_load_server_get_web_port (ServeLoadServer *server);
int serve_load_server_get_tcp_port (ServeLoadServer *server);
int serve_load_server_get_pid (ServeLoadServer *server);
/* VmRSS and VmHWM of the server in KiB (from /proc/PID/status); FALSE
 * when it is gone. */
gboolean serve_load_server_memory (ServeLoadServer *server, long *rss_kb, long *hwm_kb);
/* Where the server's resident memory is, in KiB, from /proc/PID/smaps:
 * the main heap (brk: the store's chunks and most small blocks), the
 * malloc arenas of other threads (anonymous mappings on a 64 MiB
 * boundary), thread stacks ([stack] and 8 MiB anonymous mappings), other
 * anonymous mappings (blocks of 256 KiB and more: tables, frames, zstd
 * contexts) and files (libraries, locale). FALSE when it is gone. */
typedef struct {
  long heap, arenas, stacks, big_blocks, files;
} ServeLoadMemoryParts;
gboolean serve_load_server_memory_parts (ServeLoadServer *server, ServeLoadMemoryParts *out);
/* TRUE while the server runs (it is reaped here once it has exited). */
gboolean serve_load_server_alive (ServeLoadServer *server);
/* Number of stderr lines so far; serve_load_server_dup_stderr returns them
 * as an owned NULL-terminated array. */
guint serve_load_server_n_stderr (ServeLoadServer *server);
char **serve_load_server_dup_stderr (ServeLoadServer *server);
/* Stops the server with SIGTERM (SIGKILL after TIMEOUT_S seconds) unless
 * it already exited, and returns its wait status (-1 if unknown). Waits for
 * its output to be read to the end. Idempotent. */
int serve_load_server_stop (ServeLoadServer *server, double timeout_s);
/* NULL-safe; stops the server first if it still runs. */
void serve_load_server_free (ServeLoadServer *server);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (ServeLoadServer, serve_load_server_free)

/* ---- the producer -------------------------------------------------------- */

typedef struct _ServeLoadProducer ServeLoadProducer;

/* Connects to the server's TCP producer port and sends the native header.
 * Events are send/receive/done triples between 64 senders and 16 workers,
 * each stamped with the wall clock (the latency reference). Owned; NULL
 * with ERROR on failure. */
ServeLoadProducer *serve_load_producer_new (int tcp_port, double rate, GError **error);
/* Writes the events due by now at RATE since the first call (at most 20 ms
 * worth per call). *WROTE says whether anything was due. FALSE with ERROR
 * when the server stopped reading or closed the connection. */
gboolean serve_load_producer_step (ServeLoadProducer *producer, gboolean *wrote, GError **error);
guint64 serve_load_producer_get_sent (ServeLoadProducer *producer);
/* Closes the connection (pending bytes are flushed first). */
void serve_load_producer_free (ServeLoadProducer *producer);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (ServeLoadProducer, serve_load_producer_free)

/* ---- latency samples ------------------------------------------------------ */

/* At most this many samples are kept (later ones are dropped, counted). */
#define SERVE_LOAD_MAX_SAMPLES (1u << 22)

typedef struct {
  GArray *ms;                  /* double */
  guint64 dropped;
} ServeLoadLatency;

void serve_load_latency_init (ServeLoadLatency *lat);
void serve_load_latency_clear (ServeLoadLatency *lat);
void serve_load_latency_add (ServeLoadLatency *lat, double ms);
/* Sorts the samples and gives the percentiles; FALSE when there are none. */
gboolean serve_load_latency_percentiles (ServeLoadLatency *lat, double *p50, double *p90,
                                         double *p99, double *max);

/* ---- /live clients ---------------------------------------------------------- */

/* Number of distinct views of ServeLoadClientsConfig.distinct_views. */
#define SERVE_LOAD_DISTINCT_VIEWS 20

typedef struct {
  int port;
  guint clients;               /* connected at once (at most) */
  double window_s;             /* followed window of the views */
  /* Churn: every client leaves after a random time (mean MEAN_LIFE_S) and a
   * new one with a random view joins; a share of them read slowly (their
   * socket is not read for seconds at a time), a share disconnect
   * abruptly (shutdown of the socket, possibly mid-frame) instead of
   * closing politely. They also send pause/live/ping/view changes. Without
   * churn the clients follow views 0..2 (graph, timeline, sequence) in turn
   * for the whole run. */
  gboolean churn;
  double mean_life_s;
  guint32 seed;
  /* Without churn: client i follows distinct_view (i % 20), twenty views
   * that differ in kind, window, filters, groups and size, instead of
   * views 0..2. */
  gboolean distinct_views;
  /* Frames validated as JSON (type, events, svg, counters): every Nth of a
   * client (0: none). */
  guint validate_every;
  /* Ask for updates (/live?updates=1) as the page does: a frame whose
   * structure did not change arrives as an "update", counted as a frame
   * (and not validated). */
  gboolean updates;
} ServeLoadClientsConfig;

typedef struct {
  guint64 joins, polite_leaves, abrupt_leaves, connected_now;
  guint64 frames, bytes;
  guint64 updates;             /* of frames, those that came as an "update" */
  guint64 events;              /* largest "events" of any frame */
  guint64 skipped;             /* largest counters.skipped of a validated frame */
  double client_seconds;       /* time integral of connected clients */
  /* The same over clients that follow live and read their socket (not
   * paused, not a slow reader's stall), and the frames they got: paused
   * and stalled clients get no frames by design, so frames per client per
   * second over all client-seconds understates what a watching user sees. */
  double following_seconds;
  guint64 following_frames;
  guint64 errors;
} ServeLoadClientsStats;

typedef struct _ServeLoadClients ServeLoadClients;

/* Starts the pool in its own thread (one lws context). Owned. */
ServeLoadClients *serve_load_clients_start (const ServeLoadClientsConfig *config);
/* While TRUE (the default), a following client that gets no frame for 30 s
 * is an error; turn it off when the producer stops (no new data, no
 * frames). */
void serve_load_clients_expect_frames (ServeLoadClients *pool, gboolean expect);
/* Totals so far. */
void serve_load_clients_get_stats (ServeLoadClients *pool, ServeLoadClientsStats *stats);
/* Moves the latency samples taken since the last call (following clients
 * that read at full speed only) into INTERVAL and appends them to TOTAL
 * (either may be NULL). */
void serve_load_clients_take_latency (ServeLoadClients *pool, ServeLoadLatency *interval,
                                      ServeLoadLatency *total);
/* Frames received per slot (client i of a pool without churn) into
 * counts[0 .. n-1] (slots beyond the pool get 0). */
void serve_load_clients_get_slot_frames (ServeLoadClients *pool, guint64 *counts, guint n);
/* Moves the frame sizes (bytes) taken since the last call into SIZES. */
void serve_load_clients_take_sizes (ServeLoadClients *pool, ServeLoadLatency *sizes);
/* Owned NULL-terminated array of the errors seen so far (refused
 * connections, error replies, closes we did not ask for, bad frames). */
char **serve_load_clients_dup_errors (ServeLoadClients *pool);
/* Stops the thread, closes every connection; NULL-safe. */
void serve_load_clients_stop (ServeLoadClients *pool);

G_END_DECLS
