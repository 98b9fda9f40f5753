<?php

declare(strict_types=1);

namespace LaravelS\Config;

/** `inotify_reload`: the master watches the files and reloads on change (src/watch/); PHP only reads it. */
final class InotifyConfig
{
    public function __construct(
        public readonly bool $enable,
        public readonly string $watchPath,
        /** @var list<string> */
        public readonly array $fileTypes,
        /** @var list<string> */
        public readonly array $excludedDirs,
        public readonly bool $log,
        /** Milliseconds between scans of modification times; 0: inotify. */
        public readonly int $pollMs,
    ) {
    }

    public static function fromArray(array $inotify): self
    {
        return new self($inotify['enable'], $inotify['watch_path'], $inotify['file_types'], $inotify['excluded_dirs'], $inotify['log'], $inotify['poll_ms']);
    }
}
