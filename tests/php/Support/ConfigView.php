<?php

namespace LaravelS\Tests\Support;

use LaravelS\Config\CleanerConfig;
use LaravelS\Config\ServerConfig;

/**
 * The config view as the extension makes it (tests/php/Fixtures/config-view.json, which a
 * Rust test keeps equal to the view of `['swoole' => ['worker_num' => 2]]`), so the
 * package's config objects are built here as in a real worker, without the .so.
 */
final class ConfigView
{
    /** The view with $overrides replacing its top-level keys. */
    public static function with(array $overrides = []): array
    {
        $view = json_decode((string) file_get_contents(__DIR__ . '/../Fixtures/config-view.json'), true, 512, JSON_THROW_ON_ERROR);

        return array_replace($view, $overrides);
    }

    public static function server(array $overrides = []): ServerConfig
    {
        return ServerConfig::fromArray(self::with($overrides));
    }

    /** `cleaners`, `register_providers`, `destroy_controllers` from the view with $overrides. */
    public static function cleaners(array $overrides = []): CleanerConfig
    {
        return CleanerConfig::fromArray(self::with($overrides));
    }
}
