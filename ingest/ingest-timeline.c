/* ingest-timeline.c: the timeline of a window (lanes, message arrows,
 * processing spans, marks, mailbox depth), with level of detail.
 *
 * One pass over the window's events in time order (O(events in window)):
 *  - a visible SEND in the window is a message; so is a RECEIVE in the
 *    window whose SEND came before it (the arrow enters from the left);
 *  - a RECEIVE with a DONE is a span receive -> done; a DONE in the window
 *    whose RECEIVE came before it is a span from that earlier receive;
 *  - a RECEIVE without DONE at an actor whose source does report DONEs is a
 *    span left open, closed by the next RECEIVE on the same lane (the actor
 *    processes one message at a time) or running to INGEST_TIME_MAX; at
 *    actors that never report DONE, receives make no span (no processing
 *    time is known);
 *  - MARK, SPAWN, EXIT and DROP are marks (a MARK without actor is global);
 *  - the mailbox depth the store recorded on each event becomes a sample on
 *    the receiver's lane (a group lane shows the sum over its members).
 * Level of detail: when messages + spans exceed max_items, every message
 * except pending and dropped ones (which must stay visible, up to max_items)
 * and every span is counted into ~200 time buckets per lane pair instead.
 * Depth samples are thinned to at most 512 per lane keeping each bucket's
 * maximum and its last value (so the step line ends right); marks are
 * thinned to max_items keeping every crash.
 */
#include "config.h"

#include <string.h>

#include "ingest-view-private.h"

#define N_BUCKETS 200
#define DEPTH_BUCKETS 256 /* two samples each: at most 512 per lane */

typedef struct {
  IngestLatencyHist mailbox, processing;
  gint64 depth;
  guint open_span;          /* index + 1 of the lane's span left open, 0 = none */
} LaneAcc;

typedef struct {
  IngestViewCtx ctx;
  IngestTimeline *tl;
  GArray *lane_acc;         /* LaneAcc by node creation index */
  gint64 *actor_depth;      /* per actor: last depth seen, -1 = none */
} TimelineBuild;

static LaneAcc *
lane_acc (TimelineBuild *b, guint node)
{
  while (b->lane_acc->len <= node)
    {
      LaneAcc z = { 0 };
      g_array_append_val (b->lane_acc, z);
    }
  return &g_array_index (b->lane_acc, LaneAcc, node);
}

static IngestViewNode *
lane_at (TimelineBuild *b, guint node)
{
  return &g_array_index (b->ctx.nodes, IngestViewNode, node);
}

static gint64
time_of (IngestStore *store, IngestSeq seq)
{
  return ingest_store_event (store, seq)->time_ns;
}

static void
add_message (TimelineBuild *b, IngestMessageId id, const IngestMessage *m)
{
  IngestStore *store = b->ctx.store;
  IngestTimelineMessage tm = { 0 };

  tm.message = id;
  tm.from_lane = ingest_view_node_for (&b->ctx, m->from);
  tm.to_lane = ingest_view_node_for (&b->ctx, m->to);
  tm.send_ns = time_of (store, m->send_seq);
  tm.receive_ns = m->receive_seq != INGEST_SEQ_NONE ? time_of (store, m->receive_seq) : INGEST_TIME_MAX;
  tm.label = m->label;
  tm.is_response = m->in_reply_to != 0;
  tm.dropped = ingest_store_message_dropped (store, id);
  if (tm.from_lane != G_MAXUINT)
    lane_at (b, tm.from_lane)->sent++;
  g_array_append_val (b->tl->messages, tm);
}

static void
add_span (TimelineBuild *b, guint lane, IngestMessageId id, gint64 start, gint64 end, IngestAtom label)
{
  IngestTimelineSpan s = { lane, id, start, end, label };
  g_array_append_val (b->tl->spans, s);
}

static void
add_mark (TimelineBuild *b, const IngestEvent *ev, guint lane)
{
  IngestTimelineMark mk = { 0 };
  mk.lane = lane;
  mk.time_ns = ev->time_ns;
  mk.kind = (IngestEventKind) ev->kind;
  mk.exit_status = (IngestExitStatus) ev->exit_status;
  mk.text = ev->text;
  g_array_append_val (b->tl->marks, mk);
}

static void
note_depth (TimelineBuild *b, const IngestEvent *ev, const IngestMessage *m)
{
  if (!(ev->reserved & INGEST_EVENT_FLAG_DEPTH) || m->to == 0)
    return;
  guint node = ingest_view_node_for (&b->ctx, m->to);
  if (node == G_MAXUINT)
    return;
  LaneAcc *acc = lane_acc (b, node);
  gint64 d = ev->reserved2;
  gint64 prev = b->actor_depth[m->to] < 0 ? 0 : b->actor_depth[m->to];
  b->actor_depth[m->to] = d;
  acc->depth += d - prev;
  IngestViewNode *n = lane_at (b, node);
  n->mailbox_depth_max = MAX (n->mailbox_depth_max, acc->depth);
  IngestDepthSample s = { node, ev->time_ns, acc->depth };
  g_array_append_val (b->tl->depth, s);
}

static void
timeline_event (TimelineBuild *b, IngestSeq seq, const IngestEvent *ev)
{
  IngestStore *store = b->ctx.store;
  IngestMessageId id = ev->message;
  const IngestMessage *m = id ? ingest_store_message (store, id) : NULL;

  switch (ev->kind)
    {
    case INGEST_EVENT_SEND:
      if (m == NULL || !ingest_view_message_visible (&b->ctx, m))
        return;
      add_message (b, id, m);
      note_depth (b, ev, m);
      break;
    case INGEST_EVENT_RECEIVE:
      {
        if (m == NULL || !ingest_view_message_visible (&b->ctx, m))
          return;
        if (m->send_seq != INGEST_SEQ_NONE && time_of (store, m->send_seq) < b->ctx.from_ns)
          add_message (b, id, m);
        guint lane = ingest_view_node_for (&b->ctx, ev->actor);
        if (lane == G_MAXUINT)
          return;
        LaneAcc *acc = lane_acc (b, lane);
        lane_at (b, lane)->received++;
        if (m->send_seq != INGEST_SEQ_NONE)
          ingest_latency_hist_record (&acc->mailbox, ev->time_ns - time_of (store, m->send_seq));
        if (acc->open_span)
          {
            g_array_index (b->tl->spans, IngestTimelineSpan, acc->open_span - 1).end_ns = ev->time_ns;
            acc->open_span = 0;
          }
        if (m->done_seq != INGEST_SEQ_NONE)
          add_span (b, lane, id, ev->time_ns, time_of (store, m->done_seq), m->label);
        else if (ingest_store_actor_rec (store, ev->actor)->processed > 0)
          {
            add_span (b, lane, id, ev->time_ns, INGEST_TIME_MAX, m->label);
            acc->open_span = b->tl->spans->len;
          }
        note_depth (b, ev, m);
      }
      break;
    case INGEST_EVENT_DONE:
      {
        if (m == NULL || !ingest_view_message_visible (&b->ctx, m))
          return;
        guint lane = ingest_view_node_for (&b->ctx, ev->actor);
        if (lane == G_MAXUINT || m->receive_seq == INGEST_SEQ_NONE)
          return;
        gint64 start = time_of (store, m->receive_seq);
        ingest_latency_hist_record (&lane_acc (b, lane)->processing, ev->time_ns - start);
        if (start < b->ctx.from_ns)
          add_span (b, lane, id, start, ev->time_ns, m->label);
      }
      break;
    case INGEST_EVENT_DROP:
      {
        if (m != NULL ? !ingest_view_message_visible (&b->ctx, m)
                      : !ingest_view_actor_matches (&b->ctx, ev->actor))
          return;
        guint lane = ingest_view_node_for (&b->ctx, ev->actor);
        if (lane == G_MAXUINT)
          return;
        lane_at (b, lane)->dropped++;
        lane_at (b, lane)->errors++;
        add_mark (b, ev, lane);
        if (m != NULL)
          note_depth (b, ev, m);
      }
      break;
    case INGEST_EVENT_MARK:
    case INGEST_EVENT_SPAWN:
    case INGEST_EVENT_EXIT:
      {
        if (ev->actor == 0)
          {
            /* Global marks show whatever the actor filter. */
            if (ev->kind == INGEST_EVENT_MARK)
              add_mark (b, ev, G_MAXUINT);
            return;
          }
        if (!ingest_view_actor_matches (&b->ctx, ev->actor))
          return;
        guint lane = ingest_view_node_for (&b->ctx, ev->actor);
        if (ev->kind == INGEST_EVENT_EXIT && ev->exit_status == INGEST_EXIT_CRASH)
          {
            lane_at (b, lane)->crashes++;
            lane_at (b, lane)->errors++;
          }
        if (ev->kind == INGEST_EVENT_MARK
            && g_ascii_strncasecmp (ingest_store_atom (store, ev->text), "error", 5) == 0)
          lane_at (b, lane)->errors++;
        add_mark (b, ev, lane);
      }
      break;
    default:
      break;
    }
}

static int
cmp_message (const void *a, const void *b)
{
  const IngestTimelineMessage *x = a, *y = b;
  if (x->send_ns != y->send_ns)
    return x->send_ns < y->send_ns ? -1 : 1;
  return x->message < y->message ? -1 : x->message > y->message;
}

static int
cmp_span (const void *a, const void *b)
{
  const IngestTimelineSpan *x = a, *y = b;
  if (x->start_ns != y->start_ns)
    return x->start_ns < y->start_ns ? -1 : 1;
  return x->lane < y->lane ? -1 : x->lane > y->lane;
}

static int
cmp_bin (const void *a, const void *b)
{
  const IngestDensityBin *x = a, *y = b;
  if (x->from_lane != y->from_lane)
    return x->from_lane < y->from_lane ? -1 : 1;
  if (x->to_lane != y->to_lane)
    return x->to_lane < y->to_lane ? -1 : 1;
  return x->start_ns < y->start_ns ? -1 : x->start_ns > y->start_ns;
}

static inline guint
remap (const guint *map, guint lane)
{
  return lane == G_MAXUINT ? G_MAXUINT : map[lane];
}

/* Stable by lane (samples are in time order), then thinned per lane. */
static void
finish_depth (IngestTimeline *tl, guint n_lanes)
{
  GArray *in = tl->depth;
  if (in->len == 0)
    return;
  g_autofree guint *start = g_new0 (guint, n_lanes + 1);
  for (guint i = 0; i < in->len; i++)
    start[g_array_index (in, IngestDepthSample, i).lane + 1]++;
  for (guint l = 1; l <= n_lanes; l++)
    start[l] += start[l - 1];
  GArray *by_lane = g_array_sized_new (FALSE, FALSE, sizeof (IngestDepthSample), in->len);
  g_array_set_size (by_lane, in->len);
  g_autofree guint *fill = g_memdup2 (start, (n_lanes + 1) * sizeof (guint));
  for (guint i = 0; i < in->len; i++)
    {
      IngestDepthSample s = g_array_index (in, IngestDepthSample, i);
      g_array_index (by_lane, IngestDepthSample, fill[s.lane]++) = s;
    }

  GArray *out = g_array_new (FALSE, FALSE, sizeof (IngestDepthSample));
  guint64 width = ((guint64) tl->to_ns - (guint64) tl->from_ns) / DEPTH_BUCKETS + 1;
  for (guint l = 0; l < n_lanes; l++)
    {
      guint n = start[l + 1] - start[l];
      IngestDepthSample *s = &g_array_index (by_lane, IngestDepthSample, start[l]);
      if (n <= 2 * DEPTH_BUCKETS)
        {
          g_array_append_vals (out, s, n);
          continue;
        }
      guint i = 0;
      while (i < n)
        {
          guint64 bucket = s[i].time_ns <= tl->from_ns ? 0 : ((guint64) s[i].time_ns - (guint64) tl->from_ns) / width;
          guint max_i = i, j = i;
          while (j < n)
            {
              guint64 bj = s[j].time_ns <= tl->from_ns ? 0 : ((guint64) s[j].time_ns - (guint64) tl->from_ns) / width;
              if (bj != bucket)
                break;
              if (s[j].depth > s[max_i].depth)
                max_i = j;
              j++;
            }
          g_array_append_val (out, s[max_i]);
          if (j - 1 != max_i)
            g_array_append_val (out, s[j - 1]);
          i = j;
        }
    }
  g_array_unref (by_lane);
  g_array_unref (in);
  tl->depth = out;
}

static void
thin_marks (IngestTimeline *tl, guint max_items)
{
  if (tl->marks->len <= max_items)
    return;
  guint stride = (tl->marks->len + max_items - 1) / max_items;
  GArray *out = g_array_new (FALSE, FALSE, sizeof (IngestTimelineMark));
  for (guint i = 0; i < tl->marks->len && out->len < max_items; i++)
    {
      IngestTimelineMark *mk = &g_array_index (tl->marks, IngestTimelineMark, i);
      gboolean crash = mk->kind == INGEST_EVENT_EXIT && mk->exit_status == INGEST_EXIT_CRASH;
      if (crash || i % stride == 0)
        g_array_append_val (out, *mk);
    }
  g_array_unref (tl->marks);
  tl->marks = out;
}

static void
aggregate (IngestTimeline *tl, guint max_items)
{
  guint64 width = ((guint64) tl->to_ns - (guint64) tl->from_ns) / N_BUCKETS + 1;
  guint n_lanes = tl->lanes->len;
  g_autoptr (GHashTable) index = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, NULL);
  GArray *kept = g_array_new (FALSE, FALSE, sizeof (IngestTimelineMessage));

#define BUCKET_OF(t) ((t) <= tl->from_ns ? 0 : MIN ((guint64) N_BUCKETS - 1, ((guint64) (t) - (guint64) tl->from_ns) / width))

  /* Lane G_MAXUINT (receiver unknown) keys as n_lanes. */
  for (guint pass = 0; pass < 2; pass++)
    {
      guint n = pass == 0 ? tl->messages->len : tl->spans->len;
      for (guint i = 0; i < n; i++)
        {
          guint from, to;
          gint64 t;
          if (pass == 0)
            {
              IngestTimelineMessage *m = &g_array_index (tl->messages, IngestTimelineMessage, i);
              if ((m->receive_ns == INGEST_TIME_MAX || m->dropped) && kept->len < max_items)
                {
                  g_array_append_val (kept, *m);
                  continue;
                }
              from = m->from_lane;
              to = m->to_lane;
              t = m->send_ns;
            }
          else
            {
              IngestTimelineSpan *s = &g_array_index (tl->spans, IngestTimelineSpan, i);
              from = to = s->lane;
              t = s->start_ns;
            }
          guint64 bucket = BUCKET_OF (t);
          guint64 kf = from == G_MAXUINT ? n_lanes : from;
          guint64 kt = to == G_MAXUINT ? n_lanes : to;
          guint64 key = ((kf * ((guint64) n_lanes + 1)) + kt) * N_BUCKETS + bucket;
          guint idx = GPOINTER_TO_UINT (g_hash_table_lookup (index, &key));
          if (idx == 0)
            {
              IngestDensityBin bin = { 0 };
              bin.from_lane = from;
              bin.to_lane = to;
              bin.start_ns = (gint64) ((guint64) tl->from_ns + bucket * width);
              bin.end_ns = (gint64) ((guint64) tl->from_ns + MIN ((bucket + 1) * width, (guint64) tl->to_ns - (guint64) tl->from_ns + 1));
              g_array_append_val (tl->bins, bin);
              idx = tl->bins->len;
              g_hash_table_insert (index, g_memdup2 (&key, sizeof key), GUINT_TO_POINTER (idx));
            }
          IngestDensityBin *bin = &g_array_index (tl->bins, IngestDensityBin, idx - 1);
          if (pass == 0)
            bin->count++;
          else
            bin->spans++;
        }
    }
#undef BUCKET_OF
  g_array_unref (tl->messages);
  tl->messages = kept;
  g_array_set_size (tl->spans, 0);
  g_array_sort (tl->bins, cmp_bin);
  tl->aggregated = TRUE;
}

IngestTimeline *
ingest_timeline_build (IngestStore *store, const IngestViewSpec *spec, GError **error)
{
  g_return_val_if_fail (store != NULL, NULL);
  TimelineBuild b = { 0 };

  if (!ingest_view_ctx_init (&b.ctx, store, spec, error))
    {
      ingest_view_ctx_clear (&b.ctx);
      return NULL;
    }
  guint max_items = spec && spec->max_items ? spec->max_items : INGEST_VIEW_DEFAULT_MAX_ITEMS;

  IngestTimeline *tl = g_new0 (IngestTimeline, 1);
  tl->store = store;
  tl->from_ns = b.ctx.from_ns;
  tl->to_ns = b.ctx.to_ns;
  tl->messages = g_array_new (FALSE, TRUE, sizeof (IngestTimelineMessage));
  tl->spans = g_array_new (FALSE, TRUE, sizeof (IngestTimelineSpan));
  tl->marks = g_array_new (FALSE, TRUE, sizeof (IngestTimelineMark));
  tl->bins = g_array_new (FALSE, TRUE, sizeof (IngestDensityBin));
  tl->depth = g_array_new (FALSE, TRUE, sizeof (IngestDepthSample));
  b.tl = tl;
  b.lane_acc = g_array_new (FALSE, TRUE, sizeof (LaneAcc));
  b.actor_depth = g_new (gint64, b.ctx.n_actors + 1);
  for (guint i = 0; i <= b.ctx.n_actors; i++)
    b.actor_depth[i] = -1;

  gsize begin, end;
  ingest_view_ctx_range (&b.ctx, &begin, &end);
  for (gsize pos = begin; pos < end; pos++)
    {
      IngestSeq seq = ingest_store_time_seq (store, pos);
      timeline_event (&b, seq, ingest_store_event (store, seq));
    }

  for (guint i = 0; i < b.ctx.nodes->len; i++)
    {
      LaneAcc *acc = lane_acc (&b, i);
      IngestViewNode *n = lane_at (&b, i);
      ingest_latency_hist_summary (&acc->mailbox, &n->mailbox);
      ingest_latency_hist_summary (&acc->processing, &n->processing);
    }
  g_autofree guint *map = ingest_view_order_nodes (&b.ctx);
  tl->lanes = ingest_view_steal_nodes (&b.ctx);

  for (guint i = 0; i < tl->messages->len; i++)
    {
      IngestTimelineMessage *m = &g_array_index (tl->messages, IngestTimelineMessage, i);
      m->from_lane = remap (map, m->from_lane);
      m->to_lane = remap (map, m->to_lane);
    }
  for (guint i = 0; i < tl->spans->len; i++)
    {
      IngestTimelineSpan *s = &g_array_index (tl->spans, IngestTimelineSpan, i);
      s->lane = remap (map, s->lane);
    }
  for (guint i = 0; i < tl->marks->len; i++)
    {
      IngestTimelineMark *mk = &g_array_index (tl->marks, IngestTimelineMark, i);
      mk->lane = remap (map, mk->lane);
    }
  for (guint i = 0; i < tl->depth->len; i++)
    {
      IngestDepthSample *s = &g_array_index (tl->depth, IngestDepthSample, i);
      s->lane = remap (map, s->lane);
    }

  g_array_sort (tl->messages, cmp_message);
  g_array_sort (tl->spans, cmp_span);
  tl->n_messages_total = tl->messages->len;
  if ((guint64) tl->messages->len + tl->spans->len > max_items)
    aggregate (tl, max_items);
  thin_marks (tl, max_items);
  finish_depth (tl, tl->lanes->len);

  for (guint i = 0; i < b.lane_acc->len; i++)
    {
      LaneAcc *acc = &g_array_index (b.lane_acc, LaneAcc, i);
      ingest_latency_hist_clear (&acc->mailbox);
      ingest_latency_hist_clear (&acc->processing);
    }
  g_array_unref (b.lane_acc);
  g_free (b.actor_depth);
  ingest_view_ctx_clear (&b.ctx);
  return tl;
}

void
ingest_timeline_free (IngestTimeline *tl)
{
  if (tl == NULL)
    return;
  if (tl->lanes)
    g_array_unref (tl->lanes);
  if (tl->messages)
    g_array_unref (tl->messages);
  if (tl->spans)
    g_array_unref (tl->spans);
  if (tl->marks)
    g_array_unref (tl->marks);
  if (tl->bins)
    g_array_unref (tl->bins);
  if (tl->depth)
    g_array_unref (tl->depth);
  g_free (tl);
}
