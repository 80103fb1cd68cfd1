/* actorscope-gen: writes synthetic actor-system traces in actorscope's
 * native NDJSON, of any size, deterministic for a seed; optionally the same
 * interaction as an mscgen chart and a graphviz digraph, so benchmarks can
 * compare actorscope against those tools on identical input. */
#include "gen-sim.h"

#include <locale.h>
#include <stdlib.h>

int
main (int argc, char **argv)
{
  gint64 events = 0, messages = 0, seed = 1, graph_edges = 0;
  gint actors = 64, labels = 12, graph_nodes = 0;
  gdouble rate = 50000;
  gboolean no_payload = FALSE, payload = FALSE, quiet = FALSE;
  g_autofree char *output = NULL, *msc_path = NULL, *dot_path = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GOptionContext) context = NULL;
  g_autoptr (GenOutput) out = NULL;
  g_autoptr (GenOutput) msc = NULL;
  g_autoptr (GenOutput) dot = NULL;
  GenSimOptions opt = { 0 };
  GenSimSummary sum;
  gboolean ok;
  GOptionEntry entries[] = {
    { "events", 'n', 0, G_OPTION_ARG_INT64, &events,
      "Event lines to write, header not counted (default 10000; graph mode: nodes + 6 x edges)", "N" },
    { "messages", 'm', 0, G_OPTION_ARG_INT64, &messages,
      "Stop right after N sends (e.g. for an N-arc mscgen chart); --events still caps", "N" },
    { "actors", 'a', 0, G_OPTION_ARG_INT, &actors, "Actors in the supervision tree, at least 8 (default 64)", "N" },
    { "seed", 's', 0, G_OPTION_ARG_INT64, &seed, "PRNG seed; same seed, same bytes (default 1)", "S" },
    { "labels", 'l', 0, G_OPTION_ARG_INT, &labels,
      "Distinct request types; each also has a <label>Reply (default 12)", "N" },
    { "rate", 'r', 0, G_OPTION_ARG_DOUBLE, &rate, "Mean events per second of trace time (default 50000)", "R" },
    { "payload", 0, 0, G_OPTION_ARG_NONE, &payload, "Give every send a JSON-RPC-like payload (the default)", NULL },
    { "no-payload", 0, 0, G_OPTION_ARG_NONE, &no_payload, "Sends carry a size but no payload text", NULL },
    { "output", 'o', 0, G_OPTION_ARG_FILENAME, &output, "Write the trace to FILE ('-' = stdout, the default)", "FILE" },
    { "msc", 0, 0, G_OPTION_ARG_FILENAME, &msc_path, "Also write the messages as an mscgen chart", "FILE" },
    { "dot", 0, 0, G_OPTION_ARG_FILENAME, &dot_path, "Also write the distinct edges as a graphviz digraph", "FILE" },
    { "graph-nodes", 0, 0, G_OPTION_ARG_INT, &graph_nodes,
      "Graph mode: exactly N actors (needs --graph-edges)", "N" },
    { "graph-edges", 0, 0, G_OPTION_ARG_INT64, &graph_edges,
      "Graph mode: exactly M distinct sender->receiver edges, M >= N-1", "M" },
    { "quiet", 'q', 0, G_OPTION_ARG_NONE, &quiet, "Don't print the summary on stderr", NULL },
    { NULL }
  };

  setlocale (LC_ALL, "");
  context = g_option_context_new ("- write synthetic actorscope traces");
  g_option_context_set_summary (context,
    "Simulates an actor system (clients, routers, worker pools, databases; requests\n"
    "and replies, slow actors, crashes and restarts, dead letters, a stalled\n"
    "database) and writes its trace as actorscope native NDJSON.");
  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("actorscope-gen: %s\n", error->message);
      return 2;
    }
  if (argc > 1)
    {
      g_printerr ("actorscope-gen: unexpected argument '%s' (see --help)\n", argv[1]);
      return 2;
    }
  if (payload && no_payload)
    {
      g_printerr ("actorscope-gen: --payload and --no-payload exclude each other\n");
      return 2;
    }
  if (events < 0 || messages < 0 || actors < 0 || labels < 0 || graph_nodes < 0 || graph_edges < 0)
    {
      g_printerr ("actorscope-gen: counts must not be negative\n");
      return 2;
    }
  if ((graph_nodes > 0) != (graph_edges > 0))
    {
      g_printerr ("actorscope-gen: --graph-nodes and --graph-edges go together\n");
      return 2;
    }

  opt.seed = (guint64) seed;
  opt.n_actors = (guint) actors;
  opt.n_labels = (guint) labels;
  opt.rate = rate;
  opt.payload = !no_payload;
  opt.graph_nodes = (guint) graph_nodes;
  opt.graph_edges = (guint64) graph_edges;
  opt.n_messages = (guint64) messages;
  if (events > 0)
    opt.n_events = (guint64) events;
  else if (messages > 0)
    opt.n_events = G_MAXUINT64;
  else if (graph_nodes > 0)
    opt.n_events = (guint64) graph_nodes + 6 * (guint64) graph_edges;
  else
    opt.n_events = 10000;

  if (!gen_sim_check_options (&opt, &error))
    {
      g_printerr ("actorscope-gen: %s\n", error->message);
      return 2;
    }

  out = gen_output_open (output != NULL ? output : "-", &error);
  if (out != NULL && msc_path != NULL)
    msc = gen_output_open (msc_path, &error);
  if (error == NULL && dot_path != NULL)
    dot = gen_output_open (dot_path, &error);
  if (error != NULL)
    {
      g_printerr ("actorscope-gen: %s\n", error->message);
      return 1;
    }

  ok = gen_sim_run (&opt, out, msc, dot, &sum, &error);
  /* Close every output even after a failure, reporting the first error. */
  if (!gen_output_close (g_steal_pointer (&out), ok ? &error : NULL))
    ok = FALSE;
  if (!gen_output_close (g_steal_pointer (&msc), ok ? &error : NULL))
    ok = FALSE;
  if (!gen_output_close (g_steal_pointer (&dot), ok ? &error : NULL))
    ok = FALSE;
  if (!ok)
    {
      g_printerr ("actorscope-gen: %s\n", error != NULL ? error->message : "write failed");
      return 1;
    }
  if (!quiet)
    g_printerr ("actorscope-gen: %" G_GUINT64_FORMAT " events, %" G_GUINT64_FORMAT " messages, %"
                G_GUINT64_FORMAT " actors, %" G_GUINT64_FORMAT " distinct edges, %" G_GUINT64_FORMAT
                " drops, %" G_GUINT64_FORMAT " crashes\n",
                sum.events, sum.messages, sum.actors, sum.edges, sum.drops, sum.crashes);
  return EXIT_SUCCESS;
}
