<?php

namespace LaravelS\Console\Commands;

use Illuminate\Console\Command;
use LaravelS\Config\ServerConfig;
use LaravelS\Console\Info;
use LaravelS\Console\Output;
use LaravelS\Runtime\ConfigException;
use LaravelS\ServiceProvider;

/**
 * `php artisan laravels publish|config|info`, as in LaravelS. Starting and stopping the
 * server is bin/laravels's job.
 */
final class LaravelSCommand extends Command
{
    // artisan's global --env option (Laravel's environment) is the runner's -e.
    protected $signature = 'laravels {action? : publish|config|info}
        {--d|daemonize : config: record swoole.daemonize = true}
        {--i|ignore : Accepted for LaravelS compatibility; bin/laravels start -i ignores the pid file}
        {--x|x-version= : config: record this version (X_VERSION) of the application}
        {--force : publish: overwrite an existing config/laravels.php}';

    protected $description = 'LaravelS: publish the config and runner, write storage/laravels.conf, or show versions';

    public function handle(): int
    {
        $action = (string) $this->argument('action');
        switch ($action) {
            case 'publish':
                return $this->publish();
            case 'config':
                return $this->writeConfig();
            case 'info':
                return $this->showInfo();
        }
        if (in_array($action, ['start', 'stop', 'restart', 'reload'], true)) {
            $this->error("'$action' is a command of the runner: php bin/laravels $action"
                . (is_file($this->laravel->basePath('bin/laravels')) ? '' : ' (run php artisan laravels publish first)'));
        } elseif ($action !== '') {
            $this->error("unknown action '$action'");
        }
        $this->line('Usage: php artisan laravels publish|config|info');

        return 1;
    }

    /** Copies the config (unless present, or --force) and the runner scripts into the app. */
    private function publish(): int
    {
        $app = $this->laravel;
        $config = $app->configPath('laravels.php');
        if (is_file($config) && !$this->option('force')) {
            $this->line("Kept $config: it already exists (--force overwrites it)");
        } elseif (!$this->copy(ServiceProvider::packagePath('config/laravels.php'), $config, 0644)) {
            return 1;
        }
        // fswatch and inotify are optional helpers; only the runner is required.
        foreach (['laravels', 'fswatch', 'inotify'] as $script) {
            $from = ServiceProvider::packagePath("bin/$script");
            if (($script === 'laravels' || is_file($from)) && !$this->copy($from, $app->basePath("bin/$script"), 0755)) {
                return 1;
            }
        }

        return 0;
    }

    private function copy(string $from, string $to, int $mode): bool
    {
        $dir = dirname($to);
        if (!is_dir($dir) && !@mkdir($dir, 0755, true) && !is_dir($dir)) {
            $this->error("cannot create directory $dir");

            return false;
        }
        if (!@copy($from, $to) || !@chmod($to, $mode)) {
            $this->error(sprintf('cannot copy %s to %s: %s', $from, $to, error_get_last()['message'] ?? 'unknown error'));

            return false;
        }
        $this->info("Copied $from to $to");

        return true;
    }

    /**
     * Writes storage/laravels.conf: the resolved config('laravels') and the command-line
     * choices, for operators to inspect. bin/laravels start checks the configuration
     * and rewrites this file; nothing reads it back.
     */
    private function writeConfig(): int
    {
        $laravels = (array) $this->laravel->make('config')->get('laravels', []);
        if ($this->option('daemonize')) {
            $laravels['swoole']['daemonize'] = true;
        }
        $conf = [
            'laravels' => $laravels,
            'root_path' => $this->laravel->basePath(),
            'is_lumen' => $this->isLumen(),
            'env' => $this->input->hasOption('env') ? $this->option('env') : null,
            'x_version' => $this->option('x-version'),
        ];
        $path = $this->laravel->storagePath() . '/laravels.conf';
        $json = json_encode($conf, JSON_PRETTY_PRINT | JSON_UNESCAPED_SLASHES | JSON_PARTIAL_OUTPUT_ON_ERROR);
        if (@file_put_contents($path, $json . "\n") === false) {
            $this->error(sprintf('cannot write %s: %s', $path, error_get_last()['message'] ?? 'unknown error'));

            return 1;
        }
        $this->info("Wrote $path");

        return 0;
    }

    /** Versions and the listen address. */
    /** The tables `php bin/laravels info` prints (LaravelS's `artisan laravels info`). */
    private function showInfo(): int
    {
        $laravels = (array) $this->laravel->make('config')->get('laravels', []);
        try {
            // Without the extension (artisan often runs without it) the address is shown as written.
            $config = extension_loaded('laravels') ? ServerConfig::load($laravels, $this->laravel->basePath()) : null;
        } catch (ConfigException $e) {
            $this->error($e->getMessage());

            return 1;
        }
        (new Info(new Output()))->show($this->isLumen(), (string) $this->laravel->environment(), $this->laravel->version(), $laravels, $config);

        return 0;
    }

    private function isLumen(): bool
    {
        return class_exists(\Laravel\Lumen\Application::class, false) && $this->laravel instanceof \Laravel\Lumen\Application;
    }
}
