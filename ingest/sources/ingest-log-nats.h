/* ingest-log-nats.h: the event log whose events live in a NATS JetStream
 * stream (`serve --nats ... --log stream`; data/formats/nats.md).
 *
 * The collector's events came from stream messages, which JetStream holds
 * durably (replicated) before delivering them, so this log keeps no event
 * bytes of its own: only an index file in the data directory, one 40-byte
 * entry per message, "log seqs [a, a + n) <- stream seq, time range",
 * in log order (the collector's store order: producers' batches in their
 * order, which is not stream order). append turns the messages the
 * collector noted (ingest_log_nats_note) into index entries, flush writes
 * and fdatasyncs them, read finds messages through the index, fetches each
 * by stream sequence (js_GetMsg; a bounded cache of recent payloads),
 * parses it with the native parser as the collector did (so seqs line up;
 * a message cut by a strict stop gives only its first n events) and hands
 * the events out through the log codec, like the disk log does.
 *
 *   DIR/nats-STREAM.index   header (160 bytes: marker, stream name,
 *                           the store's source counters at the last flush),
 *                           then entries: sseq u64, a u64, n u64,
 *                           min_ns i64, max_ns i64 (little endian;
 *                           sseq 0: events not from the stream)
 *
 * Retention is the stream's (MaxAge, MaxMsgs, MaxBytes): first_seq is the
 * first log seq whose message the stream still holds (asked at open and at
 * most every 10 s on flush); what retention removed is counted in the info,
 * never silently: a read over removed messages skips and counts them
 * (lenient) or fails naming the stream seq (strict).
 *
 * Only events that came from the stream are in it: store events no noted
 * message covers (another source of the same service: /ingest, OTLP) are
 * indexed as local-only entries (stream seq 0), counted in the info, and
 * skipped and counted by reads: a restart does not have them.
 *
 * Threading: one thread (the owner's). The log has its own NATS connection
 * (the collector's is its worker's). Libraries never print.
 */
#pragma once

#include "ingest-log.h"
#include "ingest-source-nats.h"

G_BEGIN_DECLS

typedef struct {
  const char *url;          /* server URLs, comma-separated */
  IngestNatsAuth auth;
  const char *stream;       /* must exist (the collector creates it first) */
  const char *index_path;   /* the index file (created when missing) */
  gsize max_line_bytes;     /* as the collector's parser: 0 = default */
  gsize cache_bytes;        /* payload cache; 0 = 16 MiB */
  /* Working memory of a read (the scratch store the messages are parsed
   * into pages out beyond it, to page_dir); 0 = 64 MiB. */
  gsize read_budget_bytes;
  const char *page_dir;     /* where that scratch store pages (the data dir) */
} IngestLogNatsOptions;

/* Opens (creates) the index and connects to the server. Returns an owned
 * log or NULL with error: the server unreachable (G_IO_ERROR_NOT_CONNECTED:
 * the owner may try again; a rebuild needs it), the
 * stream missing, an index of another stream or not an index, I/O. A torn
 * tail of the index (a partial entry, or entries that do not follow on)
 * is cut and reported in the info. */
IngestLog *ingest_log_nats_open (const IngestLogNatsOptions *options, GError **error);

/* TRUE when log is a stream log. */
gboolean ingest_log_is_nats (IngestLog *log);

/* The collector parsed stream message sseq into the store's events
 * [store_a, store_b): the next append covering them indexes them. Called
 * in store order. A message without events is not indexed. */
void ingest_log_nats_note (IngestLog *log, guint64 sseq, IngestSeq store_a, IngestSeq store_b);

typedef struct {
  guint64 torn_bytes;        /* index bytes cut at open */
  guint64 entries;           /* messages indexed (durable) */
  guint64 index_bytes;       /* the index file's size */
  guint64 stream_first_seq;  /* the stream's FirstSeq when last asked */
  guint64 retained_events;   /* log seqs below first_seq: removed by the
                              * stream's retention, ever (== first_seq) */
  guint64 retained_now;      /* of those, found at the last check */
  guint64 fetched;           /* messages fetched from the stream by reads */
  guint64 cache_hits;
  guint64 local_events;      /* appended events not from the stream (this run) */
} IngestLogNatsInfo;

const IngestLogNatsInfo *ingest_log_nats_get_info (IngestLog *log);

G_END_DECLS
