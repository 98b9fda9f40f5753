<?php

declare(strict_types=1);

namespace LaravelS\Config;

/**
 * What resets a worker's application between requests: `cleaners`,
 * `register_providers` and `destroy_controllers`, and `leak_detector`, which reports
 * what they leave behind. The lists are lists of strings
 * (checked by the extension); whether each class exists is checked when the worker
 * boots (CleanerManager, ProviderRefresher), where the app's autoloader is.
 */
final class CleanerConfig
{
    public function __construct(
        /** @var list<string> */
        public readonly array $cleaners,
        /** @var list<string> */
        public readonly array $registerProviders,
        public readonly bool $destroyControllers,
        /** @var list<string> controller classes to keep, without a leading backslash */
        public readonly array $keptControllers,
        public readonly LeakDetectorConfig $leakDetector = new LeakDetectorConfig(),
    ) {
    }

    /** From the whole view: its `cleaners`, `register_providers`, `destroy_controllers` and `leak_detector`. */
    public static function fromArray(array $view): self
    {
        return new self(
            $view['cleaners'],
            $view['register_providers'],
            $view['destroy_controllers']['enable'],
            $view['destroy_controllers']['excluded_list'],
            LeakDetectorConfig::fromArray($view['leak_detector']),
        );
    }
}
