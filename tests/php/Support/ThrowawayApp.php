<?php

namespace LaravelS\Tests\Support;

/**
 * A minimal Laravel 8 or Lumen 8 application in a temporary directory, on Debian's
 * system-wide framework and this package (no Composer), with an artisan script.
 */
final class ThrowawayApp
{
    /** @var string */
    public $path;

    private function __construct(string $path)
    {
        $this->path = $path;
    }

    public static function laravel(): self
    {
        $app = self::skeleton('laravel');
        $app->write('bootstrap/app.php', <<<'PHP'
<?php
$app = new Illuminate\Foundation\Application(dirname(__DIR__));
$app->singleton(Illuminate\Contracts\Console\Kernel::class, Illuminate\Foundation\Console\Kernel::class);
$app->singleton(Illuminate\Contracts\Debug\ExceptionHandler::class, Illuminate\Foundation\Exceptions\Handler::class);
return $app;
PHP);
        $app->write('config/app.php', <<<'PHP'
<?php
return ['name' => 'Throwaway', 'env' => 'testing', 'debug' => true, 'providers' => [LaravelS\ServiceProvider::class]];
PHP);
        $app->writeArtisan('/usr/share/php/Illuminate/autoload.php');

        return $app;
    }

    /** The directories of an app and nothing in them, for a test to write its own (BridgeApp). */
    public static function empty(): self
    {
        return self::skeleton('app');
    }

    /** Registers the provider under its LaravelS name, as Lumen apps written for LaravelS do. */
    public static function lumen(): self
    {
        $app = self::skeleton('lumen');
        $app->write('bootstrap/app.php', <<<'PHP'
<?php
$app = new Laravel\Lumen\Application(dirname(__DIR__));
$app->singleton(Illuminate\Contracts\Console\Kernel::class, Laravel\Lumen\Console\Kernel::class);
$app->singleton(Illuminate\Contracts\Debug\ExceptionHandler::class, Laravel\Lumen\Exceptions\Handler::class);
$app->register(Hhxsv5\LaravelS\Illuminate\LaravelSServiceProvider::class);
return $app;
PHP);
        $app->writeArtisan('/usr/share/php/Laravel/Lumen/autoload.php');

        return $app;
    }

    /** @return array{code: int, out: string, err: string} */
    public function artisan(string ...$args): array
    {
        return Php::run(array_merge([$this->path . '/artisan'], $args), $this->path);
    }

    public function write(string $file, string $contents): void
    {
        $path = $this->path . '/' . $file;
        if (!is_dir(dirname($path))) {
            mkdir(dirname($path), 0755, true);
        }
        file_put_contents($path, $contents);
    }

    public function remove(): void
    {
        $files = new \RecursiveIteratorIterator(
            new \RecursiveDirectoryIterator($this->path, \FilesystemIterator::SKIP_DOTS),
            \RecursiveIteratorIterator::CHILD_FIRST
        );
        foreach ($files as $file) {
            $file->isDir() && !$file->isLink() ? rmdir($file->getPathname()) : unlink($file->getPathname());
        }
        rmdir($this->path);
    }

    private static function skeleton(string $kind): self
    {
        $path = sys_get_temp_dir() . '/laravels-' . $kind . '-' . bin2hex(random_bytes(4));
        foreach (['bootstrap/cache', 'config', 'storage/logs'] as $dir) {
            mkdir("$path/$dir", 0755, true);
        }

        return new self($path);
    }

    private function writeArtisan(string $frameworkAutoload): void
    {
        $package = dirname(__DIR__) . '/package-autoload.php';
        $this->write('artisan', <<<PHP
<?php
require '$frameworkAutoload';
require '$package';
\$app = require __DIR__ . '/bootstrap/app.php';
\$kernel = \$app->make(Illuminate\Contracts\Console\Kernel::class);
\$status = \$kernel->handle(\$input = new Symfony\Component\Console\Input\ArgvInput(), new Symfony\Component\Console\Output\ConsoleOutput());
\$kernel->terminate(\$input, \$status);
exit(\$status);
PHP);
    }
}
