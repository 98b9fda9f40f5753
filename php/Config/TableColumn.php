<?php

declare(strict_types=1);

namespace LaravelS\Config;

/** A column of a `swoole_tables` entry. */
final class TableColumn
{
    public function __construct(
        public readonly string $name,
        /** Swoole\Table::TYPE_INT, TYPE_FLOAT or TYPE_STRING. */
        public readonly int $type,
        /** Bytes of a TYPE_STRING value. */
        public readonly int $size,
    ) {
    }

    public static function fromArray(array $column): self
    {
        return new self($column['name'], $column['type'], $column['size']);
    }
}
