/* web-search.c: the "search" reply of /live (see the header). */
#include "config.h"

#include <string.h>

#include "web-search.h"
#include "web-protocol.h"
#include "ingest-search.h"

/* Matches sent: enough to step through; the count says how many there are. */
#define MAX_MATCHES 1000
#define MAX_TEXT 256

static gboolean
bad (GError **error, const char *why)
{
  g_set_error (error, WEB_PROTOCOL_ERROR, WEB_PROTOCOL_ERROR_BAD_FIELD, "%s", why);
  return FALSE;
}

static gboolean
read_fields (json_t *msg, guint *fields, GError **error)
{
  json_t *in = json_object_get (msg, "in"), *v;
  gsize i;

  *fields = INGEST_SEARCH_ALL;
  if (in == NULL || json_is_null (in))
    return TRUE;
  if (!json_is_array (in) || json_array_size (in) > 3)
    return bad (error, "field \"in\": expected an array of \"actor\", \"label\", \"payload\"");
  *fields = 0;
  json_array_foreach (in, i, v)
    {
      const char *f = json_string_value (v);
      if (g_strcmp0 (f, "actor") == 0)
        *fields |= INGEST_SEARCH_ACTOR;
      else if (g_strcmp0 (f, "label") == 0)
        *fields |= INGEST_SEARCH_LABEL;
      else if (g_strcmp0 (f, "payload") == 0)
        *fields |= INGEST_SEARCH_PAYLOAD;
      else
        return bad (error, "field \"in\": expected an array of \"actor\", \"label\", \"payload\"");
    }
  return TRUE;
}

char *
web_search_reply (IngestStore *store, json_t *msg, GError **error)
{
  json_t *text_v = json_object_get (msg, "text"), *matches;
  const char *text;
  guint fields;

  g_return_val_if_fail (store != NULL && msg != NULL, NULL);
  if (!json_is_string (text_v) || json_string_length (text_v) == 0 ||
      json_string_length (text_v) > MAX_TEXT || strlen (json_string_value (text_v)) != json_string_length (text_v))
    {
      bad (error, "field \"text\": expected a string of 1 to 256 bytes");
      return NULL;
    }
  if (!read_fields (msg, &fields, error))
    return NULL;
  text = json_string_value (text_v);

  g_autoptr(IngestSearchResult) found = ingest_search_messages (store, text, fields, INGEST_TIME_MIN,
                                                                INGEST_TIME_MAX, MAX_MATCHES, 0);
  matches = json_array ();
  for (guint i = 0; i < found->matches->len; i++)
    {
      const IngestSearchMatch *m = &g_array_index (found->matches, IngestSearchMatch, i);
      const IngestMessage *msg_ = ingest_store_message (store, m->message);
      json_t *where = json_array ();

      if (m->fields & INGEST_SEARCH_ACTOR)
        json_array_append_new (where, json_string ("actor"));
      if (m->fields & INGEST_SEARCH_LABEL)
        json_array_append_new (where, json_string ("label"));
      if (m->fields & INGEST_SEARCH_PAYLOAD)
        json_array_append_new (where, json_string ("payload"));
      json_array_append_new (matches, json_pack ("{s:I, s:f, s:s, s:s, s:s, s:o}",
        "message", (json_int_t) m->message,
        "time_ms", (double) m->time_ns / 1e6,
        "label", ingest_store_atom (store, msg_->label),
        "from", msg_->from ? ingest_store_actor_name (store, msg_->from) : "",
        "to", msg_->to ? ingest_store_actor_name (store, msg_->to) : "",
        "in", where));
    }
  return web_protocol_dump (json_pack ("{s:s, s:s, s:I, s:b, s:o}", "type", "search", "text", text,
                                       "total", (json_int_t) found->total,
                                       "truncated", found->truncated, "matches", matches));
}
