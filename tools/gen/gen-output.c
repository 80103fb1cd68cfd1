/* gen-output.c: buffered writer; see gen-output.h. */
#include "gen-output.h"

#include <errno.h>
#include <gio/gio.h>

GenOutput *
gen_output_open (const char *path, GError **error)
{
  FILE *fp;
  GenOutput *out;

  if (g_strcmp0 (path, "-") == 0)
    fp = stdout;
  else
    {
      fp = fopen (path, "wb");
      if (fp == NULL)
        {
          int e = errno;
          g_set_error (error, G_IO_ERROR, g_io_error_from_errno (e),
                       "cannot write %s: %s", path, g_strerror (e));
          return NULL;
        }
    }
  /* The struct carries the 1 MiB buffer: allocate it, never on the stack. */
  out = g_malloc (sizeof *out);
  out->fp = fp;
  out->path = g_strdup (path);
  out->owns_fp = fp != stdout;
  out->failed = FALSE;
  out->saved_errno = 0;
  out->len = 0;
  return out;
}

void
gen_output_flush (GenOutput *out)
{
  if (out->len > 0 && !out->failed)
    {
      if (fwrite (out->buf, 1, out->len, out->fp) != out->len)
        {
          out->failed = TRUE;
          out->saved_errno = errno;
        }
    }
  out->len = 0;
}

void
gen_output_bytes (GenOutput *out, const char *s, gsize n)
{
  while (n > 0)
    {
      gsize room, chunk;

      if (out->len == sizeof out->buf)
        gen_output_flush (out);
      room = sizeof out->buf - out->len;
      chunk = MIN (room, n);
      memcpy (out->buf + out->len, s, chunk);
      out->len += chunk;
      s += chunk;
      n -= chunk;
    }
}

void
gen_output_u64 (GenOutput *out, guint64 v)
{
  char tmp[24];
  char *p = tmp + sizeof tmp;

  do
    {
      *--p = (char) ('0' + v % 10);
      v /= 10;
    }
  while (v != 0);
  gen_output_bytes (out, p, (gsize) (tmp + sizeof tmp - p));
}

void
gen_output_i64 (GenOutput *out, gint64 v)
{
  if (v < 0)
    {
      gen_output_lit (out, "-");
      /* Negate in unsigned arithmetic so G_MININT64 does not overflow. */
      gen_output_u64 (out, (guint64) 0 - (guint64) v);
    }
  else
    gen_output_u64 (out, (guint64) v);
}

void
gen_output_json_str (GenOutput *out, const char *s)
{
  static const char hex[] = "0123456789abcdef";
  const unsigned char *p = (const unsigned char *) s;

  gen_output_reserve (out, 2);
  out->buf[out->len++] = '"';
  for (; *p != '\0'; p++)
    {
      unsigned char c = *p;

      gen_output_reserve (out, 7);
      if (c == '"' || c == '\\')
        {
          out->buf[out->len++] = '\\';
          out->buf[out->len++] = (char) c;
        }
      else if (c < 0x20)
        {
          switch (c)
            {
            case '\n': memcpy (out->buf + out->len, "\\n", 2); out->len += 2; break;
            case '\t': memcpy (out->buf + out->len, "\\t", 2); out->len += 2; break;
            case '\r': memcpy (out->buf + out->len, "\\r", 2); out->len += 2; break;
            default:
              memcpy (out->buf + out->len, "\\u00", 4);
              out->buf[out->len + 4] = hex[c >> 4];
              out->buf[out->len + 5] = hex[c & 15];
              out->len += 6;
            }
        }
      else
        out->buf[out->len++] = (char) c;
    }
  gen_output_reserve (out, 1);
  out->buf[out->len++] = '"';
}

void
gen_output_quoted (GenOutput *out, const char *s)
{
  const unsigned char *p = (const unsigned char *) s;

  gen_output_lit (out, "\"");
  for (; *p != '\0'; p++)
    {
      gen_output_reserve (out, 2);
      if (*p == '"' || *p == '\\')
        out->buf[out->len++] = '\\';
      out->buf[out->len++] = *p < 0x20 ? ' ' : (char) *p;
    }
  gen_output_lit (out, "\"");
}

gboolean
gen_output_close (GenOutput *out, GError **error)
{
  gboolean ok;

  if (out == NULL)
    return TRUE;
  gen_output_flush (out);
  if (!out->failed && fflush (out->fp) != 0)
    {
      out->failed = TRUE;
      out->saved_errno = errno;
    }
  if (out->owns_fp && fclose (out->fp) != 0 && !out->failed)
    {
      out->failed = TRUE;
      out->saved_errno = errno;
    }
  out->fp = NULL;
  ok = !out->failed;
  if (!ok)
    g_set_error (error, G_IO_ERROR, g_io_error_from_errno (out->saved_errno),
                 "error writing %s: %s", out->path, g_strerror (out->saved_errno));
  g_free (out->path);
  g_free (out);
  return ok;
}

void
gen_output_free (GenOutput *out)
{
  if (out == NULL)
    return;
  if (out->fp != NULL && out->owns_fp)
    fclose (out->fp);
  g_free (out->path);
  g_free (out);
}
