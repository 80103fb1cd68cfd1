/* test-ingest-timeline-window.c: the sliding-window timeline agrees with the
 * batch timeline (ingest_timeline_build) of the same window, filters and groups on
 * random streams (pending, received, dropped, answered messages, crashes,
 * error marks) while the window slides, in totals, lanes and level of
 * detail. */
#include "config.h"

#include <valgrind/valgrind.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "ingest-timeline-window.h"
#include "test-ingest-common.h"

#define MS (G_GINT64_CONSTANT (1000000))

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
  g_autoptr(GArray) flight = g_array_new (FALSE, FALSE, sizeof (TestIngestInFlight));
  GRand *rand = g_rand_new_with_seed (seed);
  TestIngestStream g = { store, rand, flight, 1000 * MS, 0, out_of_order };
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
      test_ingest_stream_append (&g, round % 20 < 3 ? g_rand_int_range (rand, 0, 5)
                                                    : g_rand_int_range (rand, 0, 150));
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
  /* Two of the four seeds under valgrind (the CI's memcheck pass): memory
   * errors show on the paths any seed takes; the other builds run all four. */
  const guint32 last_seed = RUNNING_ON_VALGRIND ? 2 : 4;
  for (guint32 seed = 1; seed <= last_seed; seed++)
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
  test_ingest_ev (store, INGEST_EVENT_SEND, 10 * MS, "/a", "/b", "slow", "Job", NULL, NULL);
  test_ingest_ev (store, INGEST_EVENT_SEND, 11 * MS, "/a", "/c", "lost", "Job", NULL, NULL);
  for (guint i = 0; i < 6; i++)
    {
      char key[8];
      g_snprintf (key, sizeof key, "k%u", i);
      test_ingest_ev (store, INGEST_EVENT_SEND, (20 + i) * MS, "/a", "/b", key, "Job", NULL, NULL);
      test_ingest_ev (store, INGEST_EVENT_RECEIVE, (20 + i) * MS + 1, "/b", NULL, key, NULL, NULL, NULL);
    }
  ingest_timeline_window_advance (w, 0);
  g_autoptr(IngestTimeline) t1 = ingest_timeline_window_dup_timeline (w);
  assert_true (t1->aggregated);
  assert_int_equal (t1->n_messages_total, 8);
  assert_int_equal (t1->messages->len, 2); /* slow and lost, pending */
  assert_int_equal (sum_bins (t1, FALSE), 6);

  test_ingest_ev (store, INGEST_EVENT_RECEIVE, 40 * MS, "/b", NULL, "slow", NULL, NULL, NULL);
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
  test_ingest_ev (store, INGEST_EVENT_MARK, 1000 * MS, NULL, NULL, NULL, NULL, "tick", NULL);
  ingest_timeline_window_advance (w, 900 * MS);
  g_autoptr(IngestTimeline) t3 = ingest_timeline_window_dup_timeline (w);
  assert_int_equal (t3->n_messages_total, 0);
  assert_int_equal (t3->lanes->len, 0);
  assert_int_equal (t3->marks->len, 1);
}

/* An event far beyond the bucket ring (a jump in time without an advance)
 * drops the old buckets once, and the window still counts what it holds. */
static void
test_time_jump (void **state)
{
  (void) state;
  g_autoptr(IngestStore) store = ingest_store_new ();
  IngestViewSpec spec = { .max_items = 100 };
  g_autoptr(IngestTimelineWindow) w = ingest_timeline_window_new (store, &spec, 100 * MS, NULL);
  ingest_timeline_window_advance (w, INGEST_TIME_MIN);
  test_ingest_ev (store, INGEST_EVENT_SEND, 10 * MS, "/a", "/b", "k0", "Job", NULL, NULL);
  test_ingest_ev (store, INGEST_EVENT_RECEIVE, 11 * MS, "/b", NULL, "k0", NULL, NULL, NULL);
  ingest_timeline_window_advance (w, 0);
  test_ingest_ev (store, INGEST_EVENT_SEND, 10000 * MS, "/a", "/b", "k1", "Job", NULL, NULL);
  test_ingest_ev (store, INGEST_EVENT_RECEIVE, 10001 * MS, "/b", NULL, "k1", NULL, NULL, NULL);
  ingest_timeline_window_advance (w, 0); /* same start: k1 lands far past the ring */
  ingest_timeline_window_advance (w, 9950 * MS);
  g_autoptr(IngestTimeline) t = ingest_timeline_window_dup_timeline (w);
  assert_int_equal (t->n_messages_total, 1);
  assert_int_equal (t->lanes->len, 2);
}

/* Messages between the ends of the accepted time range, with windows of 1
 * ns to a week, a level of detail that bins them, and the batch build over
 * everything: bucket indexes, bin bounds and widths stay in range. */
static void
test_extreme_times (void **state)
{
  (void) state;
  const gint64 ends[] = { G_MININT64, G_MAXINT64, G_MININT64 + 1, 0, G_MAXINT64 - 1 };
  const gint64 windows[] = { 1, 100 * MS, G_GINT64_CONSTANT (604800000000000) };

  for (guint wi = 0; wi < G_N_ELEMENTS (windows); wi++)
    {
      g_autoptr(IngestStore) store = ingest_store_new ();
      IngestViewSpec spec = { .from_ns = INGEST_TIME_MIN, .to_ns = INGEST_TIME_MAX, .max_items = 2 };
      g_autoptr(IngestTimelineWindow) w = ingest_timeline_window_new (store, &spec, windows[wi], NULL);
      ingest_timeline_window_advance (w, INGEST_TIME_MIN);
      for (guint i = 0; i < G_N_ELEMENTS (ends); i++)
        {
          g_autofree char *key = g_strdup_printf ("k%u", i);
          gint64 t = ends[i], u = ends[(i + 1) % G_N_ELEMENTS (ends)];
          test_ingest_ev (store, INGEST_EVENT_SEND, t, "/a", "/b", key, "Job", NULL, NULL);
          test_ingest_ev (store, INGEST_EVENT_RECEIVE, u, "/b", NULL, key, NULL, NULL, NULL);
          test_ingest_ev (store, INGEST_EVENT_DONE, u, "/b", NULL, key, NULL, NULL, NULL);
          gint64 tmin, tmax;
          assert_true (ingest_store_time_range (store, &tmin, &tmax));
          ingest_timeline_window_advance (w, tmax - MIN (windows[wi], tmax - tmin));
          g_autoptr(IngestTimeline) live = ingest_timeline_window_dup_timeline (w);
          assert_non_null (live);
          for (guint b = 0; b < live->bins->len; b++)
            {
              const IngestDensityBin *bin = &g_array_index (live->bins, IngestDensityBin, b);
              assert_true (bin->start_ns < bin->end_ns);
            }
        }
      ingest_timeline_window_advance (w, -INGEST_STORE_MAX_TIME);
      g_autoptr(IngestTimeline) all = ingest_timeline_window_dup_timeline (w);
      g_autoptr(IngestTimeline) batch = ingest_timeline_build (store, &spec, NULL);
      assert_non_null (all);
      assert_non_null (batch);
      assert_true (batch->from_ns == -INGEST_STORE_MAX_TIME && batch->to_ns == INGEST_STORE_MAX_TIME);
      for (guint b = 0; b < batch->bins->len; b++)
        {
          const IngestDensityBin *bin = &g_array_index (batch->bins, IngestDensityBin, b);
          assert_true (bin->start_ns >= batch->from_ns && bin->start_ns < bin->end_ns);
        }
    }
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
  g_autoptr(GArray) flight = g_array_new (FALSE, FALSE, sizeof (TestIngestInFlight));
  GRand *rand = g_rand_new_with_seed (99);
  TestIngestStream g = { store, rand, flight, 1000 * MS, 0, FALSE };
  IngestViewSpec spec = { .max_items = 50 };
  g_autoptr(IngestTimelineWindow) w = ingest_timeline_window_new (store, &spec, 300 * MS, NULL);

  for (guint round = 0; round < 10; round++)
    {
      test_ingest_stream_append (&g, 300);
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
  g_autoptr(GArray) later = g_array_new (FALSE, FALSE, sizeof (TestIngestInFlight));
  g.flight = later;
  g.now += 10 * MS;
  test_ingest_stream_append (&g, 300);
  g_autoptr(IngestTimelineWindow) snap = ingest_timeline_window_new (store, &spec, 300 * MS, NULL);
  ingest_timeline_window_fill_snapshot (snap, hi - 300 * MS, hi);
  g_autoptr(IngestTimeline) again = ingest_timeline_window_dup_timeline (snap);
  assert_int_equal (again->to_ns, hi);
  assert_bins_equal (live, again);
  g_rand_free (rand);
}

/* A view whose filters match nothing in a busy window: the snapshot comes
 * from the buckets (no rescan of the window every frame) and still agrees
 * with the batch build: no messages, the same lanes (actors of marks,
 * drops and crashes) and as many marks. */
static void
test_nothing_matches (void **state)
{
  (void) state;
  static const char *const groups[] = { "/a/*", NULL };
  const IngestViewSpec specs[] = {
    { .label_filter = "NoSuchLabel" },
    { .actor_filter = "/nobody/*" },
    { .label_filter = "NoSuchLabel", .groups = groups },
  };
  for (guint s = 0; s < G_N_ELEMENTS (specs); s++)
    {
      g_autoptr(IngestStore) store = ingest_store_new ();
      g_autoptr(GArray) flight = g_array_new (FALSE, FALSE, sizeof (TestIngestInFlight));
      GRand *rand = g_rand_new_with_seed (40 + s);
      TestIngestStream g = { store, rand, flight, 1000 * MS, 0, FALSE };
      g_autoptr(GError) error = NULL;
      IngestViewSpec wspec = specs[s];
      wspec.max_items = 50;
      g_autoptr(IngestTimelineWindow) w = ingest_timeline_window_new (store, &wspec, 300 * MS, &error);
      g_assert_no_error (error);
      for (guint round = 0; round < 40; round++)
        {
          test_ingest_stream_append (&g, g_rand_int_range (rand, 50, 150));
          gint64 hi = 0, lo = 0;
          ingest_store_time_range (store, &lo, &hi);
          ingest_timeline_window_advance (w, hi - 300 * MS);
          IngestViewSpec spec = wspec;
          spec.from_ns = ingest_timeline_window_get_from (w);
          spec.to_ns = INGEST_TIME_MAX;
          g_autoptr(IngestTimeline) batch = ingest_timeline_build (store, &spec, &error);
          g_assert_no_error (error);
          g_autoptr(IngestTimeline) win = ingest_timeline_window_dup_timeline (w);
          assert_int_equal (win->n_messages_total, 0);
          assert_false (win->aggregated);
          assert_timelines_agree (batch, win, TRUE);
          assert_int_equal (batch->marks->len, win->marks->len);
          assert_int_equal (win->messages->len, 0);
          assert_int_equal (win->bins->len, 0);
        }
      assert_true (ingest_store_n_events (store) > 2000);
      g_rand_free (rand);
    }
}

/* The incremental snapshot (buckets kept and their summaries reused from
 * frame to frame, new events appended, buckets that slid out dropped)
 * equals a window built from scratch at the same start, item for item:
 * lanes, kept messages, bins, marks and depth samples, after many random
 * slides of random length, with and without groups and filters. */
static void
assert_timelines_equal (const IngestTimeline *x, const IngestTimeline *y)
{
  assert_int_equal (x->from_ns, y->from_ns);
  assert_int_equal (x->to_ns, y->to_ns);
  assert_int_equal (x->aggregated, y->aggregated);
  assert_int_equal (x->n_messages_total, y->n_messages_total);
  assert_int_equal (x->lanes->len, y->lanes->len);
  for (guint i = 0; i < x->lanes->len; i++)
    {
      const IngestViewNode *a = &g_array_index (x->lanes, IngestViewNode, i);
      const IngestViewNode *b = &g_array_index (y->lanes, IngestViewNode, i);
      assert_string_equal (a->name, b->name);
      assert_int_equal (a->is_group, b->is_group);
      if (!a->is_group) /* a group's actor is the first member met */
        assert_int_equal (a->actor, b->actor);
      assert_int_equal (a->sent, b->sent);
      assert_int_equal (a->received, b->received);
      assert_int_equal (a->spans, b->spans);
      assert_int_equal (a->errors, b->errors);
      assert_int_equal (a->crashes, b->crashes);
      assert_int_equal (a->dropped, b->dropped);
      /* A group's depth sums its members' mailboxes as last seen, and
       * its n_members counts the members met: the window that has
       * followed the trace knows members whose last sample is before its
       * start (and senders of messages it carries over), one built at
       * that start does not. */
      if (!a->is_group)
        assert_int_equal (a->mailbox_depth_max, b->mailbox_depth_max);
    }
  assert_bins_equal (x, y);
  for (guint i = 0; i < x->bins->len; i++)
    assert_int_equal (g_array_index (x->bins, IngestDensityBin, i).end_ns,
                      g_array_index (y->bins, IngestDensityBin, i).end_ns);
  assert_int_equal (x->messages->len, y->messages->len);
  for (guint i = 0; i < x->messages->len; i++)
    {
      const IngestTimelineMessage *a = &g_array_index (x->messages, IngestTimelineMessage, i);
      const IngestTimelineMessage *b = &g_array_index (y->messages, IngestTimelineMessage, i);
      assert_int_equal (a->message, b->message);
      assert_int_equal (a->from_lane, b->from_lane);
      assert_int_equal (a->to_lane, b->to_lane);
      assert_int_equal (a->send_ns, b->send_ns);
      assert_int_equal (a->receive_ns, b->receive_ns);
      assert_int_equal (a->dropped, b->dropped);
    }
  assert_int_equal (x->spans->len, y->spans->len);
  for (guint i = 0; i < x->marks->len; i++)
    {
      const IngestTimelineMark *a = &g_array_index (x->marks, IngestTimelineMark, i);
      const IngestTimelineMark *b = &g_array_index (y->marks, IngestTimelineMark, i);
      assert_int_equal (a->lane, b->lane);
      assert_int_equal (a->time_ns, b->time_ns);
    }
  /* Depth samples of single actors (a group's, see above, may differ in
   * value and so in whether its last sample is also kept). */
  guint i = 0, j = 0;
  for (;;)
    {
      while (i < x->depth->len
             && g_array_index (x->lanes, IngestViewNode, g_array_index (x->depth, IngestDepthSample, i).lane).is_group)
        i++;
      while (j < y->depth->len
             && g_array_index (y->lanes, IngestViewNode, g_array_index (y->depth, IngestDepthSample, j).lane).is_group)
        j++;
      if (i == x->depth->len || j == y->depth->len)
        break;
      const IngestDepthSample *a = &g_array_index (x->depth, IngestDepthSample, i++);
      const IngestDepthSample *b = &g_array_index (y->depth, IngestDepthSample, j++);
      assert_int_equal (a->lane, b->lane);
      assert_int_equal (a->time_ns, b->time_ns);
      assert_int_equal (a->depth, b->depth);
    }
  assert_int_equal (i, x->depth->len);
  assert_int_equal (j, y->depth->len);
}

static void
test_incremental_equals_fresh (void **state)
{
  (void) state;
  static const char *const groups[] = { "/a/*", NULL };
  const IngestViewSpec specs[] = {
    { 0 },
    { .groups = groups },
    { .actor_filter = "/b/*" },
  };
  guint compared = 0, aggregated = 0, reused = 0;
  /* Three random traces per spec; two under valgrind (the CI's memcheck
   * pass), where the three took 44 s and two still take both paths. */
  const guint32 n_seeds = RUNNING_ON_VALGRIND ? 2 : 3;
  for (guint s = 0; s < G_N_ELEMENTS (specs); s++)
    for (guint32 seed = 1; seed <= n_seeds; seed++)
      {
        g_autoptr(IngestStore) store = ingest_store_new ();
        g_autoptr(GArray) flight = g_array_new (FALSE, FALSE, sizeof (TestIngestInFlight));
        GRand *rand = g_rand_new_with_seed (500 + 10 * s + seed);
        TestIngestStream g = { store, rand, flight, 1000 * MS, 0, FALSE };
        g_autoptr(GError) error = NULL;
        IngestViewSpec wspec = specs[s];
        wspec.max_items = 50;
        const gint64 window = 300 * MS;
        g_autoptr(IngestTimelineWindow) w = ingest_timeline_window_new (store, &wspec, window, &error);
        g_assert_no_error (error);
        for (guint round = 0; round < 150; round++)
          {
            /* Slides of every length: none, a few events, a burst. */
            guint n = g_rand_int_range (rand, 0, 4) == 0 ? 0 : g_rand_int_range (rand, 1, 250);
            test_ingest_stream_append (&g, n);
            gint64 hi = 0, lo = 0;
            ingest_store_time_range (store, &lo, &hi);
            /* The start trails the newest event by the window, give or
             * take a little (a frame's clock is not the trace's). */
            gint64 from = hi - window + g_rand_int_range (rand, -20, 20) * MS;
            ingest_timeline_window_advance (w, from);
            g_autoptr(IngestTimeline) inc = ingest_timeline_window_dup_timeline (w);
            g_autoptr(IngestTimelineWindow) fresh = ingest_timeline_window_new (store, &wspec, window, &error);
            g_assert_no_error (error);
            ingest_timeline_window_advance (fresh, ingest_timeline_window_get_from (w));
            g_autoptr(IngestTimeline) scratch = ingest_timeline_window_dup_timeline (fresh);
            assert_int_equal (ingest_timeline_window_get_from (fresh), ingest_timeline_window_get_from (w));
            assert_timelines_equal (scratch, inc);
            compared++;
            aggregated += inc->aggregated;
            reused += n == 0;
          }
        g_rand_free (rand);
      }
  /* Both paths (assembled from buckets, and small windows) were taken,
   * and frames without new events (every summary reused). */
  assert_int_equal (compared, 3 * n_seeds * 150);
  assert_true (aggregated > compared / 4);
  assert_true (aggregated < compared);
  assert_true (reused > 50);
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_bad_regex),
    cmocka_unit_test (test_carried_and_pending),
    cmocka_unit_test (test_time_jump),
    cmocka_unit_test (test_extreme_times),
    cmocka_unit_test (test_snapshot),
    cmocka_unit_test (test_nothing_matches),
    cmocka_unit_test (test_incremental_equals_fresh),
    cmocka_unit_test (test_random_plain),
    cmocka_unit_test (test_random_out_of_order),
    cmocka_unit_test (test_random_groups),
    cmocka_unit_test (test_random_filters),
  };
  return cmocka_run_group_tests (tests, NULL, NULL);
}
