<?php

namespace LaravelS\Server;

use LaravelS\Runtime\Table;
use LaravelS\Runtime\TableException;

/**
 * The tables of `swoole_tables` (config/laravels.php), created in the master before the
 * fork so that every process shares their rows; each becomes app('swoole')->{name}Table.
 */
final class SwooleTables
{
    private const TYPES = [Table::TYPE_INT, Table::TYPE_FLOAT, Table::TYPE_STRING];

    /**
     * @param mixed $config the `swoole_tables` value
     * @return array<string, Table> property name (`{name}Table`) => table
     * @throws \InvalidArgumentException naming the wrong key and the fix
     */
    public static function create($config): array
    {
        if (!is_array($config)) {
            throw new \InvalidArgumentException(sprintf("laravels.swoole_tables: expected name => ['size' => rows, 'column' => [...]], got %s", get_debug_type($config)));
        }
        $tables = [];
        foreach ($config as $name => $definition) {
            $key = "laravels.swoole_tables.$name";
            $size = is_array($definition) ? ($definition['size'] ?? null) : null;
            if (!is_int($size) && !(is_string($size) && preg_match('/^[0-9]+$/', $size) === 1)) {
                throw new \InvalidArgumentException("$key.size: the number of rows is missing or not an integer. Fix: e.g. 'size' => 1024");
            }
            $columns = $definition['column'] ?? null;
            if (!is_array($columns) || $columns === []) {
                throw new \InvalidArgumentException("$key.column: the table needs a list of columns. Fix: e.g. 'column' => [['name' => 'value', 'type' => Swoole\\Table::TYPE_INT]]");
            }
            try {
                $table = new Table((int) $size, (float) ($definition['conflict_proportion'] ?? 0.2), $name . 'Table');
                foreach ($columns as $i => $column) {
                    $table->column(...self::column($column, "$key.column[$i]"));
                }
                $table->create();
            } catch (TableException $e) {
                throw new \InvalidArgumentException("$key: {$e->getMessage()}", 0, $e);
            }
            $tables[$name . 'Table'] = $table;
        }

        return $tables;
    }

    /** The arguments of Table::column() for one column entry. */
    private static function column($column, string $key): array
    {
        $name = is_array($column) ? ($column['name'] ?? null) : null;
        if (!is_string($name) || $name === '') {
            throw new \InvalidArgumentException("$key.name: every column needs a name. Fix: ['name' => 'value', 'type' => Swoole\\Table::TYPE_INT]");
        }
        $type = $column['type'] ?? null;
        if (!in_array($type, self::TYPES, true)) {
            throw new \InvalidArgumentException(sprintf('%s.type: %s is not a column type. Fix: Swoole\Table::TYPE_INT, TYPE_FLOAT or TYPE_STRING', $key, var_export($type, true)));
        }
        $size = $column['size'] ?? 0;
        if ($type === Table::TYPE_STRING && (!is_int($size) || $size < 1)) {
            throw new \InvalidArgumentException("$key.size: a TYPE_STRING column needs the length of its longest value in bytes. Fix: e.g. 'size' => 64");
        }

        return [$name, $type, (int) $size];
    }
}
