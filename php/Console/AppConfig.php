<?php

namespace LaravelS\Console;

use Illuminate\Contracts\Console\Kernel as ConsoleKernel;

/**
 * The application's configuration as the runner needs it, read by booting the
 * application in this process once: config('laravels') as written (the extension parses
 * it into a LaravelS\Config\ServerConfig; nothing here reads its keys), the app's name,
 * framework and version.
 */
final class AppConfig
{
    /** config('laravels') as written: the extension's input, and what laravels.conf records. */
    public array $laravels = [];
    public string $name = 'Laravel';
    public bool $isLumen = false;
    /** The app's environment (APP_ENV), as `info` shows it. */
    public string $environment = 'production';
    private string $version = '';
    private string $storagePath;

    private function __construct(private string $basePath)
    {
        $this->storagePath = $basePath . '/storage';
    }

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
