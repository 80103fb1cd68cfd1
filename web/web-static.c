/* web-static.c: static files under one root, path traversal impossible. */
#include "config.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "web-static.h"

static const struct {
  const char *ext, *mime;
} mimes[] = {
  { ".html", "text/html; charset=utf-8" },
  { ".css", "text/css; charset=utf-8" },
  { ".js", "text/javascript; charset=utf-8" },
  { ".svg", "image/svg+xml" },
  { ".png", "image/png" },
  { ".ico", "image/x-icon" },
  { ".json", "application/json" },
  { ".md", "text/plain; charset=utf-8" },
};

const char *
web_static_mime (const char *path)
{
  g_return_val_if_fail (path != NULL, NULL);

  for (guint i = 0; i < G_N_ELEMENTS (mimes); i++)
    if (g_str_has_suffix (path, mimes[i].ext))
      return mimes[i].mime;
  return "application/octet-stream";
}

static gboolean
segment_ok (const char *seg, gsize len)
{
  if (len == 0 || seg[0] == '.')
    return FALSE;
  for (gsize i = 0; i < len; i++)
    if (!g_ascii_isalnum (seg[i]) && seg[i] != '.' && seg[i] != '_' && seg[i] != '-')
      return FALSE;
  return TRUE;
}

char *
web_static_resolve (const char *root, const char *uri_path, const char **mime, GError **error)
{
  g_autofree char *joined = NULL;
  g_autofree char *real = NULL;
  const char *p;
  gsize root_len;

  g_return_val_if_fail (root != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  root_len = strlen (root);
  if (uri_path == NULL || uri_path[0] != '/' || strlen (uri_path) > 512)
    goto refused;
  if (strcmp (uri_path, "/") == 0)
    uri_path = "/index.html";
  /* Every segment checked before touching the filesystem. */
  p = uri_path + 1;
  while (*p != '\0')
    {
      const char *slash = strchr (p, '/');
      gsize len = slash != NULL ? (gsize) (slash - p) : strlen (p);
      if (!segment_ok (p, len))
        goto refused;
      p += len;
      if (*p == '/')
        p++;
    }
  joined = g_build_filename (root, uri_path + 1, NULL);
  real = realpath (joined, NULL);
  if (real == NULL)
    {
      g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_NOENT, "not found");
      return NULL;
    }
  /* Symlinks inside the root must not lead outside it. */
  if (strncmp (real, root, root_len) != 0 || real[root_len] != '/' ||
      !g_file_test (real, G_FILE_TEST_IS_REGULAR))
    goto refused;
  if (mime != NULL)
    *mime = web_static_mime (real);
  return g_steal_pointer (&real);

refused:
  g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_ACCES, "forbidden path");
  return NULL;
}
