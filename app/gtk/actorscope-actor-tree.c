/* actorscope-actor-tree.c: the sidebar's actor tree. */
#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "actorscope-actor-tree.h"
#include "ingest-matcher.h"
#include "ingest-view.h"
#include "render-columns.h"
#include "render-ticks.h"
#include "ingest-hash.h"

/* ---- one row ---- */

struct _ActorscopeActorItem {
  GObject parent_instance;
  IngestActorId id;
  char *path;
  char *name;
  char *kind;
  guint64 received, sent, errors;
  double rate;               /* received per second of the trace (render-columns.h) */
  gint64 depth;              /* largest mailbox */
  gint64 mailbox_ns, processing_ns; /* 99th percentiles, as the console's; 0 = none */
  IngestLatency wait, processing;   /* what the cells show ("—" when count is 0) */
  GListStore *children;     /* NULL for a leaf */
  ActorscopeActorItem *parent; /* borrowed, NULL for a root */
  gboolean visible;         /* it or a descendant matches the filter */
  /* A row with children shows its subtree's figures (its own plus every
   * descendant's): a bare path component like "/user" has no traffic of its
   * own and would otherwise read 0 everywhere. */
  char *group_pattern;      /* IngestViewSpec.groups glob/regex matching exactly the subtree, or NULL */
  gboolean grouped;         /* folded into one node/lane in the views */
};

G_DEFINE_FINAL_TYPE (ActorscopeActorItem, actorscope_actor_item, G_TYPE_OBJECT)

enum {
  ITEM_PROP_0, ITEM_PROP_NAME, ITEM_PROP_RECEIVED, ITEM_PROP_SENT, ITEM_PROP_RATE,
  ITEM_PROP_DEPTH, ITEM_PROP_MAILBOX, ITEM_PROP_PROCESSING, ITEM_PROP_ERRORS, ITEM_PROP_GROUPED, ITEM_N_PROPS
};
static GParamSpec *item_props[ITEM_N_PROPS];

static void
actorscope_actor_item_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  ActorscopeActorItem *self = ACTORSCOPE_ACTOR_ITEM (object);

  switch (prop_id)
    {
    case ITEM_PROP_NAME: g_value_set_string (value, self->name); break;
    case ITEM_PROP_RECEIVED: g_value_set_uint64 (value, self->received); break;
    case ITEM_PROP_SENT: g_value_set_uint64 (value, self->sent); break;
    case ITEM_PROP_RATE: g_value_set_double (value, self->rate); break;
    case ITEM_PROP_DEPTH: g_value_set_int64 (value, self->depth); break;
    case ITEM_PROP_MAILBOX: g_value_set_int64 (value, self->mailbox_ns); break;
    case ITEM_PROP_PROCESSING: g_value_set_int64 (value, self->processing_ns); break;
    case ITEM_PROP_ERRORS: g_value_set_uint64 (value, self->errors); break;
    case ITEM_PROP_GROUPED: g_value_set_boolean (value, self->grouped); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
actorscope_actor_item_finalize (GObject *object)
{
  ActorscopeActorItem *self = ACTORSCOPE_ACTOR_ITEM (object);

  g_free (self->path);
  g_free (self->name);
  g_free (self->kind);
  g_free (self->group_pattern);
  g_clear_object (&self->children);
  G_OBJECT_CLASS (actorscope_actor_item_parent_class)->finalize (object);
}

static void
actorscope_actor_item_class_init (ActorscopeActorItemClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GParamFlags f = G_PARAM_READABLE | G_PARAM_STATIC_STRINGS;

  object_class->get_property = actorscope_actor_item_get_property;
  object_class->finalize = actorscope_actor_item_finalize;
  item_props[ITEM_PROP_NAME] = g_param_spec_string ("name", NULL, NULL, NULL, f);
  item_props[ITEM_PROP_RECEIVED] = g_param_spec_uint64 ("received", NULL, NULL, 0, G_MAXUINT64, 0, f);
  item_props[ITEM_PROP_SENT] = g_param_spec_uint64 ("sent", NULL, NULL, 0, G_MAXUINT64, 0, f);
  item_props[ITEM_PROP_RATE] = g_param_spec_double ("rate", NULL, NULL, 0, G_MAXDOUBLE, 0, f);
  item_props[ITEM_PROP_DEPTH] = g_param_spec_int64 ("depth", NULL, NULL, G_MININT64, G_MAXINT64, 0, f);
  item_props[ITEM_PROP_MAILBOX] = g_param_spec_int64 ("mailbox", NULL, NULL, G_MININT64, G_MAXINT64, 0, f);
  item_props[ITEM_PROP_PROCESSING] = g_param_spec_int64 ("processing", NULL, NULL, G_MININT64, G_MAXINT64, 0, f);
  item_props[ITEM_PROP_ERRORS] = g_param_spec_uint64 ("errors", NULL, NULL, 0, G_MAXUINT64, 0, f);
  item_props[ITEM_PROP_GROUPED] = g_param_spec_boolean ("grouped", NULL, NULL, FALSE, f);
  g_object_class_install_properties (object_class, ITEM_N_PROPS, item_props);
}

static void
actorscope_actor_item_init (ActorscopeActorItem *self)
{
  self->visible = TRUE;
}

IngestActorId
actorscope_actor_item_get_id (ActorscopeActorItem *self)
{
  g_return_val_if_fail (ACTORSCOPE_IS_ACTOR_ITEM (self), 0);
  return self->id;
}

const char *
actorscope_actor_item_get_path (ActorscopeActorItem *self)
{
  g_return_val_if_fail (ACTORSCOPE_IS_ACTOR_ITEM (self), NULL);
  return self->path;
}

static void
item_load_stats (ActorscopeActorItem *item, IngestStore *store, double seconds)
{
  IngestActorStats st;

  ingest_store_actor_stats (store, item->id, &st);
  item->received = st.received;
  item->sent = st.sent;
  item->errors = st.errors;
  item->depth = st.mailbox_depth_max;
  item->wait = st.mailbox;
  item->processing = st.processing;
  item->mailbox_ns = st.mailbox.p99_ns;
  item->processing_ns = st.processing.p99_ns;
  /* Received per second, as the CLI and the console define it. */
  item->rate = seconds > 0 ? (double) st.received / seconds : 0;
}

/* Folds the children's figures into item, post-order: counts and rates add
 * up, the mailbox depth is the largest in the subtree. Latencies start as
 * the slowest member's; item_merge_latencies() replaces them with the
 * percentiles of the merged histograms when it can. */
static void
item_aggregate (ActorscopeActorItem *item, guint level)
{
  guint n;

  if (item->children == NULL || level > 512)
    return;
  n = g_list_model_get_n_items (G_LIST_MODEL (item->children));
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(ActorscopeActorItem) child = g_list_model_get_item (G_LIST_MODEL (item->children), i);

      item_aggregate (child, level + 1);
      item->received += child->received;
      item->sent += child->sent;
      item->errors += child->errors;
      item->rate += child->rate;
      item->depth = MAX (item->depth, child->depth);
      if (child->wait.count > 0 && (item->wait.count == 0 || child->wait.p99_ns > item->wait.p99_ns))
        item->wait = child->wait;
      if (child->processing.count > 0 &&
          (item->processing.count == 0 || child->processing.p99_ns > item->processing.p99_ns))
        item->processing = child->processing;
      item->mailbox_ns = item->wait.p99_ns;
      item->processing_ns = item->processing.p99_ns;
    }
}

static gboolean
item_in_subtree (ActorscopeActorItem *item, ActorscopeActorItem *top)
{
  for (guint level = 0; item != NULL && level < 512; item = item->parent, level++)
    if (item == top)
      return TRUE;
  return FALSE;
}

/* A view group pattern that matches exactly item's subtree among items
 * (index 0 unused): "PATH*" (glob-escaped) when no other actor starts with
 * the path, else an anchored regex alternation of the members' paths
 * (bounded), else NULL. Owned by the caller. */
static char *
item_subtree_pattern (ActorscopeActorItem *item, GPtrArray *items)
{
  GString *glob = g_string_new (NULL);
  g_autoptr(IngestMatcher) matcher = NULL;
  g_autoptr(GString) re = NULL;
  gboolean exact = TRUE;
  guint members = 0;

  for (const char *c = item->path; *c; c++)
    {
      if (*c == '*' || *c == '?' || *c == '\\' || *c == '[')
        g_string_append_c (glob, '\\');
      g_string_append_c (glob, *c);
    }
  g_string_append_c (glob, '*');
  matcher = ingest_matcher_new (glob->str, NULL);
  for (guint i = 1; matcher != NULL && i < items->len; i++)
    {
      ActorscopeActorItem *other = items->pdata[i];

      if (ingest_matcher_match (matcher, other->path) != item_in_subtree (other, item))
        {
          exact = FALSE;
          break;
        }
    }
  if (matcher != NULL && exact)
    return g_string_free (glob, FALSE);
  g_string_free (glob, TRUE);

  /* Hierarchies that do not follow the paths (parents given by the source). */
  re = g_string_new ("/^(?:");
  for (guint i = 1; i < items->len; i++)
    {
      ActorscopeActorItem *other = items->pdata[i];
      g_autofree char *escaped = NULL;

      if (!item_in_subtree (other, item))
        continue;
      if (++members > 64)
        return NULL;
      escaped = g_regex_escape_string (other->path, -1);
      if (members > 1)
        g_string_append_c (re, '|');
      g_string_append (re, escaped);
    }
  g_string_append (re, ")$/");
  g_clear_pointer (&matcher, ingest_matcher_free);
  matcher = ingest_matcher_new (re->str, NULL);
  return matcher != NULL ? g_strdup (re->str) : NULL;
}

/* Replaces the latencies of rows with children by the medians of their
 * subtree's merged histograms: one graph build (over the whole trace) per
 * tree level, with every subtree of that level folded into one group
 * node. Skipped for big traces, where the slowest member's median stays. */
static void
items_merge_latencies (GPtrArray *items, IngestStore *store)
{
  g_autoptr(GHashTable) by_pattern = g_hash_table_new_full (ingest_hash_str, g_str_equal, g_free, NULL);
  g_autoptr(GArray) levels = g_array_new (FALSE, TRUE, sizeof (guint));
  guint max_level = 0;

  if (ingest_store_n_events (store) > 300000 || items->len > 2001)
    return;
  g_array_set_size (levels, items->len);
  for (guint i = 1; i < items->len; i++)
    {
      ActorscopeActorItem *item = items->pdata[i];
      guint level = 0;

      for (ActorscopeActorItem *a = item->parent; a != NULL && level < 512; a = a->parent)
        level++;
      g_array_index (levels, guint, i) = level;
      if (item->children != NULL)
        max_level = MAX (max_level, level);
    }
  for (guint level = 0; level <= max_level; level++)
    {
      g_autoptr(GPtrArray) patterns = g_ptr_array_new ();
      g_autoptr(IngestGraph) graph = NULL;
      IngestViewSpec spec = { 0 };

      for (guint i = 1; i < items->len; i++)
        {
          ActorscopeActorItem *item = items->pdata[i];

          if (item->children == NULL || g_array_index (levels, guint, i) != level)
            continue;
          if (item->group_pattern == NULL)
            item->group_pattern = item_subtree_pattern (item, items);
          if (item->group_pattern == NULL)
            continue;
          g_ptr_array_add (patterns, item->group_pattern);
          g_hash_table_insert (by_pattern, g_strdup (item->group_pattern), item);
        }
      if (patterns->len == 0)
        continue;
      g_ptr_array_add (patterns, NULL);
      spec.from_ns = INGEST_TIME_MIN;
      spec.to_ns = INGEST_TIME_MAX;
      spec.groups = (const char *const *) patterns->pdata;
      graph = ingest_graph_build (store, &spec, NULL);
      for (guint n = 0; graph != NULL && n < graph->nodes->len; n++)
        {
          const IngestViewNode *node = &g_array_index (graph->nodes, IngestViewNode, n);
          ActorscopeActorItem *item;

          if (!node->is_group || (item = g_hash_table_lookup (by_pattern, node->name)) == NULL)
            continue;
          item->wait = node->mailbox;
          item->processing = node->processing;
          item->mailbox_ns = node->mailbox.count > 0 ? node->mailbox.p99_ns : 0;
          item->processing_ns = node->processing.count > 0 ? node->processing.p99_ns : 0;
        }
    }
}

/* An item's own figures over a window: its node of the window's graph
 * (NULL when it did nothing there: zeros), as the graph view counts them;
 * the rate is per second of that window. */
static void
item_load_window (ActorscopeActorItem *item, const IngestViewNode *node, double seconds)
{
  static const IngestViewNode idle;

  if (node == NULL)
    node = &idle;
  item->received = node->received;
  item->sent = node->sent;
  item->errors = node->errors;
  item->depth = node->mailbox_depth_max;
  item->wait = node->mailbox;
  item->processing = node->processing;
  item->mailbox_ns = node->mailbox.count > 0 ? node->mailbox.p99_ns : 0;
  item->processing_ns = node->processing.count > 0 ? node->processing.p99_ns : 0;
  item->rate = seconds > 0 ? (double) node->received / seconds : 0;
}

/* Loads every item's own figures (the whole trace's, or those of the
 * window of figures when not NULL), then folds subtrees into their rows. */
static void
items_load_all (GPtrArray *items, IngestStore *store, double seconds, ActorscopeWindowFigures *figures)
{
  if (figures != NULL)
    {
      const IngestGraph *graph = figures->graph;
      g_autofree const IngestViewNode **by_id = g_new0 (const IngestViewNode *, MAX (items->len, 1));
      double window_s = graph->to_ns > graph->from_ns ? (graph->to_ns - graph->from_ns) / 1e9 : 0;

      for (guint n = 0; n < graph->nodes->len; n++)
        {
          const IngestViewNode *node = &g_array_index (graph->nodes, IngestViewNode, n);

          if (!node->is_group && !node->is_fold && node->actor > 0 && node->actor < items->len)
            by_id[node->actor] = node;
        }
      for (guint i = 1; i < items->len; i++)
        item_load_window (items->pdata[i], by_id[i], window_s);
    }
  else
    for (guint i = 1; i < items->len; i++)
      item_load_stats (items->pdata[i], store, seconds);
  for (guint i = 1; i < items->len; i++)
    if (((ActorscopeActorItem *) items->pdata[i])->parent == NULL)
      item_aggregate (items->pdata[i], 0);
  /* A replay moves the window every frame: a subtree's latencies stay
   * its slowest member's there (merging takes a graph build per tree
   * level, on this thread), as they do for big traces. */
  if (figures == NULL)
    items_merge_latencies (items, store);
}

/* The render-columns column each numeric tree column shows. */
static RenderColumnId
tree_column_id (const char *what)
{
  if (g_str_equal (what, "in")) return RENDER_COLUMN_RECEIVED;
  if (g_str_equal (what, "out")) return RENDER_COLUMN_SENT;
  if (g_str_equal (what, "rate")) return RENDER_COLUMN_RATE;
  if (g_str_equal (what, "depth")) return RENDER_COLUMN_MAILBOX_MAX;
  if (g_str_equal (what, "mailbox")) return RENDER_COLUMN_WAIT_P99;
  if (g_str_equal (what, "processing")) return RENDER_COLUMN_PROC_P99;
  return RENDER_COLUMN_ERRORS;
}

/* A cell's text as every front end writes it (render-columns.h): a
 * queue's processing is "—", counts are never cut. Owned by the caller. */
static char *
item_format (ActorscopeActorItem *item, const char *what)
{
  RenderColumnRow row = {
    .name = item->path, .actor = item->id, .is_group = item->children != NULL,
    .n_members = 1, .sent = item->sent, .received = item->received, .rate_per_s = item->rate,
    .mailbox_max = item->depth, .wait = item->wait, .processing = item->processing,
    .errors = item->errors,
  };
  IngestActorKind kind = INGEST_ACTOR_ACTOR;

  ingest_actor_kind_from_string (item->kind, strlen (item->kind), &kind);
  row.kind = kind;
  return render_column_format (tree_column_id (what), &row);
}

/* ---- the tree widget ---- */

struct _ActorscopeActorTree {
  GtkWidget parent_instance;
  GtkWidget *scroller;
  GtkColumnView *column_view;
  GHashTable *columns;            /* name -> GtkColumnViewColumn (borrowed) */
  GListStore *roots;
  GPtrArray *items;               /* by actor id (index 0 unused), owned refs */
  GtkTreeListModel *tree;
  GtkFilterListModel *filtered;
  GtkSingleSelection *selection;
  GtkCustomFilter *filter;
  ActorscopeDocument *document;
  gboolean selecting;
  GHashTable *grouped;            /* paths of the rows folded in the views (owned) */
  GStrv groups;                   /* their patterns, outermost first, NULL-terminated */
  GtkWidget *menu;                /* the rows' context menu (a child of ours) */
  IngestActorId menu_actor;
  ActorscopeWindowFigures *figures; /* replaying: the window's figures (a reference), else NULL */
};

G_DEFINE_FINAL_TYPE (ActorscopeActorTree, actorscope_actor_tree, GTK_TYPE_WIDGET)

enum { ACTOR_SELECTED, GROUPS_CHANGED, N_SIGNALS };
static guint signals[N_SIGNALS];

/* Recomputes self->groups from the grouped rows (outermost first, so a
 * group swallows any group inside it: the first matching pattern wins) and
 * tells the views when they changed. */
static void
tree_update_groups (ActorscopeActorTree *self)
{
  g_autoptr(GPtrArray) patterns = g_ptr_array_new ();
  g_autoptr(GPtrArray) found = g_ptr_array_new ();

  for (guint i = 1; i < self->items->len; i++)
    {
      ActorscopeActorItem *item = self->items->pdata[i];
      gboolean inside = FALSE;

      if (!item->grouped)
        continue;
      for (ActorscopeActorItem *a = item->parent; a != NULL && !inside; a = a->parent)
        inside = a->grouped;
      if (inside)
        continue;
      if (item->group_pattern == NULL)
        item->group_pattern = item_subtree_pattern (item, self->items);
      if (item->group_pattern != NULL)
        g_ptr_array_add (found, item);
    }
  for (guint i = 0; i < found->len; i++)
    g_ptr_array_add (patterns, ((ActorscopeActorItem *) found->pdata[i])->group_pattern);
  g_ptr_array_add (patterns, NULL);
  if (self->groups != NULL && g_strv_equal ((const char *const *) self->groups,
                                            (const char *const *) patterns->pdata))
    return;
  g_strfreev (self->groups);
  self->groups = g_strdupv ((char **) patterns->pdata);
  g_signal_emit (self, signals[GROUPS_CHANGED], 0);
}

const char *const *
actorscope_actor_tree_get_groups (ActorscopeActorTree *self)
{
  g_return_val_if_fail (ACTORSCOPE_IS_ACTOR_TREE (self), NULL);
  return self->groups != NULL && self->groups[0] != NULL ? (const char *const *) self->groups : NULL;
}

gboolean
actorscope_actor_tree_set_grouped (ActorscopeActorTree *self, IngestActorId id, gboolean grouped)
{
  ActorscopeActorItem *item;

  g_return_val_if_fail (ACTORSCOPE_IS_ACTOR_TREE (self), FALSE);
  if (id == 0 || id >= self->items->len)
    return FALSE;
  item = self->items->pdata[id];
  if (grouped && item->children == NULL)
    return FALSE;   /* a single actor is already one node */
  if (grouped && item->group_pattern == NULL)
    item->group_pattern = item_subtree_pattern (item, self->items);
  if (grouped && item->group_pattern == NULL)
    return FALSE;
  if (item->grouped != grouped)
    {
      item->grouped = grouped;
      if (grouped)
        g_hash_table_add (self->grouped, g_strdup (item->path));
      else
        g_hash_table_remove (self->grouped, item->path);
      g_object_notify_by_pspec (G_OBJECT (item), item_props[ITEM_PROP_GROUPED]);
    }
  tree_update_groups (self);
  return TRUE;
}

gboolean
actorscope_actor_tree_get_grouped (ActorscopeActorTree *self, IngestActorId id)
{
  g_return_val_if_fail (ACTORSCOPE_IS_ACTOR_TREE (self), FALSE);
  return id > 0 && id < self->items->len && ((ActorscopeActorItem *) self->items->pdata[id])->grouped;
}

static GListModel *
create_children (gpointer item, gpointer user_data)
{
  ActorscopeActorItem *actor = ACTORSCOPE_ACTOR_ITEM (item);

  return actor->children ? g_object_ref (G_LIST_MODEL (actor->children)) : NULL;
}

static gboolean
filter_row (gpointer row, gpointer user_data)
{
  ActorscopeActorItem *item = gtk_tree_list_row_get_item (row);
  gboolean visible = item->visible;

  g_object_unref (item);
  return visible;
}

static double
trace_seconds (ActorscopeDocument *document)
{
  gint64 t0, t1;

  if (!actorscope_document_get_time_range (document, &t0, &t1) || t1 <= t0)
    return 0;
  return (t1 - t0) / 1e9;
}

/* The narrowest the name column gets when figures need the room. */
#define TREE_NAME_MIN_WIDTH 90

/* Widens the numeric columns to their widest cell, so a count is never
 * clipped ("32414" for 324142): the widths set at construction fit typical
 * values only. Columns only grow (a narrower trace keeps the width). */
static void
tree_fit_columns (ActorscopeActorTree *self)
{
  static const char *const numeric[] = { "in", "out", "rate", "depth", "mailbox", "processing", "errors" };
  GtkColumnViewColumn *name = g_hash_table_lookup (self->columns, "actor");
  int growth = 0;

  for (guint c = 0; c < G_N_ELEMENTS (numeric); c++)
    {
      GtkColumnViewColumn *column = g_hash_table_lookup (self->columns, numeric[c]);
      g_autoptr(PangoLayout) layout = gtk_widget_create_pango_layout (GTK_WIDGET (self), NULL);
      int widest = 0;

      if (column == NULL)
        continue;
      /* Bounded: a huge tree is measured on its first rows (the roots,
       * whose sums are the largest figures, come first or early). */
      for (guint i = 1; i < self->items->len && i < 5000; i++)
        {
          g_autofree char *text = item_format (self->items->pdata[i], numeric[c]);
          int w = 0;

          pango_layout_set_text (layout, text, -1);
          pango_layout_get_pixel_size (layout, &w, NULL);
          widest = MAX (widest, w);
        }
      /* 4 px cell padding each side (style.css) and a little air. */
      if (widest + 12 > gtk_column_view_column_get_fixed_width (column))
        {
          growth += widest + 12 - gtk_column_view_column_get_fixed_width (column);
          gtk_column_view_column_set_fixed_width (column, widest + 12);
        }
    }
  /* The names give the room back (they expand into what is left, and a
   * narrow pane scrolls), so the default sidebar still holds every column. */
  if (name != NULL && growth > 0)
    gtk_column_view_column_set_fixed_width (name, MAX (TREE_NAME_MIN_WIDTH,
                                                       gtk_column_view_column_get_fixed_width (name) - growth));
}

void
actorscope_actor_tree_set_document (ActorscopeActorTree *self, ActorscopeDocument *document)
{
  IngestStore *store;
  guint32 n;
  double seconds;

  g_return_if_fail (ACTORSCOPE_IS_ACTOR_TREE (self));
  /* Another trace: its actors are not the grouped ones. The same document
   * (rebuilt for new live actors) keeps its groups. */
  if (document != self->document)
    {
      g_hash_table_remove_all (self->grouped);
      g_clear_pointer (&self->figures, actorscope_window_figures_unref);
    }
  g_set_object (&self->document, document);
  g_list_store_remove_all (self->roots);
  g_ptr_array_set_size (self->items, 0);
  if (document == NULL)
    {
      tree_update_groups (self);
      return;
    }

  store = actorscope_document_get_store (document);
  n = ingest_store_n_actors (store);
  seconds = trace_seconds (document);
  /* Small systems open fully expanded; big ones start collapsed so the
   * tree stays cheap. Set before the rows exist: it applies on creation. */
  gtk_tree_list_model_set_autoexpand (self->tree, n <= 300);
  g_ptr_array_add (self->items, NULL);
  for (IngestActorId id = 1; id <= n; id++)
    {
      const IngestActor *actor = ingest_store_actor (store, id);
      ActorscopeActorItem *item = g_object_new (ACTORSCOPE_TYPE_ACTOR_ITEM, NULL);

      item->id = id;
      item->path = g_strdup (ingest_store_atom (store, actor->name));
      item->name = g_strdup (ingest_store_atom (store, actor->short_name));
      if (item->name[0] == '\0')
        { g_free (item->name); item->name = g_strdup (item->path); }
      item->kind = g_strdup (ingest_actor_kind_to_string (actor->kind));
      item->grouped = g_hash_table_contains (self->grouped, item->path);
      g_ptr_array_add (self->items, item);
    }
  /* Link children to parents first, then publish the roots: a row asks
   * for its children once, when it is created. */
  {
    g_autoptr(GPtrArray) roots = g_ptr_array_new ();

    for (IngestActorId id = 1; id <= n; id++)
      {
        const IngestActor *actor = ingest_store_actor (store, id);
        ActorscopeActorItem *item = self->items->pdata[id];
        ActorscopeActorItem *parent = actor->parent > 0 && actor->parent <= n && actor->parent != id
                                      ? self->items->pdata[actor->parent] : NULL;

        if (parent == NULL)
          g_ptr_array_add (roots, item);
        else
          {
            if (parent->children == NULL)
              parent->children = g_list_store_new (ACTORSCOPE_TYPE_ACTOR_ITEM);
            g_list_store_append (parent->children, item);
            item->parent = parent;
          }
      }
    /* Figures first: rows bind their labels when the roots are published. */
    items_load_all (self->items, store, seconds, self->figures);
    tree_fit_columns (self);
    g_list_store_splice (self->roots, 0, 0, roots->pdata, roots->len);
  }
  tree_update_groups (self);
}

void
actorscope_actor_tree_refresh (ActorscopeActorTree *self)
{
  IngestStore *store;
  double seconds;

  g_return_if_fail (ACTORSCOPE_IS_ACTOR_TREE (self));
  if (self->document == NULL)
    return;
  store = actorscope_document_get_store (self->document);
  if (ingest_store_n_actors (store) + 1 != self->items->len)
    {
      /* New actors arrived: rebuild the hierarchy. */
      g_autoptr(ActorscopeDocument) doc = g_object_ref (self->document);
      actorscope_actor_tree_set_document (self, doc);
      return;
    }
  seconds = trace_seconds (self->document);
  items_load_all (self->items, store, seconds, self->figures);
  /* A window's counts are at most the trace's, which the columns were
   * fitted to: measuring every cell on each replay frame is not needed. */
  if (self->figures == NULL)
    tree_fit_columns (self);
  for (guint i = 1; i < self->items->len; i++)
    {
      ActorscopeActorItem *item = self->items->pdata[i];

      for (guint p = ITEM_PROP_RECEIVED; p <= ITEM_PROP_ERRORS; p++)
        g_object_notify_by_pspec (G_OBJECT (item), item_props[p]);
    }
  gtk_widget_queue_draw (GTK_WIDGET (self->column_view));
}

void
actorscope_actor_tree_set_window_figures (ActorscopeActorTree *self, ActorscopeWindowFigures *figures)
{
  g_return_if_fail (ACTORSCOPE_IS_ACTOR_TREE (self));
  if (figures == self->figures)
    return;
  g_clear_pointer (&self->figures, actorscope_window_figures_unref);
  if (figures != NULL)
    self->figures = actorscope_window_figures_ref (figures);
  actorscope_actor_tree_refresh (self);
}

/* Marks items visible when they or a descendant match; returns whether
 * anything in the subtree matched. */
static gboolean
mark_visible (ActorscopeActorItem *item, IngestMatcher *matcher)
{
  gboolean any = matcher == NULL || ingest_matcher_match (matcher, item->path);

  if (item->children != NULL)
    for (guint i = 0; i < g_list_model_get_n_items (G_LIST_MODEL (item->children)); i++)
      {
        g_autoptr(ActorscopeActorItem) child = g_list_model_get_item (G_LIST_MODEL (item->children), i);
        any |= mark_visible (child, matcher);
      }
  item->visible = any;
  return any;
}

void
actorscope_actor_tree_set_filter (ActorscopeActorTree *self, const char *filter)
{
  g_autoptr(IngestMatcher) matcher = NULL;
  g_autofree char *pattern = NULL;

  g_return_if_fail (ACTORSCOPE_IS_ACTOR_TREE (self));
  pattern = ingest_matcher_pattern_from_search (filter);
  /* A bad regex shows everything; the view reports the error. */
  if (pattern != NULL)
    matcher = ingest_matcher_new (pattern, NULL);
  for (guint i = 0; i < g_list_model_get_n_items (G_LIST_MODEL (self->roots)); i++)
    {
      g_autoptr(ActorscopeActorItem) item = g_list_model_get_item (G_LIST_MODEL (self->roots), i);
      mark_visible (item, matcher);
    }
  gtk_tree_list_model_set_autoexpand (self->tree, matcher != NULL || self->items->len <= 301);
  gtk_filter_changed (GTK_FILTER (self->filter), GTK_FILTER_CHANGE_DIFFERENT);
  if (matcher != NULL)
    {
      /* Autoexpand only applies to rows created from now on: expand the
       * existing ones too. */
      for (guint i = 0; i < g_list_model_get_n_items (G_LIST_MODEL (self->tree)); i++)
        {
          g_autoptr(GtkTreeListRow) row = g_list_model_get_item (G_LIST_MODEL (self->tree), i);
          gtk_tree_list_row_set_expanded (row, TRUE);
        }
    }
}

static void
on_selection_changed (GtkSelectionModel *model, guint position, guint n_items, gpointer user_data)
{
  ActorscopeActorTree *self = user_data;

  if (self->selecting)
    return;
  g_signal_emit (self, signals[ACTOR_SELECTED], 0, actorscope_actor_tree_get_selected_actor (self));
}

IngestActorId
actorscope_actor_tree_get_selected_actor (ActorscopeActorTree *self)
{
  GtkTreeListRow *row;
  g_autoptr(ActorscopeActorItem) item = NULL;

  g_return_val_if_fail (ACTORSCOPE_IS_ACTOR_TREE (self), 0);
  row = gtk_single_selection_get_selected_item (self->selection);
  if (row == NULL)
    return 0;
  item = gtk_tree_list_row_get_item (row);
  return item ? item->id : 0;
}

IngestActorId
actorscope_actor_tree_get_actor_at (ActorscopeActorTree *self, guint position)
{
  g_autoptr(GtkTreeListRow) row = NULL;
  g_autoptr(ActorscopeActorItem) item = NULL;

  g_return_val_if_fail (ACTORSCOPE_IS_ACTOR_TREE (self), 0);
  row = g_list_model_get_item (G_LIST_MODEL (self->selection), position);
  if (row == NULL)
    return 0;
  item = gtk_tree_list_row_get_item (row);
  return item ? item->id : 0;
}

guint
actorscope_actor_tree_get_n_visible (ActorscopeActorTree *self)
{
  g_return_val_if_fail (ACTORSCOPE_IS_ACTOR_TREE (self), 0);
  return g_list_model_get_n_items (G_LIST_MODEL (self->selection));
}

void
actorscope_actor_tree_select_actor (ActorscopeActorTree *self, IngestActorId id)
{
  IngestStore *store;
  GArray *chain;

  g_return_if_fail (ACTORSCOPE_IS_ACTOR_TREE (self));
  self->selecting = TRUE;
  if (id == 0 || self->document == NULL || id >= self->items->len)
    {
      gtk_single_selection_set_selected (self->selection, GTK_INVALID_LIST_POSITION);
      self->selecting = FALSE;
      return;
    }
  /* Expand the ancestors from the top so the row exists. */
  store = actorscope_document_get_store (self->document);
  chain = g_array_new (FALSE, FALSE, sizeof (IngestActorId));
  for (IngestActorId a = ingest_store_actor (store, id)->parent; a != 0 && chain->len < 256;
       a = ingest_store_actor (store, a)->parent)
    g_array_prepend_val (chain, a);
  for (guint c = 0; c < chain->len; c++)
    for (guint i = 0; i < g_list_model_get_n_items (G_LIST_MODEL (self->tree)); i++)
      {
        g_autoptr(GtkTreeListRow) row = g_list_model_get_item (G_LIST_MODEL (self->tree), i);
        g_autoptr(ActorscopeActorItem) item = gtk_tree_list_row_get_item (row);

        if (item->id == g_array_index (chain, IngestActorId, c))
          {
            gtk_tree_list_row_set_expanded (row, TRUE);
            break;
          }
      }
  g_array_free (chain, TRUE);
  for (guint i = 0; i < g_list_model_get_n_items (G_LIST_MODEL (self->selection)); i++)
    if (actorscope_actor_tree_get_actor_at (self, i) == id)
      {
        gtk_single_selection_set_selected (self->selection, i);
        gtk_widget_activate_action (GTK_WIDGET (self->column_view), "list.scroll-to-item", "u", i);
        break;
      }
  self->selecting = FALSE;
}

gboolean
actorscope_actor_tree_sort_by (ActorscopeActorTree *self, const char *name, gboolean descending)
{
  GtkColumnViewColumn *column;

  g_return_val_if_fail (ACTORSCOPE_IS_ACTOR_TREE (self), FALSE);
  column = g_hash_table_lookup (self->columns, name);
  if (column == NULL)
    return FALSE;
  /* Numeric sorters are set up busiest-first, so the column view's
   * "ascending" (the first click) means descending values there. */
  if (!g_str_equal (name, "actor"))
    descending = !descending;
  gtk_column_view_sort_by_column (self->column_view, column,
                                  descending ? GTK_SORT_DESCENDING : GTK_SORT_ASCENDING);
  return TRUE;
}

/* ---- the rows' context menu ---- */

static void
on_row_pressed (GtkGestureClick *gesture, int n_press, double x, double y, gpointer user_data)
{
  GtkListItem *list_item = user_data;
  GtkWidget *cell = gtk_event_controller_get_widget (GTK_EVENT_CONTROLLER (gesture));
  ActorscopeActorTree *self = ACTORSCOPE_ACTOR_TREE (gtk_widget_get_ancestor (cell, ACTORSCOPE_TYPE_ACTOR_TREE));
  GtkTreeListRow *row = gtk_list_item_get_item (list_item);
  g_autoptr(ActorscopeActorItem) item = NULL;
  graphene_point_t p;

  if (self == NULL || row == NULL)
    return;
  item = gtk_tree_list_row_get_item (row);
  gtk_single_selection_set_selected (self->selection, gtk_list_item_get_position (list_item));
  if (!gtk_widget_compute_point (cell, GTK_WIDGET (self), &GRAPHENE_POINT_INIT (x, y), &p))
    p = GRAPHENE_POINT_INIT (0, 0);
  actorscope_actor_tree_popup_menu (self, item->id, p.x, p.y);
  gtk_gesture_set_state (GTK_GESTURE (gesture), GTK_EVENT_SEQUENCE_CLAIMED);
}

/* Right-click (or a long press) on any cell of a row opens its menu. */
static void
cell_add_menu_gesture (GtkWidget *cell, GtkListItem *list_item)
{
  GtkGesture *click = gtk_gesture_click_new ();

  gtk_gesture_single_set_button (GTK_GESTURE_SINGLE (click), GDK_BUTTON_SECONDARY);
  g_signal_connect (click, "pressed", G_CALLBACK (on_row_pressed), list_item);
  gtk_widget_add_controller (cell, GTK_EVENT_CONTROLLER (click));
}

/* While the menu is open the rows take no pointer: the pointer rests on
 * the row it was opened on, and that row's tooltip (its path, or a cell's
 * figures) would pop up over the menu's first item. A widget that cannot
 * be targeted is never picked for a tooltip. */
static void
on_menu_shown (ActorscopeActorTree *self)
{
  gtk_widget_set_can_target (GTK_WIDGET (self->column_view), FALSE);
}

/* The enabled states only describe the row the menu was opened on. */
static void
on_menu_closed (ActorscopeActorTree *self)
{
  gtk_widget_set_can_target (GTK_WIDGET (self->column_view), TRUE);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "tree.group", TRUE);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "tree.ungroup", TRUE);
}

void
actorscope_actor_tree_popup_menu (ActorscopeActorTree *self, IngestActorId id, double x, double y)
{
  ActorscopeActorItem *item;
  gboolean inside = FALSE;

  g_return_if_fail (ACTORSCOPE_IS_ACTOR_TREE (self));
  if (id == 0 || id >= self->items->len)
    return;
  item = self->items->pdata[id];
  for (ActorscopeActorItem *a = item->parent; a != NULL && !inside; a = a->parent)
    inside = a->grouped;
  self->menu_actor = id;
  /* Inside a folded subtree the outer group wins anyway: nothing to offer
   * but ungrouping the outer one, from its own row. */
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "tree.group",
                                 item->children != NULL && !item->grouped && !inside);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "tree.ungroup", item->grouped);
  gtk_popover_set_pointing_to (GTK_POPOVER (self->menu), &(GdkRectangle) { (int) x, (int) y, 1, 1 });
  gtk_popover_popup (GTK_POPOVER (self->menu));
}

static void
tree_action_group (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  ActorscopeActorTree *self = ACTORSCOPE_ACTOR_TREE (widget);
  guint32 id = parameter != NULL ? g_variant_get_uint32 (parameter) : self->menu_actor;

  gtk_popover_popdown (GTK_POPOVER (self->menu));
  actorscope_actor_tree_set_grouped (self, id ? id : self->menu_actor,
                                     g_str_equal (action_name, "tree.group"));
}

ActorscopeActorItem *
actorscope_actor_tree_get_item (ActorscopeActorTree *self, IngestActorId id)
{
  g_return_val_if_fail (ACTORSCOPE_IS_ACTOR_TREE (self), NULL);
  return id > 0 && id < self->items->len ? self->items->pdata[id] : NULL;
}

gboolean
actorscope_actor_tree_get_menu_visible (ActorscopeActorTree *self)
{
  g_return_val_if_fail (ACTORSCOPE_IS_ACTOR_TREE (self), FALSE);
  return gtk_widget_get_visible (self->menu);
}

/* ---- cells ---- */

static void
on_item_grouped (ActorscopeActorItem *item, GParamSpec *pspec, GtkWidget *expander)
{
  GtkWidget *label = gtk_tree_expander_get_child (GTK_TREE_EXPANDER (expander));
  g_autofree char *tooltip = NULL;

  /* A folded subtree reads differently: the views show it as one node. */
  if (item->grouped)
    {
      gtk_widget_add_css_class (label, "grouped");
      tooltip = g_strdup_printf (_("%s and everything under it, shown as one node"), item->path);
    }
  else
    {
      gtk_widget_remove_css_class (label, "grouped");
      tooltip = item->children != NULL
                ? g_strdup_printf (_("%s: figures of it and everything under it"), item->path)
                : g_strdup (item->path);
    }
  gtk_widget_set_tooltip_text (expander, tooltip);
}

static void
setup_name (GtkSignalListItemFactory *factory, GtkListItem *list_item, gpointer user_data)
{
  GtkWidget *expander = gtk_tree_expander_new ();
  GtkWidget *label = gtk_label_new (NULL);

  gtk_label_set_xalign (GTK_LABEL (label), 0);
  gtk_label_set_ellipsize (GTK_LABEL (label), PANGO_ELLIPSIZE_MIDDLE);
  gtk_tree_expander_set_child (GTK_TREE_EXPANDER (expander), label);
  gtk_list_item_set_child (list_item, expander);
  cell_add_menu_gesture (expander, list_item);
}

static void
unbind_name (GtkSignalListItemFactory *factory, GtkListItem *list_item, gpointer user_data)
{
  GtkTreeListRow *row = gtk_list_item_get_item (list_item);
  g_autoptr(ActorscopeActorItem) item = row ? gtk_tree_list_row_get_item (row) : NULL;

  if (item != NULL)
    g_signal_handlers_disconnect_by_func (item, on_item_grouped, gtk_list_item_get_child (list_item));
}

static void
bind_name (GtkSignalListItemFactory *factory, GtkListItem *list_item, gpointer user_data)
{
  GtkTreeListRow *row = gtk_list_item_get_item (list_item);
  GtkWidget *expander = gtk_list_item_get_child (list_item);
  g_autoptr(ActorscopeActorItem) item = gtk_tree_list_row_get_item (row);
  GtkWidget *label = gtk_tree_expander_get_child (GTK_TREE_EXPANDER (expander));

  gtk_tree_expander_set_list_row (GTK_TREE_EXPANDER (expander), row);
  /* set_text, never markup: actor names come from the trace. */
  gtk_label_set_text (GTK_LABEL (label), item->name);
  on_item_grouped (item, NULL, expander);
  g_signal_connect_object (item, "notify::grouped", G_CALLBACK (on_item_grouped), expander, 0);
}

static void
setup_number (GtkSignalListItemFactory *factory, GtkListItem *list_item, gpointer user_data)
{
  GtkWidget *label = gtk_label_new (NULL);

  gtk_label_set_xalign (GTK_LABEL (label), 1);
  gtk_widget_add_css_class (label, "numeric");
  gtk_list_item_set_child (list_item, label);
  cell_add_menu_gesture (label, list_item);
}

static void
number_show (GtkWidget *label, ActorscopeActorItem *item, const char *what)
{
  g_autofree char *text = item_format (item, what);

  gtk_label_set_text (GTK_LABEL (label), text);
  if (g_str_equal (what, "errors") && item->errors > 0)
    gtk_widget_add_css_class (label, "error");
  else
    gtk_widget_remove_css_class (label, "error");
}

/* A row's figures changed (live appends, a replay's cursor): a bound
 * cell shows them at once, not when it is next scrolled into view. */
static void
on_item_figures (ActorscopeActorItem *item, GParamSpec *pspec, gpointer user_data)
{
  GtkWidget *label = user_data;

  if (g_str_equal (pspec->name, "grouped") || g_str_equal (pspec->name, "name"))
    return;
  number_show (label, item, g_object_get_data (G_OBJECT (label), "column"));
}

static void
bind_number (GtkSignalListItemFactory *factory, GtkListItem *list_item, gpointer user_data)
{
  const char *what = user_data;
  GtkTreeListRow *row = gtk_list_item_get_item (list_item);
  g_autoptr(ActorscopeActorItem) item = gtk_tree_list_row_get_item (row);
  GtkWidget *label = gtk_list_item_get_child (list_item);
  gulong handler;

  number_show (label, item, what);
  /* what lives as long as the factory, which outlives its cells. */
  g_object_set_data (G_OBJECT (label), "column", (gpointer) what);
  handler = g_signal_connect_object (item, "notify", G_CALLBACK (on_item_figures), label, 0);
  g_object_set_data (G_OBJECT (label), "item-handler", GSIZE_TO_POINTER ((gsize) handler));
  g_object_set_data_full (G_OBJECT (label), "item", g_object_ref (item), g_object_unref);
}

static void
unbind_number (GtkSignalListItemFactory *factory, GtkListItem *list_item, gpointer user_data)
{
  GtkWidget *label = gtk_list_item_get_child (list_item);
  gpointer item = g_object_get_data (G_OBJECT (label), "item");
  gulong handler = (gulong) GPOINTER_TO_SIZE (g_object_get_data (G_OBJECT (label), "item-handler"));

  if (item != NULL && handler != 0)
    g_signal_handler_disconnect (item, handler);
  g_object_set_data (G_OBJECT (label), "item-handler", NULL);
  g_object_set_data (G_OBJECT (label), "item", NULL);
}

/* GTK 4.8 has no tooltip for a column header: the column view's first
 * child is the header row, whose children are the column titles in
 * column order. Each gets its column's tooltip (the long form of the
 * short header). Nothing happens if that internal layout ever changes. */
static void
set_header_tooltips (ActorscopeActorTree *self)
{
  GtkWidget *header = gtk_widget_get_first_child (GTK_WIDGET (self->column_view));
  GListModel *columns = gtk_column_view_get_columns (self->column_view);
  GtkWidget *title;
  guint i = 0;

  if (header == NULL || g_strcmp0 (gtk_widget_get_css_name (header), "header") != 0)
    return;
  for (title = gtk_widget_get_first_child (header); title != NULL && i < g_list_model_get_n_items (columns);
       title = gtk_widget_get_next_sibling (title), i++)
    {
      g_autoptr(GObject) column = g_list_model_get_item (columns, i);

      gtk_widget_set_tooltip_text (title, g_object_get_data (column, "tooltip"));
    }
}

char *
actorscope_actor_tree_dup_cell_text (ActorscopeActorTree *self, IngestActorId id, const char *name)
{
  g_return_val_if_fail (ACTORSCOPE_IS_ACTOR_TREE (self), NULL);
  g_return_val_if_fail (name != NULL, NULL);
  if (id == 0 || id >= self->items->len || g_hash_table_lookup (self->columns, name) == NULL ||
      g_str_equal (name, "actor"))
    return NULL;
  return item_format (self->items->pdata[id], name);
}

const char *
actorscope_actor_tree_get_column_tooltip (ActorscopeActorTree *self, const char *name)
{
  GObject *column;

  g_return_val_if_fail (ACTORSCOPE_IS_ACTOR_TREE (self), NULL);
  column = g_hash_table_lookup (self->columns, name);
  return column ? g_object_get_data (column, "tooltip") : NULL;
}

int
actorscope_actor_tree_get_columns_width (ActorscopeActorTree *self)
{
  GListModel *columns;
  int total = 0;

  g_return_val_if_fail (ACTORSCOPE_IS_ACTOR_TREE (self), 0);
  columns = gtk_column_view_get_columns (self->column_view);
  for (guint i = 0; i < g_list_model_get_n_items (columns); i++)
    {
      g_autoptr(GtkColumnViewColumn) column = g_list_model_get_item (columns, i);

      total += gtk_column_view_column_get_fixed_width (column);
    }
  return total;
}

/* A column's tooltip: render-columns' meaning of it, and its scope here
 * (the tree always covers the whole trace). Owned by the tree's column. */
static char *
column_tooltip (RenderColumnId id)
{
  /* Translators: a column's tooltip: its meaning, then its scope. */
  return g_strdup_printf (_("%s (whole trace)"), _(render_column_get (id)->description));
}

static void
add_column (ActorscopeActorTree *self, const char *name, const char *title, char *tooltip /* taken */,
            const char *property, gboolean is_name)
{
  GtkListItemFactory *factory = gtk_signal_list_item_factory_new ();
  GtkColumnViewColumn *column;
  GtkSorter *sorter;
  GtkExpression *expr = gtk_property_expression_new (ACTORSCOPE_TYPE_ACTOR_ITEM, NULL, property);

  if (is_name)
    {
      g_signal_connect (factory, "setup", G_CALLBACK (setup_name), NULL);
      g_signal_connect (factory, "bind", G_CALLBACK (bind_name), NULL);
      g_signal_connect (factory, "unbind", G_CALLBACK (unbind_name), NULL);
      sorter = GTK_SORTER (gtk_string_sorter_new (expr));
    }
  else
    {
      g_signal_connect (factory, "setup", G_CALLBACK (setup_number), NULL);
      g_signal_connect_data (factory, "bind", G_CALLBACK (bind_number), g_strdup (name),
                             (GClosureNotify) (void (*) (void)) g_free, 0);
      g_signal_connect (factory, "unbind", G_CALLBACK (unbind_number), NULL);
      sorter = GTK_SORTER (gtk_numeric_sorter_new (expr));
      /* Busiest first on the first click, as in the Akka console. */
      gtk_numeric_sorter_set_sort_order (GTK_NUMERIC_SORTER (sorter), GTK_SORT_DESCENDING);
    }
  column = gtk_column_view_column_new (title, factory);
  gtk_column_view_column_set_sorter (column, sorter);
  gtk_column_view_column_set_resizable (column, TRUE);
  /* Numbers are short: compact columns leave the room to the names, so all
   * eight columns fit the default sidebar (the full meaning of each short
   * header is in its tooltip, see set_header_tooltips). */
  if (is_name)
    {
      /* Never squeezed to "cl…1" by the figures: a narrow pane scrolls. */
      gtk_column_view_column_set_expand (column, TRUE);
      gtk_column_view_column_set_fixed_width (column, 150);
    }
  else
    {
      /* Measured, not guessed: as wide as the widest typical value or the
       * (translated) title plus the sort arrow, whichever is wider. */
      gboolean duration = g_str_equal (name, "mailbox") || g_str_equal (name, "processing");
      g_autoptr(PangoLayout) title_layout = gtk_widget_create_pango_layout (GTK_WIDGET (self), title);
      g_autoptr(PangoLayout) value_layout =
        gtk_widget_create_pango_layout (GTK_WIDGET (self), duration ? "888 ms" : "8888");
      int title_w = 0, values_w = 0;

      pango_layout_get_pixel_size (title_layout, &title_w, NULL);
      pango_layout_get_pixel_size (value_layout, &values_w, NULL);
      /* Cells have 4 px padding each side (style.css); the sort arrow
       * takes ~16 px next to the title. */
      gtk_column_view_column_set_fixed_width (column, MAX (values_w + 10, title_w + 24));
    }
  gtk_column_view_append_column (self->column_view, column);
  g_hash_table_insert (self->columns, g_strdup (name), column);
  g_object_set_data_full (G_OBJECT (column), "tooltip", tooltip, g_free);
  g_object_unref (sorter);
  g_object_unref (column);
}

static void
actorscope_actor_tree_dispose (GObject *object)
{
  ActorscopeActorTree *self = ACTORSCOPE_ACTOR_TREE (object);

  g_clear_pointer (&self->menu, gtk_widget_unparent);
  g_clear_pointer (&self->scroller, gtk_widget_unparent);
  g_clear_pointer (&self->grouped, g_hash_table_unref);
  g_clear_pointer (&self->groups, g_strfreev);
  g_clear_object (&self->selection);
  g_clear_object (&self->document);
  g_clear_pointer (&self->figures, actorscope_window_figures_unref);
  g_clear_pointer (&self->columns, g_hash_table_unref);
  g_clear_pointer (&self->items, g_ptr_array_unref);
  g_clear_object (&self->roots);
  G_OBJECT_CLASS (actorscope_actor_tree_parent_class)->dispose (object);
}

/* items[0] is a NULL placeholder so ids index the array directly. */
static void
unref_nullable (gpointer object)
{
  if (object != NULL)
    g_object_unref (object);
}

static void
actorscope_actor_tree_class_init (ActorscopeActorTreeClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = actorscope_actor_tree_dispose;
  signals[ACTOR_SELECTED] = g_signal_new ("actor-selected", G_TYPE_FROM_CLASS (klass),
                                          G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE,
                                          1, G_TYPE_UINT);
  /* The grouped subtrees changed: see actorscope_actor_tree_get_groups(). */
  signals[GROUPS_CHANGED] = g_signal_new ("groups-changed", G_TYPE_FROM_CLASS (klass),
                                          G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE, 0);
  gtk_widget_class_install_action (widget_class, "tree.group", "u", tree_action_group);
  gtk_widget_class_install_action (widget_class, "tree.ungroup", "u", tree_action_group);
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "actortree");
}

static void
actorscope_actor_tree_init (ActorscopeActorTree *self)
{
  GtkSortListModel *sorted;
  GtkTreeListRowSorter *row_sorter;

  self->columns = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->grouped = g_hash_table_new_full (ingest_hash_str, g_str_equal, g_free, NULL);
  self->items = g_ptr_array_new_with_free_func (unref_nullable);
  self->roots = g_list_store_new (ACTORSCOPE_TYPE_ACTOR_ITEM);
  self->column_view = GTK_COLUMN_VIEW (gtk_column_view_new (NULL));
  gtk_column_view_set_show_column_separators (self->column_view, FALSE);
  gtk_widget_add_css_class (GTK_WIDGET (self->column_view), "data-table");

  add_column (self, "actor", _("Actor"), g_strdup (_("Actor, by its place in the hierarchy")), "name", TRUE);
  /* Translators: column header, messages received ("in"). Keep short. */
  add_column (self, "in", C_("column", "In"), column_tooltip (RENDER_COLUMN_RECEIVED), "received", FALSE);
  /* Translators: column header, messages sent ("out"). Keep short. */
  add_column (self, "out", C_("column", "Out"), column_tooltip (RENDER_COLUMN_SENT), "sent", FALSE);
  /* Translators: column header, messages per second. Keep short (4 letters). */
  add_column (self, "rate", C_("column", "Rate"), column_tooltip (RENDER_COLUMN_RATE), "rate", FALSE);
  /* Translators: column header, largest mailbox depth. Keep short (5 letters). */
  add_column (self, "depth", C_("column", "Depth"), column_tooltip (RENDER_COLUMN_MAILBOX_MAX), "depth", FALSE);
  /* Translators: column header, 99th percentile of the time a message waits in the mailbox. */
  add_column (self, "mailbox", C_("column", "Wait"), column_tooltip (RENDER_COLUMN_WAIT_P99), "mailbox", FALSE);
  /* Translators: column header, 99th percentile of the processing time. Keep short (4 letters). */
  add_column (self, "processing", C_("column", "Proc"), column_tooltip (RENDER_COLUMN_PROC_P99), "processing", FALSE);
  /* Translators: column header, errors and crashes. Keep short (3 letters). */
  add_column (self, "errors", C_("column", "Err"), column_tooltip (RENDER_COLUMN_ERRORS), "errors", FALSE);
  set_header_tooltips (self);

  self->tree = gtk_tree_list_model_new (G_LIST_MODEL (g_object_ref (self->roots)), FALSE, FALSE,
                                        create_children, NULL, NULL);
  row_sorter = gtk_tree_list_row_sorter_new (g_object_ref (gtk_column_view_get_sorter (self->column_view)));
  sorted = gtk_sort_list_model_new (G_LIST_MODEL (self->tree), GTK_SORTER (row_sorter));
  self->filter = gtk_custom_filter_new (filter_row, NULL, NULL);
  self->filtered = gtk_filter_list_model_new (G_LIST_MODEL (sorted), GTK_FILTER (self->filter));
  self->selection = gtk_single_selection_new (G_LIST_MODEL (self->filtered));
  gtk_single_selection_set_autoselect (self->selection, FALSE);
  gtk_single_selection_set_can_unselect (self->selection, TRUE);
  g_signal_connect (self->selection, "selection-changed", G_CALLBACK (on_selection_changed), self);
  gtk_column_view_set_model (self->column_view, GTK_SELECTION_MODEL (self->selection));

  self->scroller = gtk_scrolled_window_new ();
  gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (self->scroller), GTK_WIDGET (self->column_view));
  gtk_widget_set_parent (self->scroller, GTK_WIDGET (self));

  {
    g_autoptr(GMenu) menu = g_menu_new ();

    /* The target is filled in when the menu opens (menu_actor): 0 here. */
    g_menu_append (menu, _("_Group Into One Node"), "tree.group(uint32 0)");
    g_menu_append (menu, _("_Show Members Separately"), "tree.ungroup(uint32 0)");
    self->menu = gtk_popover_menu_new_from_model (G_MENU_MODEL (menu));
    gtk_popover_set_has_arrow (GTK_POPOVER (self->menu), FALSE);
    gtk_popover_set_position (GTK_POPOVER (self->menu), GTK_POS_BOTTOM);
    gtk_widget_set_halign (self->menu, GTK_ALIGN_START);
    gtk_widget_set_parent (self->menu, GTK_WIDGET (self));
    g_signal_connect_swapped (self->menu, "show", G_CALLBACK (on_menu_shown), self);
    g_signal_connect_swapped (self->menu, "closed", G_CALLBACK (on_menu_closed), self);
  }
}
