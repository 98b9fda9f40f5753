<?php

namespace LaravelS\Bridge;

use LaravelS\Config\ServerConfig;
use LaravelS\Coroutine\Scheduler;
use LaravelS\Diagnostics\LeakDetectorFactory;
use LaravelS\Server\HttpServer;
use LaravelS\Task\SwooleTask;
use LaravelS\Transport\CurrentTransport;
use LaravelS\Transport\MessageKind;
use LaravelS\Transport\Transport;
use LaravelS\Transport\WorkerState;
use Symfony\Component\HttpFoundation\Response;

/**
 * A worker's life: boot the app once, then take requests from the master until told to
 * leave. If a request ends the process (exit(), dd(), a fatal error, memory_limit), the
 * shutdown function still answers the client before the process goes and the manager
 * forks a fresh worker. Everything it says to the master goes through $transport.
 */
final class WorkerLoop
{
    /** Error types after which PHP stops the script: the request failed. */
    private const FATAL = E_ERROR | E_PARSE | E_CORE_ERROR | E_COMPILE_ERROR | E_USER_ERROR | E_RECOVERABLE_ERROR;

    /** @var Gateway */
    private $gateway;
    /** @var int output buffering level outside any request */
    private $baseObLevel = 0;
    /** @var bool a dump() happened during the current request (dd() is dump() + exit) */
    private $dumped = false;
    /** @var WebSocketEvents|null */
    private $websocket;
    /** @var PortEvents */
    private $ports;
    /** @var TaskEvents app('swoole')->task()'s tasks, results and sendMessage()s */
    private $tasks;
    /** @var ResponseEmitter */
    private $emitter;
    /** @var PhpGlobals|null $_GET, $_POST, ... of the request in hand */
    private $globals;
    /** @var resource|null the request body php://input reads, one stream reused by every request */
    private $input;
    /** @var \Closure|null what nextMessage() waits with, made once */
    private $poll;

    public function __construct(
        private string $basePath,
        private ServerConfig $config,
        private array $role,
        private HttpServer $server,
        private ServerEvents $events,
        private Transport $transport,
        private array $serverDefaults = []
    ) {
        $this->emitter = new ResponseEmitter($transport);
    }

    public function run(): int
    {
        $id = (int) $this->role['worker_id'];
        $taskWorker = (bool) ($this->role['task_worker'] ?? false);
        // The environment as before the master read .env, and not a console command.
        ProcessEnvironment::forRequests();
        $server = $this->server;
        $transport = $this->transport;
        CurrentTransport::set($transport);
        // Timers and coroutines are the process's own: none inherited from the master.
        Scheduler::reset();
        $server->bindWorker($id, (int) $this->role['master_pid'], (int) $this->role['manager_pid']);
        $server->taskworker = $taskWorker;
        (new BootGuard(sprintf('%s #%d', $taskWorker ? 'task worker' : 'worker', $id)))->boot(fn () => $this->boot($id, $taskWorker));
        register_shutdown_function([$this, 'answerInterruptedRequest']);
        $this->baseObLevel = ob_get_level();
        $this->globals = new PhpGlobals($this->gateway->basePath());
        Scheduler::current()->reportWith(fn (\Throwable $e) => $this->reportUncaught($e));
        $transport->connect();

        while (($message = $this->nextMessage()) !== null) {
            $kind = MessageKind::from($message['type']);
            if ($kind === MessageKind::Request) {
                $this->serve($message);
                continue;
            }
            $this->gateway->settle();
            match ($kind) {
                MessageKind::Task => $this->runTask($message['payload'], $message['origin']),
                MessageKind::Finish => $this->runFinish($message['payload']),
                MessageKind::Open, MessageKind::Message, MessageKind::Close => $this->websocketEvent($kind, $message),
                MessageKind::PipeMessage => $this->runPipeMessage($message['payload']),
                // Connect, Receive, Packet, PortRequest, BufferFull, BufferEmpty.
                default => $this->ports->dispatch($kind, $message),
            };
        }
        $this->gateway->settle();
        $this->events->fire('WorkerStop', $server, $id);
        if (($why = $transport->retireReason()) !== null) {
            fwrite(STDERR, sprintf("[%s] [worker #%d] leaving: %s after %d requests\n", gmdate('Y-m-d H:i:s'), $id, $why, $transport->served()));
        }

        return 0;
    }

    /**
     * The master's next message. While the worker waits for it, the timers it set
     * (Swoole\Timer, $server->tick()) and its sleeping coroutines run when due: between
     * requests, never inside one. Without any, it waits in next() alone.
     */
    private function nextMessage(): ?array
    {
        Scheduler::current()->waitFor($this->poll ??= fn (int $ms): bool => $ms < 0 || $this->transport->poll($ms));

        return $this->transport->next();
    }

    /** A timer's callback or a coroutine threw, and nothing caught it. */
    private function reportUncaught(\Throwable $e): void
    {
        $this->gateway->report($e);
        $this->log(sprintf('uncaught in a timer or coroutine: %s: %s', get_class($e), $e->getMessage()));
    }

    /** Boots the application and builds what serves it; WorkerStart runs last. */
    private function boot(int $id, bool $taskWorker): void
    {
        $server = $this->server;
        $transport = $this->transport;
        $this->gateway = Gateway::boot($this->basePath, $this->config->cleaners, ['swoole' => $server]);
        if (!$taskWorker && $this->config->cleaners->leakDetector->enable) {
            $this->gateway->detectLeaks(LeakDetectorFactory::make($this->gateway->app(), $this->config, $this->role));
        }
        $this->captureDumps();
        $handler = $this->config->websocket->handler;
        if (!$taskWorker && $server instanceof \LaravelS\Server\WebSocketServer && $handler !== null) {
            $this->websocket = new WebSocketEvents($this->gateway, $server, $transport, new $handler());
        }
        $ports = [];
        foreach ($this->config->sockets as $socket) {
            $ports[$socket->index] = $socket->handler;
        }
        $this->ports = new PortEvents($this->gateway, $server, $transport, $ports);
        $this->tasks = new TaskEvents($server, $this->events, $this->gateway);
        $this->events->fire('WorkerStart', $server, $id);
        $transport->setServerDefaults($this->serverDefaults);
    }

    /** A WebSocket event of the main port (`websocket.handler`) or of an extra port's. */
    private function websocketEvent(MessageKind $kind, array $message): void
    {
        if (($message['port'] ?? 0) > 0) {
            $this->ports->dispatch($kind, $message);
        } elseif ($this->websocket === null) {
            $kind === MessageKind::Open ? $this->transport->respond(400, [], 'WebSocket is not enabled') : $this->transport->eventDone();
        } else {
            match ($kind) {
                MessageKind::Open => $this->websocket->open($message['fd'], $message['server']),
                MessageKind::Message => $this->websocket->message($message['fd'], $message['opcode'], $message['data']),
                MessageKind::Close => $this->websocket->close($message['fd']),
            };
        }
    }

    private function serve(array $incoming): void
    {
        $this->dumped = false;
        $request = RequestFactory::make($incoming['server'], $incoming['body'], $incoming['form'] ?? null, $this->globals);
        if ($this->config->tracing && isset($incoming['server']['HTTP_TRACEPARENT'])) {
            // The server span's context, which the master wrote (tracing.enabled): the
            // parent of any span the application makes.
            $request->attributes->set('traceparent', $incoming['server']['HTTP_TRACEPARENT']);
        }
        $this->transport->beginSapi($this->input($incoming['body']), $this->globals?->uploads() ?? []);
        try {
            ob_start();
            $response = $this->gateway->handle($request);
            $output = $this->collectOutput();
            // header() and setcookie() of code that ran in the request join the response.
            [$headers] = $this->transport->sapiHeaders();
            $this->emitter->emit($response, $output, $headers);
            $this->terminate($request, $response);
        } finally {
            $this->transport->endSapi();
            $this->globals->leave();
        }
    }

    /** The request's body as the stream php://input reads. */
    private function input(string $body)
    {
        $input = $this->input ??= fopen('php://temp', 'w+b');
        ftruncate($input, 0);
        if ($body !== '') {
            fwrite($input, $body);
        }
        rewind($input);

        return $input;
    }

    private function terminate(\Illuminate\Http\Request $request, Response $response): void
    {
        try {
            $this->gateway->terminate($request, $response);
        } catch (\Throwable $e) {
            // A cleaner failed: this worker's state can no longer be trusted. It answers
            // at most the request already on its way, then a fresh worker replaces it.
            $this->gateway->report($e);
            fwrite(STDERR, sprintf(
                "[%s] [worker #%d] resetting state failed (%s: %s); replacing this worker\n",
                gmdate('Y-m-d H:i:s'),
                $this->transport->id(),
                get_class($e),
                $e->getMessage()
            ));
            $this->transport->leave();
        }
    }

    /**
     * Runs a delivered task or event, up to its tries, and sends a task back for finish();
     * or a task of app('swoole')->task(), sending its result back when it has one.
     */
    private function runTask(string $payload, ?int $origin): void
    {
        $task = $this->unserializeTask($payload);
        if ($task instanceof SwooleTask) {
            $back = $this->tasks->run($task) ? $this->packResult($task) : null;
            $this->gateway->resetState();
            $this->transport->taskDone($back, $origin);

            return;
        }
        if ($task !== null) {
            $tries = max(1, (int) $task->getTries());
            for ($attempt = 1; $attempt <= $tries; $attempt++) {
                try {
                    $task->runInTaskWorker();
                    break;
                } catch (\Throwable $e) {
                    $this->gateway->report($e);
                    $this->log(sprintf('task %s failed (attempt %d of %d): %s', get_class($task), $attempt, $tries, $e->getMessage()));
                }
            }
        }
        $back = $task !== null && $origin !== null && method_exists($task, 'finish') ? serialize($task) : null;
        $this->gateway->resetState();
        $this->transport->taskDone($back, $origin);
    }

    /** A task's result on its way back; null (logged) when it cannot be serialized. */
    private function packResult(SwooleTask $task): ?string
    {
        try {
            return serialize($task);
        } catch (\Throwable $e) {
            $this->log(sprintf('the result of task #%d cannot be serialized (%s); it is not sent back', $task->id, $e->getMessage()));

            return null;
        }
    }

    /** Runs finish() of a task this worker delivered, or the finish callback of task(). */
    private function runFinish(string $payload): void
    {
        $task = $this->unserializeTask($payload);
        try {
            if ($task instanceof SwooleTask) {
                $this->tasks->finished($task);
            } elseif ($task !== null && method_exists($task, 'finish')) {
                $task->finish();
            }
        } catch (\Throwable $e) {
            $this->gateway->report($e);
            $this->log(sprintf('finish() of %s failed: %s', get_class($task), $e->getMessage()));
        }
        $this->gateway->resetState();
        $this->transport->finishDone();
    }

    /** Runs the onPipeMessage handlers of a sendMessage() for this worker. */
    private function runPipeMessage(string $payload): void
    {
        $this->tasks->pipeMessage($payload);
        $this->gateway->resetState();
        $this->transport->eventDone();
    }

    private function unserializeTask(string $payload): \LaravelS\Task\BackgroundWork|SwooleTask|null
    {
        try {
            $task = unserialize($payload);
        } catch (\Throwable $e) {
            $this->gateway->report($e);
            $task = null;
        }
        if (!$task instanceof \LaravelS\Task\BackgroundWork && !$task instanceof SwooleTask) {
            $this->log('received a task that does not unserialize to a LaravelS task; skipped');

            return null;
        }

        return $task;
    }

    private function log(string $message): void
    {
        fwrite(STDERR, sprintf("[%s] [worker #%d] %s\n", gmdate('Y-m-d H:i:s'), $this->transport->id(), $message));
    }

    /** Everything the request echoed, with its output buffers closed. */
    private function collectOutput(): string
    {
        $output = '';
        while (ob_get_level() > $this->baseObLevel) {
            $output = ob_get_clean() . $output;
        }

        return $output;
    }

    /**
     * Runs at process shutdown. If a request is still unanswered, the script ended inside
     * it: answer as php-fpm would have (500 for a fatal error or dd(), the output for exit()).
     */
    public function answerInterruptedRequest(): void
    {
        $transport = $this->transport;
        $state = $transport->state();
        if (!$state->owesAnswer()) {
            return;
        }
        // The process ends after this answer: the master must not send it another request.
        $transport->leave();
        if ($state === WorkerState::Event) {
            $this->log(sprintf('the process ended during a WebSocket event: %s', json_encode(error_get_last())));
            $transport->eventDone();

            return;
        }
        if ($state === WorkerState::Task || $state === WorkerState::Finish) {
            $this->log(sprintf('the process ended during a %s: %s', $state->value, json_encode(error_get_last())));
            $state === WorkerState::Task ? $transport->taskDone(null, null) : $transport->finishDone();

            return;
        }
        $output = $this->collectOutput();
        if ($state === WorkerState::Streaming) {
            $transport->write($output);
            $transport->end();

            return;
        }
        $error = error_get_last();
        $fatal = $error !== null && ($error['type'] & self::FATAL) !== 0;
        if ($fatal) {
            fwrite(STDERR, sprintf(
                "[%s] [worker #%d] fatal error: %s in %s:%d; answering 500 and replacing this worker\n",
                gmdate('Y-m-d H:i:s'),
                $transport->id(),
                $error['message'],
                $error['file'],
                $error['line']
            ));
        }
        if ($fatal && $output === '') {
            $output = 'Internal Server Error';
        }
        // As php-fpm ends such a request: what header() and setcookie() set goes out, with
        // the code http_response_code() or a Location header set (PHP's default 200 else).
        // The globals stay as they are: the process ends, and its replacement boots afresh.
        [$headers, $code] = $transport->sapiHeaders();
        $status = $fatal || $this->dumped ? 500 : ($code ?: 200);
        $transport->respond($status, SapiHeaders::alone($headers), $output);
    }

    /** dump()/dd() render HTML, as they would under php-fpm, and are noticed for the status. */
    private function captureDumps(): void
    {
        if (!class_exists(\Symfony\Component\VarDumper\VarDumper::class)) {
            return;
        }
        $cloner = new \Symfony\Component\VarDumper\Cloner\VarCloner();
        $dumper = new \Symfony\Component\VarDumper\Dumper\HtmlDumper();
        \Symfony\Component\VarDumper\VarDumper::setHandler(function ($var) use ($cloner, $dumper): void {
            $this->dumped = true;
            $dumper->dump($cloner->cloneVar($var));
        });
    }
}
