/* ingest-source.c: helpers every live source shares. */
#include "config.h"

#include "ingest-source.h"
#include "ingest-parser.h"

void
ingest_source_hooks_note (const IngestSourceHooks *hooks, IngestSourceNoteLevel level,
                          const char *source, const char *format, ...)
{
  g_autofree char *message = NULL;
  va_list args;

  if (hooks == NULL || hooks->note == NULL)
    return;
  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);
  hooks->note (level, source, message, hooks->user_data);
}

void
ingest_source_hooks_appended (const IngestSourceHooks *hooks)
{
  if (hooks != NULL && hooks->appended != NULL)
    hooks->appended (hooks->user_data);
}

#define NOTE_INTERVAL_US (10 * G_USEC_PER_SEC)

void
ingest_source_hooks_note_limited (const IngestSourceHooks *hooks, IngestNoteLimit *limit,
                                  const char *source, const char *format, ...)
{
  gint64 now = g_get_monotonic_time ();
  g_autofree char *message = NULL;
  va_list args;

  if (limit->last_us != 0 && now - limit->last_us < NOTE_INTERVAL_US)
    {
      limit->suppressed++;
      return;
    }
  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);
  if (limit->suppressed > 0)
    ingest_source_hooks_note (hooks, INGEST_SOURCE_NOTE_WARNING, source,
                              "%s (and %" G_GUINT64_FORMAT " more like it in the last %d s, not shown)",
                              message, limit->suppressed,
                              (int) ((now - limit->last_us) / G_USEC_PER_SEC));
  else
    ingest_source_hooks_note (hooks, INGEST_SOURCE_NOTE_WARNING, source, "%s", message);
  limit->last_us = now;
  limit->suppressed = 0;
}

/* At most this many diagnostics are passed on per call: a producer sending
 * garbage at full speed must not turn the log into the bottleneck. */
#define MAX_REPORTED_PER_CALL 3

void
ingest_source_report_parser (const IngestSourceHooks *hooks, const char *source,
                             gpointer parser_ptr, guint64 *n_seen)
{
  IngestParser *parser = parser_ptr;
  guint64 skipped;
  const GPtrArray *diags;
  guint64 fresh;
  guint reported = 0;

  if (parser == NULL)
    return;
  skipped = ingest_parser_n_skipped (parser);
  if (skipped <= *n_seen)
    return;
  fresh = skipped - *n_seen;
  diags = ingest_parser_get_diagnostics (parser);
  /* The parser keeps only the first few diagnostics; show the newest kept
   * ones that we have not shown yet, then a count. */
  if (diags != NULL)
    {
      guint start = diags->len > fresh ? diags->len - (guint) fresh : 0;
      guint64 kept_before = *n_seen;
      for (guint i = start; i < diags->len && reported < MAX_REPORTED_PER_CALL; i++)
        {
          const GError *e = g_ptr_array_index (diags, i);
          if ((guint64) i < kept_before)
            continue;
          ingest_source_hooks_note (hooks, INGEST_SOURCE_NOTE_WARNING, source,
                                    "skipped a malformed record: %s", e->message);
          reported++;
        }
    }
  if (fresh > reported)
    ingest_source_hooks_note (hooks, INGEST_SOURCE_NOTE_WARNING, source,
                              "skipped %" G_GUINT64_FORMAT " malformed record(s) in total",
                              skipped);
  *n_seen = skipped;
}
