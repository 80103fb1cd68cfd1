%% actorscope_tracer: streams a running Erlang/OTP node's message traffic
%% to `actorscope serve --listen tcp://HOST:PORT` as actorscope native NDJSON
%% (data/formats/native-ndjson.md; the mapping is in data/formats/erlang.md).
%%
%%   1> c("actorscope_tracer.erl").            % or erlc + code:add_path
%%   2> actorscope_tracer:start("127.0.0.1", 7000, all).
%%   3> actorscope_tracer:stop().
%%
%% It uses erlang:trace/3 (send, 'receive', procs, timestamp). The BEAM
%% reports no sender on a receive, so each send is remembered under
%% {receiver, hash of the message term} and a receive takes the oldest one
%% (FIFO); a gen_server:call reply, sent to the caller's process alias (or
%% to its pid with the call's tag), names its call as in_reply_to.
%% Everything it keeps is bounded: lines waiting for a slow connection
%% (?MAX_BUFFER bytes), its own mailbox (?MAX_MAILBOX trace messages) and the
%% pairing tables (?MAX_PENDING entries); what is dropped is counted and
%% reported as a mark.
-module(actorscope_tracer).
-export([start/3, start/4, stop/0, stats/0]).
%% Internal.
-export([init/5, writer/2]).

-define(MAX_BUFFER, 4 * 1024 * 1024).
-define(MAX_MAILBOX, 100000).
-define(MAX_PENDING, 100000).
-define(MAX_TEXT, 256).

-record(st, {writer, writer_ready = true, buf = [], buf_bytes = 0, max_buffer = ?MAX_BUFFER,
             next_id = 0,
             pending = #{},        % {ReceiverPid, Hash} => [{Id, Sender}] (FIFO)
             n_pending = 0,
             calls = #{},          % call tag ref => {CallerPid, Id}
             names = #{},          % Pid => Name (registered)
             unspawned = #{},      % Pid => {Parent, Ts}: spawn not written yet
             dropped = 0, dropped_reported = 0, forgotten = 0,
             events = 0}).

%% Host: string or address tuple; Port: integer; What: all | new |
%% existing | a pid | a list of pids (each traced with set_on_spawn, so the
%% processes they spawn are traced too). Options (start/4): a map,
%% #{max_buffer => Bytes} bounds the lines waiting for the connection
%% (default 4 MiB).
start(Host, Port, What) ->
    start(Host, Port, What, #{}).

start(Host, Port, What, Options) when is_map(Options) ->
    case whereis(?MODULE) of
        undefined -> ok;
        _ -> stop()
    end,
    Self = self(),
    Pid = spawn(?MODULE, init, [Self, Host, Port, What, Options]),
    receive
        {Pid, Result} -> Result
    after 10000 ->
        exit(Pid, kill),
        {error, timeout}
    end.

stop() ->
    case whereis(?MODULE) of
        undefined -> ok;
        Pid ->
            Ref = monitor(process, Pid),
            Pid ! {stop, self()},
            receive
                {'DOWN', Ref, process, Pid, _} -> ok
            after 10000 ->
                exit(Pid, kill),
                ok
            end
    end.

%% stop/0 returns once what was buffered has been written (or 30 s).
%% stats/0: #{events, dropped, forgotten, pending}
stats() ->
    case whereis(?MODULE) of
        undefined -> {error, not_started};
        Pid ->
            Pid ! {stats, self()},
            receive {?MODULE, stats, S} -> S after 30000 -> {error, timeout} end
    end.

init(Parent, Host, Port, What, Options) ->
    case gen_tcp:connect(Host, Port, [binary, {active, false}, {packet, raw},
                                      {nodelay, true}, {send_timeout, 30000}], 10000) of
        {error, Reason} ->
            Parent ! {self(), {error, Reason}};
        {ok, Sock} ->
            register(?MODULE, self()),
            process_flag(priority, high),
            Writer = spawn_link(?MODULE, writer, [self(), Sock]),
            ok = gen_tcp:controlling_process(Sock, Writer),
            Flags = [send, 'receive', procs, timestamp, {tracer, self()}],
            N = start_trace(What, Flags),
            %% Never trace ourselves: our own sends would feed back.
            catch erlang:trace(self(), false, [all]),
            catch erlang:trace(Writer, false, [all]),
            Header = <<"{\"actorscope\":1,\"producer\":\"actorscope_tracer\"}\n">>,
            Mark = line(#{ts => now_ns(), ev => <<"mark">>,
                          text => iolist_to_binary(io_lib:format("actorscope_tracer on ~s: tracing ~b processes",
                                                                 [node(), N]))}),
            Parent ! {self(), ok},
            St = flush(#st{writer = Writer, buf = [Mark, Header],
                           buf_bytes = iolist_size([Header, Mark]),
                           max_buffer = maps:get(max_buffer, Options, ?MAX_BUFFER)}),
            loop(St)
    end.

start_trace(all, Flags) -> erlang:trace(all, true, Flags);
start_trace(new, Flags) -> erlang:trace(new, true, Flags);
start_trace(existing, Flags) -> erlang:trace(existing, true, Flags);
start_trace(Pid, Flags) when is_pid(Pid) -> start_trace([Pid], Flags);
start_trace(Pids, Flags) when is_list(Pids) ->
    lists:sum([catch erlang:trace(P, true, [set_on_spawn | Flags]) || P <- Pids, is_pid(P)]).

%% The writer owns the socket: a blocking send there never stops the
%% tracer from draining trace messages (it buffers, then drops).
writer(Tracer, Sock) ->
    receive
        {write, Data} ->
            case gen_tcp:send(Sock, Data) of
                ok -> Tracer ! writer_ready, writer(Tracer, Sock);
                {error, Reason} -> exit({send_failed, Reason})
            end;
        close ->
            gen_tcp:close(Sock)
    end.

loop(St0) ->
    St = shed(St0),
    receive
        writer_ready ->
            loop(flush(St#st{writer_ready = true}));
        {stop, _From} ->
            catch erlang:trace(all, false, [all]),
            St1 = flush_all(St),
            W = St1#st.writer,
            Ref = monitor(process, W),
            W ! close,
            %% The writer closes the socket after what it was given: wait,
            %% so a node halting right after stop/0 loses nothing.
            receive {'DOWN', Ref, process, W, _} -> ok after 30000 -> ok end;
        {stats, From} ->
            From ! {?MODULE, stats, #{events => St#st.events, dropped => St#st.dropped,
                                     forgotten => St#st.forgotten, pending => St#st.n_pending}},
            loop(St);
        {'EXIT', _, _} = E ->
            exit(E);
        Trace when element(1, Trace) =:= trace_ts ->
            loop(flush(event(Trace, St#st{events = St#st.events + 1})));
        _Other ->
            loop(St)
    end.

%% Our own mailbox is bounded too: a node sending faster than we can turn
%% traces into lines loses the excess, counted.
shed(St) ->
    case process_info(self(), message_queue_len) of
        {message_queue_len, N} when N > ?MAX_MAILBOX -> St#st{dropped = St#st.dropped + drain(N div 2)};
        _ -> St
    end.

drain(0) -> 0;
drain(N) ->
    receive
        T when element(1, T) =:= trace_ts -> 1 + drain(N - 1)
    after 0 -> 0
    end.

flush(St = #st{writer_ready = true, buf = Buf, writer = W}) when Buf =/= [] ->
    W ! {write, lists:reverse(Buf)},
    report_drops(St#st{writer_ready = false, buf = [], buf_bytes = 0});
flush(St) ->
    St.

flush_all(St0) ->
    St = report_drops(St0),
    case St#st.buf of
        [] -> St;
        Buf -> St#st.writer ! {write, lists:reverse(Buf)}, St#st{buf = [], buf_bytes = 0}
    end.

report_drops(St = #st{dropped = D, dropped_reported = R}) when D > R ->
    Text = io_lib:format("actorscope_tracer: ~b trace events dropped (the connection or the tracer "
                         "could not keep up; ~b in all)", [D - R, D]),
    Line = line(#{ts => now_ns(), ev => <<"mark">>, text => iolist_to_binary(Text)}),
    St#st{buf = [Line | St#st.buf], buf_bytes = St#st.buf_bytes + iolist_size(Line),
          dropped_reported = D};
report_drops(St) ->
    St.

emit(Map, St = #st{buf_bytes = B, max_buffer = Max}) when B >= Max ->
    _ = Map,
    St#st{dropped = St#st.dropped + 1};
emit(Map, St) ->
    Line = line(Map),
    St#st{buf = [Line | St#st.buf], buf_bytes = St#st.buf_bytes + iolist_size(Line)}.

%% --- trace messages to events ---

event({trace_ts, Pid, send, Msg, To, Ts}, St) ->
    send_event(Pid, Msg, To, ts(Ts), St);
event({trace_ts, Pid, send_to_non_existing_process, Msg, To, Ts}, St0) ->
    {Id, St1} = new_id(St0),
    T = ts(Ts),
    St2 = emit(#{ts => T, ev => <<"send">>, actor => name(Pid, St1), to => dest_name(To, St1),
                 id => Id, label => label(Msg)}, ensure_spawned(Pid, St1)),
    emit(#{ts => T, ev => <<"drop">>, actor => dest_name(To, St2), id => Id,
           reason => <<"no such process">>}, St2);
event({trace_ts, Pid, 'receive', Msg, Ts}, St) ->
    receive_event(Pid, Msg, ts(Ts), St);
event({trace_ts, Pid, spawned, Parent, _MFA, Ts}, St) ->
    %% Written at the process's first other event, so a name registered
    %% right after the spawn (every gen_server with a name) is the one used.
    St#st{unspawned = maps:put(Pid, {Parent, ts(Ts), []}, St#st.unspawned)};
event({trace_ts, _Pid, spawn, _Child, _MFA, _Ts}, St) ->
    St;
event({trace_ts, Pid, register, Name, _Ts}, St) ->
    St#st{names = maps:put(Pid, atom_to_binary(Name, utf8), St#st.names)};
event({trace_ts, _Pid, unregister, _Name, _Ts}, St) ->
    St;   % keep the name: the actor stays the same
event({trace_ts, Pid, exit, Reason, Ts}, St0) ->
    St = ensure_spawned(Pid, St0),
    Status = case Reason of
                 normal -> <<"normal">>;
                 shutdown -> <<"normal">>;
                 {shutdown, _} -> <<"normal">>;
                 _ -> <<"crash">>
             end,
    St1 = emit(#{ts => ts(Ts), ev => <<"exit">>, actor => name(Pid, St), status => Status,
                 reason => text(Reason)}, St),
    forget_process(Pid, St1);
event({trace_ts, Pid, What, Other, Ts}, St)
  when What =:= link; What =:= unlink; What =:= getting_linked; What =:= getting_unlinked ->
    Mark = {ts(Ts), iolist_to_binary([atom_to_binary(What, utf8), " ", name_of(Other, St)])},
    case maps:get(Pid, St#st.unspawned, undefined) of
        {Parent, T, Marks} ->
            %% spawn_link links before the new process registers its name:
            %% keep the mark until the spawn is written under that name.
            St#st{unspawned = maps:put(Pid, {Parent, T, [Mark | Marks]}, St#st.unspawned)};
        undefined ->
            link_mark(Pid, Mark, St)
    end;
event(_, St) ->
    St.

send_event(Pid, Msg, To, T, St0) ->
    St1 = ensure_spawned(Pid, St0),
    {Receiver, St2} = resolve(To, St1),
    {Id, St3} = new_id(St2),
    Base = #{ts => T, ev => <<"send">>, actor => name(Pid, St3), to => name_of(Receiver, St3),
             id => Id, label => label(Msg), payload => text(Msg)},
    %% gen_server:call: {'$gen_call', {From, Tag}, Request}; the reply is
    %% {Tag, Reply} sent to From's alias (OTP 24+) or pid.
    {Extra, St4} =
        case Msg of
            {'$gen_call', {From, Tag}, _} when is_pid(From) ->
                Calls = bounded(St3#st.calls, St3),
                {#{reply_to => name(From, St3)},
                 St3#st{calls = maps:put(tag_ref(Tag), {From, Id}, Calls)}};
            {Tag, _Reply} ->
                case maps:take(tag_ref(Tag), St3#st.calls) of
                    {{_Caller, CallId}, Calls} -> {#{in_reply_to => CallId}, St3#st{calls = Calls}};
                    error -> {#{}, St3}
                end;
            _ -> {#{}, St3}
        end,
    St5 = emit(maps:merge(Base, Extra), St4),
    case Receiver of
        P when is_pid(P) -> remember(P, Msg, Id, Pid, St5);
        _ -> St5
    end.

receive_event(Pid, Msg, T, St0) ->
    St = ensure_spawned(Pid, St0),
    Key = {Pid, erlang:phash2(Msg)},
    case maps:get(Key, St#st.pending, []) of
        [{Id, From} | Rest] ->
            Pending = case Rest of
                          [] -> maps:remove(Key, St#st.pending);
                          _ -> maps:put(Key, Rest, St#st.pending)
                      end,
            emit(#{ts => T, ev => <<"recv">>, actor => name(Pid, St), from => name(From, St), id => Id},
                 St#st{pending = Pending, n_pending = St#st.n_pending - 1});
        [] ->
            %% From an untraced process, a port, a timer or the runtime.
            {Id, St1} = new_id(St),
            emit(#{ts => T, ev => <<"recv">>, actor => name(Pid, St1), id => Id,
                   from => <<"(untraced)">>}, St1)
    end.

remember(Receiver, Msg, Id, Sender, St0) ->
    St = case St0#st.n_pending >= ?MAX_PENDING of
             true -> St0#st{pending = #{}, n_pending = 0, forgotten = St0#st.forgotten + St0#st.n_pending};
             false -> St0
         end,
    Key = {Receiver, erlang:phash2(Msg)},
    Q = maps:get(Key, St#st.pending, []),
    St#st{pending = maps:put(Key, Q ++ [{Id, Sender}], St#st.pending), n_pending = St#st.n_pending + 1}.

bounded(Map, _St) when map_size(Map) >= ?MAX_PENDING -> #{};
bounded(Map, _St) -> Map.

tag_ref([alias | Ref]) -> Ref;
tag_ref(Tag) -> Tag.

%% Where a send goes: a pid, a registered name, {Name, Node}, or a process
%% alias (a reference) of a pending gen_server:call.
resolve(P, St) when is_pid(P) -> {P, St};
resolve(Name, St) when is_atom(Name) ->
    case whereis(Name) of
        P when is_pid(P) -> {P, St};
        _ -> {atom_to_binary(Name, utf8), St}
    end;
resolve({Name, Node}, St) when is_atom(Name), Node =:= node() -> resolve(Name, St);
resolve({Name, Node}, St) when is_atom(Name), is_atom(Node) ->
    {iolist_to_binary([atom_to_binary(Name, utf8), "@", atom_to_binary(Node, utf8)]), St};
resolve(Ref, St) when is_reference(Ref) ->
    case maps:get(Ref, St#st.calls, undefined) of
        {Caller, _} -> {Caller, St};
        undefined -> {iolist_to_binary(["alias ", ref_to_list(Ref)]), St}
    end;
resolve(Port, St) when is_port(Port) -> {list_to_binary(erlang:port_to_list(Port)), St};
resolve(Other, St) -> {text(Other), St}.

dest_name(To, St) -> {R, _} = resolve(To, St), name_of(R, St).

name_of(P, St) when is_pid(P) -> name(P, St);
name_of(P, _St) when is_port(P) -> list_to_binary(erlang:port_to_list(P));
name_of(B, _St) when is_binary(B) -> B;
name_of(Other, _St) -> text(Other).

name(Pid, St) when is_pid(Pid) ->
    case maps:get(Pid, St#st.names, undefined) of
        undefined ->
            case node(Pid) =:= node() andalso process_info(Pid, registered_name) of
                {registered_name, N} -> atom_to_binary(N, utf8);
                _ -> list_to_binary(pid_to_list(Pid))
            end;
        N -> N
    end;
name(Other, St) -> name_of(Other, St).

ensure_spawned(Pid, St) ->
    case maps:take(Pid, St#st.unspawned) of
        error -> St;
        {{Parent, T, Marks}, Rest} ->
            St1 = emit(#{ts => T, ev => <<"spawn">>, actor => name(Pid, St), parent => name_of(Parent, St)},
                       St#st{unspawned = Rest}),
            lists:foldl(fun(M, A) -> link_mark(Pid, M, A) end, St1, lists:reverse(Marks))
    end.

link_mark(Pid, {T, Text}, St) ->
    emit(#{ts => T, ev => <<"mark">>, actor => name(Pid, St), text => Text}, St).

forget_process(Pid, St) ->
    St#st{names = maps:remove(Pid, St#st.names), unspawned = maps:remove(Pid, St#st.unspawned)}.

new_id(St = #st{next_id = N}) -> {N, St#st{next_id = N + 1}}.

%% A short label for a message: gen_server call/cast and the tag of a tuple.
label({'$gen_call', _, Req}) -> iolist_to_binary(["call:", label(Req)]);
label({'$gen_cast', Req}) -> iolist_to_binary(["cast:", label(Req)]);
label({system, _, Req}) -> iolist_to_binary(["system:", label(Req)]);
label({io_request, _, _, _}) -> <<"io_request">>;
label({io_reply, _, _}) -> <<"io_reply">>;
label({'EXIT', _, _}) -> <<"'EXIT'">>;
label({Ref, _}) when is_reference(Ref) -> <<"reply">>;
label({[alias | Ref], _}) when is_reference(Ref) -> <<"reply">>;
label(T) when is_tuple(T), tuple_size(T) > 0, is_atom(element(1, T)) -> atom_to_binary(element(1, T), utf8);
label(A) when is_atom(A) -> atom_to_binary(A, utf8);
label(T) when is_tuple(T) -> <<"tuple">>;
label(L) when is_list(L) -> <<"list">>;
label(B) when is_binary(B) -> <<"binary">>;
label(N) when is_integer(N) -> <<"integer">>;
label(_) -> <<"term">>.

text(Term) ->
    B = iolist_to_binary(io_lib:format("~0P", [Term, 12])),
    case byte_size(B) > ?MAX_TEXT of
        true -> <<(binary:part(B, 0, ?MAX_TEXT))/binary, "...">>;
        false -> B
    end.

ts({Mega, Sec, Micro}) -> ((Mega * 1000000 + Sec) * 1000000 + Micro) * 1000.

now_ns() -> erlang:system_time(nanosecond).

%% --- native NDJSON ---

line(Map) ->
    Members = [[$", atom_to_binary(K, utf8), $", $:, value(V)] || {K, V} <- maps:to_list(Map)],
    [${, lists:join($,, Members), $}, $\n].

value(N) when is_integer(N) -> integer_to_binary(N);
value(B) when is_binary(B) -> [$", escape(B), $"].

escape(B) -> << <<(esc(C))/binary>> || <<C>> <= B >>.

esc($") -> <<"\\\"">>;
esc($\\) -> <<"\\\\">>;
esc($\n) -> <<"\\n">>;
esc($\r) -> <<"\\r">>;
esc($\t) -> <<"\\t">>;
esc(C) when C < 16#20; C =:= 16#7f -> iolist_to_binary(io_lib:format("\\u~4.16.0b", [C]));
esc(C) -> <<C>>.
