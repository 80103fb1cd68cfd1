/* test-ingest-view.c: graph and timeline views: window, filters, groups,
 * hierarchy order, pending/dropped, spans, marks, depth and level of detail. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "ingest-view.h"
#include "test-ingest-common.h"

#define MS (G_GINT64_CONSTANT (1000000))
#define S (G_GINT64_CONSTANT (1000000000))

static void
ev (IngestStore *s, IngestEventKind kind, gint64 t, const char *actor, const char *peer,
    const char *key, const char *label, const char *text, IngestExitStatus status)
{
  test_ingest_event (s, kind, t, actor, peer, key, label, text, NULL, NULL, status, 10);
}

/* router -> w1/w2/w3 (Job, every 100 ms, 10 ms in mailbox, 20 ms
 * processing) plus Ping to /system/log; one pending Job to w2, one dropped Job
 * at w1, w3 crashes at 5 s, a global mark. */
static IngestStore *
make_store (void)
{
  IngestStore *s = ingest_store_new ();
  static const char *workers[] = { "/user/workers/w1", "/user/workers/w2", "/user/workers/w3" };
  char key[32];

  ev (s, INGEST_EVENT_SPAWN, 0, "/user/router", NULL, NULL, NULL, NULL, 0);
  for (int i = 0; i < 90; i++)
    {
      gint64 t = 10 * MS + i * 100 * MS;
      const char *w = workers[i % 3];
      g_snprintf (key, sizeof key, "j%d", i);
      ev (s, INGEST_EVENT_SEND, t, "/user/router", w, key, "Job", NULL, 0);
      ev (s, INGEST_EVENT_RECEIVE, t + 10 * MS, w, NULL, key, NULL, NULL, 0);
      ev (s, INGEST_EVENT_DONE, t + 30 * MS, w, NULL, key, NULL, NULL, 0);
      if (i % 10 == 0)
        {
          g_snprintf (key, sizeof key, "p%d", i);
          ev (s, INGEST_EVENT_SEND, t + 1 * MS, "/user/router", "/system/log", key, "Ping", NULL, 0);
          ev (s, INGEST_EVENT_RECEIVE, t + 2 * MS, "/system/log", NULL, key, NULL, NULL, 0);
        }
    }
  ev (s, INGEST_EVENT_SEND, 9500 * MS, "/user/router", "/user/workers/w2", "lost", "Job", NULL, 0);
  ev (s, INGEST_EVENT_SEND, 9600 * MS, "/user/router", "/user/workers/w1", "dropme", "Job", NULL, 0);
  ev (s, INGEST_EVENT_DROP, 9700 * MS, "/user/workers/w1", NULL, "dropme", NULL, "overflow", 0);
  ev (s, INGEST_EVENT_EXIT, 5 * S, "/user/workers/w3", NULL, NULL, NULL, "boom", INGEST_EXIT_CRASH);
  ev (s, INGEST_EVENT_MARK, 6 * S, NULL, NULL, NULL, NULL, "checkpoint", 0);
  ev (s, INGEST_EVENT_MARK, 9900 * MS, "/user/router", NULL, NULL, NULL, "done", 0);
  return s;
}

static guint
node_index (GArray *nodes, const char *name)
{
  for (guint i = 0; i < nodes->len; i++)
    if (strcmp (g_array_index (nodes, IngestViewNode, i).name, name) == 0)
      return i;
  fail_msg ("no node %s", name);
  return G_MAXUINT;
}

static const IngestViewEdge *
find_edge (IngestGraph *g, guint from, guint to)
{
  for (guint i = 0; i < g->edges->len; i++)
    {
      const IngestViewEdge *e = &g_array_index (g->edges, IngestViewEdge, i);
      if (e->from == from && e->to == to)
        return e;
    }
  fail_msg ("no edge %u -> %u", from, to);
  abort ();
}

static void
test_graph_all (void **state)
{
  g_autoptr (IngestStore) s = make_store ();
  g_autoptr (GError) error = NULL;
  g_autoptr (IngestGraph) g = ingest_graph_build (s, NULL, &error);

  assert_non_null (g);
  assert_int_equal (g->from_ns, 0);
  assert_int_equal (g->to_ns, 9900 * MS);
  /* Only actors with events are nodes (not the path-only /user/workers). */
  assert_int_equal (g->nodes->len, 5);
  /* Hierarchy order: the /user subtree (active first) before /system, and
   * within it the router (first activity 0) before the workers. */
  assert_string_equal (g_array_index (g->nodes, IngestViewNode, 0).name, "/user/router");
  assert_string_equal (g_array_index (g->nodes, IngestViewNode, 1).name, "/user/workers/w1");
  assert_string_equal (g_array_index (g->nodes, IngestViewNode, 2).name, "/user/workers/w2");
  assert_string_equal (g_array_index (g->nodes, IngestViewNode, 3).name, "/user/workers/w3");
  assert_string_equal (g_array_index (g->nodes, IngestViewNode, 4).name, "/system/log");

  guint r = node_index (g->nodes, "/user/router");
  guint w1 = node_index (g->nodes, "/user/workers/w1");
  guint w2 = node_index (g->nodes, "/user/workers/w2");
  guint w3 = node_index (g->nodes, "/user/workers/w3");
  guint log = node_index (g->nodes, "/system/log");
  assert_int_equal (g->edges->len, 4);

  const IngestViewEdge *e1 = find_edge (g, r, w1);
  assert_non_null (e1);
  assert_int_equal (e1->count, 31);
  assert_int_equal (e1->received, 30);
  assert_int_equal (e1->dropped, 1);
  assert_int_equal (e1->pending, 0);
  assert_int_equal (e1->bytes, 310);
  assert_int_equal (e1->mailbox.count, 30);
  assert_int_equal (e1->mailbox.p50_ns, 10 * MS);
  assert_string_equal (ingest_store_atom (s, e1->top_label), "Job");
  /* 31 messages over 9.9 s. */
  assert_true (e1->rate_per_s > 3.12 && e1->rate_per_s < 3.14);

  const IngestViewEdge *e2 = find_edge (g, r, w2);
  assert_int_equal (e2->count, 31);
  assert_int_equal (e2->pending, 1);
  const IngestViewEdge *el = find_edge (g, r, log);
  assert_int_equal (el->count, 9);
  assert_string_equal (ingest_store_atom (s, el->top_label), "Ping");

  const IngestViewNode *n1 = &g_array_index (g->nodes, IngestViewNode, w1);
  assert_int_equal (n1->received, 30);
  assert_int_equal (n1->dropped, 1);
  assert_int_equal (n1->errors, 1);
  assert_int_equal (n1->processing.p50_ns, 20 * MS);
  assert_int_equal (n1->mailbox.max_ns, 10 * MS);
  const IngestViewNode *n3 = &g_array_index (g->nodes, IngestViewNode, w3);
  assert_int_equal (n3->crashes, 1);
  assert_false (n3->alive);
  const IngestViewNode *nr = &g_array_index (g->nodes, IngestViewNode, r);
  assert_int_equal (nr->sent, 101);
  assert_int_equal (g_array_index (g->nodes, IngestViewNode, w2).mailbox_depth_max, 1);
}

static void
test_graph_window_and_filters (void **state)
{
  g_autoptr (IngestStore) s = make_store ();
  g_autoptr (GError) error = NULL;

  /* Window [0, 1 s): 10 Jobs (i = 0..9) sent at 10, 110, ... 910 ms, one Ping. */
  IngestViewSpec w = { .from_ns = 0, .to_ns = 1 * S - 1 };
  g_autoptr (IngestGraph) g = ingest_graph_build (s, &w, &error);
  guint64 total = 0;
  for (guint i = 0; i < g->edges->len; i++)
    total += g_array_index (g->edges, IngestViewEdge, i).count;
  assert_int_equal (total, 11);

  /* Actor filter: an edge shows when either end matches. */
  IngestViewSpec f = { .from_ns = INGEST_TIME_MIN, .to_ns = INGEST_TIME_MAX,
                       .actor_filter = "/user/workers/w1" };
  g_autoptr (IngestGraph) gf = ingest_graph_build (s, &f, &error);
  assert_int_equal (gf->nodes->len, 2);
  assert_int_equal (gf->edges->len, 1);
  assert_int_equal (g_array_index (gf->edges, IngestViewEdge, 0).count, 31);

  /* Regex filter on the sender shows all its edges. */
  IngestViewSpec fr = { .from_ns = INGEST_TIME_MIN, .to_ns = INGEST_TIME_MAX,
                        .actor_filter = "/rout/" };
  g_autoptr (IngestGraph) gr = ingest_graph_build (s, &fr, &error);
  assert_int_equal (gr->edges->len, 4);

  /* Label filter. */
  IngestViewSpec fl = { .from_ns = INGEST_TIME_MIN, .to_ns = INGEST_TIME_MAX, .label_filter = "Pi*" };
  g_autoptr (IngestGraph) gl = ingest_graph_build (s, &fl, &error);
  assert_int_equal (gl->edges->len, 1);
  assert_int_equal (g_array_index (gl->edges, IngestViewEdge, 0).count, 9);

  /* Groups fold the worker subtree into one node named by the pattern. */
  const char *groups[] = { "/user/workers/*", NULL };
  IngestViewSpec gs = { .from_ns = INGEST_TIME_MIN, .to_ns = INGEST_TIME_MAX, .groups = groups };
  g_autoptr (IngestGraph) gg = ingest_graph_build (s, &gs, &error);
  assert_int_equal (gg->nodes->len, 3);
  guint gi = node_index (gg->nodes, "/user/workers/*");
  const IngestViewNode *gn = &g_array_index (gg->nodes, IngestViewNode, gi);
  assert_true (gn->is_group);
  assert_int_equal (gn->n_members, 3);
  assert_int_equal (gn->received, 90);
  assert_int_equal (gn->crashes, 1);
  assert_true (gn->alive); /* w1, w2 still alive */
  const IngestViewEdge *ge = find_edge (gg, node_index (gg->nodes, "/user/router"), gi);
  assert_non_null (ge);
  assert_int_equal (ge->count, 92);
  assert_int_equal (ge->pending, 1);
  assert_int_equal (ge->dropped, 1);

  /* A bad regex is an error, not a crash. */
  IngestViewSpec bad = { .from_ns = INGEST_TIME_MIN, .to_ns = INGEST_TIME_MAX, .actor_filter = "/(/" };
  IngestGraph *gb = ingest_graph_build (s, &bad, &error);
  assert_null (gb);
  assert_true (g_error_matches (error, INGEST_ERROR, INGEST_ERROR_FILTER));
  g_clear_error (&error);
  const char *bad_groups[] = { "ok*", "/[/", NULL };
  IngestViewSpec badg = { .from_ns = INGEST_TIME_MIN, .to_ns = INGEST_TIME_MAX, .groups = bad_groups };
  IngestTimeline *tb = ingest_timeline_build (s, &badg, &error);
  assert_null (tb);
  assert_non_null (error);

  /* An empty store gives an empty view. */
  g_autoptr (IngestStore) empty = ingest_store_new ();
  g_autoptr (IngestGraph) ge0 = ingest_graph_build (empty, NULL, NULL);
  assert_int_equal (ge0->nodes->len, 0);
  g_autoptr (IngestTimeline) te0 = ingest_timeline_build (empty, NULL, NULL);
  assert_int_equal (te0->messages->len, 0);
}

static void
test_timeline (void **state)
{
  g_autoptr (IngestStore) s = make_store ();
  g_autoptr (GError) error = NULL;
  g_autoptr (IngestTimeline) t = ingest_timeline_build (s, NULL, &error);

  assert_non_null (t);
  assert_false (t->aggregated);
  assert_int_equal (t->lanes->len, 5);
  assert_string_equal (g_array_index (t->lanes, IngestViewNode, 0).name, "/user/router");
  assert_int_equal (t->n_messages_total, 101);
  assert_int_equal (t->messages->len, 101);
  guint w1 = node_index (t->lanes, "/user/workers/w1");
  guint w2 = node_index (t->lanes, "/user/workers/w2");

  gint64 prev = INGEST_TIME_MIN;
  guint pending = 0, dropped = 0, responses = 0;
  for (guint i = 0; i < t->messages->len; i++)
    {
      const IngestTimelineMessage *m = &g_array_index (t->messages, IngestTimelineMessage, i);
      assert_true (m->send_ns >= prev);
      prev = m->send_ns;
      if (m->receive_ns == INGEST_TIME_MAX)
        {
          pending++;
          if (!m->dropped)
            assert_int_equal (m->to_lane, w2); /* the intended receiver */
        }
      if (m->dropped)
        {
          dropped++;
          assert_int_equal (m->to_lane, w1);
        }
      responses += m->is_response;
    }
  assert_int_equal (pending, 2);
  assert_int_equal (dropped, 1);
  assert_int_equal (responses, 0);

  /* 90 Jobs were processed: one span each, receive -> done. */
  assert_int_equal (t->spans->len, 90);
  const IngestTimelineSpan *sp = &g_array_index (t->spans, IngestTimelineSpan, 0);
  assert_int_equal (sp->start_ns, 20 * MS);
  assert_int_equal (sp->end_ns, 40 * MS);
  assert_int_equal (sp->lane, w1);

  /* Marks: spawn, crash, global checkpoint, drop, router mark. */
  assert_int_equal (t->marks->len, 5);
  gboolean saw_global = FALSE, saw_crash = FALSE;
  for (guint i = 0; i < t->marks->len; i++)
    {
      const IngestTimelineMark *mk = &g_array_index (t->marks, IngestTimelineMark, i);
      if (mk->lane == G_MAXUINT)
        {
          saw_global = TRUE;
          assert_string_equal (ingest_store_atom (s, mk->text), "checkpoint");
        }
      if (mk->kind == INGEST_EVENT_EXIT && mk->exit_status == INGEST_EXIT_CRASH)
        saw_crash = TRUE;
    }
  assert_true (saw_global);
  assert_true (saw_crash);

  /* Depth samples by lane then time; w2 ends with its pending message. */
  guint prev_lane = 0;
  gint64 prev_t = INGEST_TIME_MIN;
  gint64 last_w2 = -1;
  for (guint i = 0; i < t->depth->len; i++)
    {
      const IngestDepthSample *d = &g_array_index (t->depth, IngestDepthSample, i);
      assert_true (d->lane >= prev_lane);
      if (d->lane == prev_lane)
        assert_true (d->time_ns >= prev_t);
      prev_lane = d->lane;
      prev_t = d->time_ns;
      if (d->lane == w2)
        last_w2 = d->depth;
    }
  assert_int_equal (last_w2, 1);

  /* A window starting mid-flight keeps the arrow of a message sent before
   * it and received inside it, and the span whose receive came before. */
  IngestViewSpec win = { .from_ns = 15 * MS, .to_ns = 35 * MS };
  g_autoptr (IngestTimeline) tw = ingest_timeline_build (s, &win, &error);
  assert_int_equal (tw->messages->len, 1);
  assert_int_equal (g_array_index (tw->messages, IngestTimelineMessage, 0).send_ns, 10 * MS);
  assert_int_equal (tw->spans->len, 1);
  IngestViewSpec win2 = { .from_ns = 25 * MS, .to_ns = 45 * MS };
  g_autoptr (IngestTimeline) tw2 = ingest_timeline_build (s, &win2, &error);
  assert_int_equal (tw2->spans->len, 1);
  assert_int_equal (g_array_index (tw2->spans, IngestTimelineSpan, 0).start_ns, 20 * MS);
}

static void
test_open_spans (void **state)
{
  g_autoptr (IngestStore) s = ingest_store_new ();

  /* b reports DONE for m1 only: m2's span runs until m3 is received; m3's
   * is still running. c never reports DONE: no spans. */
  ev (s, INGEST_EVENT_SEND, 0, "a", "b", "m1", NULL, NULL, 0);
  ev (s, INGEST_EVENT_RECEIVE, 1, "b", NULL, "m1", NULL, NULL, 0);
  ev (s, INGEST_EVENT_DONE, 2, "b", NULL, "m1", NULL, NULL, 0);
  ev (s, INGEST_EVENT_SEND, 3, "a", "b", "m2", NULL, NULL, 0);
  ev (s, INGEST_EVENT_RECEIVE, 4, "b", NULL, "m2", NULL, NULL, 0);
  ev (s, INGEST_EVENT_SEND, 5, "a", "b", "m3", NULL, NULL, 0);
  ev (s, INGEST_EVENT_RECEIVE, 8, "b", NULL, "m3", NULL, NULL, 0);
  ev (s, INGEST_EVENT_SEND, 9, "a", "c", "m4", NULL, NULL, 0);
  ev (s, INGEST_EVENT_RECEIVE, 10, "c", NULL, "m4", NULL, NULL, 0);

  g_autoptr (IngestTimeline) t = ingest_timeline_build (s, NULL, NULL);
  assert_int_equal (t->spans->len, 3);
  const IngestTimelineSpan *s0 = &g_array_index (t->spans, IngestTimelineSpan, 0);
  const IngestTimelineSpan *s1 = &g_array_index (t->spans, IngestTimelineSpan, 1);
  const IngestTimelineSpan *s2 = &g_array_index (t->spans, IngestTimelineSpan, 2);
  assert_int_equal (s0->end_ns, 2);
  assert_int_equal (s1->start_ns, 4);
  assert_int_equal (s1->end_ns, 8);
  assert_int_equal (s2->start_ns, 8);
  assert_int_equal (s2->end_ns, INGEST_TIME_MAX);
}

static void
test_level_of_detail (void **state)
{
  g_autoptr (IngestStore) s = ingest_store_new ();
  char key[32], from[32], to[32];

  for (int i = 0; i < 20000; i++)
    {
      g_snprintf (key, sizeof key, "m%d", i);
      g_snprintf (from, sizeof from, "/user/p%d", i % 4);
      g_snprintf (to, sizeof to, "/user/c%d", i % 5);
      gint64 t = i * 1000;
      ev (s, INGEST_EVENT_SEND, t, from, to, key, "Data", NULL, 0);
      if (i % 1000 != 7) /* 20 stay pending */
        {
          ev (s, INGEST_EVENT_RECEIVE, t + 500, to, NULL, key, NULL, NULL, 0);
          ev (s, INGEST_EVENT_DONE, t + 800, to, NULL, key, NULL, NULL, 0);
        }
    }

  IngestViewSpec spec = { .from_ns = INGEST_TIME_MIN, .to_ns = INGEST_TIME_MAX, .max_items = 100 };
  g_autoptr (IngestTimeline) t = ingest_timeline_build (s, &spec, NULL);
  assert_true (t->aggregated);
  assert_int_equal (t->n_messages_total, 20000);
  assert_true (t->messages->len + t->spans->len <= 100);
  /* The pending ones stay visible individually. */
  assert_int_equal (t->messages->len, 20);
  for (guint i = 0; i < t->messages->len; i++)
    assert_int_equal (g_array_index (t->messages, IngestTimelineMessage, i).receive_ns, INGEST_TIME_MAX);

  guint64 binned = 0, spans = 0;
  guint max_bucket_per_pair = 0;
  g_autoptr (GHashTable) per_pair = g_hash_table_new (g_direct_hash, g_direct_equal);
  for (guint i = 0; i < t->bins->len; i++)
    {
      const IngestDensityBin *b = &g_array_index (t->bins, IngestDensityBin, i);
      binned += b->count;
      spans += b->spans;
      assert_true (b->start_ns < b->end_ns);
      assert_true (b->start_ns >= t->from_ns && b->end_ns <= t->to_ns + 1);
      if (b->from_lane != b->to_lane)
        assert_int_equal (b->spans, 0);
      gpointer pair = GUINT_TO_POINTER (b->from_lane * 65536u + b->to_lane + 1);
      guint n = GPOINTER_TO_UINT (g_hash_table_lookup (per_pair, pair)) + 1;
      g_hash_table_insert (per_pair, pair, GUINT_TO_POINTER (n));
      max_bucket_per_pair = MAX (max_bucket_per_pair, n);
    }
  /* The time buckets are per lane pair, never per message. */
  assert_true (max_bucket_per_pair >= 2 && max_bucket_per_pair <= 200);
  assert_int_equal (binned + t->messages->len, t->n_messages_total);
  assert_int_equal (spans, 20000 - 20);
  /* ~200 buckets per lane pair: 4 senders x 5 receivers, 5 span lanes. */
  assert_true (t->bins->len <= (4 * 5 + 5) * 200);

  /* Depth samples are bounded per lane. */
  g_autofree guint *per_lane = g_new0 (guint, t->lanes->len);
  for (guint i = 0; i < t->depth->len; i++)
    per_lane[g_array_index (t->depth, IngestDepthSample, i).lane]++;
  for (guint l = 0; l < t->lanes->len; l++)
    assert_true (per_lane[l] <= 512);
  /* ...and keep the maximum depth (4 pending at c2 by the end). */
  guint c2 = node_index (t->lanes, "/user/c2");
  gint64 maxd = 0;
  for (guint i = 0; i < t->depth->len; i++)
    {
      const IngestDepthSample *d = &g_array_index (t->depth, IngestDepthSample, i);
      if (d->lane == c2)
        maxd = MAX (maxd, d->depth);
    }
  assert_int_equal (maxd, g_array_index (t->lanes, IngestViewNode, c2).mailbox_depth_max);
  assert_true (maxd >= 4);

  /* Under the bound nothing is aggregated. */
  IngestViewSpec small = { .from_ns = 0, .to_ns = 20 * 1000, .max_items = 100 };
  g_autoptr (IngestTimeline) ts = ingest_timeline_build (s, &small, NULL);
  assert_false (ts->aggregated);
  assert_int_equal (ts->bins->len, 0);
  assert_int_equal (ts->messages->len, ts->n_messages_total);
}

static void
test_out_of_order_store (void **state)
{
  g_autoptr (IngestStore) s = ingest_store_new ();
  char key[32];

  /* Two sources merged: all receives (source B) arrive before the sends
   * (source A), each source in its own time order. */
  for (int i = 0; i < 50; i++)
    {
      g_snprintf (key, sizeof key, "k%d", i);
      ev (s, INGEST_EVENT_RECEIVE, i * 10 * MS + 3 * MS, "srv", NULL, key, NULL, NULL, 0);
    }
  for (int i = 0; i < 50; i++)
    {
      g_snprintf (key, sizeof key, "k%d", i);
      ev (s, INGEST_EVENT_SEND, i * 10 * MS, "cli", "srv", key, "Req", NULL, 0);
    }
  assert_int_equal (ingest_store_counters (s)->unmatched, 0);

  /* Window [100 ms, 200 ms]: sends 10..20 and receives 10..19 in it. */
  IngestViewSpec w = { .from_ns = 100 * MS, .to_ns = 200 * MS };
  g_autoptr (IngestTimeline) t = ingest_timeline_build (s, &w, NULL);
  assert_int_equal (t->messages->len, 11);
  for (guint i = 0; i < t->messages->len; i++)
    {
      const IngestTimelineMessage *m = &g_array_index (t->messages, IngestTimelineMessage, i);
      assert_int_equal (m->send_ns, (gint64) (10 + i) * 10 * MS);
      assert_int_equal (m->receive_ns, m->send_ns + 3 * MS);
    }
  g_autoptr (IngestGraph) g = ingest_graph_build (s, &w, NULL);
  assert_int_equal (g->edges->len, 1);
  const IngestViewEdge *e = &g_array_index (g->edges, IngestViewEdge, 0);
  assert_int_equal (e->count, 11);
  assert_int_equal (e->mailbox.p50_ns, 3 * MS);
  assert_int_equal (e->pending, 0);
}

/* ---- stamps of fixed windows ------------------------------------------ */

static void
latency_text (GString *out, const IngestLatency *l)
{
  g_string_append_printf (out, " [%" G_GUINT64_FORMAT " %" G_GINT64_FORMAT " %" G_GINT64_FORMAT
                          " %" G_GINT64_FORMAT " %" G_GINT64_FORMAT " %" G_GINT64_FORMAT "]",
                          l->count, l->min_ns, l->max_ns, l->mean_ns, l->p50_ns, l->p99_ns);
}

static void
nodes_text (GString *out, const GArray *nodes)
{
  for (guint i = 0; i < nodes->len; i++)
    {
      const IngestViewNode *n = &g_array_index (nodes, IngestViewNode, i);
      g_string_append_printf (out, "node %s %u %u %d %d %u %" G_GUINT64_FORMAT " %" G_GUINT64_FORMAT
                              " %" G_GUINT64_FORMAT " %" G_GUINT64_FORMAT " %" G_GUINT64_FORMAT
                              " %" G_GUINT64_FORMAT " %" G_GINT64_FORMAT " %d",
                              n->name, n->actor, n->kind, n->is_group, n->is_fold, n->n_members, n->sent,
                              n->received, n->errors, n->crashes, n->dropped, n->spans,
                              n->mailbox_depth_max, n->alive);
      latency_text (out, &n->mailbox);
      latency_text (out, &n->processing);
      g_string_append_c (out, '\n');
    }
}

/* Every figure of a graph, as text. */
static char *
graph_text (const IngestGraph *g)
{
  GString *out = g_string_new (NULL);

  g_string_append_printf (out, "%" G_GINT64_FORMAT "..%" G_GINT64_FORMAT "\n", g->from_ns, g->to_ns);
  nodes_text (out, g->nodes);
  for (guint i = 0; i < g->edges->len; i++)
    {
      const IngestViewEdge *e = &g_array_index (g->edges, IngestViewEdge, i);
      g_string_append_printf (out, "edge %u %u %" G_GUINT64_FORMAT " %" G_GUINT64_FORMAT " %" G_GUINT64_FORMAT
                              " %" G_GUINT64_FORMAT " %" G_GUINT64_FORMAT " %.17g %u",
                              e->from, e->to, e->count, e->received, e->dropped, e->bytes, e->pending,
                              e->rate_per_s, e->top_label);
      latency_text (out, &e->mailbox);
      latency_text (out, &e->round_trip);
      g_string_append_c (out, '\n');
    }
  return g_string_free (out, FALSE);
}

/* Every item of a timeline, as text. */
static char *
timeline_text (const IngestTimeline *tl)
{
  GString *out = g_string_new (NULL);

  g_string_append_printf (out, "%" G_GINT64_FORMAT "..%" G_GINT64_FORMAT " %" G_GUINT64_FORMAT " %d\n",
                          tl->from_ns, tl->to_ns, tl->n_messages_total, tl->aggregated);
  nodes_text (out, tl->lanes);
  for (guint i = 0; i < tl->messages->len; i++)
    {
      const IngestTimelineMessage *m = &g_array_index (tl->messages, IngestTimelineMessage, i);
      g_string_append_printf (out, "msg %u %u %u %" G_GINT64_FORMAT " %" G_GINT64_FORMAT " %u %d %d\n",
                              m->message, m->from_lane, m->to_lane, m->send_ns, m->receive_ns, m->label,
                              m->is_response, m->dropped);
    }
  for (guint i = 0; i < tl->spans->len; i++)
    {
      const IngestTimelineSpan *sp = &g_array_index (tl->spans, IngestTimelineSpan, i);
      g_string_append_printf (out, "span %u %u %" G_GINT64_FORMAT " %" G_GINT64_FORMAT " %u\n", sp->lane,
                              sp->message, sp->start_ns, sp->end_ns, sp->label);
    }
  for (guint i = 0; i < tl->marks->len; i++)
    {
      const IngestTimelineMark *mk = &g_array_index (tl->marks, IngestTimelineMark, i);
      g_string_append_printf (out, "mark %u %" G_GINT64_FORMAT " %d %d %u\n", mk->lane, mk->time_ns, mk->kind,
                              mk->exit_status, mk->text);
    }
  for (guint i = 0; i < tl->bins->len; i++)
    {
      const IngestDensityBin *b = &g_array_index (tl->bins, IngestDensityBin, i);
      g_string_append_printf (out, "bin %u %u %" G_GINT64_FORMAT " %" G_GINT64_FORMAT " %" G_GUINT64_FORMAT
                              " %" G_GUINT64_FORMAT " %u\n", b->from_lane, b->to_lane, b->start_ns,
                              b->end_ns, b->count, b->spans, b->top_label);
    }
  for (guint i = 0; i < tl->depth->len; i++)
    {
      const IngestDepthSample *d = &g_array_index (tl->depth, IngestDepthSample, i);
      g_string_append_printf (out, "depth %u %" G_GINT64_FORMAT " %" G_GINT64_FORMAT "\n", d->lane, d->time_ns,
                              d->depth);
    }
  return g_string_free (out, FALSE);
}

typedef struct {
  IngestViewSpec spec;
  IngestViewStamp stamp;
  char *graph, *timeline;    /* the views' text when stamped */
  gboolean broken;
} Kept;

/* A stamp that holds means the view is unchanged: fixed windows of a
 * random stream (answers, late receives, drops, spawns, exits, a few
 * out-of-order times) are built, stamped, and compared with a rebuild
 * after each batch of appends for as long as their stamps hold. Both
 * answers must occur, and more than a few times. */
static void
run_stamps (guint32 seed, const char *actor_filter, guint max_items)
{
  g_autoptr(IngestStore) store = ingest_store_new ();
  g_autoptr(GArray) flight = g_array_new (FALSE, FALSE, sizeof (TestIngestInFlight));
  GRand *rand = g_rand_new_with_seed (seed);
  TestIngestStream g = { store, rand, flight, 1000 * MS, 0, TRUE };
  Kept kept[12] = { { { 0 } } };
  guint held = 0, broke = 0;

  test_ingest_stream_append (&g, 400);
  for (guint round = 0; round < 300; round++)
    {
      Kept *k = &kept[round % G_N_ELEMENTS (kept)];
      gint64 lo, hi;

      /* Check every kept view against a rebuild. */
      for (guint i = 0; i < G_N_ELEMENTS (kept); i++)
        {
          Kept *c = &kept[i];
          if (c->graph == NULL || c->broken)
            continue;
          if (!ingest_view_stamp_holds (&c->stamp, store))
            {
              c->broken = TRUE;
              broke++;
              assert_false (ingest_view_stamp_holds (&c->stamp, store)); /* stays FALSE */
              continue;
            }
          g_autoptr(IngestGraph) graph = ingest_graph_build (store, &c->spec, NULL);
          g_autoptr(IngestTimeline) tl = ingest_timeline_build (store, &c->spec, NULL);
          g_autofree char *gt = graph_text (graph);
          g_autofree char *tt = timeline_text (tl);
          assert_string_equal (c->graph, gt);
          assert_string_equal (c->timeline, tt);
          held++;
        }
      /* Replace one with a new fixed window of the past (or one reaching
       * past the newest event, which any event changes). */
      g_clear_pointer (&k->graph, g_free);
      g_clear_pointer (&k->timeline, g_free);
      ingest_store_time_range (store, &lo, &hi);
      k->spec = (IngestViewSpec) { 0 };
      k->spec.actor_filter = actor_filter;
      k->spec.max_items = max_items;
      k->spec.to_ns = g_rand_int_range (rand, 0, 10) == 0 ? hi + 50 * MS
                                                          : hi - g_rand_int_range (rand, 0, 400) * MS;
      k->spec.from_ns = k->spec.to_ns - g_rand_int_range (rand, 10, 300) * MS;
      k->broken = FALSE;
      {
        g_autoptr(IngestGraph) graph = ingest_graph_build (store, &k->spec, NULL);
        g_autoptr(IngestTimeline) tl = ingest_timeline_build (store, &k->spec, NULL);
        k->graph = graph_text (graph);
        k->timeline = timeline_text (tl);
        ingest_view_stamp_take (&k->stamp, store, &k->spec);
      }
      test_ingest_stream_append (&g, g_rand_int_range (rand, 1, 12));
    }
  for (guint i = 0; i < G_N_ELEMENTS (kept); i++)
    {
      g_free (kept[i].graph);
      g_free (kept[i].timeline);
    }
  g_rand_free (rand);
  /* Both answers, often: neither "always changed" nor "never". */
  assert_true (held > 200);
  assert_true (broke > 50);
}

static void
test_stamp_random (void **state)
{
  (void) state;
  run_stamps (1, NULL, 0);
  run_stamps (2, "/a/*", 0);
  run_stamps (3, NULL, 40); /* aggregated into bins */
}

/* Edits without a message: an exit, a rename, a label set afterwards and
 * an actor's first DONE each break a stamp; events after the window that
 * name no message of it do not. */
static void
test_stamp_edits (void **state)
{
  (void) state;
  g_autoptr(IngestStore) store = ingest_store_new ();
  IngestViewSpec spec = { .from_ns = 0, .to_ns = 1 * S };
  IngestViewStamp stamp;

  ev (store, INGEST_EVENT_SEND, 100 * MS, "/a", "/b", "m1", "Job", NULL, 0);
  ev (store, INGEST_EVENT_RECEIVE, 200 * MS, "/b", NULL, "m1", NULL, NULL, 0);
  ev (store, INGEST_EVENT_SEND, 2 * S, "/a", "/c", "m0", "Job", NULL, 0);
  ingest_view_stamp_take (&stamp, store, &spec);
  assert_true (ingest_view_stamp_holds (&stamp, store));
  /* Later traffic of messages the window does not show. */
  ev (store, INGEST_EVENT_SEND, 3 * S, "/a", "/b", "m2", "Job", NULL, 0);
  ev (store, INGEST_EVENT_RECEIVE, 3 * S, "/b", NULL, "m2", NULL, NULL, 0);
  ev (store, INGEST_EVENT_SPAWN, 3 * S, "/new", NULL, NULL, NULL, NULL, 0);
  assert_true (ingest_view_stamp_holds (&stamp, store));
  /* /b's first DONE: the window's receive becomes an open span. */
  ev (store, INGEST_EVENT_DONE, 3 * S, "/b", NULL, "m2", NULL, NULL, 0);
  assert_false (ingest_view_stamp_holds (&stamp, store));

  ingest_view_stamp_take (&stamp, store, &spec);
  ev (store, INGEST_EVENT_EXIT, 4 * S, "/a", NULL, NULL, NULL, "bye", 0);
  assert_false (ingest_view_stamp_holds (&stamp, store));

  ingest_view_stamp_take (&stamp, store, &spec);
  assert_true (ingest_store_rename_actor (store, ingest_store_find_actor (store, "/c"),
                                          (IngestStr) { "/c2", 3 }));
  assert_false (ingest_view_stamp_holds (&stamp, store));

  /* A late event naming the window's message, and a late time. */
  ingest_view_stamp_take (&stamp, store, &spec);
  ev (store, INGEST_EVENT_DONE, 5 * S, "/b", NULL, "m1", NULL, NULL, 0);
  assert_false (ingest_view_stamp_holds (&stamp, store));
  ingest_view_stamp_take (&stamp, store, &spec);
  ev (store, INGEST_EVENT_MARK, 500 * MS, "/a", NULL, NULL, NULL, "late", 0);
  assert_false (ingest_view_stamp_holds (&stamp, store));

  /* A window reaching past the newest event is clamped to the data, so
   * any later event moves its end. */
  IngestViewSpec open = { .from_ns = 0, .to_ns = 100 * S };
  g_autoptr(IngestGraph) before = ingest_graph_build (store, &open, NULL);
  ingest_view_stamp_take (&stamp, store, &open);
  ev (store, INGEST_EVENT_MARK, 200 * S, "/a", NULL, NULL, NULL, "note", 0);
  g_autoptr(IngestGraph) after = ingest_graph_build (store, &open, NULL);
  assert_int_not_equal (before->to_ns, after->to_ns);
  assert_false (ingest_view_stamp_holds (&stamp, store));
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_graph_all),
    cmocka_unit_test (test_graph_window_and_filters),
    cmocka_unit_test (test_timeline),
    cmocka_unit_test (test_open_spans),
    cmocka_unit_test (test_level_of_detail),
    cmocka_unit_test (test_out_of_order_store),
    cmocka_unit_test (test_stamp_random),
    cmocka_unit_test (test_stamp_edits),
  };
  return cmocka_run_group_tests (tests, NULL, NULL);
}
