<?php

/*
 * Swoole's coroutine functions, for code written for Swoole: go() and defer() (its short
 * names), Swoole\Coroutine\run() and Co\run(). Loaded by aliases.php where ext-swoole is
 * not; each is declared only if missing. Laravel 11+ has a global defer() helper too:
 * whichever loads first, defer() outside a coroutine is Laravel's there.
 */

namespace {
    if (!function_exists('go')) {
        /** Starts $fn in a new coroutine (Swoole\Coroutine::create()); its id. */
        function go(callable $fn, ...$args)
        {
            return \LaravelS\Runtime\Coroutine::create($fn, ...$args);
        }
    }
    if (!function_exists('defer')) {
        /**
         * Inside a coroutine, Swoole's defer(): $callback runs when the coroutine ends.
         * Elsewhere on Laravel 11+, Laravel's own defer() helper (run after the response),
         * so the short name means what each kind of code expects whichever file loaded
         * first.
         *
         * @return mixed Laravel's DeferredCallback (or collection) outside a coroutine there
         */
        function defer(?callable $callback = null, ?string $name = null, bool $always = false)
        {
            if (\LaravelS\Runtime\Coroutine::getCid() > 0 || !function_exists('Illuminate\Support\defer')) {
                \LaravelS\Runtime\Coroutine::defer($callback);

                return null;
            }

            return \Illuminate\Support\defer($callback, $name, $always);
        }
    }
}

namespace Swoole\Coroutine {
    if (!function_exists('Swoole\Coroutine\run')) {
        /**
         * Runs $fn in a coroutine and returns once it and every coroutine it started have
         * ended; false (with a warning) inside a coroutine or a running loop, as Swoole.
         * Timers are left to the process's own loop.
         */
        function run(callable $fn, ...$args): bool
        {
            return \LaravelS\Coroutine\Scheduler::current()->run($fn, $args, false);
        }
    }
}

namespace Co {
    if (!function_exists('Co\run')) {
        /** Swoole\Coroutine\run(). */
        function run(callable $fn, ...$args): bool
        {
            return \Swoole\Coroutine\run($fn, ...$args);
        }
    }
}
