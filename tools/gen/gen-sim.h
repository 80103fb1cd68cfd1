/* gen-sim.h: the workload simulation behind actorscope-gen.
 *
 * A small discrete-event simulation of an actor system: every actor handles
 * one message at a time (so slow actors build mailbox queues), messages take
 * an exponentially distributed transit and processing time, and events come
 * out in time order. Two workloads:
 *
 * - services (default): /user guardian, /user/http/conn-* clients, and per
 *   service a supervisor, a router, pooled workers and a db actor. Clients
 *   send requests (reply_to) to routers, routers forward to workers, workers
 *   may query their db (which acks) or notify another service, and answer
 *   the client (in_reply_to the original request). Some workers are slow,
 *   one db stalls late in the run (pending messages, then "mailbox full"
 *   drops), workers crash now and then and are restarted by their
 *   supervisor, client connections close (replies to them become dead
 *   letters), and marks note GC pauses and deploys.
 * - graph (graph_nodes > 0): exactly graph_nodes actors and graph_edges
 *   distinct directed sender->receiver pairs, each used at least once; for
 *   comparing graph layout against graphviz.
 *
 * The output is deterministic for a given options struct: same seed, same
 * bytes.
 */
#pragma once

#include "gen-output.h"

G_BEGIN_DECLS

typedef struct {
  guint64 seed;
  guint64 n_events;     /* event lines to write, header not counted */
  guint64 n_messages;   /* 0, or stop right after this many sends (then
                         * n_events is only an upper bound) */
  guint n_actors;       /* services workload: actors in the tree, >= 8 */
  guint n_labels;       /* distinct request labels, >= 1 */
  double rate;          /* mean events per second of trace time, > 0 */
  gboolean payload;     /* add a payload text to every send */
  guint graph_nodes;    /* 0 = services workload */
  guint64 graph_edges;  /* graph workload: distinct edges, >= nodes - 1 */
} GenSimOptions;

typedef struct {
  guint64 events;       /* lines written (header not counted) */
  guint64 messages;     /* sends */
  guint64 edges;        /* distinct sender->receiver pairs among the sends */
  guint64 actors;       /* distinct actors spawned */
  guint64 drops, crashes;
} GenSimSummary;

#define GEN_SIM_ERROR (gen_sim_error_quark ())
GQuark gen_sim_error_quark (void);

/* Validates options; FALSE with a message naming the option otherwise. */
gboolean gen_sim_check_options (const GenSimOptions *options, GError **error);

/* Runs the simulation and writes native NDJSON to ndjson (header line
 * first), and when non-NULL the same messages as an mscgen chart to msc and
 * the distinct edges as a graphviz digraph to dot. Outputs are borrowed.
 * Returns FALSE with error when the options are invalid or the graph
 * workload could not use every edge within n_events. summary may be NULL. */
gboolean gen_sim_run (const GenSimOptions *options, GenOutput *ndjson,
                      GenOutput *msc, GenOutput *dot, GenSimSummary *summary,
                      GError **error);

G_END_DECLS
