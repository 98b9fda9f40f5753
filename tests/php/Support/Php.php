<?php

namespace LaravelS\Tests\Support;

/** Runs a PHP script in a fresh process, for what must not share this process's state. */
final class Php
{
    /** @return array{code: int, out: string, err: string} */
    public static function run(array $args, ?string $cwd = null): array
    {
        $process = proc_open(
            array_merge([PHP_BINARY, '-d', 'error_reporting=-1', '-d', 'display_errors=stderr'], $args),
            [1 => ['pipe', 'w'], 2 => ['pipe', 'w']],
            $pipes,
            $cwd
        );
        $out = stream_get_contents($pipes[1]);
        $err = stream_get_contents($pipes[2]);
        fclose($pipes[1]);
        fclose($pipes[2]);

        return ['code' => proc_close($process), 'out' => $out, 'err' => $err];
    }
}
