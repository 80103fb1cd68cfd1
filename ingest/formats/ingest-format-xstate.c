/* ingest-format-xstate.c: XState inspection files (data/formats/xstate.md):
 * one inspection event per line, either as @statelyai/inspect sends them
 * (sessionId, createdAt, ...) or raw InspectionEvents written with
 * JSON.stringify (actorRef/sourceRef). The mapping is the live /ingest
 * path's own (ingest-xstate-adapter.c), so a file and the live session it
 * was recorded from give the same actors and messages.
 */
#include "config.h"

#include "ingest-ndjson-lines.h"
#include "ingest-xstate-adapter.h"

G_DEFINE_AUTOPTR_CLEANUP_FUNC (json_t, json_decref)

typedef struct {
  IngestParserCtx *ctx;
  IngestNdjsonLines lines;
  IngestXstateAdapter *adapter;
} XstateParser;

static gboolean
xstate_line (gpointer user_data, const char *line, gsize len, guint64 line_no, GError **error)
{
  XstateParser *xp = user_data;
  g_autoptr (json_t) obj = NULL;
  g_autoptr (GError) local = NULL;
  gboolean keep_going;

  obj = ingest_ndjson_lines_parse (&xp->lines, line, len, line_no, &keep_going, error);
  if (obj == NULL)
    return keep_going;
  if (!ingest_xstate_adapter_feed_json (xp->adapter, obj, &local))
    return ingest_parser_ctx_reject (xp->ctx, error, (IngestErrorCode) local->code, line_no, 1,
                                     "%s", local->message);
  ingest_parser_ctx_accept (xp->ctx);
  return TRUE;
}

static gpointer
xstate_create (IngestParserCtx *ctx)
{
  XstateParser *xp = g_new0 (XstateParser, 1);

  xp->ctx = ctx;
  ingest_ndjson_lines_init (&xp->lines, ctx, xstate_line, xp);
  xp->adapter = ingest_xstate_adapter_new (ctx->store, ctx->source);
  ingest_xstate_adapter_set_file_clock (xp->adapter, TRUE);
  return xp;
}

static void
xstate_destroy (gpointer self)
{
  XstateParser *xp = self;

  ingest_ndjson_lines_clear (&xp->lines);
  ingest_xstate_adapter_free (xp->adapter);
  g_free (xp);
}

static gboolean
xstate_feed (gpointer self, const guint8 *data, gsize len, GError **error)
{
  XstateParser *xp = self;
  return ingest_ndjson_lines_feed (&xp->lines, data, len, error);
}

static gboolean
xstate_finish (gpointer self, GError **error)
{
  XstateParser *xp = self;
  return ingest_ndjson_lines_finish (&xp->lines, error);
}

const IngestFormatImpl ingest_format_xstate_impl = {
  xstate_create, xstate_feed, xstate_finish, xstate_destroy,
};
