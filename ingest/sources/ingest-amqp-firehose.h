/* ingest-amqp-firehose.h: RabbitMQ firehose records (the messages the
 * broker publishes to amq.rabbitmq.trace after `rabbitmqctl trace_on`)
 * turned into actors and messages; see data/formats/rabbitmq.md.
 *
 * This is the mapping only: the AMQP client (ingest-source-amqp.c) decodes
 * each firehose message into an IngestFirehoseRecord on its own thread and
 * hands it to a mapper on the thread that owns the store.
 *
 * Mapping, for a publish of message M by connection C to exchange X routed
 * to queues Q1..Qn, later delivered from Qi to consumer connection D:
 *   publish.X -> C --pub#N--> X (SEND, RECEIVE, DONE at once: an exchange
 *                routes, it holds nothing), then X --Qi#K--> Qi (SEND) for
 *                each routed queue; no routed queue: DROP at X (unroutable).
 *   deliver.Qi -> Qi takes the oldest pending Qi#K of the same message
 *                (same body, exchange, routing keys, message_id and
 *                correlation_id; FIFO) (RECEIVE, DONE: time in queue), then
 *                Qi --dlv#L--> D (SEND, RECEIVE).
 * A publish with a reply_to property is a request whose answer goes to C;
 * a delivery from queue R whose correlation_id equals a request's
 * correlation_id (or message_id) published with reply_to R is its response
 * (in_reply_to = that request): round trip = request publish -> response
 * delivery at the requester.
 */
#pragma once

#include "ingest-store.h"

G_BEGIN_DECLS

/* One firehose message, decoded. Every string is owned by the record (may
 * be NULL when absent) and may hold any bytes (NUL-terminated copies; the
 * store repairs invalid UTF-8). */
typedef struct {
  gint64 time_ns;            /* when the client received it (wall clock) */
  gboolean deliver;          /* FALSE: publish.<exchange>; TRUE: deliver.<queue> */
  char *name;                /* the exchange (publish) or queue (deliver) */
  char *exchange;            /* header exchange_name */
  char *routing_keys;        /* header routing_keys, joined with "," */
  GPtrArray *routed_queues;  /* header routed_queues (publish), char* each; may be NULL */
  char *connection;          /* header connection ("IP:PORT -> IP:PORT") */
  char *user;                /* header user */
  gint64 channel;            /* header channel, -1 when absent */
  gboolean redelivered;      /* header redelivered (deliver) */
  char *message_id, *correlation_id, *reply_to, *type;  /* header properties */
  gsize body_size;           /* the traced message's body size */
  GBytes *body;              /* its first bytes (at most INGEST_FIREHOSE_MAX_BODY) */
} IngestFirehoseRecord;

#define INGEST_FIREHOSE_MAX_BODY 1024
/* Pending (published, not yet delivered) messages and open requests kept
 * for pairing, each; past it the oldest are forgotten (counted). */
#define INGEST_FIREHOSE_MAX_PENDING 100000

IngestFirehoseRecord *ingest_firehose_record_new (void);
void ingest_firehose_record_free (IngestFirehoseRecord *record);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (IngestFirehoseRecord, ingest_firehose_record_free)

typedef struct _IngestFirehoseMapper IngestFirehoseMapper;

/* prefix (copied) starts every message key, so two brokers never share
 * keys. store is borrowed and must outlive the mapper. */
IngestFirehoseMapper *ingest_firehose_mapper_new (IngestStore *store, const char *prefix);
void ingest_firehose_mapper_free (IngestFirehoseMapper *mapper);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (IngestFirehoseMapper, ingest_firehose_mapper_free)

/* Appends what one record means (record is borrowed). */
void ingest_firehose_mapper_feed (IngestFirehoseMapper *mapper, const IngestFirehoseRecord *record);

typedef struct {
  guint64 publishes, deliveries;
  guint64 unroutable;        /* publishes routed to no queue */
  guint64 unmatched;         /* deliveries whose publish was never seen (before
                              * we attached, or lost by the firehose) */
  guint64 responses;         /* deliveries paired with a request */
  guint64 forgotten;         /* pending messages / requests dropped at the bound */
} IngestFirehoseStats;

void ingest_firehose_mapper_get_stats (IngestFirehoseMapper *mapper, IngestFirehoseStats *out);

/* The actor names used (newly allocated): "conn:IP:PORT" for a connection
 * (the client side of "IP:PORT -> IP:PORT"), "exchange:NAME" ("(default)"
 * for the nameless exchange), "queue:NAME". */
char *ingest_firehose_connection_actor (const char *connection);

G_END_DECLS
