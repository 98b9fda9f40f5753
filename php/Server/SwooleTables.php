<?php

namespace LaravelS\Server;

use LaravelS\Config\TableConfig;
use LaravelS\Runtime\Table;
use LaravelS\Runtime\TableException;

/**
 * The tables of `swoole_tables` (config/laravels.php), created in the master before the
 * fork so that every process shares their rows; each becomes app('swoole')->{name}Table.
 * Their shape is checked by the extension; the table itself checks sizes and names.
 */
final class SwooleTables
{
    /**
     * @param TableConfig[] $tables ServerConfig::$swooleTables
     * @return array<string, Table> property name (`{name}Table`) => table
     * @throws \InvalidArgumentException naming the table and what the table refused
     */
    public static function create(array $tables): array
    {
        $made = [];
        foreach ($tables as $config) {
            $name = $config->name;
            try {
                $table = new Table($config->size, $config->conflictProportion, $name . 'Table');
                foreach ($config->columns as $column) {
                    $table->column($column->name, $column->type, $column->size);
                }
                $table->create();
            } catch (TableException $e) {
                throw new \InvalidArgumentException("laravels.swoole_tables.$name: {$e->getMessage()}", 0, $e);
            }
            $made[$name . 'Table'] = $table;
        }

        return $made;
    }
}
