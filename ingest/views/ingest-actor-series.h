/* ingest-actor-series.h: one actor over a time window, in bins: its
 * mailbox depth, messages received and wait (time in mailbox) p99 per bin,
 * and its top partners (who it exchanged most messages with). For charts
 * of one actor in any front end. Data only. */
#pragma once

#include "ingest-store.h"

G_BEGIN_DECLS

#define INGEST_ACTOR_SERIES_MAX_BINS 512

typedef struct {
  gint64 depth_max;          /* deepest mailbox in the bin (the depth carried
                                over from before when nothing changed it) */
  guint64 received;          /* messages it took out in the bin */
  gint64 wait_p99_ns;        /* p99 of their time in mailbox, 0 if none */
} IngestActorSeriesBin;

typedef struct {
  IngestActorId actor;
  guint64 sent, received;    /* messages to / from it in the window */
} IngestActorPartner;

typedef struct {
  gint64 from_ns, to_ns, bin_ns;
  guint n_bins;
  IngestActorSeriesBin *bins;  /* n_bins (owned) */
  GArray *partners;            /* IngestActorPartner, most messages first (owned) */
  gboolean truncated;          /* max_events reached */
} IngestActorSeries;

/* Builds the series of actor over [from_ns, to_ns] (a bounded window) in
 * n_bins (1 … INGEST_ACTOR_SERIES_MAX_BINS) bins, with at most
 * max_partners partners, examining at most max_events events (0 =
 * 5,000,000). Returns NULL when the window is empty or unbounded. Owned by
 * the caller (ingest_actor_series_free). */
IngestActorSeries *ingest_actor_series_build (IngestStore *store, IngestActorId actor,
                                              gint64 from_ns, gint64 to_ns, guint n_bins,
                                              guint max_partners, guint64 max_events);
void ingest_actor_series_free (IngestActorSeries *series);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (IngestActorSeries, ingest_actor_series_free)

G_END_DECLS
