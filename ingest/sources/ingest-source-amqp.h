/* ingest-source-amqp.h: a RabbitMQ firehose client (`serve --amqp
 * amqp://USER@HOST:PORT/VHOST`); mapping in ingest-amqp-firehose.h, format
 * in data/formats/rabbitmq.md.
 *
 * A thread of its own runs librabbitmq (blocking calls): it logs in,
 * declares a private exclusive, auto-deleted queue bound to
 * amq.rabbitmq.trace with "#" (every publish.* and deliver.* record),
 * consumes it without acks, and decodes each record. Records cross to the
 * thread that created the source through a bounded queue (max_pending: when
 * the store's thread falls behind, new records are dropped and counted,
 * never buffered without bound) and are appended there, where the store
 * lives. The firehose itself must be on (`rabbitmqctl trace_on`).
 *
 * When the broker cannot be reached, refuses the login or closes the
 * connection, the thread retries with exponential backoff (backoff_min_ms
 * doubling up to backoff_max_ms), reporting the outage once and the
 * reconnection. Our trace queue holds at most max_queue_length records at
 * the broker (x-max-length, oldest dropped): a consumer too slow to keep
 * up loses records there; those losses show as deliveries whose publish
 * was never seen (IngestFirehoseStats.unmatched), reported.
 */
#pragma once

#include "ingest-source.h"
#include "ingest-amqp-firehose.h"

G_BEGIN_DECLS

typedef struct _IngestAmqpSource IngestAmqpSource;

typedef struct {
  const char *password;      /* used when the URL has none (copied); NULL:
                              * the URL's, else "guest" */
  guint backoff_min_ms;      /* 0 = 200 */
  guint backoff_max_ms;      /* 0 = 10000 */
  guint max_pending;         /* records between the threads, 0 = 65536 */
  guint max_queue_length;    /* x-max-length of our trace queue, 0 = 100000 */
} IngestAmqpOptions;

/* url: amqp://[USER[:PASSWORD]@]HOST[:PORT][/VHOST] (librabbitmq's syntax;
 * a vhost "/" is written %2f). Returns NULL with error for a bad URL.
 * Connects at once (in the background). store is borrowed; the source runs
 * on the thread-default main context of the calling thread. Owned by the
 * caller; freeing it stops and joins the thread. */
IngestAmqpSource *ingest_amqp_source_new (IngestStore *store, const char *url,
                                          const IngestAmqpOptions *options,
                                          const IngestSourceHooks *hooks, GError **error);
void ingest_amqp_source_free (IngestAmqpSource *source);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (IngestAmqpSource, ingest_amqp_source_free)

/* TRUE when url (an amqp:// URL) carries a password itself. */
gboolean ingest_amqp_url_has_password (const char *url);

typedef struct {
  IngestFirehoseStats firehose;
  guint64 records;           /* firehose records received */
  guint64 dropped;           /* records dropped between the threads (bound) */
  guint64 ignored;           /* messages on our queue that were not firehose records */
  guint64 connects;          /* successful logins */
  guint64 failures;          /* failed connection attempts or lost connections */
  gboolean connected;
} IngestAmqpStats;

void ingest_amqp_source_get_stats (IngestAmqpSource *source, IngestAmqpStats *out);

G_END_DECLS
