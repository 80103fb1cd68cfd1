/* ingest-latency.c: log-bucketed latency histogram (see the header). */
#include "config.h"

#include <math.h>
#include <string.h>

#include "ingest-latency.h"

/* Slightly under 2 % so floating-point rounding at bucket edges can't push a
 * reported quantile past the documented bound. */
#define ALPHA 0.0195
#define GROW_SLACK 2
#define EXTEND_SLACK 6

/* ln(1 + k / 1024): with linear interpolation, ln of any double to ~1e-7,
 * far below the 0.05 % margin ALPHA leaves, and 10x cheaper than log(). */
#define LN_TABLE_BITS 10
static double ln_table[(1 << LN_TABLE_BITS) + 1];

static double log_gamma;
static double inv_log_gamma;
static double rep_factor; /* 2 / (gamma + 1): bucket i reports rep_factor * gamma^i */
static gint32 max_index;

static gsize constants_done = 0;

static void
ensure_constants_slow (void)
{
  static gsize done = 0;

  if (g_once_init_enter (&done))
    {
      double gamma = (1.0 + ALPHA) / (1.0 - ALPHA);
      log_gamma = log (gamma);
      inv_log_gamma = 1.0 / log_gamma;
      rep_factor = 2.0 / (gamma + 1.0);
      max_index = (gint32) ceil (log ((double) G_MAXINT64) * inv_log_gamma) + 1;
      for (guint k = 0; k <= (1u << LN_TABLE_BITS); k++)
        ln_table[k] = log1p ((double) k / (double) (1u << LN_TABLE_BITS));
      g_once_init_leave (&done, 1);
    }
  g_atomic_pointer_set (&constants_done, 1);
}

/* One load (an acquire on every platform GLib supports) once initialised:
 * record() runs a few times per event. */
static inline void
ensure_constants (void)
{
  if (G_UNLIKELY (g_atomic_pointer_get (&constants_done) == 0))
    ensure_constants_slow ();
}

static inline double
fast_ln (gint64 v)
{
  double d = (double) v;
  guint64 u;
  memcpy (&u, &d, sizeof u);
  int e = (int) ((u >> 52) & 0x7ff) - 1023;
  guint64 mant = u & ((G_GUINT64_CONSTANT (1) << 52) - 1);
  guint k = (guint) (mant >> (52 - LN_TABLE_BITS));
  double frac = (double) (mant & ((G_GUINT64_CONSTANT (1) << (52 - LN_TABLE_BITS)) - 1))
                / (double) (G_GUINT64_CONSTANT (1) << (52 - LN_TABLE_BITS));
  return e * G_LN2 + ln_table[k] + (ln_table[k + 1] - ln_table[k]) * frac;
}

/* Bucket i holds (gamma^(i-1), gamma^i]; 1 ns lands in bucket 0. v >= 1. */
static inline gint32
bucket_index (gint64 v)
{
  /* ceil() of x in [0, 2^31), exact, without the libm call or its SSE2
   * emulation (v >= 1 so x >= 0). */
  double x = fast_ln (v) * inv_log_gamma;
  gint32 i = (gint32) x;
  if ((double) i < x)
    i++;
  return CLAMP (i, 0, max_index);
}

void
ingest_latency_hist_init (IngestLatencyHist *hist)
{
  memset (hist, 0, sizeof *hist);
}

void
ingest_latency_hist_clear (IngestLatencyHist *hist)
{
  if (hist == NULL)
    return;
  g_free (hist->buckets);
  memset (hist, 0, sizeof *hist);
}

IngestLatencyHist *
ingest_latency_hist_new (void)
{
  return g_new0 (IngestLatencyHist, 1);
}

void
ingest_latency_hist_free (IngestLatencyHist *hist)
{
  if (hist == NULL)
    return;
  g_free (hist->buckets);
  g_free (hist);
}

/* Makes buckets cover index i, keeping a little slack so a spread of samples
 * doesn't reallocate on every new extreme. */
static void
cover_slow (IngestLatencyHist *hist, gint32 i)
{
  if (hist->n_buckets == 0)
    {
      gint32 lo = MAX (0, i - GROW_SLACK);
      gint32 hi = MIN (max_index, i + GROW_SLACK);
      hist->lo = lo;
      hist->n_buckets = (guint32) (hi - lo + 1);
      hist->buckets = g_new0 (guint32, hist->n_buckets);
      return;
    }
  gint32 cur_hi = hist->lo + (gint32) hist->n_buckets - 1;
  if (i >= hist->lo && i <= cur_hi)
    return;
  /* Growing once means the range is still spreading: take more slack
   * (it was one reallocation per new extreme bucket, five per histogram). */
  gint32 lo = MIN (hist->lo, MAX (0, i - EXTEND_SLACK));
  gint32 hi = MAX (cur_hi, MIN (max_index, i + EXTEND_SLACK));
  guint32 n = (guint32) (hi - lo + 1);
  guint32 *b = g_new0 (guint32, n);
  memcpy (b + (hist->lo - lo), hist->buckets, hist->n_buckets * sizeof (guint32));
  g_free (hist->buckets);
  hist->buckets = b;
  hist->lo = lo;
  hist->n_buckets = n;
}

static inline void
cover (IngestLatencyHist *hist, gint32 i)
{
  if (G_LIKELY (hist->n_buckets != 0 && i >= hist->lo
                && i - hist->lo < (gint32) hist->n_buckets))
    return;
  cover_slow (hist, i);
}

static inline void
add_sat (guint32 *c, guint64 n)
{
  guint64 v = (guint64) *c + n;
  *c = v > G_MAXUINT32 ? G_MAXUINT32 : (guint32) v;
}

void
ingest_latency_hist_record (IngestLatencyHist *hist, gint64 v)
{
  ensure_constants ();
  if (v < 0)
    v = 0;
  if (hist->count == 0)
    hist->min_ns = hist->max_ns = v;
  else
    {
      hist->min_ns = MIN (hist->min_ns, v);
      hist->max_ns = MAX (hist->max_ns, v);
    }
  hist->count++;
  hist->sum_ns += (double) v;
  if (v == 0)
    {
      hist->zero++;
      return;
    }
  gint32 i = bucket_index (v);
  cover (hist, i);
  add_sat (&hist->buckets[i - hist->lo], 1);
}

void
ingest_latency_hist_merge (IngestLatencyHist *dst, const IngestLatencyHist *src)
{
  ensure_constants ();
  if (src == NULL || src->count == 0)
    return;
  if (dst->count == 0)
    {
      dst->min_ns = src->min_ns;
      dst->max_ns = src->max_ns;
    }
  else
    {
      dst->min_ns = MIN (dst->min_ns, src->min_ns);
      dst->max_ns = MAX (dst->max_ns, src->max_ns);
    }
  dst->count += src->count;
  dst->zero += src->zero;
  dst->sum_ns += src->sum_ns;
  for (guint32 k = 0; k < src->n_buckets; k++)
    if (src->buckets[k])
      {
        gint32 i = src->lo + (gint32) k;
        cover (dst, i);
        add_sat (&dst->buckets[i - dst->lo], src->buckets[k]);
      }
}

gint64
ingest_latency_hist_quantile (const IngestLatencyHist *hist, double q)
{
  ensure_constants ();
  if (hist == NULL || hist->count == 0)
    return 0;
  q = CLAMP (q, 0.0, 1.0);
  guint64 rank = (guint64) ceil (q * (double) hist->count);
  rank = CLAMP (rank, 1, hist->count);
  /* The first and last ranks are the exact extremes. */
  if (rank == 1)
    return hist->min_ns;
  if (rank == hist->count)
    return hist->max_ns;
  if (rank <= hist->zero)
    return 0;
  guint64 seen = hist->zero;
  for (guint32 k = 0; k < hist->n_buckets; k++)
    {
      seen += hist->buckets[k];
      if (seen >= rank)
        {
          double rep = rep_factor * exp ((double) (hist->lo + (gint32) k) * log_gamma);
          gint64 r = rep >= (double) G_MAXINT64 ? G_MAXINT64 : (gint64) llround (rep);
          /* The extremes are exact: never report outside them. */
          return CLAMP (r, hist->min_ns, hist->max_ns);
        }
    }
  /* Only reachable when saturated counts lost samples: the top is max. */
  return hist->max_ns;
}

void
ingest_latency_hist_summary (const IngestLatencyHist *hist, IngestLatency *out)
{
  memset (out, 0, sizeof *out);
  if (hist == NULL || hist->count == 0)
    return;
  out->count = hist->count;
  out->min_ns = hist->min_ns;
  out->max_ns = hist->max_ns;
  double mean = hist->sum_ns / (double) hist->count;
  out->mean_ns = mean >= (double) G_MAXINT64 ? G_MAXINT64 : (gint64) llround (mean);
  out->mean_ns = CLAMP (out->mean_ns, hist->min_ns, hist->max_ns);
  out->p50_ns = ingest_latency_hist_quantile (hist, 0.50);
  out->p99_ns = ingest_latency_hist_quantile (hist, 0.99);
}

gsize
ingest_latency_hist_memory_bytes (const IngestLatencyHist *hist)
{
  return hist ? hist->n_buckets * sizeof (guint32) : 0;
}

/* The value a bucket reports (see ingest_latency_hist_quantile). */
static gint64
bucket_value (gint32 i)
{
  double rep = rep_factor * exp ((double) i * log_gamma);
  return rep >= (double) G_MAXINT64 ? G_MAXINT64 : MAX ((gint64) llround (rep), 1);
}

void
ingest_latency_hist_remove (IngestLatencyHist *hist, gint64 v)
{
  ensure_constants ();
  if (hist == NULL || hist->count == 0)
    return;
  if (v < 0)
    v = 0;
  hist->count--;
  hist->sum_ns -= (double) v;
  if (v == 0)
    {
      if (hist->zero > 0)
        hist->zero--;
    }
  else
    {
      gint32 i = bucket_index (v);
      /* A saturated count has lost samples: leave it saturated. */
      if (i >= hist->lo && i - hist->lo < (gint32) hist->n_buckets
          && hist->buckets[i - hist->lo] > 0 && hist->buckets[i - hist->lo] < G_MAXUINT32)
        hist->buckets[i - hist->lo]--;
    }
  if (hist->count == 0)
    {
      /* Keep the bucket array (the window will refill it) but reset the rest. */
      hist->zero = 0;
      hist->min_ns = hist->max_ns = 0;
      hist->sum_ns = 0;
      return;
    }
  /* Compare buckets, not values: a recomputed extreme is a bucket's
   * representative, which may lie on either side of the samples in it. */
  gint32 bv = v == 0 ? -1 : bucket_index (v);
  gint32 bmin = hist->min_ns <= 0 ? -1 : bucket_index (hist->min_ns);
  gint32 bmax = hist->max_ns <= 0 ? -1 : bucket_index (hist->max_ns);
  if (bv <= bmin)
    {
      hist->min_ns = hist->max_ns;
      if (hist->zero > 0)
        hist->min_ns = 0;
      else
        for (guint32 k = 0; k < hist->n_buckets; k++)
          if (hist->buckets[k])
            {
              hist->min_ns = bucket_value (hist->lo + (gint32) k);
              break;
            }
    }
  if (bv >= bmax)
    {
      hist->max_ns = hist->zero > 0 ? 0 : hist->min_ns;
      for (guint32 k = hist->n_buckets; k-- > 0;)
        if (hist->buckets[k])
          {
            hist->max_ns = bucket_value (hist->lo + (gint32) k);
            break;
          }
    }
  if (hist->min_ns > hist->max_ns)
    hist->min_ns = hist->max_ns;
}
