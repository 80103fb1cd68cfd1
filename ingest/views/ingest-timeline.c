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
 * Level of detail: as soon as messages + spans exceed max_items, every
 * message except pending and dropped ones (which must stay visible, up to
 * max_items) and every span is counted into 200 time buckets per lane pair
 * instead (merged into fewer, wider buckets when lane pairs x 200 would pass
 * 4 x max_items), so memory stays bounded however big the window. Depth
 * samples are thinned to at most 512 per lane keeping each bucket's maximum
 * and its last value (so the step line ends right); marks are thinned to
 * max_items keeping every crash.
 */
#include "config.h"

#include <string.h>

#include "ingest-pair.h"
#include "ingest-view-private.h"

#define N_BUCKETS 200
/* A lane keeps up to DEPTH_MAX raw depth samples; past that it keeps two
 * (maximum, last) per time bucket: at most 2 * N_BUCKETS = 400. */
#define DEPTH_MAX 512

typedef struct {
  IngestLatencyHist mailbox, processing;
  guint open_span;          /* index + 1 of the lane's span left open, 0 = none */
  /* Depth samples of this lane, in time order: raw up to DEPTH_MAX, then
   * thinned on the fly to each bucket's maximum and last sample. */
  GArray *samples;
  gboolean thinned;
  guint64 bucket;
  IngestDepthSample bmax, blast;
  gboolean have_bucket;
} LaneAcc;

/* Density counts of one lane pair, per fine bucket; coarsened at the end. */
typedef struct {
  IngestPairKey key;        /* (from, to), provisional lane indexes */
  guint from, to;
  guint32 count[N_BUCKETS];
  guint32 spans[N_BUCKETS];
  /* The busiest label per bucket, by the majority vote (Boyer-Moore):
   * the label of most of the bucket's messages when one has a majority,
   * else a frequent one, in two words per bucket instead of a table. */
  IngestAtom label[N_BUCKETS];
  guint32 votes[N_BUCKETS];
} PairBins;

typedef struct {
  IngestViewCtx ctx;
  IngestTimeline *tl;
  guint max_items;
  GArray *lane_acc;         /* LaneAcc by node creation index */
  IngestViewDepth depth;
  gboolean aggregating;     /* more than max_items: counting into pairs */
  GPtrArray *pairs;         /* PairBins*, owned */
  GHashTable *pair_index;   /* &PairBins.key -> PairBins* */
  guint64 width;            /* fine bucket width in ns */
  guint64 n_messages;       /* all messages in the window, kept or counted */
} TimelineBuild;

static LaneAcc *
lane_acc (TimelineBuild *b, guint node)
{
  return ingest_view_acc_at (b->lane_acc, sizeof (LaneAcc), node);
}

static IngestViewNode *
lane_at (TimelineBuild *b, guint node)
{
  return ingest_view_node_at (&b->ctx, node);
}

static inline guint64
bucket_of (TimelineBuild *b, gint64 t, guint64 n_buckets)
{
  if (t <= b->ctx.from_ns)
    return 0;
  guint64 k = ((guint64) t - (guint64) b->ctx.from_ns) / b->width;
  return MIN (k, n_buckets - 1);
}

static PairBins *
pair_bins (TimelineBuild *b, guint from, guint to)
{
  IngestPairKey key = ingest_pair_key (from, to);
  PairBins *p = g_hash_table_lookup (b->pair_index, &key);
  if (p == NULL)
    {
      p = g_new0 (PairBins, 1);
      p->key = key;
      p->from = from;
      p->to = to;
      g_ptr_array_add (b->pairs, p);
      g_hash_table_insert (b->pair_index, &p->key, p);
    }
  return p;
}

static void
count_message (TimelineBuild *b, const IngestTimelineMessage *m)
{
  PairBins *p = pair_bins (b, m->from_lane, m->to_lane);
  guint64 k = bucket_of (b, m->send_ns, N_BUCKETS);
  if (p->count[k] < G_MAXUINT32)
    p->count[k]++;
  if (p->votes[k] == 0)
    {
      p->label[k] = m->label;
      p->votes[k] = 1;
    }
  else if (p->label[k] == m->label)
    p->votes[k]++;
  else
    p->votes[k]--;
}

static void
count_span (TimelineBuild *b, guint lane, gint64 start)
{
  PairBins *p = pair_bins (b, lane, lane);
  guint64 k = bucket_of (b, start, N_BUCKETS);
  if (p->spans[k] < G_MAXUINT32)
    p->spans[k]++;
}

static gboolean
must_stay_visible (const IngestTimelineMessage *m)
{
  return m->receive_ns == INGEST_TIME_MAX || m->dropped;
}

/* Past max_items: everything but pending and dropped messages (up to
 * max_items of them) becomes counts, and stays so for the rest of the scan. */
static void
start_aggregating (TimelineBuild *b)
{
  IngestTimeline *tl = b->tl;
  GArray *kept = g_array_new (FALSE, FALSE, sizeof (IngestTimelineMessage));

  b->aggregating = TRUE;
  for (guint i = 0; i < tl->messages->len; i++)
    {
      IngestTimelineMessage *m = &g_array_index (tl->messages, IngestTimelineMessage, i);
      if (must_stay_visible (m) && kept->len < b->max_items)
        g_array_append_val (kept, *m);
      else
        count_message (b, m);
    }
  g_array_unref (tl->messages);
  tl->messages = kept;
  for (guint i = 0; i < tl->spans->len; i++)
    {
      IngestTimelineSpan *s = &g_array_index (tl->spans, IngestTimelineSpan, i);
      count_span (b, s->lane, s->start_ns);
    }
  g_array_set_size (tl->spans, 0);
  for (guint i = 0; i < b->lane_acc->len; i++)
    g_array_index (b->lane_acc, LaneAcc, i).open_span = 0;
}

static void
check_budget (TimelineBuild *b)
{
  if (!b->aggregating && (guint64) b->tl->messages->len + b->tl->spans->len > b->max_items)
    start_aggregating (b);
}

static void
add_message (TimelineBuild *b, IngestMessageId id, const IngestMessage *m)
{
  IngestStore *store = b->ctx.store;
  IngestTimelineMessage tm = { 0 };

  tm.message = id;
  tm.from_lane = ingest_view_node_for (&b->ctx, m->from);
  tm.to_lane = ingest_view_node_for (&b->ctx, m->to);
  tm.send_ns = ingest_view_time_of (store, m->send_seq);
  tm.receive_ns = m->receive_seq != INGEST_SEQ_NONE ? ingest_view_time_of (store, m->receive_seq)
                                                    : INGEST_TIME_MAX;
  tm.label = m->label;
  tm.is_response = m->in_reply_to != 0;
  tm.dropped = ingest_store_message_dropped (store, id);
  if (tm.from_lane != G_MAXUINT)
    lane_at (b, tm.from_lane)->sent++;
  b->n_messages++;
  if (b->aggregating && !(must_stay_visible (&tm) && b->tl->messages->len < b->max_items))
    {
      count_message (b, &tm);
      return;
    }
  g_array_append_val (b->tl->messages, tm);
  check_budget (b);
}

/* Returns the span's index + 1, or 0 when it was only counted. */
static guint
add_span (TimelineBuild *b, guint lane, IngestMessageId id, gint64 start, gint64 end, IngestAtom label)
{
  if (b->aggregating)
    {
      count_span (b, lane, start);
      return 0;
    }
  IngestTimelineSpan s = { lane, id, start, end, label };
  g_array_append_val (b->tl->spans, s);
  guint idx = b->tl->spans->len;
  check_budget (b);
  return b->aggregating ? 0 : idx;
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
depth_flush_bucket (LaneAcc *acc)
{
  if (!acc->have_bucket)
    return;
  g_array_append_val (acc->samples, acc->bmax);
  if (acc->blast.time_ns != acc->bmax.time_ns || acc->blast.depth != acc->bmax.depth)
    g_array_append_val (acc->samples, acc->blast);
  acc->have_bucket = FALSE;
}

static void
depth_thin_one (TimelineBuild *b, LaneAcc *acc, const IngestDepthSample *s)
{
  guint64 k = bucket_of (b, s->time_ns, N_BUCKETS);
  if (acc->have_bucket && k != acc->bucket)
    depth_flush_bucket (acc);
  if (!acc->have_bucket)
    {
      acc->have_bucket = TRUE;
      acc->bucket = k;
      acc->bmax = *s;
    }
  else if (s->depth > acc->bmax.depth)
    acc->bmax = *s;
  acc->blast = *s;
}

static void
depth_add (TimelineBuild *b, LaneAcc *acc, const IngestDepthSample *s)
{
  if (acc->samples == NULL)
    acc->samples = g_array_new (FALSE, FALSE, sizeof (IngestDepthSample));
  if (!acc->thinned && acc->samples->len < DEPTH_MAX)
    {
      g_array_append_val (acc->samples, *s);
      return;
    }
  if (!acc->thinned)
    {
      /* Too many for this lane: re-read what we have through the buckets. */
      GArray *raw = acc->samples;
      acc->samples = g_array_new (FALSE, FALSE, sizeof (IngestDepthSample));
      acc->thinned = TRUE;
      for (guint i = 0; i < raw->len; i++)
        depth_thin_one (b, acc, &g_array_index (raw, IngestDepthSample, i));
      g_array_unref (raw);
    }
  depth_thin_one (b, acc, s);
}

static void
note_depth (TimelineBuild *b, const IngestEvent *ev, const IngestMessage *m)
{
  gint64 depth;
  guint node = ingest_view_depth_note (&b->depth, &b->ctx, ev, m, &depth);
  if (node == G_MAXUINT)
    return;
  IngestDepthSample s = { node, ev->time_ns, depth };
  depth_add (b, lane_acc (b, node), &s);
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
        if (m->send_seq != INGEST_SEQ_NONE
            && ingest_view_time_of (store, m->send_seq) < b->ctx.from_ns)
          add_message (b, id, m);
        guint lane = ingest_view_node_for (&b->ctx, ev->actor);
        if (lane == G_MAXUINT)
          return;
        LaneAcc *acc = lane_acc (b, lane);
        if (m->span)
          lane_at (b, lane)->spans++;
        else
          lane_at (b, lane)->received++;
        if (m->send_seq != INGEST_SEQ_NONE && !m->until_ack)
          ingest_latency_hist_record (&acc->mailbox,
                                      ev->time_ns - ingest_view_time_of (store, m->send_seq));
        if (acc->open_span)
          {
            g_array_index (b->tl->spans, IngestTimelineSpan, acc->open_span - 1).end_ns = ev->time_ns;
            acc->open_span = 0;
          }
        if (m->done_seq != INGEST_SEQ_NONE)
          add_span (b, lane, id, ev->time_ns, ingest_view_time_of (store, m->done_seq), m->label);
        else if (ingest_store_actor_rec (store, ev->actor)->processed > 0)
          {
            acc->open_span = add_span (b, lane, id, ev->time_ns, INGEST_TIME_MAX, m->label);
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
        gint64 start = ingest_view_time_of (store, m->receive_seq);
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
    case INGEST_EVENT_ACK:
      /* the ack that takes a held message out of its queue: the queue's
       * time in queue and its depth change */
      if (m != NULL && m->until_ack && (ev->reserved & INGEST_EVENT_FLAG_DEPTH)
          && ingest_view_message_visible (&b->ctx, m))
        {
          guint lane = ingest_view_node_for (&b->ctx, m->to);
          if (lane != G_MAXUINT && m->send_seq != INGEST_SEQ_NONE)
            ingest_latency_hist_record (&lane_acc (b, lane)->mailbox,
                                        ev->time_ns - ingest_view_time_of (store, m->send_seq));
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
cmp_span (const void *a, const void *b)
{
  const IngestTimelineSpan *x = a, *y = b;
  if (x->start_ns != y->start_ns)
    return x->start_ns < y->start_ns ? -1 : 1;
  return x->lane < y->lane ? -1 : x->lane > y->lane;
}

/* Turns the fine per-pair counts into bins, merging adjacent buckets (by a
 * divisor of N_BUCKETS) when there are so many lane pairs that the bins
 * would outnumber 4 x max_items. */
static void
emit_bins (TimelineBuild *b, const guint *map)
{
  static const guint divisors[] = { 1, 2, 4, 5, 8, 10, 20, 25, 40, 50, 100, 200 };
  IngestTimeline *tl = b->tl;
  guint n_pairs = b->pairs->len;
  guint f = 1;

  for (guint i = 0; i < G_N_ELEMENTS (divisors); i++)
    {
      f = divisors[i];
      if ((guint64) n_pairs * (N_BUCKETS / f) <= 4 * (guint64) b->max_items)
        break;
    }
  guint64 span = (guint64) tl->to_ns - (guint64) tl->from_ns + 1;
  for (guint p = 0; p < n_pairs; p++)
    {
      PairBins *pb = b->pairs->pdata[p];
      for (guint k0 = 0; k0 < N_BUCKETS; k0 += f)
        {
          guint64 count = 0, spans = 0;
          IngestAtom label = 0;
          guint32 votes = 0;
          for (guint k = k0; k < k0 + f; k++)
            {
              count += pb->count[k];
              spans += pb->spans[k];
              if (pb->votes[k] > votes)
                {
                  label = pb->label[k];
                  votes = pb->votes[k];
                }
            }
          if (count == 0 && spans == 0)
            continue;
          IngestDensityBin bin = { 0 };
          bin.from_lane = ingest_view_remap (map, pb->from);
          bin.to_lane = ingest_view_remap (map, pb->to);
          bin.start_ns = (gint64) ((guint64) tl->from_ns + MIN (k0 * b->width, span - 1));
          bin.end_ns = (gint64) ((guint64) tl->from_ns + MIN ((k0 + f) * b->width, span));
          if (k0 + f >= N_BUCKETS)
            bin.end_ns = (gint64) ((guint64) tl->from_ns + span);
          bin.count = count;
          bin.spans = spans;
          bin.top_label = label;
          g_array_append_val (tl->bins, bin);
        }
    }
  g_array_sort (tl->bins, ingest_view_cmp_bin);
}

/* Whether an array is already in order (the usual case: the scan runs in
 * time order), to skip a sort. */
static gboolean
is_sorted (GArray *a, GCompareFunc cmp)
{
  for (guint i = 1; i < a->len; i++)
    if (cmp (a->data + (i - 1) * g_array_get_element_size (a), a->data + i * g_array_get_element_size (a)) > 0)
      return FALSE;
  return TRUE;
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
  b.max_items = spec && spec->max_items ? spec->max_items : INGEST_VIEW_DEFAULT_MAX_ITEMS;

  IngestTimeline *tl = ingest_view_timeline_new (store, b.ctx.from_ns, b.ctx.to_ns);
  b.tl = tl;
  b.lane_acc = g_array_new (FALSE, TRUE, sizeof (LaneAcc));
  b.pairs = g_ptr_array_new_with_free_func (g_free);
  b.pair_index = ingest_pair_table_new (NULL, NULL);
  b.width = ((guint64) tl->to_ns - (guint64) tl->from_ns) / N_BUCKETS + 1;
  ingest_view_depth_init (&b.depth, &b.ctx);

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
      if (acc->thinned)
        depth_flush_bucket (acc);
    }
  guint n_created = b.ctx.nodes->len;
  g_autofree guint *map = ingest_view_order_nodes (&b.ctx);
  tl->lanes = ingest_view_steal_nodes (&b.ctx);
  ingest_view_timeline_remap_lanes (tl, map);
  /* Depth: lanes in their final order, each lane's samples in time order. */
  g_autofree guint *new_to_old = g_new (guint, MAX (n_created, 1));
  for (guint i = 0; i < n_created; i++)
    new_to_old[map[i]] = i;
  for (guint l = 0; l < n_created; l++)
    {
      LaneAcc *acc = lane_acc (&b, new_to_old[l]);
      if (acc->samples == NULL)
        continue;
      for (guint i = 0; i < acc->samples->len; i++)
        {
          IngestDepthSample ds = g_array_index (acc->samples, IngestDepthSample, i);
          ds.lane = l;
          g_array_append_val (tl->depth, ds);
        }
    }

  if (!is_sorted (tl->messages, ingest_view_cmp_message))
    g_array_sort (tl->messages, ingest_view_cmp_message);
  if (!is_sorted (tl->spans, cmp_span))
    g_array_sort (tl->spans, cmp_span);
  tl->n_messages_total = b.n_messages;
  tl->aggregated = b.aggregating;
  if (b.aggregating)
    emit_bins (&b, map);
  ingest_view_timeline_thin_marks (tl, b.max_items);

  for (guint i = 0; i < b.lane_acc->len; i++)
    {
      LaneAcc *acc = &g_array_index (b.lane_acc, LaneAcc, i);
      ingest_latency_hist_clear (&acc->mailbox);
      ingest_latency_hist_clear (&acc->processing);
      if (acc->samples)
        g_array_unref (acc->samples);
    }
  g_array_unref (b.lane_acc);
  g_ptr_array_unref (b.pairs);
  g_hash_table_unref (b.pair_index);
  ingest_view_depth_clear (&b.depth);
  /* A filter over its matching budget stopped matching: the timeline is
   * incomplete. */
  gboolean ok = ingest_view_ctx_check (&b.ctx, error);
  ingest_view_ctx_clear (&b.ctx);
  if (!ok)
    {
      ingest_timeline_free (tl);
      return NULL;
    }
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
  ingest_view_strings_free (tl->strings);
  g_free (tl);
}

static GArray *
array_copy (const GArray *a, guint elt_size)
{
  GArray *copy = g_array_sized_new (FALSE, TRUE, elt_size, a != NULL ? a->len : 0);
  if (a != NULL)
    g_array_append_vals (copy, a->data, a->len);
  return copy;
}

IngestTimeline *
ingest_timeline_dup_detached (const IngestTimeline *tl)
{
  g_return_val_if_fail (tl != NULL, NULL);

  IngestTimeline *copy = g_new0 (IngestTimeline, 1);
  IngestStore *store = tl->store;

  copy->from_ns = tl->from_ns;
  copy->to_ns = tl->to_ns;
  copy->lanes = ingest_view_nodes_copy (tl->lanes);
  copy->messages = array_copy (tl->messages, sizeof (IngestTimelineMessage));
  copy->spans = array_copy (tl->spans, sizeof (IngestTimelineSpan));
  copy->marks = array_copy (tl->marks, sizeof (IngestTimelineMark));
  copy->bins = array_copy (tl->bins, sizeof (IngestDensityBin));
  copy->depth = array_copy (tl->depth, sizeof (IngestDepthSample));
  copy->n_messages_total = tl->n_messages_total;
  copy->aggregated = tl->aggregated;
  if (store == NULL)
    {
      copy->strings = ingest_view_strings_copy (tl->strings);
      return copy;
    }
  copy->strings = ingest_view_strings_new ();
  for (guint i = 0; i < copy->messages->len; i++)
    ingest_view_strings_add_atom (copy->strings, store,
                                  g_array_index (copy->messages, IngestTimelineMessage, i).label);
  for (guint i = 0; i < copy->spans->len; i++)
    ingest_view_strings_add_atom (copy->strings, store,
                                  g_array_index (copy->spans, IngestTimelineSpan, i).label);
  for (guint i = 0; i < copy->marks->len; i++)
    ingest_view_strings_add_atom (copy->strings, store,
                                  g_array_index (copy->marks, IngestTimelineMark, i).text);
  for (guint i = 0; copy->bins != NULL && i < copy->bins->len; i++)
    ingest_view_strings_add_atom (copy->strings, store,
                                  g_array_index (copy->bins, IngestDensityBin, i).top_label);
  return copy;
}

const char *
ingest_timeline_atom (const IngestTimeline *tl, IngestAtom atom)
{
  const char *s = NULL;

  g_return_val_if_fail (tl != NULL, "");
  if (atom == 0)
    return "";
  if (tl->store != NULL)
    s = ingest_store_atom (tl->store, atom);
  else if (tl->strings != NULL)
    s = ingest_view_strings_atom (tl->strings, atom);
  return s != NULL ? s : "";
}
