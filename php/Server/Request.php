<?php

namespace LaravelS\Server;

use LaravelS\Bridge\RequestFactory;

/**
 * A request as Swoole hands it to handlers (`Swoole\Http\Request`): lower-case header
 * and server keys, `get`, `post`, `cookie`, `files`, and the raw body.
 */
#[\AllowDynamicProperties]
class Request
{
    /** @var int the connection */
    public $fd = 0;
    /** @var int */
    public $streamId = 0;
    /** @var array lower-case header name => value */
    public $header = [];
    /** @var array lower-case server keys: request_method, request_uri, path_info, ... */
    public $server = [];
    /** @var array|null */
    public $cookie;
    /** @var array|null */
    public $get;
    /** @var array|null */
    public $post;
    /** @var array|null */
    public $files;
    /** @var array|null */
    public $tmpfiles;

    /** @var string */
    private $body = '';

    /** Builds it from the CGI-style server array a worker receives. */
    public static function fromServer(int $fd, array $server, string $body = ''): self
    {
        $request = new static();
        $request->fd = $fd;
        $request->body = $body;
        foreach ($server as $key => $value) {
            if (str_starts_with($key, 'HTTP_')) {
                $request->header[strtolower(str_replace('_', '-', substr($key, 5)))] = $value;
            } elseif ($key === 'CONTENT_TYPE' || $key === 'CONTENT_LENGTH') {
                $request->header[strtolower(str_replace('_', '-', $key))] = $value;
            } else {
                $request->server[strtolower($key)] = $value;
            }
        }
        // Swoole's request_uri is the path alone; the query is in query_string.
        $request->server['request_uri'] = explode('?', (string) ($server['REQUEST_URI'] ?? '/'), 2)[0];
        if (($server['QUERY_STRING'] ?? '') !== '') {
            parse_str($server['QUERY_STRING'], $get);
            $request->get = $get;
        }
        if (isset($server['HTTP_COOKIE'])) {
            $request->cookie = RequestFactory::cookies($server['HTTP_COOKIE']);
        }
        if ($body !== '' && stripos($server['CONTENT_TYPE'] ?? '', 'application/x-www-form-urlencoded') === 0) {
            parse_str($body, $post);
            $request->post = $post;
        }

        return $request;
    }

    /** @return string|false */
    public function rawContent()
    {
        return $this->body;
    }

    /** @return string|false */
    public function getContent()
    {
        return $this->body;
    }

    public function getMethod(): string
    {
        return (string) ($this->server['request_method'] ?? 'GET');
    }

    /** The request as it came on the wire: request line, headers, body. */
    public function getData(): string
    {
        $lines = [sprintf('%s %s %s', $this->getMethod(), $this->server['request_uri'] ?? '/', $this->server['server_protocol'] ?? 'HTTP/1.1')];
        foreach ($this->header as $name => $value) {
            $lines[] = "$name: $value";
        }

        return implode("\r\n", $lines) . "\r\n\r\n" . $this->body;
    }
}
