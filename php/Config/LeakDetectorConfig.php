<?php

declare(strict_types=1);

namespace LaravelS\Config;

/**
 * `leak_detector`: the development mode that reports, after each request, state that
 * outlives it (LaravelS\Diagnostics\LeakDetector). Off by default and in production.
 */
final class LeakDetectorConfig
{
    public function __construct(
        public readonly bool $enable = false,
        /** @var list<string> classes, `Class::$property`, bindings or `config:` key prefixes */
        public readonly array $ignore = [],
    ) {
    }

    /** From the view's `leak_detector` section. */
    public static function fromArray(array $section): self
    {
        return new self($section['enable'], $section['ignore']);
    }
}
