<?php

namespace LaravelS\Bridge;

/**
 * The process environment a child boots the application in. The master boots the app once
 * to read its config, and Dotenv then writes the .env values into getenv(), $_ENV and
 * $_SERVER; a forked child inherits them, and Dotenv, immutable, would not read the .env
 * file again: an edited .env (by hand, by a deploy, by Apollo) would never reach a reloaded
 * worker. So the start command captures the environment before the master boots the app,
 * and each child puts it back before it boots, as a fresh php-fpm process would start.
 */
final class ProcessEnvironment
{
    /** @var array{getenv: array<string, string>, env: array<string, mixed>, server: array<string, mixed>}|null */
    private static ?array $captured = null;

    /** Remembers the environment as it is now: call before the app is first booted. */
    public static function capture(): void
    {
        self::$captured = ['getenv' => getenv(), 'env' => $_ENV, 'server' => $_SERVER];
    }

    /**
     * Puts the captured environment back (nothing to do if none was captured), then marks
     * the process as serving requests: Laravel must not take it for a console command
     * (exception rendering, console-only providers).
     */
    public static function forRequests(): void
    {
        if (self::$captured !== null) {
            self::restore(self::$captured);
        }
        $_ENV['APP_RUNNING_IN_CONSOLE'] = $_SERVER['APP_RUNNING_IN_CONSOLE'] = 'false';
        putenv('APP_RUNNING_IN_CONSOLE=false');
    }

    /** @param array{getenv: array<string, string>, env: array<string, mixed>, server: array<string, mixed>} $captured */
    private static function restore(array $captured): void
    {
        $now = getenv();
        foreach (array_diff_key($now, $captured['getenv']) as $name => $_) {
            putenv((string) $name);
        }
        foreach ($captured['getenv'] as $name => $value) {
            if (($now[$name] ?? null) !== $value) {
                putenv("$name=$value");
            }
        }
        // $_SERVER also holds what the CLI put there (argv, REQUEST_TIME...): only the names
        // added since the capture go, the others get their captured values back.
        foreach (array_diff_key($_SERVER, $captured['server']) as $name => $_) {
            unset($_SERVER[$name]);
        }
        $_SERVER = $captured['server'] + $_SERVER;
        $_ENV = $captured['env'];
    }
}
