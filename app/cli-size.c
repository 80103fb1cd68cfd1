/* cli-size.c: byte sizes and ages on the command line. */
#include "config.h"

#include <math.h>
#include <string.h>

#include <glib/gi18n.h>

#include "cli-size.h"

typedef struct {
  const char *name;
  double factor;
} Unit;

/* A number (digits, one optional '.'), spaces, then a unit from units (an
 * empty unit allowed when allow_bare). */
static gboolean
parse_scaled (const char *s, const Unit *units, gboolean allow_bare, double max, double *out)
{
  const char *p = s;
  g_autofree char *num = NULL;
  char *end = NULL;
  double v;

  while (g_ascii_isdigit (*p) || *p == '.')
    p++;
  if (p == s)
    return FALSE;
  num = g_strndup (s, (gsize) (p - s));
  v = g_ascii_strtod (num, &end);
  if (end == NULL || *end != '\0' || !isfinite (v) || v < 0)
    return FALSE;
  while (*p == ' ')
    p++;
  if (*p == '\0')
    {
      if (!allow_bare || strchr (num, '.') != NULL)
        return FALSE;
      *out = v;
      return v <= max;
    }
  for (const Unit *u = units; u->name != NULL; u++)
    if (g_ascii_strcasecmp (p, u->name) == 0 && strcmp (p, u->name) == 0)
      {
        v *= u->factor;
        if (v > max)
          return FALSE;
        *out = v;
        return TRUE;
      }
  return FALSE;
}

gboolean
cli_size_parse (const char *s, guint64 *bytes_out, GError **error)
{
  static const Unit units[] = {
    { "B", 1 },
    { "KiB", 1024.0 }, { "MiB", 1024.0 * 1024 }, { "GiB", 1024.0 * 1024 * 1024 },
    { "TiB", 1024.0 * 1024 * 1024 * 1024 },
    { "kB", 1e3 }, { "KB", 1e3 }, { "MB", 1e6 }, { "GB", 1e9 }, { "TB", 1e12 },
    { NULL, 0 },
  };
  double v;

  g_return_val_if_fail (s != NULL && bytes_out != NULL, FALSE);
  /* 2^63: far beyond any disk, and exact in a double */
  if (!parse_scaled (s, units, TRUE, 9223372036854775808.0, &v))
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                   _("“%s” is not a size (use e.g. 512MiB, 50GiB, 1TB)"), s);
      return FALSE;
    }
  *bytes_out = (guint64) llround (v);
  return TRUE;
}

gboolean
cli_age_parse (const char *s, gint64 *ns_out, GError **error)
{
  static const Unit units[] = {
    { "s", 1e9 }, { "m", 60e9 }, { "h", 3600e9 }, { "d", 86400e9 }, { "w", 7 * 86400e9 },
    { NULL, 0 },
  };
  double v;

  g_return_val_if_fail (s != NULL && ns_out != NULL, FALSE);
  if (!parse_scaled (s, units, FALSE, 9.2e18, &v) || v < 1)
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                   _("“%s” is not an age (use e.g. 7d, 12h, 90m, 2w)"), s);
      return FALSE;
    }
  *ns_out = (gint64) llround (v);
  return TRUE;
}
