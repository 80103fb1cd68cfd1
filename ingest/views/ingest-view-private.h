/* ingest-view-private.h: what the graph and timeline builders share: the
 * window, the compiled filters and groups, and the actor -> node mapping with
 * its hierarchy order. Internal to ingest/. */
#pragma once

#include <string.h>

#include "ingest-matcher.h"
#include "ingest-view.h"
#include "ingest-store-private.h"

G_BEGIN_DECLS

#define INGEST_VIEW_DEFAULT_MAX_ITEMS 4000

typedef struct {
  IngestStore *store;
  gint64 from_ns, to_ns;       /* effective window, inclusive */
  gboolean empty;              /* no event can fall in the window */
  IngestMatcher *actor_filter; /* NULL = all */
  IngestMatcher *label_filter; /* NULL = all */
  GPtrArray *groups;           /* IngestMatcher* */
  char **group_names;          /* the group patterns, owned */
  guint n_actors;              /* actors known when the view started */
  guint8 *actor_match;         /* per actor id: 0 unknown, 1 matches, 2 doesn't */
  guint *actor_node;           /* per actor id: node index, G_MAXUINT = none yet */
  guint *group_node;           /* per group: node index, G_MAXUINT = none yet */
  GHashTable *label_ok;        /* atom -> 1 matches / 2 doesn't */
  GArray *nodes;               /* IngestViewNode, in creation order until sorted */
  gboolean fold_threads;       /* !spec->expand_threads */
  IngestMatcherBudget budget;  /* what all the matchers above spend */
} IngestViewCtx;

gboolean ingest_view_ctx_init (IngestViewCtx *ctx, IngestStore *store,
                               const IngestViewSpec *spec, GError **error);
void ingest_view_ctx_clear (IngestViewCtx *ctx);
/* FALSE with INGEST_ERROR_FILTER when a filter or group of ctx went over its
 * matching budget (ingest_matcher_check): the view must not be shown. */
gboolean ingest_view_ctx_check (const IngestViewCtx *ctx, GError **error);
/* A live window's kept failure: TRUE when failure is NULL, else FALSE with
 * a copy of it in error (may be NULL). */
gboolean ingest_view_failure_check (const GError *failure, GError **error);
/* Starts a new matching budget for ctx's filters and groups. */
void ingest_view_ctx_reset_budget (IngestViewCtx *ctx);

/* Position range [*begin, *end) of the window in the store's time order. */
void ingest_view_ctx_range (IngestViewCtx *ctx, gsize *begin, gsize *end);

gboolean ingest_view_actor_matches (IngestViewCtx *ctx, IngestActorId actor);
gboolean ingest_view_label_matches (IngestViewCtx *ctx, IngestAtom label);
/* A message shows when its label matches and either end matches. */
gboolean ingest_view_message_visible (IngestViewCtx *ctx, const IngestMessage *m);
/* The node an actor folds into, created on first use; G_MAXUINT for 0. */
guint ingest_view_node_for (IngestViewCtx *ctx, IngestActorId actor);

/* Sorts ctx->nodes into hierarchy order (parents before children, siblings
 * by first activity, then id) and returns the old -> new index map (owned,
 * g_free; ctx->nodes->len entries). */
guint *ingest_view_order_nodes (IngestViewCtx *ctx);

/* Moves the nodes out of ctx (to put in the built view). */
GArray *ingest_view_steal_nodes (IngestViewCtx *ctx);

/* The time of event seq, which must be in the store. */
static inline gint64
ingest_view_time_of (IngestStore *store, IngestSeq seq)
{
  const IngestEvent *ev = ingest_store_event (store, seq);
  /* Retained away (ingest_store_retain_before()): a kept message's older
   * event reads as the start of the history held, so a latency through it
   * is a lower bound, never garbage. */
  if (G_UNLIKELY (ev == NULL))
    ev = ingest_store_event (store, ingest_store_first_seq (store));
  return ev != NULL ? ev->time_ns : 0;
}

/* Node index node of ctx->nodes (borrowed; moves when the array grows). */
static inline IngestViewNode *
ingest_view_node_at (IngestViewCtx *ctx, guint node)
{
  return &g_array_index (ctx->nodes, IngestViewNode, node);
}

/* Element index of acc, a builder's per-node accumulators of elt_size
 * bytes: grows acc with zeroed elements up to it, as nodes are created
 * during the scan. elt_size is the caller's sizeof, so the common case
 * (already there) is one compare. */
static inline gpointer
ingest_view_acc_at (GArray *acc, gsize elt_size, guint index)
{
  guint old = acc->len;
  if (G_UNLIKELY (old <= index))
    {
      g_array_set_size (acc, index + 1);
      memset (acc->data + old * elt_size, 0, (index + 1 - old) * elt_size);
    }
  return acc->data + index * elt_size;
}

/* Mailbox depth as the graph and timeline builders see it: the store records
 * on an event the depth of the message's receiver; a node's depth is the sum
 * of the last depths of its member actors (a group sums its members). */
typedef struct {
  gint64 *actor_depth;  /* per actor id: last depth seen, -1 = none */
  GArray *node_depth;   /* gint64 per node creation index: summed depth */
} IngestViewDepth;

void ingest_view_depth_init (IngestViewDepth *depth, const IngestViewCtx *ctx);
void ingest_view_depth_clear (IngestViewDepth *depth);
/* Takes in the depth ev carries for m's receiver, raising that node's
 * mailbox_depth_max. Returns the node, with its new summed depth in
 * *node_depth (may be NULL), or G_MAXUINT when ev carries no depth or the
 * receiver folds into no node. */
guint ingest_view_depth_note (IngestViewDepth *depth, IngestViewCtx *ctx, const IngestEvent *ev,
                              const IngestMessage *m, gint64 *node_depth);

/* ---- detached views ----------------------------------------------------- */

IngestViewStrings *ingest_view_strings_new (void);
void ingest_view_strings_free (IngestViewStrings *strings);
/* A copy of strings (NULL gives an empty table). */
IngestViewStrings *ingest_view_strings_copy (const IngestViewStrings *strings);
/* Copies the text of atom from store (0 is skipped). */
void ingest_view_strings_add_atom (IngestViewStrings *strings, IngestStore *store, IngestAtom atom);
/* Copies the parent chain of actor (at most 64 steps) from store. */
void ingest_view_strings_add_ancestry (IngestViewStrings *strings, IngestStore *store,
                                       IngestActorId actor);
/* NULL when atom was not copied. */
const char *ingest_view_strings_atom (const IngestViewStrings *strings, IngestAtom atom);
IngestActorId ingest_view_strings_parent (const IngestViewStrings *strings, IngestActorId actor);
/* The name of an actor of a copied ancestry; NULL when not copied. */
const char *ingest_view_strings_actor_name (const IngestViewStrings *strings, IngestActorId actor);
/* A deep copy of an IngestViewNode array (names duplicated). */
GArray *ingest_view_nodes_copy (const GArray *nodes);

/* ---- what the batch and sliding-window timelines share ----------------- */

/* A new timeline of [from_ns, to_ns] over store (borrowed) with its
 * messages, spans, marks, bins and depth arrays empty and lanes NULL (the
 * builder steals them from its ctx). Owned by the caller
 * (ingest_timeline_free). */
IngestTimeline *ingest_view_timeline_new (IngestStore *store, gint64 from_ns, gint64 to_ns);

/* qsort orders: messages by send time, then id; bins by lane pair, then
 * start. */
int ingest_view_cmp_message (const void *a, const void *b);
int ingest_view_cmp_bin (const void *a, const void *b);

/* A lane's new index through map (creation index -> hierarchy index, from
 * ingest_view_order_nodes); G_MAXUINT (no lane) stays. */
static inline guint
ingest_view_remap (const guint *map, guint lane)
{
  return lane == G_MAXUINT ? G_MAXUINT : map[lane];
}

/* Renumbers the lanes of tl's messages, spans and marks through map. */
void ingest_view_timeline_remap_lanes (IngestTimeline *tl, const guint *map);

/* Keeps at most max_items of tl's marks: every crash (they must not vanish
 * from a zoomed-out view) and an even stride of the rest, in their order. */
void ingest_view_timeline_thin_marks (IngestTimeline *tl, guint max_items);

G_END_DECLS
