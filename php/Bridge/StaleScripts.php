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
 *
 * With opcache.validate_timestamps off, php-fpm serves new code only after its reload
 * empties the cache; opcache_reset() cannot do that here (it waits for a request to
 * begin, which never happens in a forked worker). The entries of the files modified
 * since the server started are dropped by force instead, so a reload runs what is on
 * disk; the others, unchanged since they were compiled, stay shared. A release reached
 * through a moved link has paths of its own, which were never cached.
 */
final class StaleScripts
{
    /** When the server started (the master sets it before it forks); files older than that were compiled as they are. */
    private static ?int $since = null;

    /** Called in the master before the fork: every process inherits the time. */
    public static function markServerStart(): void
    {
        self::$since = time();
    }

    public static function drop(): void
    {
        if (!function_exists('opcache_get_status')) {
            return;
        }
        $status = @opcache_get_status(true);
        if (!is_array($status) || empty($status['opcache_enabled'])) {
            return;
        }
        $scripts = array_keys($status['scripts'] ?? []);
        if (ini_get('opcache.validate_timestamps')) {
            foreach ($scripts as $path) {
                @opcache_invalidate($path);
            }

            return;
        }
        // Compared to the second: a file written in the second the server started counts as changed.
        $since = self::$since ?? (int) ($_SERVER['REQUEST_TIME'] ?? time());
        clearstatcache();
        foreach ($scripts as $path) {
            $modified = @filemtime($path);
            if ($modified !== false && $modified >= $since) {
                @opcache_invalidate($path, true);
            }
        }
    }
}
