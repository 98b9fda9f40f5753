<?php

namespace LaravelS\Console;

use Illuminate\Contracts\Console\Kernel as ConsoleKernel;

/**
 * The application's configuration as the runner needs it: config('laravels') as written
 * (the extension parses it into a LaravelS\Config\ServerConfig; nothing here reads its
 * keys), the app's name, framework and version.
 *
 * It is read by booting the application in a child process that exits after, so the
 * process that becomes the master (and every worker forked from it) holds none of the
 * app's classes: a reload boots the app's current code, or the release a moved link
 * points to, instead of the classes the start loaded (php/Bridge/Release.php).
 */
final class AppConfig
{
    /** config('laravels') as written: the extension's input, and what laravels.conf records. */
    public array $laravels = [];
    public string $name = 'Laravel';
    public bool $isLumen = false;
    /** The app's environment (APP_ENV), as `info` shows it. */
    public string $environment = 'production';
    /**
     * `prometheus.max_series` when the app has the Prometheus component's config: the
     * master makes its shared store before the fork (null: no store).
     */
    public ?int $metricSeries = null;
    private string $version = '';
    private string $storagePath;

    private function __construct(private string $basePath)
    {
        $this->storagePath = $basePath . '/storage';
    }

    /**
     * Boots the app in a child process and returns what it read. $inChild, when given,
     * runs there too with the result and the app's classes at hand; what it returns
     * (serializable) is the second value. Without pcntl, both run in this process.
     *
     * @return array{0: self, 1: mixed}
     * @throws \RuntimeException with the child's error when the app cannot boot
     */
    public static function read(string $basePath, ?callable $inChild = null): array
    {
        $read = static function () use ($basePath, $inChild): array {
            $self = self::load($basePath);

            return [$self, $inChild === null ? null : $inChild($self)];
        };
        if (!function_exists('pcntl_fork') || !function_exists('stream_socket_pair')) {
            return $read();
        }
        $pair = stream_socket_pair(STREAM_PF_UNIX, STREAM_SOCK_STREAM, STREAM_IPPROTO_IP);
        $pid = $pair === false ? -1 : pcntl_fork();
        if ($pid === -1) {
            return $read();
        }
        if ($pid === 0) {
            fclose($pair[0]);
            try {
                $answer = ['ok' => $read()];
            } catch (\Throwable $e) {
                $answer = ['error' => sprintf('%s: %s in %s:%d', get_class($e), $e->getMessage(), $e->getFile(), $e->getLine())];
            }
            try {
                $data = serialize($answer);
            } catch (\Throwable $e) {
                $data = serialize(['error' => sprintf(
                    'config/laravels.php holds a value that cannot be passed on (%s). Fix: keep it to arrays, strings and numbers',
                    $e->getMessage()
                )]);
            }
            fwrite($pair[1], $data);
            fclose($pair[1]);
            // No shutdown function or destructor of the app runs: this process only read.
            if (function_exists('posix_kill')) {
                posix_kill(getmypid(), SIGKILL);
            }
            exit(0);
        }
        fclose($pair[1]);
        $data = stream_get_contents($pair[0]);
        fclose($pair[0]);
        pcntl_waitpid($pid, $status);
        $answer = $data === '' || $data === false ? false : @unserialize($data);
        if (!is_array($answer) || isset($answer['error'])) {
            throw new \RuntimeException(is_array($answer) ? $answer['error'] : 'the application did not boot to read its config (see the error above)');
        }

        return $answer['ok'];
    }

    /** Boots the app in this process and reads its config. */
    public static function load(string $basePath): self
    {
        $self = new self($basePath);
        $app = require $basePath . '/bootstrap/app.php';
        $self->isLumen = class_exists(\Laravel\Lumen\Application::class, false) && $app instanceof \Laravel\Lumen\Application;
        if ($self->isLumen) {
            $app->configure('laravels');
            $app->boot();
        } else {
            $app->make(ConsoleKernel::class)->bootstrap();
        }
        $laravels = $app['config']->get('laravels');
        if (!is_array($laravels)) {
            throw new \RuntimeException('config/laravels.php is missing. Fix: run php artisan laravels publish');
        }
        $self->laravels = $laravels;
        $self->name = (string) $app['config']->get('app.name', 'Laravel');
        $self->version = $app->version();
        $self->environment = (string) $app->environment();
        $self->storagePath = $app->storagePath();
        $prometheus = $app['config']->get('prometheus');
        if (is_array($prometheus)) {
            $self->metricSeries = (int) ($prometheus['max_series'] ?? 4096);
        }

        return $self;
    }

    public function framework(): string
    {
        return $this->isLumen ? 'Lumen' : 'Laravel';
    }

    public function env(): string
    {
        return $this->environment;
    }

    public function frameworkVersion(): string
    {
        return $this->version;
    }

    /** `-d`: the command line overrides swoole.daemonize, before the extension parses the config. */
    public function daemonize(): void
    {
        $this->laravels['swoole']['daemonize'] = true;
    }

    /** Writes storage/laravels.conf: the resolved configuration of this start, for operators. */
    public function writeRuntimeConfig(Arguments $args): void
    {
        $conf = [
            'laravels' => $this->laravels,
            'root_path' => $this->basePath,
            'is_lumen' => $this->isLumen,
            'env' => $args->env,
            'x_version' => $args->xVersion,
            'started_at' => date(DATE_ATOM),
        ];
        @file_put_contents(
            $this->storagePath . '/laravels.conf',
            json_encode($conf, JSON_PRETTY_PRINT | JSON_UNESCAPED_SLASHES | JSON_PARTIAL_OUTPUT_ON_ERROR)
        );
    }
}
