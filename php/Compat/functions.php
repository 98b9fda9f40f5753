<?php

/*
 * Swoole's coroutine functions, for code written for Swoole: go() and defer() (its short
 * names), Swoole\Coroutine\run() and Co\run(). Loaded by aliases.php where ext-swoole is
 * not; each is declared only if missing (Laravel 11+'s own global defer() helper keeps
 * that name when it is loaded first).
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
        /** Runs $fn when the current coroutine ends (Swoole\Coroutine::defer()). */
        function defer(callable $fn): void
        {
            \LaravelS\Runtime\Coroutine::defer($fn);
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
