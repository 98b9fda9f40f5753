<?php

namespace LaravelS\Server;

/**
 * A response a handler fills in (`Swoole\Http\Response`): in a WebSocket `onHandShake`,
 * and in the `Http` handler of an extra port. It collects status, headers, cookies and
 * body; whoever handed it out sends what was collected once `end()` was called.
 */
#[\AllowDynamicProperties]
class Response
{
    /** @var int */
    public $fd = 0;
    /** @var array|null header name (as given, or formatted like Swoole) => value */
    public $header;
    /** @var array|null */
    public $cookie;
    /** @var array|null */
    public $trailer;

    /** @var int */
    public $statusCode = 200;
    /** @var string */
    public $reason = '';
    /** @var string[] raw Set-Cookie values */
    public $cookies = [];
    /** @var string */
    public $body = '';
    /** @var bool */
    public $ended = false;
    /** @var string|null a file to send as the body (sendfile) */
    public $file;

    public function __construct(int $fd = 0)
    {
        $this->fd = $fd;
    }

    public function status($code, $reason = ''): bool
    {
        if ($this->ended) {
            return false;
        }
        $this->statusCode = (int) $code;
        $this->reason = (string) $reason;

        return true;
    }

    public function setStatusCode($code, $reason = ''): bool
    {
        return $this->status($code, $reason);
    }

    /** Swoole formats names unless told not to: `content-type` becomes `Content-Type`. */
    public function header($key, $value, $format = true): bool
    {
        if ($this->ended) {
            return false;
        }
        $name = $format ? implode('-', array_map('ucfirst', explode('-', strtolower((string) $key)))) : (string) $key;
        $this->header[$name] = $value;

        return true;
    }

    public function setHeader($key, $value, $format = true): bool
    {
        return $this->header($key, $value, $format);
    }

    public function cookie(
        $name,
        $value = '',
        $expires = 0,
        $path = '/',
        $domain = '',
        $secure = false,
        $httponly = false,
        $samesite = '',
        $priority = ''
    ): bool {
        return $this->rawcookie($name, urlencode((string) $value), $expires, $path, $domain, $secure, $httponly, $samesite, $priority);
    }

    public function setCookie(...$args): bool
    {
        return $this->cookie(...$args);
    }

    public function rawcookie(
        $name,
        $value = '',
        $expires = 0,
        $path = '/',
        $domain = '',
        $secure = false,
        $httponly = false,
        $samesite = '',
        $priority = ''
    ): bool {
        if ($this->ended) {
            return false;
        }
        $cookie = $name . '=' . ($value === '' ? 'deleted' : $value);
        if ($expires > 0) {
            $cookie .= '; expires=' . gmdate('D, d M Y H:i:s \G\M\T', (int) $expires) . '; Max-Age=' . max(0, (int) $expires - time());
        }
        foreach (['path' => $path, 'domain' => $domain, 'samesite' => $samesite, 'priority' => $priority] as $attr => $v) {
            if ($v !== '' && $v !== null) {
                $cookie .= "; $attr=$v";
            }
        }
        if ($secure) {
            $cookie .= '; secure';
        }
        if ($httponly) {
            $cookie .= '; httponly';
        }
        $this->cookies[] = $cookie;
        $this->cookie[$name] = $value;

        return true;
    }

    public function write($content): bool
    {
        if ($this->ended) {
            return false;
        }
        $this->body .= (string) $content;

        return true;
    }

    public function end($content = null): bool
    {
        if ($this->ended) {
            return false;
        }
        if ($content !== null) {
            $this->body .= (string) $content;
        }
        $this->ended = true;

        return true;
    }

    public function sendfile($filename, $offset = 0, $length = 0): bool
    {
        if ($this->ended || !is_file($filename)) {
            return false;
        }
        $this->body = $length > 0
            ? (string) file_get_contents($filename, false, null, $offset, $length)
            : (string) file_get_contents($filename, false, null, $offset);
        $this->ended = true;

        return true;
    }

    public function redirect($location, $httpCode = 302): bool
    {
        $this->status($httpCode);
        $this->header('Location', $location);

        return $this->end();
    }

    public function isWritable(): bool
    {
        return !$this->ended;
    }

    /** Headers as name => [values], Set-Cookie included, for the worker to send. */
    public function headerLines(): array
    {
        $lines = [];
        foreach ((array) $this->header as $name => $value) {
            $lines[$name] = is_array($value) ? array_values($value) : [(string) $value];
        }
        if ($this->cookies !== []) {
            $lines['Set-Cookie'] = $this->cookies;
        }

        return $lines;
    }
}
