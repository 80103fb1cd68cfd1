/* ingest-bytes-private.h: unaligned loads, shared by the store's hash
 * function (ingest-hash.c) and its string comparisons.
 *
 * Loads are in host byte order: the values feed hashes and equality tests
 * inside one process, never a file or the wire.
 */
#pragma once

#include <string.h>

#include <glib.h>

G_BEGIN_DECLS

/* 8 bytes at p, any alignment. */
static inline guint64
ingest_load_u64 (const char *p)
{
  guint64 v;
  memcpy (&v, p, 8);
  return v;
}

/* 4 bytes at p, any alignment. */
static inline guint32
ingest_load_u32 (const char *p)
{
  guint32 v;
  memcpy (&v, p, 4);
  return v;
}

G_END_DECLS
