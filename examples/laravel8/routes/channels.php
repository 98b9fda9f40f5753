<?php

use Illuminate\Support\Facades\Broadcast;

/*
 * Who may subscribe to the private and presence channels the end-to-end tests use
 * (tests/e2e/test_pusher.py), answered by /broadcasting/auth.
 */

// private-orders.{id}: only the user with that id.
Broadcast::channel('orders.{id}', fn ($user, $id) => (int) $user->id === (int) $id);

// presence-room.{name}: any signed-in user, known to the others by id and name.
Broadcast::channel('room.{name}', fn ($user, $name) => ['id' => $user->id, 'name' => $user->name]);
