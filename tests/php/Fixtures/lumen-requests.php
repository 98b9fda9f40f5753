<?php

/*
 * Serves /hello, then /missing (which matches no route) on a Lumen app, recording in a
 * global middleware what the request's route() and the Request facade's path() say in
 * each; prints the records as JSON. Argument "clean" runs the cleaners in between.
 * Lumen keeps the matched route on the application, and the request under its class
 * name (so the facade's cache is not cleared with it).
 */

require '/usr/share/php/Laravel/Lumen/autoload.php';
require __DIR__ . '/../package-autoload.php';

$app = new Laravel\Lumen\Application(sys_get_temp_dir());
$app->withFacades();
$app->singleton(Illuminate\Contracts\Debug\ExceptionHandler::class, Laravel\Lumen\Exceptions\Handler::class);
$seen = [];
$app->middleware([function ($request, $next) use (&$seen) {
    $route = $request->route();
    $seen[] = [$route === null ? null : ($route[1]['as'] ?? '?'), Illuminate\Support\Facades\Request::path()];

    return $next($request);
}]);
$app->router->get('/hello', ['as' => 'hello', fn () => 'hi']);
$app->boot();
$view = json_decode(file_get_contents(__DIR__ . '/config-view.json'), true);
$cleaners = new LaravelS\Cleaners\CleanerManager($app, LaravelS\Config\CleanerConfig::fromArray($view));

$app->handle(Illuminate\Http\Request::create('/hello'));
if (($argv[1] ?? '') === 'clean') {
    $cleaners->clean();
}
$app->handle(Illuminate\Http\Request::create('/missing'));

echo json_encode($seen);
