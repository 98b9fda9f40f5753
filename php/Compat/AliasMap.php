<?php

namespace LaravelS\Compat;

/**
 * The class names applications written for LaravelS use, and the class of this package
 * each one stands for. A target that does not exist (yet) is skipped by AliasLoader, so
 * the map may name classes a later part of the package provides.
 */
final class AliasMap
{
    /** Hhxsv5\LaravelS\... names: the package API that LaravelS users type. */
    public const LARAVELS = [
        'Hhxsv5\LaravelS\LaravelS' => \LaravelS\LaravelS::class,
        'Hhxsv5\LaravelS\Illuminate\LaravelSServiceProvider' => \LaravelS\ServiceProvider::class,
        'Hhxsv5\LaravelS\Illuminate\LaravelScheduleJob' => 'LaravelS\Timer\LaravelScheduleJob',

        'Hhxsv5\LaravelS\Illuminate\Cleaners\CleanerInterface' => \LaravelS\Contracts\Cleaner::class,
        'Hhxsv5\LaravelS\Illuminate\Cleaners\BaseCleaner' => \LaravelS\Cleaners\BaseCleaner::class,
        'Hhxsv5\LaravelS\Illuminate\Cleaners\AuthCleaner' => \LaravelS\Cleaners\AuthCleaner::class,
        'Hhxsv5\LaravelS\Illuminate\Cleaners\ConfigCleaner' => \LaravelS\Cleaners\ConfigCleaner::class,
        'Hhxsv5\LaravelS\Illuminate\Cleaners\ContainerCleaner' => \LaravelS\Cleaners\ContainerCleaner::class,
        'Hhxsv5\LaravelS\Illuminate\Cleaners\CookieCleaner' => \LaravelS\Cleaners\CookieCleaner::class,
        'Hhxsv5\LaravelS\Illuminate\Cleaners\DcatAdminCleaner' => \LaravelS\Cleaners\DcatAdminCleaner::class,
        'Hhxsv5\LaravelS\Illuminate\Cleaners\JWTCleaner' => \LaravelS\Cleaners\JWTCleaner::class,
        'Hhxsv5\LaravelS\Illuminate\Cleaners\LaravelAdminCleaner' => \LaravelS\Cleaners\LaravelAdminCleaner::class,
        'Hhxsv5\LaravelS\Illuminate\Cleaners\MenuCleaner' => \LaravelS\Cleaners\MenuCleaner::class,
        'Hhxsv5\LaravelS\Illuminate\Cleaners\RequestCleaner' => \LaravelS\Cleaners\RequestCleaner::class,
        'Hhxsv5\LaravelS\Illuminate\Cleaners\SessionCleaner' => \LaravelS\Cleaners\SessionCleaner::class,
        'Hhxsv5\LaravelS\Illuminate\Cleaners\ZiggyCleaner' => \LaravelS\Cleaners\ZiggyCleaner::class,

        // WebSocketHandlerInterface only adds a constructor to WebSocketInterface; our
        // interface leaves constructors free, so both names mean the same contract.
        'Hhxsv5\LaravelS\Swoole\WebSocketHandlerInterface' => \LaravelS\Contracts\WebSocketHandler::class,
        'Hhxsv5\LaravelS\Swoole\Socket\WebSocketInterface' => \LaravelS\Contracts\WebSocketHandler::class,
        'Hhxsv5\LaravelS\Swoole\Events\ServerStartInterface' => \LaravelS\Contracts\Events\ServerStart::class,
        'Hhxsv5\LaravelS\Swoole\Events\ServerStopInterface' => \LaravelS\Contracts\Events\ServerStop::class,
        'Hhxsv5\LaravelS\Swoole\Events\WorkerStartInterface' => \LaravelS\Contracts\Events\WorkerStart::class,
        'Hhxsv5\LaravelS\Swoole\Events\WorkerStopInterface' => \LaravelS\Contracts\Events\WorkerStop::class,
        'Hhxsv5\LaravelS\Swoole\Events\WorkerErrorInterface' => \LaravelS\Contracts\Events\WorkerError::class,
        'Hhxsv5\LaravelS\Swoole\Process\CustomProcessInterface' => \LaravelS\Contracts\CustomProcess::class,

        'Hhxsv5\LaravelS\Swoole\Task\Task' => 'LaravelS\Task\Task',
        'Hhxsv5\LaravelS\Swoole\Task\Event' => 'LaravelS\Task\Event',
        'Hhxsv5\LaravelS\Swoole\Task\Listener' => 'LaravelS\Task\Listener',
        'Hhxsv5\LaravelS\Swoole\Timer\CronJob' => 'LaravelS\Timer\CronJob',

        'Hhxsv5\LaravelS\Swoole\Socket\TcpSocket' => 'LaravelS\Socket\TcpSocket',
        'Hhxsv5\LaravelS\Swoole\Socket\UdpSocket' => 'LaravelS\Socket\UdpSocket',
        'Hhxsv5\LaravelS\Swoole\Socket\Http' => 'LaravelS\Socket\Http',
        'Hhxsv5\LaravelS\Swoole\Socket\WebSocket' => 'LaravelS\Socket\WebSocket',
        'Hhxsv5\LaravelS\Swoole\Socket\PortInterface' => 'LaravelS\Socket\PortHandler',

        'Hhxsv5\LaravelS\Components\Apollo\Client' => 'LaravelS\Components\Apollo\Client',
        'Hhxsv5\LaravelS\Components\Apollo\Process' => 'LaravelS\Components\Apollo\Process',
        'Hhxsv5\LaravelS\Components\Prometheus\CollectorProcess' => 'LaravelS\Components\Prometheus\CollectorProcess',
        'Hhxsv5\LaravelS\Components\Prometheus\Exporter' => 'LaravelS\Components\Prometheus\Exporter',
        'Hhxsv5\LaravelS\Components\Prometheus\RequestMiddleware' => 'LaravelS\Components\Prometheus\RequestMiddleware',
        'Hhxsv5\LaravelS\Components\Prometheus\ServiceProvider' => 'LaravelS\Components\Prometheus\ServiceProvider',
    ];

    /**
     * Swoole\... names: the objects handed to user code (app('swoole'), event and socket
     * handlers) and the classes user code creates itself (Table, Atomic, Process).
     * Our classes must keep Swoole's hierarchy (WebSocket\Server extends Http\Server
     * extends Server) so that handlers type-hinting a parent class still accept them.
     * These are aliased eagerly (see eager()), so their class declarations must not
     * depend on classes the application's autoloaders provide.
     */
    public const SWOOLE = [
        'Swoole\Server' => 'LaravelS\Server\Server',
        'Swoole\Http\Server' => \LaravelS\Server\HttpServer::class,
        'Swoole\WebSocket\Server' => 'LaravelS\Server\WebSocketServer',
        'Swoole\Server\Port' => 'LaravelS\Server\Port',
        'Swoole\Http\Request' => 'LaravelS\Server\Request',
        'Swoole\Http\Response' => 'LaravelS\Server\Response',
        'Swoole\WebSocket\Frame' => 'LaravelS\Server\Frame',
        'Swoole\Table' => 'LaravelS\Runtime\Table',
        'Swoole\Atomic' => 'LaravelS\Runtime\Atomic',
        'Swoole\Atomic\Long' => 'LaravelS\Runtime\Atomic\Long',
        'Swoole\Lock' => 'LaravelS\Runtime\Lock',
        'Swoole\Process' => 'LaravelS\Runtime\Process',
        'Swoole\Coroutine' => 'LaravelS\Runtime\Coroutine',
        'Swoole\Coroutine\Channel' => 'LaravelS\Coroutine\Channel',
        'Swoole\Coroutine\WaitGroup' => 'LaravelS\Coroutine\WaitGroup',
        'Swoole\Timer' => 'LaravelS\Runtime\Timer',
        // Swoole's short names (swoole.use_shortname, on by default).
        'Co' => 'LaravelS\Runtime\Coroutine',
        'Co\Channel' => 'LaravelS\Coroutine\Channel',
        'Co\WaitGroup' => 'LaravelS\Coroutine\WaitGroup',
    ];

    /**
     * The map for this process. With ext-swoole loaded, the Swoole\ names are Swoole's
     * own classes and are left alone (the runtime refuses to start beside Swoole).
     */
    public static function forProcess(bool $swooleLoaded): array
    {
        return $swooleLoaded ? self::LARAVELS : self::LARAVELS + self::SWOOLE;
    }

    /**
     * The names to alias as soon as the loader is registered: `instanceof` and `catch`
     * never autoload, and `app('swoole') instanceof Swoole\Http\Server` must hold.
     *
     * @return string[]
     */
    public static function eager(bool $swooleLoaded): array
    {
        return $swooleLoaded ? [] : array_keys(self::SWOOLE);
    }
}
