/* ingest-protobuf.c: protocol buffers wire-format reader. */
#include "config.h"

#include "ingest-protobuf.h"

gboolean
ingest_pb_read_varint (const guint8 *data, gsize len, gsize *pos, guint64 *out)
{
  guint64 v = 0;
  for (guint shift = 0; shift < 70; shift += 7)
    {
      guint8 b;
      if (*pos >= len)
        return FALSE;
      b = data[(*pos)++];
      if (shift == 63 && (b & 0x7e) != 0)
        return FALSE; /* more than 64 bits */
      v |= (guint64) (b & 0x7f) << shift;
      if ((b & 0x80) == 0)
        {
          *out = v;
          return TRUE;
        }
    }
  return FALSE;
}

static gboolean
fail (IngestPbReader *r, gsize at, const char *why, gboolean truncated)
{
  r->bad = TRUE;
  r->truncated = truncated;
  r->pos = at;
  r->why = why;
  return FALSE;
}

gboolean
ingest_pb_next (IngestPbReader *r, IngestPbField *f)
{
  gsize start = r->pos, pos = r->pos;
  guint64 key;

  if (r->bad || r->pos >= r->len)
    return FALSE;
  if (!ingest_pb_read_varint (r->data, r->len, &pos, &key))
    return fail (r, start, "bad field key", pos >= r->len);
  if ((key >> 3) == 0 || (key >> 3) > G_MAXUINT32)
    return fail (r, start, "field number 0 or too large", FALSE);
  f->number = (guint32) (key >> 3);
  f->wire = (IngestPbWireType) (key & 7);
  f->bytes = NULL;
  f->len = 0;
  f->value = 0;
  switch (key & 7)
    {
    case INGEST_PB_VARINT:
      if (!ingest_pb_read_varint (r->data, r->len, &pos, &f->value))
        return fail (r, start, "bad varint", pos >= r->len);
      break;
    case INGEST_PB_FIXED64:
      if (r->len - pos < 8)
        return fail (r, start, "fixed64 cut short", TRUE);
      for (int i = 7; i >= 0; i--)
        f->value = (f->value << 8) | r->data[pos + i];
      pos += 8;
      break;
    case INGEST_PB_FIXED32:
      if (r->len - pos < 4)
        return fail (r, start, "fixed32 cut short", TRUE);
      for (int i = 3; i >= 0; i--)
        f->value = (f->value << 8) | r->data[pos + i];
      pos += 4;
      break;
    case INGEST_PB_BYTES:
      {
        guint64 n;
        if (!ingest_pb_read_varint (r->data, r->len, &pos, &n))
          return fail (r, start, "bad length", pos >= r->len);
        if (n > r->len - pos)
          return fail (r, start, "length past the end of the message", TRUE);
        f->bytes = r->data + pos;
        f->len = (gsize) n;
        pos += (gsize) n;
        break;
      }
    default:
      return fail (r, start, "unsupported wire type (groups are not used by traces)", FALSE);
    }
  r->pos = pos;
  return TRUE;
}

gboolean
ingest_pb_well_formed (const guint8 *data, gsize len, gboolean allow_truncated)
{
  IngestPbReader r;
  IngestPbField f;
  guint n = 0;

  ingest_pb_reader_init (&r, data, len);
  while (ingest_pb_next (&r, &f))
    n++;
  if (!r.bad)
    return n > 0;
  /* A field cut by the end of what we have is fine when asked. */
  return allow_truncated && n > 0 && r.truncated;
}
