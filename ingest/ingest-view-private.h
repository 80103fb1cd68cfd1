/* ingest-view-private.h: what the graph and timeline builders share: the
 * window, the compiled filters and groups, and the actor -> node mapping with
 * its hierarchy order. Internal to ingest/. */
#pragma once

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
} IngestViewCtx;

gboolean ingest_view_ctx_init (IngestViewCtx *ctx, IngestStore *store,
                               const IngestViewSpec *spec, GError **error);
void ingest_view_ctx_clear (IngestViewCtx *ctx);

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

G_END_DECLS
