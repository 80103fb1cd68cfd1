/* test-ingest-timeline-window.c: the sliding-window timeline agrees with the
 * batch timeline (ingest_timeline_build) of the same window, filters and groups on
 * random streams (pending, received, dropped, answered messages, crashes,
 * error marks) while the window slides, in totals, lanes and level of
 * detail. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "ingest-timeline-window.h"

#define MS (G_GINT64_CONSTANT (1000000))

static void
ev (IngestStore *s, IngestEventKind kind, gint64 t, const char *actor, const char *peer,
    const char *key, const char *label, const char *text, const char *in_reply_to)
{
  IngestEventInput in = { 0 };
  in.kind = kind;
  in.time_ns = t;
  in.actor = actor ? INGEST_STR (actor) : INGEST_STR_NONE;
  in.peer = peer ? INGEST_STR (peer) : INGEST_STR_NONE;
  in.message_key = key ? INGEST_STR (key) : INGEST_STR_NONE;
  in.label = label ? INGEST_STR (label) : INGEST_STR_NONE;
  in.text = text ? INGEST_STR (text) : INGEST_STR_NONE;
  in.in_reply_to = in_reply_to ? INGEST_STR (in_reply_to) : INGEST_STR_NONE;
  in.exit_status = kind == INGEST_EVENT_EXIT ? INGEST_EXIT_CRASH : INGEST_EXIT_NORMAL;
  in.size = 7;
  ingest_store_append (s, &in);
}

static const char *actors[] = {
  "/a/x0", "/a/x1", "/a/x2", "/a/x3", "/a/x4", "/b/y0", "/b/y1", "/b/y2", "/c",
};
#define N_ACTORS G_N_ELEMENTS (actors)
static const char *labels[] = { "Job", "Ping", "Ask" };

typedef struct {
  char key[32];
  guint from, to;
  gboolean is_request;
} InFlight;

typedef struct {
  IngestStore *store;
  GRand *rand;
  GArray *flight;  /* InFlight */
  gint64 now;
  guint next_key;
  gboolean out_of_order;  /* a few timestamps slightly in the past */
} Gen;

/* Appends n random events around gen->now (which advances). */
static void
gen_events (Gen *g, guint n)
{
  for (guint i = 0; i < n; i++)
    {
      g->now += g_rand_int_range (g->rand, 0, 3) * MS;
      /* A few timestamps slightly in the past (several sources). */
      gint64 t = g->out_of_order && g_rand_int_range (g->rand, 0, 20) == 0 ? g->now - 5 * MS : g->now;
      guint r = g_rand_int_range (g->rand, 0, 100);
      if (r < 40 || g->flight->len == 0)
        {
          InFlight f = { { 0 }, g_rand_int_range (g->rand, 0, N_ACTORS),
                         g_rand_int_range (g->rand, 0, N_ACTORS), FALSE };
          g_snprintf (f.key, sizeof f.key, "m%u", g->next_key++);
          const char *reply = NULL;
          /* Answer a received request now and then. */
          f.is_request = g_rand_int_range (g->rand, 0, 4) == 0;
          ev (g->store, INGEST_EVENT_SEND, t, actors[f.from], actors[f.to], f.key,
              labels[f.from % 3], NULL, reply);
          g_array_append_val (g->flight, f);
        }
      else if (r < 80)
        {
          guint k = g_rand_int_range (g->rand, 0, g->flight->len);
          InFlight f = g_array_index (g->flight, InFlight, k);
          g_array_remove_index_fast (g->flight, k);
          ev (g->store, INGEST_EVENT_RECEIVE, t, actors[f.to], NULL, f.key, NULL, NULL, NULL);
          if (g_rand_boolean (g->rand))
            ev (g->store, INGEST_EVENT_DONE, t + g_rand_int_range (g->rand, 0, 4) * MS,
                actors[f.to], NULL, f.key, NULL, NULL, NULL);
          if (f.is_request)
            {
              InFlight a = { { 0 }, f.to, f.from, FALSE };
              g_snprintf (a.key, sizeof a.key, "m%u", g->next_key++);
              ev (g->store, INGEST_EVENT_SEND, t, actors[a.from], actors[a.to], a.key,
                  labels[a.from % 3], NULL, f.key);
              g_array_append_val (g->flight, a);
            }
        }
      else if (r < 88)
        {
          guint k = g_rand_int_range (g->rand, 0, g->flight->len);
          InFlight f = g_array_index (g->flight, InFlight, k);
          g_array_remove_index_fast (g->flight, k);
          ev (g->store, INGEST_EVENT_DROP, t, actors[f.to], NULL, f.key, NULL, "full", NULL);
        }
      else if (r < 93)
        ev (g->store, INGEST_EVENT_MARK, t, actors[g_rand_int_range (g->rand, 0, N_ACTORS)],
            NULL, NULL, NULL, g_rand_boolean (g->rand) ? "error: bad" : "note", NULL);
      else if (r < 95)
        ev (g->store, INGEST_EVENT_EXIT, t, actors[g_rand_int_range (g->rand, 0, N_ACTORS)],
            NULL, NULL, NULL, "boom", NULL);
      else
        ev (g->store, INGEST_EVENT_SPAWN, t, actors[g_rand_int_range (g->rand, 0, N_ACTORS)],
            NULL, NULL, NULL, NULL, NULL);
    }
}


static guint64
sum_bins (const IngestTimeline *tl, gboolean spans)
{
  guint64 n = 0;
  for (guint i = 0; i < tl->bins->len; i++)
    {
      const IngestDensityBin *b = &g_array_index (tl->bins, IngestDensityBin, i);
      n += spans ? b->spans : b->count;
    }
  return n;
}

static void
assert_timelines_agree (const IngestTimeline *batch, const IngestTimeline *win, gboolean exact_depth)
{
  assert_int_equal (batch->from_ns, win->from_ns);
  assert_int_equal (batch->to_ns, win->to_ns);
  assert_int_equal (batch->aggregated, win->aggregated);
  assert_int_equal (batch->n_messages_total, win->n_messages_total);
  /* The level-of-detail invariant of both. */
  assert_int_equal (win->messages->len + sum_bins (win, FALSE), win->n_messages_total);
  assert_int_equal (batch->messages->len + sum_bins (batch, FALSE), batch->n_messages_total);
  assert_int_equal (sum_bins (batch, TRUE) + batch->spans->len, sum_bins (win, TRUE) + win->spans->len);
  assert_int_equal (batch->lanes->len, win->lanes->len);
  for (guint i = 0; i < batch->lanes->len; i++)
    {
      const IngestViewNode *x = &g_array_index (batch->lanes, IngestViewNode, i);
      const IngestViewNode *y = &g_array_index (win->lanes, IngestViewNode, i);
      assert_string_equal (x->name, y->name);
      assert_int_equal (x->is_group, y->is_group);
      assert_int_equal (x->sent, y->sent);
      assert_int_equal (x->received, y->received);
      assert_int_equal (x->errors, y->errors);
      assert_int_equal (x->crashes, y->crashes);
      assert_int_equal (x->dropped, y->dropped);
      if (exact_depth && !x->is_group)
        assert_int_equal (x->mailbox_depth_max, y->mailbox_depth_max);
    }
  if (!win->aggregated)
    return;
  assert_int_equal (win->spans->len, 0);
  assert_true (win->messages->len <= 50);
  assert_true (win->marks->len <= 50);
  guint64 n_bins_spans = 0;
  for (guint i = 0; i < win->bins->len; i++)
    {
      const IngestDensityBin *b = &g_array_index (win->bins, IngestDensityBin, i);
      assert_true (b->from_lane == G_MAXUINT || b->from_lane < win->lanes->len);
      assert_true (b->to_lane == G_MAXUINT || b->to_lane < win->lanes->len);
      assert_true (b->start_ns >= win->from_ns);
      assert_true (b->end_ns <= win->to_ns + 1);
      assert_true (b->start_ns < b->end_ns);
      if (b->spans > 0)
        assert_int_equal (b->from_lane, b->to_lane);
      n_bins_spans += b->spans;
    }
  assert_true (n_bins_spans > 0);
  /* Kept messages are the pending and dropped ones, in send order. */
  for (guint i = 0; i < win->messages->len; i++)
    {
      const IngestTimelineMessage *m = &g_array_index (win->messages, IngestTimelineMessage, i);
      assert_true (m->receive_ns == INGEST_TIME_MAX || m->dropped);
      assert_true (m->send_ns >= win->from_ns);
      if (i > 0)
        assert_true (m->send_ns >= g_array_index (win->messages, IngestTimelineMessage, i - 1).send_ns);
    }
  for (guint i = 0; i < win->depth->len; i++)
    assert_true (g_array_index (win->depth, IngestDepthSample, i).lane < win->lanes->len);
}

static void
run_random (const IngestViewSpec *filters, guint32 seed, gboolean out_of_order)
{
  g_autoptr(IngestStore) store = ingest_store_new ();
  g_autoptr(GArray) flight = g_array_new (FALSE, FALSE, sizeof (InFlight));
  GRand *rand = g_rand_new_with_seed (seed);
  Gen g = { store, rand, flight, 1000 * MS, 0, out_of_order };
  g_autoptr(GError) error = NULL;
  gint64 window = 300 * MS;
  IngestViewSpec wspec = *filters;
  wspec.max_items = 50;
  g_autoptr(IngestTimelineWindow) w = ingest_timeline_window_new (store, &wspec, window, &error);
  g_assert_no_error (error);
  assert_int_equal (ingest_timeline_window_get_bucket_width (w), 2 * MS);

  guint compared = 0, aggregated = 0;
  for (guint round = 0; round < 120; round++)
    {
      /* Quiet stretches (a window within the level of detail) and busy ones. */
      gen_events (&g, round % 20 < 3 ? g_rand_int_range (rand, 0, 5) : g_rand_int_range (rand, 0, 150));
      if (round == 60)
        window = 500 * MS; /* the start moves back: one refill */
      gint64 hi = 0, lo = 0;
      ingest_store_time_range (store, &lo, &hi);
      ingest_timeline_window_advance (w, hi - window);
      gint64 from = ingest_timeline_window_get_from (w);
      gint64 want = MAX (hi - window, lo);
      if (ingest_store_n_events (store) > 0)
        assert_true (from <= want && from > want - 2 * MS);
      IngestViewSpec spec = wspec;
      spec.from_ns = from;
      spec.to_ns = INGEST_TIME_MAX;
      g_autoptr(IngestTimeline) batch = ingest_timeline_build (store, &spec, &error);
      g_assert_no_error (error);
      g_autoptr(IngestTimeline) win = ingest_timeline_window_dup_timeline (w);
      assert_non_null (win);
      if (out_of_order)
        {
          /* Events out of time order are consumed in append order: only
           * the level-of-detail invariant and bounds hold exactly. */
          assert_int_equal (win->aggregated, batch->aggregated);
          assert_int_equal (win->messages->len + sum_bins (win, FALSE), win->n_messages_total);
        }
      else
        assert_timelines_agree (batch, win, filters->groups == NULL);
      aggregated += win->aggregated;
      compared++;
    }
  assert_true (compared == 120);
  assert_true (aggregated > 30);
  assert_true (aggregated < 120);
  assert_true (ingest_store_n_events (store) > 3000);
  g_rand_free (rand);
}

static void
test_random_plain (void **state)
{
  (void) state;
  IngestViewSpec spec = { 0 };
  for (guint32 seed = 1; seed <= 4; seed++)
    run_random (&spec, seed, FALSE);
}

static void
test_random_out_of_order (void **state)
{
  (void) state;
  IngestViewSpec spec = { 0 };
  run_random (&spec, 7, TRUE);
}

static void
test_random_groups (void **state)
{
  (void) state;
  static const char *const groups[] = { "/b/*", "/a/x3", NULL };
  IngestViewSpec spec = { .groups = groups };
  for (guint32 seed = 10; seed <= 12; seed++)
    run_random (&spec, seed, FALSE);
}

static void
test_random_filters (void **state)
{
  (void) state;
  IngestViewSpec spec = { .actor_filter = "/a/*", .label_filter = "/^(Job|Ask)$/" };
  for (guint32 seed = 20; seed <= 22; seed++)
    run_random (&spec, seed, FALSE);
  IngestViewSpec spec2 = { .actor_filter = "/c", .groups = (const char *const[]) { "/a/*", NULL } };
  run_random (&spec2, 30, FALSE);
}

static void
test_bad_regex (void **state)
{
  (void) state;
  g_autoptr(IngestStore) store = ingest_store_new ();
  g_autoptr(GError) error = NULL;
  IngestViewSpec spec = { .label_filter = "/(/" };
  IngestTimelineWindow *w = ingest_timeline_window_new (store, &spec, 1000 * MS, &error);
  assert_null (w);
  assert_true (g_error_matches (error, INGEST_ERROR, INGEST_ERROR_FILTER));
}

/* A message sent before the window and received in it still counts (the
 * arrow enters from the left), once its send bucket has left. */
static void
test_carried_and_pending (void **state)
{
  (void) state;
  g_autoptr(IngestStore) store = ingest_store_new ();
  IngestViewSpec spec = { .max_items = 2 };
  g_autoptr(IngestTimelineWindow) w = ingest_timeline_window_new (store, &spec, 100 * MS, NULL);
  assert_int_equal (ingest_timeline_window_get_bucket_width (w), MS / 2);
  ingest_timeline_window_advance (w, INGEST_TIME_MIN);
  g_autoptr(IngestTimeline) t0 = ingest_timeline_window_dup_timeline (w);
  assert_int_equal (t0->lanes->len, 0);
  ev (store, INGEST_EVENT_SEND, 10 * MS, "/a", "/b", "slow", "Job", NULL, NULL);
  ev (store, INGEST_EVENT_SEND, 11 * MS, "/a", "/c", "lost", "Job", NULL, NULL);
  for (guint i = 0; i < 6; i++)
    {
      char key[8];
      g_snprintf (key, sizeof key, "k%u", i);
      ev (store, INGEST_EVENT_SEND, (20 + i) * MS, "/a", "/b", key, "Job", NULL, NULL);
      ev (store, INGEST_EVENT_RECEIVE, (20 + i) * MS + 1, "/b", NULL, key, NULL, NULL, NULL);
    }
  ingest_timeline_window_advance (w, 0);
  g_autoptr(IngestTimeline) t1 = ingest_timeline_window_dup_timeline (w);
  assert_true (t1->aggregated);
  assert_int_equal (t1->n_messages_total, 8);
  assert_int_equal (t1->messages->len, 2); /* slow and lost, pending */
  assert_int_equal (sum_bins (t1, FALSE), 6);

  ev (store, INGEST_EVENT_RECEIVE, 40 * MS, "/b", NULL, "slow", NULL, NULL, NULL);
  ingest_timeline_window_advance (w, 15 * MS); /* slow's SEND leaves */
  g_autoptr(IngestTimeline) t2 = ingest_timeline_window_dup_timeline (w);
  IngestViewSpec bspec = { .from_ns = ingest_timeline_window_get_from (w), .to_ns = INGEST_TIME_MAX,
                           .max_items = 2 };
  g_autoptr(IngestTimeline) b2 = ingest_timeline_build (store, &bspec, NULL);
  /* 6 in the window + slow through its RECEIVE; lost left. */
  assert_int_equal (t2->n_messages_total, 7);
  assert_int_equal (b2->n_messages_total, 7);
  assert_int_equal (t2->messages->len + sum_bins (t2, FALSE), 7);
  assert_int_equal (t2->lanes->len, b2->lanes->len);

  /* Everything leaves. */
  ev (store, INGEST_EVENT_MARK, 1000 * MS, NULL, NULL, NULL, NULL, "tick", NULL);
  ingest_timeline_window_advance (w, 900 * MS);
  g_autoptr(IngestTimeline) t3 = ingest_timeline_window_dup_timeline (w);
  assert_int_equal (t3->n_messages_total, 0);
  assert_int_equal (t3->lanes->len, 0);
  assert_int_equal (t3->marks->len, 1);
}

static void
assert_bins_equal (const IngestTimeline *x, const IngestTimeline *y)
{
  assert_int_equal (x->from_ns, y->from_ns);
  assert_int_equal (x->aggregated, y->aggregated);
  assert_int_equal (x->n_messages_total, y->n_messages_total);
  assert_int_equal (x->lanes->len, y->lanes->len);
  assert_int_equal (x->bins->len, y->bins->len);
  for (guint i = 0; i < x->bins->len; i++)
    {
      const IngestDensityBin *a = &g_array_index (x->bins, IngestDensityBin, i);
      const IngestDensityBin *b = &g_array_index (y->bins, IngestDensityBin, i);
      assert_int_equal (a->from_lane, b->from_lane);
      assert_int_equal (a->to_lane, b->to_lane);
      assert_int_equal (a->start_ns, b->start_ns);
      assert_int_equal (a->count, b->count);
      assert_int_equal (a->spans, b->spans);
    }
  assert_int_equal (x->marks->len, y->marks->len);
}

/* A snapshot of [from, to] rebuilds what the live window showed then, bin
 * for bin, even after more events arrived (how a clicked bin of a live
 * frame is resolved). */
static void
test_snapshot (void **state)
{
  (void) state;
  g_autoptr(IngestStore) store = ingest_store_new ();
  g_autoptr(GArray) flight = g_array_new (FALSE, FALSE, sizeof (InFlight));
  GRand *rand = g_rand_new_with_seed (99);
  Gen g = { store, rand, flight, 1000 * MS, 0, FALSE };
  IngestViewSpec spec = { .max_items = 50 };
  g_autoptr(IngestTimelineWindow) w = ingest_timeline_window_new (store, &spec, 300 * MS, NULL);

  for (guint round = 0; round < 10; round++)
    {
      gen_events (&g, 300);
      gint64 lo, hi;
      ingest_store_time_range (store, &lo, &hi);
      ingest_timeline_window_advance (w, hi - 300 * MS);
    }
  gint64 lo, hi;
  ingest_store_time_range (store, &lo, &hi);
  g_autoptr(IngestTimeline) live = ingest_timeline_window_dup_timeline (w);
  assert_true (live->aggregated);
  /* Later events (after hi) about new messages: the snapshot leaves them
   * out. (Old messages received later would change what is pending, in
   * the snapshot as in a batch rebuild.) */
  g_autoptr(GArray) later = g_array_new (FALSE, FALSE, sizeof (InFlight));
  g.flight = later;
  g.now += 10 * MS;
  gen_events (&g, 300);
  g_autoptr(IngestTimelineWindow) snap = ingest_timeline_window_new (store, &spec, 300 * MS, NULL);
  ingest_timeline_window_fill_snapshot (snap, hi - 300 * MS, hi);
  g_autoptr(IngestTimeline) again = ingest_timeline_window_dup_timeline (snap);
  assert_int_equal (again->to_ns, hi);
  assert_bins_equal (live, again);
  g_rand_free (rand);
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_bad_regex),
    cmocka_unit_test (test_carried_and_pending),
    cmocka_unit_test (test_snapshot),
    cmocka_unit_test (test_random_plain),
    cmocka_unit_test (test_random_out_of_order),
    cmocka_unit_test (test_random_groups),
    cmocka_unit_test (test_random_filters),
  };
  return cmocka_run_group_tests (tests, NULL, NULL);
}
