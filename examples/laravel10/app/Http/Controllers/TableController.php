<?php

namespace App\Http\Controllers;

use Illuminate\Http\JsonResponse;

/**
 * The README's shared memory, used from requests: the `ws` table of swoole_tables
 * (app('swoole')->wsTable, one int column `value`) and the Atomic the ServerStart event
 * attaches (app('swoole')->atomicCount). Every answer says which worker gave it.
 */
class TableController extends Controller
{
    public function set(string $key, int $value): JsonResponse
    {
        return $this->answer(['set' => $this->table()->set($key, ['value' => $value])]);
    }

    public function get(string $key): JsonResponse
    {
        return $this->answer(['row' => $this->table()->get($key)]);
    }

    public function incr(string $key): JsonResponse
    {
        return $this->answer(['value' => $this->table()->incr($key, 'value')]);
    }

    /** Every row, through foreach as the README's broadcast loop does. */
    public function rows(): JsonResponse
    {
        $rows = [];
        foreach ($this->table() as $key => $row) {
            $rows[$key] = $row['value'];
        }

        return $this->answer(['rows' => $rows, 'count' => count($this->table())]);
    }

    public function atomicAdd(): JsonResponse
    {
        return $this->answer(['count' => app('swoole')->atomicCount->add(1)]);
    }

    private function table(): \Swoole\Table
    {
        return app('swoole')->wsTable;
    }

    private function answer(array $data): JsonResponse
    {
        return response()->json($data + ['worker_id' => app('swoole')->worker_id, 'pid' => getmypid()]);
    }
}
