/* ingest-source-amqp.c: RabbitMQ firehose client on a thread of its own. */
#include "config.h"

#include <amqp.h>
#include <amqp_tcp_socket.h>
#include <string.h>

#include "ingest-source-amqp.h"

#define CONSUME_POLL_MS 200   /* how often the thread looks at `stop` */
#define MAX_DRAIN 4096        /* records appended per main-loop dispatch */

typedef struct {
  IngestSourceNoteLevel level;
  char *message;
} Note;

struct _IngestAmqpSource {
  IngestStore *store;
  IngestSourceHooks hooks;
  IngestAmqpOptions options;
  char *password;             /* options.password, copied */
  char *url;                  /* for amqp_parse_url (it writes into its copy) */
  char *name;                 /* "amqp:HOST:PORT/VHOST", no credentials */
  IngestFirehoseMapper *mapper;
  GSource *wakeup;            /* on the owner's context; the thread makes it ready */
  GThread *thread;

  /* Shared with the thread, under lock. */
  GMutex lock;
  GCond cond;                 /* signalled by free: wakes a backoff sleep */
  gboolean stop;
  GQueue records;             /* IngestFirehoseRecord*, oldest first */
  GQueue notes;               /* Note* */
  IngestAmqpStats stats;      /* records/dropped/ignored/connects/failures/connected */
  guint64 dropped_reported;   /* main thread only */
  guint64 unmatched_reported; /* main thread only */
};

gboolean
ingest_amqp_url_has_password (const char *url)
{
  const char *p = strstr (url, "://"), *at, *slash;
  if (p == NULL)
    return FALSE;
  p += 3;
  at = strchr (p, '@');
  slash = strchr (p, '/');
  if (at == NULL || (slash != NULL && slash < at))
    return FALSE;
  return memchr (p, ':', (gsize) (at - p)) != NULL;
}

/* From the thread: queue a note for the owner's context. */
static void
thread_note (IngestAmqpSource *self, IngestSourceNoteLevel level, const char *format, ...)
  G_GNUC_PRINTF (3, 4);

static void
thread_note (IngestAmqpSource *self, IngestSourceNoteLevel level, const char *format, ...)
{
  va_list ap;
  Note *n = g_new0 (Note, 1);
  n->level = level;
  va_start (ap, format);
  n->message = g_strdup_vprintf (format, ap);
  va_end (ap);
  g_mutex_lock (&self->lock);
  /* Notes are few (one per outage/reconnection) but bound them anyway. */
  if (self->notes.length < 64)
    g_queue_push_tail (&self->notes, n);
  else
    {
      g_free (n->message);
      g_free (n);
    }
  g_mutex_unlock (&self->lock);
  g_source_set_ready_time (self->wakeup, 0);
}

static char *
bytes_dup (amqp_bytes_t b)
{
  return g_strndup (b.bytes != NULL ? b.bytes : "", b.len);
}

static char *
field_string (const amqp_field_value_t *v)
{
  if (v->kind == AMQP_FIELD_KIND_UTF8 || v->kind == AMQP_FIELD_KIND_BYTES)
    return bytes_dup (v->value.bytes);
  return NULL;
}

static gint64
field_int (const amqp_field_value_t *v, gint64 fallback)
{
  switch (v->kind)
    {
    case AMQP_FIELD_KIND_I8: return v->value.i8;
    case AMQP_FIELD_KIND_U8: return v->value.u8;
    case AMQP_FIELD_KIND_I16: return v->value.i16;
    case AMQP_FIELD_KIND_U16: return v->value.u16;
    case AMQP_FIELD_KIND_I32: return v->value.i32;
    case AMQP_FIELD_KIND_U32: return v->value.u32;
    case AMQP_FIELD_KIND_I64: return v->value.i64;
    case AMQP_FIELD_KIND_U64: return (gint64) MIN (v->value.u64, (guint64) G_MAXINT64);
    default: return fallback;
    }
}

static gboolean
key_is (amqp_bytes_t key, const char *s)
{
  gsize n = strlen (s);
  return key.len == n && memcmp (key.bytes, s, n) == 0;
}

/* Decodes one message of our queue; NULL when it is not a firehose record. */
static IngestFirehoseRecord *
decode (const amqp_envelope_t *env)
{
  g_autoptr(IngestFirehoseRecord) r = ingest_firehose_record_new ();
  const amqp_basic_properties_t *p = &env->message.properties;
  const amqp_bytes_t rk = env->routing_key;

  /* "publish." alone: the default exchange, whose name is empty. */
  if (rk.len >= 8 && memcmp (rk.bytes, "publish.", 8) == 0)
    r->name = g_strndup ((const char *) rk.bytes + 8, rk.len - 8);
  else if (rk.len > 8 && memcmp (rk.bytes, "deliver.", 8) == 0)
    {
      r->deliver = TRUE;
      r->name = g_strndup ((const char *) rk.bytes + 8, rk.len - 8);
    }
  else
    return NULL;
  if (!(p->_flags & AMQP_BASIC_HEADERS_FLAG))
    return NULL;

  r->time_ns = g_get_real_time () * 1000;
  for (int i = 0; i < p->headers.num_entries; i++)
    {
      const amqp_table_entry_t *e = &p->headers.entries[i];
      if (key_is (e->key, "exchange_name"))
        r->exchange = field_string (&e->value);
      else if (key_is (e->key, "connection"))
        r->connection = field_string (&e->value);
      else if (key_is (e->key, "user"))
        r->user = field_string (&e->value);
      else if (key_is (e->key, "channel"))
        r->channel = field_int (&e->value, -1);
      else if (key_is (e->key, "redelivered"))
        r->redelivered = field_int (&e->value, 0) != 0;
      else if ((key_is (e->key, "routing_keys") || key_is (e->key, "routed_queues"))
               && e->value.kind == AMQP_FIELD_KIND_ARRAY)
        {
          const amqp_array_t *a = &e->value.value.array;
          gboolean keys = key_is (e->key, "routing_keys");
          g_autoptr(GString) joined = g_string_new (NULL);
          if (!keys && r->routed_queues == NULL)
            r->routed_queues = g_ptr_array_new_with_free_func (g_free);
          for (int j = 0; j < a->num_entries; j++)
            {
              char *s = field_string (&a->entries[j]);
              if (s == NULL)
                continue;
              if (keys)
                {
                  if (joined->len > 0)
                    g_string_append_c (joined, ',');
                  g_string_append (joined, s);
                  g_free (s);
                }
              else
                g_ptr_array_add (r->routed_queues, s);
            }
          if (keys)
            {
              g_free (r->routing_keys);
              r->routing_keys = g_string_free (g_steal_pointer (&joined), FALSE);
            }
        }
      else if (key_is (e->key, "properties") && e->value.kind == AMQP_FIELD_KIND_TABLE)
        {
          const amqp_table_t *t = &e->value.value.table;
          for (int j = 0; j < t->num_entries; j++)
            {
              const amqp_table_entry_t *pe = &t->entries[j];
              char **slot = key_is (pe->key, "message_id") ? &r->message_id
                : key_is (pe->key, "correlation_id") ? &r->correlation_id
                : key_is (pe->key, "reply_to") ? &r->reply_to
                : key_is (pe->key, "type") ? &r->type : NULL;
              if (slot != NULL)
                {
                  g_free (*slot);
                  *slot = field_string (&pe->value);
                }
            }
        }
    }
  r->body_size = env->message.body.len;
  if (env->message.body.len > 0)
    r->body = g_bytes_new (env->message.body.bytes,
                           MIN (env->message.body.len, INGEST_FIREHOSE_MAX_BODY));
  return g_steal_pointer (&r);
}

static char *
reply_error (amqp_rpc_reply_t reply, const char *what)
{
  switch (reply.reply_type)
    {
    case AMQP_RESPONSE_NORMAL:
      return NULL;
    case AMQP_RESPONSE_NONE:
      return g_strdup_printf ("%s: no reply from the broker", what);
    case AMQP_RESPONSE_LIBRARY_EXCEPTION:
      return g_strdup_printf ("%s: %s", what, amqp_error_string2 (reply.library_error));
    case AMQP_RESPONSE_SERVER_EXCEPTION:
      if (reply.reply.id == AMQP_CONNECTION_CLOSE_METHOD)
        {
          amqp_connection_close_t *m = reply.reply.decoded;
          return g_strdup_printf ("%s: the broker closed the connection (%u %.*s)", what,
                                  m->reply_code, (int) m->reply_text.len,
                                  (const char *) m->reply_text.bytes);
        }
      if (reply.reply.id == AMQP_CHANNEL_CLOSE_METHOD)
        {
          amqp_channel_close_t *m = reply.reply.decoded;
          return g_strdup_printf ("%s: the broker closed the channel (%u %.*s)", what,
                                  m->reply_code, (int) m->reply_text.len,
                                  (const char *) m->reply_text.bytes);
        }
      return g_strdup_printf ("%s: broker error (method 0x%08x)", what, reply.reply.id);
    }
  return g_strdup_printf ("%s: unknown reply", what);
}

/* Connects, logs in and starts consuming the firehose; NULL with *why. */
static amqp_connection_state_t
session_open (IngestAmqpSource *self, char **why)
{
  struct amqp_connection_info info;
  g_autofree char *url = g_strdup (self->url);
  amqp_connection_state_t conn = amqp_new_connection ();
  amqp_socket_t *sock = amqp_tcp_socket_new (conn);
  struct timeval tv = { 5, 0 };
  amqp_rpc_reply_t reply;
  amqp_queue_declare_ok_t *q;
  amqp_table_entry_t arg;
  amqp_table_t args;
  amqp_bytes_t qname;
  int status;

  amqp_default_connection_info (&info);
  amqp_parse_url (url, &info);   /* checked in _new */
  if (sock == NULL)
    {
      *why = g_strdup ("cannot create a socket");
      goto fail;
    }
  status = amqp_socket_open_noblock (sock, info.host, info.port, &tv);
  if (status != AMQP_STATUS_OK)
    {
      *why = g_strdup_printf ("connect to %s:%d: %s", info.host, info.port,
                              amqp_error_string2 (status));
      goto fail;
    }
  amqp_set_handshake_timeout (conn, &tv);
  amqp_set_rpc_timeout (conn, &tv);
  reply = amqp_login (conn, info.vhost, 0, 131072, 30, AMQP_SASL_METHOD_PLAIN, info.user,
                      self->password != NULL ? self->password : info.password);
  if ((*why = reply_error (reply, "login")) != NULL)
    goto fail;
  amqp_channel_open (conn, 1);
  if ((*why = reply_error (amqp_get_rpc_reply (conn), "channel")) != NULL)
    goto fail;
  /* Bounded at the broker: a consumer that cannot keep up must not fill
   * the broker's memory with trace records. */
  arg.key = amqp_cstring_bytes ("x-max-length");
  arg.value.kind = AMQP_FIELD_KIND_I32;
  arg.value.value.i32 = (int32_t) MIN (self->options.max_queue_length, (guint) G_MAXINT32);
  args.num_entries = 1;
  args.entries = &arg;
  q = amqp_queue_declare (conn, 1, amqp_empty_bytes, 0, 0, 1, 1, args);
  if ((*why = reply_error (amqp_get_rpc_reply (conn), "declare the trace queue")) != NULL)
    goto fail;
  qname = amqp_bytes_malloc_dup (q->queue);
  amqp_queue_bind (conn, 1, qname, amqp_cstring_bytes ("amq.rabbitmq.trace"),
                   amqp_cstring_bytes ("#"), amqp_empty_table);
  if ((*why = reply_error (amqp_get_rpc_reply (conn), "bind to amq.rabbitmq.trace")) != NULL)
    {
      amqp_bytes_free (qname);
      goto fail;
    }
  amqp_basic_consume (conn, 1, qname, amqp_empty_bytes, 0, 1, 1, amqp_empty_table);
  amqp_bytes_free (qname);
  if ((*why = reply_error (amqp_get_rpc_reply (conn), "consume")) != NULL)
    goto fail;
  return conn;

fail:
  amqp_destroy_connection (conn);
  return NULL;
}

/* Sleeps ms unless asked to stop; returns FALSE when stopping. */
static gboolean
thread_sleep (IngestAmqpSource *self, guint ms)
{
  gint64 until = g_get_monotonic_time () + (gint64) ms * 1000;
  gboolean go_on;
  g_mutex_lock (&self->lock);
  while (!self->stop && g_cond_wait_until (&self->cond, &self->lock, until))
    ;
  go_on = !self->stop;
  g_mutex_unlock (&self->lock);
  return go_on;
}

static gboolean
thread_stopping (IngestAmqpSource *self)
{
  gboolean stop;
  g_mutex_lock (&self->lock);
  stop = self->stop;
  g_mutex_unlock (&self->lock);
  return stop;
}

static void
push_record (IngestAmqpSource *self, IngestFirehoseRecord *r)
{
  g_mutex_lock (&self->lock);
  self->stats.records++;
  if (self->records.length >= self->options.max_pending)
    {
      self->stats.dropped++;
      ingest_firehose_record_free (r);
    }
  else
    g_queue_push_tail (&self->records, r);
  g_mutex_unlock (&self->lock);
  g_source_set_ready_time (self->wakeup, 0);
}

static gpointer
thread_main (gpointer user_data)
{
  IngestAmqpSource *self = user_data;
  guint backoff = 0;
  gboolean outage_reported = FALSE, ever_connected = FALSE;

  while (!thread_stopping (self))
    {
      g_autofree char *why = NULL;
      amqp_connection_state_t conn = session_open (self, &why);

      if (conn == NULL)
        {
          g_mutex_lock (&self->lock);
          self->stats.failures++;
          self->stats.connected = FALSE;
          g_mutex_unlock (&self->lock);
          if (!outage_reported)
            thread_note (self, INGEST_SOURCE_NOTE_WARNING,
                         "cannot attach to the firehose (%s); retrying", why);
          outage_reported = TRUE;
          backoff = backoff == 0 ? self->options.backoff_min_ms
            : MIN (backoff * 2, self->options.backoff_max_ms);
          if (!thread_sleep (self, backoff))
            break;
          continue;
        }
      g_mutex_lock (&self->lock);
      self->stats.connects++;
      self->stats.connected = TRUE;
      g_mutex_unlock (&self->lock);
      thread_note (self, INGEST_SOURCE_NOTE_INFO, "%s to the firehose",
                   ever_connected || outage_reported ? "reconnected" : "attached");
      ever_connected = TRUE;
      outage_reported = FALSE;
      backoff = 0;

      while (!thread_stopping (self))
        {
          amqp_envelope_t env;
          struct timeval tv = { 0, CONSUME_POLL_MS * 1000 };
          amqp_rpc_reply_t reply;

          amqp_maybe_release_buffers (conn);
          reply = amqp_consume_message (conn, &env, &tv, 0);
          if (reply.reply_type == AMQP_RESPONSE_LIBRARY_EXCEPTION
              && reply.library_error == AMQP_STATUS_TIMEOUT)
            continue;
          if (reply.reply_type != AMQP_RESPONSE_NORMAL)
            {
              /* A frame other than a delivery (the broker closing the
               * channel or connection) or a broken socket: start over. */
              g_autofree char *lost = reply_error (reply, "connection lost");
              g_mutex_lock (&self->lock);
              self->stats.failures++;
              self->stats.connected = FALSE;
              g_mutex_unlock (&self->lock);
              thread_note (self, INGEST_SOURCE_NOTE_WARNING, "%s; reconnecting", lost);
              outage_reported = TRUE;
              break;
            }
          IngestFirehoseRecord *r = decode (&env);
          amqp_destroy_envelope (&env);
          if (r != NULL)
            push_record (self, r);
          else
            {
              g_mutex_lock (&self->lock);
              self->stats.ignored++;
              g_mutex_unlock (&self->lock);
            }
        }
      amqp_connection_close (conn, AMQP_REPLY_SUCCESS);
      amqp_destroy_connection (conn);
      if (outage_reported && !thread_sleep (self, self->options.backoff_min_ms))
        break;
    }
  return NULL;
}

/* On the owner's context: appends what the thread decoded. */
static gboolean
on_wakeup (gpointer user_data)
{
  IngestAmqpSource *self = user_data;
  GQueue records = G_QUEUE_INIT, notes = G_QUEUE_INIT;
  guint64 dropped;
  gboolean more;
  IngestFirehoseStats fs;

  g_source_set_ready_time (self->wakeup, -1);
  g_mutex_lock (&self->lock);
  for (guint i = 0; i < MAX_DRAIN && !g_queue_is_empty (&self->records); i++)
    g_queue_push_tail (&records, g_queue_pop_head (&self->records));
  more = !g_queue_is_empty (&self->records);
  notes = self->notes;
  g_queue_init (&self->notes);
  dropped = self->stats.dropped;
  g_mutex_unlock (&self->lock);
  if (more)
    g_source_set_ready_time (self->wakeup, 0);

  for (GList *l = notes.head; l != NULL; l = l->next)
    {
      Note *n = l->data;
      ingest_source_hooks_note (&self->hooks, n->level, self->name, "%s", n->message);
      g_free (n->message);
      g_free (n);
    }
  g_queue_clear (&notes);

  if (!g_queue_is_empty (&records))
    {
      IngestFirehoseRecord *r;
      while ((r = g_queue_pop_head (&records)) != NULL)
        {
          ingest_firehose_mapper_feed (self->mapper, r);
          ingest_firehose_record_free (r);
        }
      ingest_source_hooks_appended (&self->hooks);
    }

  if (dropped > self->dropped_reported)
    {
      ingest_source_hooks_note (&self->hooks, INGEST_SOURCE_NOTE_WARNING, self->name,
                                "%" G_GUINT64_FORMAT " firehose records dropped: the store "
                                "could not keep up (%" G_GUINT64_FORMAT " in all)",
                                dropped - self->dropped_reported, dropped);
      ingest_store_counters (self->store)->lost_events += dropped - self->dropped_reported;
      self->dropped_reported = dropped;
    }
  ingest_firehose_mapper_get_stats (self->mapper, &fs);
  if (fs.unmatched > self->unmatched_reported)
    {
      /* Reported once per burst: the first deliveries after attaching are
       * usually of messages published before. */
      ingest_source_hooks_note (&self->hooks, INGEST_SOURCE_NOTE_WARNING, self->name,
                                "%" G_GUINT64_FORMAT " deliveries of messages whose publish "
                                "the firehose did not show (published before we attached, "
                                "or records lost by the broker)",
                                fs.unmatched - self->unmatched_reported);
      self->unmatched_reported = fs.unmatched;
    }
  return G_SOURCE_CONTINUE;
}

static gboolean
wakeup_dispatch (GSource *source, GSourceFunc callback, gpointer user_data)
{
  return callback (user_data);
}

static GSourceFuncs wakeup_funcs = { NULL, NULL, wakeup_dispatch, NULL, NULL, NULL };

IngestAmqpSource *
ingest_amqp_source_new (IngestStore *store, const char *url, const IngestAmqpOptions *options,
                        const IngestSourceHooks *hooks, GError **error)
{
  struct amqp_connection_info info;
  g_autofree char *copy = g_strdup (url);
  IngestAmqpSource *self;

  if (amqp_parse_url (copy, &info) != AMQP_STATUS_OK || info.ssl)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   "not an amqp:// URL (amqp://USER@HOST:PORT/VHOST; amqps is not supported)");
      return NULL;
    }
  self = g_new0 (IngestAmqpSource, 1);
  self->store = store;
  if (hooks != NULL)
    self->hooks = *hooks;
  if (options != NULL)
    self->options = *options;
  self->options.password = NULL;
  if (self->options.backoff_min_ms == 0)
    self->options.backoff_min_ms = 200;
  if (self->options.backoff_max_ms == 0)
    self->options.backoff_max_ms = 10000;
  self->options.backoff_max_ms = MAX (self->options.backoff_max_ms, self->options.backoff_min_ms);
  if (self->options.max_pending == 0)
    self->options.max_pending = 65536;
  if (self->options.max_queue_length == 0)
    self->options.max_queue_length = 100000;
  self->password = g_strdup (options != NULL ? options->password : NULL);
  self->url = g_strdup (url);
  self->name = g_strdup_printf ("amqp:%s:%d%s%s", info.host, info.port,
                                info.vhost[0] == '/' ? "" : "/", info.vhost);
  self->mapper = ingest_firehose_mapper_new (store, self->name);
  g_mutex_init (&self->lock);
  g_cond_init (&self->cond);
  self->wakeup = g_source_new (&wakeup_funcs, sizeof (GSource));
  g_source_set_callback (self->wakeup, on_wakeup, self, NULL);
  g_source_set_ready_time (self->wakeup, -1);
  g_source_attach (self->wakeup, g_main_context_get_thread_default ());
  self->thread = g_thread_new ("amqp-firehose", thread_main, self);
  return self;
}

void
ingest_amqp_source_free (IngestAmqpSource *self)
{
  if (self == NULL)
    return;
  g_mutex_lock (&self->lock);
  self->stop = TRUE;
  g_cond_broadcast (&self->cond);
  g_mutex_unlock (&self->lock);
  g_thread_join (self->thread);
  g_source_destroy (self->wakeup);
  g_source_unref (self->wakeup);
  g_queue_clear_full (&self->records, (GDestroyNotify) ingest_firehose_record_free);
  for (GList *l = self->notes.head; l != NULL; l = l->next)
    {
      Note *n = l->data;
      g_free (n->message);
      g_free (n);
    }
  g_queue_clear (&self->notes);
  ingest_firehose_mapper_free (self->mapper);
  g_mutex_clear (&self->lock);
  g_cond_clear (&self->cond);
  if (self->password != NULL)
    memset (self->password, 0, strlen (self->password));
  g_free (self->password);
  g_free (self->url);
  g_free (self->name);
  g_free (self);
}

void
ingest_amqp_source_get_stats (IngestAmqpSource *self, IngestAmqpStats *out)
{
  g_mutex_lock (&self->lock);
  *out = self->stats;
  g_mutex_unlock (&self->lock);
  ingest_firehose_mapper_get_stats (self->mapper, &out->firehose);
}
