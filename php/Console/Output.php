<?php

namespace LaravelS\Console;

/** Status lines for the operator: info on stdout, warnings and errors on stderr. */
final class Output
{
    public function info(string $message): void
    {
        fwrite(STDOUT, $message . PHP_EOL);
    }

    public function plain(string $text): void
    {
        fwrite(STDOUT, $text);
    }

    public function warning(string $message): void
    {
        fwrite(STDERR, "warning: $message" . PHP_EOL);
    }

    public function error(string $message): void
    {
        fwrite(STDERR, "error: $message" . PHP_EOL);
    }

    /** @param list<list<string>> $rows */
    public function table(array $header, array $rows): void
    {
        $widths = [];
        foreach (array_merge([$header], $rows) as $row) {
            foreach ($row as $i => $cell) {
                $widths[$i] = max($widths[$i] ?? 0, mb_strlen((string) $cell));
            }
        }
        $line = '+' . implode('+', array_map(fn ($w) => str_repeat('-', $w + 2), $widths)) . '+';
        $format = fn (array $row) => '| ' . implode(' | ', array_map(fn ($c, $i) => str_pad((string) $c, $widths[$i]), $row, array_keys($row))) . ' |';
        $this->info($line);
        $this->info($format($header));
        $this->info($line);
        foreach ($rows as $row) {
            $this->info($format($row));
        }
        $this->info($line);
    }
}
