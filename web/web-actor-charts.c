/* web-actor-charts.c: the "charts" reply of /live (see the header). */
#include "config.h"

#include <string.h>

#include "web-actor-charts.h"
#include "web-protocol.h"
#include "ingest-actor-series.h"
#include "render-sparkline.h"

#define BINS 60
#define PARTNERS 5
#define CHART_W 220
#define CHART_H 36

static json_t *
chart (const char *name, const char *title, const double *values, guint n, RenderTheme theme,
       const char *actor)
{
  g_autofree char *label = g_strdup_printf ("%s of %s", title, actor);
  g_autofree char *svg = render_sparkline_svg (values, n, CHART_W, CHART_H, theme, label);
  double max = 0;

  for (guint i = 0; i < n; i++)
    max = MAX (max, values[i]);
  return json_pack ("{s:s, s:s, s:s, s:f, s:f}", "name", name, "title", title, "svg", svg,
                    "max", max, "last", n > 0 ? values[n - 1] : 0.0);
}

char *
web_actor_charts_reply (IngestStore *store, gint64 from_ns, gint64 to_ns, RenderTheme theme,
                        json_t *msg, GError **error)
{
  const char *name = json_string_value (json_object_get (msg, "actor"));
  gint64 lo = 0, hi = 0;
  IngestActorId actor;
  double depth[BINS], rate[BINS], wait[BINS];
  json_t *partners;

  g_return_val_if_fail (store != NULL && msg != NULL, NULL);
  if (name == NULL || strlen (name) > 4096)
    {
      g_set_error (error, WEB_PROTOCOL_ERROR, WEB_PROTOCOL_ERROR_BAD_FIELD,
                   "charts needs a string field \"actor\"");
      return NULL;
    }
  actor = ingest_store_find_actor (store, name);
  if (actor == 0)
    {
      g_set_error (error, WEB_PROTOCOL_ERROR, WEB_PROTOCOL_ERROR_NOT_FOUND, "no actor of that name");
      return NULL;
    }
  /* An open or "all" window is the data's own range. */
  if (ingest_store_time_range (store, &lo, &hi))
    {
      from_ns = MAX (from_ns, lo);
      to_ns = MIN (to_ns, hi);
    }
  if (to_ns <= from_ns)
    to_ns = from_ns + 1;

  g_autoptr(IngestActorSeries) s = ingest_actor_series_build (store, actor, from_ns, to_ns, BINS, PARTNERS, 0);
  if (s == NULL)
    {
      g_set_error (error, WEB_PROTOCOL_ERROR, WEB_PROTOCOL_ERROR_NOT_FOUND, "no data in the window");
      return NULL;
    }
  for (guint b = 0; b < BINS; b++)
    {
      depth[b] = (double) s->bins[b].depth_max;
      rate[b] = (double) s->bins[b].received / ((double) s->bin_ns / 1e9);
      wait[b] = (double) s->bins[b].wait_p99_ns / 1e6;
    }
  partners = json_array ();
  for (guint i = 0; i < s->partners->len; i++)
    {
      const IngestActorPartner *p = &g_array_index (s->partners, IngestActorPartner, i);
      json_array_append_new (partners, json_pack ("{s:s, s:I, s:I}",
                                                  "name", ingest_store_actor_name (store, p->actor),
                                                  "sent", (json_int_t) p->sent,
                                                  "received", (json_int_t) p->received));
    }
  return web_protocol_dump (json_pack ("{s:s, s:s, s:{s:f, s:f}, s:f, s:b, s:[o, o, o], s:o}",
    "type", "charts", "actor", name,
    "window", "from_ms", (double) s->from_ns / 1e6, "to_ms", (double) s->to_ns / 1e6,
    "bin_ms", (double) s->bin_ns / 1e6, "truncated", s->truncated,
    "charts",
      chart ("mailbox", "Mailbox depth", depth, BINS, theme, name),
      chart ("rate", "Received /s", rate, BINS, theme, name),
      chart ("wait_p99", "Wait p99 (ms)", wait, BINS, theme, name),
    "partners", partners));
}
