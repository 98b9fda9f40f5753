<?php

namespace LaravelS\Tests\Fixtures\BridgeApp;

use Illuminate\Http\Response;
use Symfony\Component\HttpKernel\Exception\HttpExceptionInterface;

/** Records what is reported and renders plain text, so no view is needed. */
class ExceptionHandler extends \Illuminate\Foundation\Exceptions\Handler
{
    /** @var string[] */
    public static $reported = [];

    public function report(\Throwable $e)
    {
        self::$reported[] = get_class($e) . ': ' . $e->getMessage();
    }

    public function render($request, \Throwable $e)
    {
        $status = $e instanceof HttpExceptionInterface ? $e->getStatusCode() : 500;

        return new Response(get_class($e), $status, ['Content-Type' => 'text/plain']);
    }
}
