/* gen-output.h: a buffered byte sink for the trace generator.
 *
 * The generator writes hundreds of MB per run, so lines are assembled in one
 * large buffer and handed to stdio in big blocks instead of going through
 * printf per field. A write error is remembered (not reported at once) and
 * surfaces from gen_output_close(), so the hot path stays branch-light.
 *
 * Ownership: gen_output_open() returns a new GenOutput owned by the caller;
 * gen_output_close() flushes, closes the file (never stdout) and frees it.
 */
#pragma once

#include <glib.h>
#include <stdio.h>
#include <string.h>

G_BEGIN_DECLS

#define GEN_OUTPUT_BUFFER (1u << 20)

typedef struct {
  FILE *fp;
  char *path;            /* for error messages; "-" for stdout */
  gboolean owns_fp;      /* FALSE for stdout */
  gboolean failed;       /* a write failed; reported by close */
  int saved_errno;
  gsize len;
  char buf[GEN_OUTPUT_BUFFER];
} GenOutput;

/* Opens path for writing ("-" = stdout). Returns NULL and sets error on
 * failure. */
GenOutput *gen_output_open (const char *path, GError **error);
/* Flushes, closes and frees. Returns FALSE (and sets error) if any write,
 * the flush or the close failed. NULL-safe (returns TRUE). */
gboolean gen_output_close (GenOutput *out, GError **error);
/* Frees without reporting errors (for error paths). NULL-safe. */
void gen_output_free (GenOutput *out);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (GenOutput, gen_output_free)

void gen_output_flush (GenOutput *out);

static inline void
gen_output_reserve (GenOutput *out, gsize n)
{
  if (out->len + n > sizeof out->buf)
    gen_output_flush (out);
}

/* Appends n raw bytes (any length). */
void gen_output_bytes (GenOutput *out, const char *s, gsize n);

#define gen_output_lit(out, s) gen_output_bytes ((out), (s), sizeof (s) - 1)

static inline void
gen_output_str (GenOutput *out, const char *s)
{
  gen_output_bytes (out, s, strlen (s));
}

/* Decimal integers, no locale, no printf. */
void gen_output_u64 (GenOutput *out, guint64 v);
void gen_output_i64 (GenOutput *out, gint64 v);

/* A JSON string literal with its quotes: escapes '"', '\\' and every control
 * byte; other bytes pass through unchanged. */
void gen_output_json_str (GenOutput *out, const char *s);
/* A double-quoted string for mscgen and graphviz: escapes '"' and '\\',
 * turns control bytes into spaces (neither tool has an escape for them). */
void gen_output_quoted (GenOutput *out, const char *s);

G_END_DECLS
