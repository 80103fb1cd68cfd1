%% The router and the workers of the Erlang test system: the router passes
%% each {work, X} call to the next worker (gen_server:call) and answers with
%% the worker's answer; a worker crashes on a `crash` cast.
-module(as_demo_server).
-behaviour(gen_server).
-export([start_link/2, init/1, handle_call/3, handle_cast/2]).

start_link(Name, Arg) -> gen_server:start_link({local, Name}, ?MODULE, Arg, []).

init(worker) -> {ok, worker};
init({router, Workers}) -> {ok, {router, Workers}}.

handle_call({work, X}, _From, {router, [W | Ws]}) ->
    Answer = gen_server:call(W, {work, X}),
    {reply, Answer, {router, Ws ++ [W]}};
handle_call({work, X}, _From, worker) ->
    {reply, X * 2, worker}.

handle_cast(crash, worker) ->
    Zero = erlang:length([]),
    {noreply, 1 div Zero}.
