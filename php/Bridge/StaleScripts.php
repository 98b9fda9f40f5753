<?php

namespace LaravelS\Bridge;

/**
 * Drops the opcache entries of PHP files changed on disk, before a new worker boots.
 *
 * With opcache.enable_cli, every process forked from the master shares its opcode
 * cache, but none of them revalidates a cached file: opcache checks timestamps against
 * the time its request began, and a forked worker stays inside the master's one CLI
 * request. Without this, a reload (or a worker replaced after max_request) would run the
 * code the first worker compiled, not the code on disk. opcache_invalidate() without
 * force drops an entry only if its file is newer, so unchanged files keep their cache.
 * With opcache.validate_timestamps off the operator asked for no revalidation (and
 * opcache_invalidate() would then drop every entry): nothing is done.
 */
final class StaleScripts
{
    public static function drop(): void
    {
        if (!function_exists('opcache_get_status') || !ini_get('opcache.validate_timestamps')) {
            return;
        }
        $status = @opcache_get_status(true);
        if (!is_array($status) || empty($status['opcache_enabled'])) {
            return;
        }
        foreach (array_keys($status['scripts'] ?? []) as $path) {
            @opcache_invalidate($path);
        }
    }
}
