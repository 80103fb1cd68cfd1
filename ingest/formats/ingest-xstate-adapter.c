/* ingest-xstate-adapter.c: XState inspection events -> the event model. */
#include "config.h"

#include <jansson.h>
#include <string.h>

#include "ingest-json-lexer.h"
#include "ingest-xstate-adapter.h"
#include "ingest-hash.h"

G_DEFINE_AUTOPTR_CLEANUP_FUNC (json_t, json_decref)

#define EXTERNAL_ACTOR "(external)"
/* Event payloads are shown, not stored whole. */
#define MAX_PAYLOAD 4096

typedef struct {
  char *name;             /* actor path */
  char *processing;       /* key of the message being processed, or NULL */
} SessionInfo;

struct _IngestXstateAdapter {
  IngestStore *store;
  char *source_name;
  GHashTable *sessions;   /* sessionId -> SessionInfo* */
  GHashTable *names;      /* actor path -> sessionId (borrowed from sessions' keys) */
  guint64 next_key;
  guint64 n_accepted;
  gsize state_bytes;      /* names, ids and table entries of the sessions */
  gboolean file_clock;    /* no createdAt: the last time + 1 us, not now */
  gint64 last_ns;         /* time of the last event fed */
  SessionInfo overflow;   /* every session past the bounds; not in the tables */
};

/* Two hash table entries (key, value, hash) per session. */
#define SESSION_OVERHEAD (sizeof (SessionInfo) + 2 * 3 * sizeof (gpointer))

static void
session_info_free (gpointer p)
{
  SessionInfo *s = p;
  g_free (s->name);
  g_free (s->processing);
  g_free (s);
}

IngestXstateAdapter *
ingest_xstate_adapter_new (IngestStore *store, const char *source_name)
{
  IngestXstateAdapter *self = g_new0 (IngestXstateAdapter, 1);

  self->store = store;
  self->source_name = g_strdup (source_name != NULL ? source_name : "xstate");
  self->sessions = g_hash_table_new_full (ingest_hash_str, g_str_equal, g_free, session_info_free);
  self->names = g_hash_table_new (ingest_hash_str, g_str_equal);
  self->overflow.name = g_strdup (INGEST_STORE_OTHER_ACTORS);
  return self;
}

void
ingest_xstate_adapter_free (IngestXstateAdapter *self)
{
  if (self == NULL)
    return;
  g_hash_table_unref (self->names);
  g_hash_table_unref (self->sessions);
  g_free (self->overflow.name);
  g_free (self->overflow.processing);
  g_free (self->source_name);
  g_free (self);
}

gboolean
ingest_xstate_looks_like (const char *data, gsize len)
{
  gsize i = 0;

  while (i < len && g_ascii_isspace (data[i]))
    i++;
  if (i >= len || data[i] != '{')
    return FALSE;
  /* Bounded search: a type field is near the start in every inspector. */
  return g_strstr_len (data, (gssize) MIN (len, 8192), "\"@xstate.") != NULL;
}

/* 9.2e12 ms (year 2261) is the most whose nanoseconds fit a gint64 with
 * room to spare: 1e15 let a cast overflow (found by fuzz-xstate). */
#define MAX_CREATED_AT_MS G_GINT64_CONSTANT (9200000000000)

static gint64
created_at_ns (IngestXstateAdapter *self, json_t *obj)
{
  json_t *c = json_object_get (obj, "createdAt");
  gint64 ns = 0;

  /* From the digits where there are digits: a double rounds epoch
   * nanoseconds to a multiple of 256. A float number is a double already. */
  if (json_is_string (c))
    {
      const char *text = json_string_value (c);
      if (!ingest_json_number_to_scaled (text, strlen (text), 6, &ns))
        ns = 0;
    }
  else if (json_is_integer (c))
    {
      json_int_t ms = json_integer_value (c);
      ns = ms > 0 && ms <= MAX_CREATED_AT_MS ? (gint64) ms * 1000000 : 0;
    }
  else if (json_is_real (c))
    {
      double ms = json_real_value (c);
      /* Also NaN. */
      ns = ms > 0 && ms <= (double) MAX_CREATED_AT_MS ? (gint64) (ms * 1e6) : 0;
    }
  if (ns <= 0 || ns > MAX_CREATED_AT_MS * 1000000)
    {
      /* Raw InspectionEvents carry no time. Live, they happen now; in a
       * file, "now" would be the load time, different on every load: keep
       * the file's order on a synthetic 1 us step instead. */
      if (self->file_clock)
        return self->last_ns + 1000;
      return g_get_real_time () * 1000;
    }
  return ns;
}

/* Longest machine id and session id kept in a name. */
#define MAX_LEAF 256
#define MAX_ID_SUFFIX 128

/* The length of s cut to at most max bytes, on a UTF-8 boundary (jansson
 * hands out valid UTF-8). */
static gsize
utf8_prefix_len (const char *s, gsize len, gsize max)
{
  if (len <= max)
    return len;
  while (max > 0 && ((guchar) s[max] & 0xC0) == 0x80)
    max--;
  return max;
}

/* parent/leaf, at most INGEST_XSTATE_MAX_NAME - 1 - MAX_ID_SUFFIX bytes: a
 * longer path keeps its end ("…" + the nearest levels), so a deep chain
 * costs the same per actor as a shallow one and the leaf stays visible. */
static char *
session_base_name (const char *parent_name, const char *leaf)
{
  const gsize max = INGEST_XSTATE_MAX_NAME - 1 - MAX_ID_SUFFIX;
  const char *ellipsis = "\u2026";
  g_autofree char *cut_leaf = g_strndup (leaf, utf8_prefix_len (leaf, strlen (leaf), MAX_LEAF));
  char *base = g_strconcat (parent_name, "/", cut_leaf, NULL);
  gsize len = strlen (base), start;
  char *shorter;

  if (len <= max)
    return base;
  start = len - (max - strlen (ellipsis));
  while (((guchar) base[start] & 0xC0) == 0x80)
    start++;
  /* Start at a level when one begins soon enough. */
  {
    const char *slash = strchr (base + start, '/');
    if (slash != NULL && slash - (base + start) < 64)
      start = (gsize) (slash - base);
  }
  shorter = g_strconcat (ellipsis, base + start, NULL);
  g_free (base);
  return shorter;
}

/* The actor for sessionId, created on first sight (an event can name an
 * actor before its @xstate.actor arrives). Past the adapter's bounds new
 * sessions are the shared overflow session. */
static SessionInfo *
session_get (IngestXstateAdapter *self, const char *session_id, const char *machine_id,
             const char *parent_session, gboolean *created)
{
  SessionInfo *s = g_hash_table_lookup (self->sessions, session_id);
  gsize id_len = strlen (session_id);
  g_autofree char *base = NULL;
  g_autofree char *leaf = NULL;
  char *key;

  *created = FALSE;
  if (s != NULL)
    return s;
  if (g_hash_table_size (self->sessions) >= INGEST_XSTATE_MAX_SESSIONS ||
      self->state_bytes + INGEST_XSTATE_MAX_NAME + id_len + 1 + SESSION_OVERHEAD
        > INGEST_XSTATE_MAX_STATE_BYTES)
    return &self->overflow;
  /* A '/' inside a machine id would invent hierarchy levels. */
  leaf = g_strdelimit (g_strdup (machine_id != NULL && *machine_id != '\0' ? machine_id : session_id),
                       "/", '.');
  if (parent_session != NULL)
    {
      SessionInfo *parent = g_hash_table_lookup (self->sessions, parent_session);
      base = session_base_name (parent != NULL ? parent->name : "", leaf);
    }
  else
    base = session_base_name ("", leaf);

  s = g_new0 (SessionInfo, 1);
  s->name = g_hash_table_contains (self->names, base)
    ? g_strdup_printf ("%s#%.*s", base, (int) utf8_prefix_len (session_id, id_len, MAX_ID_SUFFIX),
                       session_id)
    : g_steal_pointer (&base);
  key = g_strdup (session_id);
  g_hash_table_insert (self->sessions, key, s);
  g_hash_table_insert (self->names, s->name, key);
  self->state_bytes += strlen (s->name) + 1 + id_len + 1 + SESSION_OVERHEAD;
  *created = TRUE;
  return s;
}

/* A session id from the @statelyai/inspect field (`idKey`: "sessionId",
 * "sourceId") or, in a raw InspectionEvent, from its actor reference
 * (`refKey`: "actorRef", "sourceRef"): a string id, or an object with a
 * "sessionId" or (as an ActorRef's toJSON() writes it) an "id". */
static const char *
session_id_of (json_t *obj, const char *id_key, const char *ref_key)
{
  const char *id = json_string_value (json_object_get (obj, id_key));
  json_t *ref;

  if (id != NULL)
    return id;
  ref = json_object_get (obj, ref_key);
  if (json_is_string (ref))
    return json_string_value (ref);
  id = json_string_value (json_object_get (ref, "sessionId"));
  if (id != NULL)
    return id;
  return json_string_value (json_object_get (ref, "id"));
}

static gboolean
feed_actor (IngestXstateAdapter *self, json_t *obj, gint64 t, GError **error)
{
  const char *session = session_id_of (obj, "sessionId", "actorRef");
  const char *machine = json_string_value (json_object_get (obj, "name"));
  const char *parent = json_string_value (json_object_get (obj, "parentId"));
  IngestEventInput in = { 0 };
  SessionInfo *s, *ps = NULL;
  gboolean created;

  if (session == NULL)
    {
      g_set_error (error, INGEST_ERROR, INGEST_ERROR_SCHEMA,
                   "@xstate.actor without a string \"sessionId\" or an \"actorRef\"");
      return FALSE;
    }
  if (parent != NULL)
    ps = g_hash_table_lookup (self->sessions, parent);
  s = session_get (self, session, machine, parent, &created);
  in.kind = INGEST_EVENT_SPAWN;
  in.time_ns = t;
  in.actor = INGEST_STR (s->name);
  in.actor_kind = INGEST_ACTOR_ACTOR;
  in.actor_kind_set = TRUE;
  if (ps != NULL)
    in.peer = INGEST_STR (ps->name);
  ingest_store_append (self->store, &in);
  return TRUE;
}

static void
append_done (IngestXstateAdapter *self, SessionInfo *s, gint64 t)
{
  IngestEventInput in = { 0 };

  if (s->processing == NULL)
    return;
  in.kind = INGEST_EVENT_DONE;
  in.time_ns = t;
  in.actor = INGEST_STR (s->name);
  in.message_key = INGEST_STR (s->processing);
  ingest_store_append (self->store, &in);
  g_clear_pointer (&s->processing, g_free);
}

static gboolean
feed_event (IngestXstateAdapter *self, json_t *obj, gint64 t, GError **error)
{
  const char *session = session_id_of (obj, "sessionId", "actorRef");
  const char *source = session_id_of (obj, "sourceId", "sourceRef");
  json_t *event = json_object_get (obj, "event");
  const char *label = json_string_value (json_object_get (event, "type"));
  g_autofree char *payload = NULL;
  g_autofree char *key = NULL;
  IngestEventInput in = { 0 };
  SessionInfo *target, *from = NULL;
  gboolean created;

  if (session == NULL || !json_is_object (event))
    {
      g_set_error (error, INGEST_ERROR, INGEST_ERROR_SCHEMA,
                   "@xstate.event needs a string \"sessionId\" (or an \"actorRef\") and an "
                   "\"event\" object");
      return FALSE;
    }
  target = session_get (self, session, NULL, NULL, &created);
  if (source != NULL)
    from = session_get (self, source, NULL, NULL, &created);
  /* A new event at an actor means the previous one is done, even if no
   * snapshot came in between (e.g. events that change no state). */
  append_done (self, target, t);

  payload = json_dumps (event, JSON_COMPACT | JSON_ENSURE_ASCII);
  if (payload != NULL && strlen (payload) > MAX_PAYLOAD)
    payload[MAX_PAYLOAD] = '\0';
  key = g_strdup_printf ("%s:%" G_GUINT64_FORMAT, self->source_name, ++self->next_key);

  in.kind = INGEST_EVENT_SEND;
  in.time_ns = t;
  in.actor = INGEST_STR (from != NULL ? from->name : EXTERNAL_ACTOR);
  if (from == NULL)
    {
      in.actor_kind = INGEST_ACTOR_CLIENT;
      in.actor_kind_set = TRUE;
    }
  in.peer = INGEST_STR (target->name);
  in.message_key = INGEST_STR (key);
  in.label = label != NULL ? INGEST_STR (label) : INGEST_STR ("(event)");
  if (payload != NULL)
    in.payload = INGEST_STR (payload);
  in.size = payload != NULL ? (guint32) strlen (payload) : 0;
  ingest_store_append (self->store, &in);

  memset (&in, 0, sizeof in);
  in.kind = INGEST_EVENT_RECEIVE;
  in.time_ns = t;
  in.actor = INGEST_STR (target->name);
  in.peer = INGEST_STR (from != NULL ? from->name : EXTERNAL_ACTOR);
  in.message_key = INGEST_STR (key);
  ingest_store_append (self->store, &in);
  target->processing = g_steal_pointer (&key);
  return TRUE;
}

static gboolean
feed_snapshot (IngestXstateAdapter *self, json_t *obj, gint64 t, GError **error)
{
  const char *session = session_id_of (obj, "sessionId", "actorRef");
  json_t *snapshot = json_object_get (obj, "snapshot");
  const char *status = json_string_value (json_object_get (snapshot, "status"));
  SessionInfo *s;
  gboolean created;

  if (session == NULL)
    {
      g_set_error (error, INGEST_ERROR, INGEST_ERROR_SCHEMA,
                   "@xstate.snapshot without a string \"sessionId\" or an \"actorRef\"");
      return FALSE;
    }
  s = session_get (self, session, NULL, NULL, &created);
  append_done (self, s, t);
  if (g_strcmp0 (status, "done") == 0 || g_strcmp0 (status, "error") == 0 ||
      g_strcmp0 (status, "stopped") == 0)
    {
      IngestEventInput in = { 0 };
      g_autofree char *reason = NULL;
      json_t *err = json_object_get (snapshot, "error");

      if (err != NULL && !json_is_null (err))
        reason = json_dumps (err, JSON_COMPACT | JSON_ENCODE_ANY | JSON_ENSURE_ASCII);
      in.kind = INGEST_EVENT_EXIT;
      in.time_ns = t;
      in.actor = INGEST_STR (s->name);
      in.exit_status = g_strcmp0 (status, "error") == 0 ? INGEST_EXIT_CRASH : INGEST_EXIT_NORMAL;
      in.text = INGEST_STR (reason != NULL ? reason : status);
      ingest_store_append (self->store, &in);
    }
  return TRUE;
}

gboolean
ingest_xstate_adapter_feed_json (IngestXstateAdapter *self, json_t *obj, GError **error)
{
  const char *type = json_string_value (json_object_get (obj, "type"));
  gint64 t;
  gboolean ok;

  if (!json_is_object (obj) || type == NULL || !g_str_has_prefix (type, "@xstate."))
    {
      g_set_error (error, INGEST_ERROR, INGEST_ERROR_SCHEMA,
                   "not an XState inspection event (no \"type\" starting with \"@xstate.\")");
      return FALSE;
    }
  t = created_at_ns (self, obj);
  if (strcmp (type, "@xstate.actor") == 0)
    ok = feed_actor (self, obj, t, error);
  else if (strcmp (type, "@xstate.event") == 0)
    ok = feed_event (self, obj, t, error);
  else if (strcmp (type, "@xstate.snapshot") == 0)
    ok = feed_snapshot (self, obj, t, error);
  else
    ok = TRUE; /* @xstate.action, @xstate.microstep...: nothing to show yet */
  if (ok)
    {
      self->n_accepted++;
      self->last_ns = t;
    }
  return ok;
}

gboolean
ingest_xstate_adapter_feed (IngestXstateAdapter *self, const char *data, gsize len,
                            GError **error)
{
  json_error_t jerr;
  g_autoptr(json_t) obj = NULL;
  g_autoptr(GError) local = NULL;

  obj = json_loadb (data, len, JSON_REJECT_DUPLICATES, &jerr);
  if (obj == NULL)
    {
      /* jansson quotes the input near the error: any bytes at all. */
      g_autofree char *text = g_utf8_make_valid (jerr.text, -1);
      g_set_error (error, INGEST_ERROR, INGEST_ERROR_SYNTAX,
                   "%s: line %d, column %d: %s", self->source_name, jerr.line, jerr.column, text);
      return FALSE;
    }
  if (!ingest_xstate_adapter_feed_json (self, obj, &local))
    {
      g_set_error (error, INGEST_ERROR, local->code, "%s: %s", self->source_name, local->message);
      return FALSE;
    }
  return TRUE;
}

void
ingest_xstate_adapter_set_file_clock (IngestXstateAdapter *self, gboolean file_clock)
{
  g_return_if_fail (self != NULL);
  self->file_clock = file_clock;
}

gsize
ingest_xstate_adapter_get_state_bytes (IngestXstateAdapter *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->state_bytes;
}

guint64
ingest_xstate_adapter_n_accepted (IngestXstateAdapter *self)
{
  return self != NULL ? self->n_accepted : 0;
}
