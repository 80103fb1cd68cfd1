%% The supervisor of the Erlang test system (tests/test-erlang-tracer.mjs):
%% a router and three workers, restarted one for one.
-module(as_demo_sup).
-behaviour(supervisor).
-export([start_link/0, init/1]).

start_link() -> supervisor:start_link({local, ?MODULE}, ?MODULE, []).

init([]) ->
    Workers = [as_worker1, as_worker2, as_worker3],
    Child = fun(Name, Arg) ->
                    #{id => Name, start => {as_demo_server, start_link, [Name, Arg]}}
            end,
    {ok, {#{strategy => one_for_one, intensity => 5, period => 10},
          [Child(W, worker) || W <- Workers] ++ [Child(as_router, {router, Workers})]}}.
