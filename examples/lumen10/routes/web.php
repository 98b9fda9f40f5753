<?php

/** @var \Laravel\Lumen\Routing\Router $router */

/*
 * The routes the end-to-end tests and the benchmarks drive on Lumen; each answers like
 * its namesake in the Laravel examples. Lumen has no session, cookie jar or login: the
 * Laravel examples' /cookies, /session/*, /flash/*, /login/{id}, /me and /ws/session
 * are not here, nor /terminable/{status} (Lumen runs terminate() of global middleware
 * only); the tests that need them are marked laravel_only.
 */

$router->get('/', 'ResponseController@welcome');

// Also GET /api/hello, which the benchmarks and the lifecycle tests use.
$router->get('/hello', 'ResponseController@hello');
$router->group(['prefix' => 'api'], function () use ($router) {
    $router->get('/hello', 'ResponseController@hello');
    // The one-query benchmark route: a user row by id, one SELECT on the sqlite database.
    $router->get('/db/{id:[0-9]+}', 'ResponseController@user');
    $router->get('/redis/{key:[a-z0-9-]+}', 'ResponseController@counter');
    // Code written for php-fpm: PHP's request globals and header functions (tests/e2e/test_php_globals.py).
    $router->addRoute(['GET', 'POST', 'PUT'], '/php/globals', 'PhpGlobalsController@globals');
    $router->post('/php/upload', 'PhpGlobalsController@upload');
    $router->get('/php/headers', 'PhpGlobalsController@headers');
    $router->get('/php/legacy', 'PhpGlobalsController@legacy');
    $router->get('/php/exit', 'PhpGlobalsController@exit');
    $router->get('/php/stream', 'PhpGlobalsController@stream');
});

$router->addRoute(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'], '/echo', 'EchoController@echo');
$router->post('/upload', 'EchoController@upload');

$router->get('/redirect', 'ResponseController@redirect');
$router->get('/status/{code:[1-5][0-9][0-9]}', 'ResponseController@status');
$router->get('/echo-output', 'ResponseController@echoOutput');
$router->get('/var-dump', 'ResponseController@varDump');
$router->get('/stream', 'ResponseController@stream');
$router->get('/download', 'ResponseController@download');
$router->get('/download-delete', 'ResponseController@downloadDelete');

$router->get('/exception', 'FailureController@exception');
$router->get('/fatal', 'FailureController@fatal');
$router->get('/fatal-error', 'FailureController@fatalError');
$router->get('/memory-exhaust', 'FailureController@memoryExhaust');
$router->get('/exit', 'FailureController@exit');
$router->get('/dd', 'FailureController@dd');

$router->get('/sleep/{ms:[0-9]+}', 'StateController@sleep');
$router->get('/pid', 'StateController@pid');
$router->get('/task/{id}', 'StateController@task');
$router->get('/event/{id}', 'StateController@event');
$router->get('/task-closure/{id}', 'StateController@closureTask');
$router->get('/tasks/burst/{n:[0-9]+}', 'StateController@taskBurst');
$router->get('/tasks/finished', 'StateController@tasksFinished');
$router->get('/process/write', 'StateController@testProcessWrite');
$router->get('/leak/{kb:[0-9]+}', 'StateController@leak');
$router->get('/singleton', 'StateController@singleton');
$router->get('/config-set/{value}', 'StateController@configSet');
$router->get('/config-get', 'StateController@configGet');

// Shared memory: swoole_tables' `ws` table and ServerStart's atomicCount (tests/e2e/test_tables.py).
$router->get('/table/set/{key}/{value:-?[0-9]+}', 'TableController@set');
$router->get('/table/get/{key}', 'TableController@get');
$router->get('/table/incr/{key}', 'TableController@incr');
$router->get('/table/rows', 'TableController@rows');
$router->get('/atomic/add', 'TableController@atomicAdd');

// WebSocket: the handshake path of the README (/ws answers 200 to plain HTTP), pushes
// from a controller and from a task worker, and the connection list.
$router->get('/ws', function () {
    return 'websocket';
});
$router->get('/ws/push/{fd:[0-9]+}/{message}', 'WebSocketController@push');
$router->get('/ws/push-task/{fd:[0-9]+}/{message}', 'WebSocketController@pushFromTask');
$router->get('/ws/connections', 'WebSocketController@connections');

// Extra ports (`sockets`): send to every connection of port #1 from a controller.
$router->get('/ports/broadcast/{message}', 'PortController@broadcast');
