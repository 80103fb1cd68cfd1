/* test-ingest-common.h: what the ingest tests share: feeding a trace text to
 * a parser in chunks, the way a pipe or socket delivers it; appending events
 * to a store; and the random message streams the sliding-window tests compare
 * against batch builds. */
#pragma once

#include <glib.h>

#include "ingest-parser.h"

/* Parses len bytes of text into a new store, fed step bytes at a time
 * (0 = all at once), with opts (borrowed). Returns the store (owned by the
 * caller), or NULL with error set when a feed or the finish fails.
 * *parser_out (may be NULL) gets the parser either way (owned by the caller,
 * ingest_parser_free()); without it the parser is freed here. */
static inline IngestStore *
test_ingest_parse (const char *text, gsize len, gsize step, const IngestParserOptions *opts,
                   IngestParser **parser_out, GError **error)
{
  IngestStore *store = ingest_store_new ();
  IngestParser *parser = ingest_parser_new (store, opts);
  gboolean ok = TRUE;

  if (step == 0)
    step = MAX (len, 1);
  for (gsize off = 0; ok && off < len; off += step)
    ok = ingest_parser_feed (parser, (const guint8 *) text + off, MIN (step, len - off), error);
  if (ok)
    ok = ingest_parser_finish (parser, error);
  if (parser_out)
    *parser_out = parser;
  else
    ingest_parser_free (parser);
  if (!ok)
    {
      ingest_store_free (store);
      return NULL;
    }
  return store;
}

/* Appends one event of kind at t (ns) to s (borrowed); NULL strings are
 * absent fields (copied by the store). Returns the event's seq. */
static inline IngestSeq
test_ingest_event (IngestStore *s, IngestEventKind kind, gint64 t, const char *actor,
                   const char *peer, const char *key, const char *label, const char *text,
                   const char *reply_to, const char *in_reply_to, IngestExitStatus exit_status,
                   guint32 size)
{
  IngestEventInput in = { 0 };
  in.kind = kind;
  in.time_ns = t;
  in.actor = actor ? INGEST_STR (actor) : INGEST_STR_NONE;
  in.peer = peer ? INGEST_STR (peer) : INGEST_STR_NONE;
  in.message_key = key ? INGEST_STR (key) : INGEST_STR_NONE;
  in.label = label ? INGEST_STR (label) : INGEST_STR_NONE;
  in.text = text ? INGEST_STR (text) : INGEST_STR_NONE;
  in.reply_to = reply_to ? INGEST_STR (reply_to) : INGEST_STR_NONE;
  in.in_reply_to = in_reply_to ? INGEST_STR (in_reply_to) : INGEST_STR_NONE;
  in.exit_status = exit_status;
  in.size = size;
  return ingest_store_append (s, &in);
}

/* The short form the random streams use: 7-byte messages, every EXIT a
 * crash. */
static inline void
test_ingest_ev (IngestStore *s, IngestEventKind kind, gint64 t, const char *actor,
                const char *peer, const char *key, const char *label, const char *text,
                const char *in_reply_to)
{
  test_ingest_event (s, kind, t, actor, peer, key, label, text, NULL, in_reply_to,
                     kind == INGEST_EVENT_EXIT ? INGEST_EXIT_CRASH : INGEST_EXIT_NORMAL, 7);
}

/* A message sent and not yet received or dropped. */
typedef struct {
  char key[32];
  guint from, to;
  gboolean is_request;
} TestIngestInFlight;

/* A random stream's state: everything borrowed; the caller seeds rand and
 * owns flight (a GArray of TestIngestInFlight). */
typedef struct {
  IngestStore *store;
  GRand *rand;
  GArray *flight;  /* TestIngestInFlight */
  gint64 now;
  guint next_key;
  gboolean out_of_order;  /* a few timestamps slightly in the past */
} TestIngestStream;

/* Appends n random events (sends, receives with processing spans, answered
 * requests, drops, marks, crashes, spawns) around g->now, which advances.
 * The same seed gives the same events. */
static inline void
test_ingest_stream_append (TestIngestStream *g, guint n)
{
  static const char *actors[] = {
    "/a/x0", "/a/x1", "/a/x2", "/a/x3", "/a/x4", "/b/y0", "/b/y1", "/b/y2", "/c",
  };
  static const char *labels[] = { "Job", "Ping", "Ask" };
  const gint64 ms = G_GINT64_CONSTANT (1000000);
  const gint32 n_actors = G_N_ELEMENTS (actors);

  for (guint i = 0; i < n; i++)
    {
      g->now += g_rand_int_range (g->rand, 0, 3) * ms;
      /* A few timestamps slightly in the past (several sources). */
      gint64 t = g->out_of_order && g_rand_int_range (g->rand, 0, 20) == 0 ? g->now - 5 * ms : g->now;
      guint r = g_rand_int_range (g->rand, 0, 100);
      if (r < 40 || g->flight->len == 0)
        {
          TestIngestInFlight f = { { 0 }, g_rand_int_range (g->rand, 0, n_actors),
                                   g_rand_int_range (g->rand, 0, n_actors), FALSE };
          g_snprintf (f.key, sizeof f.key, "m%u", g->next_key++);
          /* Answer a received request now and then. */
          f.is_request = g_rand_int_range (g->rand, 0, 4) == 0;
          test_ingest_ev (g->store, INGEST_EVENT_SEND, t, actors[f.from], actors[f.to], f.key,
                          labels[f.from % 3], NULL, NULL);
          g_array_append_val (g->flight, f);
        }
      else if (r < 80)
        {
          guint k = g_rand_int_range (g->rand, 0, g->flight->len);
          TestIngestInFlight f = g_array_index (g->flight, TestIngestInFlight, k);
          g_array_remove_index_fast (g->flight, k);
          test_ingest_ev (g->store, INGEST_EVENT_RECEIVE, t, actors[f.to], NULL, f.key, NULL, NULL,
                          NULL);
          if (g_rand_boolean (g->rand))
            test_ingest_ev (g->store, INGEST_EVENT_DONE, t + g_rand_int_range (g->rand, 0, 4) * ms,
                            actors[f.to], NULL, f.key, NULL, NULL, NULL);
          if (f.is_request)
            {
              TestIngestInFlight a = { { 0 }, f.to, f.from, FALSE };
              g_snprintf (a.key, sizeof a.key, "m%u", g->next_key++);
              test_ingest_ev (g->store, INGEST_EVENT_SEND, t, actors[a.from], actors[a.to], a.key,
                              labels[a.from % 3], NULL, f.key);
              g_array_append_val (g->flight, a);
            }
        }
      else if (r < 88)
        {
          guint k = g_rand_int_range (g->rand, 0, g->flight->len);
          TestIngestInFlight f = g_array_index (g->flight, TestIngestInFlight, k);
          g_array_remove_index_fast (g->flight, k);
          test_ingest_ev (g->store, INGEST_EVENT_DROP, t, actors[f.to], NULL, f.key, NULL, "full",
                          NULL);
        }
      else if (r < 93)
        test_ingest_ev (g->store, INGEST_EVENT_MARK, t, actors[g_rand_int_range (g->rand, 0, n_actors)],
                        NULL, NULL, NULL, g_rand_boolean (g->rand) ? "error: bad" : "note", NULL);
      else if (r < 95)
        test_ingest_ev (g->store, INGEST_EVENT_EXIT, t, actors[g_rand_int_range (g->rand, 0, n_actors)],
                        NULL, NULL, NULL, "boom", NULL);
      else
        test_ingest_ev (g->store, INGEST_EVENT_SPAWN, t, actors[g_rand_int_range (g->rand, 0, n_actors)],
                        NULL, NULL, NULL, NULL, NULL);
    }
}
