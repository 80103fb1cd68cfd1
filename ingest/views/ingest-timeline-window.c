/* ingest-timeline-window.c: the sliding-window timeline (see the header).
 *
 * Each event adds to the bucket of its time what the batch build's scan
 * would count for it (ingest-timeline.c): a visible SEND is a message of
 * its actor pair, a visible RECEIVE a span of its lane (when its DONE is
 * known or the actor reports DONEs), and so on. Two things depend on the
 * window start rather than on the event alone, and are kept as "late"
 * items on the earlier bucket:
 *  - a message received in a later bucket than it was sent: while its
 *    send bucket is in the window it is counted there; once that bucket
 *    leaves, the batch build counts it through its RECEIVE (the arrow
 *    enters from the left), so it moves to the receive bucket as a
 *    "carried" message, counted at the window start;
 *  - a span whose DONE is in a later bucket than its RECEIVE: likewise
 *    carried to the DONE's bucket.
 * Whether an actor reports DONEs is only known at the end (the batch build
 * asks the store), so receives without DONE at actors that had processed
 * nothing yet are counted apart (nospan) and become spans when the actor
 * has processed something by the time the timeline is assembled.
 */
#include "config.h"

#include <string.h>

#include "ingest-timeline-window.h"
#include "ingest-message-flags.h"
#include "ingest-pair.h"
#include "ingest-view-private.h"

/* Buckets per window (about): the batch build's 200 time buckets. */
#define N_TARGET 200
/* A gap of more than this many buckets (a jump in time) restarts the
 * bucket array rather than allocating every empty bucket in between. */
#define MAX_BUCKETS 4096

/* What was counted for one message (mflags). */
enum {
  M_SENT = 1 << 0,       /* its SEND is counted in a bucket */
  M_SPAN = 1 << 1,       /* its RECEIVE counted a span */
  M_NOSPAN = 1 << 2,     /* its RECEIVE counted a nospan (no DONE yet) */
  M_CAND = 1 << 3,       /* listed as a pending/dropped candidate */
};

typedef struct {
  guint64 sent, received, errors, crashes, dropped;
  guint64 spans, nospan;
  guint64 span_msgs;     /* spans begun (IngestMessage.span), not in received */
} ActorCounts;

typedef struct {
  IngestPairKey key;             /* (from, to), actor ids */
  guint64 count;
} PairCount;

typedef struct {
  IngestDepthSample max, last;   /* lane = persistent node index */
} DepthBucket;

/* One folded node's depth in a bucket's summary. */
typedef struct {
  guint pnode;                   /* persistent node index */
  DepthBucket db;
} DepthEntry;

/* One actor's counts in a bucket's summary. */
typedef struct {
  IngestActorId actor;
  ActorCounts c;
} ActorEntry;

enum { ITEM_MESSAGE, ITEM_SPAN };

typedef struct {
  guint8 kind;
  IngestActorId a, b;            /* message: from, to; span: lane actor, 0 */
  gint64 target;                 /* bucket index of the RECEIVE / DONE */
} LateItem;

/* Slots of a bucket's lookup caches (a power of two). */
#define BUCKET_CACHE_SLOTS 32

/* What a bucket's caches remember of one actor (direct-mapped by id):
 * whether it is in touched, and its counts. actor 0 = empty slot. */
typedef struct {
  IngestActorId actor;
  gboolean touched;
  ActorCounts *counts;           /* NULL = not looked up yet */
} ActorSlot;

typedef struct {
  IngestPairKey key;
  PairCount *count;              /* NULL = empty slot */
} PairSlot;

typedef struct {
  GArray *touched;               /* IngestActorId in first-touch order */
  GHashTable *touched_set;       /* actor ids in touched */
  GHashTable *actors;            /* actor id -> ActorCounts* */
  GHashTable *pairs;             /* &PairCount.key -> PairCount* (actor pair) */
  GHashTable *depth;             /* persistent node + 1 -> DepthBucket* */
  GArray *marks;                 /* IngestTimelineMark, lane = actor id or G_MAXUINT */
  GArray *candidates;            /* IngestMessageId, pending or dropped when seen */
  GArray *late;                  /* LateItem */
  GArray *carried;               /* LateItem whose earlier bucket left */
  guint64 n_messages, n_spans;   /* counted here (carried ones excluded) */
  /* The counts of pairs and actors as flat arrays (PairCount, ActorEntry,
   * in the tables' iteration order), what every snapshot reads. A bucket
   * changes only while events of its time arrive, so all but the newest
   * few keep theirs from frame to frame: a snapshot then reads 200
   * buckets' arrays instead of walking 200 hash tables (most of its
   * cost). NULL = stale: counts() and count_pair() clear them. */
  GArray *sum_pairs, *sum_actors, *sum_depth;
  /* Most events of a live window land in its newest bucket and name the
   * same few actors and pairs again and again (a SEND touches both ends,
   * counts the sender and the pair, then its depth sample touches the
   * receiver once more): these small caches in front of the hash tables
   * answer most of those lookups. Entries point into the tables, whose
   * values live as long as the bucket. */
  ActorSlot actor_cache[BUCKET_CACHE_SLOTS];
  PairSlot pair_cache[BUCKET_CACHE_SLOTS];
} Bucket;

struct _IngestTimelineWindow {
  IngestStore *store;
  char *actor_filter, *label_filter;
  char **groups;
  guint max_items;
  gboolean expand_threads;   /* IngestViewSpec.expand_threads */
  gint64 width;

  gboolean filled;
  gint64 from_ns;                /* bucket-aligned start */
  gint64 to_ns;                  /* INGEST_TIME_MAX, or the end of a snapshot */
  IngestSeq next_seq;
  IngestSeq first_seq;         /* the store's first event held when filled (retention) */

  /* Visibility, folding and mailbox depth, kept across rounds. */
  IngestViewCtx pctx;
  IngestViewDepth pdepth;
  gboolean have_ctx;

  gint64 base;                   /* bucket index of buckets[0] */
  GPtrArray *buckets;            /* Bucket* or NULL (empty) */
  IngestMessageFlags mflags;      /* per message id, bounded by the window */
  GError *failure;               /* a filter over its matching budget (sticky) */
};

gboolean
ingest_timeline_window_check (IngestTimelineWindow *w, GError **error)
{
  g_return_val_if_fail (w != NULL, FALSE);
  return ingest_view_failure_check (w->failure, error);
}

static void
bucket_free (gpointer data)
{
  Bucket *b = data;
  if (b == NULL)
    return;
  g_array_unref (b->touched);
  g_hash_table_unref (b->touched_set);
  g_hash_table_unref (b->actors);
  g_hash_table_unref (b->pairs);
  g_hash_table_unref (b->depth);
  g_array_unref (b->marks);
  g_array_unref (b->candidates);
  g_array_unref (b->late);
  g_array_unref (b->carried);
  g_clear_pointer (&b->sum_pairs, g_array_unref);
  g_clear_pointer (&b->sum_actors, g_array_unref);
  g_clear_pointer (&b->sum_depth, g_array_unref);
  g_free (b);
}

static Bucket *
bucket_new (void)
{
  Bucket *b = g_new0 (Bucket, 1);
  b->touched = g_array_new (FALSE, FALSE, sizeof (IngestActorId));
  b->touched_set = g_hash_table_new (g_direct_hash, g_direct_equal);
  b->actors = g_hash_table_new_full (g_direct_hash, g_direct_equal, NULL, g_free);
  b->pairs = ingest_pair_table_new (NULL, g_free);
  b->depth = g_hash_table_new_full (g_direct_hash, g_direct_equal, NULL, g_free);
  b->marks = g_array_new (FALSE, FALSE, sizeof (IngestTimelineMark));
  b->candidates = g_array_new (FALSE, FALSE, sizeof (IngestMessageId));
  b->late = g_array_new (FALSE, FALSE, sizeof (LateItem));
  b->carried = g_array_new (FALSE, FALSE, sizeof (LateItem));
  return b;
}

static gint64
bucket_index (const IngestTimelineWindow *w, gint64 t)
{
  /* Floor division, also for negative times. */
  gint64 q = t / w->width;
  if (t % w->width != 0 && t < 0)
    q--;
  return q;
}

/* The bucket of index k, created if needed; NULL when k is before the
 * window. */
static Bucket *
bucket_at (IngestTimelineWindow *w, gint64 k, gboolean create)
{
  if (k < w->base)
    return NULL;
  /* k >= base, so the unsigned difference is exact even when the signed
   * one would overflow (bucket indices of extreme trace times). */
  if ((guint64) k - (guint64) w->base >= MAX_BUCKETS)
    {
      if (!create)
        return NULL;
      /* A jump in time: keep only the buckets that can still be in a
       * window ending at k (the caller's window is about N_TARGET wide).
       * The array's free function frees the dropped buckets. */
      gint64 keep_from = k - 2 * N_TARGET;
      guint64 gap = (guint64) keep_from - (guint64) w->base;
      guint n_drop = (guint) MIN (gap, (guint64) w->buckets->len);
      g_ptr_array_remove_range (w->buckets, 0, n_drop);
      w->base += n_drop;
      if (w->buckets->len == 0)
        w->base = keep_from;
    }
  guint i = (guint) (k - w->base);
  if (i >= w->buckets->len)
    {
      if (!create)
        return NULL;
      g_ptr_array_set_size (w->buckets, i + 1);
    }
  if (w->buckets->pdata[i] == NULL && create)
    w->buckets->pdata[i] = bucket_new ();
  return w->buckets->pdata[i];
}

static guint8 *
mflag (IngestTimelineWindow *w, IngestMessageId id)
{
  return ingest_message_flags_at (&w->mflags, id);
}

/* A message's flags are read only while the bucket of its SEND (M_SENT,
 * M_CAND) or of its RECEIVE (M_SPAN, M_NOSPAN) is in the window: once
 * both left, the flags are stale and may go (ingest-message-flags.h). */
static gboolean
mflag_needed (IngestMessageId id, guint8 flags, gpointer user_data)
{
  IngestTimelineWindow *w = user_data;
  const IngestMessage *m = ingest_store_message (w->store, id);

  (void) flags;
  if (m == NULL)
    return FALSE;
  if (m->send_seq != INGEST_SEQ_NONE && bucket_index (w, ingest_view_time_of (w->store, m->send_seq)) >= w->base)
    return TRUE;
  return m->receive_seq != INGEST_SEQ_NONE
         && bucket_index (w, ingest_view_time_of (w->store, m->receive_seq)) >= w->base;
}

/* Grows the persistent context's per-actor arrays to the store's actors. */
static void
grow_actors (IngestTimelineWindow *w)
{
  guint n = ingest_store_n_actors (w->store);
  guint old = w->pctx.n_actors;
  if (n <= old)
    return;
  w->pctx.actor_match = g_renew (guint8, w->pctx.actor_match, n + 1);
  w->pctx.actor_node = g_renew (guint, w->pctx.actor_node, n + 1);
  w->pdepth.actor_depth = g_renew (gint64, w->pdepth.actor_depth, n + 1);
  for (guint i = old + 1; i <= n; i++)
    {
      w->pctx.actor_match[i] = 0;
      w->pctx.actor_node[i] = G_MAXUINT;
      w->pdepth.actor_depth[i] = -1;
    }
  w->pctx.n_actors = n;
}

static IngestViewSpec
make_spec (const IngestTimelineWindow *w, gint64 from_ns)
{
  IngestViewSpec spec = { 0 };
  spec.from_ns = from_ns;
  spec.to_ns = w->to_ns;
  spec.actor_filter = w->actor_filter;
  spec.label_filter = w->label_filter;
  spec.groups = (const char *const *) w->groups;
  spec.max_items = w->max_items;
  spec.expand_threads = w->expand_threads;
  return spec;
}

static gboolean
reset (IngestTimelineWindow *w, GError **error)
{
  g_ptr_array_set_size (w->buckets, 0);
  ingest_message_flags_reset (&w->mflags);
  if (w->have_ctx)
    {
      ingest_view_depth_clear (&w->pdepth);
      ingest_view_ctx_clear (&w->pctx);
      w->have_ctx = FALSE;
    }
  IngestViewSpec spec = make_spec (w, INGEST_TIME_MIN);
  if (!ingest_view_ctx_init (&w->pctx, w->store, &spec, error))
    {
      ingest_view_ctx_clear (&w->pctx);
      return FALSE;
    }
  ingest_view_depth_init (&w->pdepth, &w->pctx);
  w->have_ctx = TRUE;
  w->filled = FALSE;
  w->next_seq = 0;
  return TRUE;
}

IngestTimelineWindow *
ingest_timeline_window_new (IngestStore *store, const IngestViewSpec *spec, gint64 window_ns,
                            GError **error)
{
  g_return_val_if_fail (store != NULL, NULL);
  g_return_val_if_fail (window_ns > 0, NULL);
  g_autoptr(IngestTimelineWindow) w = g_new0 (IngestTimelineWindow, 1);

  w->store = store;
  if (spec != NULL)
    {
      w->actor_filter = g_strdup (spec->actor_filter);
      w->label_filter = g_strdup (spec->label_filter);
      w->groups = g_strdupv ((char **) spec->groups);
      w->max_items = spec->max_items;
      w->expand_threads = spec->expand_threads;
    }
  if (w->max_items == 0)
    w->max_items = INGEST_VIEW_DEFAULT_MAX_ITEMS;

  /* A 1-2-5 step at least window / N_TARGET. */
  gint64 want = MAX (window_ns / N_TARGET, 1);
  gint64 step = 1;
  while (step < want)
    {
      if (step * 2 >= want)
        {
          step *= 2;
          break;
        }
      if (step * 5 >= want)
        {
          step *= 5;
          break;
        }
      step *= 10;
    }
  w->width = step;
  w->buckets = g_ptr_array_new_with_free_func (bucket_free);
  ingest_message_flags_init (&w->mflags);
  w->from_ns = INGEST_TIME_MIN;
  w->to_ns = INGEST_TIME_MAX;
  if (!reset (w, error))
    return NULL;
  return g_steal_pointer (&w);
}

void
ingest_timeline_window_free (IngestTimelineWindow *w)
{
  if (w == NULL)
    return;
  if (w->have_ctx)
    {
      ingest_view_depth_clear (&w->pdepth);
      ingest_view_ctx_clear (&w->pctx);
    }
  if (w->buckets)
    g_ptr_array_unref (w->buckets);
  if (w->mflags.dense != NULL)
    ingest_message_flags_clear (&w->mflags);
  g_free (w->actor_filter);
  g_free (w->label_filter);
  g_strfreev (w->groups);
  g_clear_error (&w->failure);
  g_free (w);
}

/* a's slot in b's actor cache, taken over for a if another actor had it. */
static ActorSlot *
actor_slot (Bucket *b, IngestActorId a)
{
  ActorSlot *slot = &b->actor_cache[a & (BUCKET_CACHE_SLOTS - 1)];
  if (slot->actor != a)
    {
      slot->actor = a;
      slot->touched = FALSE;
      slot->counts = NULL;
    }
  return slot;
}

static void
touch (Bucket *b, IngestActorId a)
{
  if (a == 0)
    return;
  ActorSlot *slot = actor_slot (b, a);
  if (slot->touched)
    return;
  if (g_hash_table_add (b->touched_set, GUINT_TO_POINTER (a)))
    g_array_append_val (b->touched, a);
  slot->touched = TRUE;
}

/* The bucket's counts are about to change: its summary is stale. */
static inline void
summary_stale (Bucket *b)
{
  if (G_UNLIKELY (b->sum_pairs != NULL))
    {
      g_clear_pointer (&b->sum_pairs, g_array_unref);
      g_clear_pointer (&b->sum_actors, g_array_unref);
      g_clear_pointer (&b->sum_depth, g_array_unref);
    }
}

/* The bucket's summary, made if stale. */
static void
summary_make (Bucket *b)
{
  GHashTableIter it;
  gpointer k, v;

  if (b->sum_pairs != NULL)
    return;
  b->sum_pairs = g_array_sized_new (FALSE, FALSE, sizeof (PairCount), g_hash_table_size (b->pairs));
  b->sum_actors = g_array_sized_new (FALSE, FALSE, sizeof (ActorEntry), g_hash_table_size (b->actors));
  g_hash_table_iter_init (&it, b->pairs);
  while (g_hash_table_iter_next (&it, &k, &v))
    g_array_append_val (b->sum_pairs, *(PairCount *) v);
  g_hash_table_iter_init (&it, b->actors);
  while (g_hash_table_iter_next (&it, &k, &v))
    {
      ActorEntry e = { GPOINTER_TO_UINT (k), *(ActorCounts *) v };
      g_array_append_val (b->sum_actors, e);
    }
  b->sum_depth = g_array_sized_new (FALSE, FALSE, sizeof (DepthEntry), g_hash_table_size (b->depth));
  g_hash_table_iter_init (&it, b->depth);
  while (g_hash_table_iter_next (&it, &k, &v))
    {
      DepthEntry e = { GPOINTER_TO_UINT (k) - 1, *(DepthBucket *) v };
      g_array_append_val (b->sum_depth, e);
    }
}

static ActorCounts *
counts (Bucket *b, IngestActorId a)
{
  ActorSlot *slot = a != 0 ? actor_slot (b, a) : NULL;
  summary_stale (b);
  if (slot != NULL && slot->counts != NULL)
    return slot->counts;
  ActorCounts *c = g_hash_table_lookup (b->actors, GUINT_TO_POINTER (a));
  if (c == NULL)
    {
      c = g_new0 (ActorCounts, 1);
      g_hash_table_insert (b->actors, GUINT_TO_POINTER (a), c);
    }
  if (slot != NULL)
    slot->counts = c;
  return c;
}

static void
count_pair (Bucket *b, IngestActorId from, IngestActorId to)
{
  IngestPairKey key = ingest_pair_key (from, to);
  PairSlot *slot = &b->pair_cache[(from * 7u + to) & (BUCKET_CACHE_SLOTS - 1)];
  summary_stale (b);
  PairCount *pc = slot->count != NULL && slot->key == key ? slot->count : NULL;
  if (pc == NULL)
    pc = g_hash_table_lookup (b->pairs, &key);
  if (pc == NULL)
    {
      pc = g_new0 (PairCount, 1);
      pc->key = key;
      g_hash_table_insert (b->pairs, &pc->key, pc);
    }
  slot->key = key;
  slot->count = pc;
  pc->count++;
}

static void
note_depth (IngestTimelineWindow *w, Bucket *b, const IngestEvent *ev, const IngestMessage *m)
{
  gint64 d;
  guint node = ingest_view_depth_note (&w->pdepth, &w->pctx, ev, m, &d);
  if (node == G_MAXUINT || b == NULL)
    return;
  touch (b, m->to);
  summary_stale (b);
  IngestDepthSample s = { node, ev->time_ns, d };
  DepthBucket *db = g_hash_table_lookup (b->depth, GUINT_TO_POINTER (node + 1));
  if (db == NULL)
    {
      db = g_new (DepthBucket, 1);
      db->max = db->last = s;
      g_hash_table_insert (b->depth, GUINT_TO_POINTER (node + 1), db);
      return;
    }
  if (s.depth > db->max.depth)
    db->max = s;
  db->last = s;
}

static void
add_mark (Bucket *b, const IngestEvent *ev, guint lane_actor)
{
  IngestTimelineMark mk = { 0 };
  mk.lane = lane_actor;
  mk.time_ns = ev->time_ns;
  mk.kind = (IngestEventKind) ev->kind;
  mk.exit_status = (IngestExitStatus) ev->exit_status;
  mk.text = ev->text;
  g_array_append_val (b->marks, mk);
}

/* Adds id to its send bucket's candidates (pending or dropped messages),
 * bounded per bucket: past the bound, candidates no longer pending nor
 * dropped are dropped first. */
static void
add_candidate (IngestTimelineWindow *w, Bucket *sb, IngestMessageId id)
{
  guint8 *f = mflag (w, id);
  if (*f & M_CAND)
    return;
  if (sb->candidates->len >= 4 * w->max_items)
    {
      guint k = 0;
      for (guint i = 0; i < sb->candidates->len; i++)
        {
          IngestMessageId c = g_array_index (sb->candidates, IngestMessageId, i);
          const IngestMessage *cm = ingest_store_message (w->store, c);
          if (cm->receive_seq == INGEST_SEQ_NONE || ingest_store_message_dropped (w->store, c))
            g_array_index (sb->candidates, IngestMessageId, k++) = c;
          else
            *mflag (w, c) &= ~M_CAND;
        }
      g_array_set_size (sb->candidates, k);
      if (k >= 4 * w->max_items)
        return;
    }
  *f |= M_CAND;
  g_array_append_val (sb->candidates, id);
}

static void
consume (IngestTimelineWindow *w, const IngestEvent *ev)
{
  IngestStore *store = w->store;
  IngestViewCtx *ctx = &w->pctx;
  IngestMessageId id = ev->message;
  const IngestMessage *m = id ? ingest_store_message (store, id) : NULL;
  gint64 k = bucket_index (w, ev->time_ns);
  Bucket *b = bucket_at (w, k, TRUE);

  switch (ev->kind)
    {
    case INGEST_EVENT_SEND:
      if (m == NULL || !ingest_view_message_visible (ctx, m))
        return;
      if (b != NULL)
        {
          touch (b, m->from);
          touch (b, m->to);
          count_pair (b, m->from, m->to);
          b->n_messages++;
          if (m->from != 0 && m->from <= ctx->n_actors)
            counts (b, m->from)->sent++;
          *mflag (w, id) |= M_SENT;
          if (m->receive_seq == INGEST_SEQ_NONE || ingest_store_message_dropped (store, id))
            add_candidate (w, b, id);
        }
      note_depth (w, b, ev, m);
      break;
    case INGEST_EVENT_RECEIVE:
      {
        if (m == NULL || !ingest_view_message_visible (ctx, m))
          return;
        if (b != NULL && m->send_seq != INGEST_SEQ_NONE)
          {
            gint64 ks = bucket_index (w, ingest_view_time_of (store, m->send_seq));
            if (ks < k)
              {
                touch (b, m->from);
                touch (b, m->to);
                LateItem it = { ITEM_MESSAGE, m->from, m->to, k };
                Bucket *sb = bucket_at (w, ks, FALSE);
                if (sb != NULL && (*mflag (w, id) & M_SENT))
                  g_array_append_val (sb->late, it);
                else if (ks < w->base)
                  g_array_append_val (b->carried, it);
              }
          }
        if (ingest_view_node_for (ctx, ev->actor) == G_MAXUINT)
          return;
        if (b != NULL)
          {
            touch (b, ev->actor);
            ActorCounts *c = counts (b, ev->actor);
            if (m->span)
              c->span_msgs++;
            else
              c->received++;
            if (m->done_seq != INGEST_SEQ_NONE
                || ingest_store_actor_rec (store, ev->actor)->processed > 0)
              {
                c->spans++;
                b->n_spans++;
                *mflag (w, id) |= M_SPAN;
              }
            else
              {
                c->nospan++;
                *mflag (w, id) |= M_NOSPAN;
              }
          }
        note_depth (w, b, ev, m);
      }
      break;
    case INGEST_EVENT_DONE:
      {
        if (m == NULL || !ingest_view_message_visible (ctx, m))
          return;
        if (ingest_view_node_for (ctx, ev->actor) == G_MAXUINT || m->receive_seq == INGEST_SEQ_NONE)
          return;
        if (b != NULL)
          touch (b, ev->actor);
        const IngestEvent *rev = ingest_store_event (store, m->receive_seq);
        if (rev == NULL)
          return; /* its RECEIVE was retained away: no span to complete */
        gint64 kr = bucket_index (w, rev->time_ns);
        Bucket *rb = bucket_at (w, kr, FALSE);
        guint8 *f = mflag (w, id);
        if (rb != NULL && (*f & M_NOSPAN))
          {
            /* The RECEIVE counted no span for want of a DONE: now it has one. */
            ActorCounts *c = counts (rb, rev->actor);
            if (c->nospan > 0)
              c->nospan--;
            c->spans++;
            rb->n_spans++;
            *f = (guint8) ((*f & ~M_NOSPAN) | M_SPAN);
          }
        if (b != NULL && kr < k)
          {
            LateItem it = { ITEM_SPAN, ev->actor, 0, k };
            if (rb != NULL && (*f & M_SPAN))
              g_array_append_val (rb->late, it);
            else if (kr < w->base)
              g_array_append_val (b->carried, it);
          }
      }
      break;
    case INGEST_EVENT_DROP:
      {
        if (m != NULL ? !ingest_view_message_visible (ctx, m)
                      : !ingest_view_actor_matches (ctx, ev->actor))
          return;
        if (ingest_view_node_for (ctx, ev->actor) == G_MAXUINT)
          return;
        if (b != NULL)
          {
            touch (b, ev->actor);
            ActorCounts *c = counts (b, ev->actor);
            c->dropped++;
            c->errors++;
            add_mark (b, ev, ev->actor);
          }
        if (m != NULL)
          {
            if (m->send_seq != INGEST_SEQ_NONE && (*mflag (w, id) & M_SENT))
              {
                Bucket *sb = bucket_at (w, bucket_index (w, ingest_view_time_of (store, m->send_seq)), FALSE);
                if (sb != NULL)
                  add_candidate (w, sb, id);
              }
            note_depth (w, b, ev, m);
          }
      }
      break;
    case INGEST_EVENT_MARK:
    case INGEST_EVENT_SPAWN:
    case INGEST_EVENT_EXIT:
      {
        if (b == NULL)
          return;
        if (ev->actor == 0)
          {
            if (ev->kind == INGEST_EVENT_MARK)
              add_mark (b, ev, G_MAXUINT);
            return;
          }
        if (!ingest_view_actor_matches (ctx, ev->actor))
          return;
        touch (b, ev->actor);
        ActorCounts *c = counts (b, ev->actor);
        if (ev->kind == INGEST_EVENT_EXIT && ev->exit_status == INGEST_EXIT_CRASH)
          {
            c->crashes++;
            c->errors++;
          }
        if (ev->kind == INGEST_EVENT_MARK
            && g_ascii_strncasecmp (ingest_store_atom (store, ev->text), "error", 5) == 0)
          c->errors++;
        add_mark (b, ev, ev->actor);
      }
      break;
    default:
      break;
    }
}

/* Drops the first bucket: its late items whose later event is still in the
 * window become carried items of that later bucket. */
static void
drop_first (IngestTimelineWindow *w)
{
  Bucket *b = w->buckets->pdata[0];
  w->buckets->pdata[0] = NULL;
  g_ptr_array_remove_index (w->buckets, 0);
  w->base++;
  if (b == NULL)
    return;
  for (guint i = 0; i < b->late->len; i++)
    {
      LateItem *it = &g_array_index (b->late, LateItem, i);
      Bucket *tb = bucket_at (w, it->target, FALSE);
      if (tb != NULL)
        g_array_append_val (tb->carried, *it);
    }
  bucket_free (b);
}

/* First fill: the window's events from the time index, up to to_ns. */
static void
fill (IngestTimelineWindow *w, gint64 b0)
{
  IngestStore *store = w->store;
  w->base = b0;
  gsize begin = ingest_store_time_lower_bound (store, w->from_ns);
  gsize end = w->to_ns == INGEST_TIME_MAX ? (gsize) ingest_store_n_events (store)
                                          : ingest_store_time_lower_bound (store, w->to_ns + 1);
  gint64 newest = INGEST_TIME_MIN;
  for (gsize pos = begin; pos < end; pos++)
    {
      const IngestEvent *ev = ingest_store_event (store, ingest_store_time_seq (store, pos));
      consume (w, ev);
      newest = ev->time_ns;
    }
  ingest_message_flags_mark (&w->mflags, newest);
  w->next_seq = ingest_store_n_events (store);
  w->first_seq = ingest_store_first_seq (store);
  w->filled = TRUE;
}

void
ingest_timeline_window_fill_snapshot (IngestTimelineWindow *w, gint64 from_ns, gint64 to_ns)
{
  g_return_if_fail (w != NULL);
  g_return_if_fail (!w->filled);
  gint64 tmin, tmax;

  w->to_ns = to_ns;
  if (!ingest_store_time_range (w->store, &tmin, &tmax))
    {
      w->from_ns = from_ns == INGEST_TIME_MIN ? 0 : bucket_index (w, from_ns) * w->width;
      return;
    }
  gint64 b0 = bucket_index (w, MAX (from_ns, tmin));
  w->from_ns = b0 * w->width;
  grow_actors (w);
  fill (w, b0);
}

static void advance (IngestTimelineWindow *w, gint64 from_ns, gint64 tmin);

void
ingest_timeline_window_advance (IngestTimelineWindow *w, gint64 from_ns)
{
  g_return_if_fail (w != NULL);
  g_return_if_fail (w->to_ns == INGEST_TIME_MAX);
  IngestStore *store = w->store;
  gint64 tmin, tmax;

  /* A window whose filter failed does no more matching work. */
  if (w->failure != NULL)
    return;
  if (!ingest_store_time_range (store, &tmin, &tmax))
    {
      w->from_ns = from_ns == INGEST_TIME_MIN ? 0 : bucket_index (w, from_ns) * w->width;
      return;
    }
  ingest_view_ctx_reset_budget (&w->pctx);
  advance (w, from_ns, tmin);
  if (w->failure == NULL)
    ingest_view_ctx_check (&w->pctx, &w->failure);
}

static void
advance (IngestTimelineWindow *w, gint64 from_ns, gint64 tmin)
{
  IngestStore *store = w->store;
  gint64 b0 = bucket_index (w, MAX (from_ns, tmin));
  /* Retention dropped events the buckets hold: start again from what is
   * held. */
  if (w->filled && (b0 < w->base || ingest_store_first_seq (store) != w->first_seq))
    {
      GError *error = NULL;
      /* The filters compiled once already: reset can't fail here. */
      if (!reset (w, &error))
        g_clear_error (&error);
    }
  w->from_ns = b0 * w->width;
  grow_actors (w);
  if (!w->filled)
    {
      fill (w, b0);
      return;
    }
  while (w->base < b0 && w->buckets->len > 0)
    drop_first (w);
  if (w->base < b0)
    w->base = b0;
  guint64 n = ingest_store_n_events (store);
  gint64 newest = INGEST_TIME_MIN;
  for (IngestSeq seq = w->next_seq; seq < n; seq++)
    {
      const IngestEvent *ev = ingest_store_event (store, seq);
      consume (w, ev);
      newest = MAX (newest, ev->time_ns);
    }
  w->next_seq = n;
  /* Events appended meanwhile with times before the start made no bucket. */
  while (w->base < b0 && w->buckets->len > 0)
    drop_first (w);
  /* The flags of messages first seen before the start go (bounded memory). */
  ingest_message_flags_mark (&w->mflags, newest);
  ingest_message_flags_trim (&w->mflags, w->base * w->width, mflag_needed, w);
}

gint64
ingest_timeline_window_get_from (const IngestTimelineWindow *w)
{
  return w->from_ns;
}

gint64
ingest_timeline_window_get_bucket_width (const IngestTimelineWindow *w)
{
  return w->width;
}

/* ---- assembling the timeline ------------------------------------------ */

typedef struct {
  guint from, to;                /* lane creation indexes */
  guint64 *count, *spans;        /* per window bucket */
} PairRow;

static int
cmp_mark_time (const void *a, const void *b)
{
  const IngestTimelineMark *x = a, *y = b;
  return x->time_ns < y->time_ns ? -1 : x->time_ns > y->time_ns;
}

#define ROW_CACHE_SLOTS 1024

typedef struct {
  IngestTimelineWindow *w;
  IngestViewCtx *ctx;
  guint nb;
  GHashTable *rows;              /* IngestPairKey* (from, to) lanes -> PairRow* */
  GPtrArray *row_list;
  /* Direct-mapped by lane pair in front of rows: a snapshot looks a row
   * up for every pair of every bucket, for a few hundred rows. */
  PairRow *row_cache[ROW_CACHE_SLOTS];
} Assembly;

static void
pair_row_free (gpointer data)
{
  PairRow *r = data;
  g_free (r->count);
  g_free (r->spans);
  g_free (r);
}

static PairRow *
row_for (Assembly *a, guint from, guint to)
{
  PairRow **slot = &a->row_cache[(from * 31u + to) & (ROW_CACHE_SLOTS - 1)];
  if (*slot != NULL && (*slot)->from == from && (*slot)->to == to)
    return *slot;
  IngestPairKey key = ingest_pair_key (from, to);
  PairRow *r = g_hash_table_lookup (a->rows, &key);
  if (r == NULL)
    {
      r = g_new0 (PairRow, 1);
      r->from = from;
      r->to = to;
      r->count = g_new0 (guint64, a->nb);
      r->spans = g_new0 (guint64, a->nb);
      g_ptr_array_add (a->row_list, r);
      g_hash_table_insert (a->rows, ingest_pair_key_dup (key), r);
    }
  *slot = r;
  return r;
}

static guint
lane_of (IngestViewCtx *ctx, IngestActorId a)
{
  return ingest_view_node_for (ctx, a);
}

/* The batch build of spec; when a filter goes over its matching budget,
 * an empty timeline, the failure kept for ingest_timeline_window_check(). */
static IngestTimeline *
batch_build (IngestTimelineWindow *w, const IngestViewSpec *spec)
{
  GError *error = NULL;
  IngestTimeline *tl = ingest_timeline_build (w->store, spec, &error);

  if (tl != NULL)
    return tl;
  if (w->failure == NULL)
    w->failure = error;
  else
    g_error_free (error);
  return ingest_view_timeline_new (w->store, w->from_ns, w->from_ns);
}

IngestTimeline *
ingest_timeline_window_dup_timeline (IngestTimelineWindow *w)
{
  g_return_val_if_fail (w != NULL, NULL);
  IngestStore *store = w->store;
  IngestViewSpec spec = make_spec (w, w->from_ns);
  guint64 n_messages = 0, n_spans = 0;

  /* Totals first: a window within the level of detail is small, and the
   * batch build gives it exactly (every message and span). */
  for (guint i = 0; i < w->buckets->len; i++)
    {
      Bucket *b = w->buckets->pdata[i];
      if (b == NULL)
        continue;
      n_messages += b->n_messages;
      n_spans += b->n_spans;
      for (guint j = 0; j < b->carried->len; j++)
        {
          if (g_array_index (b->carried, LateItem, j).kind == ITEM_MESSAGE)
            n_messages++;
          else
            n_spans++;
        }
      summary_make (b);
      for (guint j = 0; j < b->sum_actors->len; j++)
        {
          const ActorEntry *e = &g_array_index (b->sum_actors, ActorEntry, j);
          if (e->c.nospan > 0 && ingest_store_actor_rec (store, e->actor)->processed > 0)
            n_spans += e->c.nospan;
        }
    }
  /* ... unless nothing in it matched: then the batch build would scan
   * every event of the window (a second of a busy service is 200,000
   * events) every frame to find nothing, and the buckets already hold all
   * there is (lanes, marks, drops). */
  if (!w->filled || (n_messages + n_spans <= w->max_items && n_messages + n_spans > 0))
    return batch_build (w, &spec);

  IngestViewCtx ctx;
  if (!ingest_view_ctx_init (&ctx, store, &spec, NULL))
    {
      ingest_view_ctx_clear (&ctx);
      return batch_build (w, &spec);
    }
  IngestTimeline *tl = ingest_view_timeline_new (store, ctx.from_ns, ctx.to_ns);
  tl->aggregated = n_messages + n_spans > 0; /* nothing to aggregate otherwise */
  tl->n_messages_total = n_messages;

  Assembly a = { w, &ctx, MAX (w->buckets->len, 1), NULL, NULL };
  a.rows = ingest_pair_table_new (g_free, NULL);
  a.row_list = g_ptr_array_new_with_free_func (pair_row_free);
  /* Depth samples, lane = creation index, in bucket (time) order; one
   * array sized once, spread by lane at the end. */
  guint n_depth = 0;
  for (guint i = 0; i < w->buckets->len; i++)
    if (w->buckets->pdata[i] != NULL)
      n_depth += 2 * ((Bucket *) w->buckets->pdata[i])->sum_depth->len;
  GArray *all_depth = g_array_sized_new (FALSE, FALSE, sizeof (IngestDepthSample), n_depth);

  /* Lanes in the order the batch scan would create them. */
  for (guint i = 0; i < w->buckets->len; i++)
    {
      Bucket *b = w->buckets->pdata[i];
      if (b == NULL)
        continue;
      for (guint j = 0; j < b->touched->len; j++)
        lane_of (&ctx, g_array_index (b->touched, IngestActorId, j));
    }

  for (guint i = 0; i < w->buckets->len; i++)
    {
      Bucket *b = w->buckets->pdata[i];
      if (b == NULL)
        continue;
      /* Made by the totals loop above: nothing changed the bucket since. */
      for (guint j = 0; j < b->sum_pairs->len; j++)
        {
          const PairCount *pc = &g_array_index (b->sum_pairs, PairCount, j);
          guint from = lane_of (&ctx, ingest_pair_key_first (pc->key));
          guint to = lane_of (&ctx, ingest_pair_key_second (pc->key));
          row_for (&a, from, to)->count[i] += pc->count;
        }
      for (guint j = 0; j < b->sum_actors->len; j++)
        {
          IngestActorId actor = g_array_index (b->sum_actors, ActorEntry, j).actor;
          const ActorCounts *c = &g_array_index (b->sum_actors, ActorEntry, j).c;
          guint lane = lane_of (&ctx, actor);
          if (lane == G_MAXUINT)
            continue;
          IngestViewNode *n = ingest_view_node_at (&ctx, lane);
          n->sent += c->sent;
          n->received += c->received;
          n->spans += c->span_msgs;
          n->errors += c->errors;
          n->crashes += c->crashes;
          n->dropped += c->dropped;
          guint64 spans = c->spans;
          if (c->nospan > 0 && ingest_store_actor_rec (store, actor)->processed > 0)
            spans += c->nospan;
          if (spans > 0)
            row_for (&a, lane, lane)->spans[i] += spans;
        }
      for (guint j = 0; j < b->carried->len; j++)
        {
          LateItem *it2 = &g_array_index (b->carried, LateItem, j);
          guint la = lane_of (&ctx, it2->a);
          if (it2->kind == ITEM_MESSAGE)
            {
              guint lb = lane_of (&ctx, it2->b);
              row_for (&a, la, lb)->count[0]++;
              if (la != G_MAXUINT)
                ingest_view_node_at (&ctx, la)->sent++;
            }
          else if (la != G_MAXUINT)
            row_for (&a, la, la)->spans[0]++;
        }
      for (guint j = 0; j < b->sum_depth->len; j++)
        {
          const DepthBucket *db = &g_array_index (b->sum_depth, DepthEntry, j).db;
          guint pnode = g_array_index (b->sum_depth, DepthEntry, j).pnode;
          guint lane = lane_of (&ctx, ingest_view_node_at (&w->pctx, pnode)->actor);
          if (lane == G_MAXUINT)
            continue;
          IngestDepthSample ds = db->max;
          ds.lane = lane;
          g_array_append_val (all_depth, ds);
          if (db->last.time_ns != db->max.time_ns || db->last.depth != db->max.depth)
            {
              ds = db->last;
              ds.lane = lane;
              g_array_append_val (all_depth, ds);
            }
          IngestViewNode *n = ingest_view_node_at (&ctx, lane);
          n->mailbox_depth_max = MAX (n->mailbox_depth_max, db->max.depth);
        }
      for (guint j = 0; j < b->marks->len; j++)
        {
          IngestTimelineMark mk = g_array_index (b->marks, IngestTimelineMark, j);
          mk.lane = mk.lane == G_MAXUINT ? G_MAXUINT : lane_of (&ctx, mk.lane);
          g_array_append_val (tl->marks, mk);
        }
      /* Pending and dropped messages stay visible (up to max_items); they
       * leave the counts. Candidates received since are forgotten. */
      guint keep = 0;
      for (guint j = 0; j < b->candidates->len; j++)
        {
          IngestMessageId id = g_array_index (b->candidates, IngestMessageId, j);
          const IngestMessage *m = ingest_store_message (store, id);
          gboolean dropped = ingest_store_message_dropped (store, id);
          if (m->receive_seq != INGEST_SEQ_NONE && !dropped)
            {
              *mflag (w, id) &= ~M_CAND;
              continue;
            }
          g_array_index (b->candidates, IngestMessageId, keep++) = id;
          if (tl->messages->len >= w->max_items)
            continue;
          IngestTimelineMessage tm = { 0 };
          tm.message = id;
          tm.from_lane = lane_of (&ctx, m->from);
          tm.to_lane = lane_of (&ctx, m->to);
          tm.send_ns = ingest_view_time_of (store, m->send_seq);
          tm.receive_ns = m->receive_seq != INGEST_SEQ_NONE
            ? ingest_view_time_of (store, m->receive_seq) : INGEST_TIME_MAX;
          tm.label = m->label;
          tm.is_response = m->in_reply_to != 0;
          tm.dropped = dropped;
          PairRow *r = row_for (&a, tm.from_lane, tm.to_lane);
          if (r->count[i] == 0)
            continue; /* counted under other lanes (receiver learnt late) */
          r->count[i]--;
          g_array_append_val (tl->messages, tm);
        }
      g_array_set_size (b->candidates, keep);
    }

  /* Lanes in hierarchy order; every index remapped. */
  guint n_created = ctx.nodes->len;
  g_autofree guint *map = ingest_view_order_nodes (&ctx);
  tl->lanes = ingest_view_steal_nodes (&ctx);
  ingest_view_timeline_remap_lanes (tl, map); /* no spans here: bins hold them */
  g_array_sort (tl->messages, ingest_view_cmp_message);
  g_array_sort (tl->marks, cmp_mark_time);
  ingest_view_timeline_thin_marks (tl, w->max_items);
  /* Depth samples by lane (hierarchy order), each lane's in time order:
   * a stable counting sort of all_depth. */
  g_autofree guint *at = g_new0 (guint, n_created + 1);
  for (guint i = 0; i < all_depth->len; i++)
    at[map[g_array_index (all_depth, IngestDepthSample, i).lane] + 1]++;
  for (guint l = 0; l < n_created; l++)
    at[l + 1] += at[l];
  guint depth0 = tl->depth->len;
  g_array_set_size (tl->depth, depth0 + all_depth->len);
  for (guint i = 0; i < all_depth->len; i++)
    {
      IngestDepthSample s = g_array_index (all_depth, IngestDepthSample, i);
      s.lane = map[s.lane];
      g_array_index (tl->depth, IngestDepthSample, depth0 + at[s.lane]++) = s;
    }

  /* Bins: merge f adjacent buckets when pairs x buckets would pass
   * 4 x max_items, like the batch build. */
  guint nb = a.nb, f = 1;
  while ((guint64) a.row_list->len * ((nb + f - 1) / f) > 4 * (guint64) w->max_items && f < nb)
    f = f < 5 ? f + 1 : f * 2;
  /* Room for every bin at once (a reserve: set_size keeps the storage):
   * grown by doubling, the copies and fresh pages cost more than the
   * bins themselves. */
  guint bins0 = tl->bins->len;
  g_array_set_size (tl->bins, bins0 + MIN ((guint64) a.row_list->len * ((nb + f - 1) / f),
                                           4 * (guint64) w->max_items + a.row_list->len));
  g_array_set_size (tl->bins, bins0);
  for (guint p = 0; p < a.row_list->len; p++)
    {
      PairRow *r = a.row_list->pdata[p];
      for (guint k0 = 0; k0 < nb; k0 += f)
        {
          guint64 count = 0, spans = 0;
          for (guint k = k0; k < MIN (k0 + f, nb); k++)
            {
              count += r->count[k];
              spans += r->spans[k];
            }
          if (count == 0 && spans == 0)
            continue;
          IngestDensityBin bin = { 0 };
          bin.from_lane = ingest_view_remap (map, r->from);
          bin.to_lane = ingest_view_remap (map, r->to);
          bin.start_ns = MAX ((w->base + (gint64) k0) * w->width, tl->from_ns);
          bin.end_ns = MIN ((w->base + (gint64) MIN (k0 + f, nb)) * w->width, tl->to_ns + 1);
          bin.end_ns = MAX (bin.end_ns, bin.start_ns + 1);
          bin.count = count;
          bin.spans = spans;
          g_array_append_val (tl->bins, bin);
        }
    }
  g_array_sort (tl->bins, ingest_view_cmp_bin);

  g_array_unref (all_depth);
  g_ptr_array_unref (a.row_list);
  g_hash_table_unref (a.rows);
  if (w->failure == NULL)
    ingest_view_ctx_check (&ctx, &w->failure);
  ingest_view_ctx_clear (&ctx);
  return tl;
}
