<?php

/*
 * Gateway::handle() and terminateLumen() on a Lumen app, as a worker runs them:
 * three requests with a global middleware that has no terminate(), then the same with one
 * that has (added to the list after the first requests). Prints, as JSON, the terminate()
 * calls seen after each request ([path, status]): once per request, after the response.
 */

require '/usr/share/php/Laravel/Lumen/autoload.php';
require __DIR__ . '/../package-autoload.php';

$seen = new ArrayObject();
$app = new Laravel\Lumen\Application(sys_get_temp_dir());
$app->singleton(Illuminate\Contracts\Debug\ExceptionHandler::class, Laravel\Lumen\Exceptions\Handler::class);
// Middleware by container name: one without terminate(), one with.
$app->bind('plain', fn () => new class () {
    public function handle($request, $next)
    {
        return $next($request);
    }
});
$app->bind('terminable', fn () => new class ($seen) {
    public function __construct(private ArrayObject $seen)
    {
    }

    public function handle($request, $next)
    {
        return $next($request);
    }

    public function terminate($request, $response): void
    {
        $this->seen[] = [$request->path(), $response->getStatusCode()];
    }
});
$app->middleware(['plain']);
$app->router->get('/a', fn () => response('a', 201));
$app->boot();
$gateway = (new ReflectionClass(LaravelS\Bridge\Gateway::class))->newInstanceWithoutConstructor();
(fn () => $this->app = $app)->call($gateway);
$terminate = fn ($response) => $this->terminateLumen($response);
$after = [];
foreach ([1, 2, 3] as $round) {
    if ($round === 3) {
        $app->middleware(['terminable']);
    }
    $response = $gateway->handle(Illuminate\Http\Request::create('/a'));
    $terminate->call($gateway, $response);
    $after[] = $seen->getArrayCopy();
}

echo json_encode($after);
