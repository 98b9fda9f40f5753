<?php

declare(strict_types=1);

namespace LaravelS\Config;

/** `inotify_reload` (accepted, not implemented: the runtime warns when it is enabled). */
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
    ) {
    }

    public static function fromArray(array $inotify): self
    {
        return new self($inotify['enable'], $inotify['watch_path'], $inotify['file_types'], $inotify['excluded_dirs'], $inotify['log']);
    }
}
