/* ingest-graph.c: the interaction graph of a window.
 *
 * One pass over the window's events in time order (O(events in window)):
 * each visible SEND adds to its edge (count, bytes, and, from the message's
 * later fate, received / dropped / pending, mailbox time and round trip);
 * RECEIVE and DONE give the receiver's node its mailbox and processing
 * times; drops, crashes and error marks count as errors; the mailbox depth
 * the store recorded on each event gives the window's maximum depth (a
 * group's depth is the sum of its members').
 */
#include "config.h"

#include <string.h>

#include "ingest-pair.h"
#include "ingest-view-private.h"

typedef struct {
  IngestLatencyHist mailbox, processing;
} NodeAcc;

typedef struct {
  guint from, to;
  guint64 count, received, dropped, bytes, pending;
  IngestLatencyHist mailbox, round_trip;
  IngestAtom top_label[INGEST_EDGE_TOP_LABELS];
  guint32 top_count[INGEST_EDGE_TOP_LABELS];
} EdgeAcc;

typedef struct {
  IngestViewCtx ctx;
  GArray *node_acc;          /* NodeAcc, by node creation index */
  GArray *edge_acc;          /* EdgeAcc */
  GHashTable *edge_index;    /* IngestPairKey* (from, to) -> index + 1 */
  IngestViewDepth depth;
} GraphBuild;

static NodeAcc *
node_acc (GraphBuild *b, guint node)
{
  return ingest_view_acc_at (b->node_acc, sizeof (NodeAcc), node);
}

static IngestViewNode *
node_at (GraphBuild *b, guint node)
{
  return ingest_view_node_at (&b->ctx, node);
}

static EdgeAcc *
edge_acc (GraphBuild *b, guint from, guint to)
{
  IngestPairKey key = ingest_pair_key (from, to);
  guint idx = GPOINTER_TO_UINT (g_hash_table_lookup (b->edge_index, &key));
  if (idx == 0)
    {
      EdgeAcc e = { 0 };
      e.from = from;
      e.to = to;
      g_array_append_val (b->edge_acc, e);
      idx = b->edge_acc->len;
      g_hash_table_insert (b->edge_index, ingest_pair_key_dup (key), GUINT_TO_POINTER (idx));
    }
  return &g_array_index (b->edge_acc, EdgeAcc, idx - 1);
}

static void
note_depth (GraphBuild *b, const IngestEvent *ev, const IngestMessage *m)
{
  ingest_view_depth_note (&b->depth, &b->ctx, ev, m, NULL);
}

static void
graph_event (GraphBuild *b, const IngestEvent *ev)
{
  IngestStore *store = b->ctx.store;
  const IngestMessage *m = ev->message ? ingest_store_message (store, ev->message) : NULL;

  switch (ev->kind)
    {
    case INGEST_EVENT_SEND:
      {
        if (m == NULL || !ingest_view_message_visible (&b->ctx, m))
          return;
        guint nf = ingest_view_node_for (&b->ctx, m->from);
        guint nt = ingest_view_node_for (&b->ctx, m->to);
        if (nf != G_MAXUINT)
          node_at (b, nf)->sent++;
        note_depth (b, ev, m);
        if (nf == G_MAXUINT || nt == G_MAXUINT)
          return;
        EdgeAcc *e = edge_acc (b, nf, nt);
        gboolean dropped = ingest_store_message_dropped (store, ev->message);
        e->count++;
        e->bytes += m->size;
        ingest_edge_top_labels_add (e->top_label, e->top_count, m->label);
        if (dropped)
          e->dropped++;
        /* out of the queue at the receive, or for a message held until
         * acked, at the ack */
        IngestSeq out_seq = m->until_ack ? m->ack_seq : m->receive_seq;
        if (m->receive_seq != INGEST_SEQ_NONE && m->send_seq != INGEST_SEQ_NONE)
          e->received++;
        if (out_seq != INGEST_SEQ_NONE && m->send_seq != INGEST_SEQ_NONE)
          ingest_latency_hist_record (&e->mailbox, ingest_view_time_of (store, out_seq)
                                                     - ingest_view_time_of (store, m->send_seq));
        else if (!dropped)
          e->pending++;
        if (m->response != 0)
          {
            const IngestMessage *r = ingest_store_message (store, m->response);
            if (r->receive_seq != INGEST_SEQ_NONE)
              ingest_latency_hist_record (&e->round_trip,
                                          ingest_view_time_of (store, r->receive_seq)
                                          - ingest_view_time_of (store, m->send_seq));
          }
      }
      break;
    case INGEST_EVENT_RECEIVE:
      {
        if (m == NULL || !ingest_view_message_visible (&b->ctx, m))
          return;
        ingest_view_node_for (&b->ctx, m->from);
        guint nt = ingest_view_node_for (&b->ctx, ev->actor);
        if (nt == G_MAXUINT)
          return;
        if (m->span)
          node_at (b, nt)->spans++;
        else
          node_at (b, nt)->received++;
        if (m->send_seq != INGEST_SEQ_NONE && !m->until_ack)
          ingest_latency_hist_record (&node_acc (b, nt)->mailbox,
                                      ev->time_ns - ingest_view_time_of (store, m->send_seq));
        note_depth (b, ev, m);
      }
      break;
    case INGEST_EVENT_DONE:
      {
        if (m == NULL || !ingest_view_message_visible (&b->ctx, m))
          return;
        guint nt = ingest_view_node_for (&b->ctx, ev->actor);
        if (nt != G_MAXUINT && m->receive_seq != INGEST_SEQ_NONE)
          ingest_latency_hist_record (&node_acc (b, nt)->processing,
                                      ev->time_ns - ingest_view_time_of (store, m->receive_seq));
      }
      break;
    case INGEST_EVENT_DROP:
      {
        if (m != NULL ? !ingest_view_message_visible (&b->ctx, m)
                      : !ingest_view_actor_matches (&b->ctx, ev->actor))
          return;
        guint n = ingest_view_node_for (&b->ctx, ev->actor);
        if (n == G_MAXUINT)
          return;
        node_at (b, n)->dropped++;
        node_at (b, n)->errors++;
        if (m != NULL)
          note_depth (b, ev, m);
      }
      break;
    case INGEST_EVENT_EXIT:
    case INGEST_EVENT_SPAWN:
    case INGEST_EVENT_MARK:
    case INGEST_EVENT_ACK:
      {
        /* the ack that takes a held message out of its queue (the store
         * left the queue's depth on it): the queue's time in queue */
        if (ev->kind == INGEST_EVENT_ACK && m != NULL && m->until_ack
            && (ev->reserved & INGEST_EVENT_FLAG_DEPTH) && ingest_view_message_visible (&b->ctx, m))
          {
            guint nq = ingest_view_node_for (&b->ctx, m->to);
            if (nq != G_MAXUINT && m->send_seq != INGEST_SEQ_NONE)
              ingest_latency_hist_record (&node_acc (b, nq)->mailbox,
                                          ev->time_ns - ingest_view_time_of (store, m->send_seq));
            note_depth (b, ev, m);
          }
        if (ev->actor == 0 || !ingest_view_actor_matches (&b->ctx, ev->actor))
          return;
        if (ev->kind == INGEST_EVENT_ACK && m != NULL && !ingest_view_label_matches (&b->ctx, m->label))
          return;
        guint n = ingest_view_node_for (&b->ctx, ev->actor);
        if (ev->kind == INGEST_EVENT_EXIT && ev->exit_status == INGEST_EXIT_CRASH)
          {
            node_at (b, n)->crashes++;
            node_at (b, n)->errors++;
          }
        if (ev->kind == INGEST_EVENT_MARK
            && g_ascii_strncasecmp (ingest_store_atom (store, ev->text), "error", 5) == 0)
          node_at (b, n)->errors++;
      }
      break;
    default:
      break;
    }
}

static int
cmp_edge (const void *a, const void *b)
{
  const IngestViewEdge *x = a, *y = b;
  if (x->from != y->from)
    return x->from < y->from ? -1 : 1;
  return x->to < y->to ? -1 : x->to > y->to;
}

IngestGraph *
ingest_graph_build (IngestStore *store, const IngestViewSpec *spec, GError **error)
{
  g_return_val_if_fail (store != NULL, NULL);
  GraphBuild b = { 0 };

  if (!ingest_view_ctx_init (&b.ctx, store, spec, error))
    {
      ingest_view_ctx_clear (&b.ctx);
      return NULL;
    }
  b.node_acc = g_array_new (FALSE, TRUE, sizeof (NodeAcc));
  b.edge_acc = g_array_new (FALSE, TRUE, sizeof (EdgeAcc));
  b.edge_index = ingest_pair_table_new (g_free, NULL);
  ingest_view_depth_init (&b.depth, &b.ctx);

  gsize begin, end;
  ingest_view_ctx_range (&b.ctx, &begin, &end);
  for (gsize pos = begin; pos < end; pos++)
    graph_event (&b, ingest_store_event (store, ingest_store_time_seq (store, pos)));

  /* Latency summaries on the nodes, before they are reordered. */
  for (guint i = 0; i < b.ctx.nodes->len; i++)
    {
      NodeAcc *acc = node_acc (&b, i);
      IngestViewNode *n = node_at (&b, i);
      ingest_latency_hist_summary (&acc->mailbox, &n->mailbox);
      ingest_latency_hist_summary (&acc->processing, &n->processing);
    }
  g_autofree guint *map = ingest_view_order_nodes (&b.ctx);

  IngestGraph *g = g_new0 (IngestGraph, 1);
  g->store = store;
  g->from_ns = b.ctx.from_ns;
  g->to_ns = b.ctx.to_ns;
  g->nodes = ingest_view_steal_nodes (&b.ctx);
  g->edges = g_array_sized_new (FALSE, TRUE, sizeof (IngestViewEdge), b.edge_acc->len);

  double seconds = (double) (g->to_ns - g->from_ns) / 1e9;
  for (guint i = 0; i < b.edge_acc->len; i++)
    {
      EdgeAcc *e = &g_array_index (b.edge_acc, EdgeAcc, i);
      IngestViewEdge o = { 0 };
      o.from = map[e->from];
      o.to = map[e->to];
      o.count = e->count;
      o.received = e->received;
      o.dropped = e->dropped;
      o.bytes = e->bytes;
      o.pending = e->pending;
      /* A zero-length window (one instant) has no meaningful rate. */
      o.rate_per_s = seconds > 0 ? (double) e->count / seconds : 0.0;
      ingest_latency_hist_summary (&e->mailbox, &o.mailbox);
      ingest_latency_hist_summary (&e->round_trip, &o.round_trip);
      o.top_label = ingest_edge_top_labels_best (e->top_label, e->top_count);
      g_array_append_val (g->edges, o);
      ingest_latency_hist_clear (&e->mailbox);
      ingest_latency_hist_clear (&e->round_trip);
    }
  g_array_sort (g->edges, cmp_edge);

  for (guint i = 0; i < b.node_acc->len; i++)
    {
      NodeAcc *acc = &g_array_index (b.node_acc, NodeAcc, i);
      ingest_latency_hist_clear (&acc->mailbox);
      ingest_latency_hist_clear (&acc->processing);
    }
  g_array_unref (b.node_acc);
  g_array_unref (b.edge_acc);
  g_hash_table_unref (b.edge_index);
  ingest_view_depth_clear (&b.depth);
  /* A filter over its matching budget stopped matching: the graph is
   * incomplete. */
  gboolean ok = ingest_view_ctx_check (&b.ctx, error);
  ingest_view_ctx_clear (&b.ctx);
  if (!ok)
    {
      ingest_graph_free (g);
      return NULL;
    }
  return g;
}

void
ingest_graph_free (IngestGraph *graph)
{
  if (graph == NULL)
    return;
  if (graph->nodes)
    g_array_unref (graph->nodes);
  if (graph->edges)
    g_array_unref (graph->edges);
  ingest_view_strings_free (graph->strings);
  g_free (graph);
}

static GArray *
array_copy (const GArray *a, guint elt_size)
{
  GArray *copy = g_array_sized_new (FALSE, TRUE, elt_size, a != NULL ? a->len : 0);
  if (a != NULL)
    g_array_append_vals (copy, a->data, a->len);
  return copy;
}

IngestGraph *
ingest_graph_dup_detached (const IngestGraph *graph)
{
  g_return_val_if_fail (graph != NULL, NULL);

  IngestGraph *copy = g_new0 (IngestGraph, 1);

  copy->from_ns = graph->from_ns;
  copy->to_ns = graph->to_ns;
  copy->nodes = ingest_view_nodes_copy (graph->nodes);
  copy->edges = array_copy (graph->edges, sizeof (IngestViewEdge));
  if (graph->store == NULL)
    {
      /* a copy of a detached graph (or of a hand-built one) */
      copy->strings = ingest_view_strings_copy (graph->strings);
      return copy;
    }
  copy->strings = ingest_view_strings_new ();
  for (guint i = 0; i < copy->edges->len; i++)
    ingest_view_strings_add_atom (copy->strings, graph->store,
                                  g_array_index (copy->edges, IngestViewEdge, i).top_label);
  for (guint i = 0; i < copy->nodes->len; i++)
    {
      const IngestViewNode *n = &g_array_index (copy->nodes, IngestViewNode, i);
      if (n->actor != 0) /* a group's first member too: the layout walks it */
        ingest_view_strings_add_ancestry (copy->strings, graph->store, n->actor);
    }
  return copy;
}

const char *
ingest_graph_atom (const IngestGraph *graph, IngestAtom atom)
{
  const char *s = NULL;

  g_return_val_if_fail (graph != NULL, "");
  if (atom == 0)
    return "";
  if (graph->store != NULL)
    s = ingest_store_atom (graph->store, atom);
  else if (graph->strings != NULL)
    s = ingest_view_strings_atom (graph->strings, atom);
  return s != NULL ? s : "";
}

IngestActorId
ingest_graph_actor_parent (const IngestGraph *graph, IngestActorId actor)
{
  g_return_val_if_fail (graph != NULL, 0);
  if (actor == 0)
    return 0;
  if (graph->store != NULL)
    return actor <= ingest_store_n_actors (graph->store)
             ? ingest_store_actor (graph->store, actor)->parent : 0;
  return graph->strings != NULL ? ingest_view_strings_parent (graph->strings, actor) : 0;
}

const char *
ingest_graph_actor_name (const IngestGraph *graph, IngestActorId actor)
{
  const char *name = NULL;

  g_return_val_if_fail (graph != NULL, "");
  if (actor == 0)
    return "";
  if (graph->store != NULL)
    return actor <= ingest_store_n_actors (graph->store) ? ingest_store_actor_name (graph->store, actor) : "";
  if (graph->strings != NULL)
    name = ingest_view_strings_actor_name (graph->strings, actor);
  return name != NULL ? name : "";
}
