/* ingest-model.c: names of the model's enums and the project error domain. */
#include "config.h"

#include <string.h>

#include "ingest-model.h"

G_DEFINE_QUARK (actorscope-ingest-error-quark, ingest_error)

static const char *const actor_kind_names[INGEST_ACTOR_N_KINDS] = {
  [INGEST_ACTOR_ACTOR] = "actor",
  [INGEST_ACTOR_QUEUE] = "queue",
  [INGEST_ACTOR_THREAD] = "thread",
  [INGEST_ACTOR_PROCESS] = "process",
  [INGEST_ACTOR_CLIENT] = "client",
};

static const char *const event_kind_names[INGEST_EVENT_N_KINDS] = {
  [INGEST_EVENT_SPAWN] = "spawn",
  [INGEST_EVENT_EXIT] = "exit",
  [INGEST_EVENT_SEND] = "send",
  [INGEST_EVENT_RECEIVE] = "receive",
  [INGEST_EVENT_DONE] = "done",
  [INGEST_EVENT_ACK] = "ack",
  [INGEST_EVENT_DROP] = "drop",
  [INGEST_EVENT_MARK] = "mark",
};

/* Other spellings sources use for the same event (Akka "deliver",
 * message-switch style "dead_letter"). */
static const struct {
  const char *name;
  IngestEventKind kind;
} event_kind_aliases[] = {
  { "deliver", INGEST_EVENT_RECEIVE },
  { "dead_letter", INGEST_EVENT_DROP },
  { "dead-letter", INGEST_EVENT_DROP },
};

static gboolean
name_equal (const char *name, const char *s, gsize len)
{
  return strlen (name) == len && g_ascii_strncasecmp (name, s, len) == 0;
}

const char *
ingest_actor_kind_to_string (IngestActorKind kind)
{
  if ((guint) kind >= INGEST_ACTOR_N_KINDS)
    return "unknown";
  return actor_kind_names[kind];
}

gboolean
ingest_actor_kind_from_string (const char *s, gsize len, IngestActorKind *out)
{
  if (s == NULL)
    return FALSE;
  for (guint i = 0; i < INGEST_ACTOR_N_KINDS; i++)
    if (name_equal (actor_kind_names[i], s, len))
      {
        if (out)
          *out = (IngestActorKind) i;
        return TRUE;
      }
  return FALSE;
}

const char *
ingest_event_kind_to_string (IngestEventKind kind)
{
  if ((guint) kind >= INGEST_EVENT_N_KINDS)
    return "unknown";
  return event_kind_names[kind];
}

gboolean
ingest_event_kind_from_string (const char *s, gsize len, IngestEventKind *out)
{
  if (s == NULL)
    return FALSE;
  for (guint i = 0; i < INGEST_EVENT_N_KINDS; i++)
    if (name_equal (event_kind_names[i], s, len))
      {
        if (out)
          *out = (IngestEventKind) i;
        return TRUE;
      }
  for (guint i = 0; i < G_N_ELEMENTS (event_kind_aliases); i++)
    if (name_equal (event_kind_aliases[i].name, s, len))
      {
        if (out)
          *out = event_kind_aliases[i].kind;
        return TRUE;
      }
  return FALSE;
}
