/* ingest-amqp-firehose.c: RabbitMQ firehose records to actors and messages. */
#include "config.h"

#include <string.h>

#include "ingest-amqp-firehose.h"
#include "ingest-hash.h"

struct _IngestFirehoseMapper {
  IngestStore *store;
  char *prefix;
  guint64 next_publish, next_delivery;
  /* "queue\n<fingerprint>" -> GQueue of message keys (char*) published to
   * that queue and not delivered yet, oldest first. */
  GHashTable *pending;
  guint64 n_pending;
  /* "reply queue\n<correlation id>" -> key of the request ("pub#N") */
  GHashTable *requests;
  IngestFirehoseStats stats;
  /* Per queue: how many messages were routed to it (names Qi#K). */
  GHashTable *queue_counts;
};

IngestFirehoseRecord *
ingest_firehose_record_new (void)
{
  IngestFirehoseRecord *r = g_new0 (IngestFirehoseRecord, 1);
  r->channel = -1;
  return r;
}

void
ingest_firehose_record_free (IngestFirehoseRecord *r)
{
  if (r == NULL)
    return;
  g_free (r->name);
  g_free (r->exchange);
  g_free (r->routing_keys);
  g_clear_pointer (&r->routed_queues, g_ptr_array_unref);
  g_free (r->connection);
  g_free (r->user);
  g_free (r->message_id);
  g_free (r->correlation_id);
  g_free (r->reply_to);
  g_free (r->type);
  g_clear_pointer (&r->body, g_bytes_unref);
  g_free (r);
}

static void
queue_free (gpointer q)
{
  g_queue_free_full (q, g_free);
}

IngestFirehoseMapper *
ingest_firehose_mapper_new (IngestStore *store, const char *prefix)
{
  IngestFirehoseMapper *self = g_new0 (IngestFirehoseMapper, 1);
  self->store = store;
  self->prefix = g_strdup (prefix != NULL ? prefix : "amqp");
  self->pending = g_hash_table_new_full (ingest_hash_str, g_str_equal, g_free, queue_free);
  self->requests = g_hash_table_new_full (ingest_hash_str, g_str_equal, g_free, g_free);
  self->queue_counts = g_hash_table_new_full (ingest_hash_str, g_str_equal, g_free, NULL);
  return self;
}

void
ingest_firehose_mapper_free (IngestFirehoseMapper *self)
{
  if (self == NULL)
    return;
  g_hash_table_unref (self->pending);
  g_hash_table_unref (self->requests);
  g_hash_table_unref (self->queue_counts);
  g_free (self->prefix);
  g_free (self);
}

void
ingest_firehose_mapper_get_stats (IngestFirehoseMapper *self, IngestFirehoseStats *out)
{
  *out = self->stats;
}

char *
ingest_firehose_connection_actor (const char *connection)
{
  const char *arrow;
  if (connection == NULL || connection[0] == '\0')
    return g_strdup ("conn:(unknown)");
  /* "127.0.0.1:50412 -> 127.0.0.1:5672": the server side is the same for
   * every client and only makes names long. */
  arrow = strstr (connection, " -> ");
  if (arrow != NULL)
    return g_strdup_printf ("conn:%.*s", (int) (arrow - connection), connection);
  return g_strdup_printf ("conn:%s", connection);
}

static char *
exchange_actor (const char *name)
{
  return g_strdup_printf ("exchange:%s", name == NULL || name[0] == '\0' ? "(default)" : name);
}

static char *
queue_actor (const char *name)
{
  return g_strdup_printf ("queue:%s", name != NULL ? name : "");
}

/* What identifies one published message when its delivery comes back: the
 * firehose carries no id of its own. Two identical messages published to
 * the same queue are interchangeable, so FIFO among them is exact enough. */
static char *
fingerprint (const char *queue, const IngestFirehoseRecord *r)
{
  gsize blen = 0;
  const guint8 *b = r->body != NULL ? g_bytes_get_data (r->body, &blen) : NULL;
  g_autoptr(GString) s = g_string_new (NULL);
  g_string_append_printf (s, "%zu\n%s\n%s\n%s\n%s\n", r->body_size,
                          r->exchange ? r->exchange : "", r->routing_keys ? r->routing_keys : "",
                          r->message_id ? r->message_id : "",
                          r->correlation_id ? r->correlation_id : "");
  guint64 h1 = ingest_hash_bytes (s->str, s->len);
  guint64 h2 = b != NULL ? ingest_hash_bytes (b, blen) : 0;
  return g_strdup_printf ("%s\n%016" G_GINT64_MODIFIER "x%016" G_GINT64_MODIFIER "x",
                          queue ? queue : "", h1, h2);
}

static void
forget_if_full (IngestFirehoseMapper *self)
{
  if (self->n_pending >= INGEST_FIREHOSE_MAX_PENDING)
    {
      /* Deliveries that never come (consumers gone, messages expired)
       * must not grow us forever: start over, counted. */
      self->stats.forgotten += self->n_pending;
      g_hash_table_remove_all (self->pending);
      self->n_pending = 0;
    }
  if (g_hash_table_size (self->requests) >= INGEST_FIREHOSE_MAX_PENDING)
    {
      self->stats.forgotten += g_hash_table_size (self->requests);
      g_hash_table_remove_all (self->requests);
    }
}

static void
append (IngestFirehoseMapper *self, IngestEventKind kind, gint64 t, const char *actor,
        IngestActorKind akind, const char *peer, IngestActorKind pkind, const char *key,
        const IngestFirehoseRecord *r)
{
  IngestEventInput in = { 0 };
  in.kind = kind;
  in.time_ns = t;
  in.actor = INGEST_STR (actor);
  in.actor_kind = akind;
  in.actor_kind_set = TRUE;
  if (peer != NULL)
    {
      in.peer = INGEST_STR (peer);
      in.peer_kind = pkind;
      in.peer_kind_set = TRUE;
    }
  if (key != NULL)
    in.message_key = INGEST_STR (key);
  if (kind == INGEST_EVENT_SEND && r != NULL)
    {
      const char *label = r->type != NULL && r->type[0] != '\0' ? r->type : r->routing_keys;
      in.label = label != NULL ? INGEST_STR (label) : INGEST_STR_NONE;
      in.size = (guint32) MIN (r->body_size, G_MAXUINT32);
      if (r->body != NULL)
        {
          gsize n = 0;
          const char *p = g_bytes_get_data (r->body, &n);
          in.payload = (IngestStr){ p, (gssize) n };
        }
    }
  ingest_store_append (self->store, &in);
}

/* The SEND of a firehose record, publish (connection -> exchange) or
 * deliver (queue -> consumer): its label is the message type, else the
 * routing keys; its size the body's. The strings are borrowed. */
static void
send_input (IngestEventInput *in, const IngestFirehoseRecord *r, gint64 t, const char *from,
            IngestActorKind from_kind, const char *to, IngestActorKind to_kind, const char *key)
{
  const char *label = r->type != NULL && r->type[0] != '\0' ? r->type : r->routing_keys;

  in->kind = INGEST_EVENT_SEND;
  in->time_ns = t;
  in->actor = INGEST_STR (from);
  in->actor_kind = from_kind;
  in->actor_kind_set = TRUE;
  in->peer = INGEST_STR (to);
  in->peer_kind = to_kind;
  in->peer_kind_set = TRUE;
  in->message_key = INGEST_STR (key);
  in->label = label != NULL ? INGEST_STR (label) : INGEST_STR_NONE;
  in->size = (guint32) MIN (r->body_size, G_MAXUINT32);
}

static void
feed_publish (IngestFirehoseMapper *self, const IngestFirehoseRecord *r)
{
  g_autofree char *conn = ingest_firehose_connection_actor (r->connection);
  g_autofree char *x = exchange_actor (r->exchange != NULL ? r->exchange : r->name);
  g_autofree char *key = g_strdup_printf ("%s:pub#%" G_GUINT64_FORMAT, self->prefix,
                                          self->next_publish++);
  IngestEventInput in = { 0 };
  gint64 t = r->time_ns;

  self->stats.publishes++;
  forget_if_full (self);
  /* The publish: C -> X, marked as a request when it names a reply queue. */
  send_input (&in, r, t, conn, INGEST_ACTOR_CLIENT, x, INGEST_ACTOR_ACTOR, key);
  if (r->body != NULL)
    {
      gsize n = 0;
      const char *p = g_bytes_get_data (r->body, &n);
      in.payload = (IngestStr){ p, (gssize) n };
    }
  if (r->reply_to != NULL && r->reply_to[0] != '\0')
    {
      in.reply_to = INGEST_STR (conn);
      /* Answers name the request by its correlation_id, or (another
       * common convention) by its message_id. */
      const char *ids[2] = { r->correlation_id, r->message_id };
      for (guint i = 0; i < 2; i++)
        if (ids[i] != NULL && ids[i][0] != '\0')
          {
            char *k = g_strdup_printf ("%s\n%s", r->reply_to, ids[i]);
            g_hash_table_replace (self->requests, k, g_strdup (key));
          }
    }
  ingest_store_append (self->store, &in);
  append (self, INGEST_EVENT_RECEIVE, t, x, INGEST_ACTOR_ACTOR, conn, INGEST_ACTOR_CLIENT, key, NULL);
  append (self, INGEST_EVENT_DONE, t, x, INGEST_ACTOR_ACTOR, NULL, 0, key, NULL);

  if (r->routed_queues == NULL || r->routed_queues->len == 0)
    {
      IngestEventInput d = { 0 };
      self->stats.unroutable++;
      d.kind = INGEST_EVENT_DROP;
      d.time_ns = t;
      d.actor = INGEST_STR (x);
      d.message_key = INGEST_STR (key);
      d.text = INGEST_STR ("unroutable: no queue bound for the routing key");
      ingest_store_append (self->store, &d);
      return;
    }
  for (guint i = 0; i < r->routed_queues->len; i++)
    {
      const char *qname = g_ptr_array_index (r->routed_queues, i);
      g_autofree char *q = queue_actor (qname);
      gpointer count = g_hash_table_lookup (self->queue_counts, qname);
      guint64 k = GPOINTER_TO_SIZE (count);
      g_autofree char *qkey = g_strdup_printf ("%s:%s#%" G_GUINT64_FORMAT, self->prefix, qname, k);
      char *fp = fingerprint (qname, r);
      GQueue *fifo = g_hash_table_lookup (self->pending, fp);

      g_hash_table_replace (self->queue_counts, g_strdup (qname), GSIZE_TO_POINTER (k + 1));
      if (fifo == NULL)
        {
          fifo = g_queue_new ();
          g_hash_table_insert (self->pending, fp, fifo);
        }
      else
        g_free (fp);
      g_queue_push_tail (fifo, g_strdup (qkey));
      self->n_pending++;
      append (self, INGEST_EVENT_SEND, t, x, INGEST_ACTOR_ACTOR, q, INGEST_ACTOR_QUEUE, qkey, r);
    }
}

static void
feed_deliver (IngestFirehoseMapper *self, const IngestFirehoseRecord *r)
{
  g_autofree char *conn = ingest_firehose_connection_actor (r->connection);
  g_autofree char *q = queue_actor (r->name);
  g_autofree char *fp = fingerprint (r->name, r);
  g_autofree char *dkey = g_strdup_printf ("%s:dlv#%" G_GUINT64_FORMAT, self->prefix,
                                           self->next_delivery++);
  g_autofree char *request = NULL;
  GQueue *fifo = g_hash_table_lookup (self->pending, fp);
  IngestEventInput in = { 0 };
  gint64 t = r->time_ns;

  self->stats.deliveries++;
  if (fifo != NULL && !g_queue_is_empty (fifo))
    {
      g_autofree char *qkey = g_queue_pop_head (fifo);
      self->n_pending--;
      if (g_queue_is_empty (fifo))
        g_hash_table_remove (self->pending, fp);
      append (self, INGEST_EVENT_RECEIVE, t, q, INGEST_ACTOR_QUEUE, NULL, 0, qkey, NULL);
      append (self, INGEST_EVENT_DONE, t, q, INGEST_ACTOR_QUEUE, NULL, 0, qkey, NULL);
    }
  else
    self->stats.unmatched++;

  if (r->correlation_id != NULL && r->correlation_id[0] != '\0')
    {
      g_autofree char *k = g_strdup_printf ("%s\n%s", r->name ? r->name : "", r->correlation_id);
      g_autofree char *stolen_key = NULL;
      char *req = NULL;
      if (g_hash_table_steal_extended (self->requests, k, (gpointer *) &stolen_key,
                                       (gpointer *) &req))
        {
          request = req;
          self->stats.responses++;
        }
    }

  send_input (&in, r, t, q, INGEST_ACTOR_QUEUE, conn, INGEST_ACTOR_CLIENT, dkey);
  if (request != NULL)
    in.in_reply_to = INGEST_STR (request);
  ingest_store_append (self->store, &in);
  append (self, INGEST_EVENT_RECEIVE, t, conn, INGEST_ACTOR_CLIENT, q, INGEST_ACTOR_QUEUE, dkey, NULL);
  append (self, INGEST_EVENT_DONE, t, conn, INGEST_ACTOR_CLIENT, NULL, 0, dkey, NULL);
}

void
ingest_firehose_mapper_feed (IngestFirehoseMapper *self, const IngestFirehoseRecord *r)
{
  if (r->deliver)
    feed_deliver (self, r);
  else
    feed_publish (self, r);
}
