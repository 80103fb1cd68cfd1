/* ingest-hash.h: the keyed hash of every table whose keys come from traces. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* SipHash-1-3 under a key drawn at random once per process. Trace strings
 * and ids are chosen by whoever writes the trace: with a fixed function
 * (g_str_hash, an unseeded multiply-mix) they can be chosen to collide and
 * make every lookup walk one chain, so a table keyed by them uses these.
 * Values differ between processes: never store them or let output order
 * depend on them. Thread-safe. */
guint64 ingest_hash_bytes (const void *data, gsize len);

/* One 64-bit value (an id pair, an integer id), keyed as above. */
guint64 ingest_hash_u64 (guint64 value);

/* GHashFunc forms: a NUL-terminated string (for g_str_equal), a gint64 at
 * the pointer (for g_int64_equal), the pointer's value (for
 * g_direct_equal, e.g. GINT_TO_POINTER keys). */
guint ingest_hash_str (gconstpointer key);
guint ingest_hash_int64 (gconstpointer key);
guint ingest_hash_direct (gconstpointer key);

G_END_DECLS
