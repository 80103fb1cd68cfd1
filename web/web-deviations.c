/* web-deviations.c: the "deviations" reply of /live (see the header). */
#include "config.h"

#include <math.h>

#include "web-deviations.h"
#include "web-protocol.h"
#include "ingest-deviations.h"
#include "render-deviations.h"

/* Rows sent per kind: the panel is a list to read, not a log. */
#define ROWS_PER_KIND 100

static gboolean
threshold (json_t *msg, const char *field, double lo, double hi, double scale, gint64 *out,
           GError **error)
{
  json_t *v = json_object_get (msg, field);
  double d;

  if (v == NULL || json_is_null (v))
    return TRUE;
  d = json_is_number (v) ? json_number_value (v) : NAN;
  if (!isfinite (d) || d < lo || d > hi)
    {
      g_set_error (error, WEB_PROTOCOL_ERROR, WEB_PROTOCOL_ERROR_BAD_FIELD,
                   "field \"%s\": expected a number from %g to %g", field, lo, hi);
      return FALSE;
    }
  *out = (gint64) (d * scale);
  return TRUE;
}

static json_t *
ms_or_null (gint64 ns)
{
  return ns == 0 ? json_null () : json_real ((double) ns / 1e6);
}

char *
web_deviations_reply (IngestStore *store, gint64 from_ns, gint64 to_ns, json_t *msg, GError **error)
{
  IngestDeviationSpec spec = { .from_ns = from_ns, .to_ns = to_ns, .max_rows = ROWS_PER_KIND };
  gint64 limit = 0;
  json_t *rows, *counts;

  g_return_val_if_fail (store != NULL && msg != NULL, NULL);
  if (!threshold (msg, "stuck_s", 0.001, 86400, 1e9, &spec.stuck_ns, error) ||
      !threshold (msg, "unanswered_s", 0.001, 86400, 1e9, &spec.unanswered_ns, error) ||
      !threshold (msg, "wait_p99_ms", 0, 86400e3, 1e6, &spec.wait_p99_ns, error) ||
      !threshold (msg, "mailbox_limit", 0, 1e12, 1, &limit, error))
    return NULL;
  spec.mailbox_limit = (guint64) limit;

  g_autoptr(IngestDeviations) list = ingest_deviations_find (store, &spec);
  rows = json_array ();
  for (guint i = 0; i < list->rows->len; i++)
    {
      const IngestDeviation *d = &g_array_index (list->rows, IngestDeviation, i);
      /* English: the reply is data, the page words its own chrome. */
      g_autofree char *text = render_deviation_describe (store, d, &spec, NULL);
      const IngestMessage *m = d->message != 0 ? ingest_store_message (store, d->message) : NULL;

      json_array_append_new (rows, json_pack ("{s:s, s:o, s:o, s:o, s:o, s:s, s:I, s:o}",
        "kind", ingest_deviation_kind_to_string (d->kind),
        "time_ms", ms_or_null (d->time_ns),
        "actor", d->actor != 0 ? json_string (ingest_store_actor_name (store, d->actor)) : json_null (),
        "message", d->message != 0 ? json_integer (d->message) : json_null (),
        "label", m != NULL && m->label != 0 ? json_string (ingest_store_atom (store, m->label)) : json_null (),
        "what", text,
        "count", (json_int_t) d->count,
        "duration_ms", ms_or_null (d->duration_ns)));
    }
  counts = json_object ();
  for (guint k = 0; k < INGEST_DEVIATION_N_KINDS; k++)
    json_object_set_new (counts, ingest_deviation_kind_to_string (k), json_integer ((json_int_t) list->per_kind[k]));
  return web_protocol_dump (json_pack ("{s:s, s:{s:o, s:o}, s:I, s:b, s:o, s:o}",
                                       "type", "deviations",
                                       "window", "from_ms", ms_or_null (from_ns == INGEST_TIME_MIN ? 0 : from_ns),
                                       "to_ms", ms_or_null (to_ns == INGEST_TIME_MAX ? 0 : to_ns),
                                       "total", (json_int_t) list->total,
                                       "truncated", list->truncated,
                                       "counts", counts, "rows", rows));
}
