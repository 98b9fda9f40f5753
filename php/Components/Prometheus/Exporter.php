<?php

namespace LaravelS\Components\Prometheus;

/**
 * The metrics in Prometheus's text format (the seed's step 6:
 * `app(Exporter::class)->render()` answered with `Exporter::REDNER_MIME_TYPE`).
 */
class Exporter
{
    /** The seed's name for it, misspelt as LaravelS has it. */
    public const REDNER_MIME_TYPE = 'text/plain; version=0.0.4';
    public const RENDER_MIME_TYPE = self::REDNER_MIME_TYPE;

    /** Families whose samples carry a suffix: the summary's _count and _sum. */
    private const SUFFIXES = ['_count', '_sum'];

    /** @param array<string, mixed> $config config('prometheus') */
    public function __construct(private MetricStore $store, private array $config)
    {
    }

    /**
     * Every series, each family with its # HELP and # TYPE once, every sample labelled
     * with `application`.
     */
    public function render(): string
    {
        $families = [];
        foreach ($this->store->all() as $series) {
            $family = $series['name'];
            if ($series['type'] === 'summary') {
                foreach (self::SUFFIXES as $suffix) {
                    if (str_ends_with($family, $suffix)) {
                        $family = substr($family, 0, -strlen($suffix));
                    }
                }
            }
            $labels = ['application' => (string) ($this->config['application'] ?? 'Laravel')] + $series['labels'];
            $families[$family]['type'] = $series['type'];
            $families[$family]['samples'][] = $series['name'] . self::labels($labels) . ' ' . self::number($series['value']);
        }
        ksort($families);
        $lines = [];
        foreach ($families as $name => $family) {
            sort($family['samples']);
            $lines[] = "# HELP $name " . self::help($name);
            $lines[] = "# TYPE $name {$family['type']}";
            array_push($lines, ...$family['samples']);
        }

        return implode("\n", $lines) . "\n";
    }

    /** @param array<string, string> $labels */
    private static function labels(array $labels): string
    {
        $pairs = [];
        foreach ($labels as $name => $value) {
            $pairs[] = $name . '="' . strtr((string) $value, ['\\' => '\\\\', '"' => '\\"', "\n" => '\\n']) . '"';
        }

        return '{' . implode(',', $pairs) . '}';
    }

    private static function number(float $value): string
    {
        return is_finite($value) && floor($value) === $value && abs($value) < 1e15 ? sprintf('%d', $value) : sprintf('%.9g', $value);
    }

    private static function help(string $family): string
    {
        return match (true) {
            $family === 'http_server_requests_seconds' => 'HTTP requests by method, route and status: count, and total seconds',
            str_starts_with($family, 'swoole_worker_') => 'Of each worker and task worker process, reported after its requests',
            str_starts_with($family, 'swoole_') => 'The server, from Server::stats() and the master, every collect_metrics_interval',
            str_starts_with($family, 'system_') => 'The machine, every collect_metrics_interval',
            default => $family,
        };
    }
}
