<?php

namespace LaravelS\Console;

use LaravelS\Bridge\ServerEvents;
use LaravelS\Config\ServerConfig;
use LaravelS\Runtime\ConfigException;

/**
 * The classes config('laravels') names (port handlers, the WebSocket handler, event
 * handlers, custom processes), checked where the config is read: in the child process
 * of AppConfig::read, so the master, which every worker is forked from, loads none of
 * the app's classes and a reload boots their current code.
 */
final class ConfigClasses
{
    /**
     * The first class that is missing or of the wrong kind, as the error to print; null
     * when all are right, or when the config itself is wrong (the master's parse says why).
     */
    public static function problem(array $laravels, string $basePath): ?string
    {
        try {
            $config = ServerConfig::load($laravels, $basePath);
        } catch (ConfigException) {
            return null;
        }
        foreach ($config->sockets as $socket) {
            if (!self::fits($socket->handler, \LaravelS\Socket\PortHandler::class)) {
                return sprintf(
                    'laravels.%s.handler: %s is not a class extending TcpSocket, UdpSocket, Http or WebSocket.'
                    . ' Fix: correct the class name, or extend one of Hhxsv5\LaravelS\Swoole\Socket\{TcpSocket, UdpSocket, Http, WebSocket}',
                    $socket->key,
                    $socket->handler
                );
            }
        }
        $handler = $config->websocket->handler;
        if ($config->websocket->enable && !self::fits($handler, \LaravelS\Contracts\WebSocketHandler::class)) {
            return sprintf(
                'laravels.websocket.handler: %s is not a class implementing WebSocketHandlerInterface.'
                . ' Fix: correct the class name, or implement Hhxsv5\LaravelS\Swoole\WebSocketHandlerInterface (onOpen, onMessage, onClose)',
                $handler
            );
        }
        foreach ($config->processes as $process) {
            if (!self::fits($process->class, \LaravelS\Contracts\CustomProcess::class)) {
                return sprintf(
                    "laravels.processes.%s.class: %s is not a class implementing Hhxsv5\\LaravelS\\Swoole\\Process\\CustomProcessInterface."
                    . " Fix: correct the class, or disable the entry with 'enable' => false",
                    $process->name,
                    $process->class
                );
            }
        }
        try {
            new ServerEvents($config->eventHandlers);
        } catch (\InvalidArgumentException $e) {
            return $e->getMessage();
        }

        return null;
    }

    /** Whether $class exists and extends or implements $parent. */
    private static function fits(string $class, string $parent): bool
    {
        return class_exists($class) && is_subclass_of($class, $parent);
    }
}
