<?php

declare(strict_types=1);

namespace LaravelS\Broadcasting;

use Illuminate\Broadcasting\Broadcasters\Broadcaster;
use Illuminate\Broadcasting\Broadcasters\UsePusherChannelConventions;
use Illuminate\Broadcasting\BroadcastException;
use LaravelS\Transport\CurrentTransport;
use LaravelS\Transport\Transport;
use Symfony\Component\HttpKernel\Exception\AccessDeniedHttpException;

/**
 * Laravel's `laravels` broadcast driver (config/broadcasting.php: 'driver' => 'laravels').
 *
 * - auth() and validAuthenticationResponse() answer the app's own /broadcasting/auth as
 *   pusher-js expects: `auth` is "key:" . HMAC-SHA256 of "socket_id:channel" (and
 *   ":channel_data" on presence channels) with the app secret, which the master checks
 *   when the client subscribes (websocket.pusher in config/laravels.php).
 * - broadcast() hands the event to the master in one one-way frame; the master sends it
 *   to the channels' subscribers, except the connection of the `socket` Laravel's
 *   toOthers() put in the payload. No HTTP call, no Pusher SDK.
 */
final class LaravelsBroadcaster extends Broadcaster
{
    // Laravel's own private-/presence- rules, as its Pusher and Ably broadcasters use them.
    use UsePusherChannelConventions;

    /** @param \Closure(): Transport|null $transport the process's transport (tests give theirs) */
    public function __construct(
        private readonly string $key,
        private readonly string $secret,
        private readonly ?\Closure $transport = null,
    ) {
        if ($key === '' || $secret === '') {
            throw new \InvalidArgumentException(
                "The 'laravels' broadcaster needs 'key' and 'secret' in its config/broadcasting.php connection (PUSHER_APP_KEY, PUSHER_APP_SECRET in .env)"
            );
        }
    }

    /** @param array $config the connection's entry of config/broadcasting.php */
    public static function fromConfig(array $config): self
    {
        return new self((string) ($config['key'] ?? ''), (string) ($config['secret'] ?? ''));
    }

    public function auth($request)
    {
        $channel = (string) $request->input('channel_name');
        $name = $this->normalizeChannelName($channel);
        // A guarded channel needs a user; a public one needs no auth at all.
        if ($this->isGuardedChannel($channel) && !$this->retrieveUser($request, $name)) {
            throw new AccessDeniedHttpException();
        }

        return $this->verifyUserCanAccessChannel($request, $name);
    }

    public function validAuthenticationResponse($request, $result)
    {
        $channel = (string) $request->input('channel_name');
        $socketId = (string) $request->input('socket_id');
        if (preg_match('/\A\d+\.\d+\z/', $socketId) !== 1) {
            throw new AccessDeniedHttpException('Invalid socket_id');
        }
        if (!str_starts_with($channel, 'presence-')) {
            return ['auth' => $this->sign($socketId, $channel)];
        }
        $user = $this->retrieveUser($request, $this->normalizeChannelName($channel));
        $userId = method_exists($user, 'getAuthIdentifierForBroadcasting')
            ? $user->getAuthIdentifierForBroadcasting()
            : $user->getAuthIdentifier();
        $channelData = json_encode(['user_id' => $userId, 'user_info' => $result], JSON_THROW_ON_ERROR);

        return ['auth' => $this->sign($socketId, $channel, $channelData), 'channel_data' => $channelData];
    }

    public function broadcast(array $channels, $event, array $payload = [])
    {
        $socket = $payload['socket'] ?? null;
        unset($payload['socket']);
        try {
            $data = json_encode($payload, JSON_THROW_ON_ERROR);
            $transport = $this->transport !== null ? ($this->transport)() : CurrentTransport::get();
            $transport->publish($this->formatChannels($channels), (string) $event, $data, is_string($socket) ? $socket : null);
        } catch (\Throwable $e) {
            throw new BroadcastException(
                'laravels broadcaster: ' . $e->getMessage()
                    . ' (it publishes from the processes of a running laravels-rs server: requests, tasks, timers, custom processes)',
                0,
                $e
            );
        }
    }

    /** "key:hex(HMAC-SHA256(socket_id:channel[:channel_data]))", as the master verifies it. */
    public function sign(string $socketId, string $channel, ?string $channelData = null): string
    {
        $text = $socketId . ':' . $channel . ($channelData === null ? '' : ':' . $channelData);

        return $this->key . ':' . hash_hmac('sha256', $text, $this->secret);
    }
}
