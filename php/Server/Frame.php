<?php

namespace LaravelS\Server;

/**
 * A WebSocket message (`Swoole\WebSocket\Frame`). Fragmented messages arrive
 * reassembled, so `finish` is always true.
 */
#[\AllowDynamicProperties]
class Frame
{
    /** @var int */
    public $fd = 0;
    /** @var string */
    public $data = '';
    /** @var int 1 text, 2 binary */
    public $opcode = 1;
    /** @var int SWOOLE_WEBSOCKET_FLAG_FIN */
    public $flags = 1;
    /** @var bool */
    public $finish = true;

    public static function make(int $fd, int $opcode, string $data): self
    {
        $frame = new static();
        $frame->fd = $fd;
        $frame->opcode = $opcode;
        $frame->data = $data;

        return $frame;
    }

    public function __toString(): string
    {
        return $this->data;
    }
}
