<?php

namespace LaravelS\Components\Prometheus;

use Closure;

/**
 * The global middleware of the seed's step 3 (Hhxsv5\LaravelS\Components\Prometheus\
 * RequestMiddleware): counts each request and its duration from REQUEST_TIME_FLOAT (the
 * moment the server received it), so it goes first among the global middleware. It also
 * has the worker report its own memory and GC, at most once a second.
 */
class RequestMiddleware
{
    public function __construct(private Metrics $metrics)
    {
    }

    public function handle($request, Closure $next)
    {
        $response = $next($request);
        try {
            $started = (float) ($request->server('REQUEST_TIME_FLOAT') ?: microtime(true));
            $route = $request->route();
            $uri = is_object($route) && method_exists($route, 'uri') ? '/' . ltrim($route->uri(), '/') : $request->getPathInfo();
            $this->metrics->request($request->getMethod(), $uri, $response->getStatusCode(), microtime(true) - $started);
            $swoole = app()->bound('swoole') ? app('swoole') : null;
            if ($swoole !== null) {
                $this->metrics->process((int) $swoole->worker_id, $swoole->taskworker ? 'task' : 'worker');
            }
        } catch (\Throwable $e) {
            app('log')->error('Prometheus RequestMiddleware: the request was not counted: ' . $e->getMessage(), ['exception' => $e]);
        }

        return $response;
    }
}
