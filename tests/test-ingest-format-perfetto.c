/* test-ingest-format-perfetto.c: the Perfetto protobuf parser on traces
 * encoded here field by field (the real Chromium recording is checked by
 * tests/test-chromium-trace.sh and the sample in data/traces/): descriptors,
 * interned names, slices, flows, incremental clocks, any chunking, and
 * malformed input with byte offsets. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <string.h>

#include "ingest-parser.h"
#include "ingest-protobuf.h"
#include "test-ingest-common.h"

/* ---- a tiny encoder ---- */

static void
put_varint (GByteArray *b, guint64 v)
{
  do
    {
      guint8 c = v & 0x7f;
      v >>= 7;
      if (v)
        c |= 0x80;
      g_byte_array_append (b, &c, 1);
    }
  while (v);
}

static void
put_uint (GByteArray *b, guint32 field, guint64 v)
{
  put_varint (b, (guint64) field << 3);
  put_varint (b, v);
}

static void
put_fixed64 (GByteArray *b, guint32 field, guint64 v)
{
  put_varint (b, ((guint64) field << 3) | 1);
  for (int i = 0; i < 8; i++)
    {
      guint8 c = (v >> (8 * i)) & 0xff;
      g_byte_array_append (b, &c, 1);
    }
}

static void
put_bytes (GByteArray *b, guint32 field, const void *data, gsize len)
{
  put_varint (b, ((guint64) field << 3) | 2);
  put_varint (b, len);
  g_byte_array_append (b, data, len);
}

static void
put_str (GByteArray *b, guint32 field, const char *s)
{
  put_bytes (b, field, s, strlen (s));
}

/* Moves msg (freed) into b as field `field`. */
static void
put_msg (GByteArray *b, guint32 field, GByteArray *msg)
{
  put_bytes (b, field, msg->data, msg->len);
  g_byte_array_unref (msg);
}

static void
add_packet (GByteArray *trace, GByteArray *packet)
{
  put_msg (trace, 1, packet);
}

static GByteArray *
thread_track (guint64 uuid, gint pid, gint tid, const char *name)
{
  GByteArray *td = g_byte_array_new (), *t = g_byte_array_new ();
  put_uint (t, 1, (guint64) pid);
  put_uint (t, 2, (guint64) tid);
  put_str (t, 5, name);
  put_uint (td, 1, uuid);
  put_msg (td, 4, t);
  return td;
}

static GByteArray *
slice_packet (guint32 seq, guint64 ts, guint64 type, guint64 track, guint64 name_iid,
              guint64 flow, guint64 terminating)
{
  GByteArray *p = g_byte_array_new (), *te = g_byte_array_new ();
  put_uint (p, 8, ts);
  put_uint (p, 10, seq);
  put_uint (te, 9, type);
  put_uint (te, 11, track);
  if (name_iid)
    put_uint (te, 10, name_iid);
  if (flow)
    put_fixed64 (te, 47, flow);
  if (terminating)
    put_fixed64 (te, 48, terminating);
  put_msg (p, 11, te);
  return p;
}

/* A browser process with two threads; a flow from a slice on Main to a
 * slice on IO; an instant. Builtin clock (BOOTTIME), no global snapshot:
 * times stay as written. */
static GByteArray *
two_thread_trace (void)
{
  GByteArray *trace = g_byte_array_new ();
  GByteArray *p = g_byte_array_new (), *interned = g_byte_array_new (), *n;

  /* Sequence 1 starts: state cleared, names interned. */
  put_uint (p, 10, 1);
  put_uint (p, 13, 1);
  n = g_byte_array_new ();
  put_uint (n, 1, 1);
  put_str (n, 2, "PostTask");
  put_msg (interned, 2, n);
  n = g_byte_array_new ();
  put_uint (n, 1, 2);
  put_str (n, 2, "RunTask");
  put_msg (interned, 2, n);
  put_msg (p, 12, interned);
  add_packet (trace, p);

  /* Descriptors: the process (named) and its threads. */
  p = g_byte_array_new ();
  {
    GByteArray *td = g_byte_array_new (), *pd = g_byte_array_new ();
    put_uint (pd, 1, 10);
    put_str (pd, 6, "Browser");
    put_uint (td, 1, 100);
    put_msg (td, 3, pd);
    put_msg (p, 60, td);
  }
  put_uint (p, 10, 1);
  add_packet (trace, p);
  p = g_byte_array_new ();
  put_msg (p, 60, thread_track (1, 10, 11, "Main"));
  put_uint (p, 10, 1);
  add_packet (trace, p);
  p = g_byte_array_new ();
  put_msg (p, 60, thread_track (2, 10, 12, "IO"));
  put_uint (p, 10, 1);
  add_packet (trace, p);

  /* The receiving end is written first (Perfetto writes per-thread
   * chunks): flows are ordered by time, not by position. */
  add_packet (trace, slice_packet (1, 3000, 1, 2, 2, 0, 77));
  add_packet (trace, slice_packet (1, 5000, 2, 2, 0, 0, 0));
  add_packet (trace, slice_packet (1, 1000, 1, 1, 1, 77, 0));
  add_packet (trace, slice_packet (1, 2000, 2, 1, 0, 0, 0));
  {
    GByteArray *ip = g_byte_array_new (), *te = g_byte_array_new ();
    put_uint (ip, 8, 6000);
    put_uint (ip, 10, 1);
    put_uint (te, 9, 3);
    put_uint (te, 11, 2);
    put_str (te, 23, "ping");
    put_msg (ip, 11, te);
    add_packet (trace, ip);
  }
  return trace;
}

static void
check_two_threads (IngestStore *s)
{
  IngestActorId main_t = ingest_store_find_actor (s, "Main (tid 11)");
  IngestActorId io_t = ingest_store_find_actor (s, "IO (tid 12)");
  IngestActorId browser = ingest_store_find_actor (s, "Browser (pid 10)");
  guint flows = 0, marks = 0;

  assert_true (main_t != 0 && io_t != 0 && browser != 0);
  assert_int_equal (ingest_store_actor (s, main_t)->kind, INGEST_ACTOR_THREAD);
  assert_int_equal (ingest_store_actor (s, main_t)->parent, browser);
  assert_int_equal (ingest_store_actor (s, browser)->kind, INGEST_ACTOR_PROCESS);
  for (IngestMessageId m = 1; m <= ingest_store_n_messages (s); m++)
    {
      const IngestMessage *msg = ingest_store_message (s, m);
      if (msg->from == main_t && msg->to == io_t)
        {
          flows++;
          assert_string_equal (ingest_store_atom (s, msg->label), "RunTask");
          assert_int_equal (ingest_store_event (s, msg->send_seq)->time_ns, 1000);
          assert_int_equal (ingest_store_event (s, msg->receive_seq)->time_ns, 3000);
          assert_true (msg->done_seq != INGEST_SEQ_NONE);
          assert_int_equal (ingest_store_event (s, msg->done_seq)->time_ns, 5000);
        }
    }
  assert_int_equal (flows, 1);
  for (IngestSeq q = 0; q < ingest_store_n_events (s); q++)
    if (ingest_store_event (s, q)->kind == INGEST_EVENT_MARK)
      {
        marks++;
        assert_string_equal (ingest_store_atom (s, ingest_store_event (s, q)->text), "ping");
        assert_int_equal (ingest_store_event (s, q)->actor, io_t);
      }
  assert_int_equal (marks, 1);
}

static void
test_slices_and_flows (void **state)
{
  g_autoptr(GByteArray) trace = two_thread_trace ();
  IngestParserOptions opts = { .strict = TRUE, .source_name = "t.pftrace" };
  /* Whole, and one byte at a time (a pipe), and auto-detected. */
  for (gsize step = 0; step <= 1; step++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(IngestParser) parser = NULL;
      g_autoptr(IngestStore) s = test_ingest_parse ((const char *) trace->data, trace->len, step,
                                                    &opts, &parser, &error);
      assert_non_null (s);
      assert_null (error);
      assert_int_equal (ingest_parser_get_format (parser), INGEST_FORMAT_PERFETTO);
      check_two_threads (s);
    }
  assert_int_equal (ingest_format_detect (trace->data, trace->len), INGEST_FORMAT_PERFETTO);
}

static void
test_incremental_clock (void **state)
{
  g_autoptr(GByteArray) trace = g_byte_array_new ();
  GByteArray *p = g_byte_array_new (), *cs = g_byte_array_new (), *c, *d, *ted;
  g_autoptr(GError) error = NULL;
  IngestParserOptions opts = { .strict = TRUE, .source_name = "clk.pftrace" };
  IngestActorId a;

  /* A trace-wide snapshot: BOOTTIME 5 s is REALTIME 1000 s. */
  c = g_byte_array_new ();
  put_uint (c, 1, 6);
  put_uint (c, 2, G_GUINT64_CONSTANT (5000000000));
  put_msg (cs, 1, c);
  c = g_byte_array_new ();
  put_uint (c, 1, 1);
  put_uint (c, 2, G_GUINT64_CONSTANT (1000000000000));
  put_msg (cs, 1, c);
  put_msg (p, 6, cs);
  put_uint (p, 10, 1);
  add_packet (trace, p);

  /* Sequence 2: its clock 64 counts microseconds from BOOTTIME 5 s,
   * incrementally; events default to clock 64 and to track 1. */
  p = g_byte_array_new ();
  put_uint (p, 10, 2);
  put_uint (p, 13, 1);
  cs = g_byte_array_new ();
  c = g_byte_array_new ();
  put_uint (c, 1, 6);
  put_uint (c, 2, G_GUINT64_CONSTANT (5000000000));
  put_msg (cs, 1, c);
  c = g_byte_array_new ();
  put_uint (c, 1, 64);
  put_uint (c, 2, 5000000);
  put_uint (c, 3, 1);
  put_uint (c, 4, 1000);
  put_msg (cs, 1, c);
  put_msg (p, 6, cs);
  d = g_byte_array_new ();
  put_uint (d, 58, 64);
  ted = g_byte_array_new ();
  put_uint (ted, 11, 1);
  put_msg (d, 11, ted);
  put_msg (p, 59, d);
  put_msg (p, 60, thread_track (1, 3, 4, "Worker"));
  add_packet (trace, p);
  for (int i = 0; i < 2; i++)
    {
      GByteArray *ep = g_byte_array_new (), *te = g_byte_array_new ();
      put_uint (ep, 8, 10);         /* +10 µs each */
      put_uint (ep, 10, 2);
      put_uint (ep, 13, 2);
      put_uint (te, 9, i == 0 ? 1 : 2);
      put_str (te, 23, "Work");
      put_msg (ep, 11, te);
      add_packet (trace, ep);
    }
  {
    g_autoptr(IngestStore) s = test_ingest_parse ((const char *) trace->data, trace->len, 3, &opts,
                                                  NULL, &error);
    const IngestMessage *m;
    assert_non_null (s);
    a = ingest_store_find_actor (s, "Worker (tid 4)");
    assert_true (a != 0);
    assert_int_equal (ingest_store_n_messages (s), 1);
    m = ingest_store_message (s, 1);
    /* REALTIME 1000 s + 10 µs, then + 20 µs. */
    assert_int_equal (ingest_store_event (s, m->receive_seq)->time_ns,
                      G_GINT64_CONSTANT (1000000010000));
    assert_int_equal (ingest_store_event (s, m->done_seq)->time_ns,
                      G_GINT64_CONSTANT (1000000020000));
  }
}

static void
test_malformed (void **state)
{
  g_autoptr(GByteArray) trace = two_thread_trace ();
  IngestParserOptions strict = { .strict = TRUE, .source_name = "bad.pftrace" };
  IngestParserOptions lenient = { .source_name = "bad.pftrace", .format = INGEST_FORMAT_PERFETTO };

  /* Cut inside the last packet: an error naming the byte. */
  {
    g_autoptr(GError) error = NULL;
    g_autoptr(IngestStore) s = test_ingest_parse ((const char *) trace->data, trace->len - 3, 7,
                                                  &strict, NULL, &error);
    assert_null (s);
    assert_non_null (error);
    assert_true (g_str_has_prefix (error->message, "bad.pftrace: byte "));
    assert_non_null (strstr (error->message, "ends inside a packet"));
  }
  /* A corrupt TrackEvent inside a well-framed packet: lenient skips and
   * counts it, strict stops. */
  {
    g_autoptr(GByteArray) bad = g_byte_array_new ();
    GByteArray *p = g_byte_array_new ();
    const guint8 junk[] = { 0x0a, 0x7f, 0x01 };   /* a length past the end */
    g_byte_array_append (bad, trace->data, trace->len);
    put_uint (p, 10, 1);
    put_bytes (p, 11, junk, sizeof junk);
    add_packet (bad, p);
    add_packet (bad, slice_packet (1, 7000, 1, 1, 1, 0, 0));
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(IngestParser) parser = NULL;
      g_autoptr(IngestStore) s = test_ingest_parse ((const char *) bad->data, bad->len, 0, &lenient,
                                                    &parser, &error);
      assert_non_null (s);
      assert_int_equal (ingest_parser_n_skipped (parser), 1);
      assert_non_null (strstr (((GError *) g_ptr_array_index (ingest_parser_get_diagnostics (parser), 0))->message,
                               "malformed TrackEvent"));
      check_two_threads (s);
    }
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(IngestStore) s = test_ingest_parse ((const char *) bad->data, bad->len, 0, &strict,
                                                    NULL, &error);
      assert_null (s);
      assert_non_null (error);
      assert_true (g_str_has_prefix (error->message, "bad.pftrace: byte "));
    }
  }
  /* A bad top-level key: fatal, in both modes. */
  {
    const guint8 junk[] = { 0x0a, 0x02, 0x08, 0x01, 0x07, 0x00 };
    g_autoptr(GError) error = NULL;
    g_autoptr(IngestStore) s = test_ingest_parse ((const char *) junk, sizeof junk, 0, &lenient, NULL,
                                                  &error);
    assert_null (s);
    assert_non_null (strstr (error->message, "byte 4: not a Perfetto trace packet"));
  }
}

static void
test_detection (void **state)
{
  const char *ndjson = "\n{\"ts\":1,\"ev\":\"mark\",\"text\":\"a\"}\n";
  const guint8 packet_only[] = { 0x0a, 0x04, 0x08, 0x01, 0x50, 0x01 };
  assert_int_not_equal (ingest_format_detect ((const guint8 *) ndjson, strlen (ndjson)),
                        INGEST_FORMAT_PERFETTO);
  assert_int_equal (ingest_format_detect (packet_only, sizeof packet_only), INGEST_FORMAT_PERFETTO);
  {
    IngestFormat f;
    assert_true (ingest_format_from_string ("perfetto", &f));
    assert_int_equal (f, INGEST_FORMAT_PERFETTO);
    assert_string_equal (ingest_format_to_string (INGEST_FORMAT_PERFETTO), "perfetto");
  }
}

static void
test_wire_reader (void **state)
{
  /* A varint of 11 bytes, a length past the end, field 0: all refused
   * without reading past the buffer. */
  const guint8 long_varint[] = { 0x08, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01 };
  const guint8 past_end[] = { 0x12, 0x05, 0x01 };
  const guint8 field0[] = { 0x00, 0x01 };
  const guint8 fixed[] = { 0x09, 1, 2, 3, 4, 5, 6, 7, 8, 0x15, 1, 0, 0, 0 };
  IngestPbReader r;
  IngestPbField f;

  ingest_pb_reader_init (&r, long_varint, sizeof long_varint);
  assert_false (ingest_pb_next (&r, &f));
  assert_true (r.bad);
  ingest_pb_reader_init (&r, past_end, sizeof past_end);
  assert_false (ingest_pb_next (&r, &f));
  assert_true (r.bad && r.truncated);
  ingest_pb_reader_init (&r, field0, sizeof field0);
  assert_false (ingest_pb_next (&r, &f));
  assert_true (r.bad && !r.truncated);
  ingest_pb_reader_init (&r, fixed, sizeof fixed);
  assert_true (ingest_pb_next (&r, &f));
  assert_int_equal (f.wire, INGEST_PB_FIXED64);
  assert_true (f.value == G_GUINT64_CONSTANT (0x0807060504030201));
  assert_true (ingest_pb_next (&r, &f));
  assert_int_equal (f.wire, INGEST_PB_FIXED32);
  assert_int_equal (f.value, 1);
  assert_false (ingest_pb_next (&r, &f));
  assert_false (r.bad);
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_slices_and_flows),
    cmocka_unit_test (test_incremental_clock),
    cmocka_unit_test (test_malformed),
    cmocka_unit_test (test_detection),
    cmocka_unit_test (test_wire_reader),
  };
  return cmocka_run_group_tests (tests, NULL, NULL);
}
