<?php

namespace App\Models;

use Illuminate\Database\Eloquent\Model;

/**
 * A row of the sqlite `users` table (database/migrations), seeded with ids 1-3. It
 * travels in a task by identity (GET /task/{id}?user=2).
 */
class User extends Model
{
    /**
     * @var array<int, string>
     */
    protected $fillable = [
        'name',
        'email',
        'password',
    ];

    /**
     * @var array<int, string>
     */
    protected $hidden = [
        'password',
        'remember_token',
    ];
}
