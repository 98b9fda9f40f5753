<?php

namespace Database\Seeders;

use Illuminate\Database\Seeder;
use Illuminate\Support\Facades\DB;
use Illuminate\Support\Facades\Hash;

/** Users 1-3 for GET /login/{id}. Safe to run again: rows are upserted by id. */
class DatabaseSeeder extends Seeder
{
    public function run(): void
    {
        $now = now();

        foreach ([1 => 'alice', 2 => 'bob', 3 => 'carol'] as $id => $name) {
            DB::table('users')->updateOrInsert(['id' => $id], [
                'name' => $name,
                'email' => "$name@example.test",
                'password' => Hash::make('secret'),
                'created_at' => $now,
                'updated_at' => $now,
            ]);
        }
    }
}
