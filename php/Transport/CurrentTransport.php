<?php

namespace LaravelS\Transport;

/**
 * The transport of the current process, for the user-facing static APIs that cannot
 * take one (Task::deliver(), Event::fire()) and for server objects user code makes
 * itself (`new Swoole\Http\Server`). The worker, timer and process loops bind theirs
 * when they start; until then it is the extension's. Everything made by the package
 * gets its transport through its constructor instead.
 */
final class CurrentTransport
{
    /** @var Transport|null */
    private static $transport;

    public static function get(): Transport
    {
        return self::$transport ??= new ExtensionTransport();
    }

    /** Makes $transport the current process's (a loop at its start; a test). */
    public static function set(?Transport $transport): void
    {
        self::$transport = $transport;
    }
}
