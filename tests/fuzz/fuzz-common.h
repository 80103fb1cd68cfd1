/* fuzz-common.h: what every fuzz target shares.
 *
 * Each target is one LLVMFuzzerTestOneInput over a public API. After each
 * input it checks cheap invariants (fuzz_check_store and friends) with
 * FUZZ_CHECK, which aborts: so fuzzing finds logic errors (inconsistent
 * store, invalid UTF-8 interned, results depending on how the bytes were
 * chunked), not only crashes. The same sources build two ways: with
 * libFuzzer (clang, -Dfuzz=enabled) and with fuzz-replay-main.c into an
 * ordinary program that replays the corpora and regressions (unit suite).
 *
 * Input layout for the parser targets: byte 0 is a control byte (bit 0:
 * strict mode; the rest seeds the chunk boundaries), the rest is the trace.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <glib.h>

#include "ingest-parser.h"
#include "ingest-store.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

/* Fails loudly: a message naming the invariant, then abort() so libFuzzer
 * (and the replay driver under a debugger) stops right there. */
#define FUZZ_CHECK(cond)                                                       \
  do {                                                                         \
    if (G_UNLIKELY (!(cond)))                                                  \
      {                                                                        \
        fprintf (stderr, "%s:%d: invariant failed: %s\n", __FILE__, __LINE__,  \
                 #cond);                                                       \
        abort ();                                                              \
      }                                                                        \
  } while (0)

/* Once per process: quiet GLib (libraries never print, but criticals from
 * g_return_if_fail are bugs and abort). */
void fuzz_init (void);

/* Every parser target's start: fuzz_init, then the first byte of the input
 * is the control byte (options and chunk seed) and *data, *size are what
 * follows. FALSE for an empty input (nothing to do). */
gboolean fuzz_take_control (const uint8_t **data, size_t *size, guint8 *control);

/* The parser options every parser target starts from: format and source
 * name as given, strict when bit 0 of the control byte is set, lines up
 * to max_line_bytes, a tiny depth bound (4) when bit 2 is set and
 * depth_bit is TRUE, and 4 kept diagnostics. Targets adjust the rest. */
IngestParserOptions fuzz_parser_options (IngestFormat format, const char *source_name,
                                         guint8 control, gsize max_line_bytes,
                                         gboolean depth_bit);

/* The whole of a plain parser target: takes the control byte, builds
 * fuzz_parser_options (lines bounded to 64 bytes instead of max_line_bytes
 * when small_lines_bit is TRUE and bit 1 is set) and parses both ways.
 * Returns 0, as LLVMFuzzerTestOneInput does. */
int fuzz_parser_target (const uint8_t *data, size_t size, IngestFormat format,
                        const char *source_name, gsize max_line_bytes,
                        gboolean small_lines_bit, gboolean depth_bit);

/* A small deterministic PRNG for chunk boundaries derived from the input. */
typedef struct {
  guint64 s;
} FuzzRng;

void fuzz_rng_init (FuzzRng *rng, const guint8 *data, gsize len, guint8 control);
guint32 fuzz_rng_next (FuzzRng *rng);
/* A chunk length in 1..remaining: mostly small (1..16), sometimes large. */
gsize fuzz_rng_chunk (FuzzRng *rng, gsize remaining);

/* What a parse produced, for comparing two ways of feeding the same bytes. */
typedef struct {
  gboolean ok;               /* every feed and the finish returned TRUE */
  int error_code;            /* -1 when ok */
  char *error_message;       /* owned, NULL when ok */
  guint64 n_records, n_skipped;
  guint64 n_events;
  guint32 n_actors, n_messages;
  IngestStoreCounters counters;
  IngestFormat format;
} FuzzOutcome;

void fuzz_outcome_clear (FuzzOutcome *outcome);

/* Parses data into a new store with options: in one feed when rng is NULL,
 * else in chunks drawn from rng. Checks the parser's own invariants (FALSE
 * only with an error in INGEST_ERROR; nothing accepted after failure;
 * skipped == the store's counter) and fuzz_check_store. Returns the store
 * (owned) and fills outcome. */
IngestStore *fuzz_parse (const guint8 *data, gsize len, const IngestParserOptions *options,
                         FuzzRng *rng, FuzzOutcome *outcome);

/* Parses twice (whole and chunked) and checks both give the same outcome:
 * a push parser must not depend on where its input was cut. */
void fuzz_parse_both_ways (const guint8 *data, gsize len, const IngestParserOptions *options,
                           guint8 control);

/* Store invariants: every id in range, every string valid UTF-8 and
 * bounded, pairing consistent, time order sorted, counters coherent. */
void fuzz_check_store (IngestStore *store);
