<?php

namespace LaravelS\Components\Apollo;

use LaravelS\Contracts\CustomProcess;

/**
 * The `apollo` custom process (Hhxsv5\LaravelS\Components\Apollo\Process): watches Apollo
 * for releases of the app's namespaces, rewrites the .env file and reloads the server, so
 * the new workers boot with the new values. `'processes' => Process::getDefinition()`
 * in config/laravels.php enables it when the server was started with --enable-apollo.
 */
class Process implements CustomProcess
{
    private static ?Client $client = null;

    /** The `processes` entry, enabled when the start command exported the Apollo options. */
    public static function getDefinition(): array
    {
        return [
            'apollo' => [
                'class' => self::class,
                'redirect' => false,
                'pipe' => 0,
                'enable' => Options::fromEnvironment() !== null,
            ],
        ];
    }

    public static function callback(\Swoole\Http\Server $swoole, \Swoole\Process $process)
    {
        $options = Options::fromEnvironment();
        if ($options === null) {
            throw new \RuntimeException(
                'the apollo process needs APOLLO_SERVER and APOLLO_APP_ID. Fix: start the server with --enable-apollo --apollo-server=URL --apollo-app-id=ID'
            );
        }
        $client = self::$client = new Client($options);
        $file = self::envFile(base_path());
        $log = static fn (string $line) => fwrite(STDERR, sprintf("[%s] [process apollo] %s\n", gmdate('Y-m-d H:i:s'), $line));
        $apply = static function (string $why) use ($client, $file, $swoole, $log): void {
            if ($client->pullAllAndSave($file)) {
                $log("$why: $file rewritten; reloading the workers");
                $swoole->reload();
            }
        };
        // A release published while no process watched (between the start's pull and now,
        // or during a reload) is applied first.
        $apply('a release since the last pull');
        $client->watch(
            static fn (array $namespaces) => $apply('release of namespace(s) ' . implode(', ', $namespaces)),
            $log,
        );
    }

    /** A reload replaces this process too: leave at once, even in the middle of a long poll. */
    public static function onReload(\Swoole\Http\Server $swoole, \Swoole\Process $process)
    {
        self::$client?->stopWatching();
        exit(0);
    }

    public static function onStop(\Swoole\Http\Server $swoole, \Swoole\Process $process)
    {
        self::$client?->stopWatching();
        exit(0);
    }

    /** The file the app reads its environment from: .env, or .env.X with `--env=X`. */
    public static function envFile(string $basePath): string
    {
        $env = (string) getenv('APP_ENV');

        return $basePath . '/.env' . ($env !== '' && is_file("$basePath/.env.$env") ? ".$env" : '');
    }
}
