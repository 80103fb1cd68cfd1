/* cli-publish.c: `actorscope publish --nats URL --subject S [TRACE|-]`:
 * native NDJSON lines from a file, a pipe or a growing file (--follow) to a
 * JetStream stream, a batch of whole lines per message
 * (data/formats/nats.md has the wire form).
 *
 * Every message carries a Nats-Msg-Id (PREFIX-N): the server drops a second
 * copy within the stream's duplicate window, so resending a message whose
 * ack was lost (a node went away, a leader election) never duplicates its
 * events. At most --max-inflight messages wait for their acks; the end of
 * input waits for every ack (resending what has none) before exiting.
 *
 * Resends can land behind later messages in the stream, so every message
 * also carries Actorscope-Producer (PREFIX) and Actorscope-Batch (N): the
 * collector applies each producer's batches in N order, which pairing
 * needs. Resends go out in N order, so the collector rarely has to wait.
 * Front-end code: it prints (escaped) and picks exit codes.
 */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <nats/nats.h>
#include <glib/gi18n.h>

#include "cli-common.h"
#include "cli-nats.h"
#include "cli-publish.h"
#include "ingest-source-nats.h"

/* Give up on a message after this long without a positive ack. */
#define PUBLISH_DEADLINE_US (120 * G_USEC_PER_SEC)

typedef struct {
  gint64 start_us;
  GMutex lock;
  GPtrArray *retry;          /* natsMsg * whose publish failed: sent again */
  guint64 acked_msgs, acked_events, duplicates, failures;
  char *last_error;
} PublishAcks;

static volatile sig_atomic_t publish_stop;

static void
on_stop_signal (int sig)
{
  (void) sig;
  publish_stop = 1;
}

static guint64
count_lines (const char *data, int len)
{
  guint64 n = 0;
  const char *p = data, *end = data + len;

  while (p < end && (p = memchr (p, '\n', (size_t) (end - p))) != NULL)
    n++, p++;
  return n;
}

/* Called by the library's thread for every ack or failure. */
static void
on_ack (jsCtx *js, natsMsg *msg, jsPubAck *pa, jsPubAckErr *pae, void *closure)
{
  PublishAcks *acks = closure;

  (void) js;
  g_mutex_lock (&acks->lock);
  if (pa != NULL)
    {
      acks->acked_msgs++;
      acks->acked_events += count_lines (natsMsg_GetData (msg), natsMsg_GetDataLength (msg));
      if (pa->Duplicate)
        acks->duplicates++;
      natsMsg_Destroy (msg);
    }
  else
    {
      acks->failures++;
      g_free (acks->last_error);
      acks->last_error = g_strdup (pae != NULL && pae->ErrText != NULL ? pae->ErrText : "no ack");
      g_ptr_array_add (acks->retry, msg);  /* same headers, same Nats-Msg-Id */
    }
  g_mutex_unlock (&acks->lock);
}

/* Takes back the messages still waiting for an ack after waiting wait_ms:
 * they are sent again (the server drops the copies it already has). */
static void
reclaim_pending (jsCtx *js, PublishAcks *acks, gint64 wait_ms)
{
  jsPubOptions po;
  natsMsgList pending = { 0 };

  jsPubOptions_Init (&po);
  po.MaxWait = wait_ms;
  if (js_PublishAsyncComplete (js, &po) != NATS_TIMEOUT)
    return;
  if (js_PublishAsyncGetPendingList (&pending, js) != NATS_OK)
    return;
  g_mutex_lock (&acks->lock);
  for (int i = 0; i < pending.Count; i++)
    {
      g_ptr_array_add (acks->retry, pending.Msgs[i]);
      pending.Msgs[i] = NULL;
    }
  g_mutex_unlock (&acks->lock);
  natsMsgList_Destroy (&pending);
}

/* Publishes *msg (taken), waiting while --max-inflight messages have no
 * ack. FALSE when it still fails after PUBLISH_DEADLINE_US. */
static gboolean
send_msg (jsCtx *js, PublishAcks *acks, natsMsg **msg, GString *why)
{
  gint64 deadline = g_get_monotonic_time () + PUBLISH_DEADLINE_US;

  for (;;)
    {
      natsStatus s = js_PublishMsgAsync (js, msg, NULL);
      if (s == NATS_OK)
        return TRUE;
      if (g_get_monotonic_time () > deadline)
        {
          g_string_assign (why, natsStatus_GetText (s));
          natsMsg_Destroy (*msg);
          *msg = NULL;
          return FALSE;
        }
      if (s == NATS_TIMEOUT)
        reclaim_pending (js, acks, 2000);  /* stalled: acks lost with a node? */
      else
        g_usleep (100 * 1000);  /* disconnected and the buffer full: wait */
    }
}

static guint64
message_batch (natsMsg *m)
{
  const char *v = NULL;

  if (natsMsgHeader_Get (m, "Actorscope-Batch", &v) != NATS_OK || v == NULL)
    return 0;
  return g_ascii_strtoull (v, NULL, 10);
}

static int
compare_batch (gconstpointer a, gconstpointer b)
{
  guint64 x = message_batch (*(natsMsg *const *) a), y = message_batch (*(natsMsg *const *) b);

  return x < y ? -1 : x > y;
}

/* Sends the failed and reclaimed messages again, oldest batch first. */
static gboolean
resend_failed (jsCtx *js, PublishAcks *acks, GString *why)
{
  g_autoptr(GPtrArray) again = NULL;

  g_mutex_lock (&acks->lock);
  if (acks->retry->len > 0)
    {
      again = acks->retry;
      acks->retry = g_ptr_array_new ();
    }
  g_mutex_unlock (&acks->lock);
  if (again == NULL)
    return TRUE;
  if (acks->acked_msgs == 0 && g_get_monotonic_time () - acks->start_us > 10 * G_USEC_PER_SEC)
    {
      /* Not one ack in 10 s: most likely no stream takes the subject. */
      g_string_assign (why, "no message acked in 10 s: is there a stream for this subject? "
                       "(serve --nats creates one; so does publish --stream NAME)");
      for (guint i = 0; i < again->len; i++)
        natsMsg_Destroy (g_ptr_array_index (again, i));
      return FALSE;
    }
  /* A failed ack is often a leader election or no responders: give the
   * cluster a moment instead of hammering it. */
  g_usleep (100 * 1000);
  g_ptr_array_sort (again, compare_batch);
  for (guint i = 0; i < again->len; i++)
    {
      natsMsg *m = g_ptr_array_index (again, i);
      if (!send_msg (js, acks, &m, why))
        {
          for (guint j = i + 1; j < again->len; j++)
            natsMsg_Destroy (g_ptr_array_index (again, j));
          return FALSE;
        }
    }
  return TRUE;
}

static gboolean
publish_batch (jsCtx *js, PublishAcks *acks, const char *subject, const char *id_prefix,
               guint64 *n_msgs, GString *batch, GString *why)
{
  natsMsg *m = NULL;
  char id[160], n[32];

  if (batch->len == 0)
    return TRUE;
  g_snprintf (id, sizeof id, "%s-%" G_GUINT64_FORMAT, id_prefix, *n_msgs);
  g_snprintf (n, sizeof n, "%" G_GUINT64_FORMAT, *n_msgs);
  if (natsMsg_Create (&m, subject, NULL, batch->str, (int) batch->len) != NATS_OK
      || natsMsgHeader_Set (m, "Nats-Msg-Id", id) != NATS_OK
      || natsMsgHeader_Set (m, "Actorscope-Producer", id_prefix) != NATS_OK
      || natsMsgHeader_Set (m, "Actorscope-Batch", n) != NATS_OK)
    {
      g_string_assign (why, "out of memory");
      natsMsg_Destroy (m);
      return FALSE;
    }
  (*n_msgs)++;
  g_string_truncate (batch, 0);
  return send_msg (js, acks, &m, why) && resend_failed (js, acks, why);
}

/* The collector orders by producer names of these characters only. */
static gboolean
id_prefix_is_valid (const char *s)
{
  gsize n = strlen (s);

  if (n == 0 || n > 100)
    return FALSE;
  for (const char *p = s; *p; p++)
    if (!g_ascii_isalnum (*p) && strchr ("._:-", *p) == NULL)
      return FALSE;
  return TRUE;
}

static gboolean
subject_is_valid (const char *s)
{
  if (s == NULL || *s == '\0' || *s == '.' || g_str_has_suffix (s, ".") || strstr (s, "..") != NULL)
    return FALSE;
  for (const char *p = s; *p; p++)
    if (*p == '*' || *p == '>' || g_ascii_isspace (*p) || (guchar) *p < 0x20)
      return FALSE;
  return TRUE;
}

int
cli_publish_main (int argc, char **argv)
{
  g_autofree char *url = NULL, *subject = NULL, *id_prefix = NULL, *stream = NULL;
  g_autofree char *user_file = NULL, *token_file = NULL, *creds = NULL, *message = NULL;
  gboolean follow = FALSE, quiet = FALSE;
  gint batch_lines = 1000, max_inflight = 256, stream_replicas = 1;
  gint64 batch_bytes = 256 * 1024;
  const GOptionEntry entries[] = {
    { "nats", 0, 0, G_OPTION_ARG_STRING, &url, N_("NATS server URLs, comma-separated (required)"), "URL" },
    { "subject", 's', 0, G_OPTION_ARG_STRING, &subject, N_("Subject to publish to, e.g. actorscope.SYSTEM.HOST (required)"), "SUBJECT" },
    { "stream", 0, 0, G_OPTION_ARG_STRING, &stream, N_("Create this stream (subjects actorscope.>) when it is missing, as serve --nats does"), "NAME" },
    { "stream-replicas", 0, 0, G_OPTION_ARG_INT, &stream_replicas, N_("Replicas of a stream created by --stream (default 1)"), "N" },
    { "follow", 'f', 0, G_OPTION_ARG_NONE, &follow, N_("At the end of the file, wait for more like tail -f (until SIGINT/SIGTERM)"), NULL },
    { "batch-lines", 0, 0, G_OPTION_ARG_INT, &batch_lines, N_("Most lines per message (default 1000)"), "N" },
    { "batch-bytes", 0, 0, G_OPTION_ARG_INT64, &batch_bytes, N_("Most bytes per message (default 262144; at most the server's max_payload)"), "BYTES" },
    { "max-inflight", 0, 0, G_OPTION_ARG_INT, &max_inflight, N_("Most messages waiting for their ack (default 256)"), "N" },
    { "id-prefix", 0, 0, G_OPTION_ARG_STRING, &id_prefix, N_("Message ids are PREFIX-N, and PREFIX names the producer (default: host, process and a random part)"), "PREFIX" },
    { "nats-user-file", 0, 0, G_OPTION_ARG_FILENAME, &user_file, N_("NATS user (first line) and password (second line) from this file (else NATS_USER, NATS_PASSWORD)"), "PATH" },
    { "nats-token-file", 0, 0, G_OPTION_ARG_FILENAME, &token_file, N_("NATS token from the first line of this file (else NATS_TOKEN)"), "PATH" },
    { "nats-creds", 0, 0, G_OPTION_ARG_FILENAME, &creds, N_("NATS credentials file (JWT and seed; else NATS_CREDS)"), "PATH" },
    { "quiet", 'q', 0, G_OPTION_ARG_NONE, &quiet, N_("Print nothing but errors"), NULL },
    G_OPTION_ENTRY_NULL
  };
  g_autoptr(GOptionContext) octx = g_option_context_new (_("[TRACE|-]"));
  g_autoptr(GError) error = NULL;
  g_auto(CliNatsAuth) auth = { 0 };
  g_autoptr(GString) batch = g_string_new (NULL);
  g_autoptr(GString) why = g_string_new (NULL);
  g_autoptr(GString) partial = g_string_new (NULL);
  IngestNatsAuth view;
  PublishAcks acks = { 0 };
  natsOptions *nopts = NULL;
  natsConnection *nc = NULL;
  jsCtx *js = NULL;
  jsOptions jo;
  const char *path = "-";
  FILE *in = NULL;
  char *line = NULL;
  size_t line_cap = 0;
  guint64 n_lines = 0, n_msgs = 0, n_too_long = 0, lineno = 0;
  guint in_batch = 0;
  int exit_code = CLI_EXIT_OK;
  gint64 deadline;
  natsStatus s;

  cli_set_subcommand ("publish");
  g_option_context_set_summary (octx, _("Publish a native NDJSON trace (a file, standard input or a growing file) to a NATS JetStream stream, a batch of lines per message, for `actorscope serve --nats` collectors."));
  g_option_context_add_main_entries (octx, entries, GETTEXT_PACKAGE);
  if (!g_option_context_parse (octx, &argc, &argv, &error))
    return cli_usage_error ("publish", error->message);
  if (argc > 2)
    return cli_usage_error ("publish", _("give one TRACE file, or - for standard input"));
  if (argc == 2)
    path = argv[1];
  if (url == NULL || subject == NULL)
    return cli_usage_error ("publish", _("--nats URL and --subject SUBJECT are required"));
  if (!subject_is_valid (subject))
    return cli_usage_error ("publish", _("--subject must be a NATS subject without wildcards "
                                         "or spaces, e.g. actorscope.shop.host1"));
  if (batch_lines < 1 || batch_bytes < 1024 || batch_bytes > 64 * 1024 * 1024
      || max_inflight < 1 || max_inflight > 65536)
    return cli_usage_error ("publish", _("a numeric option is out of range"));
  if (stream != NULL && !ingest_nats_name_is_valid (stream))
    return cli_usage_error ("publish", _("--stream must be 1 to 64 letters, digits, '-' or '_'"));
  if (stream_replicas < 1 || stream_replicas > 5)
    return cli_usage_error ("publish", _("--stream-replicas must be 1 to 5"));
  if (id_prefix != NULL && !id_prefix_is_valid (id_prefix))
    return cli_usage_error ("publish", _("--id-prefix must be 1 to 100 letters, digits, '.', "
                                         "'_', ':' or '-'"));
  if (!cli_nats_auth_resolve ("publish", url, user_file, token_file, creds, &auth, &message))
    return cli_usage_error ("publish", message);
  if (id_prefix == NULL)
    {
      g_autofree char *host = g_strndup (g_get_host_name (), 64);
      for (char *p = host; *p; p++)
        if (!g_ascii_isalnum (*p) && strchr ("._:-", *p) == NULL)
          *p = '_';
      id_prefix = g_strdup_printf ("%s-%d-%08x", host, (int) getpid (), g_random_int ());
    }

  if (strcmp (path, "-") == 0)
    in = stdin;
  else if ((in = fopen (path, "rb")) == NULL)
    {
      g_autofree char *p = cli_escape (path, -1);
      fprintf (stderr, "actorscope publish: %s: %s\n", p, g_strerror (errno));
      return CLI_EXIT_RUNTIME;
    }

  view = cli_nats_auth_view (&auth);
  nopts = ingest_nats_options_new (url, &view, &error);
  if (nopts == NULL)
    {
      if (in != stdin)
        fclose (in);
      return cli_usage_error ("publish", error->message);
    }
  /* The first connection: retried for a while (a cluster still starting). */
  deadline = g_get_monotonic_time () + 30 * G_USEC_PER_SEC;
  while ((s = natsConnection_Connect (&nc, nopts)) != NATS_OK)
    {
      if (s == NATS_CONNECTION_AUTH_FAILED || s == NATS_NOT_PERMITTED
          || g_get_monotonic_time () > deadline)
        {
          g_autofree char *u = cli_escape (url, -1);
          fprintf (stderr, "actorscope publish: %s: %s\n", u, natsStatus_GetText (s));
          natsOptions_Destroy (nopts);
          if (in != stdin)
            fclose (in);
          return CLI_EXIT_RUNTIME;
        }
      g_usleep (250 * 1000);
    }
  natsOptions_Destroy (nopts);

  g_mutex_init (&acks.lock);
  acks.retry = g_ptr_array_new ();
  jsOptions_Init (&jo);
  jo.PublishAsync.MaxPending = max_inflight;
  jo.PublishAsync.AckHandler = on_ack;
  jo.PublishAsync.AckHandlerClosure = &acks;
  jo.PublishAsync.StallWait = 1000;
  natsConnection_JetStream (&js, nc, &jo);
  acks.start_us = g_get_monotonic_time ();
  if (stream != NULL)
    {
      g_autofree char *created = NULL;
      if (!ingest_nats_ensure_stream (js, stream, NULL, stream_replicas, 0, &created, &error))
        {
          g_string_assign (why, error->message);
          goto failed;
        }
      if (created != NULL && !quiet)
        fprintf (stderr, "actorscope publish: %s\n", created);
    }

  signal (SIGINT, on_stop_signal);
  signal (SIGTERM, on_stop_signal);
  signal (SIGPIPE, SIG_IGN);

  while (!publish_stop)
    {
      ssize_t len = getline (&line, &line_cap, in);
      if (len < 0)
        {
          if (!follow || ferror (in))
            break;
          /* --follow: the end for now; keep a partial last line. */
          clearerr (in);
          if (in_batch > 0 && !publish_batch (js, &acks, subject, id_prefix, &n_msgs, batch, why))
            goto failed;
          in_batch = 0;
          if (!resend_failed (js, &acks, why))
            goto failed;
          g_usleep (100 * 1000);
          continue;
        }
      if (line[len - 1] != '\n')
        {
          if (follow)
            {
              g_string_append_len (partial, line, len);
              continue;
            }
          /* The last line of a file without a newline is a line. */
        }
      if (partial->len > 0)
        {
          g_string_append_len (partial, line, len);
          g_free (line);
          line_cap = partial->allocated_len;
          len = (ssize_t) partial->len;
          line = g_string_free (g_steal_pointer (&partial), FALSE);
          partial = g_string_new (NULL);
        }
      lineno++;
      while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
        len--;
      if (len == 0)
        continue;
      if ((gint64) len + 1 > batch_bytes)
        {
          /* One line larger than a message: the collector could not take
           * it either (its line bound); said once, counted. */
          if (n_too_long++ == 0)
            {
              g_autofree char *p = cli_escape (path, -1);
              fprintf (stderr, _("actorscope publish: %s:%" G_GUINT64_FORMAT ": a line of %zd bytes "
                                 "is larger than --batch-bytes; skipped\n"), p, lineno, len);
            }
          continue;
        }
      if ((gint64) (batch->len + (gsize) len + 1) > batch_bytes || in_batch >= (guint) batch_lines)
        {
          if (!publish_batch (js, &acks, subject, id_prefix, &n_msgs, batch, why))
            goto failed;
          in_batch = 0;
        }
      g_string_append_len (batch, line, len);
      g_string_append_c (batch, '\n');
      in_batch++;
      n_lines++;
    }
  if (!publish_batch (js, &acks, subject, id_prefix, &n_msgs, batch, why))
    goto failed;

  /* Every ack, resending what has none, up to the deadline. */
  deadline = g_get_monotonic_time () + PUBLISH_DEADLINE_US;
  for (;;)
    {
      gboolean all;
      if (!resend_failed (js, &acks, why))
        goto failed;
      reclaim_pending (js, &acks, 2000);
      g_mutex_lock (&acks.lock);
      all = acks.retry->len == 0 && acks.acked_msgs >= n_msgs;
      g_mutex_unlock (&acks.lock);
      if (all)
        break;
      if (g_get_monotonic_time () > deadline)
        {
          g_string_assign (why, "no ack within the deadline");
          goto failed;
        }
    }
  goto done;

failed:
  {
    g_autofree char *w = cli_escape (why->str, -1);
    g_autofree char *last = acks.last_error != NULL ? cli_escape (acks.last_error, -1) : NULL;
    fprintf (stderr, _("actorscope publish: error: %s (last server error: %s); %" G_GUINT64_FORMAT
                       " of %" G_GUINT64_FORMAT " messages acked\n"),
             w, last != NULL ? last : "none", acks.acked_msgs, n_msgs);
    exit_code = CLI_EXIT_RUNTIME;
  }
done:
  if (exit_code == CLI_EXIT_OK && !quiet)
    fprintf (stderr, _("actorscope publish: %" G_GUINT64_FORMAT " lines in %" G_GUINT64_FORMAT
                       " messages acked (%" G_GUINT64_FORMAT " resent, %" G_GUINT64_FORMAT
                       " duplicates dropped by the server, %" G_GUINT64_FORMAT
                       " lines too long)\n"),
             acks.acked_events, acks.acked_msgs, acks.failures, acks.duplicates, n_too_long);
  if (exit_code == CLI_EXIT_OK && acks.acked_events != n_lines)
    {
      /* Duplicates are acked too: a message acked twice is counted twice. */
      if (acks.acked_events < n_lines)
        exit_code = CLI_EXIT_RUNTIME;
    }
  jsCtx_Destroy (js);
  natsConnection_Close (nc);
  natsConnection_Destroy (nc);
  g_mutex_lock (&acks.lock);
  for (guint i = 0; i < acks.retry->len; i++)
    natsMsg_Destroy (g_ptr_array_index (acks.retry, i));
  g_ptr_array_unref (acks.retry);
  g_mutex_unlock (&acks.lock);
  g_mutex_clear (&acks.lock);
  g_free (acks.last_error);
  free (line);
  if (in != stdin)
    fclose (in);
  return exit_code;
}
