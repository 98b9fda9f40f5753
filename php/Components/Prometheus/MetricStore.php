<?php

namespace LaravelS\Components\Prometheus;

use LaravelS\Runtime\Table;

/**
 * The metrics of every process, in one shared-memory table (where LaravelS used APCu):
 * made in the master before the fork (the start command makes it when the app has
 * config('prometheus'), see AppConfig::$metricSeries), so each worker, task worker and
 * custom process adds to the same rows and nothing is lost when a worker is replaced. A row is one series: its metric
 * name, type, label values (JSON) and value; its key is a hash of name and labels.
 */
final class MetricStore
{
    private static ?self $shared = null;

    /** @var array<string, true> series whose name and labels this process has written */
    private array $known = [];
    private bool $fullReported = false;

    private function __construct(private Table $table)
    {
    }

    /** The store of this server, made on first use (in the master, before the fork). */
    public static function shared(int $maxSeries = 4096): self
    {
        if (self::$shared === null) {
            $table = new Table(max(64, $maxSeries), 0.2, 'prometheus');
            $table->column('name', Table::TYPE_STRING, 128);
            $table->column('type', Table::TYPE_STRING, 16);
            $table->column('labels', Table::TYPE_STRING, 1024);
            $table->column('value', Table::TYPE_FLOAT);
            $table->create();
            self::$shared = new self($table);
        }

        return self::$shared;
    }

    /** @param array<string, string|int> $labels */
    public function increment(string $name, string $type, array $labels, float $by = 1.0): void
    {
        $key = $this->series($name, $type, $labels);
        if ($key !== null) {
            $this->table->incr($key, 'value', $by);
        }
    }

    /** @param array<string, string|int> $labels */
    public function set(string $name, string $type, array $labels, float $value): void
    {
        $key = $this->series($name, $type, $labels);
        if ($key !== null) {
            $this->table->set($key, ['value' => $value]);
        }
    }

    /**
     * Every series: name, type, labels and value.
     *
     * @return list<array{name: string, type: string, labels: array<string, string>, value: float}>
     */
    public function all(): array
    {
        $all = [];
        foreach ($this->table as $row) {
            $labels = json_decode((string) $row['labels'], true);
            $all[] = [
                'name' => (string) $row['name'],
                'type' => (string) $row['type'],
                'labels' => is_array($labels) ? $labels : [],
                'value' => (float) $row['value'],
            ];
        }

        return $all;
    }

    /**
     * The row key of a series, its name and labels written once per process (set() writes
     * only the given columns, so this never resets a value another process added to).
     *
     * @param array<string, string|int> $labels
     */
    private function series(string $name, string $type, array $labels): ?string
    {
        $json = json_encode(array_map('strval', $labels), JSON_UNESCAPED_SLASHES | JSON_UNESCAPED_UNICODE) ?: '{}';
        $key = md5($name . "\0" . $json);
        if (isset($this->known[$key])) {
            return $key;
        }
        if (strlen($json) > 1024 || !$this->table->set($key, ['name' => $name, 'type' => $type, 'labels' => $json])) {
            $this->reportFull($name);

            return null;
        }
        $this->known[$key] = true;

        return $key;
    }

    private function reportFull(string $name): void
    {
        if (!$this->fullReported) {
            $this->fullReported = true;
            fwrite(STDERR, sprintf(
                "[%s] [prometheus] %s: a series was not recorded: the store holds %d series (or its labels passed 1 KB). Fix: raise prometheus.max_series\n",
                gmdate('Y-m-d H:i:s'),
                $name,
                $this->table->getSize()
            ));
        }
    }
}
