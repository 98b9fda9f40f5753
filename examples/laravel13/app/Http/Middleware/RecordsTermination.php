<?php

namespace App\Http\Middleware;

use Closure;
use Illuminate\Http\Request;

/**
 * A terminable middleware: terminate() runs after the response went out, once per
 * request that passed through it. It notes what it saw in storage/app/terminated.log.
 */
class RecordsTermination
{
    public function handle(Request $request, Closure $next, string ...$tags)
    {
        return $next($request);
    }

    public function terminate(Request $request, $response): void
    {
        $line = json_encode(['path' => $request->path(), 'status' => $response->getStatusCode(), 'pid' => getmypid()]);
        file_put_contents(storage_path('app/terminated.log'), $line . "\n", FILE_APPEND | LOCK_EX);
    }
}
