/* ingest-latency.h: log-bucketed latency histogram.
 *
 * Buckets grow geometrically by gamma = (1 + a) / (1 - a) with a = 1.95 %, so
 * any quantile is reported within 2 % of a sample at that rank (the
 * DDSketch bound). Counts live in one dense array covering only the bucket
 * range seen so far; the whole range of positive gint64 nanoseconds needs
 * about 1,100 buckets, so a histogram never holds more than ~4.5 KiB however
 * many samples it gets. Durations <= 0 (clock skew between sources) count as
 * 0 ns. min and max are exact; the mean is exact up to double rounding.
 *
 * A plain struct so the store and views can embed it: initialise with
 * ingest_latency_hist_init() (or zero-fill), release with _clear().
 */
#pragma once

#include "ingest-model.h"

G_BEGIN_DECLS

typedef struct {
  guint64 count;
  guint64 zero;          /* samples <= 0 ns */
  gint64 min_ns, max_ns;
  double sum_ns;
  gint32 lo;             /* bucket index of buckets[0] */
  guint32 n_buckets;
  guint32 *buckets;      /* owned; saturating counts */
} IngestLatencyHist;

/* The relative error bound quantiles honour. */
#define INGEST_LATENCY_RELATIVE_ERROR 0.02

void ingest_latency_hist_init (IngestLatencyHist *hist);
void ingest_latency_hist_clear (IngestLatencyHist *hist);
/* Heap-allocated variants (owned; NULL-safe free). */
IngestLatencyHist *ingest_latency_hist_new (void);
void ingest_latency_hist_free (IngestLatencyHist *hist);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (IngestLatencyHist, ingest_latency_hist_free)

void ingest_latency_hist_record (IngestLatencyHist *hist, gint64 duration_ns);
/* Takes back one sample of duration_ns that was recorded before (sliding
 * windows). Bucket counts, count, zero count and sum are exact; when the
 * removed sample was the minimum or maximum, the new extreme is
 * approximated from the nearest non-empty bucket (within the 2 % bound; 0
 * when only <= 0 ns samples remain), so min/max are no longer exact after
 * a removal. Removing a sample that was never recorded is a programmer
 * error: counts never underflow, but the result is meaningless. */
void ingest_latency_hist_remove (IngestLatencyHist *hist, gint64 duration_ns);
/* Adds every sample of src into dst. */
void ingest_latency_hist_merge (IngestLatencyHist *dst, const IngestLatencyHist *src);

/* Nearest-rank quantile, q in [0, 1]: the value at rank ceil(q * count),
 * within 2 %. 0 when empty. */
gint64 ingest_latency_hist_quantile (const IngestLatencyHist *hist, double q);
/* Fills out (all zero when hist is NULL or empty). */
void ingest_latency_hist_summary (const IngestLatencyHist *hist, IngestLatency *out);
/* Heap bytes held by the bucket array (not the struct itself). */
gsize ingest_latency_hist_memory_bytes (const IngestLatencyHist *hist);

G_END_DECLS
