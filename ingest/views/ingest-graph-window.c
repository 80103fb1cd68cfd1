/* ingest-graph-window.c: the sliding-window interaction graph (see the
 * header).
 *
 * Every event of the window adds to the same counters ingest-graph.c fills
 * in one pass; here each contribution can also be taken back when its
 * event leaves the window. A SEND's contribution depends on the message's
 * later fate (received, dropped, answered): the bits of what was counted
 * for each message live in one byte per message, so a RECEIVE or DROP
 * appended later updates the counted SEND exactly once, and the removal
 * subtracts exactly what was added. Node existence follows from per-actor
 * reference counts (how many window events name the actor the way the
 * batch build's node lookups do).
 */
#include "config.h"

#include <string.h>

#include "ingest-graph-window.h"
#include "ingest-message-flags.h"
#include "ingest-pair.h"
#include "ingest-view-private.h"

/* What was counted for one message (mflags). */
enum {
  M_COUNTED = 1 << 0,    /* its SEND is in an edge */
  M_RECEIVED = 1 << 1,   /* edge received + mailbox sample */
  M_DROPPED = 1 << 2,    /* edge dropped */
  M_RTT = 1 << 3,        /* edge round-trip sample */
  M_NODE_MB = 1 << 4,    /* receiver node mailbox sample (RECEIVE) */
  M_PROC = 1 << 5,       /* receiver node processing sample (DONE) */
};

typedef struct {
  gint64 time_ns, depth;
} DepthSample;

typedef struct {
  guint64 sent, received, errors, crashes, dropped;
  guint64 spans;          /* spans begun (IngestMessage.span), not in received */
  IngestLatencyHist mailbox, processing;
  gint64 depth;           /* summed last known depth of the members */
  GArray *maxq;           /* DepthSample, decreasing depth from qhead: the
                           * window's maximum is at qhead */
  guint qhead;
} WNode;

/* Slots of the edge lookup cache (a power of two). */
#define EDGE_CACHE_SLOTS 64

typedef struct {
  guint from, to;         /* WNode indexes */
  guint64 count, received, dropped, bytes, pending;
  IngestLatencyHist mailbox, round_trip;
  GHashTable *labels;     /* atom -> count */
} WEdge;

struct _IngestGraphWindow {
  IngestStore *store;
  char *actor_filter_text, *label_filter_text;
  char **group_texts;
  gboolean expand_threads;  /* IngestViewSpec.expand_threads */
  IngestMatcher *actor_filter, *label_filter;
  GPtrArray *groups;      /* IngestMatcher* */
  IngestMatcherBudget budget; /* what all of them spend per advance */

  gboolean filled;        /* FALSE until the first advance (or after a reset) */
  gint64 from_ns;
  IngestSeq next_seq;     /* events [0, next_seq) have been seen */
  IngestSeq first_seq;    /* the store's first event held when filled (retention) */

  /* Per actor id (index 0 unused). */
  GArray *amatch;         /* guint8: 0 unknown, 1 matches, 2 doesn't */
  GArray *anode;          /* guint: WNode index, G_MAXUINT = unresolved */
  GArray *arefs;          /* guint64: window events naming the actor */
  GArray *adepth;         /* gint64: last depth seen, -1 = none */
  guint *group_node;      /* per group: WNode index or G_MAXUINT */

  GArray *nodes;          /* WNode */
  GArray *edges;          /* WEdge */
  GHashTable *edge_index; /* IngestPairKey* (from, to) -> index + 1 */
  /* In front of edge_index, direct-mapped by node pair: a window's events
   * name the same few edges again and again (a SEND, its RECEIVE and DONE
   * each find the message's edge), and the keyed hash of the table costs
   * more than the rest of the lookup. idx 0 = empty; cleared with the
   * edges (reset), which are never removed one by one. */
  struct { IngestPairKey key; guint idx; } edge_cache[EDGE_CACHE_SLOTS];
  GHashTable *label_ok;   /* atom -> 1 matches / 2 doesn't */
  IngestMessageFlags mflags; /* per message id, bounded by the window */
  GError *failure;        /* a filter over its matching budget (sticky) */
};

/* Notes a filter or group that went over its matching budget. */
static void
note_matchers (IngestGraphWindow *w)
{
  if (w->failure != NULL)
    return;
  if (w->actor_filter != NULL && !ingest_matcher_check (w->actor_filter, &w->failure))
    return;
  if (w->label_filter != NULL && !ingest_matcher_check (w->label_filter, &w->failure))
    return;
  for (guint g = 0; g < w->groups->len; g++)
    if (!ingest_matcher_check (w->groups->pdata[g], &w->failure))
      return;
}

gboolean
ingest_graph_window_check (IngestGraphWindow *w, GError **error)
{
  g_return_val_if_fail (w != NULL, FALSE);
  return ingest_view_failure_check (w->failure, error);
}

static void
wnode_clear (WNode *n)
{
  ingest_latency_hist_clear (&n->mailbox);
  ingest_latency_hist_clear (&n->processing);
  if (n->maxq)
    g_array_unref (n->maxq);
  memset (n, 0, sizeof *n);
}

static void
wedge_clear (WEdge *e)
{
  ingest_latency_hist_clear (&e->mailbox);
  ingest_latency_hist_clear (&e->round_trip);
  if (e->labels)
    g_hash_table_unref (e->labels);
  memset (e, 0, sizeof *e);
}

static void
reset (IngestGraphWindow *w)
{
  for (guint i = 0; i < w->nodes->len; i++)
    wnode_clear (&g_array_index (w->nodes, WNode, i));
  for (guint i = 0; i < w->edges->len; i++)
    wedge_clear (&g_array_index (w->edges, WEdge, i));
  g_array_set_size (w->nodes, 0);
  g_array_set_size (w->edges, 0);
  g_hash_table_remove_all (w->edge_index);
  memset (w->edge_cache, 0, sizeof w->edge_cache);
  g_array_set_size (w->amatch, 0);
  g_array_set_size (w->anode, 0);
  g_array_set_size (w->arefs, 0);
  g_array_set_size (w->adepth, 0);
  for (guint g = 0; g < w->groups->len; g++)
    w->group_node[g] = G_MAXUINT;
  ingest_message_flags_reset (&w->mflags);
  w->filled = FALSE;
  w->next_seq = 0;
}

IngestGraphWindow *
ingest_graph_window_new (IngestStore *store, const IngestViewSpec *spec, GError **error)
{
  g_return_val_if_fail (store != NULL, NULL);
  g_autoptr(IngestGraphWindow) w = g_new0 (IngestGraphWindow, 1);

  w->store = store;
  w->groups = g_ptr_array_new_with_free_func ((GDestroyNotify) ingest_matcher_free);
  w->amatch = g_array_new (FALSE, TRUE, sizeof (guint8));
  w->anode = g_array_new (FALSE, TRUE, sizeof (guint));
  w->arefs = g_array_new (FALSE, TRUE, sizeof (guint64));
  w->adepth = g_array_new (FALSE, TRUE, sizeof (gint64));
  w->nodes = g_array_new (FALSE, TRUE, sizeof (WNode));
  w->edges = g_array_new (FALSE, TRUE, sizeof (WEdge));
  w->edge_index = ingest_pair_table_new (g_free, NULL);
  w->label_ok = g_hash_table_new (g_direct_hash, g_direct_equal);
  ingest_message_flags_init (&w->mflags);
  w->from_ns = INGEST_TIME_MIN;
  w->expand_threads = spec != NULL && spec->expand_threads;

  GPtrArray *texts = g_ptr_array_new ();
  gboolean ok = TRUE;
  if (spec != NULL && spec->actor_filter != NULL && spec->actor_filter[0] != '\0')
    {
      w->actor_filter_text = g_strdup (spec->actor_filter);
      w->actor_filter = ingest_matcher_new (spec->actor_filter, error);
      ok = w->actor_filter != NULL;
    }
  if (ok && spec != NULL && spec->label_filter != NULL && spec->label_filter[0] != '\0')
    {
      w->label_filter_text = g_strdup (spec->label_filter);
      w->label_filter = ingest_matcher_new (spec->label_filter, error);
      ok = w->label_filter != NULL;
    }
  for (guint i = 0; ok && spec != NULL && spec->groups != NULL && spec->groups[i] != NULL; i++)
    {
      if (spec->groups[i][0] == '\0')
        continue;
      IngestMatcher *m = ingest_matcher_new (spec->groups[i], error);
      ok = m != NULL;
      if (ok)
        {
          g_ptr_array_add (w->groups, m);
          g_ptr_array_add (texts, g_strdup (spec->groups[i]));
        }
    }
  g_ptr_array_add (texts, NULL);
  w->group_texts = (char **) g_ptr_array_free (texts, FALSE);
  w->group_node = g_new (guint, MAX (w->groups->len, 1));
  for (guint g = 0; g < w->groups->len; g++)
    {
      w->group_node[g] = G_MAXUINT;
      ingest_matcher_share_budget (w->groups->pdata[g], &w->budget);
    }
  if (w->actor_filter != NULL)
    ingest_matcher_share_budget (w->actor_filter, &w->budget);
  if (w->label_filter != NULL)
    ingest_matcher_share_budget (w->label_filter, &w->budget);
  if (!ok)
    return NULL;
  return g_steal_pointer (&w);
}

void
ingest_graph_window_free (IngestGraphWindow *w)
{
  if (w == NULL)
    return;
  if (w->nodes != NULL)
    reset (w);
  g_free (w->actor_filter_text);
  g_free (w->label_filter_text);
  g_strfreev (w->group_texts);
  ingest_matcher_free (w->actor_filter);
  ingest_matcher_free (w->label_filter);
  g_clear_pointer (&w->groups, g_ptr_array_unref);
  g_clear_pointer (&w->amatch, g_array_unref);
  g_clear_pointer (&w->anode, g_array_unref);
  g_clear_pointer (&w->arefs, g_array_unref);
  g_clear_pointer (&w->adepth, g_array_unref);
  g_clear_pointer (&w->nodes, g_array_unref);
  g_clear_pointer (&w->edges, g_array_unref);
  g_clear_pointer (&w->edge_index, g_hash_table_unref);
  g_clear_pointer (&w->label_ok, g_hash_table_unref);
  if (w->mflags.dense != NULL)
    ingest_message_flags_clear (&w->mflags);
  g_free (w->group_node);
  g_clear_error (&w->failure);
  g_free (w);
}

gint64
ingest_graph_window_get_from (const IngestGraphWindow *w)
{
  return w->from_ns;
}

/* Per-actor arrays cover every actor the store knows. */
static void
cover_actors (IngestGraphWindow *w)
{
  guint n = ingest_store_n_actors (w->store) + 1;
  guint old = w->anode->len;
  if (old >= n)
    return;
  g_array_set_size (w->amatch, n);
  g_array_set_size (w->anode, n);
  g_array_set_size (w->arefs, n);
  g_array_set_size (w->adepth, n);
  for (guint i = old; i < n; i++)
    {
      g_array_index (w->anode, guint, i) = G_MAXUINT;
      g_array_index (w->adepth, gint64, i) = -1;
    }
}

static guint8 *
mflags_at (IngestGraphWindow *w, IngestMessageId id)
{
  return ingest_message_flags_at (&w->mflags, id);
}

/* Every flag of a message is cleared as its events leave the window, so a
 * set one is still needed (ingest-message-flags.h). */
static gboolean
mflags_needed (IngestMessageId id, guint8 flags, gpointer user_data)
{
  (void) id;
  (void) user_data;
  return flags != 0;
}

static gboolean
actor_matches (IngestGraphWindow *w, IngestActorId a)
{
  if (w->actor_filter == NULL)
    return TRUE;
  if (a == 0 || a >= w->amatch->len)
    return FALSE;
  guint8 *m = &g_array_index (w->amatch, guint8, a);
  if (*m == 0)
    *m = ingest_matcher_match (w->actor_filter, ingest_store_actor_name (w->store, a)) ? 1 : 2;
  return *m == 1;
}

static gboolean
label_matches (IngestGraphWindow *w, IngestAtom label)
{
  if (w->label_filter == NULL)
    return TRUE;
  gpointer v = g_hash_table_lookup (w->label_ok, GUINT_TO_POINTER (label));
  if (v == NULL)
    {
      gboolean ok = ingest_matcher_match (w->label_filter, ingest_store_atom (w->store, label));
      v = GUINT_TO_POINTER (ok ? 1 : 2);
      g_hash_table_insert (w->label_ok, GUINT_TO_POINTER (label), v);
    }
  return GPOINTER_TO_UINT (v) == 1;
}

static gboolean
message_visible (IngestGraphWindow *w, const IngestMessage *m)
{
  return label_matches (w, m->label) && (actor_matches (w, m->from) || actor_matches (w, m->to));
}

/* The WNode an actor folds into (G_MAXUINT for 0). */
static guint
node_of (IngestGraphWindow *w, IngestActorId a)
{
  if (a == 0 || a >= w->anode->len)
    return G_MAXUINT;
  guint *slot = &g_array_index (w->anode, guint, a);
  if (*slot != G_MAXUINT)
    return *slot;
  const char *name = ingest_store_actor_name (w->store, a);
  for (guint g = 0; g < w->groups->len; g++)
    if (ingest_matcher_match (w->groups->pdata[g], name))
      {
        if (w->group_node[g] == G_MAXUINT)
          {
            WNode z = { 0 };
            w->group_node[g] = w->nodes->len;
            g_array_append_val (w->nodes, z);
          }
        *slot = w->group_node[g];
        return *slot;
      }
  /* A thread folds into its process, as ingest_view_node_for folds it. */
  const IngestActor *actor = ingest_store_actor (w->store, a);
  if (!w->expand_threads && actor->kind == INGEST_ACTOR_THREAD && actor->parent != 0
      && actor->parent < w->anode->len
      && ingest_store_actor (w->store, actor->parent)->kind == INGEST_ACTOR_PROCESS)
    {
      guint pn = node_of (w, actor->parent);
      g_array_index (w->anode, guint, a) = pn;
      return pn;
    }
  WNode z = { 0 };
  *slot = w->nodes->len;
  g_array_append_val (w->nodes, z);
  return *slot;
}

static WNode *
wnode (IngestGraphWindow *w, guint node)
{
  return &g_array_index (w->nodes, WNode, node);
}

/* Counts one mention of actor a by a window event (sign +1/-1); returns
 * its node. */
static guint
touch (IngestGraphWindow *w, IngestActorId a, int sign)
{
  guint node = node_of (w, a);
  if (node == G_MAXUINT)
    return node;
  guint64 *r = &g_array_index (w->arefs, guint64, a);
  if (sign > 0)
    (*r)++;
  else if (*r > 0)
    (*r)--;
  return node;
}

static WEdge *
wedge (IngestGraphWindow *w, guint from, guint to, gboolean create)
{
  IngestPairKey key = ingest_pair_key (from, to);
  guint slot = (from * 31u + to) & (EDGE_CACHE_SLOTS - 1);
  guint idx = w->edge_cache[slot].idx != 0 && w->edge_cache[slot].key == key ? w->edge_cache[slot].idx : 0;
  if (idx == 0)
    idx = GPOINTER_TO_UINT (g_hash_table_lookup (w->edge_index, &key));
  if (idx == 0)
    {
      if (!create)
        return NULL;
      WEdge e = { 0 };
      e.from = from;
      e.to = to;
      g_array_append_val (w->edges, e);
      idx = w->edges->len;
      g_hash_table_insert (w->edge_index, ingest_pair_key_dup (key), GUINT_TO_POINTER (idx));
    }
  w->edge_cache[slot].key = key;
  w->edge_cache[slot].idx = idx;
  return &g_array_index (w->edges, WEdge, idx - 1);
}

static void
label_count (WEdge *e, IngestAtom label, int sign)
{
  if (label == 0)
    return;
  if (e->labels == NULL)
    e->labels = g_hash_table_new (g_direct_hash, g_direct_equal);
  guint64 c = GPOINTER_TO_SIZE (g_hash_table_lookup (e->labels, GUINT_TO_POINTER (label)));
  if (sign > 0)
    c++;
  else if (c > 0)
    c--;
  if (c == 0)
    g_hash_table_remove (e->labels, GUINT_TO_POINTER (label));
  else
    g_hash_table_insert (e->labels, GUINT_TO_POINTER (label), GSIZE_TO_POINTER ((gsize) c));
}

static gint64
time_of (IngestStore *store, IngestSeq seq)
{
  return ingest_view_time_of (store, seq);
}

/* The mailbox depth sample an event carries, for the receiver's node. */
static void
note_depth (IngestGraphWindow *w, const IngestEvent *ev, const IngestMessage *m)
{
  guint node = node_of (w, m->to);
  if (node == G_MAXUINT)
    return;
  WNode *n = wnode (w, node);
  gint64 *last = &g_array_index (w->adepth, gint64, m->to);
  gint64 d = ev->reserved2;
  n->depth += d - (*last < 0 ? 0 : *last);
  *last = d;
  if (n->maxq == NULL)
    n->maxq = g_array_new (FALSE, FALSE, sizeof (DepthSample));
  /* Monotonic queue: samples that can never again be the maximum go. */
  while (n->maxq->len > n->qhead
         && g_array_index (n->maxq, DepthSample, n->maxq->len - 1).depth <= n->depth)
    g_array_set_size (n->maxq, n->maxq->len - 1);
  DepthSample s = { ev->time_ns, n->depth };
  g_array_append_val (n->maxq, s);
}

static void
expire_depths (WNode *n, gint64 from_ns)
{
  if (n->maxq == NULL)
    return;
  while (n->qhead < n->maxq->len && g_array_index (n->maxq, DepthSample, n->qhead).time_ns < from_ns)
    n->qhead++;
  if (n->qhead > 64 && n->qhead * 2 > n->maxq->len)
    {
      g_array_remove_range (n->maxq, 0, n->qhead);
      n->qhead = 0;
    }
}

/* The message's fate now, as the batch build reads it. */
static guint8
fate_now (IngestGraphWindow *w, IngestMessageId id, const IngestMessage *m)
{
  guint8 f = 0;
  if (m->receive_seq != INGEST_SEQ_NONE && m->send_seq != INGEST_SEQ_NONE)
    f |= M_RECEIVED;
  if (ingest_store_message_dropped (w->store, id))
    f |= M_DROPPED;
  if (m->response != 0 && m->send_seq != INGEST_SEQ_NONE)
    {
      const IngestMessage *r = ingest_store_message (w->store, m->response);
      if (r != NULL && r->receive_seq != INGEST_SEQ_NONE)
        f |= M_RTT;
    }
  return f;
}

/* Adds (sign > 0) or takes back the fate facts in `bits` of a counted SEND
 * on its edge. */
static void
apply_fate (IngestGraphWindow *w, WEdge *e, const IngestMessage *m, guint8 bits, int sign)
{
  IngestStore *store = w->store;
  if (bits & M_RECEIVED)
    {
      gint64 v = time_of (store, m->receive_seq) - time_of (store, m->send_seq);
      if (sign > 0)
        {
          e->received++;
          ingest_latency_hist_record (&e->mailbox, v);
        }
      else
        {
          e->received--;
          ingest_latency_hist_remove (&e->mailbox, v);
        }
    }
  if (bits & M_DROPPED)
    e->dropped += sign > 0 ? 1 : -1;
  if (bits & M_RTT)
    {
      const IngestMessage *r = ingest_store_message (store, m->response);
      gint64 v = time_of (store, r->receive_seq) - time_of (store, m->send_seq);
      if (sign > 0)
        ingest_latency_hist_record (&e->round_trip, v);
      else
        ingest_latency_hist_remove (&e->round_trip, v);
    }
}

static WEdge *
edge_of_message (IngestGraphWindow *w, const IngestMessage *m)
{
  guint nf = node_of (w, m->from), nt = node_of (w, m->to);
  if (nf == G_MAXUINT || nt == G_MAXUINT)
    return NULL;
  return wedge (w, nf, nt, FALSE);
}

/* A RECEIVE, DROP or response appended later changes a counted SEND's
 * contribution: add what is new, once. */
static void
refresh_fate (IngestGraphWindow *w, IngestMessageId id)
{
  if (id == 0 || !(ingest_message_flags_get (&w->mflags, id) & M_COUNTED))
    return;
  const IngestMessage *m = ingest_store_message (w->store, id);
  guint8 *flags = mflags_at (w, id);
  guint8 now = fate_now (w, id, m);
  guint8 added = now & ~*flags & (M_RECEIVED | M_DROPPED | M_RTT);
  if (added == 0)
    return;
  WEdge *e = edge_of_message (w, m);
  if (e == NULL)
    return;
  gboolean was_pending = !(*flags & (M_RECEIVED | M_DROPPED));
  apply_fate (w, e, m, added, +1);
  *flags |= added;
  if (was_pending && (*flags & (M_RECEIVED | M_DROPPED)))
    e->pending--;
}

/* Adds (sign > 0) or removes one window event's contribution; mirrors
 * graph_event() in ingest-graph.c. */
static void
window_event (IngestGraphWindow *w, const IngestEvent *ev, int sign)
{
  IngestStore *store = w->store;
  const IngestMessage *m = ev->message ? ingest_store_message (store, ev->message) : NULL;
  gboolean depth = (ev->reserved & INGEST_EVENT_FLAG_DEPTH) && m != NULL && m->to != 0;
  gint64 d = sign > 0 ? 1 : -1;

  switch (ev->kind)
    {
    case INGEST_EVENT_SEND:
      {
        if (m == NULL || !message_visible (w, m))
          return;
        guint nf = touch (w, m->from, sign);
        guint nt = touch (w, m->to, sign);
        if (nf != G_MAXUINT)
          wnode (w, nf)->sent += d;
        if (depth && sign > 0)
          note_depth (w, ev, m);
        if (nf == G_MAXUINT || nt == G_MAXUINT)
          return;
        guint8 *flags = mflags_at (w, ev->message);
        if (sign > 0)
          {
            WEdge *e = wedge (w, nf, nt, TRUE);
            guint8 f = fate_now (w, ev->message, m);
            e->count++;
            e->bytes += m->size;
            label_count (e, m->label, +1);
            apply_fate (w, e, m, f, +1);
            if (!(f & (M_RECEIVED | M_DROPPED)))
              e->pending++;
            *flags = (guint8) ((*flags & (M_NODE_MB | M_PROC)) | f | M_COUNTED);
          }
        else if (*flags & M_COUNTED)
          {
            WEdge *e = wedge (w, nf, nt, FALSE);
            if (e == NULL)
              return;
            e->count--;
            e->bytes -= m->size;
            label_count (e, m->label, -1);
            apply_fate (w, e, m, *flags, -1);
            if (!(*flags & (M_RECEIVED | M_DROPPED)))
              e->pending--;
            *flags &= M_NODE_MB | M_PROC;
          }
      }
      break;
    case INGEST_EVENT_RECEIVE:
      {
        if (m == NULL || !message_visible (w, m))
          return;
        touch (w, m->from, sign);
        guint nt = touch (w, ev->actor, sign);
        if (depth)
          touch (w, m->to, sign);
        if (nt != G_MAXUINT)
          {
            WNode *n = wnode (w, nt);
            guint8 *flags = mflags_at (w, ev->message);
            if (m->span)
              n->spans += d;
            else
              n->received += d;
            if (sign > 0 && m->send_seq != INGEST_SEQ_NONE)
              {
                ingest_latency_hist_record (&n->mailbox, ev->time_ns - time_of (store, m->send_seq));
                *flags |= M_NODE_MB;
              }
            else if (sign < 0 && (*flags & M_NODE_MB))
              {
                ingest_latency_hist_remove (&n->mailbox, ev->time_ns - time_of (store, m->send_seq));
                *flags &= ~M_NODE_MB;
              }
          }
        if (depth && sign > 0)
          note_depth (w, ev, m);
      }
      break;
    case INGEST_EVENT_DONE:
      {
        if (m == NULL || !message_visible (w, m))
          return;
        guint nt = touch (w, ev->actor, sign);
        if (nt == G_MAXUINT)
          return;
        guint8 *flags = mflags_at (w, ev->message);
        if (sign > 0 && m->receive_seq != INGEST_SEQ_NONE)
          {
            ingest_latency_hist_record (&wnode (w, nt)->processing,
                                        ev->time_ns - time_of (store, m->receive_seq));
            *flags |= M_PROC;
          }
        else if (sign < 0 && (*flags & M_PROC))
          {
            ingest_latency_hist_remove (&wnode (w, nt)->processing,
                                        ev->time_ns - time_of (store, m->receive_seq));
            *flags &= ~M_PROC;
          }
      }
      break;
    case INGEST_EVENT_DROP:
      {
        if (m != NULL ? !message_visible (w, m) : !actor_matches (w, ev->actor))
          return;
        guint n = touch (w, ev->actor, sign);
        if (n == G_MAXUINT)
          return;
        wnode (w, n)->dropped += d;
        wnode (w, n)->errors += d;
        if (depth)
          {
            touch (w, m->to, sign);
            if (sign > 0)
              note_depth (w, ev, m);
          }
      }
      break;
    case INGEST_EVENT_EXIT:
    case INGEST_EVENT_SPAWN:
    case INGEST_EVENT_MARK:
    case INGEST_EVENT_ACK:
      {
        if (ev->actor == 0 || !actor_matches (w, ev->actor))
          return;
        if (ev->kind == INGEST_EVENT_ACK && m != NULL && !label_matches (w, m->label))
          return;
        guint n = touch (w, ev->actor, sign);
        if (n == G_MAXUINT)
          return;
        if (ev->kind == INGEST_EVENT_EXIT && ev->exit_status == INGEST_EXIT_CRASH)
          {
            wnode (w, n)->crashes += d;
            wnode (w, n)->errors += d;
          }
        if (ev->kind == INGEST_EVENT_MARK
            && g_ascii_strncasecmp (ingest_store_atom (store, ev->text), "error", 5) == 0)
          wnode (w, n)->errors += d;
      }
      break;
    default:
      break;
    }
}

static void advance (IngestGraphWindow *w, gint64 from_ns, guint64 n_events);

void
ingest_graph_window_advance (IngestGraphWindow *w, gint64 from_ns)
{
  g_return_if_fail (w != NULL);
  IngestStore *store = w->store;
  guint64 n_events = ingest_store_n_events (store);

  /* A window whose filter failed does no more matching work. */
  if (w->failure != NULL)
    return;
  if (w->actor_filter != NULL)
    ingest_matcher_reset_budget (w->actor_filter);
  if (w->label_filter != NULL)
    ingest_matcher_reset_budget (w->label_filter);
  for (guint g = 0; g < w->groups->len; g++)
    ingest_matcher_reset_budget (w->groups->pdata[g]);
  advance (w, from_ns, n_events);
  note_matchers (w);
}

static void
advance (IngestGraphWindow *w, gint64 from_ns, guint64 n_events)
{
  IngestStore *store = w->store;

  /* Retention dropped events the window counted: they can no longer be
   * taken out one by one, so it starts again from what is held. */
  if (w->filled && (from_ns < w->from_ns || ingest_store_first_seq (store) != w->first_seq))
    reset (w);
  cover_actors (w);

  if (!w->filled)
    {
      /* Fill from the time index: nothing is counted yet, so every SEND
       * takes its message's fate as it is now. */
      w->from_ns = from_ns;
      gint64 newest = from_ns;
      for (gsize pos = ingest_store_time_lower_bound (store, from_ns); pos < n_events; pos++)
        {
          const IngestEvent *ev = ingest_store_event (store, ingest_store_time_seq (store, pos));
          window_event (w, ev, +1);
          newest = ev->time_ns;
        }
      ingest_message_flags_mark (&w->mflags, newest);
      w->next_seq = n_events;
      w->first_seq = ingest_store_first_seq (store);
      w->filled = TRUE;
      return;
    }

  /* New events (in append order): in the window when not older than its
   * start; whatever their time, they may settle the fate of a counted SEND. */
  gint64 old_from = w->from_ns;
  gint64 new_from = MAX (from_ns, old_from);
  gint64 newest = INGEST_TIME_MIN;
  for (IngestSeq seq = w->next_seq; seq < n_events; seq++)
    {
      const IngestEvent *ev = ingest_store_event (store, seq);
      if (ev->time_ns >= new_from)
        window_event (w, ev, +1);
      newest = MAX (newest, ev->time_ns);
      if (ev->message != 0 && (ev->kind == INGEST_EVENT_RECEIVE || ev->kind == INGEST_EVENT_DROP))
        {
          refresh_fate (w, ev->message);
          const IngestMessage *m = ingest_store_message (store, ev->message);
          if (ev->kind == INGEST_EVENT_RECEIVE && m != NULL && m->in_reply_to != 0)
            refresh_fate (w, m->in_reply_to);
        }
    }
  IngestSeq seen = w->next_seq;
  w->next_seq = n_events;

  /* Events leaving: time in [old_from, new_from), consumed by an earlier
   * advance (this one's new events below new_from were never added). */
  if (new_from > old_from)
    {
      gsize end = ingest_store_time_lower_bound (store, new_from);
      for (gsize pos = ingest_store_time_lower_bound (store, old_from); pos < end; pos++)
        {
          IngestSeq seq = ingest_store_time_seq (store, pos);
          if (seq < seen)
            window_event (w, ingest_store_event (store, seq), -1);
        }
      for (guint i = 0; i < w->nodes->len; i++)
        expire_depths (wnode (w, i), new_from);
    }
  w->from_ns = new_from;
  /* The flags of messages first seen before the start go (bounded memory). */
  ingest_message_flags_mark (&w->mflags, newest);
  ingest_message_flags_trim (&w->mflags, new_from, mflags_needed, NULL);
}

static int
cmp_edge (const void *a, const void *b)
{
  const IngestViewEdge *x = a, *y = b;
  if (x->from != y->from)
    return x->from < y->from ? -1 : 1;
  return x->to < y->to ? -1 : x->to > y->to;
}

static IngestAtom
top_label (const WEdge *e)
{
  IngestAtom best = 0;
  guint64 best_count = 0;
  GHashTableIter it;
  gpointer k, v;
  if (e->labels == NULL)
    return 0;
  g_hash_table_iter_init (&it, e->labels);
  while (g_hash_table_iter_next (&it, &k, &v))
    {
      guint64 c = GPOINTER_TO_SIZE (v);
      IngestAtom a = GPOINTER_TO_UINT (k);
      if (c > best_count || (c == best_count && a < best))
        {
          best = a;
          best_count = c;
        }
    }
  return best;
}

IngestGraph *
ingest_graph_window_dup_graph (IngestGraphWindow *w)
{
  g_return_val_if_fail (w != NULL, NULL);
  IngestViewCtx ctx;
  IngestViewSpec spec = {
    .from_ns = w->filled ? w->from_ns : INGEST_TIME_MIN,
    .to_ns = INGEST_TIME_MAX,
    .actor_filter = w->actor_filter_text,
    .label_filter = w->label_filter_text,
    .groups = (const char *const *) w->group_texts,
    .expand_threads = w->expand_threads,
  };

  /* The patterns compiled once already: this can't fail. */
  if (!ingest_view_ctx_init (&ctx, w->store, &spec, NULL))
    g_assert_not_reached ();

  /* Nodes: the actors some window event names, folded as the batch build
   * folds them; wmap maps WNode -> ctx node. */
  guint n_w = w->nodes->len;
  g_autofree guint *wmap = g_new (guint, MAX (n_w, 1));
  for (guint i = 0; i < n_w; i++)
    wmap[i] = G_MAXUINT;
  if (w->filled && !ctx.empty)
    for (guint a = 1; a < w->arefs->len && a <= ctx.n_actors; a++)
      if (g_array_index (w->arefs, guint64, a) > 0)
        {
          guint wn = g_array_index (w->anode, guint, a);
          guint cn = ingest_view_node_for (&ctx, a);
          if (wn != G_MAXUINT)
            wmap[wn] = cn;
        }
  for (guint i = 0; i < n_w; i++)
    if (wmap[i] != G_MAXUINT)
      {
        WNode *src = wnode (w, i);
        IngestViewNode *n = &g_array_index (ctx.nodes, IngestViewNode, wmap[i]);
        n->sent = src->sent;
        n->received = src->received;
        n->spans = src->spans;
        n->errors = src->errors;
        n->crashes = src->crashes;
        n->dropped = src->dropped;
        if (src->maxq != NULL && src->qhead < src->maxq->len)
          n->mailbox_depth_max = MAX (0, g_array_index (src->maxq, DepthSample, src->qhead).depth);
        ingest_latency_hist_summary (&src->mailbox, &n->mailbox);
        ingest_latency_hist_summary (&src->processing, &n->processing);
      }
  g_autofree guint *order = ingest_view_order_nodes (&ctx);

  IngestGraph *g = g_new0 (IngestGraph, 1);
  g->store = w->store;
  g->from_ns = ctx.from_ns;
  g->to_ns = ctx.to_ns;
  g->nodes = ingest_view_steal_nodes (&ctx);
  g->edges = g_array_new (FALSE, TRUE, sizeof (IngestViewEdge));
  double seconds = (double) (g->to_ns - g->from_ns) / 1e9;
  for (guint i = 0; i < w->edges->len; i++)
    {
      WEdge *e = &g_array_index (w->edges, WEdge, i);
      if (e->count == 0 || wmap[e->from] == G_MAXUINT || wmap[e->to] == G_MAXUINT)
        continue;
      IngestViewEdge o = { 0 };
      o.from = order[wmap[e->from]];
      o.to = order[wmap[e->to]];
      o.count = e->count;
      o.received = e->received;
      o.dropped = e->dropped;
      o.bytes = e->bytes;
      o.pending = e->pending;
      o.rate_per_s = seconds > 0 ? (double) e->count / seconds : 0.0;
      ingest_latency_hist_summary (&e->mailbox, &o.mailbox);
      ingest_latency_hist_summary (&e->round_trip, &o.round_trip);
      o.top_label = top_label (e);
      g_array_append_val (g->edges, o);
    }
  g_array_sort (g->edges, cmp_edge);
  if (w->failure == NULL)
    ingest_view_ctx_check (&ctx, &w->failure);
  ingest_view_ctx_clear (&ctx);
  return g;
}
