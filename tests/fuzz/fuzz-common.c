/* fuzz-common.c: invariants and chunked feeding shared by the fuzz targets. */
#include "config.h"

#include <string.h>

#include "fuzz-common.h"

IngestParserOptions
fuzz_parser_options (IngestFormat format, const char *source_name, guint8 control,
                     gsize max_line_bytes, gboolean depth_bit)
{
  IngestParserOptions options = { 0 };

  options.format = format;
  options.strict = (control & 1) != 0;
  options.source_name = source_name;
  options.max_line_bytes = max_line_bytes;
  options.max_depth = depth_bit && (control & 4) ? 4 : 0;
  options.max_kept_diagnostics = 4;
  return options;
}

int
fuzz_parser_target (const uint8_t *data, size_t size, IngestFormat format,
                    const char *source_name, gsize max_line_bytes,
                    gboolean small_lines_bit, gboolean depth_bit)
{
  IngestParserOptions options;
  guint8 control;

  if (!fuzz_take_control (&data, &size, &control))
    return 0;
  if (small_lines_bit && (control & 2))
    max_line_bytes = 64;
  options = fuzz_parser_options (format, source_name, control, max_line_bytes, depth_bit);
  fuzz_parse_both_ways (data, size, &options, control);
  return 0;
}

void
fuzz_init (void)
{
  static gboolean done;

  if (done)
    return;
  done = TRUE;
  /* A critical or warning from a library is a bug (libraries never print):
   * make it fatal so the fuzzer reports it as a crash with a stack. */
  g_log_set_always_fatal (G_LOG_FATAL_MASK | G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_WARNING);
}

gboolean
fuzz_take_control (const uint8_t **data, size_t *size, guint8 *control)
{
  fuzz_init ();
  if (*size < 1)
    return FALSE;
  *control = (*data)[0];
  (*data)++;
  (*size)--;
  return TRUE;
}

void
fuzz_rng_init (FuzzRng *rng, const guint8 *data, gsize len, guint8 control)
{
  /* FNV-1a of (a bounded prefix of) the input mixed with the control byte:
   * deterministic, so a saved input replays with the same boundaries. */
  guint64 h = G_GUINT64_CONSTANT (0xcbf29ce484222325) ^ control;

  for (gsize i = 0; i < len && i < 256; i++)
    h = (h ^ data[i]) * G_GUINT64_CONSTANT (0x100000001b3);
  h ^= len;
  rng->s = h != 0 ? h : 1;
}

guint32
fuzz_rng_next (FuzzRng *rng)
{
  /* xorshift64* */
  rng->s ^= rng->s >> 12;
  rng->s ^= rng->s << 25;
  rng->s ^= rng->s >> 27;
  return (guint32) ((rng->s * G_GUINT64_CONSTANT (2685821657736338717)) >> 32);
}

gsize
fuzz_rng_chunk (FuzzRng *rng, gsize remaining)
{
  guint32 r = fuzz_rng_next (rng);
  gsize n;

  if (remaining == 0)
    return 0;
  switch (r & 3)
    {
    case 0: n = 1; break;                                 /* byte at a time */
    case 1: n = 1 + (r >> 2) % 16; break;                 /* small */
    case 2: n = 1 + (r >> 2) % (remaining / 2 + 1); break; /* anywhere */
    default: n = 1 + (r >> 2) % 4096; break;              /* large */
    }
  return MIN (n, remaining);
}

void
fuzz_outcome_clear (FuzzOutcome *outcome)
{
  g_clear_pointer (&outcome->error_message, g_free);
}

static void
check_text (const char *s, gsize max)
{
  gsize len;

  FUZZ_CHECK (s != NULL);
  len = strlen (s);
  FUZZ_CHECK (g_utf8_validate (s, (gssize) len, NULL));
  /* Cut texts end with "…" (3 bytes) after at most max bytes. */
  FUZZ_CHECK (len <= max + 3);
}

static void
check_atom (const IngestStore *store, IngestAtom atom, gsize max)
{
  check_text (ingest_store_atom (store, atom), max);
}

void
fuzz_check_store (IngestStore *store)
{
  guint64 n_events = ingest_store_n_events (store);
  guint32 n_actors = ingest_store_n_actors (store);
  guint32 n_messages = ingest_store_n_messages (store);
  g_autofree guint8 *seen = NULL;
  gint64 prev_t = INGEST_TIME_MIN, min_ns = 0, max_ns = 0;
  gboolean have_range;
  g_autofree IngestEdgeStats *edges = NULL;
  gsize n_edges = 0;
  IngestStoreCounters *counters = ingest_store_counters (store);

  FUZZ_CHECK (counters != NULL);
  FUZZ_CHECK (ingest_store_event (store, n_events) == NULL);
  FUZZ_CHECK (ingest_store_actor (store, n_actors + 1) == NULL);
  FUZZ_CHECK (ingest_store_message (store, n_messages + 1) == NULL);
  FUZZ_CHECK (ingest_store_memory_bytes (store) > 0);

  for (IngestSeq seq = 0; seq < n_events; seq++)
    {
      const IngestEvent *ev = ingest_store_event (store, seq);
      FUZZ_CHECK (ev != NULL);
      FUZZ_CHECK (ev->kind < INGEST_EVENT_N_KINDS);
      FUZZ_CHECK (ev->actor <= n_actors);
      FUZZ_CHECK (ev->peer <= n_actors);
      FUZZ_CHECK (ev->message <= n_messages);
      if (ev->kind == INGEST_EVENT_SEND)
        FUZZ_CHECK (ev->message != 0 && ev->actor != 0);
      if (ev->kind == INGEST_EVENT_EXIT)
        FUZZ_CHECK (ev->exit_status <= INGEST_EXIT_CRASH);
      check_atom (store, ev->text, INGEST_STORE_MAX_PAYLOAD);
    }

  for (IngestActorId id = 1; id <= n_actors; id++)
    {
      const IngestActor *a = ingest_store_actor (store, id);
      const char *name;
      FUZZ_CHECK (a != NULL);
      FUZZ_CHECK (a->kind < INGEST_ACTOR_N_KINDS);
      FUZZ_CHECK (a->parent <= n_actors && a->parent != id);
      check_atom (store, a->name, INGEST_STORE_MAX_STRING);
      check_atom (store, a->short_name, INGEST_STORE_MAX_STRING);
      name = ingest_store_actor_name (store, id);
      FUZZ_CHECK (name != NULL);
      /* Names are unique: looking one up finds that actor. */
      FUZZ_CHECK (ingest_store_find_actor (store, name) == id);
    }

  for (IngestMessageId id = 1; id <= n_messages; id++)
    {
      const IngestMessage *m = ingest_store_message (store, id);
      FUZZ_CHECK (m != NULL);
      check_atom (store, m->key, INGEST_STORE_MAX_STRING);
      check_atom (store, m->label, INGEST_STORE_MAX_STRING);
      check_text (ingest_store_payload (store, m->payload), INGEST_STORE_MAX_PAYLOAD);
      FUZZ_CHECK (m->from <= n_actors && m->to <= n_actors && m->reply_to <= n_actors);
      FUZZ_CHECK (m->in_reply_to <= n_messages && m->response <= n_messages);
      if (m->send_seq != INGEST_SEQ_NONE)
        {
          const IngestEvent *ev = ingest_store_event (store, m->send_seq);
          FUZZ_CHECK (ev != NULL && ev->kind == INGEST_EVENT_SEND && ev->message == id);
        }
      if (m->receive_seq != INGEST_SEQ_NONE)
        {
          const IngestEvent *ev = ingest_store_event (store, m->receive_seq);
          FUZZ_CHECK (ev != NULL && ev->kind == INGEST_EVENT_RECEIVE && ev->message == id);
        }
      if (m->done_seq != INGEST_SEQ_NONE)
        {
          const IngestEvent *ev = ingest_store_event (store, m->done_seq);
          FUZZ_CHECK (ev != NULL && ev->kind == INGEST_EVENT_DONE && ev->message == id);
        }
    }

  /* The time index is a sorted permutation of the events. */
  seen = g_malloc0 (n_events + 1);
  for (gsize pos = 0; pos < n_events; pos++)
    {
      IngestSeq seq = ingest_store_time_seq (store, pos);
      const IngestEvent *ev;
      FUZZ_CHECK (seq < n_events);
      FUZZ_CHECK (!seen[seq]);
      seen[seq] = 1;
      ev = ingest_store_event (store, seq);
      FUZZ_CHECK (ev->time_ns >= prev_t);
      prev_t = ev->time_ns;
    }
  have_range = ingest_store_time_range (store, &min_ns, &max_ns);
  FUZZ_CHECK (have_range == (n_events > 0));
  if (have_range)
    {
      FUZZ_CHECK (min_ns <= max_ns);
      FUZZ_CHECK (ingest_store_event (store, ingest_store_time_seq (store, 0))->time_ns == min_ns);
      FUZZ_CHECK (prev_t == max_ns);
    }

  edges = ingest_store_dup_edges (store, &n_edges);
  for (gsize i = 0; i < n_edges; i++)
    {
      FUZZ_CHECK (edges[i].from >= 1 && edges[i].from <= n_actors);
      FUZZ_CHECK (edges[i].to >= 1 && edges[i].to <= n_actors);
      FUZZ_CHECK (edges[i].first_ns <= edges[i].last_ns || edges[i].count == 0);
      check_atom (store, edges[i].top_label, INGEST_STORE_MAX_STRING);
    }
}

IngestStore *
fuzz_parse (const guint8 *data, gsize len, const IngestParserOptions *options, FuzzRng *rng,
            FuzzOutcome *outcome)
{
  IngestStore *store = ingest_store_new ();
  g_autoptr(IngestParser) parser = ingest_parser_new (store, options);
  g_autoptr(GError) error = NULL;
  gboolean ok = TRUE;
  gsize off = 0;

  memset (outcome, 0, sizeof *outcome);
  while (ok && off < len)
    {
      gsize n = rng != NULL ? fuzz_rng_chunk (rng, len - off) : len - off;
      ok = ingest_parser_feed (parser, data + off, n, &error);
      off += n;
    }
  if (ok)
    ok = ingest_parser_finish (parser, &error);

  if (!ok)
    {
      guint64 before = ingest_store_n_events (store);
      g_autoptr(GError) again = NULL;
      static const guint8 more[] = "{}\n";

      FUZZ_CHECK (error != NULL && error->domain == INGEST_ERROR);
      FUZZ_CHECK (error->message != NULL && g_utf8_validate (error->message, -1, NULL));
      /* A failed parser accepts nothing more. */
      FUZZ_CHECK (!ingest_parser_feed (parser, more, sizeof more - 1, &again));
      FUZZ_CHECK (again != NULL);
      FUZZ_CHECK (ingest_store_n_events (store) == before);
    }
  else
    FUZZ_CHECK (error == NULL);

  if (options->format != INGEST_FORMAT_AUTO && len > 0)
    FUZZ_CHECK (ingest_parser_get_format (parser) == options->format);
  if (options->strict && ok)
    FUZZ_CHECK (ingest_parser_n_skipped (parser) == 0);
  /* Every record this reading skipped is counted in the store; a native
   * header written by convert may add the original trace's count. */
  FUZZ_CHECK (ingest_parser_n_skipped (parser) <= ingest_store_counters (store)->skipped_records);
  if (ingest_parser_get_format (parser) != INGEST_FORMAT_NATIVE)
    FUZZ_CHECK (ingest_parser_n_skipped (parser) == ingest_store_counters (store)->skipped_records);
  FUZZ_CHECK (ingest_parser_get_diagnostics (parser)->len <=
              (options->max_kept_diagnostics ? options->max_kept_diagnostics : 20));
  for (guint i = 0; i < ingest_parser_get_diagnostics (parser)->len; i++)
    {
      const GError *d = g_ptr_array_index (ingest_parser_get_diagnostics (parser), i);
      FUZZ_CHECK (d != NULL && d->domain == INGEST_ERROR);
      FUZZ_CHECK (g_utf8_validate (d->message, -1, NULL));
    }
  FUZZ_CHECK (ingest_parser_n_bytes (parser) <= len + 3);

  outcome->ok = ok;
  outcome->error_code = ok ? -1 : error->code;
  outcome->error_message = ok ? NULL : g_strdup (error->message);
  outcome->n_records = ingest_parser_n_records (parser);
  outcome->n_skipped = ingest_parser_n_skipped (parser);
  outcome->n_events = ingest_store_n_events (store);
  outcome->n_actors = ingest_store_n_actors (store);
  outcome->n_messages = ingest_store_n_messages (store);
  outcome->counters = *ingest_store_counters (store);
  outcome->format = ingest_parser_get_format (parser);

  fuzz_check_store (store);
  return store;
}

void
fuzz_parse_both_ways (const guint8 *data, gsize len, const IngestParserOptions *options,
                      guint8 control)
{
  FuzzOutcome whole, split;
  FuzzRng rng;
  g_autoptr(IngestStore) a = NULL, b = NULL;

  a = fuzz_parse (data, len, options, NULL, &whole);
  fuzz_rng_init (&rng, data, len, control);
  b = fuzz_parse (data, len, options, &rng, &split);

  if (whole.ok != split.ok || g_strcmp0 (whole.error_message, split.error_message) != 0 ||
      whole.format != split.format || whole.n_events != split.n_events ||
      whole.n_records != split.n_records || whole.n_skipped != split.n_skipped)
    fprintf (stderr,
             "whole: %s, format %d, %" G_GUINT64_FORMAT " records, %" G_GUINT64_FORMAT " skipped\n"
             "split: %s, format %d, %" G_GUINT64_FORMAT " records, %" G_GUINT64_FORMAT " skipped\n",
             whole.error_message ? whole.error_message : "ok", whole.format, whole.n_records,
             whole.n_skipped,
             split.error_message ? split.error_message : "ok", split.format, split.n_records,
             split.n_skipped);
  FUZZ_CHECK (whole.ok == split.ok);
  FUZZ_CHECK (whole.error_code == split.error_code);
  FUZZ_CHECK (g_strcmp0 (whole.error_message, split.error_message) == 0);
  FUZZ_CHECK (whole.format == split.format);
  FUZZ_CHECK (whole.n_records == split.n_records);
  FUZZ_CHECK (whole.n_skipped == split.n_skipped);
  FUZZ_CHECK (whole.n_events == split.n_events);
  FUZZ_CHECK (whole.n_actors == split.n_actors);
  FUZZ_CHECK (whole.n_messages == split.n_messages);
  FUZZ_CHECK (memcmp (&whole.counters, &split.counters, sizeof whole.counters) == 0);
  /* Same events in the same order, field by field. */
  for (IngestSeq seq = 0; seq < whole.n_events; seq++)
    {
      const IngestEvent *x = ingest_store_event (a, seq), *y = ingest_store_event (b, seq);
      FUZZ_CHECK (x->time_ns == y->time_ns && x->kind == y->kind && x->actor == y->actor &&
                  x->peer == y->peer && x->message == y->message &&
                  x->exit_status == y->exit_status);
      FUZZ_CHECK (strcmp (ingest_store_atom (a, x->text), ingest_store_atom (b, y->text)) == 0);
    }
  fuzz_outcome_clear (&whole);
  fuzz_outcome_clear (&split);
}
