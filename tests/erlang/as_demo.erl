%% The Erlang test system run by tests/test-erlang-tracer.mjs, traced by
%% data/erlang/actorscope_tracer.erl into `actorscope serve --listen`:
%% a supervisor, a gen_server router, three workers, a ping-pong pair, and
%% a worker that crashes and is restarted.
-module(as_demo).
-export([run/2, flood/2]).

run(Host, Port) ->
    ok = actorscope_tracer:start(Host, Port, new),
    Main = self(),
    %% Start the system from a traced process (new processes are traced).
    spawn(fun() ->
                  {ok, Sup} = as_demo_sup:start_link(),
                  unlink(Sup),
                  Main ! started
          end),
    receive started -> ok end,
    Client = spawn(fun() ->
                           register(as_client, self()),
                           [begin Y = gen_server:call(as_router, {work, X}), Y = X * 2 end || X <- lists:seq(1, 9)],
                           Main ! client_done
                   end),
    receive client_done -> ok end,
    _ = Client,
    Pong = spawn(fun() -> register(pong, self()), pong() end),
    Ping = spawn(fun() -> register(ping, self()), receive go -> ping(Pong, 20) end, Main ! pinged end),
    Ping ! go,
    receive pinged -> ok end,
    Old = whereis(as_worker2),
    gen_server:cast(as_worker2, crash),
    wait_restart(Old, 100),
    spawn(fun() -> 8 = gen_server:call(as_worker2, {work, 4}), Main ! after_restart end),
    receive after_restart -> ok end,
    timer:sleep(100),
    Stats = actorscope_tracer:stats(),
    actorscope_tracer:stop(),
    io:format("tracer: ~p~n", [Stats]).

%% A flood into a connection nobody reads yet, with a 64 KiB buffer: the
%% tracer must drop and count, and say so in the stream once it drains.
flood(Host, Port) ->
    ok = actorscope_tracer:start(Host, Port, new, #{max_buffer => 65536}),
    Main = self(),
    Sink = spawn(fun() -> sink(0, Main) end),
    spawn(fun() -> [Sink ! {item, I, binary:copy(<<"x">>, 300)} || I <- lists:seq(1, 25000)],
                   Sink ! done end),
    receive {sunk, N} -> io:format("sunk: ~b~n", [N]) end,
    timer:sleep(200),
    io:format("flood: ~p~n", [actorscope_tracer:stats()]),
    actorscope_tracer:stop(),
    io:format("stopped~n").

sink(N, Main) ->
    receive
        {item, _, _} -> sink(N + 1, Main);
        done -> Main ! {sunk, N}
    end.

ping(Pong, 0) -> Pong ! stop, ok;
ping(Pong, N) ->
    Pong ! {ping, self(), N},
    receive {pong, N} -> ping(Pong, N - 1) end.

pong() ->
    receive
        {ping, From, N} -> From ! {pong, N}, pong();
        stop -> ok
    end.

wait_restart(_Old, 0) -> exit(no_restart);
wait_restart(Old, N) ->
    case whereis(as_worker2) of
        P when is_pid(P), P =/= Old -> ok;
        _ -> timer:sleep(20), wait_restart(Old, N - 1)
    end.
