<?php

namespace App\Http\Controllers;

use Illuminate\Http\JsonResponse;
use Illuminate\Http\Request;
use Illuminate\Http\UploadedFile;
use Illuminate\Support\Arr;

/**
 * Reflects the request back as JSON, so the end-to-end tests can compare what the
 * application sees under laravels-rs with what it sees under php-fpm or `php -S`.
 */
class EchoController extends Controller
{
    /** The $_SERVER keys the runtime has to fill in itself (not taken from headers). */
    private const SERVER_KEYS = [
        'REMOTE_ADDR', 'REMOTE_PORT', 'SERVER_PORT', 'REQUEST_TIME', 'REQUEST_TIME_FLOAT', 'HTTPS',
    ];

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
            // tracing.enabled: the server span's context, as an attribute and in $_SERVER.
            'traceparent' => [
                'attribute' => $request->attributes->get('traceparent'),
                'server_global' => $_SERVER['HTTP_TRACEPARENT'] ?? null,
            ],
            'x_version' => [
                'server_global' => $_SERVER['X_VERSION'] ?? null,
                'env_global' => $_ENV['X_VERSION'] ?? null,
                'request_server' => $request->server('X_VERSION'),
            ],
        ]);
    }

    /**
     * Describes every uploaded file; store()s the first on the local disk and move()s the
     * second (if any) to storage/app/moved, the two ways an application keeps an upload.
     */
    public function upload(Request $request): JsonResponse
    {
        // Field name => file, nested fields dotted (`docs[]` gives `docs.0`, `docs.1`).
        $files = array_filter(Arr::dot($request->allFiles()), function ($file) {
            return $file instanceof UploadedFile;
        });

        $described = [];
        foreach ($files as $name => $file) {
            $described[] = $this->describe($name, $file);
        }

        [$first, $second] = array_pad(array_values($files), 2, null);

        $stored = $first !== null && $first->isValid() ? $first->store('uploads') : null;

        $moved = null;
        if ($second !== null && $second->isValid()) {
            $name = uniqid('moved-', true).'-'.$second->getClientOriginalName();
            $moved = $second->move(storage_path('app/moved'), $name)->getPathname();
        }

        return response()->json([
            'files' => $described,
            'stored' => $stored === null ? null : storage_path('app/'.$stored),
            'moved' => $moved,
        ]);
    }

    private function describe(string $name, UploadedFile $file): array
    {
        $valid = $file->isValid();

        return [
            'name' => $name,
            'original_name' => $file->getClientOriginalName(),
            'client_mime' => $file->getClientMimeType(),
            'mime' => $valid ? $file->getMimeType() : null,
            'size' => $file->getSize(),
            'md5' => $valid ? md5_file($file->getRealPath()) : null,
            'valid' => $valid,
            'error' => $file->getError(),
        ];
    }
}
