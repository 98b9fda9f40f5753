<?php

namespace App\Http\Controllers;

use RuntimeException;

/**
 * Every way a request can end badly. A runtime must answer each one and keep serving
 * (replacing the worker where PHP cannot go on).
 */
class FailureController extends Controller
{
    public function exception()
    {
        throw new RuntimeException('boom');
    }

    /** An Error thrown by the engine (undefined function), named at run time so no tool flags it. */
    public function fatal()
    {
        $function = 'undefined_fn_xyz';

        return $function();
    }

    /**
     * A PHP error raised by the app, which Laravel's error handler turns into an
     * ErrorException. PHP 8.4 deprecates trigger_error() with E_USER_ERROR (laravel8's
     * way): a user warning takes the same path through the handler.
     */
    public function fatalError()
    {
        trigger_error('fatal', E_USER_WARNING);
    }

    /** Allocates until PHP's memory limit kills the request: a fatal no handler can catch. */
    public function memoryExhaust()
    {
        // The CLI's memory_limit is -1 on Debian: never allocate without a bound.
        if ((int) ini_get('memory_limit') <= 0) {
            ini_set('memory_limit', '128M');
        }

        // ?after=MS: runs that long first, so other requests can queue behind it.
        usleep(max(0, (int) app('request')->query('after', 0)) * 1000);
        $blocks = [];
        while (true) {
            $blocks[] = str_repeat('x', 1048576);
        }
    }

    public function exit()
    {
        echo 'bye';
        exit();
    }

    public function dd()
    {
        dd(['x' => 1]);
    }
}
