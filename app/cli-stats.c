/* cli-stats.c: `actorscope stats TRACE [--json]`: an Akka-console style
 * table per actor and per edge, or the same facts as JSON.
 *
 * The actor rows, their columns and cells are render-columns.h's, the
 * same the browser console and the desktop tree show. */
#include "config.h"

#include <string.h>

#include <glib/gi18n.h>
#include <jansson.h>

#include "cli-common.h"
#include "render-columns.h"

/* What the three latencies measure, for the table's legend and --help:
 * one text, so they cannot disagree. */
#define STATS_LEGEND \
  N_("WAIT: time in the mailbox, from the send to the receive (for a broker queue that " \
     "keeps messages until acked, to the ack). PROC: the receiver's own processing " \
     "time, from the receive to the done. RTT: round trip, wall clock at the requester, " \
     "from the request's send to the delivery of its response; it includes both " \
     "waits, the server's processing and the transport.")

/* Names longer than this many columns are cut in the table (not in JSON). */
#define STATS_MAX_NAME_COLUMNS 48

/* ---- text table ------------------------------------------------------- */

typedef struct {
  const char *title;
  gboolean right;   /* right-aligned (numbers) */
} StatsColumn;

typedef struct {
  const StatsColumn *columns;
  guint n_columns;
  GPtrArray *cells;   /* char*, row-major, owned */
} StatsTable;

static void
stats_table_add (StatsTable *t, char *cell /* taken */)
{
  g_ptr_array_add (t->cells, cell);
}

static char *
stats_cell_name (const char *name)
{
  g_autofree char *esc = cli_escape (name, -1);
  if (cli_display_width (esc) <= STATS_MAX_NAME_COLUMNS)
    return g_steal_pointer (&esc);
  GString *s = g_string_new (NULL);
  gsize w = 0;
  for (const char *p = esc; *p; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);
      gsize cw = g_unichar_iswide (c) ? 2 : 1;
      if (w + cw > STATS_MAX_NAME_COLUMNS - 1)
        break;
      g_string_append_unichar (s, c);
      w += cw;
    }
  g_string_append (s, "…");
  return g_string_free (s, FALSE);
}

static char *
stats_cell_u64 (guint64 v)
{
  return g_strdup_printf ("%" G_GUINT64_FORMAT, v);
}

static char *
stats_cell_latency (const IngestLatency *l, gboolean p99)
{
  if (l->count == 0)
    return g_strdup ("—");
  return cli_format_duration (p99 ? l->p99_ns : l->p50_ns);
}

static void
stats_table_print (const StatsTable *t, FILE *out)
{
  guint nc = t->n_columns;
  guint nrows = t->cells->len / nc;
  g_autofree gsize *width = g_new0 (gsize, nc);

  for (guint c = 0; c < nc; c++)
    width[c] = cli_display_width (_(t->columns[c].title));
  for (guint r = 0; r < nrows; r++)
    for (guint c = 0; c < nc; c++)
      width[c] = MAX (width[c], cli_display_width (g_ptr_array_index (t->cells, r * nc + c)));

  for (guint r = 0; r <= nrows; r++)
    {
      GString *line = g_string_new (NULL);
      for (guint c = 0; c < nc; c++)
        {
          const char *cell = r == 0 ? _(t->columns[c].title)
                                    : g_ptr_array_index (t->cells, (r - 1) * nc + c);
          gsize pad = width[c] - cli_display_width (cell);
          if (c > 0)
            g_string_append (line, "  ");
          if (t->columns[c].right)
            g_string_append_printf (line, "%*s%s", (int) pad, "", cell);
          else if (c + 1 < nc)
            g_string_append_printf (line, "%s%*s", cell, (int) pad, "");
          else
            g_string_append (line, cell);
        }
      fprintf (out, "%s\n", line->str);
      g_string_free (line, TRUE);
    }
}

static char *
stats_format_time (gint64 ns)
{
  /* Wall-clock traces (after 1973) are shown as UTC dates; traces with their
   * own origin as plain durations from it. */
  if (ns > (gint64) 100000000 * G_GINT64_CONSTANT (1000000000))
    {
      g_autoptr(GDateTime) dt = g_date_time_new_from_unix_utc (ns / 1000000000);
      if (dt)
        {
          g_autofree char *base = g_date_time_format (dt, "%Y-%m-%d %H:%M:%S");
          return g_strdup_printf ("%s.%06d UTC", base, (int) ((ns % 1000000000) / 1000));
        }
    }
  return g_strdup_printf ("%.6fs", (double) ns / 1e9);
}

static void
stats_print_text (IngestStore *store, const char *source, IngestFormat format,
                  const IngestGraph *graph)
{
  StatsColumn actor_cols[RENDER_N_COLUMNS];
  static const StatsColumn edge_cols[] = {
    { N_("FROM"), FALSE }, { N_("TO"), FALSE }, { N_("MSGS"), TRUE }, { N_("RATE"), TRUE },
    { N_("RECV"), TRUE }, { N_("PENDING"), TRUE }, { N_("DROPPED"), TRUE }, { N_("BYTES"), TRUE },
    { N_("WAIT P50"), TRUE }, { N_("WAIT P99"), TRUE }, { N_("RTT P50"), TRUE }, { N_("RTT P99"), TRUE },
    { N_("TOP LABEL"), FALSE },
  };
  IngestStoreCounters *counters = ingest_store_counters (store);
  g_autoptr(RenderColumnTable) rows = render_column_table_build (store, graph, 0);
  g_autofree char *scope = render_column_table_scope_text (rows);
  gint64 t0, t1;

  for (guint c = 0; c < RENDER_N_COLUMNS; c++)
    actor_cols[c] = (StatsColumn) { render_column_get (c)->header, render_column_get (c)->numeric };

  g_autofree char *src = cli_escape (source, -1);
  printf (_("Trace:    %s (%s)\n"), src, ingest_format_to_string (format));
  /* %llu, not G_GUINT64_FORMAT, in translatable strings: xgettext must see
   * whole msgids. */
  printf (_("Events:   %llu, actors: %u, messages: %u, spans: %u\n"),
          (unsigned long long) ingest_store_n_events (store), ingest_store_n_actors (store),
          ingest_store_n_messages (store) - ingest_store_n_spans (store), ingest_store_n_spans (store));
  if (ingest_store_time_range (store, &t0, &t1))
    {
      g_autofree char *a = stats_format_time (t0);
      g_autofree char *b = stats_format_time (t1);
      g_autofree char *d = cli_format_duration (t1 - t0);
      printf (_("Time:     %s … %s (%s)\n"), a, b, d);
    }
  else
    printf (_("Time:     (no events)\n"));
  printf (_("Records:  %llu skipped (malformed), %llu lost before attach, %llu lost while attached, "
            "%llu duplicate, %llu unmatched\n"),
          (unsigned long long) counters->skipped_records,
          (unsigned long long) counters->lost_before_attach, (unsigned long long) counters->lost_events,
          (unsigned long long) counters->duplicate_events, (unsigned long long) counters->unmatched);
  if (counters->folded_actor_refs > 0)
    printf (_("Actors:   more than %u distinct actors: %llu references folded into \"%s\"\n"),
            INGEST_STORE_DEFAULT_MAX_ACTORS, (unsigned long long) counters->folded_actor_refs,
            INGEST_STORE_OTHER_ACTORS);
  if (counters->messages_over_limit > 0)
    printf (_("Messages: %llu not stored: the store's 4,294,967,294 message ids were used up "
              "(their events are counted, unpaired)\n"),
            (unsigned long long) counters->messages_over_limit);
  printf ("\n");

  StatsTable at = { actor_cols, G_N_ELEMENTS (actor_cols), g_ptr_array_new_with_free_func (g_free) };
  for (guint i = 0; i < rows->n_rows; i++)
    for (guint c = 0; c < RENDER_N_COLUMNS; c++)
      {
        g_autofree char *cell = render_column_format (c, &rows->rows[i]);
        stats_table_add (&at, c == RENDER_COLUMN_NAME ? stats_cell_name (cell) : g_steal_pointer (&cell));
      }
  printf (_("Actors (%u; %s)\n"), graph->nodes->len, scope);
  stats_table_print (&at, stdout);
  g_ptr_array_unref (at.cells);

  StatsTable et = { edge_cols, G_N_ELEMENTS (edge_cols), g_ptr_array_new_with_free_func (g_free) };
  for (guint i = 0; i < graph->edges->len; i++)
    {
      const IngestViewEdge *e = &g_array_index (graph->edges, IngestViewEdge, i);
      const IngestViewNode *from = &g_array_index (graph->nodes, IngestViewNode, e->from);
      const IngestViewNode *to = &g_array_index (graph->nodes, IngestViewNode, e->to);
      stats_table_add (&et, stats_cell_name (from->name));
      stats_table_add (&et, stats_cell_name (to->name));
      stats_table_add (&et, stats_cell_u64 (e->count));
      stats_table_add (&et, cli_format_rate (e->rate_per_s));
      stats_table_add (&et, stats_cell_u64 (e->received));
      stats_table_add (&et, stats_cell_u64 (e->pending));
      stats_table_add (&et, stats_cell_u64 (e->dropped));
      stats_table_add (&et, e->bytes ? cli_format_bytes (e->bytes) : g_strdup ("—"));
      stats_table_add (&et, stats_cell_latency (&e->mailbox, FALSE));
      stats_table_add (&et, stats_cell_latency (&e->mailbox, TRUE));
      stats_table_add (&et, stats_cell_latency (&e->round_trip, FALSE));
      stats_table_add (&et, stats_cell_latency (&e->round_trip, TRUE));
      stats_table_add (&et, stats_cell_name (ingest_store_atom (store, e->top_label)));
    }
  printf ("\n");
  printf (_("Edges (%u)\n"), graph->edges->len);
  stats_table_print (&et, stdout);
  g_ptr_array_unref (et.cells);
  printf ("\n%s\n", _(STATS_LEGEND));
}

/* ---- JSON ------------------------------------------------------------- */

/* Strings from the store are valid UTF-8, but jansson refuses anything else
 * with NULL: never let that turn into a missing key. */
static json_t *
stats_json_string (const char *s)
{
  json_t *j = json_string (s ? s : "");
  if (!j)
    {
      g_autofree char *valid = g_utf8_make_valid (s, -1);
      j = json_string (valid);
    }
  return j;
}

static json_t *
stats_json_latency (const IngestLatency *l)
{
  if (l->count == 0)
    return json_null ();
  return json_pack ("{sI sI sI sI sI sI}",
                    "count", (json_int_t) l->count, "min_ns", (json_int_t) l->min_ns,
                    "mean_ns", (json_int_t) l->mean_ns, "p50_ns", (json_int_t) l->p50_ns,
                    "p99_ns", (json_int_t) l->p99_ns, "max_ns", (json_int_t) l->max_ns);
}

static json_t *
stats_build_json (IngestStore *store, const char *source, IngestFormat format,
                  const IngestGraph *graph)
{
  IngestStoreCounters *counters = ingest_store_counters (store);
  g_autoptr(RenderColumnTable) rows = render_column_table_build (store, graph, 0);
  gint64 t0, t1;
  json_t *root = json_object ();

  json_object_set_new (root, "source", stats_json_string (source));
  json_object_set_new (root, "format", json_string (ingest_format_to_string (format)));
  json_object_set_new (root, "events", json_integer ((json_int_t) ingest_store_n_events (store)));
  json_object_set_new (root, "n_actors", json_integer (ingest_store_n_actors (store)));
  /* messages and spans are two things (IngestMessage.span) */
  json_object_set_new (root, "n_messages",
                       json_integer (ingest_store_n_messages (store) - ingest_store_n_spans (store)));
  json_object_set_new (root, "n_spans", json_integer (ingest_store_n_spans (store)));
  if (ingest_store_time_range (store, &t0, &t1))
    json_object_set_new (root, "time_range",
                         json_pack ("{sI sI sI}", "from_ns", (json_int_t) t0, "to_ns", (json_int_t) t1,
                                    "duration_ns", (json_int_t) (t1 - t0)));
  else
    json_object_set_new (root, "time_range", json_null ());
  json_object_set_new (root, "records",
                       json_pack ("{sI sI sI sI sI sI sI}",
                                  "skipped", (json_int_t) counters->skipped_records,
                                  "lost", (json_int_t) counters->lost_events,
                                  "lost_before_attach", (json_int_t) counters->lost_before_attach,
                                  "duplicate", (json_int_t) counters->duplicate_events,
                                  "unmatched", (json_int_t) counters->unmatched,
                                  "folded_actor_refs", (json_int_t) counters->folded_actor_refs,
                                  "messages_over_limit", (json_int_t) counters->messages_over_limit));

  json_t *columns = json_array ();
  for (guint c = 0; c < RENDER_N_COLUMNS; c++)
    {
      const RenderColumn *col = render_column_get (c);
      json_array_append_new (columns, json_pack ("{ss ss ss ss}", "key", col->key, "header", _(col->header),
                                                 "scope", render_column_scope_name (col->scope),
                                                 "description", _(col->description)));
    }
  json_object_set_new (root, "columns", columns);

  json_t *actors = json_array ();
  for (guint i = 0; i < rows->n_rows; i++)
    {
      const RenderColumnRow *r = &rows->rows[i];
      json_t *a = json_object ();
      json_object_set_new (a, "name", stats_json_string (r->name));
      json_object_set_new (a, "kind", json_string (ingest_actor_kind_to_string (r->kind)));
      json_object_set_new (a, "group", json_boolean (r->is_group));
      json_object_set_new (a, "members", json_integer (r->n_members));
      json_object_set_new (a, "alive", json_boolean (r->alive));
      json_object_set_new (a, "sent", json_integer ((json_int_t) r->sent));
      json_object_set_new (a, "received", json_integer ((json_int_t) r->received));
      json_object_set_new (a, "spans", json_integer ((json_int_t) r->spans));
      json_object_set_new (a, "rate_per_s", json_real (r->rate_per_s));
      json_object_set_new (a, "mailbox_depth", json_integer (r->mailbox_now));
      json_object_set_new (a, "mailbox_depth_max", json_integer (r->mailbox_max));
      json_object_set_new (a, "mailbox_time", stats_json_latency (&r->wait));
      json_object_set_new (a, "processing", stats_json_latency (&r->processing));
      json_object_set_new (a, "round_trip", stats_json_latency (&r->round_trip));
      json_object_set_new (a, "pending", json_integer ((json_int_t) r->pending));
      json_object_set_new (a, "delivered_unacked", json_integer ((json_int_t) r->unacked));
      json_object_set_new (a, "unanswered", json_integer ((json_int_t) r->unanswered));
      json_object_set_new (a, "errors", json_integer ((json_int_t) r->errors));
      json_object_set_new (a, "crashes", json_integer ((json_int_t) r->crashes));
      json_object_set_new (a, "dropped", json_integer ((json_int_t) r->dropped));
      /* The cells exactly as the tables show them (render-columns.h). */
      json_t *cells = json_object ();
      for (guint c = RENDER_COLUMN_SENT; c < RENDER_N_COLUMNS; c++)
        {
          g_autofree char *cell = render_column_format (c, r);
          json_object_set_new (cells, render_column_get (c)->key, json_string (cell));
        }
      json_object_set_new (a, "cells", cells);
      json_array_append_new (actors, a);
    }
  json_object_set_new (root, "actors", actors);

  json_t *edges = json_array ();
  for (guint i = 0; i < graph->edges->len; i++)
    {
      const IngestViewEdge *e = &g_array_index (graph->edges, IngestViewEdge, i);
      const IngestViewNode *from = &g_array_index (graph->nodes, IngestViewNode, e->from);
      const IngestViewNode *to = &g_array_index (graph->nodes, IngestViewNode, e->to);
      json_t *o = json_object ();
      json_object_set_new (o, "from", stats_json_string (from->name));
      json_object_set_new (o, "to", stats_json_string (to->name));
      json_object_set_new (o, "count", json_integer ((json_int_t) e->count));
      json_object_set_new (o, "received", json_integer ((json_int_t) e->received));
      json_object_set_new (o, "pending", json_integer ((json_int_t) e->pending));
      json_object_set_new (o, "dropped", json_integer ((json_int_t) e->dropped));
      json_object_set_new (o, "bytes", json_integer ((json_int_t) e->bytes));
      json_object_set_new (o, "rate_per_s", json_real (e->rate_per_s));
      json_object_set_new (o, "mailbox_time", stats_json_latency (&e->mailbox));
      json_object_set_new (o, "round_trip", stats_json_latency (&e->round_trip));
      json_object_set_new (o, "top_label", e->top_label ? stats_json_string (ingest_store_atom (store, e->top_label))
                                                        : json_null ());
      json_array_append_new (edges, o);
    }
  json_object_set_new (root, "edges", edges);
  return root;
}

/* ---- entry point ------------------------------------------------------ */

int
cli_stats_main (int argc, char **argv)
{
  g_auto(CliLoadOptions) load = { 0 };
  gboolean as_json = FALSE;
  g_autofree char *filter = NULL;
  g_autofree char *label = NULL;
  g_auto(GStrv) groups = NULL;
  gboolean expand_threads = FALSE;
  const GOptionEntry entries[] = {
    { "json", 0, 0, G_OPTION_ARG_NONE, &as_json, N_("Print JSON instead of tables"), NULL },
    { "filter", 0, 0, G_OPTION_ARG_STRING, &filter,
      N_("Only actors whose name matches (glob, or /regex/), and edges touching them"), N_("PATTERN") },
    { "label", 0, 0, G_OPTION_ARG_STRING, &label,
      N_("Only messages whose label matches (glob, or /regex/)"), N_("PATTERN") },
    { "group", 0, 0, G_OPTION_ARG_STRING_ARRAY, &groups,
      N_("Fold the actors matching GLOB into one row (repeatable)"), N_("GLOB") },
    { "expand-threads", 0, 0, G_OPTION_ARG_NONE, &expand_threads,
      N_("One row per thread (by default a process's threads fold into its row)"), NULL },
    G_OPTION_ENTRY_NULL
  };

  cli_set_subcommand ("stats");
  g_autoptr(GOptionContext) ctx = g_option_context_new (_("TRACE"));
  g_option_context_set_translation_domain (ctx, GETTEXT_PACKAGE);
  g_option_context_set_summary (ctx, _("Reads TRACE (“-” for standard input) and prints, per actor and per "
                                       "edge, message counts, rates, mailbox depth, time in mailbox, "
                                       "processing time and round trips (p50/p99), pending and unanswered "
                                       "messages and errors, plus counts of lost, skipped and duplicate records."));
  g_option_context_set_description (ctx, _(STATS_LEGEND));
  g_option_context_add_main_entries (ctx, entries, GETTEXT_PACKAGE);
  cli_load_options_add (ctx, &load);

  g_autoptr(GError) error = NULL;
  if (!g_option_context_parse (ctx, &argc, &argv, &error))
    return cli_usage_error ("stats", error->message);
  if (argc != 2)
    return cli_usage_error ("stats", argc < 2 ? _("Missing TRACE argument") : _("Too many arguments"));
  if (!cli_pattern_check ("--filter", filter, &error)
      || !cli_pattern_check ("--label", label, &error))
    return cli_usage_error ("stats", error->message);
  for (guint i = 0; groups && groups[i]; i++)
    if (!cli_pattern_check ("--group", groups[i], &error))
      return cli_usage_error ("stats", error->message);

  CliExit exit_code;
  IngestFormat format = INGEST_FORMAT_AUTO;
  g_autoptr(IngestStore) store = cli_load_trace (argv[1], &load, &format, &exit_code, &error);
  if (!store)
    return exit_code == CLI_EXIT_USAGE ? cli_usage_error ("stats", error->message)
                                       : cli_runtime_error (error);

  IngestViewSpec spec = {
    .from_ns = INGEST_TIME_MIN,
    .to_ns = INGEST_TIME_MAX,
    .actor_filter = filter,
    .label_filter = label,
    .groups = (const char *const *) groups,
    .expand_threads = expand_threads,
  };
  g_autoptr(IngestGraph) graph = ingest_graph_build (store, &spec, &error);
  if (!graph)
    return cli_usage_error ("stats", error->message);

  const char *source = strcmp (argv[1], "-") == 0 ? "<stdin>" : argv[1];
  if (as_json)
    {
      json_t *root = stats_build_json (store, source, format, graph);
      /* ASCII-only JSON: nothing in a trace string can reach a terminal raw. */
      char *text = json_dumps (root, JSON_INDENT (2) | JSON_ENSURE_ASCII | JSON_REAL_PRECISION (6));
      json_decref (root);
      if (!text)
        {
          fprintf (stderr, "actorscope stats: %s\n", _("could not encode JSON"));
          return CLI_EXIT_RUNTIME;
        }
      /* ...except DEL, which ENSURE_ASCII leaves raw: written as \u007F,
       * the same JSON value. */
      for (const char *p = text; *p; p++)
        if (*p == 0x7f)
          fputs ("\\u007F", stdout);
        else
          fputc (*p, stdout);
      fputc ('\n', stdout);
      free (text);
    }
  else
    stats_print_text (store, source, format, graph);

  if (fflush (stdout) != 0 || ferror (stdout))
    {
      fprintf (stderr, "actorscope stats: %s\n", _("error writing to standard output"));
      return CLI_EXIT_RUNTIME;
    }
  return CLI_EXIT_OK;
}
