/* nats-publish-reordered.c: publishes a native NDJSON trace to JetStream as
 * `actorscope publish` does (batches with Nats-Msg-Id, Actorscope-Producer
 * and Actorscope-Batch), but in a scrambled order, the way resends and
 * redeliveries bring them: the batches of every block of 8 in reverse.
 * Optionally one batch is never published (a gap the collector must give
 * up on). For test-nats-order.sh.
 *
 *   nats-publish-reordered URL SUBJECT PRODUCER TRACE BATCH-LINES [SKIP-BATCH]
 *
 * Prints the number of lines published. Exit status 1 on any failure.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <nats/nats.h>

#define BLOCK 8

static int
publish (jsCtx *js, const char *subject, const char *producer, unsigned long batch,
         const char *data, size_t len)
{
  natsMsg *m = NULL;
  jsPubAck *pa = NULL;
  jsErrCode jerr = 0;
  char id[160], n[32];
  natsStatus s;

  snprintf (id, sizeof id, "%s-%lu", producer, batch);
  snprintf (n, sizeof n, "%lu", batch);
  s = natsMsg_Create (&m, subject, NULL, data, (int) len);
  if (s == NATS_OK)
    s = natsMsgHeader_Set (m, "Nats-Msg-Id", id);
  if (s == NATS_OK)
    s = natsMsgHeader_Set (m, "Actorscope-Producer", producer);
  if (s == NATS_OK)
    s = natsMsgHeader_Set (m, "Actorscope-Batch", n);
  if (s == NATS_OK)
    s = js_PublishMsg (&pa, js, m, NULL, &jerr);
  jsPubAck_Destroy (pa);
  natsMsg_Destroy (m);
  if (s != NATS_OK)
    fprintf (stderr, "nats-publish-reordered: batch %lu: %s (%d)\n", batch,
             natsStatus_GetText (s), (int) jerr);
  return s == NATS_OK;
}

int
main (int argc, char **argv)
{
  natsConnection *nc = NULL;
  jsCtx *js = NULL;
  FILE *in;
  char **batches = NULL;
  size_t *sizes = NULL, n_batches = 0, cap = 0, lines_in = 0;
  unsigned long per, skip = (unsigned long) -1, published = 0;
  char *line = NULL;
  size_t line_cap = 0;
  ssize_t len;
  int ok = 1;

  if (argc < 6 || argc > 7)
    {
      fprintf (stderr, "usage: nats-publish-reordered URL SUBJECT PRODUCER TRACE BATCH-LINES "
               "[SKIP-BATCH]\n");
      return 2;
    }
  per = strtoul (argv[5], NULL, 10);
  if (argc == 7)
    skip = strtoul (argv[6], NULL, 10);
  if (per == 0 || (in = fopen (argv[4], "rb")) == NULL)
    {
      perror (argv[4]);
      return 2;
    }
  /* Cuts the trace into batches of per lines (each string owned). */
  while ((len = getline (&line, &line_cap, in)) > 0)
    {
      if (lines_in % per == 0)
        {
          if (n_batches == cap)
            {
              cap = cap ? 2 * cap : 64;
              batches = realloc (batches, cap * sizeof *batches);
              sizes = realloc (sizes, cap * sizeof *sizes);
              if (batches == NULL || sizes == NULL)
                return 2;
            }
          batches[n_batches] = NULL;
          sizes[n_batches++] = 0;
        }
      batches[n_batches - 1] = realloc (batches[n_batches - 1], sizes[n_batches - 1] + (size_t) len);
      if (batches[n_batches - 1] == NULL)
        return 2;
      memcpy (batches[n_batches - 1] + sizes[n_batches - 1], line, (size_t) len);
      sizes[n_batches - 1] += (size_t) len;
      lines_in++;
    }
  fclose (in);
  free (line);

  if (natsConnection_ConnectTo (&nc, argv[1]) != NATS_OK
      || natsConnection_JetStream (&js, nc, NULL) != NATS_OK)
    {
      fprintf (stderr, "nats-publish-reordered: cannot connect to %s\n", argv[1]);
      return 1;
    }
  for (size_t block = 0; block < n_batches && ok; block += BLOCK)
    for (size_t k = 0; k < BLOCK && ok; k++)
      {
        size_t i = block + BLOCK - 1 - k;
        if (i >= n_batches)
          continue;
        if (i == skip)
          continue;
        ok = publish (js, argv[2], argv[3], (unsigned long) i, batches[i], sizes[i]);
        for (size_t c = 0; ok && c < sizes[i]; c++)
          published += batches[i][c] == '\n';
      }
  for (size_t i = 0; i < n_batches; i++)
    free (batches[i]);
  free (batches);
  free (sizes);
  jsCtx_Destroy (js);
  natsConnection_Destroy (nc);
  nats_Close ();
  printf ("%lu\n", published);
  return ok ? 0 : 1;
}
