<?php

namespace LaravelS\Tests\Fixtures\BridgeApp;

use Illuminate\Auth\GenericUser;
use Illuminate\Http\JsonResponse;
use Illuminate\Http\Request;
use Illuminate\Http\Response;
use Illuminate\Support\ServiceProvider;
use LaravelS\Tests\Fixtures\UserCode\ShopController;
use Symfony\Component\HttpFoundation\BinaryFileResponse;
use Symfony\Component\HttpFoundation\Cookie;
use Symfony\Component\HttpFoundation\StreamedResponse;

/**
 * The fixture app's routes: each either leaves state behind (config, bindings, a logged
 * in user, the session, queued cookies) or reports it, so a test can tell whether the
 * next request sees what the one before it left; and responses of every shape.
 */
class Routes extends ServiceProvider
{
    public function register()
    {
        $this->app->singleton(Counter::class);
    }

    public function boot()
    {
        // As many apps' providers do: the auth and session managers are built at boot, so
        // they are part of the booted state and only their cleaners reset them.
        $this->app['auth']->viaRequest('probe-token', fn () => null);
        $this->app['session']->extend('probe', fn () => new ProbeSessions());
        $this->app['router']->middleware('web')->group(function ($router) {
            $router->get('/hello', fn () => new JsonResponse(['hello' => 'world']));
            $router->get('/ws', fn () => 'handshake');

            $router->get('/config', fn () => new JsonResponse(['value' => config('app.probe'), 'locale' => app()->getLocale()]));
            $router->get('/config/set/{value}', function (string $value) {
                config(['app.probe' => $value, 'app.added' => true]);
                app()->setLocale('fr');

                return 'set';
            });
            $router->get('/translator-locale', fn () => app('translator')->getLocale());
            $router->get('/count', fn () => (string) ++app(Counter::class)->n);
            $router->get('/bind', function () {
                app()->instance('probe.bound', new \stdClass());

                return 'bound';
            });
            $router->get('/bound', fn () => new JsonResponse(['bound' => app()->bound('probe.bound')]));
            $router->get('/login/{id}', function (string $id) {
                auth()->guard('web')->setUser(new GenericUser(['id' => (int) $id]));

                return 'logged in';
            });
            $router->get('/whoami', fn () => new JsonResponse(['user' => optional(auth()->guard('web')->getUser())->getAuthIdentifier()]));
            $router->get('/session/put/{value}', function (string $value) {
                session()->put('probe', $value);

                return 'stored';
            });
            $router->get('/session', fn () => new JsonResponse(['probe' => session('probe')]));
            $router->get('/cookie/queue', function () {
                cookie()->queue('remember', 'alice', 60);

                return 'queued';
            });
            $router->get('/facade-path', fn () => \Illuminate\Support\Facades\Request::path());
            $router->get('/shop/{item}', [ShopController::class, 'add']);
            $router->get('/deliver/{name}', fn (string $name) => ProbeTask::deliver(new ProbeTask($name)) ? 'queued' : 'refused');

            $router->any('/echo', fn (Request $request) => new JsonResponse([
                'method' => $request->method(),
                'path' => $request->path(),
                'query' => $request->query(),
                'input' => $request->except(array_keys($request->allFiles())),
                'json' => $request->isJson() ? $request->json()->all() : null,
                'header' => $request->header('X-Probe'),
                'cookies' => $request->cookies->all(),
                'secure' => $request->secure(),
                'ip' => $request->ip(),
                'files' => array_map(
                    fn ($f) => is_array($f)
                        ? count($f) . ' files'
                        : [$f->getClientOriginalName(), $f->getClientMimeType(), file_get_contents($f->getPathname())],
                    $request->allFiles()
                ),
            ]));
            // PHP's own request globals, as code that reads them instead of the request sees them.
            $router->any('/globals', fn () => new JsonResponse([
                'get' => $_GET, 'post' => $_POST, 'cookie' => $_COOKIE, 'files' => $_FILES, 'request' => $_REQUEST,
                'server' => array_intersect_key($_SERVER, array_flip([
                    'REQUEST_METHOD', 'REMOTE_ADDR', 'HTTP_X_PROBE', 'SCRIPT_NAME', 'APP_RUNNING_IN_CONSOLE', 'argv',
                ])),
            ]));
            $router->get('/per-request', function () {
                $list = app('probe.per-request');
                $list[] = 'entry';

                return (string) count($list);
            });
            $router->get('/terminable', fn () => 'done')->middleware(Terminable::class);
            $router->get('/throws', fn () => throw new \RuntimeException('the route failed'));
            $router->get('/exit', function () {
                echo 'bye';
                exit;
            });
            $router->get('/dd', fn () => dd('dumped'));
            $router->get('/printed', function () {
                echo 'printed by the route';

                return '';
            });
            $router->get('/stream', fn () => new StreamedResponse(function () {
                echo 'one,';
                flush();
                echo 'two';
            }, 200, ['Content-Type' => 'text/plain']));
            $router->get('/download', fn () => new BinaryFileResponse(storage_path('download.txt'), 200, [], true, 'attachment'));
            $router->get('/teapot', fn () => (new Response('short and stout'))->setStatusCode(418, 'Tea Time'));
            $router->get('/not-found-reason', fn () => new Response('gone', 404));
            $router->get('/cookies', function () {
                $response = new Response('cookies', 201, ['X-Multi' => ['one', 'two']]);
                $response->headers->setCookie(Cookie::create('a', '1'));
                $response->headers->setCookie(Cookie::create('b', '2', 0, '/sub'));

                return $response;
            });
        });
    }
}
