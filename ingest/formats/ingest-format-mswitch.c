/* ingest-format-mswitch.c: message-switch /trace bodies
 * (the broker's wire format is described in message-switch.md in the shared
 * formats folder; this comment is the reference for the mapping).
 *
 * Input: one body `{"events":[[ID,EVENT],...]}` or many of them concatenated
 * or one per line, as a poller saves them. The push lexer streams the bodies;
 * each [ID,EVENT] element (small: payloads are cut at 256 bytes by the broker)
 * is built as a jansson value and mapped.
 *
 * Mapping, so the graph reads client -> service queue -> server session and
 * back (keys: "QUEUE#N", with "@E" appended after the E-th broker restart):
 *   request sent      (input C, queue Q):  SEND C->Q "Q#n", label = JSON-RPC
 *                     method or "request", reply_to = reply queue R.
 *   request delivered (output S, queue Q): RECEIVE at Q and DONE at Q of
 *                     "Q#n" (time in queue = delivery - send), then the hop
 *                     SEND Q->S and RECEIVE at S of "Q#n>S".
 *   response sent     (input S, queue R, Response [Q,n]): DONE at S of
 *                     "Q#n>S" (server processing = response - delivery) and
 *                     SEND S->R "R#m", label "response"/"error",
 *                     in_reply_to "Q#n".
 *   response delivered(output C, queue R): RECEIVE at R of "R#m"; when R is
 *                     not C itself, DONE at R and hop SEND R->C, RECEIVE at C
 *                     of "R#m>C". With the usual private reply queue (R == C)
 *                     the client's round trip is request send -> response
 *                     receive, which is exactly what the broker's
 *                     processing_time measures (enqueue -> response
 *                     delivered), so it is validated (an integer) but not
 *                     stored twice. A request whose send was lost from the
 *                     ring is not rebuilt from it: without the response's
 *                     own send nothing would link the two.
 *   ack               (input A, Ack [Q,n]): ACK at A of "Q#n".
 * A client's SEND into a queue is held until acked (IngestEventInput
 * until_ack): like the broker, the queue's depth, pending count and time in
 * queue end at the Ack, not at the delivery (which may come long before it,
 * or without any Ack ever); the hops are plain messages.
 * Sessions (input/output) are CLIENT actors; queues are QUEUE actors, except
 * a queue named like a session (a client's private reply queue), which is
 * that client.
 *
 * Ids: one counter per broker, +1 per event. An id not above the last one is
 * a duplicate from an overlapping poll (dropped, counted) unless its time is
 * later than the last event's, which means the broker restarted (ids from 0
 * again: message keys get a new "@E" epoch). A jump is counted as lost; a
 * first id above 0 as lost before attach (the ring dropped them before
 * anyone read them).
 */
#include "config.h"

#include <string.h>
#include <jansson.h>

#include "ingest-json-lexer.h"
#include "ingest-parser-private.h"
#include "ingest-hash.h"

#define MAX_ELEMENT_TOKENS 4096         /* an [ID,EVENT] element is ~20 tokens */
#define MAX_LABEL 128

/* Ids remembered with a hash of their event. An overlapping poll repeats
 * at most the broker's ring (16 events by default), far fewer. */
#define RECENT_IDS 4096

typedef struct {
  gint64 id;                   /* -1: empty */
  guint64 hash;
} RecentId;

typedef struct {
  IngestParserCtx *ctx;
  IngestJsonLexer *lexer;

  /* streaming position in the body */
  gboolean in_events;          /* the "events" array of the current body is open */
  gboolean key_is_events;      /* last depth-1 key was "events" */
  gboolean body_ok;
  gboolean skipping_line;      /* lenient resync: dropping the rest of a broken line */

  /* the element being built */
  GPtrArray *stack;            /* json_t* containers */
  json_t *element;
  char *key;                   /* pending object key (owned) */
  guint n_tokens;
  gboolean element_bad;
  const char *element_error;
  guint64 element_line, element_col;
  char time_raw[INGEST_JSON_MAX_NUMBER + 1];
  gsize time_raw_len;

  /* ids: the last one, and the content of the recent ones (slot id %
   * RECENT_IDS), to tell an overlapping poll from a restarted broker */
  gboolean have_last;
  gint64 last_id;
  guint epoch;
  RecentId *recent;

  GHashTable *sessions;        /* names seen as input/output */
  GHashTable *queues;          /* names declared as queues */
  GString *scratch;
  GString *scratch2;
  GString *scratch3;
  GError *deferred;            /* error raised inside the lexer callback */
} MswitchParser;

/* ---- actors ---- */

static void
ensure_session (MswitchParser *mp, const char *name)
{
  if (g_hash_table_contains (mp->sessions, name))
    return;
  IngestActorId id = ingest_store_ensure_actor (mp->ctx->store, INGEST_STR (name), INGEST_ACTOR_CLIENT,
                                                INGEST_STR_NONE);
  /* A name folded into "(other actors)" (the store's actor cap) is not
   * remembered either: the table stays bounded by the cap. */
  if (id != 0 && id != ingest_store_other_actors (mp->ctx->store))
    g_hash_table_add (mp->sessions, g_strdup (name));
}

static void
ensure_queue (MswitchParser *mp, const char *name)
{
  if (g_hash_table_contains (mp->sessions, name) || g_hash_table_contains (mp->queues, name))
    return;
  IngestActorId id = ingest_store_ensure_actor (mp->ctx->store, INGEST_STR (name), INGEST_ACTOR_QUEUE,
                                                INGEST_STR_NONE);
  if (id != 0 && id != ingest_store_other_actors (mp->ctx->store))
    g_hash_table_add (mp->queues, g_strdup (name));
}

/* ---- payload inspection (JSON-RPC, possibly cut at 256 bytes) ---- */

static const char *
find_member (const char *s, gsize len, const char *name)
{
  gsize nlen = strlen (name);
  const char *p = s, *end = s + len;

  while (p < end && (p = memmem (p, end - p, name, nlen)) != NULL)
    {
      const char *q = p + nlen;
      while (q < end && (*q == ' ' || *q == '\t' || *q == '\n' || *q == '\r'))
        q++;
      if (q < end && *q == ':')
        {
          q++;
          while (q < end && (*q == ' ' || *q == '\t' || *q == '\n' || *q == '\r'))
            q++;
          return q;
        }
      p += nlen;
    }
  return NULL;
}

static gboolean
payload_method (const char *payload, gsize len, GString *out)
{
  const char *v = find_member (payload, len, "\"method\""), *end = payload + len, *q;

  if (v == NULL || v >= end || *v != '"')
    return FALSE;
  v++;
  for (q = v; q < end && *q != '"' && *q != '\\' && q - v < MAX_LABEL; q++)
    ;
  if (q == v || q >= end || *q != '"')
    return FALSE;
  g_string_assign (out, "");
  g_string_append_len (out, v, q - v);
  return TRUE;
}

static const char *
payload_response_label (const char *payload, gsize len)
{
  const char *v = find_member (payload, len, "\"error\"");
  if (v && !(payload + len - v >= 4 && memcmp (v, "null", 4) == 0))
    return "error";
  return "response";
}

/* ---- mapping ---- */

static const char *
message_key (MswitchParser *mp, GString *out, json_t *id)
{
  const char *q;
  json_t *n;

  if (!json_is_array (id) || json_array_size (id) != 2)
    return NULL;
  q = json_string_value (json_array_get (id, 0));
  n = json_array_get (id, 1);
  if (q == NULL || !json_is_integer (n))
    return NULL;
  g_string_printf (out, "%s#%" JSON_INTEGER_FORMAT, q, json_integer_value (n));
  if (mp->epoch > 0)
    g_string_append_printf (out, "@%u", mp->epoch);
  return out->str;
}

/* Fills *in with what every mapped event has (peer may be NULL); the
 * strings stay borrowed. */
static void
event_input (IngestEventInput *in, IngestEventKind kind, gint64 t, const char *actor,
             IngestActorKind actor_kind, const char *peer, IngestActorKind peer_kind,
             const char *key)
{
  memset (in, 0, sizeof *in);
  in->kind = kind;
  in->time_ns = t;
  in->actor = INGEST_STR (actor);
  in->actor_kind = actor_kind;
  in->actor_kind_set = TRUE;
  if (peer)
    {
      in->peer = INGEST_STR (peer);
      in->peer_kind = peer_kind;
      in->peer_kind_set = TRUE;
    }
  in->message_key = INGEST_STR (key);
}

static void
append (MswitchParser *mp, IngestEventKind kind, gint64 t, const char *actor,
        IngestActorKind actor_kind, const char *peer, IngestActorKind peer_kind, const char *key)
{
  IngestEventInput in;
  event_input (&in, kind, t, actor, actor_kind, peer, peer_kind, key);
  ingest_store_append (mp->ctx->store, &in);
}

static IngestActorKind
kind_of (MswitchParser *mp, const char *name)
{
  return g_hash_table_contains (mp->sessions, name) ? INGEST_ACTOR_CLIENT : INGEST_ACTOR_QUEUE;
}

/* A client's message into queue: the SEND that carries the payload
 * (exactly one of reply_to, for a request, and in_reply_to, for a response,
 * is set). */
static void
append_client_send (MswitchParser *mp, gint64 t, const char *client, const char *queue,
                    const char *key, const char *label, const char *payload, gsize payload_len,
                    const char *reply_to, const char *in_reply_to)
{
  IngestEventInput in;
  event_input (&in, INGEST_EVENT_SEND, t, client, INGEST_ACTOR_CLIENT, queue, kind_of (mp, queue), key);
  in.label = INGEST_STR (label);
  in.payload = (IngestStr){ payload, (gssize) payload_len };
  in.size = (guint32) MIN (payload_len, G_MAXUINT32);
  if (reply_to)
    in.reply_to = INGEST_STR (reply_to);
  if (in_reply_to)
    in.in_reply_to = INGEST_STR (in_reply_to);
  /* the broker keeps it in the queue until an Ack names it, however long
   * after the delivery (a client may ack manually, later, or never) */
  in.until_ack = TRUE;
  ingest_store_append (mp->ctx->store, &in);
}

/* The broker hands message key on from queue to client output: a hop of its
 * own (key "KEY>OUTPUT", sent by the queue, received by the client), so the
 * queue's time and the client's show apart. */
static void
append_hop (MswitchParser *mp, gint64 t, const char *queue, const char *output, const char *key,
            const char *label, gsize payload_len, const char *in_reply_to)
{
  IngestEventInput in;
  g_string_printf (mp->scratch3, "%s>%s", key, output);
  event_input (&in, INGEST_EVENT_SEND, t, queue, kind_of (mp, queue), output, INGEST_ACTOR_CLIENT,
               mp->scratch3->str);
  in.label = INGEST_STR (label);
  in.size = (guint32) MIN (payload_len, G_MAXUINT32);
  if (in_reply_to)
    in.in_reply_to = INGEST_STR (in_reply_to);
  ingest_store_append (mp->ctx->store, &in);
  append (mp, INGEST_EVENT_RECEIVE, t, output, INGEST_ACTOR_CLIENT, queue, kind_of (mp, queue),
          mp->scratch3->str);
}

static gboolean
map_event (MswitchParser *mp, json_t *ev, gint64 t, const char **why)
{
  const char *queue, *input, *output, *tag, *key;
  json_t *message, *processing;

  if (!json_is_object (ev))
    return (*why = "an event must be an object"), FALSE;
  queue = json_string_value (json_object_get (ev, "queue"));
  input = json_string_value (json_object_get (ev, "input"));
  output = json_string_value (json_object_get (ev, "output"));
  message = json_object_get (ev, "message");
  processing = json_object_get (ev, "processing_time");
  if (queue == NULL)
    return (*why = "missing \"queue\""), FALSE;
  if ((json_object_get (ev, "input") && !input) || (json_object_get (ev, "output") && !output))
    return (*why = "\"input\"/\"output\" must be strings"), FALSE;
  if (processing && !json_is_integer (processing))
    return (*why = "\"processing_time\" must be an integer"), FALSE;
  if (!json_is_array (message) || json_array_size (message) < 2)
    return (*why = "\"message\" must be [\"Message\",...] or [\"Ack\",...]"), FALSE;
  tag = json_string_value (json_array_get (message, 0));
  if (tag == NULL)
    return (*why = "unknown message variant"), FALSE;
  key = message_key (mp, mp->scratch, json_array_get (message, 1));
  if (key == NULL)
    return (*why = "a message id must be [QUEUE, N]"), FALSE;

  if (strcmp (tag, "Ack") == 0)
    {
      if (input == NULL)
        return (*why = "an Ack without \"input\""), FALSE;
      ensure_session (mp, input);
      append (mp, INGEST_EVENT_ACK, t, input, INGEST_ACTOR_CLIENT, NULL, 0, key);
      return TRUE;
    }
  if (strcmp (tag, "Message") != 0)
    return (*why = "unknown message variant"), FALSE;

  {
    json_t *body = json_array_get (message, 2), *kind;
    const char *payload, *ktag;
    gsize payload_len;
    gboolean is_request;

    if (!json_is_object (body))
      return (*why = "a Message needs {\"payload\",\"kind\"}"), FALSE;
    payload = json_string_value (json_object_get (body, "payload"));
    payload_len = json_string_length (json_object_get (body, "payload"));
    kind = json_object_get (body, "kind");
    ktag = json_string_value (json_array_get (kind, 0));
    if (payload == NULL || ktag == NULL || json_array_size (kind) != 2)
      return (*why = "a Message needs a string payload and a kind"), FALSE;
    if (strcmp (ktag, "Request") == 0)
      is_request = TRUE;
    else if (strcmp (ktag, "Response") == 0)
      is_request = FALSE;
    else
      return (*why = "kind must be Request or Response"), FALSE;
    if (input == NULL && output == NULL)
      return (*why = "a Message needs \"input\" or \"output\""), FALSE;

    if (is_request)
      {
        const char *reply = json_string_value (json_array_get (kind, 1));
        if (reply == NULL)
          return (*why = "Request needs a reply queue name"), FALSE;
        const char *label = payload_method (payload, payload_len, mp->scratch2)
                              ? mp->scratch2->str : "request";
        if (output == NULL)
          {
            ensure_session (mp, input);
            ensure_queue (mp, queue);
            ensure_queue (mp, reply);
            append_client_send (mp, t, input, queue, key, label, payload, payload_len, reply, NULL);
          }
        else
          {
            /* delivery: out of the queue, then the hop to the server */
            ensure_session (mp, output);
            ensure_queue (mp, queue);
            append (mp, INGEST_EVENT_RECEIVE, t, queue, kind_of (mp, queue), NULL, 0, key);
            append (mp, INGEST_EVENT_DONE, t, queue, kind_of (mp, queue), NULL, 0, key);
            if (strcmp (output, queue) != 0)
              append_hop (mp, t, queue, output, key, label, payload_len, NULL);
          }
        return TRUE;
      }

    /* a response */
    {
      GString *req_key = g_string_new (NULL);
      const char *request = message_key (mp, req_key, json_array_get (kind, 1));
      if (request == NULL)
        {
          g_string_free (req_key, TRUE);
          return (*why = "Response needs the request id [QUEUE, N]"), FALSE;
        }
      const char *label = payload_response_label (payload, payload_len);
      if (output == NULL)
        {
          ensure_session (mp, input);
          ensure_queue (mp, queue);
          /* the server is done with the request it was handed */
          g_string_printf (mp->scratch3, "%s>%s", request, input);
          append (mp, INGEST_EVENT_DONE, t, input, INGEST_ACTOR_CLIENT, NULL, 0, mp->scratch3->str);
          append_client_send (mp, t, input, queue, key, label, payload, payload_len, NULL, request);
        }
      else
        {
          ensure_session (mp, output);
          ensure_queue (mp, queue);
          append (mp, INGEST_EVENT_RECEIVE, t, queue, kind_of (mp, queue), NULL, 0, key);
          if (strcmp (output, queue) != 0)
            {
              append (mp, INGEST_EVENT_DONE, t, queue, kind_of (mp, queue), NULL, 0, key);
              append_hop (mp, t, queue, output, key, label, payload_len, request);
            }
        }
      g_string_free (req_key, TRUE);
    }
  }
  return TRUE;
}

static void
recent_clear (MswitchParser *mp)
{
  for (guint i = 0; i < RECENT_IDS; i++)
    mp->recent[i].id = -1;
}

static int
hash_chunk (const char *buf, size_t size, void *data)
{
  guint64 *h = data;
  for (size_t i = 0; i < size; i++)
    *h = (*h ^ (guchar) buf[i]) * G_GUINT64_CONSTANT (0x100000001b3);
  return 0;
}

/* FNV-1a of the element as JSON and of its time's digits. */
static guint64
element_hash (MswitchParser *mp)
{
  guint64 h = G_GUINT64_CONSTANT (0xcbf29ce484222325);
  json_dump_callback (mp->element, hash_chunk, &h, JSON_COMPACT | JSON_ENCODE_ANY);
  hash_chunk (mp->time_raw, mp->time_raw_len, &h);
  return h;
}

/* One [ID, EVENT] element, complete. */
static gboolean
process_element (MswitchParser *mp, GError **error)
{
  IngestParserCtx *ctx = mp->ctx;
  IngestStoreCounters *counters = ingest_store_counters (ctx->store);
  json_t *id_v, *ev;
  gint64 id, t;
  guint64 hash;
  const char *why = NULL;

  if (!json_is_array (mp->element) || json_array_size (mp->element) != 2)
    return ingest_parser_ctx_reject (ctx, error, INGEST_ERROR_SCHEMA, mp->element_line,
                                     mp->element_col, "an event must be [ID, EVENT]");
  id_v = json_array_get (mp->element, 0);
  ev = json_array_get (mp->element, 1);
  if (!json_is_integer (id_v))
    return ingest_parser_ctx_reject (ctx, error, INGEST_ERROR_SCHEMA, mp->element_line,
                                     mp->element_col, "an event id must be an integer");
  id = json_integer_value (id_v);
  if (mp->time_raw_len == 0)
    return ingest_parser_ctx_reject (ctx, error, INGEST_ERROR_SCHEMA, mp->element_line,
                                     mp->element_col, "missing or non-numeric \"time\"");
  if (!ingest_json_number_to_scaled (mp->time_raw, mp->time_raw_len, 9, &t))
    return ingest_parser_ctx_reject (ctx, error, INGEST_ERROR_LIMIT, mp->element_line,
                                     mp->element_col, "\"time\" out of range");

  if (id < 0)
    return ingest_parser_ctx_reject (ctx, error, INGEST_ERROR_SCHEMA, mp->element_line,
                                     mp->element_col, "an event id must not be negative");

  /* Ids going back are an overlapping poll when the event is one we read
   * (same id, same content); otherwise the ids were reset: a restarted
   * broker, whose event has other content, or an id we never read (an
   * overlap only repeats recent ids). Never the clock: it may step back,
   * and a new broker's may be behind the old one's. */
  hash = element_hash (mp);
  if (mp->have_last && id <= mp->last_id)
    {
      const RecentId *r = &mp->recent[id % RECENT_IDS];
      if (r->id == id && r->hash == hash)
        {
          counters->duplicate_events++;
          return TRUE;
        }
      /* the new broker's ids before this one were not read */
      mp->epoch++;
      counters->lost_events += (guint64) id;
      recent_clear (mp);
    }
  else if (mp->have_last && (guint64) id - (guint64) mp->last_id > 1)
    counters->lost_events += (guint64) id - (guint64) mp->last_id - 1;
  else if (!mp->have_last)
    counters->lost_before_attach += (guint64) id; /* ids start at 0 */
  /* Also when the event is malformed: the same one again is a duplicate. */
  mp->recent[id % RECENT_IDS] = (RecentId){ id, hash };

  if (!map_event (mp, ev, t, &why))
    return ingest_parser_ctx_reject (ctx, error, INGEST_ERROR_SCHEMA, mp->element_line,
                                     mp->element_col, "%s", why);
  mp->have_last = TRUE;
  mp->last_id = id;
  ingest_parser_ctx_accept (ctx);
  return TRUE;
}

/* ---- building elements from tokens ---- */

static void
element_clear (MswitchParser *mp)
{
  g_ptr_array_set_size (mp->stack, 0);
  g_clear_pointer (&mp->element, json_decref);
  g_clear_pointer (&mp->key, g_free);
  mp->n_tokens = 0;
  mp->element_bad = FALSE;
  mp->element_error = NULL;
  mp->time_raw_len = 0;
}

static void
element_add (MswitchParser *mp, json_t *v)
{
  if (mp->stack->len == 0)
    {
      mp->element = v;
      return;
    }
  {
    json_t *top = g_ptr_array_index (mp->stack, mp->stack->len - 1);
    if (json_is_array (top))
      json_array_append_new (top, v);
    else
      {
        json_object_setn_new_nocheck (top, mp->key ? mp->key : "", mp->key ? strlen (mp->key) : 0, v);
        g_clear_pointer (&mp->key, g_free);
      }
  }
}

static gboolean
on_token (const IngestJsonToken *tok, gpointer user_data, GError **error)
{
  MswitchParser *mp = user_data;
  IngestParserCtx *ctx = mp->ctx;

  if (tok->depth == 0)
    {
      if (tok->type == INGEST_JSON_BEGIN_OBJECT)
        {
          mp->body_ok = TRUE;
          mp->in_events = FALSE;
          return TRUE;
        }
      if (tok->type == INGEST_JSON_END_OBJECT)
        return TRUE;
      g_set_error_literal (error, INGEST_ERROR, INGEST_ERROR_SCHEMA,
                           "expected a message-switch body {\"events\":[...]}");
      return FALSE;
    }
  if (tok->depth == 1)
    {
      if (tok->type == INGEST_JSON_KEY)
        {
          mp->key_is_events = tok->len == 6 && memcmp (tok->str, "events", 6) == 0;
          return TRUE;
        }
      if (mp->key_is_events)
        {
          if (tok->type == INGEST_JSON_BEGIN_ARRAY)
            mp->in_events = TRUE;
          else if (tok->type == INGEST_JSON_END_ARRAY)
            mp->in_events = FALSE;
          else
            {
              g_set_error_literal (error, INGEST_ERROR, INGEST_ERROR_SCHEMA, "\"events\" must be an array");
              return FALSE;
            }
        }
      return TRUE; /* other members are ignored */
    }
  if (!mp->in_events)
    return TRUE;

  /* depth >= 2: inside one element */
  if (tok->depth == 2 && mp->stack->len == 0 && mp->element == NULL)
    {
      element_clear (mp);
      mp->element_line = tok->line;
      mp->element_col = tok->column;
    }
  if (++mp->n_tokens > MAX_ELEMENT_TOKENS && !mp->element_bad)
    {
      mp->element_bad = TRUE;
      mp->element_error = "event too large";
    }

  if (!mp->element_bad)
    switch (tok->type)
      {
      case INGEST_JSON_BEGIN_OBJECT:
      case INGEST_JSON_BEGIN_ARRAY:
        {
          json_t *c = tok->type == INGEST_JSON_BEGIN_OBJECT ? json_object () : json_array ();
          /* the parent (or mp->element) owns c; the stack borrows it */
          element_add (mp, c);
          g_ptr_array_add (mp->stack, c);
        }
        break;
      case INGEST_JSON_END_OBJECT:
      case INGEST_JSON_END_ARRAY:
        if (mp->stack->len > 0)
          g_ptr_array_set_size (mp->stack, mp->stack->len - 1);
        break;
      case INGEST_JSON_KEY:
        g_free (mp->key);
        mp->key = g_strndup (tok->str, tok->len);
        if (tok->depth == 4 && tok->len == 4 && memcmp (tok->str, "time", 4) == 0)
          mp->time_raw_len = 0;
        break;
      case INGEST_JSON_STRING:
        element_add (mp, json_stringn_nocheck (tok->str, tok->len));
        break;
      case INGEST_JSON_INT:
      case INGEST_JSON_DOUBLE:
        if (tok->depth == 4 && mp->key && strcmp (mp->key, "time") == 0)
          {
            memcpy (mp->time_raw, tok->str, tok->len);
            mp->time_raw_len = tok->len;
          }
        element_add (mp, tok->type == INGEST_JSON_INT ? json_integer (tok->v_int)
                                                      : json_real (tok->overflow ? 0.0 : tok->v_double));
        break;
      case INGEST_JSON_TRUE:
        element_add (mp, json_true ());
        break;
      case INGEST_JSON_FALSE:
        element_add (mp, json_false ());
        break;
      case INGEST_JSON_NULL:
        element_add (mp, json_null ());
        break;
      }

  /* element complete? */
  if (tok->depth == 2 && tok->type != INGEST_JSON_BEGIN_ARRAY && tok->type != INGEST_JSON_BEGIN_OBJECT)
    {
      gboolean ok;
      if (mp->element_bad)
        ok = ingest_parser_ctx_reject (ctx, error, INGEST_ERROR_LIMIT, mp->element_line,
                                       mp->element_col, "%s", mp->element_error);
      else
        ok = process_element (mp, error);
      element_clear (mp);
      if (!ok)
        {
          /* keep the already formatted error: mark it so feed does not re-prefix */
          mp->deferred = error && *error ? g_error_copy (*error) : NULL;
        }
      return ok;
    }
  return TRUE;
}

/* ---- feed / finish ---- */

static gpointer
mswitch_create (IngestParserCtx *ctx)
{
  MswitchParser *mp = g_new0 (MswitchParser, 1);
  mp->ctx = ctx;
  mp->lexer = ingest_json_lexer_new (ctx->max_depth, INGEST_STORE_MAX_PAYLOAD,
                                     INGEST_JSON_LEXER_MULTI_DOCUMENT, on_token, mp);
  mp->stack = g_ptr_array_new ();
  mp->sessions = g_hash_table_new_full (ingest_hash_str, g_str_equal, g_free, NULL);
  mp->queues = g_hash_table_new_full (ingest_hash_str, g_str_equal, g_free, NULL);
  mp->scratch = g_string_new (NULL);
  mp->scratch2 = g_string_new (NULL);
  mp->scratch3 = g_string_new (NULL);
  mp->recent = g_new (RecentId, RECENT_IDS);
  recent_clear (mp);
  return mp;
}

static void
mswitch_destroy (gpointer self)
{
  MswitchParser *mp = self;
  element_clear (mp);
  ingest_json_lexer_free (mp->lexer);
  g_ptr_array_unref (mp->stack);
  g_hash_table_unref (mp->sessions);
  g_hash_table_unref (mp->queues);
  g_string_free (mp->scratch, TRUE);
  g_string_free (mp->scratch2, TRUE);
  g_string_free (mp->scratch3, TRUE);
  g_free (mp->recent);
  g_clear_error (&mp->deferred);
  g_free (mp);
}

/* A lexer failure: either an error we raised from a record (already
 * formatted: strict mode), or a syntax/limit error of the lexer itself. */
static gboolean
lexer_failed (MswitchParser *mp, GError *lex_error, GError **error, gboolean *resync)
{
  guint64 line, col;

  *resync = FALSE;
  if (mp->deferred)
    {
      g_error_free (lex_error);
      g_propagate_error (error, g_steal_pointer (&mp->deferred));
      return FALSE;
    }
  ingest_json_lexer_get_error_position (mp->lexer, &line, &col);
  element_clear (mp);
  mp->in_events = FALSE;
  if (!ingest_parser_ctx_reject (mp->ctx, error, (IngestErrorCode) lex_error->code, line, col,
                                 "%s", lex_error->message))
    {
      g_error_free (lex_error);
      return FALSE;
    }
  g_error_free (lex_error);
  *resync = TRUE;
  return TRUE;
}

static gboolean
mswitch_feed (gpointer self, const guint8 *data, gsize len, GError **error)
{
  MswitchParser *mp = self;

  while (len > 0)
    {
      GError *lex_error = NULL;
      gsize used = 0;
      gboolean resync;
      const guint8 *nl;

      if (mp->skipping_line)
        {
          nl = memchr (data, '\n', len);
          if (nl == NULL)
            {
              ingest_json_lexer_skip (mp->lexer, data, len);
              return TRUE;
            }
          ingest_json_lexer_skip (mp->lexer, data, nl + 1 - data);
          len -= nl + 1 - data;
          data = nl + 1;
          mp->skipping_line = FALSE;
          continue;
        }
      if (ingest_json_lexer_feed (mp->lexer, data, len, &used, &lex_error))
        return TRUE;
      if (!lexer_failed (mp, lex_error, error, &resync))
        return FALSE;
      /* lenient: drop the broken body up to the end of its line and go on
       * with the next one (pollers save one body per line) */
      data += used;
      len -= used;
      ingest_json_lexer_reset (mp->lexer);
      mp->skipping_line = TRUE;
    }
  return TRUE;
}

static gboolean
mswitch_finish (gpointer self, GError **error)
{
  MswitchParser *mp = self;
  GError *lex_error = NULL;
  gboolean resync;

  if (mp->skipping_line)
    return TRUE;
  if (ingest_json_lexer_finish (mp->lexer, &lex_error))
    return TRUE;
  return lexer_failed (mp, lex_error, error, &resync);
}

const IngestFormatImpl ingest_format_mswitch_impl = {
  mswitch_create, mswitch_feed, mswitch_finish, mswitch_destroy,
};
