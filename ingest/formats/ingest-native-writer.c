/* ingest-native-writer.c: the store back out as native NDJSON
 * (data/formats/native-ndjson.md), so that parsing the output rebuilds the
 * same model: same actors (names, kinds, parents, in id order), same
 * messages (keys, labels, sizes, payloads, reply-to, in-reply-to) and the
 * same events in sequence order with exact nanosecond times.
 */
#include "config.h"

#include <string.h>

#include "ingest-json-lexer.h"
#include "ingest-native-writer.h"

#define FLUSH_BYTES (64 * 1024)

static void
append_key_atom (GString *out, const char *key, const IngestStore *store, IngestAtom atom)
{
  const char *s = ingest_store_atom (store, atom);
  g_string_append_c (out, ',');
  g_string_append (out, key);
  ingest_json_append_string (out, s, strlen (s));
}

static void
append_actor_field (GString *out, const char *key, const IngestStore *store, IngestActorId id)
{
  const IngestActor *a = ingest_store_actor (store, id);
  if (a)
    append_key_atom (out, key, store, a->name);
}

static void
format_actor_declaration (IngestStore *store, IngestActorId id, GString *out)
{
  const IngestActor *a = ingest_store_actor (store, id);
  const char *name;

  if (a == NULL)
    return;
  name = ingest_store_atom (store, a->name);
  g_string_append (out, "{\"ev\":\"actor\",\"actor\":");
  ingest_json_append_string (out, name, strlen (name));
  g_string_append_printf (out, ",\"kind\":\"%s\"", ingest_actor_kind_to_string (a->kind));
  if (a->parent)
    append_actor_field (out, "\"parent\":", store, a->parent);
  g_string_append (out, "}\n");
}

void
ingest_native_format_event (IngestStore *store, IngestSeq seq, GString *out)
{
  const IngestEvent *ev = ingest_store_event (store, seq);
  const IngestMessage *msg;

  g_return_if_fail (out != NULL);
  if (ev == NULL)
    return;
  msg = ev->message ? ingest_store_message (store, ev->message) : NULL;

  g_string_append_printf (out, "{\"ts\":%" G_GINT64_FORMAT ",\"ev\":\"%s\"", ev->time_ns,
                          ev->kind == INGEST_EVENT_RECEIVE ? "recv"
                                                           : ingest_event_kind_to_string (ev->kind));
  if (ev->actor)
    append_actor_field (out, "\"actor\":", store, ev->actor);
  switch (ev->kind)
    {
    case INGEST_EVENT_SEND:
      append_actor_field (out, "\"to\":", store, ev->peer);
      break;
    case INGEST_EVENT_RECEIVE:
      if (ev->peer)
        append_actor_field (out, "\"from\":", store, ev->peer);
      break;
    case INGEST_EVENT_SPAWN:
      if (ev->peer)
        append_actor_field (out, "\"parent\":", store, ev->peer);
      break;
    case INGEST_EVENT_EXIT:
      g_string_append_printf (out, ",\"status\":\"%s\"",
                              ev->exit_status == INGEST_EXIT_CRASH ? "crash" : "normal");
      break;
    default:
      break;
    }
  if (msg)
    {
      append_key_atom (out, "\"id\":", store, msg->key);
      if (ev->kind == INGEST_EVENT_RECEIVE && seq == msg->receive_seq
          && (msg->send_seq == INGEST_SEQ_NONE || msg->send_seq > seq))
        {
          /* the receive that names the message first: what only it can
           * say (a span; the label of a message whose send never came) */
          if (msg->span)
            g_string_append (out, ",\"span\":true");
          if (msg->label && msg->send_seq == INGEST_SEQ_NONE)
            append_key_atom (out, "\"label\":", store, msg->label);
        }
      if (ev->kind == INGEST_EVENT_SEND)
        {
          if (msg->label)
            append_key_atom (out, "\"label\":", store, msg->label);
          if (msg->size)
            g_string_append_printf (out, ",\"size\":%u", msg->size);
          if (msg->until_ack)
            g_string_append (out, ",\"removed_on\":\"ack\"");
          if (msg->reply_to)
            append_actor_field (out, "\"reply_to\":", store, msg->reply_to);
          if (msg->in_reply_to)
            {
              const IngestMessage *req = ingest_store_message (store, msg->in_reply_to);
              if (req)
                append_key_atom (out, "\"in_reply_to\":", store, req->key);
            }
          if (msg->payload)
            {
              const char *payload = ingest_store_payload (store, msg->payload);
              g_string_append (out, ",\"payload\":");
              ingest_json_append_string (out, payload, strlen (payload));
            }
        }
    }
  if (ev->text)
    append_key_atom (out, ev->kind == INGEST_EVENT_MARK ? "\"text\":" : "\"reason\":", store,
                     ev->text);
  g_string_append (out, "}\n");
}

/* Writes buf (whole lines ending with event next - 1) and records how far
 * the output got. */
static gboolean
flush (GOutputStream *out, GString *buf, IngestNativeProgress *progress, IngestSeq next,
       GError **error)
{
  gboolean ok = TRUE;
  if (buf->len > 0)
    ok = g_output_stream_write_all (out, buf->str, buf->len, NULL, NULL, error);
  if (ok && progress != NULL)
    {
      progress->bytes += buf->len;
      progress->next = next;
    }
  g_string_truncate (buf, 0);
  return ok;
}

/* Declares id (parents first) unless already declared in this call. The
 * mark goes in before recursing so a (corrupt) parent cycle ends. */
static void
declare (IngestStore *store, IngestActorId id, GHashTable *declared, GString *out, guint depth)
{
  const IngestActor *a;

  if (id == 0 || depth > 256 || g_hash_table_contains (declared, GUINT_TO_POINTER (id)))
    return;
  a = ingest_store_actor (store, id);
  if (a == NULL)
    return;
  g_hash_table_add (declared, GUINT_TO_POINTER (id));
  declare (store, a->parent, declared, out, depth + 1);
  format_actor_declaration (store, id, out);
}

gboolean
ingest_native_write (IngestStore *store, IngestSeq from, GOutputStream *out, GError **error)
{
  return ingest_native_write_from (store, from, out, NULL, error);
}

gboolean
ingest_native_write_from (IngestStore *store, IngestSeq from, GOutputStream *out,
                          IngestNativeProgress *progress, GError **error)
{
  g_autoptr (GString) buf = g_string_sized_new (FLUSH_BYTES + 4096);
  guint64 n = ingest_store_n_events (store);
  g_autoptr (GHashTable) declared = NULL;

  g_return_val_if_fail (store != NULL && G_IS_OUTPUT_STREAM (out), FALSE);

  if (progress != NULL)
    *progress = (IngestNativeProgress){ from, 0 };
  if (from == 0)
    {
      /* every actor, in id order, so ids come back the same */
      guint32 n_actors = ingest_store_n_actors (store);
      /* the record counts are facts about the input (malformed lines, a
       * broker's lost and repeated ids): said in the header, so stats of
       * this file equal those of the original */
      const IngestStoreCounters *c = ingest_store_counters (store);
      g_string_append (buf, "{\"actorscope\":1");
      if (c->skipped_records)
        g_string_append_printf (buf, ",\"skipped\":%" G_GUINT64_FORMAT, c->skipped_records);
      if (c->lost_events)
        g_string_append_printf (buf, ",\"lost\":%" G_GUINT64_FORMAT, c->lost_events);
      if (c->lost_before_attach)
        g_string_append_printf (buf, ",\"lost_before_attach\":%" G_GUINT64_FORMAT,
                                c->lost_before_attach);
      if (c->duplicate_events)
        g_string_append_printf (buf, ",\"duplicate\":%" G_GUINT64_FORMAT, c->duplicate_events);
      g_string_append (buf, "}\n");
      for (IngestActorId id = 1; id <= n_actors; id++)
        {
          format_actor_declaration (store, id, buf);
          if (buf->len >= FLUSH_BYTES && !flush (out, buf, progress, from, error))
            return FALSE;
        }
    }
  else
    declared = g_hash_table_new (NULL, NULL);

  for (IngestSeq seq = from; seq < n; seq++)
    {
      if (declared)
        {
          /* an incremental chunk: declare the actors it names (kinds and
           * parents); repeating a declaration is harmless */
          const IngestEvent *ev = ingest_store_event (store, seq);
          if (ev)
            {
              declare (store, ev->actor, declared, buf, 0);
              declare (store, ev->peer, declared, buf, 0);
              if (ev->message)
                {
                  const IngestMessage *msg = ingest_store_message (store, ev->message);
                  if (msg && ev->kind == INGEST_EVENT_SEND && msg->reply_to)
                    declare (store, msg->reply_to, declared, buf, 0);
                }
            }
        }
      ingest_native_format_event (store, seq, buf);
      if (buf->len >= FLUSH_BYTES && !flush (out, buf, progress, seq + 1, error))
        return FALSE;
    }
  return flush (out, buf, progress, n, error);
}
