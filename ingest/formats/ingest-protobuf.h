/* ingest-protobuf.h: a minimal protocol buffers wire-format reader (no
 * schema, no allocation), for the Perfetto trace parser.
 *
 * A reader walks the fields of one message held in memory: each call gives
 * the next field's number, wire type and value (a varint, a fixed 32/64-bit
 * value, or a borrowed byte range for length-delimited fields, which the
 * caller may read again as a nested message). Malformed input (a varint
 * longer than 10 bytes, a length past the end, group or unknown wire types,
 * field number 0) stops the reader with `bad` set and the offset of the
 * problem; it never reads outside [data, data + len).
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef enum {
  INGEST_PB_VARINT = 0,
  INGEST_PB_FIXED64 = 1,
  INGEST_PB_BYTES = 2,
  INGEST_PB_FIXED32 = 5,
} IngestPbWireType;

typedef struct {
  guint32 number;
  IngestPbWireType wire;
  guint64 value;            /* VARINT, FIXED64, FIXED32 */
  const guint8 *bytes;      /* BYTES: borrowed from the reader's buffer */
  gsize len;
} IngestPbField;

typedef struct {
  const guint8 *data;
  gsize len, pos;
  gboolean bad;
  const char *why;          /* when bad: what was wrong (static string) */
  gboolean truncated;       /* when bad: only because the data ended */
} IngestPbReader;

static inline void
ingest_pb_reader_init (IngestPbReader *r, const guint8 *data, gsize len)
{
  r->data = data;
  r->len = len;
  r->pos = 0;
  r->bad = FALSE;
  r->why = NULL;
  r->truncated = FALSE;
}

/* Reads a varint at data[*pos..len); FALSE when cut short or too long. */
gboolean ingest_pb_read_varint (const guint8 *data, gsize len, gsize *pos, guint64 *out);

/* The next field: TRUE with *f filled, FALSE at the end of the message or
 * on malformed input (then r->bad is TRUE and r->pos is where it failed). */
gboolean ingest_pb_next (IngestPbReader *r, IngestPbField *f);

/* TRUE when data[0..len) parses as a sequence of well-formed fields (each
 * nested length within bounds), the last one possibly cut at len when
 * allow_truncated. For format detection. */
gboolean ingest_pb_well_formed (const guint8 *data, gsize len, gboolean allow_truncated);

G_END_DECLS
