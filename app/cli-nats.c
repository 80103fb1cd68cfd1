/* cli-nats.c: NATS credentials for `serve --nats` and `publish`. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include <glib/gi18n.h>
#include <glib/gstdio.h>

#include "cli-nats.h"

static void
clear_secret (char **s)
{
  if (*s != NULL)
    memset (*s, 0, strlen (*s));
  g_clear_pointer (s, g_free);
}

void
cli_nats_auth_clear (CliNatsAuth *auth)
{
  g_clear_pointer (&auth->user, g_free);
  clear_secret (&auth->password);
  clear_secret (&auth->token);
  g_clear_pointer (&auth->creds_file, g_free);
}

/* The lines of a secrets file; warns when others can read it. */
static char **
read_secret_lines (const char *command, const char *option, const char *path, char **message)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;
  GStatBuf st;
  char **lines;

  if (!g_file_get_contents (path, &text, NULL, &error))
    {
      *message = g_strdup_printf ("%s: %s", option, error->message);
      return NULL;
    }
  if (g_stat (path, &st) == 0 && (st.st_mode & 0077) != 0)
    fprintf (stderr, _("actorscope %s: warning: %s can be read by other users (chmod 600 it)\n"),
             command, option);
  lines = g_strsplit_set (text, "\r\n", -1);
  memset (text, 0, strlen (text));
  if (lines[0] == NULL || lines[0][0] == '\0')
    {
      g_strfreev (lines);
      *message = g_strdup_printf (_("%s: the first line is empty"), option);
      return NULL;
    }
  return lines;
}

gboolean
cli_nats_auth_resolve (const char *command, const char *url, const char *user_file,
                       const char *token_file, const char *creds, CliNatsAuth *out,
                       char **message)
{
  memset (out, 0, sizeof *out);
  /* nats://user:password@host puts the secret in ps for every local user. */
  if (url != NULL && strchr (url, '@') != NULL)
    fprintf (stderr, _("actorscope %s: warning: credentials in the --nats URL are visible to "
                       "every local user (ps); use --nats-user-file, --nats-token-file, "
                       "--nats-creds or NATS_USER/NATS_PASSWORD/NATS_TOKEN/NATS_CREDS\n"),
             command);
  if (user_file != NULL)
    {
      char **lines = read_secret_lines (command, "--nats-user-file", user_file, message);
      if (lines == NULL)
        return FALSE;
      out->user = g_strdup (lines[0]);
      out->password = g_strdup (lines[1] != NULL ? lines[1] : "");
      for (guint i = 0; lines[i] != NULL; i++)
        memset (lines[i], 0, strlen (lines[i]));
      g_strfreev (lines);
    }
  else if (g_getenv ("NATS_USER") != NULL)
    {
      out->user = g_strdup (g_getenv ("NATS_USER"));
      out->password = g_strdup (g_getenv ("NATS_PASSWORD") != NULL ? g_getenv ("NATS_PASSWORD") : "");
    }
  if (token_file != NULL)
    {
      char **lines = read_secret_lines (command, "--nats-token-file", token_file, message);
      if (lines == NULL)
        {
          cli_nats_auth_clear (out);
          return FALSE;
        }
      out->token = g_strdup (lines[0]);
      for (guint i = 0; lines[i] != NULL; i++)
        memset (lines[i], 0, strlen (lines[i]));
      g_strfreev (lines);
    }
  else if (g_getenv ("NATS_TOKEN") != NULL && *g_getenv ("NATS_TOKEN") != '\0')
    out->token = g_strdup (g_getenv ("NATS_TOKEN"));
  if (creds != NULL)
    out->creds_file = g_strdup (creds);
  else if (g_getenv ("NATS_CREDS") != NULL && *g_getenv ("NATS_CREDS") != '\0')
    out->creds_file = g_strdup (g_getenv ("NATS_CREDS"));
  if (out->creds_file != NULL && !g_file_test (out->creds_file, G_FILE_TEST_IS_REGULAR))
    {
      *message = g_strdup_printf (_("--nats-creds: %s: no such file"), out->creds_file);
      cli_nats_auth_clear (out);
      return FALSE;
    }
  return TRUE;
}

IngestNatsAuth
cli_nats_auth_view (const CliNatsAuth *auth)
{
  IngestNatsAuth view = { auth->user, auth->password, auth->token, auth->creds_file };
  return view;
}
