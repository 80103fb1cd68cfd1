/* fuzz-web-control.c: the /live websocket control messages of the web
 * service (web/PROTOCOL.md): web_request_parse, the view fields
 * (web_view_state_apply_json), then what the server does with a view: its
 * window, key, spec, JSON echo, the graph/timeline it builds, details
 * lookups and hit tests (web_frame_details, web_frame_build).
 *
 * Input: an optional store section (native NDJSON lines) ended by a line
 * "%%", then one control message per line, all applied to one client's
 * view state in order. Without "%%" a small fixed trace is the store. */
#include "config.h"

#include <math.h>
#include <string.h>

#include "fuzz-common.h"
#include "render-scene.h"
#include "web-frame.h"
#include "web-protocol.h"
#include "web-view-state.h"
#include "web-deviations.h"
#include "web-search.h"
#include "web-actor-charts.h"

#define MAX_MESSAGES 32

static const char default_trace[] =
  "{\"ts\":1000000,\"ev\":\"spawn\",\"actor\":\"/user/a\"}\n"
  "{\"ts\":2000000,\"ev\":\"send\",\"actor\":\"/user/a\",\"to\":\"/user/b\",\"id\":1,\"label\":\"Get\",\"reply_to\":\"/user/a\"}\n"
  "{\"ts\":3000000,\"ev\":\"recv\",\"actor\":\"/user/b\",\"id\":1}\n"
  "{\"ts\":4000000,\"ev\":\"done\",\"actor\":\"/user/b\",\"id\":1}\n"
  "{\"ts\":5000000,\"ev\":\"send\",\"actor\":\"/user/b\",\"to\":\"/user/a\",\"id\":2,\"in_reply_to\":1}\n"
  "{\"ts\":6000000,\"ev\":\"recv\",\"actor\":\"/user/a\",\"id\":2}\n"
  "{\"ts\":7000000,\"ev\":\"mark\",\"actor\":\"/user/a\",\"text\":\"m\"}\n"
  "{\"ts\":8000000,\"ev\":\"send\",\"actor\":\"q\",\"to\":\"/user/c\",\"id\":3}\n"
  "{\"ts\":9000000,\"ev\":\"drop\",\"actor\":\"/user/c\",\"id\":3,\"reason\":\"full\"}\n";

/* A reply the server would send: JSON text that parses back into an object. */
static void
check_reply (char *text)
{
  json_error_t jerr;
  json_t *obj;

  FUZZ_CHECK (text != NULL);
  FUZZ_CHECK (g_utf8_validate (text, -1, NULL));
  obj = json_loads (text, 0, &jerr);
  FUZZ_CHECK (obj != NULL && json_is_object (obj));
  FUZZ_CHECK (json_integer_value (json_object_get (obj, "v")) == WEB_PROTOCOL_VERSION);
  json_decref (obj);
  g_free (text);
}

static void
check_error (const GError *error)
{
  FUZZ_CHECK (error != NULL);
  FUZZ_CHECK (error->domain == WEB_PROTOCOL_ERROR || error->domain == INGEST_ERROR);
  check_reply (web_protocol_error_json (error));
}

/* What the server computes for a client after any message. */
static void
check_view (IngestStore *store, const WebViewState *state)
{
  gint64 from_ns, to_ns;
  IngestViewSpec spec;
  g_autofree char *key = NULL;
  g_autoptr(GError) error = NULL;

  web_view_state_window (state, store, &from_ns, &to_ns);
  FUZZ_CHECK (from_ns <= to_ns);
  web_view_state_to_spec (state, from_ns, to_ns, &spec);
  FUZZ_CHECK (spec.from_ns == from_ns && spec.to_ns == to_ns);
  key = web_view_state_key (state, from_ns, to_ns);
  FUZZ_CHECK (key != NULL && g_utf8_validate (key, -1, NULL));
  check_reply (web_protocol_dump (web_view_state_to_json (state)));

  if (state->kind == RENDER_VIEW_GRAPH)
    {
      g_autoptr(IngestGraph) graph = ingest_graph_build (store, &spec, &error);
      if (graph == NULL)
        {
          /* apply_json checked the filters; only groups are not compiled there. */
          FUZZ_CHECK (error != NULL && error->code == INGEST_ERROR_FILTER);
          FUZZ_CHECK (state->groups != NULL);
        }
      else
        for (guint i = 0; i < graph->edges->len; i++)
          {
            const IngestViewEdge *e = &g_array_index (graph->edges, IngestViewEdge, i);
            FUZZ_CHECK (e->from < graph->nodes->len && e->to < graph->nodes->len);
          }
    }
  else
    {
      g_autoptr(IngestTimeline) tl = ingest_timeline_build (store, &spec, &error);
      if (tl == NULL)
        {
          FUZZ_CHECK (error != NULL && error->code == INGEST_ERROR_FILTER);
          FUZZ_CHECK (state->groups != NULL);
        }
    }
}

static IngestStore *
load_store (const char *text, gsize len)
{
  IngestParserOptions options = { 0 };
  IngestStore *store = ingest_store_new ();
  g_autoptr(IngestParser) parser = NULL;

  options.format = INGEST_FORMAT_NATIVE;
  options.max_line_bytes = 4096;
  parser = ingest_parser_new (store, &options);
  ingest_parser_feed (parser, (const guint8 *) text, len, NULL);
  ingest_parser_finish (parser, NULL);
  fuzz_check_store (store);
  return store;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  const char *text = (const char *) data;
  const char *sep = size >= 3 ? g_strstr_len (text, (gssize) size, "\n%%\n") : NULL;
  g_autoptr(IngestStore) store = NULL;
  g_auto(WebViewState) state;
  gsize start = 0;
  guint n = 0;

  fuzz_init ();
  if (size >= 3 && memcmp (text, "%%\n", 3) == 0)
    {
      store = ingest_store_new ();
      start = 3;
    }
  else if (sep != NULL)
    {
      store = load_store (text, (gsize) (sep - text) + 1);
      start = (gsize) (sep - text) + 4;
    }
  else
    store = load_store (default_trace, sizeof default_trace - 1);
  web_view_state_init (&state);
  check_reply (web_protocol_hello_json (1 << 20, 10, TRUE));

  while (start < size && n++ < MAX_MESSAGES)
    {
      const char *nl = memchr (text + start, '\n', size - start);
      gsize end = nl != NULL ? (gsize) (nl - text) : size;
      g_auto(WebRequest) req = { 0 };
      g_autoptr(GError) error = NULL;

      if (!web_request_parse (text + start, end - start, &req, &error))
        {
          FUZZ_CHECK (error != NULL && error->domain == WEB_PROTOCOL_ERROR);
          FUZZ_CHECK (req.msg == NULL);
          check_error (error);
          start = end + 1;
          continue;
        }
      FUZZ_CHECK (error == NULL && req.msg != NULL && json_is_object (req.msg));
      switch (req.type)
        {
        case WEB_REQUEST_VIEW:
          {
            guint64 generation = state.generation;
            g_autofree char *before = web_view_state_key (&state, 0, 0);
            if (!web_view_state_apply_json (&state, req.msg, &error))
              {
                g_autofree char *after = web_view_state_key (&state, 0, 0);
                check_error (error);
                /* All or nothing. */
                FUZZ_CHECK (strcmp (before, after) == 0);
                FUZZ_CHECK (state.generation == generation);
              }
            else
              FUZZ_CHECK (state.generation == generation + 1);
          }
          break;
        case WEB_REQUEST_PAUSE:
          {
            gint64 from_ns, to_ns;
            web_view_state_window (&state, store, &from_ns, &to_ns);
            state.follow = FALSE;
            state.from_ns = from_ns;
            state.to_ns = to_ns;
            state.generation++;
          }
          break;
        case WEB_REQUEST_LIVE:
          state.follow = TRUE;
          state.generation++;
          break;
        case WEB_REQUEST_DETAILS:
          {
            gint64 from_ns, to_ns;
            char *reply;
            FUZZ_CHECK (req.klass != NULL && req.id != NULL);
            web_view_state_window (&state, store, &from_ns, &to_ns);
            reply = web_frame_details (store, &state, from_ns, to_ns, req.klass, req.id, &error);
            if (reply == NULL)
              check_error (error);
            else
              check_reply (reply);
          }
          break;
        case WEB_REQUEST_HIT:
          {
            g_autoptr(RenderScene) scene = NULL;
            char *frame;
            FUZZ_CHECK (isfinite (req.x) && isfinite (req.y));
            frame = web_frame_build (store, &state, NULL, NULL, &scene, &error);
            if (frame == NULL)
              check_error (error);
            else
              {
                (void) render_scene_hit_test (scene, req.x, req.y);
                check_reply (frame);
              }
          }
          break;
        case WEB_REQUEST_DEVIATIONS:
        case WEB_REQUEST_SEARCH:
        case WEB_REQUEST_CHARTS:
          {
            gint64 from_ns, to_ns;
            char *reply;
            web_view_state_window (&state, store, &from_ns, &to_ns);
            if (req.type == WEB_REQUEST_DEVIATIONS)
              reply = web_deviations_reply (store, from_ns, to_ns, req.msg, &error);
            else if (req.type == WEB_REQUEST_SEARCH)
              reply = web_search_reply (store, req.msg, &error);
            else
              reply = web_actor_charts_reply (store, from_ns, to_ns, state.theme, req.msg, &error);
            if (reply == NULL)
              check_error (error);
            else
              check_reply (reply);
          }
          break;
        case WEB_REQUEST_HELLO:
        case WEB_REQUEST_PING:
          check_reply (web_protocol_dump (json_pack ("{s:s}", "type", "pong")));
          break;
        default:
          FUZZ_CHECK (!"unknown request type");
        }
      check_view (store, &state);
      start = end + 1;
    }
  fuzz_check_store (store);
  return 0;
}
