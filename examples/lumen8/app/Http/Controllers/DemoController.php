<?php

namespace App\Http\Controllers;

use Illuminate\Http\JsonResponse;
use Illuminate\Http\Request;
use RuntimeException;
use Symfony\Component\HttpFoundation\StreamedResponse;

/** The Lumen side of the end-to-end routes (see routes/web.php). */
class DemoController extends Controller
{
    /** The $_SERVER keys the runtime has to fill in itself (not taken from headers). */
    private const SERVER_KEYS = [
        'REMOTE_ADDR', 'REMOTE_PORT', 'SERVER_PORT', 'REQUEST_TIME', 'REQUEST_TIME_FLOAT', 'HTTPS',
    ];

    public function hello(): JsonResponse
    {
        return response()->json(['message' => 'hello']);
    }

    /** The request as the application sees it, to compare runtimes. */
    public function echo(Request $request): JsonResponse
    {
        $content = $request->getContent();

        return response()->json([
            'method' => $request->method(),
            'path' => $request->path(),
            'url' => $request->fullUrl(),
            'query' => $request->query(),
            'input' => $request->input(),
            'json' => $request->isJson() ? $request->json()->all() : null,
            'headers' => $request->headers->all(),
            'cookies' => $request->cookies->all(),
            'server' => array_combine(self::SERVER_KEYS, array_map([$request, 'server'], self::SERVER_KEYS)),
            'ip' => $request->ip(),
            'secure' => $request->isSecure(),
            'scheme' => $request->getScheme(),
            'content_length' => strlen($content),
            'content_md5' => md5($content),
            'x_version' => [
                'server_global' => $_SERVER['X_VERSION'] ?? null,
                'env_global' => $_ENV['X_VERSION'] ?? null,
                'request_server' => $request->server('X_VERSION'),
            ],
        ]);
    }

    public function exception()
    {
        throw new RuntimeException('boom');
    }

    public function exit()
    {
        echo 'bye';
        exit();
    }

    public function sleep(int $ms): JsonResponse
    {
        usleep($ms * 1000);

        return response()->json(['slept' => $ms, 'pid' => getmypid()]);
    }

    public function pid(): JsonResponse
    {
        return response()->json([
            'pid' => getmypid(),
            'worker_id' => app()->bound('swoole') ? (app('swoole')->worker_id ?? null) : null,
        ]);
    }

    /** Five chunks 200 ms apart: a client sees the first before the last is written. */
    public function stream(): StreamedResponse
    {
        return response()->stream(function () {
            for ($i = 1; $i <= 5; $i++) {
                echo "chunk-$i\n";
                if (ob_get_level() > 0) {
                    ob_flush();
                }
                flush();
                if ($i < 5) {
                    usleep(200000);
                }
            }
        }, 200, ['Content-Type' => 'text/plain']);
    }
}
