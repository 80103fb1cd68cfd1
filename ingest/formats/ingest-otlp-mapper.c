/* ingest-otlp-mapper.c: OTLP/JSON spans -> actors and messages. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "ingest-hash.h"
#include "ingest-otlp-mapper.h"

enum { KIND_UNSPECIFIED, KIND_INTERNAL, KIND_SERVER, KIND_CLIENT, KIND_PRODUCER, KIND_CONSUMER };

/* Longest id, name or attribute kept from a span: more is cut. */
#define MAX_FIELD 256
#define EXTERNAL_CLIENT "(external)"
#define REMOTE_SERVER "(remote)"
#define UNNAMED_QUEUE "(queue)"
#define UNKNOWN_SERVICE "unknown_service"

typedef struct {
  char *trace_id, *span_id, *parent_id;
  char *link_span_id;        /* first link in the same trace, or NULL */
  char *service, *name, *destination, *peer;
  int kind;
  gint64 start_ns, end_ns;
} Span;

/* A pairing slot: a producer and the consumers that link to it, or a
 * client and the server span under it. Keyed by "trace/span" of the
 * producer or client; either side may come first. */
typedef struct {
  Span *first;               /* the producer or the client, once seen */
  GPtrArray *followers;      /* Span*: consumers, or the server (at most one used) */
  gint64 newest_ns;          /* latest end time of its spans */
  gboolean producer_emitted;
} Slot;

struct _IngestOtlpMapper {
  IngestStore *store;
  GHashTable *producers;     /* key -> Slot* */
  GHashTable *calls;         /* key -> Slot* */
  guint n_pending;           /* spans held in both tables */
  gint64 newest_ns;          /* latest span end seen (times are >= 0) */
  gint64 last_sweep_ns;      /* newest_ns at the last sweep */
};

static void
span_free (Span *s)
{
  if (s == NULL)
    return;
  g_free (s->trace_id);
  g_free (s->span_id);
  g_free (s->parent_id);
  g_free (s->link_span_id);
  g_free (s->service);
  g_free (s->name);
  g_free (s->destination);
  g_free (s->peer);
  g_free (s);
}

static void
slot_free (gpointer p)
{
  Slot *slot = p;
  span_free (slot->first);
  g_ptr_array_unref (slot->followers);
  g_free (slot);
}

IngestOtlpMapper *
ingest_otlp_mapper_new (IngestStore *store)
{
  IngestOtlpMapper *self = g_new0 (IngestOtlpMapper, 1);

  self->store = store;
  self->producers = g_hash_table_new_full (ingest_hash_str, g_str_equal, g_free, slot_free);
  self->calls = g_hash_table_new_full (ingest_hash_str, g_str_equal, g_free, slot_free);
  return self;
}

void
ingest_otlp_mapper_free (IngestOtlpMapper *self)
{
  if (self == NULL)
    return;
  g_hash_table_unref (self->producers);
  g_hash_table_unref (self->calls);
  g_free (self);
}

guint
ingest_otlp_mapper_n_pending (IngestOtlpMapper *self)
{
  return self != NULL ? self->n_pending : 0;
}

/* ---- reading a span ---- */

static char *
cut_dup (const char *s)
{
  gsize n = strlen (s);
  if (n > MAX_FIELD)
    {
      n = MAX_FIELD;
      while (n > 0 && ((guchar) s[n] & 0xC0) == 0x80)
        n--;
    }
  return g_strndup (s, n);
}

/* An attribute's value as text: OTLP/JSON AnyValue ({"stringValue": ...},
 * {"intValue": "42"}, ...). Borrowed from the JSON; NULL when absent. */
static const char *
attribute_text (json_t *attributes, const char *key)
{
  size_t i;
  json_t *attr;

  if (!json_is_array (attributes))
    return NULL;
  json_array_foreach (attributes, i, attr)
    {
      const char *k = json_string_value (json_object_get (attr, "key"));
      json_t *value = json_object_get (attr, "value");
      if (k == NULL || strcmp (k, key) != 0)
        continue;
      if (json_is_string (json_object_get (value, "stringValue")))
        return json_string_value (json_object_get (value, "stringValue"));
      if (json_is_string (json_object_get (value, "intValue")))
        return json_string_value (json_object_get (value, "intValue"));
      return NULL;
    }
  return NULL;
}

/* Nanoseconds since the epoch: OTLP/JSON writes uint64 as a string of
 * digits, some encoders as a number. */
static gboolean
read_time (json_t *v, gint64 *out)
{
  if (json_is_string (v))
    {
      const char *s = json_string_value (v);
      char *end = NULL;
      guint64 n;
      if (*s == '\0' || !g_ascii_isdigit (*s))
        return FALSE;
      n = g_ascii_strtoull (s, &end, 10);
      if (*end != '\0' || n > (guint64) INGEST_STORE_MAX_TIME)
        return FALSE;
      *out = (gint64) n;
      return TRUE;
    }
  if (json_is_integer (v) && json_integer_value (v) >= 0)
    {
      *out = json_integer_value (v);
      return *out <= INGEST_STORE_MAX_TIME;
    }
  return FALSE;
}

static int
read_kind (json_t *v)
{
  static const char *const names[] = {
    "SPAN_KIND_UNSPECIFIED", "SPAN_KIND_INTERNAL", "SPAN_KIND_SERVER", "SPAN_KIND_CLIENT",
    "SPAN_KIND_PRODUCER", "SPAN_KIND_CONSUMER",
  };
  if (json_is_integer (v) && json_integer_value (v) >= 0 && json_integer_value (v) <= 5)
    return (int) json_integer_value (v);
  if (json_is_string (v))
    for (int k = 0; k < (int) G_N_ELEMENTS (names); k++)
      if (strcmp (json_string_value (v), names[k]) == 0)
        return k;
  return KIND_UNSPECIFIED;
}

static const char *
nonempty_string (json_t *v)
{
  const char *s = json_string_value (v);
  return s != NULL && *s != '\0' ? s : NULL;
}

static Span *
span_read (json_t *js, const char *service)
{
  const char *trace_id = nonempty_string (json_object_get (js, "traceId"));
  const char *span_id = nonempty_string (json_object_get (js, "spanId"));
  const char *parent = nonempty_string (json_object_get (js, "parentSpanId"));
  json_t *attributes = json_object_get (js, "attributes");
  json_t *links = json_object_get (js, "links");
  const char *dest, *peer;
  gint64 start, end;
  Span *s;

  if (trace_id == NULL || span_id == NULL
      || !read_time (json_object_get (js, "startTimeUnixNano"), &start)
      || !read_time (json_object_get (js, "endTimeUnixNano"), &end))
    return NULL;
  s = g_new0 (Span, 1);
  s->trace_id = cut_dup (trace_id);
  s->span_id = cut_dup (span_id);
  s->parent_id = parent != NULL ? cut_dup (parent) : NULL;
  s->service = cut_dup (service);
  s->name = cut_dup (json_is_string (json_object_get (js, "name"))
                       ? json_string_value (json_object_get (js, "name")) : "");
  s->kind = read_kind (json_object_get (js, "kind"));
  s->start_ns = start;
  s->end_ns = MAX (end, start);
  dest = attribute_text (attributes, "messaging.destination.name");
  if (dest == NULL)
    dest = attribute_text (attributes, "messaging.destination"); /* older conventions */
  s->destination = dest != NULL && *dest != '\0' ? cut_dup (dest) : NULL;
  peer = attribute_text (attributes, "peer.service");
  if (peer == NULL)
    peer = attribute_text (attributes, "server.address");
  if (peer == NULL)
    peer = attribute_text (attributes, "net.peer.name");
  s->peer = peer != NULL && *peer != '\0' ? cut_dup (peer) : NULL;
  if (json_is_array (links))
    {
      size_t i;
      json_t *link;
      json_array_foreach (links, i, link)
        {
          const char *lt = nonempty_string (json_object_get (link, "traceId"));
          const char *ls = nonempty_string (json_object_get (link, "spanId"));
          if (ls != NULL && (lt == NULL || strcmp (lt, trace_id) == 0 || s->link_span_id == NULL))
            {
              g_free (s->link_span_id);
              s->link_span_id = cut_dup (ls);
              /* A link into another trace names that trace's producer: keep
               * its trace id for the key. */
              if (lt != NULL && strcmp (lt, trace_id) != 0)
                {
                  g_free (s->trace_id);
                  s->trace_id = cut_dup (lt);
                }
              break;
            }
        }
    }
  return s;
}

/* ---- emitting ---- */

static char *
span_key (const char *trace_id, const char *span_id)
{
  return g_strconcat ("otlp:", trace_id, "/", span_id, NULL);
}

static void
append_send (IngestOtlpMapper *self, gint64 t, const char *from, IngestActorKind from_kind,
             const char *to, IngestActorKind to_kind, const char *key, const char *label,
             const char *reply_to, const char *in_reply_to)
{
  IngestEventInput in = { 0 };

  in.kind = INGEST_EVENT_SEND;
  in.time_ns = t;
  in.actor = INGEST_STR (from);
  in.actor_kind = from_kind;
  in.actor_kind_set = TRUE;
  in.peer = INGEST_STR (to);
  in.peer_kind = to_kind;
  in.peer_kind_set = TRUE;
  in.message_key = INGEST_STR (key);
  if (label != NULL && *label != '\0')
    in.label = INGEST_STR (label);
  if (reply_to != NULL)
    in.reply_to = INGEST_STR (reply_to);
  if (in_reply_to != NULL)
    in.in_reply_to = INGEST_STR (in_reply_to);
  ingest_store_append (self->store, &in);
}

static void
append_at (IngestOtlpMapper *self, IngestEventKind kind, gint64 t, const char *actor,
           const char *peer, const char *key)
{
  IngestEventInput in = { 0 };

  in.kind = kind;
  in.time_ns = t;
  in.actor = INGEST_STR (actor);
  if (peer != NULL)
    in.peer = INGEST_STR (peer);
  in.message_key = INGEST_STR (key);
  ingest_store_append (self->store, &in);
}

static const char *
queue_of (const Span *producer, const Span *consumer)
{
  if (producer != NULL && producer->destination != NULL)
    return producer->destination;
  if (consumer != NULL && consumer->destination != NULL)
    return consumer->destination;
  return UNNAMED_QUEUE;
}

/* producer -> queue: sent at the span's start, in the queue at its end. */
static void
emit_publish (IngestOtlpMapper *self, const Span *p)
{
  g_autofree char *key = span_key (p->trace_id, p->span_id);
  const char *queue = queue_of (p, NULL);

  append_send (self, p->start_ns, p->service, INGEST_ACTOR_ACTOR, queue, INGEST_ACTOR_QUEUE, key,
               p->name, NULL, NULL);
  append_at (self, INGEST_EVENT_RECEIVE, p->end_ns, queue, p->service, key);
}

/* queue -> consumer: leaves the queue when the producer's span ended (or
 * the consumer started, if earlier or unknown), processed during the
 * consumer's span. */
static void
emit_delivery (IngestOtlpMapper *self, const Span *p, const Span *c)
{
  g_autofree char *span = span_key (c->trace_id, c->span_id);
  g_autofree char *key = g_strconcat (span, "/deliver", NULL);
  const char *queue = queue_of (p, c);
  gint64 sent = p != NULL ? MIN (p->end_ns, c->start_ns) : c->start_ns;

  append_send (self, sent, queue, INGEST_ACTOR_QUEUE, c->service, INGEST_ACTOR_ACTOR, key,
               p != NULL && *p->name != '\0' ? p->name : c->name, NULL, NULL);
  append_at (self, INGEST_EVENT_RECEIVE, c->start_ns, c->service, queue, key);
  append_at (self, INGEST_EVENT_DONE, c->end_ns, c->service, NULL, key);
}

/* client -> server request and its response; either side may be missing
 * (NULL): the other end is then REMOTE_SERVER or EXTERNAL_CLIENT and the
 * known span's times stand for both. */
static void
emit_call (IngestOtlpMapper *self, const Span *k, const Span *s)
{
  const Span *known = k != NULL ? k : s;
  g_autofree char *request = span_key (known->trace_id, k != NULL ? k->span_id : s->span_id);
  g_autofree char *response = g_strconcat (request, "/reply", NULL);
  const char *client = k != NULL ? k->service : EXTERNAL_CLIENT;
  const char *server = s != NULL ? s->service : (k->peer != NULL ? k->peer : REMOTE_SERVER);
  IngestActorKind client_kind = k != NULL ? INGEST_ACTOR_ACTOR : INGEST_ACTOR_CLIENT;
  gint64 sent = k != NULL ? k->start_ns : s->start_ns;
  gint64 served = s != NULL ? s->start_ns : k->start_ns;
  gint64 answered = s != NULL ? s->end_ns : k->end_ns;
  gint64 back = k != NULL ? k->end_ns : s->end_ns;

  append_send (self, sent, client, client_kind, server, INGEST_ACTOR_ACTOR, request,
               s != NULL ? s->name : k->name, client, NULL);
  append_at (self, INGEST_EVENT_RECEIVE, MAX (served, sent), server, client, request);
  append_at (self, INGEST_EVENT_DONE, MAX (answered, sent), server, NULL, request);
  append_send (self, MAX (answered, sent), server, INGEST_ACTOR_ACTOR, client, client_kind,
               response, s != NULL ? s->name : k->name, NULL, request);
  append_at (self, INGEST_EVENT_RECEIVE, MAX (back, answered), client, server, response);
}

/* Exceptions and an error status are error marks at the service. */
static void
emit_errors (IngestOtlpMapper *self, json_t *js, const Span *s)
{
  json_t *events = json_object_get (js, "events");
  json_t *status = json_object_get (js, "status");
  json_t *code = json_object_get (status, "code");
  gboolean marked = FALSE;
  size_t i;
  json_t *ev;

  if (json_is_array (events))
    json_array_foreach (events, i, ev)
      {
        json_t *attrs = json_object_get (ev, "attributes");
        const char *type = attribute_text (attrs, "exception.type");
        const char *message = attribute_text (attrs, "exception.message");
        g_autofree char *text = NULL;
        IngestEventInput in = { 0 };
        gint64 t;

        if (g_strcmp0 (json_string_value (json_object_get (ev, "name")), "exception") != 0)
          continue;
        if (!read_time (json_object_get (ev, "timeUnixNano"), &t))
          t = s->end_ns;
        text = g_strdup_printf ("error: exception in %s: %s%s%s", s->name,
                                type != NULL ? type : "", type != NULL && message != NULL ? ": " : "",
                                message != NULL ? message : "");
        in.kind = INGEST_EVENT_MARK;
        in.time_ns = t;
        in.actor = INGEST_STR (s->service);
        in.text = INGEST_STR (text);
        ingest_store_append (self->store, &in);
        marked = TRUE;
      }
  if (!marked && (json_integer_value (code) == 2
                  || g_strcmp0 (json_string_value (code), "STATUS_CODE_ERROR") == 0))
    {
      const char *message = json_string_value (json_object_get (status, "message"));
      g_autofree char *text = g_strdup_printf ("error: %s failed%s%s", s->name,
                                               message != NULL && *message ? ": " : "",
                                               message != NULL ? message : "");
      IngestEventInput in = { 0 };
      in.kind = INGEST_EVENT_MARK;
      in.time_ns = s->end_ns;
      in.actor = INGEST_STR (s->service);
      in.text = INGEST_STR (text);
      ingest_store_append (self->store, &in);
    }
}

/* ---- pairing ---- */

static Slot *
slot_get (IngestOtlpMapper *self, GHashTable *table, const char *trace_id, const char *span_id)
{
  g_autofree char *key = g_strconcat (trace_id, "/", span_id, NULL);
  Slot *slot = g_hash_table_lookup (table, key);

  if (slot == NULL)
    {
      slot = g_new0 (Slot, 1);
      slot->followers = g_ptr_array_new_with_free_func ((GDestroyNotify) span_free);
      slot->newest_ns = G_MININT64;
      g_hash_table_insert (table, g_steal_pointer (&key), slot);
    }
  return slot;
}

static void
hold (IngestOtlpMapper *self, Slot *slot, Span *s, gboolean first)
{
  if (first)
    slot->first = s;
  else
    g_ptr_array_add (slot->followers, s);
  slot->newest_ns = MAX (slot->newest_ns, s->end_ns);
  self->n_pending++;
}

static void
take_producer (IngestOtlpMapper *self, Span *p)
{
  Slot *slot = slot_get (self, self->producers, p->trace_id, p->span_id);

  if (slot->first != NULL) /* the same span exported twice */
    {
      span_free (p);
      return;
    }
  emit_publish (self, p);
  for (guint i = 0; i < slot->followers->len; i++)
    emit_delivery (self, p, g_ptr_array_index (slot->followers, i));
  self->n_pending -= slot->followers->len;
  g_ptr_array_set_size (slot->followers, 0);
  slot->producer_emitted = TRUE;
  /* Kept for consumers still to come (fan-out, late batches). */
  hold (self, slot, p, TRUE);
}

static void
take_consumer (IngestOtlpMapper *self, Span *c)
{
  const char *producer_id = c->link_span_id != NULL ? c->link_span_id : c->parent_id;
  Slot *slot;

  if (producer_id == NULL)
    {
      emit_delivery (self, NULL, c);
      span_free (c);
      return;
    }
  slot = slot_get (self, self->producers, c->trace_id, producer_id);
  if (slot->first != NULL)
    {
      emit_delivery (self, slot->first, c);
      slot->newest_ns = MAX (slot->newest_ns, c->end_ns);
      span_free (c);
      return;
    }
  hold (self, slot, c, FALSE);
}

static void
take_call_side (IngestOtlpMapper *self, Span *s, gboolean client)
{
  Slot *slot;

  if (!client && s->parent_id == NULL)
    {
      emit_call (self, NULL, s);
      span_free (s);
      return;
    }
  slot = slot_get (self, self->calls, s->trace_id, client ? s->span_id : s->parent_id);
  if ((client && slot->first != NULL) || (!client && slot->followers->len > 0))
    {
      span_free (s); /* exported twice */
      return;
    }
  hold (self, slot, s, client);
  if (slot->first != NULL && slot->followers->len > 0)
    {
      g_autofree char *key = g_strconcat (s->trace_id, "/", slot->first->span_id, NULL);
      emit_call (self, slot->first, g_ptr_array_index (slot->followers, 0));
      self->n_pending -= 2;
      g_hash_table_remove (self->calls, key);
    }
}

/* Emits what a slot holds alone and says whether to drop it. */
static gboolean
give_up_producer_slot (gpointer key, gpointer value, gpointer user_data)
{
  IngestOtlpMapper *self = ((gpointer *) user_data)[0];
  gint64 before = *(gint64 *) ((gpointer *) user_data)[1];
  Slot *slot = value;

  (void) key;
  if (slot->newest_ns >= before)
    return FALSE;
  for (guint i = 0; i < slot->followers->len; i++)
    emit_delivery (self, NULL, g_ptr_array_index (slot->followers, i));
  self->n_pending -= slot->followers->len + (slot->first != NULL ? 1 : 0);
  return TRUE;
}

static gboolean
give_up_call_slot (gpointer key, gpointer value, gpointer user_data)
{
  IngestOtlpMapper *self = ((gpointer *) user_data)[0];
  gint64 before = *(gint64 *) ((gpointer *) user_data)[1];
  Slot *slot = value;

  (void) key;
  if (slot->newest_ns >= before)
    return FALSE;
  if (slot->first != NULL)
    emit_call (self, slot->first, NULL);
  for (guint i = 0; i < slot->followers->len; i++)
    emit_call (self, NULL, g_ptr_array_index (slot->followers, i));
  self->n_pending -= slot->followers->len + (slot->first != NULL ? 1 : 0);
  return TRUE;
}

/* Gives up on slots whose spans all ended before `before`. */
static void
give_up_before (IngestOtlpMapper *self, gint64 before)
{
  gpointer data[2] = { self, &before };

  g_hash_table_foreach_remove (self->producers, give_up_producer_slot, data);
  g_hash_table_foreach_remove (self->calls, give_up_call_slot, data);
}

void
ingest_otlp_mapper_flush (IngestOtlpMapper *self)
{
  g_return_if_fail (self != NULL);
  give_up_before (self, G_MAXINT64);
}

static void
sweep (IngestOtlpMapper *self)
{
  if (self->n_pending > INGEST_OTLP_MAX_PENDING)
    {
      ingest_otlp_mapper_flush (self);
      return;
    }
  /* Once per second of trace time at most: a sweep walks every slot. */
  if (self->newest_ns - self->last_sweep_ns < 1000000000)
    return;
  self->last_sweep_ns = self->newest_ns;
  give_up_before (self, self->newest_ns - INGEST_OTLP_PENDING_AGE_NS);
}

static void
take_span (IngestOtlpMapper *self, json_t *js, Span *s)
{
  ingest_store_ensure_actor (self->store, INGEST_STR (s->service), INGEST_ACTOR_ACTOR,
                             INGEST_STR_NONE);
  self->newest_ns = MAX (self->newest_ns, s->end_ns);
  emit_errors (self, js, s);
  switch (s->kind)
    {
    case KIND_PRODUCER: take_producer (self, s); break;
    case KIND_CONSUMER: take_consumer (self, s); break;
    case KIND_CLIENT: take_call_side (self, s, TRUE); break;
    case KIND_SERVER: take_call_side (self, s, FALSE); break;
    default: span_free (s); break; /* internal work: its errors are all we show */
    }
}

static json_t *
scope_spans_of (json_t *rs)
{
  json_t *a = json_object_get (rs, "scopeSpans");
  /* OTLP before 0.19 */
  return a != NULL ? a : json_object_get (rs, "instrumentationLibrarySpans");
}

gboolean
ingest_otlp_mapper_feed_request (IngestOtlpMapper *self, json_t *request, guint64 *n_spans,
                                 guint64 *n_bad, GError **error)
{
  json_t *resource_spans = json_object_get (request, "resourceSpans");
  guint64 taken = 0, bad = 0;
  size_t i, j, k;
  json_t *rs, *ss, *js;

  if (!json_is_object (request) || !json_is_array (resource_spans))
    {
      g_set_error (error, INGEST_ERROR, INGEST_ERROR_SCHEMA,
                   "not an OTLP ExportTraceServiceRequest (no \"resourceSpans\" array)");
      return FALSE;
    }
  json_array_foreach (resource_spans, i, rs)
    {
      const char *service = attribute_text (json_object_get (json_object_get (rs, "resource"),
                                                             "attributes"), "service.name");
      json_t *scopes = scope_spans_of (rs);

      if (service == NULL || *service == '\0')
        service = UNKNOWN_SERVICE;
      if (!json_is_array (scopes))
        continue;
      json_array_foreach (scopes, j, ss)
        {
          json_t *spans = json_object_get (ss, "spans");
          if (!json_is_array (spans))
            continue;
          json_array_foreach (spans, k, js)
            {
              Span *s = json_is_object (js) ? span_read (js, service) : NULL;
              if (s == NULL)
                {
                  bad++;
                  continue;
                }
              take_span (self, js, s);
              taken++;
            }
        }
    }
  sweep (self);
  if (n_spans != NULL)
    *n_spans = taken;
  if (n_bad != NULL)
    *n_bad = bad;
  return TRUE;
}
