<?php

declare(strict_types=1);

namespace LaravelS\Config;

/** An entry of `swoole_tables`: a shared-memory table, `app('swoole')->{name}Table`. */
final class TableConfig
{
    public function __construct(
        public readonly string $name,
        public readonly int $size,
        public readonly float $conflictProportion,
        /** @var list<TableColumn> */
        public readonly array $columns,
    ) {
    }

    public static function fromArray(array $table): self
    {
        return new self($table['name'], $table['size'], (float) $table['conflict_proportion'], array_map([TableColumn::class, 'fromArray'], $table['columns']));
    }
}
