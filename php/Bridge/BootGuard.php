<?php

namespace LaravelS\Bridge;

/**
 * Watches a child while it boots the application, before it connects to the master.
 *
 * If the boot throws, raises a fatal error or exits, the guard writes one line naming the
 * error with its file and line (stderr: the console, or the log file when daemonized)
 * and ends the process with EXIT_CODE instead of Laravel's error page. The manager sees
 * that the child never connected and forks it again after a growing pause, or stops a
 * server whose workers never booted (src/pool/boot.rs).
 */
final class BootGuard
{
    /** The exit status of a child that failed to boot (sysexits' EX_CONFIG); src/pool/boot.rs reads it. */
    public const EXIT_CODE = 78;

    /** Error types after which PHP stops the script. */
    private const FATAL = E_ERROR | E_PARSE | E_CORE_ERROR | E_COMPILE_ERROR | E_USER_ERROR | E_RECOVERABLE_ERROR;

    private bool $booting = false;
    private bool $registered = false;

    /** @param string $who how the log names this child ("worker #0", "timer") */
    public function __construct(private string $who)
    {
    }

    /**
     * Runs $boot; returns what it returns, or ends the process with the error.
     *
     * @template T
     * @param callable(): T $boot
     * @return T
     */
    public function boot(callable $boot): mixed
    {
        if (!$this->registered) {
            // Before the app's own shutdown handlers: a fatal error while booting is
            // reported here, and exit() keeps Laravel from printing its error page.
            register_shutdown_function([$this, 'onShutdown']);
            $this->registered = true;
        }
        $this->booting = true;
        try {
            $result = $boot();
        } catch (\Throwable $e) {
            $this->fail(self::describe($e));
        }
        $this->booting = false;

        return $result;
    }

    /** @internal the shutdown function: the process is ending while it boots */
    public function onShutdown(): void
    {
        if (!$this->booting) {
            return;
        }
        $error = error_get_last();
        $this->fail($error !== null && ($error['type'] & self::FATAL) !== 0
            ? sprintf('PHP fatal error: %s in %s:%d', $error['message'], $error['file'], $error['line'])
            : 'the process exited while booting (exit() or die() in the application\'s boot code?)');
    }

    private function fail(string $what): never
    {
        $this->booting = false;
        fwrite(STDERR, sprintf("[%s] [%s] failed to boot: %s\n", gmdate('Y-m-d H:i:s'), $this->who, $what));
        exit(self::EXIT_CODE);
    }

    /**
     * "Class: message in file:line", with the first frame of the application's own code
     * when the throw is in vendor code, and the exception that caused it.
     */
    public static function describe(\Throwable $e): string
    {
        $text = sprintf('%s: %s in %s:%d', get_class($e), $e->getMessage(), $e->getFile(), $e->getLine());
        if (self::isVendor($e->getFile())) {
            foreach ($e->getTrace() as $frame) {
                if (isset($frame['file'], $frame['line']) && !self::isVendor($frame['file'])) {
                    $text .= sprintf(' (from %s:%d)', $frame['file'], $frame['line']);
                    break;
                }
            }
        }
        if (($previous = $e->getPrevious()) !== null) {
            $text .= sprintf('; caused by %s: %s in %s:%d', get_class($previous), $previous->getMessage(), $previous->getFile(), $previous->getLine());
        }

        return $text;
    }

    /** Code that is not the application's: Composer's vendor/, Debian's /usr/share/php, this package. */
    private static function isVendor(string $file): bool
    {
        return str_contains($file, '/vendor/') || str_starts_with($file, '/usr/share/php/') || str_starts_with($file, dirname(__DIR__) . '/');
    }
}
