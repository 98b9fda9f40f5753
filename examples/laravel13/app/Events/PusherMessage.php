<?php

namespace App\Events;

use Illuminate\Broadcasting\Channel;
use Illuminate\Broadcasting\InteractsWithSockets;
use Illuminate\Broadcasting\PresenceChannel;
use Illuminate\Broadcasting\PrivateChannel;
use Illuminate\Contracts\Broadcasting\ShouldBroadcastNow;

/**
 * A message broadcast at once (no queue) to one channel, named as pusher-js sees it:
 * `private-...` and `presence-...` become Laravel's private and presence channels.
 */
class PusherMessage implements ShouldBroadcastNow
{
    use InteractsWithSockets;

    public function __construct(public string $channel, public string $message)
    {
    }

    public function broadcastOn(): Channel
    {
        foreach (['private-' => PrivateChannel::class, 'presence-' => PresenceChannel::class] as $prefix => $class) {
            if (str_starts_with($this->channel, $prefix)) {
                return new $class(substr($this->channel, strlen($prefix)));
            }
        }

        return new Channel($this->channel);
    }

    public function broadcastAs(): string
    {
        return 'message.sent';
    }

    /** @return array<string, string> */
    public function broadcastWith(): array
    {
        return ['message' => $this->message];
    }
}
