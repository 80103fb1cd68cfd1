/* ingest-source-nats.h: a collector reading native NDJSON events from a
 * NATS JetStream stream through a durable pull consumer
 * (`serve --nats URL --stream NAME`; wire form in data/formats/nats.md).
 *
 * Exactly once into the store, across kill -9: a message is acked only
 * after its events are durable in the owner's data directory. The owner
 * drives that with three calls around each data directory flush:
 *
 *   ingest_nats_source_prepare_flush   journal "stream seq -> log seqs" of
 *                                      the messages appended since the last
 *                                      flush (written and fdatasync'd)
 *   ingest_nats_source_cut             where the owner may end an append to
 *                                      the log: never inside a message, so a
 *                                      torn tail never keeps half of one
 *   ingest_nats_source_durable         the log's flush succeeded: ack
 *
 * At start the journal (a file in the data directory) is read against the
 * events the log holds: a message whose events are all there is done (a
 * redelivery of it is acked and dropped), one journaled past the end of the
 * log was lost with the torn tail and is taken again. The stream sequence
 * is the key, so redeliveries (ack lost, AckWait expired, a node failover)
 * never count twice. Without a journal (no data directory) messages are
 * acked as soon as they are in the store.
 *
 * Producer order: messages with the Actorscope-Producer and
 * Actorscope-Batch headers (actorscope publish sets them) are parsed in
 * batch order per producer, whatever order the stream or redeliveries
 * bring them in, because pairing depends on it; a message ahead of a gap
 * is held (bounded) until the gap fills or has waited two AckWaits.
 *
 * Threading: a worker thread owns the NATS connection (connect, create the
 * stream when it is missing, subscribe, fetch in batches while fewer than
 * max_inflight messages are unacked); messages and notes come back to the
 * thread-default main context of the creator, where they are parsed into
 * the store. The library reconnects by itself (any URL of the list); the
 * worker retries everything else with a backoff and says so once.
 */
#pragma once

#include "ingest-source.h"
#include "ingest-log.h"
#include "ingest-parser.h"

G_BEGIN_DECLS

/* Credentials: each may be NULL. Strings are copied. */
typedef struct {
  const char *user;
  const char *password;
  const char *token;
  const char *creds_file;   /* a NATS .creds file (JWT and nkey seed) */
} IngestNatsAuth;

/* An owned copy of credentials, for an object that connects again later:
 * ingest_nats_auth_copy() fills it from auth (NULL: none);
 * ingest_nats_auth_clear() wipes the secrets before freeing them;
 * ingest_nats_auth_view() lends it as an IngestNatsAuth (borrowed, valid
 * while the copy is). */
typedef struct {
  char *user, *password, *token, *creds_file;
} IngestNatsAuthCopy;

void ingest_nats_auth_copy (IngestNatsAuthCopy *copy, const IngestNatsAuth *auth);
void ingest_nats_auth_clear (IngestNatsAuthCopy *copy);
IngestNatsAuth ingest_nats_auth_view (const IngestNatsAuthCopy *copy);

typedef struct {
  const char *url;          /* "nats://127.0.0.1:4222", or several, comma-separated */
  IngestNatsAuth auth;
  const char *stream;       /* the stream name; created when missing */
  const char *subjects;     /* NULL = "actorscope.>": the consumer's filter and
                             * the new stream's subject */
  const char *durable;      /* NULL = "actorscope": the durable consumer's name */
  gint64 since_ns;          /* a new consumer starts at this wall-clock time
                             * (ns since the epoch); 0 = the first message */
  int replicas;             /* a new stream's replicas; 0 = 1 */
  gint64 max_age_ns;        /* a new stream's MaxAge; 0 = 7 days */
  gboolean strict;          /* stop at the first malformed record */
  /* Take messages as they come, not in producer order (Actorscope-Producer
   * and Actorscope-Batch headers): for collectors sharing a durable, which
   * each see only part of every producer's batches. */
  gboolean unordered;
  gsize max_line_bytes;     /* 0 = INGEST_PARSER_DEFAULT_MAX_LINE */
  guint max_inflight;       /* messages fetched and not yet acked; 0 = 1024 */
  guint batch;              /* messages per fetch; 0 = 256 */
  /* The journal file (in the data directory), NULL = none: then messages
   * are acked once in the store. */
  const char *journal_path;
  /* The owner's log: log seq = store seq + log_seq_offset; log_durable is
   * the number of log seqs durable when the store was restored. */
  guint64 log_seq_offset;
  guint64 log_durable;
  /* The owner's log when it is the stream itself (ingest-log-nats.h;
   * borrowed), else NULL: every message parsed is noted to it. */
  IngestLog *stream_log;
  /* Called on the main context when the source stops for good (strict
   * mode, refused credentials, journal write error); may be NULL. */
  void (*stopped) (gpointer user_data);
  gpointer stopped_data;
} IngestNatsOptions;

typedef struct _IngestNatsSource IngestNatsSource;

/* Starts the worker (the connection is made there: an unreachable server
 * is retried, not an error). Returns NULL with error for bad options or an
 * unreadable journal. store is borrowed; options and hooks are copied.
 * Owned by the caller. */
IngestNatsSource *ingest_nats_source_new (IngestStore *store, const IngestNatsOptions *options,
                                          const IngestSourceHooks *hooks, GError **error);
/* Stops fetching (joins the worker); messages fetched and not yet in the
 * store are dropped unacked (the server delivers them again). Messages in
 * the store can still be journaled and acked. Idempotent. */
void ingest_nats_source_stop (IngestNatsSource *source);
/* Stops, sends the acks still queued and closes the connection. NULL-safe. */
void ingest_nats_source_free (IngestNatsSource *source);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (IngestNatsSource, ingest_nats_source_free)

/* Journals the messages appended since the last call. FALSE on a write
 * error: the owner must not flush the log (the source has stopped). */
gboolean ingest_nats_source_prepare_flush (IngestNatsSource *source, GError **error);
/* A store seq in (from, to] at which an append to the log may end: to,
 * or the start or end of a message that spans from + max_events. */
IngestSeq ingest_nats_source_cut (IngestNatsSource *source, IngestSeq from, IngestSeq to,
                                  guint64 max_events);
/* The store's events below durable (store seqs) are durable: acks the
 * journaled messages whose events all are. */
void ingest_nats_source_durable (IngestNatsSource *source, IngestSeq durable);

typedef struct {
  guint64 messages;         /* messages parsed into the store */
  guint64 events;           /* events they appended */
  guint64 acked;            /* messages acked */
  guint64 redelivered;      /* deliveries of a message already taken, dropped */
  guint64 bad_messages;     /* messages with a malformed record */
  guint64 restored_done;    /* stream seqs the journal said were stored */
  guint64 lost_torn;        /* journaled messages the log lost to a torn tail */
  guint64 held;             /* messages held until their producer's gap filled */
  guint64 out_of_order;     /* messages taken behind their producer's order */
  guint64 skipped_batches;  /* producer batches given up on (never came in time) */
  guint inflight;           /* fetched, not yet acked */
  gboolean connected;
} IngestNatsStats;

void ingest_nats_source_get_stats (IngestNatsSource *source, IngestNatsStats *out);

/* Connection options for url and auth, shared with `actorscope publish`:
 * every URL of the comma-separated list, reconnecting for ever, and the
 * credentials. Returns a natsOptions * (owned: natsOptions_Destroy) or NULL
 * with error. */
gpointer ingest_nats_options_new (const char *url, const IngestNatsAuth *auth, GError **error);

/* Creates the stream when it is missing (js: a jsCtx *), with file
 * storage, limits retention (discard old), replicas (0 = 1), MaxAge
 * max_age_ns (0 = 7 days) and a 2-minute duplicate window; *created (owned)
 * then says so, else NULL. FALSE with error when it can neither be found
 * nor created. */
gboolean ingest_nats_ensure_stream (gpointer js, const char *stream, const char *subjects,
                                    int replicas, gint64 max_age_ns, char **created,
                                    GError **error);

/* TRUE for a stream or consumer name NATS accepts and that is safe in a
 * file name: 1 to 64 of [A-Za-z0-9_-]. */
gboolean ingest_nats_name_is_valid (const char *name);

G_END_DECLS
