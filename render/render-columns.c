/* render-columns.c: actor-table columns, rows and cells for every front end. */
#include "config.h"

#include <math.h>
#include <string.h>

#include <glib/gi18n-lib.h>

#include "ingest-matcher.h"
#include "render-columns.h"
#include "render-names.h"

static const RenderColumn columns[RENDER_N_COLUMNS] = {
  { RENDER_COLUMN_NAME, "name", N_("ACTOR"), N_("Actor path, or the pattern of a group"),
    RENDER_COLUMN_SCOPE_NONE, FALSE },
  { RENDER_COLUMN_KIND, "kind", N_("KIND"), N_("actor, queue, thread, process or client; "
                                              "for a group, how many members"),
    RENDER_COLUMN_SCOPE_NONE, FALSE },
  { RENDER_COLUMN_SENT, "sent", N_("SENT"), N_("Messages sent"), RENDER_COLUMN_SCOPE_WINDOW, TRUE },
  { RENDER_COLUMN_RECEIVED, "received", N_("RECV"), N_("Messages received (taken out of the mailbox)"),
    RENDER_COLUMN_SCOPE_WINDOW, TRUE },
  { RENDER_COLUMN_RATE, "rate_per_s", N_("RATE"), N_("Messages received per second"),
    RENDER_COLUMN_SCOPE_WINDOW, TRUE },
  { RENDER_COLUMN_MAILBOX, "mailbox_depth", N_("MBOX"),
    N_("Messages in the mailbox now: sent to it and not taken out (a broker queue: not acked)"),
    RENDER_COLUMN_SCOPE_NOW, TRUE },
  { RENDER_COLUMN_MAILBOX_MAX, "mailbox_depth_max", N_("MBOX MAX"), N_("Deepest mailbox"),
    RENDER_COLUMN_SCOPE_WINDOW, TRUE },
  { RENDER_COLUMN_WAIT_P50, "wait_p50_ns", N_("WAIT P50"),
    N_("Median time in the mailbox, from the send to the receive (a broker queue: to the ack)"),
    RENDER_COLUMN_SCOPE_WINDOW, TRUE },
  { RENDER_COLUMN_WAIT_P99, "wait_p99_ns", N_("WAIT P99"), N_("99th percentile of the time in the mailbox"),
    RENDER_COLUMN_SCOPE_WINDOW, TRUE },
  { RENDER_COLUMN_PROC_P50, "processing_p50_ns", N_("PROC P50"),
    N_("Median processing time, from the receive to the done"), RENDER_COLUMN_SCOPE_WINDOW, TRUE },
  { RENDER_COLUMN_PROC_P99, "processing_p99_ns", N_("PROC P99"), N_("99th percentile of the processing time"),
    RENDER_COLUMN_SCOPE_WINDOW, TRUE },
  { RENDER_COLUMN_RTT_P50, "round_trip_p50_ns", N_("RTT P50"),
    N_("Median round trip, wall clock at the requester from the send to the response's delivery"),
    RENDER_COLUMN_SCOPE_SINCE_START, TRUE },
  { RENDER_COLUMN_RTT_P99, "round_trip_p99_ns", N_("RTT P99"), N_("99th percentile of the round trip"),
    RENDER_COLUMN_SCOPE_SINCE_START, TRUE },
  { RENDER_COLUMN_PENDING, "pending", N_("PENDING"), N_("Messages sent to it and not taken out yet"),
    RENDER_COLUMN_SCOPE_NOW, TRUE },
  { RENDER_COLUMN_UNACKED, "delivered_unacked", N_("UNACKED"),
    N_("Broker queues: messages delivered and not acked yet"), RENDER_COLUMN_SCOPE_NOW, TRUE },
  { RENDER_COLUMN_UNANSWERED, "unanswered", N_("UNANSWERED"),
    N_("Requests it sent that have no response yet"), RENDER_COLUMN_SCOPE_NOW, TRUE },
  { RENDER_COLUMN_ERRORS, "errors", N_("ERRORS"), N_("Crashes, drops and error marks"),
    RENDER_COLUMN_SCOPE_WINDOW, TRUE },
  { RENDER_COLUMN_CRASHES, "crashes", N_("CRASHES"), N_("Abnormal exits"), RENDER_COLUMN_SCOPE_WINDOW, TRUE },
};

const RenderColumn *
render_column_get (RenderColumnId id)
{
  g_return_val_if_fail ((guint) id < RENDER_N_COLUMNS, &columns[0]);
  return &columns[id];
}

const char *
render_column_scope_name (RenderColumnScope scope)
{
  switch (scope)
    {
    case RENDER_COLUMN_SCOPE_WINDOW: return N_("window");
    case RENDER_COLUMN_SCOPE_NOW: return N_("now");
    case RENDER_COLUMN_SCOPE_SINCE_START: return N_("since start");
    case RENDER_COLUMN_SCOPE_NONE: default: return "";
    }
}

/* ---- rows ------------------------------------------------------------- */

static void
row_set_store_figures (const IngestActorStats *st, RenderColumnRow *row)
{
  row->mailbox_now = st->mailbox_depth;
  row->pending = st->pending;
  row->unacked = st->delivered_unacked;
  row->unanswered = st->unanswered;
  row->round_trip = st->round_trip;
}

static void
row_fill (IngestStore *store, const IngestViewNode *node, double window_s, RenderColumnRow *row)
{
  IngestActorStats st;

  memset (row, 0, sizeof *row);
  row->name = g_strdup (node->name);
  row->actor = node->actor;
  row->kind = node->kind;
  row->is_group = node->is_group;
  row->alive = node->alive;
  row->n_members = node->is_group ? 0 : 1;
  row->sent = node->sent;
  row->received = node->received;
  row->spans = node->spans;
  row->rate_per_s = window_s > 0 ? (double) node->received / window_s : 0;
  row->mailbox_max = node->mailbox_depth_max;
  row->wait = node->mailbox;
  row->processing = node->processing;
  row->errors = node->errors;
  row->crashes = node->crashes;
  row->dropped = node->dropped;
  if (store == NULL)
    return;
  if (node->is_fold)
    {
      /* A process with its threads folded in: the process and its threads
       * are the members, merged as a group's are. */
      g_autoptr(GArray) members = g_array_new (FALSE, FALSE, sizeof (IngestActorId));
      guint32 n = ingest_store_n_actors (store);
      g_array_append_val (members, node->actor);
      for (IngestActorId id = 1; id <= n; id++)
        {
          const IngestActor *a = ingest_store_actor (store, id);
          if (a->parent == node->actor && a->kind == INGEST_ACTOR_THREAD)
            g_array_append_val (members, id);
        }
      ingest_store_actors_stats_merged (store, (const IngestActorId *) (void *) members->data,
                                        members->len, &st);
      row_set_store_figures (&st, row);
      row->n_members = members->len;
      return;
    }
  if (!node->is_group)
    {
      ingest_store_actor_stats (store, node->actor, &st);
      row_set_store_figures (&st, row);
      return;
    }
  /* A group node is named by its pattern: its members are the actors the
   * pattern matches; their gauges add up and their round-trip histograms
   * merge (so a group gets real quantiles, not an average of its
   * members'). */
  g_autoptr(IngestMatcher) m = ingest_matcher_new (node->name, NULL);
  if (m == NULL)
    return;
  g_autoptr(GArray) members = g_array_new (FALSE, FALSE, sizeof (IngestActorId));
  guint32 n = ingest_store_n_actors (store);
  for (IngestActorId id = 1; id <= n; id++)
    if (ingest_matcher_match (m, ingest_store_actor_name (store, id)))
      g_array_append_val (members, id);
  ingest_store_actors_stats_merged (store, (const IngestActorId *) (void *) members->data, members->len, &st);
  row_set_store_figures (&st, row);
  row->n_members = members->len;
}

static double
row_activity (const RenderColumnRow *row)
{
  return (double) row->sent + (double) row->received + (double) MAX (row->mailbox_now, 0)
         + (double) row->pending;
}

static int
row_busiest_first (gconstpointer a, gconstpointer b)
{
  const RenderColumnRow *x = a, *y = b;
  double ax = row_activity (x), ay = row_activity (y);

  if (ax != ay)
    return ax < ay ? 1 : -1;
  return g_strcmp0 (x->name, y->name);
}

RenderColumnTable *
render_column_table_build (IngestStore *store, const IngestGraph *graph, guint max_rows)
{
  g_return_val_if_fail (graph != NULL, NULL);
  return render_column_table_build_nodes (store, graph->nodes, graph->from_ns, graph->to_ns, max_rows);
}

RenderColumnTable *
render_column_table_build_nodes (IngestStore *store, const GArray *nodes, gint64 from_ns, gint64 to_ns,
                                 guint max_rows)
{
  RenderColumnTable *table;
  guint n;

  g_return_val_if_fail (nodes != NULL, NULL);

  table = g_new0 (RenderColumnTable, 1);
  n = nodes->len;
  table->from_ns = from_ns;
  table->to_ns = to_ns;
  table->window_s = to_ns > from_ns ? (double) (to_ns - from_ns) / 1e9 : 0;
  table->n_nodes = n;
  table->rows = g_new0 (RenderColumnRow, MAX (n, 1));
  for (guint i = 0; i < n; i++)
    row_fill (store, &g_array_index (nodes, IngestViewNode, i), table->window_s, &table->rows[i]);
  table->n_rows = n;
  if (max_rows > 0)
    {
      qsort (table->rows, n, sizeof *table->rows, row_busiest_first);
      for (guint i = max_rows; i < n; i++)
        g_free (table->rows[i].name);
      table->n_rows = MIN (n, max_rows);
    }
  /* Labels unique among the rows shown: a narrow table cuts names, and
   * "/user/supervisor/workers/w3" and ".../w5" must not both read
   * "/user/supervi…". */
  g_autofree const char **names = g_new0 (const char *, table->n_rows + 1);
  for (guint i = 0; i < table->n_rows; i++)
    names[i] = table->rows[i].name;
  g_auto(GStrv) labels = render_names_shorten (names, table->n_rows);
  for (guint i = 0; i < table->n_rows; i++)
    table->rows[i].label = g_steal_pointer (&labels[i]);
  return table;
}

void
render_column_table_free (RenderColumnTable *table)
{
  if (table == NULL)
    return;
  for (guint i = 0; i < table->n_rows; i++)
    {
      g_free (table->rows[i].name);
      g_free (table->rows[i].label);
    }
  g_free (table->rows);
  g_free (table);
}

const RenderColumnRow *
render_column_table_find (const RenderColumnTable *table, const char *name)
{
  g_return_val_if_fail (table != NULL, NULL);
  for (guint i = 0; i < table->n_rows; i++)
    if (g_strcmp0 (table->rows[i].name, name) == 0)
      return &table->rows[i];
  return NULL;
}

/* ---- cells ------------------------------------------------------------ */

char *
render_column_format_duration (gint64 ns)
{
  double v = (double) ns;
  double a = fabs (v);

  if (a < 1e3)
    return g_strdup_printf ("%" G_GINT64_FORMAT "ns", ns);
  if (a < 1e6)
    return g_strdup_printf (a < 1e4 ? "%.2fµs" : a < 1e5 ? "%.1fµs" : "%.0fµs", v / 1e3);
  if (a < 1e9)
    return g_strdup_printf (a < 1e7 ? "%.2fms" : a < 1e8 ? "%.1fms" : "%.0fms", v / 1e6);
  if (a < 60e9)
    return g_strdup_printf (a < 1e10 ? "%.2fs" : "%.1fs", v / 1e9);
  gint64 s = (gint64) llround (v / 1e9);
  if (llabs (s) < 3600)
    return g_strdup_printf ("%" G_GINT64_FORMAT "m%02ds", s / 60, (int) llabs (s % 60));
  return g_strdup_printf ("%" G_GINT64_FORMAT "h%02dm", s / 3600, (int) llabs ((s / 60) % 60));
}

char *
render_column_format_rate (double per_s)
{
  if (per_s <= 0 || !isfinite (per_s))
    return g_strdup ("0/s");
  if (per_s < 10)
    return g_strdup_printf ("%.2f/s", per_s);
  if (per_s < 1000)
    return g_strdup_printf ("%.1f/s", per_s);
  if (per_s < 1e6)
    return g_strdup_printf ("%.1fk/s", per_s / 1e3);
  return g_strdup_printf ("%.1fM/s", per_s / 1e6);
}

static gboolean
is_queue (const RenderColumnRow *row)
{
  return !row->is_group && row->kind == INGEST_ACTOR_QUEUE;
}

/* The latency a column shows; NULL when the column is not a latency. */
static const IngestLatency *
column_latency (RenderColumnId id, const RenderColumnRow *row, gboolean *p99)
{
  *p99 = id == RENDER_COLUMN_WAIT_P99 || id == RENDER_COLUMN_PROC_P99 || id == RENDER_COLUMN_RTT_P99;
  switch (id)
    {
    case RENDER_COLUMN_WAIT_P50: case RENDER_COLUMN_WAIT_P99: return &row->wait;
    case RENDER_COLUMN_PROC_P50: case RENDER_COLUMN_PROC_P99: return &row->processing;
    case RENDER_COLUMN_RTT_P50: case RENDER_COLUMN_RTT_P99: return &row->round_trip;
    default: return NULL;
    }
}

gboolean
render_column_value (RenderColumnId id, const RenderColumnRow *row, double *value)
{
  const IngestLatency *latency;
  gboolean p99;

  g_return_val_if_fail (row != NULL && value != NULL, FALSE);
  latency = column_latency (id, row, &p99);
  if (latency != NULL)
    {
      /* A queue only holds messages: it has no processing of its own (a
       * broker's deliver and ack are not a receive and a done). */
      if (latency->count == 0 || (latency == &row->processing && is_queue (row)))
        return FALSE;
      *value = (double) (p99 ? latency->p99_ns : latency->p50_ns);
      return TRUE;
    }
  switch (id)
    {
    case RENDER_COLUMN_SENT: *value = (double) row->sent; return TRUE;
    case RENDER_COLUMN_RECEIVED: *value = (double) row->received; return TRUE;
    case RENDER_COLUMN_RATE: *value = row->rate_per_s; return TRUE;
    case RENDER_COLUMN_MAILBOX: *value = (double) row->mailbox_now; return TRUE;
    case RENDER_COLUMN_MAILBOX_MAX: *value = (double) row->mailbox_max; return TRUE;
    case RENDER_COLUMN_PENDING: *value = (double) row->pending; return TRUE;
    case RENDER_COLUMN_UNACKED: *value = (double) row->unacked; return TRUE;
    case RENDER_COLUMN_UNANSWERED: *value = (double) row->unanswered; return TRUE;
    case RENDER_COLUMN_ERRORS: *value = (double) row->errors; return TRUE;
    case RENDER_COLUMN_CRASHES: *value = (double) row->crashes; return TRUE;
    default: return FALSE;
    }
}

char *
render_column_format (RenderColumnId id, const RenderColumnRow *row)
{
  const IngestLatency *latency;
  gboolean p99;
  double v;

  g_return_val_if_fail (row != NULL, NULL);
  switch (id)
    {
    case RENDER_COLUMN_NAME:
      return g_strdup (row->name != NULL ? row->name : "");
    case RENDER_COLUMN_KIND:
      return row->is_group ? g_strdup_printf (_("group of %u"), row->n_members)
                           : g_strdup (ingest_actor_kind_to_string (row->kind));
    case RENDER_COLUMN_RATE:
      return render_column_format_rate (row->rate_per_s);
    default:
      break;
    }
  latency = column_latency (id, row, &p99);
  if (!render_column_value (id, row, &v))
    return g_strdup ("—");
  if (latency != NULL)
    return render_column_format_duration (p99 ? latency->p99_ns : latency->p50_ns);
  return g_strdup_printf ("%.0f", v);
}

char *
render_column_table_scope_text (const RenderColumnTable *table)
{
  GString *s;
  g_autofree char *window = NULL;

  g_return_val_if_fail (table != NULL, NULL);
  s = g_string_new (NULL);
  /* window_s comes from any two trace times: clamp before converting (a
   * double beyond the range of gint64 is undefined behaviour). */
  double window_ns = table->window_s * 1e9;
  window = render_column_format_duration (window_ns >= 9.2e18 ? G_MAXINT64 : (gint64) window_ns);
  g_string_append_printf (s, _("window: %s"), window);
  /* Every separator is translatable: French, for one, puts a space before
   * the colon. */
  for (RenderColumnScope scope = RENDER_COLUMN_SCOPE_NOW; scope <= RENDER_COLUMN_SCOPE_SINCE_START; scope++)
    {
      g_autoptr (GString) headers = g_string_new (NULL);
      for (guint i = 0; i < RENDER_N_COLUMNS; i++)
        if (columns[i].scope == scope)
          {
            if (headers->len > 0)
              /* TRANSLATORS: joins the headers of columns that share a
               * scope, as in "MAILBOX, PENDING: now" */
              g_string_append (headers, C_("column headers", ", "));
            g_string_append (headers, _(columns[i].header));
          }
      if (headers->len == 0)
        continue;
      /* TRANSLATORS: separates the parts of the table's scope line, as in
       * "window: 10 s; MAILBOX, PENDING: now" */
      g_string_append (s, C_("scope line", "; "));
      /* TRANSLATORS: column headers and the scope of their figures, as in
       * "MAILBOX, PENDING: now" */
      g_string_append_printf (s, _("%s: %s"), headers->str, _(render_column_scope_name (scope)));
    }
  return g_string_free (s, FALSE);
}
