<?php

use App\Http\Controllers\BroadcastController;
use App\Http\Controllers\EchoController;
use App\Http\Controllers\FailureController;
use App\Http\Controllers\PortController;
use App\Http\Controllers\ResponseController;
use App\Http\Controllers\StateController;
use App\Http\Controllers\SwooleTaskController;
use App\Http\Controllers\TableController;
use App\Http\Controllers\WebSocketController;
use App\Http\Middleware\EncryptCookies;
use App\Http\Middleware\VerifyCsrfToken;
use Illuminate\Cookie\Middleware\AddQueuedCookiesToResponse;
use Illuminate\Session\Middleware\StartSession;
use Illuminate\Support\Facades\Route;
use Illuminate\View\Middleware\ShareErrorsFromSession;

/*
 * The routes the end-to-end tests and the benchmarks drive. Each is small and
 * deterministic; the `web` group (cookies, session, CSRF) applies unless removed.
 */

Route::get('/', [ResponseController::class, 'welcome']);

// Also GET /api/hello (routes/api.php), which the benchmarks use.
Route::get('/hello', [ResponseController::class, 'hello'])->withoutMiddleware([
    EncryptCookies::class,
    AddQueuedCookiesToResponse::class,
    StartSession::class,
    ShareErrorsFromSession::class,
    VerifyCsrfToken::class,
]);

// Cookies arrive as the client sent them: EncryptCookies would blank any it cannot decrypt.
Route::any('/echo', [EchoController::class, 'echo'])->withoutMiddleware(EncryptCookies::class);
Route::post('/upload', [EchoController::class, 'upload']);

Route::get('/cookies', [ResponseController::class, 'cookies']);
Route::get('/redirect', [ResponseController::class, 'redirect']);
Route::get('/status/{code}', [ResponseController::class, 'status'])->where('code', '[1-5][0-9][0-9]');
Route::get('/echo-output', [ResponseController::class, 'echoOutput']);
Route::get('/var-dump', [ResponseController::class, 'varDump']);
Route::get('/stream', [ResponseController::class, 'stream']);
Route::get('/download', [ResponseController::class, 'download']);
Route::get('/download-delete', [ResponseController::class, 'downloadDelete']);

Route::get('/exception', [FailureController::class, 'exception']);
Route::get('/fatal', [FailureController::class, 'fatal']);
Route::get('/fatal-error', [FailureController::class, 'fatalError']);
Route::get('/memory-exhaust', [FailureController::class, 'memoryExhaust']);
Route::get('/exit', [FailureController::class, 'exit']);
Route::get('/dd', [FailureController::class, 'dd']);

Route::get('/sleep/{ms}', [StateController::class, 'sleep'])->where('ms', '[0-9]+');
Route::get('/pid', [StateController::class, 'pid']);
Route::get('/task/{id}', [StateController::class, 'task']);
Route::get('/event/{id}', [StateController::class, 'event']);
Route::get('/task-closure/{id}', [StateController::class, 'closureTask']);
Route::get('/tasks/burst/{n}', [StateController::class, 'taskBurst'])->where('n', '[0-9]+');
Route::get('/tasks/finished', [StateController::class, 'tasksFinished']);
Route::get('/swoole/task', [SwooleTaskController::class, 'task']);
Route::get('/swoole/taskwait', [SwooleTaskController::class, 'taskwait']);
Route::get('/swoole/multi', [SwooleTaskController::class, 'multi']);
Route::get('/swoole/send-message/{dst}', [SwooleTaskController::class, 'sendMessage'])->where('dst', '-?[0-9]+');
Route::get('/swoole/concurrently', [SwooleTaskController::class, 'concurrently']);
Route::get('/swoole/concurrency', [SwooleTaskController::class, 'concurrency']);
Route::get('/swoole/worker-status', [SwooleTaskController::class, 'workerStatus']);
Route::get('/swoole/stop', [SwooleTaskController::class, 'stop']);
Route::get('/swoole/heartbeat', [SwooleTaskController::class, 'heartbeat']);
Route::get('/swoole/shutdown', [SwooleTaskController::class, 'shutdown']);
Route::get('/swoole/taskco', [SwooleTaskController::class, 'taskCo']);
Route::get('/swoole/reload', [SwooleTaskController::class, 'reload']);
Route::get('/process/write', [StateController::class, 'testProcessWrite']);
Route::get('/leak/{kb}', [StateController::class, 'leak'])->where('kb', '[0-9]+');
Route::get('/session/put/{value}', [StateController::class, 'sessionPut']);
Route::get('/session/get', [StateController::class, 'sessionGet']);
Route::get('/flash/set/{value}', [StateController::class, 'flashSet']);
Route::get('/flash/get', [StateController::class, 'flashGet']);
Route::get('/login/{id}', [StateController::class, 'login'])->where('id', '[0-9]+');
Route::get('/me', [StateController::class, 'me']);
Route::get('/singleton', [StateController::class, 'singleton']);
Route::get('/config-set/{value}', [StateController::class, 'configSet']);
Route::get('/config-get', [StateController::class, 'configGet']);

// Shared memory: swoole_tables' `ws` table and ServerStart's atomicCount (tests/e2e/test_tables.py).
Route::get('/table/set/{key}/{value}', [TableController::class, 'set'])->where('value', '-?[0-9]+');
Route::get('/table/get/{key}', [TableController::class, 'get']);
Route::get('/table/incr/{key}', [TableController::class, 'incr']);
Route::get('/table/rows', [TableController::class, 'rows']);
Route::get('/atomic/add', [TableController::class, 'atomicAdd']);

// WebSocket: the handshake path of the README (/ws answers 200 to plain HTTP), pushes
// from a controller and from a task worker, and the connection list.
// Laravel Broadcasting through the laravels broadcaster (tests/e2e/test_pusher.py).
Route::get('/broadcast/{channel}/{message}', [BroadcastController::class, 'send']);

Route::get('/ws', fn () => 'websocket');
Route::get('/ws/push/{fd}/{message}', [WebSocketController::class, 'push'])->where('fd', '[0-9]+');
Route::get('/ws/push-task/{fd}/{message}', [WebSocketController::class, 'pushFromTask'])->where('fd', '[0-9]+');
Route::get('/ws/connections', [WebSocketController::class, 'connections']);
Route::get('/ws/session', [WebSocketController::class, 'sessionWs']);

// Extra ports (`sockets`): send to every connection of port #1 from a controller.
Route::get('/ports/broadcast/{message}', [PortController::class, 'broadcast']);

// Terminable middleware (tests/e2e/test_response.py): terminate() after each response.
Route::get('/terminable/{status}', fn (string $status) => response('terminable', (int) $status))
    ->where('status', '[0-9]+')->middleware('records.termination:tagged');
