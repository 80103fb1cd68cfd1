/* ingest-slice-flow.c: slices and flows to messages (see the header). */
#include "config.h"

#include <string.h>

#include "ingest-slice-flow.h"
#include "ingest-hash.h"

typedef struct {
  gint64 t;
  guint64 seq;              /* arrival order: ties keep it */
  IngestActorId actor;      /* by id: the actor may be renamed before the hop is emitted */
  IngestAtom label;         /* interned in the store: no copies kept */
  guint64 slice;
  gboolean terminating;
} FlowPoint;

struct _IngestSliceFlow {
  IngestStore *store;
  guint64 n_slices, n_hops, n_points, n_cut, seq;
  /* flow id -> GArray of FlowPoint */
  GHashTable *flows;
  /* slice handle -> end time, for slices that are flow points */
  GHashTable *slice_ends;
  GString *key;
};

static void
array_free (gpointer a)
{
  g_array_unref (a);
}

IngestSliceFlow *
ingest_slice_flow_new (IngestStore *store)
{
  IngestSliceFlow *sf = g_new0 (IngestSliceFlow, 1);
  sf->store = store;
  sf->flows = g_hash_table_new_full (ingest_hash_int64, g_int64_equal, g_free, array_free);
  sf->slice_ends = g_hash_table_new_full (ingest_hash_int64, g_int64_equal, g_free, g_free);
  sf->key = g_string_new (NULL);
  return sf;
}

void
ingest_slice_flow_free (IngestSliceFlow *sf)
{
  if (sf == NULL)
    return;
  g_hash_table_unref (sf->flows);
  g_hash_table_unref (sf->slice_ends);
  g_string_free (sf->key, TRUE);
  g_free (sf);
}

static IngestSeq
append (IngestSliceFlow *sf, IngestEventKind kind, gint64 t, const char *actor, const char *peer,
        const char *key, const char *label, const char *text)
{
  IngestEventInput in;
  memset (&in, 0, sizeof in);
  in.kind = kind;
  in.time_ns = t;
  in.actor = actor ? INGEST_STR (actor) : INGEST_STR_NONE;
  in.peer = peer ? INGEST_STR (peer) : INGEST_STR_NONE;
  in.message_key = key ? INGEST_STR (key) : INGEST_STR_NONE;
  in.label = label ? INGEST_STR (label) : INGEST_STR_NONE;
  in.text = text ? INGEST_STR (text) : INGEST_STR_NONE;
  return ingest_store_append (sf->store, &in);
}

guint64
ingest_slice_flow_begin (IngestSliceFlow *sf, const char *actor, gint64 t, const char *label)
{
  IngestStoreCounters *c = ingest_store_counters (sf->store);
  guint64 unmatched = c->unmatched;
  guint64 handle = ++sf->n_slices;
  const IngestEvent *ev;
  IngestSeq seq;

  g_string_printf (sf->key, "slice:%" G_GUINT64_FORMAT, handle);
  seq = append (sf, INGEST_EVENT_RECEIVE, t, actor, NULL, sf->key->str, NULL, NULL);
  ev = ingest_store_event (sf->store, seq);
  if (ev && ev->message && label && *label)
    ingest_store_set_message_label (sf->store, ev->message, INGEST_STR (label));
  /* A slice has no sender by nature: not an unmatched receive. */
  c->unmatched = unmatched;
  return handle;
}

void
ingest_slice_flow_end (IngestSliceFlow *sf, guint64 handle, const char *actor, gint64 t)
{
  gint64 *end;
  g_string_printf (sf->key, "slice:%" G_GUINT64_FORMAT, handle);
  append (sf, INGEST_EVENT_DONE, t, actor, NULL, sf->key->str, NULL, NULL);
  end = g_hash_table_lookup (sf->slice_ends, &handle);
  if (end != NULL)
    *end = t;
}

void
ingest_slice_flow_mark (IngestSliceFlow *sf, const char *actor, gint64 t, const char *text)
{
  append (sf, INGEST_EVENT_MARK, t, actor, NULL, NULL, NULL, text);
}

static int
point_cmp (gconstpointer a, gconstpointer b)
{
  const FlowPoint *x = a, *y = b;
  if (x->t != y->t)
    return x->t < y->t ? -1 : 1;
  return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static void
emit_hop (IngestSliceFlow *sf, const FlowPoint *from, const FlowPoint *to)
{
  const char *a = ingest_store_actor_name (sf->store, from->actor);
  const char *b = ingest_store_actor_name (sf->store, to->actor);
  const char *label = to->label ? ingest_store_atom (sf->store, to->label)
    : from->label ? ingest_store_atom (sf->store, from->label) : NULL;
  gint64 *end = to->slice ? g_hash_table_lookup (sf->slice_ends, &to->slice) : NULL;

  g_string_printf (sf->key, "flow:%" G_GUINT64_FORMAT, ++sf->n_hops);
  append (sf, INGEST_EVENT_SEND, from->t, a, b, sf->key->str, label, NULL);
  append (sf, INGEST_EVENT_RECEIVE, to->t, b, a, sf->key->str, NULL, NULL);
  if (end != NULL && *end != G_MININT64 && *end >= to->t)
    append (sf, INGEST_EVENT_DONE, *end, b, NULL, sf->key->str, NULL, NULL);
}

static void
emit_flow (IngestSliceFlow *sf, GArray *points)
{
  const FlowPoint *prev = NULL;
  g_array_sort (points, point_cmp);
  for (guint i = 0; i < points->len; i++)
    {
      const FlowPoint *p = &g_array_index (points, FlowPoint, i);
      if (prev != NULL)
        emit_hop (sf, prev, p);
      /* A terminating point ends the flow: the id may start a new one. */
      prev = p->terminating ? NULL : p;
    }
}

static void
emit_all (IngestSliceFlow *sf)
{
  GHashTableIter it;
  gpointer k, v;
  g_hash_table_iter_init (&it, sf->flows);
  while (g_hash_table_iter_next (&it, &k, &v))
    emit_flow (sf, v);
  g_hash_table_remove_all (sf->flows);
  g_hash_table_remove_all (sf->slice_ends);
  sf->n_points = 0;
}

void
ingest_slice_flow_point (IngestSliceFlow *sf, guint64 flow_id, const char *actor, gint64 t,
                         const char *label, guint64 slice, gboolean terminating)
{
  GArray *points;
  FlowPoint p = { 0 };

  if (sf->n_points >= INGEST_SLICE_FLOW_MAX_POINTS)
    {
      /* Bounded memory: emit what is kept; flows still going on are cut. */
      sf->n_cut += g_hash_table_size (sf->flows);
      emit_all (sf);
    }
  points = g_hash_table_lookup (sf->flows, &flow_id);
  if (points == NULL)
    {
      guint64 *k = g_new (guint64, 1);
      *k = flow_id;
      points = g_array_new (FALSE, FALSE, sizeof (FlowPoint));
      g_hash_table_insert (sf->flows, k, points);
    }
  p.t = t;
  p.seq = sf->seq++;
  p.actor = ingest_store_find_actor (sf->store, actor);
  if (p.actor == 0)
    p.actor = ingest_store_ensure_actor (sf->store, INGEST_STR (actor), INGEST_ACTOR_ACTOR,
                                         INGEST_STR_NONE);
  p.label = label && *label ? ingest_store_intern (sf->store, INGEST_STR (label)) : 0;
  p.slice = slice;
  p.terminating = terminating;
  g_array_append_val (points, p);
  sf->n_points++;
  if (slice != 0 && !g_hash_table_contains (sf->slice_ends, &slice))
    {
      guint64 *k = g_new (guint64, 1);
      gint64 *end = g_new (gint64, 1);
      *k = slice;
      *end = G_MININT64;
      g_hash_table_insert (sf->slice_ends, k, end);
    }
}

void
ingest_slice_flow_finish (IngestSliceFlow *sf)
{
  emit_all (sf);
}

guint64
ingest_slice_flow_n_hops (IngestSliceFlow *sf)
{
  return sf->n_hops;
}

guint64
ingest_slice_flow_n_cut (IngestSliceFlow *sf)
{
  return sf->n_cut;
}
