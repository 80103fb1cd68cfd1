/* test-ingest-latency.c: the histogram's quantiles against exact ones. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <math.h>
#include <cmocka.h>

#include "ingest-latency.h"

static int
cmp_i64 (const void *a, const void *b)
{
  gint64 x = *(const gint64 *) a, y = *(const gint64 *) b;
  return x < y ? -1 : x > y;
}

static gint64
exact_quantile (const gint64 *sorted, gsize n, double q)
{
  gsize rank = (gsize) ceil (q * (double) n);
  rank = CLAMP (rank, 1, n);
  return sorted[rank - 1];
}

static void
check_against_exact (gint64 *v, gsize n, IngestLatencyHist *h)
{
  static const double qs[] = { 0.0, 0.01, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 0.99, 0.999, 1.0 };

  qsort (v, n, sizeof *v, cmp_i64);
  for (gsize i = 0; i < G_N_ELEMENTS (qs); i++)
    {
      gint64 want = exact_quantile (v, n, qs[i]);
      gint64 got = ingest_latency_hist_quantile (h, qs[i]);
      double err = want == 0 ? (double) got : fabs ((double) got - (double) want) / (double) want;
      if (err > INGEST_LATENCY_RELATIVE_ERROR)
        fail_msg ("q=%g: got %" G_GINT64_FORMAT " want %" G_GINT64_FORMAT " (err %.4f)",
                  qs[i], got, want, err);
    }
  IngestLatency s;
  ingest_latency_hist_summary (h, &s);
  assert_int_equal (s.count, n);
  assert_int_equal (s.min_ns, v[0]);
  assert_int_equal (s.max_ns, v[n - 1]);
  double sum = 0;
  for (gsize i = 0; i < n; i++)
    sum += (double) v[i];
  assert_true (fabs ((double) s.mean_ns - sum / (double) n) <= 1.0 + 1e-9 * sum / (double) n);
  assert_int_equal (s.p50_ns, ingest_latency_hist_quantile (h, 0.5));
  assert_int_equal (s.p99_ns, ingest_latency_hist_quantile (h, 0.99));
}

static void
test_random_log_uniform (void **state)
{
  GRand *r = g_rand_new_with_seed (1234);
  gsize n = 200000;
  g_autofree gint64 *v = g_new (gint64, n);
  IngestLatencyHist h;

  ingest_latency_hist_init (&h);
  for (gsize i = 0; i < n; i++)
    {
      /* 1 ns .. ~10 s, log-uniform: every bucket range gets exercised. */
      v[i] = (gint64) exp (g_rand_double_range (r, 0.0, log (1e10)));
      ingest_latency_hist_record (&h, v[i]);
    }
  check_against_exact (v, n, &h);
  /* Fixed memory: ~1,100 buckets at most whatever the sample count. */
  assert_true (ingest_latency_hist_memory_bytes (&h) <= 4600);
  ingest_latency_hist_clear (&h);
  g_rand_free (r);
}

static void
test_random_clustered (void **state)
{
  GRand *r = g_rand_new_with_seed (99);
  gsize n = 50000;
  g_autofree gint64 *v = g_new (gint64, n);
  g_autoptr (IngestLatencyHist) h = ingest_latency_hist_new ();

  /* Two clusters (fast path ~50 us, slow path ~20 ms) and a few outliers. */
  for (gsize i = 0; i < n; i++)
    {
      double x = g_rand_double (r);
      if (x < 0.9)
        v[i] = 50000 + g_rand_int_range (r, -5000, 5000);
      else if (x < 0.999)
        v[i] = 20000000 + g_rand_int_range (r, -2000000, 2000000);
      else
        v[i] = (gint64) 3e9;
      ingest_latency_hist_record (h, v[i]);
    }
  g_rand_free (r);
  check_against_exact (v, n, h);
  /* A narrow spread keeps the bucket array small. */
  assert_true (ingest_latency_hist_memory_bytes (h) < 4600);
}

static void
test_edges (void **state)
{
  IngestLatencyHist h = { 0 };
  IngestLatency s;

  ingest_latency_hist_summary (&h, &s);
  assert_int_equal (s.count, 0);
  assert_int_equal (s.p99_ns, 0);
  ingest_latency_hist_summary (NULL, &s);
  assert_int_equal (s.count, 0);
  assert_int_equal (ingest_latency_hist_quantile (&h, 0.5), 0);

  /* Negative (clock skew) counts as 0; a single sample is exact. */
  ingest_latency_hist_record (&h, -5);
  ingest_latency_hist_summary (&h, &s);
  assert_int_equal (s.count, 1);
  assert_int_equal (s.min_ns, 0);
  assert_int_equal (s.p50_ns, 0);
  ingest_latency_hist_clear (&h);

  ingest_latency_hist_record (&h, 123456789);
  ingest_latency_hist_summary (&h, &s);
  assert_int_equal (s.p50_ns, 123456789);
  assert_int_equal (s.p99_ns, 123456789);
  assert_int_equal (s.mean_ns, 123456789);

  /* Extremes don't overflow. */
  ingest_latency_hist_record (&h, G_MAXINT64);
  ingest_latency_hist_record (&h, 1);
  assert_int_equal (ingest_latency_hist_quantile (&h, 1.0), G_MAXINT64);
  assert_int_equal (ingest_latency_hist_quantile (&h, 0.0), 1);
  assert_true (ingest_latency_hist_memory_bytes (&h) <= 4600);

  /* Merge equals recording into one. */
  IngestLatencyHist a = { 0 }, b = { 0 }, all = { 0 };
  for (int i = 1; i <= 1000; i++)
    {
      ingest_latency_hist_record (i % 2 ? &a : &b, i * 1000);
      ingest_latency_hist_record (&all, i * 1000);
    }
  ingest_latency_hist_merge (&a, &b);
  assert_int_equal (a.count, all.count);
  assert_int_equal (ingest_latency_hist_quantile (&a, 0.5), ingest_latency_hist_quantile (&all, 0.5));
  assert_int_equal (ingest_latency_hist_quantile (&a, 0.99), ingest_latency_hist_quantile (&all, 0.99));
  assert_int_equal (a.min_ns, 1000);
  assert_int_equal (a.max_ns, 1000000);
  ingest_latency_hist_clear (&a);
  ingest_latency_hist_clear (&b);
  ingest_latency_hist_clear (&all);
  ingest_latency_hist_clear (&h);
  ingest_latency_hist_free (NULL);
}

/* Durations between the ends of the accepted time range (2^63 - 2 ns,
 * the store clamps times to +-(2^62 - 1)), with the smallest ones, recorded,
 * merged, removed and summarised. */
static void
test_extreme_durations (void **state)
{
  const gint64 span = G_MAXINT64 - 1;
  IngestLatencyHist a, b;
  IngestLatency l;

  ingest_latency_hist_init (&a);
  ingest_latency_hist_init (&b);
  ingest_latency_hist_record (&a, span);
  ingest_latency_hist_record (&a, 1);
  ingest_latency_hist_record (&a, -span);
  ingest_latency_hist_record (&b, G_MAXINT64);
  ingest_latency_hist_record (&b, G_MININT64);
  ingest_latency_hist_merge (&a, &b);
  ingest_latency_hist_summary (&a, &l);
  assert_int_equal (l.count, 5);
  assert_true (l.max_ns == G_MAXINT64);
  assert_true (l.p99_ns > 0 && l.p99_ns <= G_MAXINT64);
  assert_true (l.mean_ns >= 0 && l.mean_ns <= l.max_ns);
  ingest_latency_hist_remove (&a, G_MAXINT64);
  ingest_latency_hist_remove (&a, span);
  ingest_latency_hist_summary (&a, &l);
  assert_int_equal (l.count, 3);
  assert_true (l.max_ns >= 0 && l.max_ns <= 2);
  ingest_latency_hist_clear (&a);
  ingest_latency_hist_clear (&b);
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_random_log_uniform),
    cmocka_unit_test (test_random_clustered),
    cmocka_unit_test (test_edges),
    cmocka_unit_test (test_extreme_durations),
  };
  return cmocka_run_group_tests (tests, NULL, NULL);
}
