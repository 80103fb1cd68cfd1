/* ingest-view.c: shared machinery of the views (window, filters, groups,
 * actor -> node mapping and hierarchy order). */
#include "config.h"

#include <string.h>

#include "ingest-view-private.h"

static void
view_node_clear (gpointer data)
{
  IngestViewNode *n = data;
  g_free (n->name);
}

gboolean
ingest_view_ctx_init (IngestViewCtx *ctx, IngestStore *store, const IngestViewSpec *spec,
                      GError **error)
{
  static const IngestViewSpec all = { .from_ns = INGEST_TIME_MIN, .to_ns = INGEST_TIME_MAX };

  memset (ctx, 0, sizeof *ctx);
  if (spec == NULL)
    spec = &all;
  ctx->store = store;
  ctx->fold_threads = !spec->expand_threads;
  ctx->groups = g_ptr_array_new_with_free_func ((GDestroyNotify) ingest_matcher_free);
  ctx->nodes = g_array_new (FALSE, TRUE, sizeof (IngestViewNode));
  g_array_set_clear_func (ctx->nodes, view_node_clear);
  ctx->label_ok = g_hash_table_new (g_direct_hash, g_direct_equal);

  if (spec->actor_filter != NULL && spec->actor_filter[0] != '\0')
    {
      ctx->actor_filter = ingest_matcher_new (spec->actor_filter, error);
      if (ctx->actor_filter == NULL)
        return FALSE;
    }
  if (spec->label_filter != NULL && spec->label_filter[0] != '\0')
    {
      ctx->label_filter = ingest_matcher_new (spec->label_filter, error);
      if (ctx->label_filter == NULL)
        return FALSE;
    }
  GPtrArray *names = g_ptr_array_new ();
  for (guint i = 0; spec->groups != NULL && spec->groups[i] != NULL; i++)
    {
      if (spec->groups[i][0] == '\0')
        continue;
      IngestMatcher *m = ingest_matcher_new (spec->groups[i], error);
      if (m == NULL)
        {
          g_ptr_array_add (names, NULL);
          ctx->group_names = (char **) g_ptr_array_free (names, FALSE);
          return FALSE;
        }
      g_ptr_array_add (ctx->groups, m);
      g_ptr_array_add (names, g_strdup (spec->groups[i]));
    }
  g_ptr_array_add (names, NULL);
  ctx->group_names = (char **) g_ptr_array_free (names, FALSE);
  /* One matching budget for the whole view (the ctx is not moved after
   * init: its users keep it in place). */
  if (ctx->actor_filter != NULL)
    ingest_matcher_share_budget (ctx->actor_filter, &ctx->budget);
  if (ctx->label_filter != NULL)
    ingest_matcher_share_budget (ctx->label_filter, &ctx->budget);
  for (guint g = 0; g < ctx->groups->len; g++)
    ingest_matcher_share_budget (ctx->groups->pdata[g], &ctx->budget);
  ctx->group_node = g_new (guint, MAX (ctx->groups->len, 1));
  for (guint i = 0; i < ctx->groups->len; i++)
    ctx->group_node[i] = G_MAXUINT;

  ctx->n_actors = ingest_store_n_actors (store);
  ctx->actor_match = g_new0 (guint8, ctx->n_actors + 1);
  ctx->actor_node = g_new (guint, ctx->n_actors + 1);
  for (guint i = 0; i <= ctx->n_actors; i++)
    ctx->actor_node[i] = G_MAXUINT;

  gint64 tmin, tmax;
  ctx->from_ns = spec->from_ns;
  ctx->to_ns = spec->to_ns;
  if (ingest_store_time_range (store, &tmin, &tmax))
    {
      ctx->from_ns = MAX (ctx->from_ns, tmin);
      ctx->to_ns = MIN (ctx->to_ns, tmax);
      ctx->empty = ctx->from_ns > ctx->to_ns;
    }
  else
    {
      ctx->empty = TRUE;
      if (ctx->from_ns == INGEST_TIME_MIN)
        ctx->from_ns = 0;
      if (ctx->to_ns == INGEST_TIME_MAX)
        ctx->to_ns = ctx->from_ns;
    }
  if (ctx->empty && ctx->from_ns > ctx->to_ns)
    ctx->to_ns = ctx->from_ns;
  return TRUE;
}

void
ingest_view_ctx_clear (IngestViewCtx *ctx)
{
  g_clear_pointer (&ctx->actor_filter, ingest_matcher_free);
  g_clear_pointer (&ctx->label_filter, ingest_matcher_free);
  g_clear_pointer (&ctx->groups, g_ptr_array_unref);
  g_clear_pointer (&ctx->group_names, g_strfreev);
  g_clear_pointer (&ctx->actor_match, g_free);
  g_clear_pointer (&ctx->actor_node, g_free);
  g_clear_pointer (&ctx->group_node, g_free);
  g_clear_pointer (&ctx->label_ok, g_hash_table_unref);
  if (ctx->nodes)
    g_array_unref (ctx->nodes);
  ctx->nodes = NULL;
}

gboolean
ingest_view_ctx_check (const IngestViewCtx *ctx, GError **error)
{
  if (ctx->actor_filter != NULL && !ingest_matcher_check (ctx->actor_filter, error))
    return FALSE;
  if (ctx->label_filter != NULL && !ingest_matcher_check (ctx->label_filter, error))
    return FALSE;
  for (guint g = 0; ctx->groups != NULL && g < ctx->groups->len; g++)
    if (!ingest_matcher_check (ctx->groups->pdata[g], error))
      return FALSE;
  return TRUE;
}

gboolean
ingest_view_failure_check (const GError *failure, GError **error)
{
  if (failure == NULL)
    return TRUE;
  if (error != NULL)
    *error = g_error_copy (failure);
  return FALSE;
}

void
ingest_view_ctx_reset_budget (IngestViewCtx *ctx)
{
  if (ctx->actor_filter != NULL)
    ingest_matcher_reset_budget (ctx->actor_filter);
  if (ctx->label_filter != NULL)
    ingest_matcher_reset_budget (ctx->label_filter);
  for (guint g = 0; ctx->groups != NULL && g < ctx->groups->len; g++)
    ingest_matcher_reset_budget (ctx->groups->pdata[g]);
}

void
ingest_view_ctx_range (IngestViewCtx *ctx, gsize *begin, gsize *end)
{
  *begin = *end = 0;
  if (ctx->empty)
    return;
  *begin = ingest_store_time_lower_bound (ctx->store, ctx->from_ns);
  *end = ctx->to_ns == INGEST_TIME_MAX
           ? (gsize) ingest_store_n_events (ctx->store)
           : ingest_store_time_lower_bound (ctx->store, ctx->to_ns + 1);
}

gboolean
ingest_view_actor_matches (IngestViewCtx *ctx, IngestActorId a)
{
  if (ctx->actor_filter == NULL)
    return TRUE;
  if (a == 0 || a > ctx->n_actors)
    return FALSE;
  if (ctx->actor_match[a] == 0)
    ctx->actor_match[a] = ingest_matcher_match (ctx->actor_filter,
                                                ingest_store_actor_name (ctx->store, a)) ? 1 : 2;
  return ctx->actor_match[a] == 1;
}

gboolean
ingest_view_label_matches (IngestViewCtx *ctx, IngestAtom label)
{
  if (ctx->label_filter == NULL)
    return TRUE;
  gpointer v = g_hash_table_lookup (ctx->label_ok, GUINT_TO_POINTER (label));
  if (v == NULL)
    {
      gboolean ok = ingest_matcher_match (ctx->label_filter, ingest_store_atom (ctx->store, label));
      v = GUINT_TO_POINTER (ok ? 1 : 2);
      g_hash_table_insert (ctx->label_ok, GUINT_TO_POINTER (label), v);
    }
  return GPOINTER_TO_UINT (v) == 1;
}

gboolean
ingest_view_message_visible (IngestViewCtx *ctx, const IngestMessage *m)
{
  if (!ingest_view_label_matches (ctx, m->label))
    return FALSE;
  return ingest_view_actor_matches (ctx, m->from) || ingest_view_actor_matches (ctx, m->to);
}

guint
ingest_view_node_for (IngestViewCtx *ctx, IngestActorId a)
{
  if (a == 0 || a > ctx->n_actors)
    return G_MAXUINT;
  if (ctx->actor_node[a] != G_MAXUINT)
    return ctx->actor_node[a];

  const IngestActor *actor = ingest_store_actor (ctx->store, a);
  const char *name = ingest_store_atom (ctx->store, actor->name);
  for (guint g = 0; g < ctx->groups->len; g++)
    if (ingest_matcher_match (ctx->groups->pdata[g], name))
      {
        if (ctx->group_node[g] == G_MAXUINT)
          {
            IngestViewNode n = { 0 };
            n.actor = a;
            n.name = g_strdup (ctx->group_names[g]);
            n.kind = actor->kind;
            n.is_group = TRUE;
            ctx->group_node[g] = ctx->nodes->len;
            g_array_append_val (ctx->nodes, n);
          }
        IngestViewNode *gn = &g_array_index (ctx->nodes, IngestViewNode, ctx->group_node[g]);
        gn->n_members++;
        gn->alive = gn->alive || actor->alive;
        ctx->actor_node[a] = ctx->group_node[g];
        return ctx->actor_node[a];
      }

  /* A thread of a process folds into the process's node (which a group
   * may have taken in turn). The recursion is one step: a process is not
   * a thread. */
  if (ctx->fold_threads && actor->kind == INGEST_ACTOR_THREAD && actor->parent != 0
      && actor->parent <= ctx->n_actors
      && ingest_store_actor (ctx->store, actor->parent)->kind == INGEST_ACTOR_PROCESS)
    {
      guint pn = ingest_view_node_for (ctx, actor->parent);
      IngestViewNode *fn = &g_array_index (ctx->nodes, IngestViewNode, pn);
      if (!fn->is_group)
        fn->is_fold = TRUE;
      fn->n_members++;
      fn->alive = fn->alive || actor->alive;
      ctx->actor_node[a] = pn;
      return pn;
    }

  IngestViewNode n = { 0 };
  n.actor = a;
  n.name = g_strdup (name);
  n.kind = actor->kind;
  n.n_members = 1;
  n.alive = actor->alive;
  ctx->actor_node[a] = ctx->nodes->len;
  g_array_append_val (ctx->nodes, n);
  return ctx->actor_node[a];
}

typedef struct {
  IngestActorId parent, id;
  gint64 first_ns;
} ChildEntry;

static int
cmp_child (const void *a, const void *b)
{
  const ChildEntry *x = a, *y = b;
  if (x->parent != y->parent)
    return x->parent < y->parent ? -1 : 1;
  if (x->first_ns != y->first_ns)
    return x->first_ns < y->first_ns ? -1 : 1;
  return x->id < y->id ? -1 : x->id > y->id;
}

guint *
ingest_view_order_nodes (IngestViewCtx *ctx)
{
  guint n_nodes = ctx->nodes->len;
  guint na = ctx->n_actors;
  guint *old_to_new = g_new (guint, MAX (n_nodes, 1));
  for (guint i = 0; i < n_nodes; i++)
    old_to_new[i] = G_MAXUINT;
  if (n_nodes == 0)
    return old_to_new;

  /* The actors that are nodes plus their ancestors form a forest. A
   * subtree's first activity is its earliest member's (path-only parents
   * like "/user" have no events of their own). */
  g_autofree guint8 *in_tree = g_new0 (guint8, na + 1);
  g_autofree gint64 *first = g_new (gint64, na + 1);
  g_autoptr (GArray) in_order = g_array_new (FALSE, FALSE, sizeof (IngestActorId));
  for (IngestActorId a = 1; a <= na; a++)
    {
      if (ctx->actor_node[a] == G_MAXUINT)
        continue;
      for (IngestActorId p = a; p != 0 && p <= na && !in_tree[p];
           p = ingest_store_actor (ctx->store, p)->parent)
        {
          in_tree[p] = 1;
          first[p] = ingest_store_actor_rec (ctx->store, p)->first_ns;
          g_array_append_val (in_order, p);
        }
    }
  for (guint i = 0; i < in_order->len; i++)
    {
      IngestActorId a = g_array_index (in_order, IngestActorId, i);
      gint64 t = first[a];
      for (IngestActorId p = ingest_store_actor (ctx->store, a)->parent;
           p != 0 && p <= na && first[p] > t; p = ingest_store_actor (ctx->store, p)->parent)
        first[p] = t;
    }
  g_autoptr (GArray) entries = g_array_new (FALSE, FALSE, sizeof (ChildEntry));
  for (guint i = 0; i < in_order->len; i++)
    {
      IngestActorId a = g_array_index (in_order, IngestActorId, i);
      IngestActorId parent = ingest_store_actor (ctx->store, a)->parent;
      ChildEntry e = { parent <= na ? parent : 0, a, first[a] };
      g_array_append_val (entries, e);
    }
  g_array_sort (entries, cmp_child);

  /* CSR child lists: children of p are entries[start[p] .. start[p+1]). */
  g_autofree guint *start = g_new0 (guint, na + 2);
  for (guint i = 0; i < entries->len; i++)
    start[g_array_index (entries, ChildEntry, i).parent + 1]++;
  for (guint p = 1; p <= na + 1; p++)
    start[p] += start[p - 1];

  /* Iterative depth-first walk from the roots (parent 0). */
  g_autoptr (GArray) stack = g_array_new (FALSE, FALSE, sizeof (IngestActorId));
  for (guint i = start[1]; i-- > start[0];)
    g_array_append_val (stack, g_array_index (entries, ChildEntry, i).id);
  guint next = 0;
  while (stack->len > 0)
    {
      IngestActorId a = g_array_index (stack, IngestActorId, stack->len - 1);
      g_array_set_size (stack, stack->len - 1);
      guint node = ctx->actor_node[a];
      if (node != G_MAXUINT && old_to_new[node] == G_MAXUINT)
        old_to_new[node] = next++;
      for (guint i = start[a + 1]; i-- > start[a];)
        g_array_append_val (stack, g_array_index (entries, ChildEntry, i).id);
    }
  g_assert (next == n_nodes);

  GArray *sorted = g_array_sized_new (FALSE, TRUE, sizeof (IngestViewNode), n_nodes);
  g_array_set_clear_func (sorted, view_node_clear);
  g_array_set_size (sorted, n_nodes);
  for (guint i = 0; i < n_nodes; i++)
    g_array_index (sorted, IngestViewNode, old_to_new[i]) = g_array_index (ctx->nodes, IngestViewNode, i);
  /* The names moved to sorted: drop the old array without freeing them. */
  g_array_set_clear_func (ctx->nodes, NULL);
  g_array_unref (ctx->nodes);
  ctx->nodes = sorted;
  for (IngestActorId a = 1; a <= na; a++)
    if (ctx->actor_node[a] != G_MAXUINT)
      ctx->actor_node[a] = old_to_new[ctx->actor_node[a]];
  for (guint g = 0; g < ctx->groups->len; g++)
    if (ctx->group_node[g] != G_MAXUINT)
      ctx->group_node[g] = old_to_new[ctx->group_node[g]];
  return old_to_new;
}

GArray *
ingest_view_steal_nodes (IngestViewCtx *ctx)
{
  GArray *n = ctx->nodes;
  ctx->nodes = NULL;
  return n;
}

void
ingest_view_depth_init (IngestViewDepth *depth, const IngestViewCtx *ctx)
{
  depth->actor_depth = g_new (gint64, ctx->n_actors + 1);
  for (guint i = 0; i <= ctx->n_actors; i++)
    depth->actor_depth[i] = -1;
  depth->node_depth = g_array_new (FALSE, TRUE, sizeof (gint64));
}

void
ingest_view_depth_clear (IngestViewDepth *depth)
{
  g_clear_pointer (&depth->actor_depth, g_free);
  g_clear_pointer (&depth->node_depth, g_array_unref);
}

guint
ingest_view_depth_note (IngestViewDepth *depth, IngestViewCtx *ctx, const IngestEvent *ev,
                        const IngestMessage *m, gint64 *node_depth)
{
  if (!(ev->reserved & INGEST_EVENT_FLAG_DEPTH) || m->to == 0)
    return G_MAXUINT;
  guint node = ingest_view_node_for (ctx, m->to);
  if (node == G_MAXUINT)
    return G_MAXUINT;
  gint64 *sum = ingest_view_acc_at (depth->node_depth, sizeof (gint64), node);
  gint64 d = ev->reserved2;
  gint64 prev = depth->actor_depth[m->to] < 0 ? 0 : depth->actor_depth[m->to];
  depth->actor_depth[m->to] = d;
  *sum += d - prev;
  IngestViewNode *n = ingest_view_node_at (ctx, node);
  n->mailbox_depth_max = MAX (n->mailbox_depth_max, *sum);
  if (node_depth)
    *node_depth = *sum;
  return node;
}

IngestTimeline *
ingest_view_timeline_new (IngestStore *store, gint64 from_ns, gint64 to_ns)
{
  IngestTimeline *tl = g_new0 (IngestTimeline, 1);
  tl->store = store;
  tl->from_ns = from_ns;
  tl->to_ns = to_ns;
  tl->messages = g_array_new (FALSE, TRUE, sizeof (IngestTimelineMessage));
  tl->spans = g_array_new (FALSE, TRUE, sizeof (IngestTimelineSpan));
  tl->marks = g_array_new (FALSE, TRUE, sizeof (IngestTimelineMark));
  tl->bins = g_array_new (FALSE, TRUE, sizeof (IngestDensityBin));
  tl->depth = g_array_new (FALSE, TRUE, sizeof (IngestDepthSample));
  return tl;
}

int
ingest_view_cmp_message (const void *a, const void *b)
{
  const IngestTimelineMessage *x = a, *y = b;
  if (x->send_ns != y->send_ns)
    return x->send_ns < y->send_ns ? -1 : 1;
  return x->message < y->message ? -1 : x->message > y->message;
}

int
ingest_view_cmp_bin (const void *a, const void *b)
{
  const IngestDensityBin *x = a, *y = b;
  if (x->from_lane != y->from_lane)
    return x->from_lane < y->from_lane ? -1 : 1;
  if (x->to_lane != y->to_lane)
    return x->to_lane < y->to_lane ? -1 : 1;
  return x->start_ns < y->start_ns ? -1 : x->start_ns > y->start_ns;
}

void
ingest_view_timeline_remap_lanes (IngestTimeline *tl, const guint *map)
{
  for (guint i = 0; i < tl->messages->len; i++)
    {
      IngestTimelineMessage *m = &g_array_index (tl->messages, IngestTimelineMessage, i);
      m->from_lane = ingest_view_remap (map, m->from_lane);
      m->to_lane = ingest_view_remap (map, m->to_lane);
    }
  for (guint i = 0; i < tl->spans->len; i++)
    {
      IngestTimelineSpan *s = &g_array_index (tl->spans, IngestTimelineSpan, i);
      s->lane = ingest_view_remap (map, s->lane);
    }
  for (guint i = 0; i < tl->marks->len; i++)
    {
      IngestTimelineMark *mk = &g_array_index (tl->marks, IngestTimelineMark, i);
      mk->lane = ingest_view_remap (map, mk->lane);
    }
}

void
ingest_view_timeline_thin_marks (IngestTimeline *tl, guint max_items)
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

/* ---- detached views ----------------------------------------------------- */

struct _IngestViewStrings {
  GStringChunk *chunk;
  GHashTable *atoms;         /* atom -> text in chunk */
  GHashTable *parents;       /* actor -> parent (0 stored as G_MAXUINT32) */
  GHashTable *names;         /* actor of an ancestry -> its name in chunk */
};

IngestViewStrings *
ingest_view_strings_new (void)
{
  IngestViewStrings *self = g_new0 (IngestViewStrings, 1);

  self->chunk = g_string_chunk_new (1024);
  self->atoms = g_hash_table_new (NULL, NULL);
  self->parents = g_hash_table_new (NULL, NULL);
  self->names = g_hash_table_new (NULL, NULL);
  return self;
}

void
ingest_view_strings_free (IngestViewStrings *self)
{
  if (self == NULL)
    return;
  g_string_chunk_free (self->chunk);
  g_hash_table_unref (self->atoms);
  g_hash_table_unref (self->parents);
  g_hash_table_unref (self->names);
  g_free (self);
}

IngestViewStrings *
ingest_view_strings_copy (const IngestViewStrings *strings)
{
  IngestViewStrings *self = ingest_view_strings_new ();
  GHashTableIter it;
  gpointer k, v;

  if (strings == NULL)
    return self;
  g_hash_table_iter_init (&it, strings->atoms);
  while (g_hash_table_iter_next (&it, &k, &v))
    g_hash_table_insert (self->atoms, k, g_string_chunk_insert_const (self->chunk, v));
  g_hash_table_iter_init (&it, strings->parents);
  while (g_hash_table_iter_next (&it, &k, &v))
    g_hash_table_insert (self->parents, k, v);
  g_hash_table_iter_init (&it, strings->names);
  while (g_hash_table_iter_next (&it, &k, &v))
    g_hash_table_insert (self->names, k, g_string_chunk_insert_const (self->chunk, v));
  return self;
}

void
ingest_view_strings_add_atom (IngestViewStrings *self, IngestStore *store, IngestAtom atom)
{
  const char *text;

  if (atom == 0 || g_hash_table_contains (self->atoms, GUINT_TO_POINTER (atom)))
    return;
  text = ingest_store_atom (store, atom);
  if (text != NULL)
    g_hash_table_insert (self->atoms, GUINT_TO_POINTER (atom),
                         g_string_chunk_insert_const (self->chunk, text));
}

static IngestActorId
store_parent (IngestStore *store, IngestActorId actor)
{
  if (actor == 0 || actor > ingest_store_n_actors (store))
    return 0;
  return ingest_store_actor (store, actor)->parent;
}

void
ingest_view_strings_add_ancestry (IngestViewStrings *self, IngestStore *store, IngestActorId actor)
{
  /* the same bound as the layouts' walk: a malformed trace may loop */
  for (guint steps = 0; actor != 0 && steps <= 64; steps++)
    {
      IngestActorId p;
      if (g_hash_table_contains (self->parents, GUINT_TO_POINTER (actor)))
        return;
      p = store_parent (store, actor);
      g_hash_table_insert (self->parents, GUINT_TO_POINTER (actor),
                           GUINT_TO_POINTER (p != 0 ? p : G_MAXUINT32));
      if (actor <= ingest_store_n_actors (store))
        g_hash_table_insert (self->names, GUINT_TO_POINTER (actor),
                             g_string_chunk_insert_const (self->chunk,
                                                          ingest_store_actor_name (store, actor)));
      actor = p;
    }
}

const char *
ingest_view_strings_atom (const IngestViewStrings *self, IngestAtom atom)
{
  return g_hash_table_lookup (self->atoms, GUINT_TO_POINTER (atom));
}

const char *
ingest_view_strings_actor_name (const IngestViewStrings *self, IngestActorId actor)
{
  return g_hash_table_lookup (self->names, GUINT_TO_POINTER (actor));
}

IngestActorId
ingest_view_strings_parent (const IngestViewStrings *self, IngestActorId actor)
{
  guint p = GPOINTER_TO_UINT (g_hash_table_lookup (self->parents, GUINT_TO_POINTER (actor)));
  return p == G_MAXUINT32 ? 0 : p;
}

GArray *
ingest_view_nodes_copy (const GArray *nodes)
{
  GArray *copy = g_array_sized_new (FALSE, TRUE, sizeof (IngestViewNode), nodes->len);

  g_array_set_clear_func (copy, view_node_clear);
  g_array_append_vals (copy, nodes->data, nodes->len);
  for (guint i = 0; i < copy->len; i++)
    {
      IngestViewNode *n = &g_array_index (copy, IngestViewNode, i);
      n->name = g_strdup (n->name);
    }
  return copy;
}

/* ---- stamps of fixed windows ------------------------------------------- */

void
ingest_view_stamp_take (IngestViewStamp *stamp, IngestStore *store, const IngestViewSpec *spec)
{
  gint64 lo, hi;

  g_return_if_fail (stamp != NULL && store != NULL);
  memset (stamp, 0, sizeof *stamp);
  stamp->to_ns = spec != NULL ? spec->to_ns : INGEST_TIME_MAX;
  /* The view's window is clamped to the data: while the spec's end is past
   * the newest event, a later event moves the clamp wherever it falls. */
  stamp->open = !ingest_store_time_range (store, &lo, &hi) || hi < stamp->to_ns;
  stamp->checked = ingest_store_n_events (store);
  stamp->first_seq = ingest_store_first_seq (store);
  stamp->edits = ingest_store_edits (store);
}

/* TRUE when one of message id's events is timed at or before to_ns. */
static gboolean
message_reaches (IngestStore *store, IngestMessageId id, gint64 to_ns)
{
  const IngestMessage *m = id != 0 ? ingest_store_message (store, id) : NULL;

  if (m == NULL)
    return FALSE;
  IngestSeq seqs[] = { m->send_seq, m->receive_seq, m->done_seq, m->ack_seq };
  for (guint i = 0; i < G_N_ELEMENTS (seqs); i++)
    if (seqs[i] != INGEST_SEQ_NONE && ingest_view_time_of (store, seqs[i]) <= to_ns)
      return TRUE;
  return FALSE;
}

gboolean
ingest_view_stamp_holds (IngestViewStamp *stamp, IngestStore *store)
{
  guint64 n;

  g_return_val_if_fail (stamp != NULL && store != NULL, FALSE);
  n = ingest_store_n_events (store);
  if (stamp->checked == G_MAXUINT64)
    return FALSE;
  if (ingest_store_first_seq (store) != stamp->first_seq || ingest_store_edits (store) != stamp->edits
      || (stamp->open && n != stamp->checked))
    goto changed;
  for (IngestSeq seq = stamp->checked; seq < n; seq++)
    {
      const IngestEvent *ev = ingest_store_event (store, seq);
      if (ev == NULL)
        continue;
      if (ev->time_ns <= stamp->to_ns)
        goto changed;
      if (ev->message != 0)
        {
          const IngestMessage *m = ingest_store_message (store, ev->message);
          /* A later event of a message the window shows (its receive, done,
           * ack or drop), or the answer to a request it shows (the
           * request's round trip). */
          if (message_reaches (store, ev->message, stamp->to_ns)
              || (m != NULL && message_reaches (store, m->in_reply_to, stamp->to_ns)))
            goto changed;
        }
    }
  stamp->checked = n;
  return TRUE;

changed:
  stamp->checked = G_MAXUINT64;
  return FALSE;
}
