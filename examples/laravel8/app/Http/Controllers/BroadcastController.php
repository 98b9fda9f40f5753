<?php

namespace App\Http\Controllers;

use App\Events\PusherMessage;
use Illuminate\Http\JsonResponse;
use Illuminate\Http\Request;

/**
 * GET /broadcast/{channel}/{message}: broadcast() from a controller, as an app does;
 * ?others=1 adds toOthers(), which leaves out the connection named by X-Socket-ID.
 */
class BroadcastController extends Controller
{
    public function send(Request $request, string $channel, string $message): JsonResponse
    {
        $pending = broadcast(new PusherMessage($channel, $message));
        if ($request->boolean('others')) {
            $pending->toOthers();
        }
        // The event is sent when $pending goes away, before the response.
        unset($pending);

        return response()->json(['broadcast' => $channel, 'socket' => $request->header('X-Socket-ID')]);
    }
}
