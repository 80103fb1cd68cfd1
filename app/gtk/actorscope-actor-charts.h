/* actorscope-actor-charts.h: one actor over time on the actor card: its
 * mailbox depth, messages received per second and wait p99 as sparklines
 * (ingest-actor-series.c binned, render-sparkline.c drawn with cairo) and
 * its top partners. The same series, bins and partners as the console's
 * "charts" reply (web/web-actor-charts.c) for the same window. */
#pragma once

#include <gtk/gtk.h>
#include "ingest-store.h"

G_BEGIN_DECLS

/* As the console: 60 bins over the window, the top 5 partners. */
#define ACTORSCOPE_ACTOR_CHARTS_BINS 60
#define ACTORSCOPE_ACTOR_CHARTS_PARTNERS 5

typedef enum {
  ACTORSCOPE_ACTOR_CHART_MAILBOX,   /* deepest mailbox per bin */
  ACTORSCOPE_ACTOR_CHART_RATE,      /* messages received per second */
  ACTORSCOPE_ACTOR_CHART_WAIT_P99,  /* time in mailbox p99, ms */
  ACTORSCOPE_ACTOR_N_CHARTS
} ActorscopeActorChart;

#define ACTORSCOPE_TYPE_ACTOR_CHARTS (actorscope_actor_charts_get_type ())
G_DECLARE_FINAL_TYPE (ActorscopeActorCharts, actorscope_actor_charts, ACTORSCOPE, ACTOR_CHARTS, GtkWidget)

GtkWidget *actorscope_actor_charts_new (void);
/* Builds actor's series over [from_ns, to_ns] (clamped to the store's
 * data; the whole trace for INGEST_TIME_MIN/MAX). Caller holds whatever
 * lock keeps store readable. Returns FALSE (and shows nothing) when the
 * window has no data. */
gboolean actorscope_actor_charts_show (ActorscopeActorCharts *self, IngestStore *store, IngestActorId actor,
                                       gint64 from_ns, gint64 to_ns);
void actorscope_actor_charts_clear (ActorscopeActorCharts *self);

/* The values drawn for chart (borrowed, ACTORSCOPE_ACTOR_CHARTS_BINS of
 * them), or NULL when nothing is shown. */
const double *actorscope_actor_charts_get_values (ActorscopeActorCharts *self, ActorscopeActorChart chart);
/* The i-th partner listed (borrowed name, NULL past the end), with the
 * messages it sent to and received from the actor. */
const char *actorscope_actor_charts_get_partner (ActorscopeActorCharts *self, guint i, guint64 *sent,
                                                 guint64 *received);

G_END_DECLS
