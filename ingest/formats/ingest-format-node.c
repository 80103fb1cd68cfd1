/* ingest-format-node.c: Node.js trace event files (`node
 * --trace-event-categories …` writes node_trace.N.log;
 * data/formats/node-trace-events.md).
 *
 * They are Chrome Trace Event Format documents, read by the Chrome parser
 * (ingest-format-chrome.c) unchanged. What Node adds is threads that do
 * nothing a Chrome trace would draw: worker threads, the platform's worker
 * pool and its delayed task scheduler have only their thread_name
 * metadata (their work is async b/e events the Chrome path does not draw),
 * so a Chrome reading lists a few of them. At the end of the file each
 * thread and process actor no event names gets a spawn at the start of the
 * trace (peer: its process), so every one of them is there.
 */
#include "config.h"

#include "ingest-parser-private.h"

typedef struct {
  IngestParserCtx *ctx;
  gpointer chrome;
} NodeParser;

static gpointer
node_create (IngestParserCtx *ctx)
{
  NodeParser *np = g_new0 (NodeParser, 1);

  np->ctx = ctx;
  np->chrome = ingest_format_chrome_impl.create (ctx);
  return np;
}

static void
node_destroy (gpointer self)
{
  NodeParser *np = self;

  ingest_format_chrome_impl.destroy (np->chrome);
  g_free (np);
}

static gboolean
node_feed (gpointer self, const guint8 *data, gsize len, GError **error)
{
  NodeParser *np = self;
  return ingest_format_chrome_impl.feed (np->chrome, data, len, error);
}

/* A spawn for every thread or process actor that no event names. */
static void
spawn_silent_actors (IngestStore *store)
{
  guint32 n_actors = ingest_store_n_actors (store);
  guint64 n_events = ingest_store_n_events (store);
  g_autofree guint8 *named = g_malloc0 ((gsize) n_actors + 1);
  gint64 start = 0, end = 0;

  if (n_actors == 0 || !ingest_store_time_range (store, &start, &end))
    return;
  for (guint64 seq = 0; seq < n_events; seq++)
    {
      const IngestEvent *ev = ingest_store_event (store, seq);
      if (ev->actor <= n_actors)
        named[ev->actor] = 1;
      if (ev->peer <= n_actors)
        named[ev->peer] = 1;
    }
  for (IngestActorId id = 1; id <= n_actors; id++)
    {
      const IngestActor *a = ingest_store_actor (store, id);
      IngestEventInput in = { 0 };

      if (named[id] || (a->kind != INGEST_ACTOR_THREAD && a->kind != INGEST_ACTOR_PROCESS))
        continue;
      in.kind = INGEST_EVENT_SPAWN;
      in.time_ns = start;
      in.actor = INGEST_STR (ingest_store_actor_name (store, id));
      if (a->parent != 0)
        in.peer = INGEST_STR (ingest_store_actor_name (store, a->parent));
      ingest_store_append (store, &in);
    }
}

static gboolean
node_finish (gpointer self, GError **error)
{
  NodeParser *np = self;

  if (!ingest_format_chrome_impl.finish (np->chrome, error))
    return FALSE;
  spawn_silent_actors (np->ctx->store);
  return TRUE;
}

const IngestFormatImpl ingest_format_node_impl = {
  node_create, node_feed, node_finish, node_destroy,
};
