/* test-render-common.h: helpers shared by the render tests: hand-built
 * views (no parser needed) and an SVG reader on GMarkup that checks
 * well-formedness and collects what was drawn. */
#pragma once

#include <glib.h>
#include <string.h>
#include <math.h>

#include "ingest-store.h"
#include "ingest-view.h"
#include "render-layout.h"
#include "render-svg.h"

/* ---- SVG reading ---- */

typedef struct {
  GHashTable *class_counts;   /* g class -> count */
  GHashTable *element_counts; /* element name -> count */
  GPtrArray *texts;           /* content of every <text> */
  GPtrArray *titles;          /* content of every <title> */
  GString *cur;
  gboolean in_text, in_title;
  guint depth, max_depth;
} SvgInfo;

G_GNUC_UNUSED static void
svg_start (GMarkupParseContext *c, const char *name, const char **an, const char **av,
           gpointer data, GError **error)
{
  SvgInfo *info = data;
  info->depth++;
  info->max_depth = MAX (info->max_depth, info->depth);
  guint n = GPOINTER_TO_UINT (g_hash_table_lookup (info->element_counts, name));
  g_hash_table_insert (info->element_counts, g_strdup (name), GUINT_TO_POINTER (n + 1));
  if (strcmp (name, "g") == 0)
    for (int i = 0; an[i]; i++)
      if (strcmp (an[i], "class") == 0)
        {
          guint k = GPOINTER_TO_UINT (g_hash_table_lookup (info->class_counts, av[i]));
          g_hash_table_insert (info->class_counts, g_strdup (av[i]), GUINT_TO_POINTER (k + 1));
        }
  if (strcmp (name, "text") == 0 || strcmp (name, "title") == 0)
    {
      info->in_text = strcmp (name, "text") == 0;
      info->in_title = !info->in_text;
      g_string_truncate (info->cur, 0);
    }
}

G_GNUC_UNUSED static void
svg_end (GMarkupParseContext *c, const char *name, gpointer data, GError **error)
{
  SvgInfo *info = data;
  info->depth--;
  if (strcmp (name, "text") == 0 && info->in_text)
    g_ptr_array_add (info->texts, g_strdup (info->cur->str));
  if (strcmp (name, "title") == 0 && info->in_title)
    g_ptr_array_add (info->titles, g_strdup (info->cur->str));
  info->in_text = info->in_title = FALSE;
}

G_GNUC_UNUSED static void
svg_text (GMarkupParseContext *c, const char *text, gsize len, gpointer data, GError **error)
{
  SvgInfo *info = data;
  if (info->in_text || info->in_title)
    g_string_append_len (info->cur, text, len);
}

G_GNUC_UNUSED static void
svg_info_clear (SvgInfo *info)
{
  g_hash_table_unref (info->class_counts);
  g_hash_table_unref (info->element_counts);
  g_ptr_array_unref (info->texts);
  g_ptr_array_unref (info->titles);
  g_string_free (info->cur, TRUE);
}

/* Parses svg; returns FALSE (and fills error) if it is not well-formed. */
G_GNUC_UNUSED static gboolean
svg_parse (const char *svg, gsize len, SvgInfo *info, GError **error)
{
  static const GMarkupParser parser = { svg_start, svg_end, svg_text, NULL, NULL };
  memset (info, 0, sizeof *info);
  info->class_counts = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  info->element_counts = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  info->texts = g_ptr_array_new_with_free_func (g_free);
  info->titles = g_ptr_array_new_with_free_func (g_free);
  info->cur = g_string_new (NULL);
  /* GMarkup rejects a leading <?xml?> only when malformed; skip it. */
  const char *p = svg;
  if (g_str_has_prefix (p, "<?xml"))
    {
      p = strstr (p, "?>");
      g_assert_nonnull (p);
      p += 2;
    }
  GMarkupParseContext *ctx = g_markup_parse_context_new (&parser, 0, info, NULL);
  gboolean ok = g_markup_parse_context_parse (ctx, p, len - (p - svg), error) &&
                g_markup_parse_context_end_parse (ctx, error);
  g_markup_parse_context_free (ctx);
  return ok;
}

G_GNUC_UNUSED static guint
svg_count_class (const SvgInfo *info, const char *klass)
{
  return GPOINTER_TO_UINT (g_hash_table_lookup (info->class_counts, klass));
}

G_GNUC_UNUSED static guint
svg_count_element (const SvgInfo *info, const char *name)
{
  return GPOINTER_TO_UINT (g_hash_table_lookup (info->element_counts, name));
}

G_GNUC_UNUSED static gboolean
svg_has_text (const SvgInfo *info, const char *text)
{
  for (guint i = 0; i < info->texts->len; i++)
    if (strcmp (g_ptr_array_index (info->texts, i), text) == 0)
      return TRUE;
  return FALSE;
}

G_GNUC_UNUSED static char *
scene_to_svg (const RenderScene *scene, gsize *len)
{
  GString *out = g_string_new (NULL);
  render_svg_write (scene, out);
  *len = out->len;
  return g_string_free (out, FALSE);
}

/* ---- hand-built views ---- */

G_GNUC_UNUSED static IngestViewNode
test_node (const char *name, guint64 sent, guint64 received)
{
  IngestViewNode n;
  memset (&n, 0, sizeof n);
  n.name = g_strdup (name);
  n.sent = sent;
  n.received = received;
  n.alive = TRUE;
  return n;
}

G_GNUC_UNUSED static void
free_nodes (GArray *nodes)
{
  for (guint i = 0; i < nodes->len; i++)
    g_free (g_array_index (nodes, IngestViewNode, i).name);
  g_array_unref (nodes);
}

G_GNUC_UNUSED static IngestGraph *
test_graph_new (IngestStore *store)
{
  IngestGraph *g = g_new0 (IngestGraph, 1);
  g->store = store;
  g->nodes = g_array_new (FALSE, TRUE, sizeof (IngestViewNode));
  g->edges = g_array_new (FALSE, TRUE, sizeof (IngestViewEdge));
  g->from_ns = 0;
  g->to_ns = 10 * G_GINT64_CONSTANT (1000000000);
  return g;
}

G_GNUC_UNUSED static void
test_graph_free (IngestGraph *g)
{
  free_nodes (g->nodes);
  g_array_unref (g->edges);
  g_free (g);
}

G_GNUC_UNUSED static void
test_graph_edge (IngestGraph *g, guint from, guint to, guint64 count, gint64 p99, IngestAtom label)
{
  IngestViewEdge e;
  memset (&e, 0, sizeof e);
  e.from = from;
  e.to = to;
  e.count = count;
  e.received = count;
  e.rate_per_s = count / 10.0;
  e.mailbox.count = count;
  e.mailbox.p99_ns = p99;
  e.top_label = label;
  g_array_append_val (g->edges, e);
  g_array_index (g->nodes, IngestViewNode, from).sent += count;
  g_array_index (g->nodes, IngestViewNode, to).received += count;
}

/* A structured graph: n nodes in clusters of 8 around hubs, ~m edges,
 * deterministic. */
G_GNUC_UNUSED static IngestGraph *
test_graph_random (IngestStore *store, guint n, guint m)
{
  IngestGraph *g = test_graph_new (store);
  IngestAtom labels[4] = {
    ingest_store_intern (store, INGEST_STR ("GetStatus")),
    ingest_store_intern (store, INGEST_STR ("Event.from")),
    ingest_store_intern (store, INGEST_STR ("VM.start")),
    ingest_store_intern (store, INGEST_STR ("ack")),
  };
  for (guint i = 0; i < n; i++)
    {
      char *name = g_strdup_printf ("/user/group%u/actor-%u", i / 8, i);
      IngestViewNode nd = test_node (name, 0, 0);
      g_free (name);
      g_array_append_val (g->nodes, nd);
    }
  GRand *r = g_rand_new_with_seed (1234);
  for (guint k = 0; k < m; k++)
    {
      guint a = g_rand_int_range (r, 0, n), b;
      if (g_rand_double (r) < 0.75)
        b = MIN (n - 1, (a / 8) * 8 + g_rand_int_range (r, 0, 8));
      else
        b = g_rand_int_range (r, 0, n);
      if (b == a)
        b = (a + 1) % n;
      test_graph_edge (g, a, b, 1 + g_rand_int_range (r, 0, 500),
                       g_rand_int_range (r, 1000, 100000000), labels[k % 4]);
    }
  g_rand_free (r);
  return g;
}

G_GNUC_UNUSED static IngestTimeline *
test_timeline_new (IngestStore *store)
{
  IngestTimeline *t = g_new0 (IngestTimeline, 1);
  t->store = store;
  t->lanes = g_array_new (FALSE, TRUE, sizeof (IngestViewNode));
  t->messages = g_array_new (FALSE, TRUE, sizeof (IngestTimelineMessage));
  t->spans = g_array_new (FALSE, TRUE, sizeof (IngestTimelineSpan));
  t->marks = g_array_new (FALSE, TRUE, sizeof (IngestTimelineMark));
  t->bins = g_array_new (FALSE, TRUE, sizeof (IngestDensityBin));
  t->depth = g_array_new (FALSE, TRUE, sizeof (IngestDepthSample));
  t->from_ns = INGEST_TIME_MIN;
  t->to_ns = INGEST_TIME_MAX;
  return t;
}

G_GNUC_UNUSED static void
test_timeline_free (IngestTimeline *t)
{
  free_nodes (t->lanes);
  g_array_unref (t->messages);
  g_array_unref (t->spans);
  g_array_unref (t->marks);
  g_array_unref (t->bins);
  g_array_unref (t->depth);
  g_free (t);
}

/* n_lanes lanes, n_msgs messages every 100 µs with a span per delivered
 * message; every 10th pending, every 17th dropped; one crash. */
G_GNUC_UNUSED static IngestTimeline *
test_timeline_random (IngestStore *store, guint n_lanes, guint n_msgs)
{
  IngestTimeline *t = test_timeline_new (store);
  IngestAtom labels[3] = {
    ingest_store_intern (store, INGEST_STR ("Request")),
    ingest_store_intern (store, INGEST_STR ("Reply")),
    ingest_store_intern (store, INGEST_STR ("Tick")),
  };
  for (guint i = 0; i < n_lanes; i++)
    {
      char *name = g_strdup_printf ("/user/lane-%u", i);
      IngestViewNode nd = test_node (name, 0, 0);
      g_free (name);
      g_array_append_val (t->lanes, nd);
    }
  gint64 base = G_GINT64_CONSTANT (1700000000000000000);
  for (guint k = 0; k < n_msgs; k++)
    {
      IngestTimelineMessage m;
      memset (&m, 0, sizeof m);
      m.message = k + 1;
      m.from_lane = k % n_lanes;
      m.to_lane = (k * 7 + 1) % n_lanes;
      m.send_ns = base + (gint64) k * 100000;
      m.receive_ns = m.send_ns + 20000 + (k % 5) * 10000;
      m.label = labels[k % 3];
      m.is_response = k % 3 == 1;
      if (k % 10 == 9)
        m.receive_ns = INGEST_TIME_MAX;
      if (k % 17 == 16)
        {
          m.dropped = TRUE;
          m.receive_ns = INGEST_TIME_MAX;
        }
      g_array_append_val (t->messages, m);
      if (m.receive_ns != INGEST_TIME_MAX)
        {
          IngestTimelineSpan sp = { m.to_lane, m.message, m.receive_ns, m.receive_ns + 50000, m.label };
          g_array_append_val (t->spans, sp);
          IngestDepthSample d = { m.to_lane, m.send_ns, 1 + k % 4 };
          (void) d;
        }
    }
  for (guint i = 0; i < n_lanes; i++)
    for (guint k = 0; k < 20; k++)
      {
        IngestDepthSample d = { i, base + (gint64) k * 100000 * (n_msgs / 20 + 1), (k * 3 + i) % 7 };
        g_array_append_val (t->depth, d);
      }
  if (n_msgs > 4)
    {
      IngestTimelineMark mk = { 0, base + 250000, INGEST_EVENT_EXIT, INGEST_EXIT_CRASH,
                                ingest_store_intern (store, INGEST_STR ("boom")) };
      g_array_append_val (t->marks, mk);
    }
  t->n_messages_total = n_msgs;
  return t;
}
