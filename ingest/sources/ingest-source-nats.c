/* ingest-source-nats.c: the JetStream collector (see ingest-source-nats.h
 * for the exactly-once rule and the threading). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <nats/nats.h>
#include <glib/gstdio.h>

#include "ingest-hash.h"
#include "ingest-log-nats.h"
#include "ingest-source-nats.h"

#define DEFAULT_SUBJECTS "actorscope.>"
#define DEFAULT_DURABLE "actorscope"
#define DEFAULT_MAX_INFLIGHT 1024u
#define DEFAULT_BATCH 256u
#define DEFAULT_MAX_AGE_NS (G_GINT64_CONSTANT (7) * 24 * 3600 * 1000000000)
/* A redelivery comes after this long without an ack: far above a data
 * directory flush (200 ms), so only real trouble redelivers; short enough
 * that what a killed collector had fetched comes back soon, since the
 * producers' later messages are held until it does (producer order). */
#define ACK_WAIT_NS (G_GINT64_CONSTANT (5) * 1000000000)
#define DUPLICATE_WINDOW_NS (G_GINT64_CONSTANT (120) * 1000000000)
#define FETCH_TIMEOUT_MS 500
/* How often the worker asks for the consumer's ack floor, below which no
 * message is ever delivered again (the done set and journal shrink to it). */
#define FLOOR_INTERVAL_US (10 * G_USEC_PER_SEC)
/* Consecutive failed fetches after which the subscription is made again. */
#define FETCH_ERRORS_RESUBSCRIBE 20

/* Producer order. A producer's messages may reach the stream out of order
 * (a resent message lands after later ones) and reach the collector out of
 * order (what a killed collector or a lost node had fetched comes again
 * after AckWait, behind newer messages). Pairing (a receive after its
 * send, mailbox depth) depends on each producer's order, so messages that
 * carry these headers are applied in batch order per producer: a message
 * ahead of a gap is held until the gap fills, or until the gap has waited
 * GAP_WAIT (then it is skipped, said and counted: a batch never published).
 * Held messages are bounded; beyond the bound the oldest gap is skipped. */
#define PRODUCER_HEADER "Actorscope-Producer"
#define BATCH_HEADER "Actorscope-Batch"
#define MAX_PRODUCER_NAME 100
#define MAX_PRODUCERS 4096
#define HOLD_MAX_MSGS 2048u
#define HOLD_MAX_BYTES ((gsize) 64 << 20)
#define GAP_TICK_MS 250

typedef enum {
  ITEM_MSG,
  ITEM_NOTE,
  ITEM_FLOOR,
  ITEM_FATAL,
  ITEM_CONNECTED,
} ItemKind;

typedef struct {
  ItemKind kind;
  natsMsg *msg;
  IngestSourceNoteLevel level;
  char *text;
  guint64 floor;
  gboolean connected;
} Item;

/* One producer's order (see PRODUCER_HEADER). */
typedef struct {
  char *name;               /* owned; the key of producers */
  guint64 next;             /* the batch to apply next */
  guint64 durable_next;     /* one past the highest batch durable (journaled) */
  GHashTable *held;         /* batch -> Held *, the batches after a gap */
  gint64 gap_since_us;      /* when the current gap began holding; 0: none */
} Producer;

/* A message ahead of its producer's gap: fetched, not in the store, unacked. */
typedef struct {
  natsMsg *msg;
  guint64 sseq, batch;
  Producer *producer;
  gsize bytes;
} Held;

/* A message in the store, not yet acked. */
typedef struct {
  Producer *producer;       /* NULL: a message without producer order */
  guint64 batch;
  guint64 sseq;
  IngestSeq a, b;           /* its store seqs [a, b) */
  natsMsg *msg;             /* the newest delivery (its ack counts) */
  gboolean journaled;
  gboolean ack;             /* FALSE: a strict-mode failure, never acked */
} Pending;

/* What the library's callback thread may touch: the item queue and the
 * wake source. Reference-counted (g_atomic_rc_box), because the library
 * calls back after ingest_nats_source_free has closed the connection: the
 * closed callback, its last one, drops the connection's reference. */
typedef struct {
  GMutex lock;
  gboolean closed;          /* nothing more is posted */
  GAsyncQueue *items;
  GSource *wake;
} Mailbox;

struct _IngestNatsSource {
  IngestStore *store;       /* borrowed */
  IngestSourceHooks hooks;
  IngestNatsOptions opts;   /* strings below are owned copies */
  char *url, *stream, *subjects, *durable, *journal_path;
  IngestNatsAuthCopy auth;
  char *name;               /* "nats:STREAM/DURABLE", for notes */

  GMainContext *context;
  GSource *wake;
  GAsyncQueue *items;       /* Item *, worker (and library threads) -> main */
  Mailbox *mailbox;         /* for the library's callbacks */
  GThread *thread;
  GMutex lock;
  GCond cond;
  gboolean stop_flag;       /* under lock */
  guint inflight;           /* under lock */

  /* Worker-owned until the worker has been joined. */
  natsConnection *nc;
  jsCtx *js;
  natsSubscription *sub;

  /* Main context only. */
  GQueue pending;           /* Pending *, in store order */
  GHashTable *pending_by_seq;
  GHashTable *done;         /* stream seqs stored (above floor) */
  GHashTable *producers;    /* name -> Producer * (owned) */
  GHashTable *held_by_seq;  /* stream seq -> Held * (owned by its producer) */
  guint held_msgs;
  gsize held_bytes;
  gint64 gap_wait_us;       /* under lock: set by the worker from AckWait */
  GSource *gap_tick;
  guint64 floor;
  int journal_fd;
  guint64 journal_lines;
  gboolean stopped;
  IngestNatsStats stats;
};

gboolean
ingest_nats_name_is_valid (const char *name)
{
  gsize n = name != NULL ? strlen (name) : 0;

  if (n == 0 || n > 64)
    return FALSE;
  for (gsize i = 0; i < n; i++)
    if (!g_ascii_isalnum (name[i]) && name[i] != '_' && name[i] != '-')
      return FALSE;
  return TRUE;
}

static char *
nats_error_text (natsStatus s, jsErrCode jerr)
{
  const char *last = nats_GetLastError (NULL);

  if (jerr != 0)
    return g_strdup_printf ("%s (JetStream error %d)",
                            last != NULL && *last ? last : natsStatus_GetText (s), (int) jerr);
  return g_strdup (last != NULL && *last ? last : natsStatus_GetText (s));
}

void
ingest_nats_auth_copy (IngestNatsAuthCopy *copy, const IngestNatsAuth *auth)
{
  g_return_if_fail (copy != NULL);
  copy->user = g_strdup (auth != NULL ? auth->user : NULL);
  copy->password = g_strdup (auth != NULL ? auth->password : NULL);
  copy->token = g_strdup (auth != NULL ? auth->token : NULL);
  copy->creds_file = g_strdup (auth != NULL ? auth->creds_file : NULL);
}

/* Secrets are wiped before they go back to the allocator, so a later
 * heap dump or a reused block does not show them. */
void
ingest_nats_auth_clear (IngestNatsAuthCopy *copy)
{
  g_return_if_fail (copy != NULL);
  if (copy->password != NULL)
    memset (copy->password, 0, strlen (copy->password));
  if (copy->token != NULL)
    memset (copy->token, 0, strlen (copy->token));
  g_clear_pointer (&copy->user, g_free);
  g_clear_pointer (&copy->password, g_free);
  g_clear_pointer (&copy->token, g_free);
  g_clear_pointer (&copy->creds_file, g_free);
}

IngestNatsAuth
ingest_nats_auth_view (const IngestNatsAuthCopy *copy)
{
  IngestNatsAuth auth = { copy->user, copy->password, copy->token, copy->creds_file };
  return auth;
}

gpointer
ingest_nats_options_new (const char *url, const IngestNatsAuth *auth, GError **error)
{
  natsOptions *o = NULL;
  g_auto(GStrv) urls = NULL;
  guint n;
  natsStatus s;

  if (url == NULL || *url == '\0')
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, "no NATS server URL");
      return NULL;
    }
  urls = g_strsplit (url, ",", -1);
  n = g_strv_length (urls);
  for (guint i = 0; i < n; i++)
    g_strstrip (urls[i]);
  if (natsOptions_Create (&o) != NATS_OK)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "out of memory");
      return NULL;
    }
  s = natsOptions_SetServers (o, (const char **) urls, (int) n);
  if (s == NATS_OK)
    s = natsOptions_SetName (o, "actorscope");
  /* Reconnect for ever, quickly: a cluster node going away is routine. */
  if (s == NATS_OK)
    s = natsOptions_SetMaxReconnect (o, -1);
  if (s == NATS_OK)
    s = natsOptions_SetReconnectWait (o, 250);
  if (s == NATS_OK)
    s = natsOptions_SetTimeout (o, 2000);
  if (s == NATS_OK && auth != NULL && (auth->user != NULL || auth->password != NULL))
    s = natsOptions_SetUserInfo (o, auth->user, auth->password);
  if (s == NATS_OK && auth != NULL && auth->token != NULL)
    s = natsOptions_SetToken (o, auth->token);
  if (s == NATS_OK && auth != NULL && auth->creds_file != NULL)
    s = natsOptions_SetUserCredentialsFromFiles (o, auth->creds_file, NULL);
  if (s != NATS_OK)
    {
      g_autofree char *why = nats_error_text (s, 0);
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, "NATS options: %s", why);
      natsOptions_Destroy (o);
      return NULL;
    }
  return o;
}

/* --- from the worker and library threads to the main context --- */

static void
post (IngestNatsSource *self, Item *item)
{
  g_async_queue_push (self->items, item);
  g_source_set_ready_time (self->wake, 0);
}

static void
post_note (IngestNatsSource *self, IngestSourceNoteLevel level, const char *fmt, ...)
  G_GNUC_PRINTF (3, 4);

static void
post_note (IngestNatsSource *self, IngestSourceNoteLevel level, const char *fmt, ...)
{
  Item *item = g_new0 (Item, 1);
  va_list ap;

  va_start (ap, fmt);
  item->kind = ITEM_NOTE;
  item->level = level;
  item->text = g_strdup_vprintf (fmt, ap);
  va_end (ap);
  post (self, item);
}

static void
mailbox_clear (gpointer data)
{
  Mailbox *mb = data;

  g_mutex_clear (&mb->lock);
  g_async_queue_unref (mb->items);
  g_source_unref (mb->wake);
}

static void
mailbox_post (Mailbox *mb, Item *item)
{
  g_mutex_lock (&mb->lock);
  if (!mb->closed)
    {
      g_async_queue_push (mb->items, item);
      g_source_set_ready_time (mb->wake, 0);
      item = NULL;
    }
  g_mutex_unlock (&mb->lock);
  if (item != NULL)
    {
      g_free (item->text);
      g_free (item);
    }
}

static void
on_disconnected (natsConnection *nc, void *closure)
{
  Item *item = g_new0 (Item, 1);

  (void) nc;
  item->kind = ITEM_CONNECTED;
  item->connected = FALSE;
  mailbox_post (closure, item);
}

static void
on_reconnected (natsConnection *nc, void *closure)
{
  Item *item = g_new0 (Item, 1);
  char url[256] = "";

  natsConnection_GetConnectedUrl (nc, url, sizeof url);
  item->kind = ITEM_CONNECTED;
  item->connected = TRUE;
  item->text = g_strdup (url);
  mailbox_post (closure, item);
}

static void
on_async_error (natsConnection *nc, natsSubscription *sub, natsStatus err, void *closure)
{
  Item *item = g_new0 (Item, 1);

  (void) nc;
  (void) sub;
  item->kind = ITEM_NOTE;
  item->level = INGEST_SOURCE_NOTE_WARNING;
  item->text = g_strdup (natsStatus_GetText (err));
  mailbox_post (closure, item);
}

/* The library's last callback for a connection. */
static void
on_closed (natsConnection *nc, void *closure)
{
  (void) nc;
  g_atomic_rc_box_release_full (closure, mailbox_clear);
}

static gboolean
worker_should_stop (IngestNatsSource *self)
{
  gboolean stop;

  g_mutex_lock (&self->lock);
  stop = self->stop_flag;
  g_mutex_unlock (&self->lock);
  return stop;
}

/* Sleeps ms unless stopped meanwhile. */
static void
worker_sleep (IngestNatsSource *self, guint ms)
{
  gint64 end = g_get_monotonic_time () + (gint64) ms * 1000;

  g_mutex_lock (&self->lock);
  while (!self->stop_flag && g_cond_wait_until (&self->cond, &self->lock, end))
    ;
  g_mutex_unlock (&self->lock);
}

gboolean
ingest_nats_ensure_stream (gpointer js, const char *stream, const char *subjects, int replicas,
                           gint64 max_age_ns, char **created, GError **error)
{
  jsStreamInfo *si = NULL;
  jsErrCode jerr = 0;
  natsStatus s;

  *created = NULL;
  s = js_GetStreamInfo (&si, js, stream, NULL, &jerr);
  if (s == NATS_NOT_FOUND)
    {
      jsStreamConfig cfg;
      const char *subj[1] = { subjects != NULL ? subjects : DEFAULT_SUBJECTS };

      jsStreamConfig_Init (&cfg);
      cfg.Name = stream;
      cfg.Subjects = subj;
      cfg.SubjectsLen = 1;
      cfg.Storage = js_FileStorage;
      cfg.Retention = js_LimitsPolicy;
      cfg.Discard = js_DiscardOld;
      cfg.Replicas = replicas > 0 ? replicas : 1;
      cfg.MaxAge = max_age_ns > 0 ? max_age_ns : DEFAULT_MAX_AGE_NS;
      /* JetStream refuses a duplicate window longer than MaxAge. */
      cfg.Duplicates = MIN (DUPLICATE_WINDOW_NS, cfg.MaxAge);
      jerr = 0;
      s = js_AddStream (&si, js, &cfg, NULL, &jerr);
      if (s == NATS_OK)
        *created = g_strdup_printf ("created stream %s (subjects %s, file storage, %d "
                                    "replica(s), max age %" G_GINT64_FORMAT " s, duplicate "
                                    "window %" G_GINT64_FORMAT " s)", stream, subj[0],
                                    (int) cfg.Replicas, cfg.MaxAge / 1000000000,
                                    cfg.Duplicates / 1000000000);
    }
  jsStreamInfo_Destroy (si);
  if (s != NATS_OK)
    {
      g_autofree char *text = nats_error_text (s, jerr);
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "stream %s: %s", stream, text);
      return FALSE;
    }
  return TRUE;
}

/* A gap waits for two AckWaits (a message fetched by a collector that
 * died comes again after one) and a margin. */
static void
worker_set_ack_wait (IngestNatsSource *self, gint64 ack_wait_ns)
{
  g_mutex_lock (&self->lock);
  self->gap_wait_us = 2 * (ack_wait_ns / 1000) + 2 * G_USEC_PER_SEC;
  g_mutex_unlock (&self->lock);
}

/* Creates the stream when it is missing, then binds to the durable
 * consumer, creating it with our configuration when it is missing. */
static gboolean
worker_subscribe (IngestNatsSource *self, char **why)
{
  jsConsumerInfo *ci = NULL;
  jsErrCode jerr = 0;
  jsSubOptions so;
  natsStatus s;
  g_autoptr(GError) error = NULL;
  g_autofree char *created = NULL;

  if (!ingest_nats_ensure_stream (self->js, self->stream, self->subjects, self->opts.replicas,
                                  self->opts.max_age_ns, &created, &error))
    {
      *why = g_strdup (error->message);
      return FALSE;
    }
  if (created != NULL)
    post_note (self, INGEST_SOURCE_NOTE_INFO, "%s", created);

  jsSubOptions_Init (&so);
  so.Stream = self->stream;
  jerr = 0;
  s = js_GetConsumerInfo (&ci, self->js, self->stream, self->durable, NULL, &jerr);
  if (s == NATS_OK)
    {
      /* Bind as it is: its position is the point of a durable. */
      if (self->opts.since_ns != 0)
        post_note (self, INGEST_SOURCE_NOTE_INFO,
                   "consumer %s exists: it goes on from where it is (the start time applies "
                   "to a new consumer only)", self->durable);
      so.Consumer = self->durable;
      if (ci->Config != NULL && ci->Config->AckWait > 0)
        worker_set_ack_wait (self, ci->Config->AckWait);
      jsConsumerInfo_Destroy (ci);
    }
  else if (s != NATS_NOT_FOUND)
    {
      g_autofree char *text = nats_error_text (s, jerr);
      *why = g_strdup_printf ("consumer %s: %s", self->durable, text);
      return FALSE;
    }
  else
    {
      so.Config.Durable = self->durable;
      so.Config.AckPolicy = js_AckExplicit;
      so.Config.AckWait = ACK_WAIT_NS;
      worker_set_ack_wait (self, ACK_WAIT_NS);
      so.Config.MaxDeliver = -1;
      so.Config.MaxAckPending = (int64_t) self->opts.max_inflight * 4;
      so.Config.FilterSubject = self->subjects;
      if (self->opts.since_ns != 0)
        {
          so.Config.DeliverPolicy = js_DeliverByStartTime;
          so.Config.OptStartTime = self->opts.since_ns;
        }
    }
  jerr = 0;
  s = js_PullSubscribe (&self->sub, self->js, self->subjects, self->durable, NULL, &so, &jerr);
  if (s != NATS_OK)
    {
      g_autofree char *text = nats_error_text (s, jerr);
      *why = g_strdup_printf ("consumer %s: %s", self->durable, text);
      self->sub = NULL;
      return FALSE;
    }
  return TRUE;
}

static void
worker_post_floor (IngestNatsSource *self)
{
  jsConsumerInfo *ci = NULL;

  if (js_GetConsumerInfo (&ci, self->js, self->stream, self->durable, NULL, NULL) == NATS_OK)
    {
      Item *item = g_new0 (Item, 1);
      item->kind = ITEM_FLOOR;
      item->floor = ci->AckFloor.Stream;
      jsConsumerInfo_Destroy (ci);
      post (self, item);
    }
}

static gpointer
worker_main (gpointer data)
{
  IngestNatsSource *self = data;
  guint backoff = 100;
  g_autofree char *last_why = NULL;
  guint fetch_errors = 0;
  gint64 next_floor = g_get_monotonic_time () + FLOOR_INTERVAL_US;

  while (!worker_should_stop (self))
    {
      natsMsgList list = { 0 };
      jsErrCode jerr = 0;
      natsStatus s;
      guint room;

      if (self->nc == NULL)
        {
          g_autoptr(GError) error = NULL;
          IngestNatsAuth auth = ingest_nats_auth_view (&self->auth);
          natsOptions *o = ingest_nats_options_new (self->url, &auth, &error);

          if (o == NULL)
            {
              Item *item = g_new0 (Item, 1);
              item->kind = ITEM_FATAL;
              item->text = g_strdup (error->message);
              post (self, item);
              break;
            }
          natsOptions_SetDisconnectedCB (o, on_disconnected, self->mailbox);
          natsOptions_SetReconnectedCB (o, on_reconnected, self->mailbox);
          natsOptions_SetErrorHandler (o, on_async_error, self->mailbox);
          natsOptions_SetClosedCB (o, on_closed, g_atomic_rc_box_acquire (self->mailbox));
          s = natsConnection_Connect (&self->nc, o);
          natsOptions_Destroy (o);
          if (s != NATS_OK)
            g_atomic_rc_box_release_full (self->mailbox, mailbox_clear);  /* never connected */
          if (s == NATS_CONNECTION_AUTH_FAILED || s == NATS_NOT_PERMITTED)
            {
              Item *item = g_new0 (Item, 1);
              item->kind = ITEM_FATAL;
              item->text = g_strdup_printf ("%s: the server refused the credentials (%s)",
                                            self->url, natsStatus_GetText (s));
              post (self, item);
              self->nc = NULL;
              break;
            }
          if (s != NATS_OK)
            {
              g_autofree char *why = nats_error_text (s, 0);
              self->nc = NULL;
              if (last_why == NULL || strcmp (last_why, why) != 0)
                post_note (self, INGEST_SOURCE_NOTE_WARNING,
                           "cannot connect to %s: %s; retrying", self->url, why);
              g_free (last_why);
              last_why = g_steal_pointer (&why);
              worker_sleep (self, backoff);
              backoff = MIN (backoff * 2, 5000);
              continue;
            }
          natsConnection_JetStream (&self->js, self->nc, NULL);
        }
      if (self->sub == NULL)
        {
          g_autofree char *why = NULL;
          if (!worker_subscribe (self, &why))
            {
              if (last_why == NULL || strcmp (last_why, why) != 0)
                post_note (self, INGEST_SOURCE_NOTE_WARNING, "%s; retrying", why);
              g_free (last_why);
              last_why = g_steal_pointer (&why);
              worker_sleep (self, backoff);
              backoff = MIN (backoff * 2, 5000);
              continue;
            }
          {
            Item *item = g_new0 (Item, 1);
            char url[256] = "";
            natsConnection_GetConnectedUrl (self->nc, url, sizeof url);
            item->kind = ITEM_CONNECTED;
            item->connected = TRUE;
            item->text = g_strdup_printf ("%s, stream %s, consumer %s", url, self->stream,
                                          self->durable);
            post (self, item);
          }
          g_clear_pointer (&last_why, g_free);
          backoff = 100;
          fetch_errors = 0;
        }

      /* Bounded in flight: wait for acks before fetching more. */
      g_mutex_lock (&self->lock);
      while (!self->stop_flag && self->inflight >= self->opts.max_inflight)
        g_cond_wait_until (&self->cond, &self->lock, g_get_monotonic_time () + 200 * 1000);
      room = self->opts.max_inflight - MIN (self->inflight, self->opts.max_inflight);
      g_mutex_unlock (&self->lock);
      if (room == 0)
        continue;

      s = natsSubscription_Fetch (&list, self->sub, (int) MIN (room, self->opts.batch),
                                  FETCH_TIMEOUT_MS, &jerr);
      if (s == NATS_OK && list.Count > 0)
        {
          fetch_errors = 0;
          g_mutex_lock (&self->lock);
          self->inflight += (guint) list.Count;
          g_mutex_unlock (&self->lock);
          for (int i = 0; i < list.Count; i++)
            {
              Item *item = g_new0 (Item, 1);
              item->kind = ITEM_MSG;
              item->msg = list.Msgs[i];
              list.Msgs[i] = NULL;
              g_async_queue_push (self->items, item);
            }
          g_source_set_ready_time (self->wake, 0);
        }
      else if (s != NATS_OK && s != NATS_TIMEOUT)
        {
          /* Disconnected (the library is reconnecting), a leader election,
           * a deleted consumer: wait, and make the subscription again if
           * it goes on. */
          if (++fetch_errors == FETCH_ERRORS_RESUBSCRIBE)
            {
              g_autofree char *why = nats_error_text (s, jerr);
              post_note (self, INGEST_SOURCE_NOTE_WARNING,
                         "fetching from %s keeps failing (%s); subscribing again",
                         self->stream, why);
              natsSubscription_Destroy (self->sub);
              self->sub = NULL;
            }
          worker_sleep (self, 100);
        }
      natsMsgList_Destroy (&list);
      if (self->js != NULL && g_get_monotonic_time () >= next_floor)
        {
          worker_post_floor (self);
          next_floor = g_get_monotonic_time () + FLOOR_INTERVAL_US;
        }
    }
  return NULL;
}

/* --- main context --- */

static void
inflight_release (IngestNatsSource *self, guint n)
{
  g_mutex_lock (&self->lock);
  self->inflight -= MIN (n, self->inflight);
  g_cond_broadcast (&self->cond);
  g_mutex_unlock (&self->lock);
  self->stats.inflight = self->inflight;
}

static void
pending_free (Pending *p)
{
  natsMsg_Destroy (p->msg);
  g_free (p);
}

static void
source_stop_for_good (IngestNatsSource *self, const char *why)
{
  if (self->stopped)
    return;
  self->stopped = TRUE;
  ingest_source_hooks_note (&self->hooks, INGEST_SOURCE_NOTE_ERROR, self->name, "%s", why);
  g_mutex_lock (&self->lock);
  self->stop_flag = TRUE;
  g_cond_broadcast (&self->cond);
  g_mutex_unlock (&self->lock);
  if (self->opts.stopped != NULL)
    self->opts.stopped (self->opts.stopped_data);
}

/* Parses one message into the store as a Pending (taken: msg). */
static gboolean
apply_message (IngestNatsSource *self, natsMsg *msg, guint64 sseq, Producer *producer,
               guint64 batch)
{
  Pending *p;
  IngestParserOptions po = { 0 };
  g_autoptr(IngestParser) parser = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *where = NULL;
  const char *data;
  int len;
  gboolean ok;
  guint64 seen = 0;

  where = g_strdup_printf ("nats:%s#%" G_GUINT64_FORMAT, natsMsg_GetSubject (msg), sseq);
  po.format = INGEST_FORMAT_NATIVE;
  po.strict = self->opts.strict;
  po.source_name = where;
  po.max_line_bytes = self->opts.max_line_bytes;
  p = g_new0 (Pending, 1);
  p->producer = producer;
  p->batch = batch;
  p->sseq = sseq;
  p->msg = msg;
  p->ack = TRUE;
  p->a = ingest_store_n_events (self->store);
  parser = ingest_parser_new (self->store, &po);
  data = natsMsg_GetData (msg);
  len = natsMsg_GetDataLength (msg);
  ok = ingest_parser_feed (parser, (const guint8 *) (data != NULL ? data : ""), (gsize) MAX (len, 0),
                           &error)
    && ingest_parser_finish (parser, &error);
  p->b = ingest_store_n_events (self->store);
  if (self->opts.stream_log != NULL)
    ingest_log_nats_note (self->opts.stream_log, sseq, p->a, p->b);
  g_queue_push_tail (&self->pending, p);
  g_hash_table_insert (self->pending_by_seq, GSIZE_TO_POINTER (sseq), p);
  self->stats.messages++;
  self->stats.events += p->b - p->a;
  if (ingest_parser_n_skipped (parser) > 0)
    {
      self->stats.bad_messages++;
      ingest_source_report_parser (&self->hooks, where, parser, &seen);
    }
  if (!ok)
    {
      /* Strict: the events before the bad record stay (journaled, so a
       * restart does not take them twice), the message is never acked. */
      g_autofree char *why = g_strdup_printf ("%s; stopping (the message stays unacked in "
                                              "the stream)", error->message);
      p->ack = FALSE;
      self->stats.bad_messages += ingest_parser_n_skipped (parser) == 0;
      source_stop_for_good (self, why);
    }
  return p->b > p->a;
}

/* The producer and batch of msg, from its headers; FALSE when it has none
 * (or unusable ones: then it is taken in arrival order). The name is
 * restricted so that it is one word in the journal. */
static gboolean
message_order (natsMsg *msg, const char **name, guint64 *batch)
{
  const char *b = NULL;
  char *end = NULL;
  gsize n;

  if (natsMsgHeader_Get (msg, PRODUCER_HEADER, name) != NATS_OK
      || natsMsgHeader_Get (msg, BATCH_HEADER, &b) != NATS_OK || *name == NULL || b == NULL)
    return FALSE;
  n = strlen (*name);
  if (n == 0 || n > MAX_PRODUCER_NAME || !g_ascii_isdigit (*b))
    return FALSE;
  for (gsize i = 0; i < n; i++)
    if (!g_ascii_isalnum ((*name)[i]) && strchr ("._:-", (*name)[i]) == NULL)
      return FALSE;
  errno = 0;
  *batch = g_ascii_strtoull (b, &end, 10);
  return errno == 0 && *end == '\0';
}

static void
held_free (gpointer data)
{
  Held *h = data;

  natsMsg_Destroy (h->msg);
  g_free (h);
}

static void
producer_free (gpointer data)
{
  Producer *pr = data;

  g_hash_table_unref (pr->held);
  g_free (pr->name);
  g_free (pr);
}

/* The producer called name, made when new (NULL when MAX_PRODUCERS are
 * known already: its messages are then taken in arrival order). */
static Producer *
producer_get (IngestNatsSource *self, const char *name, guint64 first_batch)
{
  Producer *pr = g_hash_table_lookup (self->producers, name);

  if (pr != NULL || g_hash_table_size (self->producers) >= MAX_PRODUCERS)
    return pr;
  pr = g_new0 (Producer, 1);
  pr->name = g_strdup (name);
  pr->next = first_batch;
  /* Names and batch numbers come from the messages: keyed hashes. */
  pr->held = g_hash_table_new_full (ingest_hash_direct, g_direct_equal, NULL, held_free);
  g_hash_table_insert (self->producers, pr->name, pr);
  return pr;
}

/* Applies the held batches that follow pr->next, in order. */
static gboolean
producer_release (IngestNatsSource *self, Producer *pr)
{
  gboolean appended = FALSE;
  Held *h;

  while ((h = g_hash_table_lookup (pr->held, GSIZE_TO_POINTER (pr->next))) != NULL)
    {
      natsMsg *msg = g_steal_pointer (&h->msg);
      guint64 sseq = h->sseq;

      g_hash_table_remove (self->held_by_seq, GSIZE_TO_POINTER (sseq));
      self->held_msgs--;
      self->held_bytes -= h->bytes;
      g_hash_table_remove (pr->held, GSIZE_TO_POINTER (pr->next));
      /* In flight again until its ack, as every message in the store. */
      g_mutex_lock (&self->lock);
      self->inflight++;
      g_mutex_unlock (&self->lock);
      appended |= apply_message (self, msg, sseq, pr, pr->next);
      pr->next++;
    }
  pr->gap_since_us = g_hash_table_size (pr->held) > 0 ? g_get_monotonic_time () : 0;
  return appended;
}

/* Gives up waiting for pr's gap: goes on at its lowest held batch. */
static gboolean
producer_skip_gap (IngestNatsSource *self, Producer *pr, const char *why)
{
  GHashTableIter it;
  gpointer key;
  guint64 lowest = G_MAXUINT64;

  g_hash_table_iter_init (&it, pr->held);
  while (g_hash_table_iter_next (&it, &key, NULL))
    lowest = MIN (lowest, (guint64) GPOINTER_TO_SIZE (key));
  if (lowest == G_MAXUINT64 || lowest <= pr->next)
    return FALSE;
  ingest_source_hooks_note (&self->hooks, INGEST_SOURCE_NOTE_WARNING, self->name,
                            "producer %s: batch(es) %" G_GUINT64_FORMAT " to %" G_GUINT64_FORMAT
                            " %s; going on without them (taken out of order if they come)",
                            pr->name, pr->next, lowest - 1, why);
  self->stats.skipped_batches += lowest - pr->next;
  pr->next = lowest;
  return producer_release (self, pr);
}

/* Holds msg until its producer's gap fills (taken: msg). */
static gboolean
producer_hold (IngestNatsSource *self, Producer *pr, natsMsg *msg, guint64 sseq, guint64 batch)
{
  Held *h = g_new0 (Held, 1);
  gboolean appended = FALSE;

  h->msg = msg;
  h->sseq = sseq;
  h->batch = batch;
  h->producer = pr;
  h->bytes = (gsize) MAX (natsMsg_GetDataLength (msg), 0) + 256;
  g_hash_table_replace (pr->held, GSIZE_TO_POINTER (batch), h);
  g_hash_table_insert (self->held_by_seq, GSIZE_TO_POINTER (sseq), h);
  self->held_msgs++;
  self->held_bytes += h->bytes;
  self->stats.held++;
  if (pr->gap_since_us == 0)
    pr->gap_since_us = g_get_monotonic_time ();
  /* Not in flight while held: fetching goes on, or the gap's redelivery
   * could never be fetched. Bounded here instead. */
  inflight_release (self, 1);
  while (self->held_msgs > HOLD_MAX_MSGS || self->held_bytes > HOLD_MAX_BYTES)
    {
      guint before = self->held_msgs;
      Producer *oldest = NULL;
      GHashTableIter it;
      gpointer value;

      g_hash_table_iter_init (&it, self->producers);
      while (g_hash_table_iter_next (&it, NULL, &value))
        {
          Producer *q = value;
          if (q->gap_since_us != 0 && (oldest == NULL || q->gap_since_us < oldest->gap_since_us))
            oldest = q;
        }
      if (oldest == NULL)
        break;
      appended |= producer_skip_gap (self, oldest, "held too many messages behind them");
      if (self->held_msgs >= before)
        break;
    }
  return appended;
}

/* Takes one delivery: into the store in its producer's order, held, or
 * dropped as a redelivery. */
static gboolean
take_message (IngestNatsSource *self, natsMsg *msg)
{
  jsMsgMetaData *meta = NULL;
  guint64 sseq, batch = 0;
  Pending *p;
  Held *h;
  Producer *pr = NULL;
  const char *name = NULL;
  gboolean appended;

  if (natsMsg_GetMetaData (&meta, msg) != NATS_OK)
    {
      /* Not a JetStream delivery: nothing to ack, nothing to take. */
      natsMsg_Destroy (msg);
      inflight_release (self, 1);
      return FALSE;
    }
  sseq = meta->Sequence.Stream;
  jsMsgMetaData_Destroy (meta);

  if (sseq <= self->floor || g_hash_table_contains (self->done, GSIZE_TO_POINTER (sseq)))
    {
      /* Stored before (this run or one before a crash): its ack was lost. */
      natsMsg_Ack (msg, NULL);
      natsMsg_Destroy (msg);
      inflight_release (self, 1);
      self->stats.redelivered++;
      return FALSE;
    }
  p = g_hash_table_lookup (self->pending_by_seq, GSIZE_TO_POINTER (sseq));
  h = p == NULL ? g_hash_table_lookup (self->held_by_seq, GSIZE_TO_POINTER (sseq)) : NULL;
  if (p != NULL || h != NULL)
    {
      /* Redelivered while waiting for the flush or its gap: the newest
       * delivery's ack is the one that counts. */
      natsMsg **slot = p != NULL ? &p->msg : &h->msg;
      natsMsg_Destroy (*slot);
      *slot = msg;
      inflight_release (self, 1);
      self->stats.redelivered++;
      return FALSE;
    }
  if (self->stopped)
    {
      natsMsg_Destroy (msg);
      inflight_release (self, 1);
      return FALSE;
    }
  /* A producer counts from batch 0; a consumer that starts at a time
   * starts in the middle of it. */
  if (!self->opts.unordered && message_order (msg, &name, &batch))
    pr = producer_get (self, name, self->opts.since_ns != 0 ? batch : 0);
  if (pr == NULL)
    return apply_message (self, msg, sseq, NULL, 0);
  if (batch > pr->next)
    return producer_hold (self, pr, msg, sseq, batch);
  if (batch < pr->next)
    {
      /* After a skipped gap, or a producer restarted under the same name. */
      self->stats.out_of_order++;
      return apply_message (self, msg, sseq, pr, batch);
    }
  appended = apply_message (self, msg, sseq, pr, batch);
  pr->next++;
  return producer_release (self, pr) || appended;
}

/* Skips the gaps that waited longer than the consumer's AckWait allows. */
static gboolean
on_gap_tick (gpointer user_data)
{
  IngestNatsSource *self = user_data;
  gint64 now = g_get_monotonic_time (), wait;
  gboolean appended = FALSE;
  GHashTableIter it;
  gpointer value;

  if (self->held_msgs == 0)
    return G_SOURCE_CONTINUE;
  g_mutex_lock (&self->lock);
  wait = self->gap_wait_us;
  g_mutex_unlock (&self->lock);
  g_hash_table_iter_init (&it, self->producers);
  while (g_hash_table_iter_next (&it, NULL, &value))
    {
      Producer *pr = value;
      if (pr->gap_since_us != 0 && now - pr->gap_since_us > wait)
        appended |= producer_skip_gap (self, pr, "did not come in time");
    }
  if (self->journal_path == NULL)
    ingest_nats_source_durable (self, ingest_store_n_events (self->store));
  if (appended)
    ingest_source_hooks_appended (&self->hooks);
  return G_SOURCE_CONTINUE;
}

/* "SSEQ FIRST END[ PRODUCER BATCH]\n" (log seqs) for p. */
static void
journal_append_pending (IngestNatsSource *self, GString *text, const Pending *p)
{
  g_string_append_printf (text, "%" G_GUINT64_FORMAT " %" G_GUINT64_FORMAT " %" G_GUINT64_FORMAT,
                          p->sseq, p->a + self->opts.log_seq_offset,
                          p->b + self->opts.log_seq_offset);
  if (p->producer != NULL)
    g_string_append_printf (text, " %s %" G_GUINT64_FORMAT, p->producer->name, p->batch);
  g_string_append_c (text, '\n');
}

static void
journal_rewrite (IngestNatsSource *self)
{
  g_autoptr(GString) text = g_string_new (NULL);
  g_autoptr(GError) error = NULL;
  GHashTableIter it;
  gpointer key, value;
  guint64 lines = 1;

  g_string_append_printf (text, "floor %" G_GUINT64_FORMAT "\n", self->floor);
  g_hash_table_iter_init (&it, self->done);
  while (g_hash_table_iter_next (&it, &key, NULL))
    {
      g_string_append_printf (text, "%" G_GUINT64_FORMAT " 0 0\n", (guint64) GPOINTER_TO_SIZE (key));
      lines++;
    }
  /* Where each producer's order stands among the durable messages. */
  g_hash_table_iter_init (&it, self->producers);
  while (g_hash_table_iter_next (&it, NULL, &value))
    {
      const Producer *pr = value;
      if (pr->durable_next > 0)
        {
          g_string_append_printf (text, "producer %s %" G_GUINT64_FORMAT "\n", pr->name,
                                  pr->durable_next);
          lines++;
        }
    }
  for (GList *l = self->pending.head; l != NULL; l = l->next)
    {
      const Pending *p = l->data;
      if (p->journaled)
        {
          journal_append_pending (self, text, p);
          lines++;
        }
    }
  /* g_file_set_contents is a write to a temporary file, fsync and rename. */
  if (!g_file_set_contents_full (self->journal_path, text->str, (gssize) text->len,
                                 G_FILE_SET_CONTENTS_CONSISTENT | G_FILE_SET_CONTENTS_DURABLE,
                                 0600, &error))
    {
      ingest_source_hooks_note (&self->hooks, INGEST_SOURCE_NOTE_WARNING, self->name,
                                "compacting the journal: %s", error->message);
      return;
    }
  if (self->journal_fd >= 0)
    close (self->journal_fd);
  self->journal_fd = open (self->journal_path, O_WRONLY | O_APPEND | O_CLOEXEC);
  self->journal_lines = lines;
  if (self->journal_fd < 0)
    source_stop_for_good (self, "the journal cannot be reopened after compaction");
}

static gboolean
remove_below_floor (gpointer key, gpointer value, gpointer user_data)
{
  (void) value;
  return GPOINTER_TO_SIZE (key) <= *(const guint64 *) user_data;
}

static gboolean
on_items (gpointer user_data)
{
  IngestNatsSource *self = user_data;
  gboolean appended = FALSE;
  Item *item;
  guint n = 0;

  while (n < 512 && (item = g_async_queue_try_pop (self->items)) != NULL)
    {
      n++;
      switch (item->kind)
        {
        case ITEM_MSG:
          appended |= take_message (self, item->msg);
          break;
        case ITEM_NOTE:
          ingest_source_hooks_note (&self->hooks, item->level, self->name, "%s", item->text);
          break;
        case ITEM_FATAL:
          source_stop_for_good (self, item->text);
          break;
        case ITEM_CONNECTED:
          if (item->connected && item->text != NULL)
            ingest_source_hooks_note (&self->hooks, INGEST_SOURCE_NOTE_INFO, self->name,
                                      "connected to %s", item->text);
          else if (!item->connected)
            ingest_source_hooks_note (&self->hooks, INGEST_SOURCE_NOTE_WARNING, self->name,
                                      "disconnected; reconnecting (unacked messages come again)");
          self->stats.connected = item->connected;
          break;
        case ITEM_FLOOR:
          if (item->floor > self->floor)
            {
              self->floor = item->floor;
              g_hash_table_foreach_remove (self->done, remove_below_floor, &self->floor);
              if (self->journal_fd >= 0
                  && self->journal_lines > 4096 + 2 * (guint64) g_hash_table_size (self->done))
                journal_rewrite (self);
            }
          break;
        }
      g_free (item->text);
      g_free (item);
    }
  if (g_async_queue_length (self->items) > 0)
    g_source_set_ready_time (self->wake, 0);
  /* Without a data directory, in the store is as durable as it gets. */
  if (self->journal_path == NULL)
    ingest_nats_source_durable (self, ingest_store_n_events (self->store));
  if (appended)
    ingest_source_hooks_appended (&self->hooks);
  return G_SOURCE_CONTINUE;
}

static gboolean
wake_dispatch (GSource *source, GSourceFunc callback, gpointer user_data)
{
  g_source_set_ready_time (source, -1);
  return callback (user_data);
}

static GSourceFuncs wake_funcs = { NULL, NULL, wake_dispatch, NULL, NULL, NULL };

/* A producer's batches below next are durable (from the journal). */
static void
journal_restore_order (IngestNatsSource *self, const char *name, guint64 next)
{
  Producer *pr = producer_get (self, name, next);

  if (pr != NULL && next > pr->durable_next)
    pr->next = pr->durable_next = next;
}

/* Reads the journal against the log's durable events and rewrites it
 * compacted. */
static gboolean
journal_open (IngestNatsSource *self, GError **error)
{
  g_autofree char *text = NULL;
  g_autoptr(GError) local = NULL;
  guint64 torn_msgs = 0;

  if (!g_file_get_contents (self->journal_path, &text, NULL, &local))
    {
      if (!g_error_matches (local, G_FILE_ERROR, G_FILE_ERROR_NOENT))
        {
          g_propagate_error (error, g_steal_pointer (&local));
          return FALSE;
        }
    }
  else
    {
      char *line = text;
      while (line != NULL && *line != '\0')
        {
          char *nl = strchr (line, '\n');
          guint64 s, a, b, batch;
          char name[MAX_PRODUCER_NAME + 1];
          int fields;
          if (nl == NULL)
            break;  /* a torn last line: its messages were not flushed */
          *nl = '\0';
          if (sscanf (line, "floor %" G_GUINT64_FORMAT, &s) == 1)
            self->floor = MAX (self->floor, s);
          else if (sscanf (line, "producer %100s %" G_GUINT64_FORMAT, name, &batch) == 2)
            journal_restore_order (self, name, batch);
          else if ((fields = sscanf (line, "%" G_GUINT64_FORMAT " %" G_GUINT64_FORMAT " %"
                                     G_GUINT64_FORMAT " %100s %" G_GUINT64_FORMAT,
                                     &s, &a, &b, name, &batch)) >= 3)
            {
              /* A durable message moves its producer's order past it. */
              if (fields == 5 && a < self->opts.log_durable)
                journal_restore_order (self, name, batch + 1);
              if (b <= self->opts.log_durable)
                g_hash_table_add (self->done, GSIZE_TO_POINTER (s));
              else if (a < self->opts.log_durable)
                {
                  /* Only a message larger than one log append can be cut
                   * by a torn tail; the rest of it is lost, not doubled. */
                  g_hash_table_add (self->done, GSIZE_TO_POINTER (s));
                  self->stats.lost_torn += b - self->opts.log_durable;
                  torn_msgs++;
                }
            }
          line = nl + 1;
        }
    }
  self->stats.restored_done = g_hash_table_size (self->done);
  g_hash_table_foreach_remove (self->done, remove_below_floor, &self->floor);
  if (torn_msgs > 0)
    ingest_source_hooks_note (&self->hooks, INGEST_SOURCE_NOTE_WARNING, self->name,
                              "%" G_GUINT64_FORMAT " message(s) were cut by the torn tail of the "
                              "data directory: %" G_GUINT64_FORMAT " of their events are lost",
                              torn_msgs, self->stats.lost_torn);
  self->journal_fd = -1;
  journal_rewrite (self);
  if (self->journal_fd < 0)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "%s: cannot write the journal",
                   self->journal_path);
      return FALSE;
    }
  return TRUE;
}

IngestNatsSource *
ingest_nats_source_new (IngestStore *store, const IngestNatsOptions *options,
                        const IngestSourceHooks *hooks, GError **error)
{
  IngestNatsSource *self;
  const char *subjects = options->subjects != NULL ? options->subjects : DEFAULT_SUBJECTS;
  const char *durable = options->durable != NULL ? options->durable : DEFAULT_DURABLE;

  if (!ingest_nats_name_is_valid (options->stream))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   "the stream name must be 1 to 64 letters, digits, '-' or '_'");
      return NULL;
    }
  if (!ingest_nats_name_is_valid (durable))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   "the durable consumer name must be 1 to 64 letters, digits, '-' or '_'");
      return NULL;
    }
  if (*subjects == '\0' || strpbrk (subjects, " \t\r\n") != NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   "the subjects must be one NATS subject (wildcards * and > allowed)");
      return NULL;
    }
  {
    /* Checks the URL and credentials now, so a typo is a usage error. */
    natsOptions *o = ingest_nats_options_new (options->url, &options->auth, error);
    if (o == NULL)
      return NULL;
    natsOptions_Destroy (o);
  }

  self = g_new0 (IngestNatsSource, 1);
  self->store = store;
  if (hooks != NULL)
    self->hooks = *hooks;
  self->opts = *options;
  self->url = g_strdup (options->url);
  self->stream = g_strdup (options->stream);
  self->subjects = g_strdup (subjects);
  self->durable = g_strdup (durable);
  self->journal_path = g_strdup (options->journal_path);
  ingest_nats_auth_copy (&self->auth, &options->auth);
  if (self->opts.max_inflight == 0)
    self->opts.max_inflight = DEFAULT_MAX_INFLIGHT;
  if (self->opts.batch == 0)
    self->opts.batch = DEFAULT_BATCH;
  self->name = g_strdup_printf ("nats:%s/%s", self->stream, self->durable);
  self->journal_fd = -1;
  g_mutex_init (&self->lock);
  g_cond_init (&self->cond);
  g_queue_init (&self->pending);
  self->pending_by_seq = g_hash_table_new (g_direct_hash, g_direct_equal);
  self->done = g_hash_table_new (g_direct_hash, g_direct_equal);
  self->producers = g_hash_table_new_full (ingest_hash_str, g_str_equal, NULL, producer_free);
  self->held_by_seq = g_hash_table_new (g_direct_hash, g_direct_equal);
  self->gap_wait_us = 2 * (ACK_WAIT_NS / 1000) + 2 * G_USEC_PER_SEC;
  self->items = g_async_queue_new ();
  self->context = g_main_context_ref_thread_default ();
  self->wake = g_source_new (&wake_funcs, sizeof (GSource));
  g_source_set_callback (self->wake, on_items, self, NULL);
  g_source_set_name (self->wake, "actorscope nats");
  g_source_attach (self->wake, self->context);
  self->gap_tick = g_timeout_source_new (GAP_TICK_MS);
  g_source_set_callback (self->gap_tick, on_gap_tick, self, NULL);
  g_source_attach (self->gap_tick, self->context);
  self->mailbox = g_atomic_rc_box_new0 (Mailbox);
  g_mutex_init (&self->mailbox->lock);
  self->mailbox->items = g_async_queue_ref (self->items);
  self->mailbox->wake = g_source_ref (self->wake);

  if (self->journal_path != NULL && !journal_open (self, error))
    {
      ingest_nats_source_free (self);
      return NULL;
    }
  self->thread = g_thread_new ("actorscope-nats", worker_main, self);
  return self;
}

void
ingest_nats_source_stop (IngestNatsSource *self)
{
  if (self == NULL || self->thread == NULL)
    return;
  g_mutex_lock (&self->lock);
  self->stop_flag = TRUE;
  g_cond_broadcast (&self->cond);
  g_mutex_unlock (&self->lock);
  g_thread_join (self->thread);
  self->thread = NULL;
}

void
ingest_nats_source_free (IngestNatsSource *self)
{
  Item *item;

  if (self == NULL)
    return;
  ingest_nats_source_stop (self);
  /* From now on the library's callbacks post nothing. */
  g_mutex_lock (&self->mailbox->lock);
  self->mailbox->closed = TRUE;
  g_mutex_unlock (&self->mailbox->lock);
  while ((item = g_async_queue_try_pop (self->items)) != NULL)
    {
      natsMsg_Destroy (item->msg);
      g_free (item->text);
      g_free (item);
    }
  g_queue_clear_full (&self->pending, (GDestroyNotify) pending_free);
  /* Held messages go unacked: the server delivers them again. */
  g_hash_table_remove_all (self->held_by_seq);
  g_hash_table_unref (self->held_by_seq);
  g_hash_table_unref (self->producers);
  g_source_destroy (self->gap_tick);
  g_source_unref (self->gap_tick);
  if (self->nc != NULL)
    natsConnection_FlushTimeout (self->nc, 2000);  /* the last acks */
  if (self->sub != NULL)
    natsSubscription_Destroy (self->sub);
  if (self->js != NULL)
    jsCtx_Destroy (self->js);
  if (self->nc != NULL)
    {
      natsConnection_Close (self->nc);
      natsConnection_Destroy (self->nc);
    }
  if (self->journal_fd >= 0)
    close (self->journal_fd);
  g_source_destroy (self->wake);
  g_source_unref (self->wake);
  g_atomic_rc_box_release_full (self->mailbox, mailbox_clear);
  g_main_context_unref (self->context);
  g_async_queue_unref (self->items);
  g_hash_table_unref (self->pending_by_seq);
  g_hash_table_unref (self->done);
  g_mutex_clear (&self->lock);
  g_cond_clear (&self->cond);
  g_free (self->url);
  g_free (self->stream);
  g_free (self->subjects);
  g_free (self->durable);
  g_free (self->journal_path);
  ingest_nats_auth_clear (&self->auth);
  g_free (self->name);
  g_free (self);
}

gboolean
ingest_nats_source_prepare_flush (IngestNatsSource *self, GError **error)
{
  g_autoptr(GString) text = g_string_new (NULL);
  gsize off = 0;
  guint64 lines = 0;

  if (self->journal_path == NULL)
    return TRUE;
  if (self->journal_fd < 0)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "%s: the journal is closed",
                   self->journal_path);
      return FALSE;
    }
  for (GList *l = self->pending.head; l != NULL; l = l->next)
    {
      const Pending *p = l->data;
      if (!p->journaled)
        {
          journal_append_pending (self, text, p);
          lines++;
        }
    }
  if (lines == 0)
    return TRUE;
  while (off < text->len)
    {
      ssize_t w = write (self->journal_fd, text->str + off, text->len - off);
      if (w < 0 && errno == EINTR)
        continue;
      if (w <= 0)
        {
          int e = w < 0 ? errno : ENOSPC;
          g_set_error (error, G_IO_ERROR, g_io_error_from_errno (e), "%s: %s",
                       self->journal_path, g_strerror (e));
          source_stop_for_good (self, "the journal cannot be written; stopping");
          return FALSE;
        }
      off += (gsize) w;
    }
  if (fdatasync (self->journal_fd) != 0)
    {
      int e = errno;
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (e), "%s: %s",
                   self->journal_path, g_strerror (e));
      source_stop_for_good (self, "the journal cannot be synced; stopping");
      return FALSE;
    }
  for (GList *l = self->pending.head; l != NULL; l = l->next)
    ((Pending *) l->data)->journaled = TRUE;
  self->journal_lines += lines;
  return TRUE;
}

IngestSeq
ingest_nats_source_cut (IngestNatsSource *self, IngestSeq from, IngestSeq to, guint64 max_events)
{
  IngestSeq target;

  if (to - from <= max_events)
    return to;
  target = from + max_events;
  for (GList *l = self->pending.head; l != NULL; l = l->next)
    {
      const Pending *p = l->data;
      if (p->a < target && target < p->b)
        return p->a > from ? p->a : MIN (p->b, to);
      if (p->a >= target)
        break;
    }
  return target;
}

void
ingest_nats_source_durable (IngestNatsSource *self, IngestSeq durable)
{
  Pending *p;
  guint n = 0;

  while ((p = g_queue_peek_head (&self->pending)) != NULL
         && (p->journaled || self->journal_path == NULL) && p->b <= durable)
    {
      g_queue_pop_head (&self->pending);
      g_hash_table_remove (self->pending_by_seq, GSIZE_TO_POINTER (p->sseq));
      if (p->ack)
        {
          natsMsg_Ack (p->msg, NULL);
          self->stats.acked++;
        }
      if (p->sseq > self->floor)
        g_hash_table_add (self->done, GSIZE_TO_POINTER (p->sseq));
      if (p->producer != NULL)
        p->producer->durable_next = MAX (p->producer->durable_next, p->batch + 1);
      pending_free (p);
      n++;
    }
  if (n > 0)
    inflight_release (self, n);
}

void
ingest_nats_source_get_stats (IngestNatsSource *self, IngestNatsStats *out)
{
  *out = self->stats;
  g_mutex_lock (&self->lock);
  out->inflight = self->inflight;
  g_mutex_unlock (&self->lock);
}
