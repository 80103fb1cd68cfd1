/* ingest-search.c: find messages by actor, label or payload text (see the
 * header). */
#include "config.h"

#include <string.h>

#include "ingest-search.h"

#define DEFAULT_MAX_MATCHES 1000
#define DEFAULT_MAX_MESSAGES 5000000

/* Whether an atom (actor name or label) holds the text: each distinct
 * atom is compared once. Atoms are the store's dense numbers, not trace
 * strings, so a direct hash is safe. */
static gboolean
atom_matches (IngestStore *store, GHashTable *cache, IngestAtom atom, const char *text)
{
  gpointer hit;

  if (atom == 0)
    return FALSE;
  if (g_hash_table_lookup_extended (cache, GUINT_TO_POINTER (atom), NULL, &hit))
    return GPOINTER_TO_INT (hit);
  gboolean yes = strcasestr (ingest_store_atom (store, atom), text) != NULL;
  g_hash_table_insert (cache, GUINT_TO_POINTER (atom), GINT_TO_POINTER (yes));
  return yes;
}

static gint64
message_time (IngestStore *store, const IngestMessage *m)
{
  IngestSeq seq = m->send_seq != INGEST_SEQ_NONE ? m->send_seq : m->receive_seq;
  const IngestEvent *ev = seq != INGEST_SEQ_NONE ? ingest_store_event (store, seq) : NULL;

  return ev != NULL ? ev->time_ns : INGEST_TIME_MIN;
}

static gint
by_time (gconstpointer a, gconstpointer b)
{
  const IngestSearchMatch *x = a, *y = b;

  if (x->time_ns != y->time_ns)
    return x->time_ns < y->time_ns ? -1 : 1;
  return x->message < y->message ? -1 : x->message > y->message;
}

IngestSearchResult *
ingest_search_messages (IngestStore *store, const char *text, guint fields, gint64 from_ns,
                        gint64 to_ns, guint max_matches, guint64 max_messages)
{
  IngestSearchResult *out = g_new0 (IngestSearchResult, 1);
  g_autoptr(GHashTable) names = g_hash_table_new (NULL, NULL);
  g_autoptr(GHashTable) labels = g_hash_table_new (NULL, NULL);
  guint32 n;

  out->matches = g_array_new (FALSE, FALSE, sizeof (IngestSearchMatch));
  g_return_val_if_fail (store != NULL, out);
  if (text == NULL || *text == '\0')
    return out;
  if (max_matches == 0)
    max_matches = DEFAULT_MAX_MATCHES;
  if (max_messages == 0)
    max_messages = DEFAULT_MAX_MESSAGES;
  n = ingest_store_n_messages (store);
  for (guint32 id = 1; id <= n; id++)
    {
      const IngestMessage *m = ingest_store_message (store, id);
      IngestSearchMatch match = { .message = id };

      if (id > max_messages)
        {
          out->truncated = TRUE;
          break;
        }
      if (m == NULL)
        continue;
      match.time_ns = message_time (store, m);
      if (match.time_ns < from_ns || match.time_ns > to_ns)
        continue;
      if ((fields & INGEST_SEARCH_ACTOR) &&
          ((m->from != 0 && atom_matches (store, names, ingest_store_actor (store, m->from)->name, text)) ||
           (m->to != 0 && atom_matches (store, names, ingest_store_actor (store, m->to)->name, text))))
        match.fields |= INGEST_SEARCH_ACTOR;
      if ((fields & INGEST_SEARCH_LABEL) && atom_matches (store, labels, m->label, text))
        match.fields |= INGEST_SEARCH_LABEL;
      if ((fields & INGEST_SEARCH_PAYLOAD) && m->payload != 0 &&
          strcasestr (ingest_store_payload (store, m->payload), text) != NULL)
        match.fields |= INGEST_SEARCH_PAYLOAD;
      if (match.fields == 0)
        continue;
      out->total++;
      if (out->matches->len < max_matches)
        g_array_append_val (out->matches, match);
    }
  g_array_sort (out->matches, by_time);
  return out;
}

void
ingest_search_result_free (IngestSearchResult *result)
{
  if (result == NULL)
    return;
  g_array_unref (result->matches);
  g_free (result);
}
