<?php

namespace LaravelS\Tests\Bridge;

use Illuminate\Http\Response;
use LaravelS\Bridge\ResponseEmitter;
use LaravelS\Tests\Support\FakeTransport;
use PHPUnit\Framework\TestCase;
use Symfony\Component\HttpFoundation\BinaryFileResponse;
use Symfony\Component\HttpFoundation\Cookie;
use Symfony\Component\HttpFoundation\StreamedResponse;

/** Symfony responses as what the worker sends the master: whole, or as a stream. */
final class ResponseEmitterTest extends TestCase
{
    /** @var FakeTransport */
    private $transport;
    /** @var ResponseEmitter */
    private $emitter;

    protected function setUp(): void
    {
        // A worker holding one request, so the answer is expected.
        $this->transport = new FakeTransport([FakeTransport::request('GET', '/')]);
        $this->transport->connect();
        $this->transport->next();
        $this->emitter = new ResponseEmitter($this->transport);
    }

    public function testAWholeResponseIsOneAnswer(): void
    {
        $this->emitter->emit(new Response('{"a":1}', 201, ['Content-Type' => 'application/json', 'X-Multi' => ['one', 'two']]));

        [$sent] = $this->transport->responses;
        $this->assertSame(201, $sent['status']);
        $this->assertSame('{"a":1}', $sent['body']);
        $this->assertFalse($sent['streamed']);
        $this->assertNull($sent['reason'], 'the standard phrase is the master\'s to add');
        $this->assertSame(['application/json'], $sent['headers']['Content-Type']);
        $this->assertSame(['one', 'two'], $sent['headers']['X-Multi']);
        $this->assertSame(['respond'], array_column(array_slice($this->transport->calls, 2), 0), 'one call, no stream');
    }

    public function testEchoedOutputIsTheBodyOnlyWhenTheResponseHasNone(): void
    {
        $this->emitter->emit(new Response(''), 'echoed');

        $this->assertSame('echoed', $this->transport->responses[0]['body']);

        $this->setUp();
        $this->emitter->emit(new Response('content'), 'echoed');

        $this->assertSame('content', $this->transport->responses[0]['body']);
    }

    public function testACustomReasonPhraseIsKept(): void
    {
        $this->emitter->emit((new Response('short and stout'))->setStatusCode(418, 'Tea Time'));

        $this->assertSame([418, 'Tea Time'], [$this->transport->responses[0]['status'], $this->transport->responses[0]['reason']]);

        $this->setUp();
        $this->emitter->emit(new Response('gone', 404));

        $this->assertNull($this->transport->responses[0]['reason']);
    }

    public function testEveryCookieIsItsOwnSetCookieHeader(): void
    {
        $response = new Response('cookies');
        $response->headers->setCookie(Cookie::create('a', '1'));
        $response->headers->setCookie(Cookie::create('b', 'two words', 0, '/sub'));
        $response->headers->setCookie(Cookie::create('a', 'other path', 0, '/other'));

        $this->emitter->emit($response);

        $cookies = $this->transport->responses[0]['headers']['Set-Cookie'];
        $this->assertCount(3, $cookies);
        $this->assertStringStartsWith('a=1; path=/;', $cookies[0]);
        $this->assertStringStartsWith('b=two%20words; path=/sub;', $cookies[1]);
        $this->assertStringStartsWith('a=other%20path; path=/other;', $cookies[2]);
    }

    /** headers() reads Symfony's bag directly: it must give what the bag's public methods give. */
    public function testHeadersAreWhatTheBagsPublicMethodsGive(): void
    {
        $viaMethods = static function (Response $response): array {
            $headers = $response->headers->allPreserveCaseWithoutCookies();
            $cookies = $response->headers->getCookies();
            if ($cookies !== []) {
                $headers['Set-Cookie'] = array_map('strval', $cookies);
            }

            return $headers;
        };
        $plain = new Response('x', 200, ['X-Mixed-Case' => 'a', 'x-lower' => ['b', 'c'], 'Content-Type' => 'text/plain']);
        $withCookies = new Response('x', 200, ['Set-Cookie' => 'from=header; path=/', 'X-A' => '1']);
        $withCookies->headers->setCookie(Cookie::create('a', '1', 0, '/p', 'example.com'));
        $removed = new Response('x');
        $removed->headers->setCookie(Cookie::create('gone', '1'));
        $removed->headers->removeCookie('gone');
        $renamed = new Response('x', 200, ['x-name' => 'one']);
        $renamed->headers->set('X-NAME', 'two', false);

        foreach ([$plain, $withCookies, $removed, $renamed, new Response()] as $i => $response) {
            $this->assertSame($viaMethods($response), ResponseEmitter::headers($response), "response #$i");
        }
        $this->assertSame(
            ['from=header; path=/', 'a=1; path=/p; domain=example.com; httponly; samesite=lax'],
            ResponseEmitter::headers($withCookies)['Set-Cookie']
        );
    }

    public function testAStreamedResponseGoesOutAsItIsWritten(): void
    {
        $chunksWhenFlushed = null;
        $response = new StreamedResponse(function () use (&$chunksWhenFlushed) {
            echo 'one,';
            flush();
            $chunksWhenFlushed = count($this->transport->responses[0]['chunks']);
            echo 'two';
        }, 200, ['Content-Type' => 'text/event-stream']);

        $this->emitter->emit($response, 'echoed before,');

        [$sent] = $this->transport->responses;
        $this->assertTrue($sent['streamed']);
        $this->assertSame(['text/event-stream'], $sent['headers']['Content-Type']);
        $this->assertSame(['echoed before,', 'one,', 'two'], $sent['chunks']);
        $this->assertSame(2, $chunksWhenFlushed, 'what was echoed is sent before the rest is produced');
        $this->assertSame(['startStream', 'write', 'write', 'write', 'end'], array_column(array_slice($this->transport->calls, 2), 0));
    }

    public function testAFileDownloadIsStreamed(): void
    {
        $file = tempnam(sys_get_temp_dir(), 'laravels-download');
        file_put_contents($file, str_repeat('0123456789', 1000));
        try {
            $response = new BinaryFileResponse($file, 200, [], true, 'attachment');
            $response->prepare(\Illuminate\Http\Request::create('/'));
            $this->emitter->emit($response);
        } finally {
            unlink($file);
        }

        [$sent] = $this->transport->responses;
        $this->assertTrue($sent['streamed']);
        $this->assertSame(str_repeat('0123456789', 1000), $sent['body']);
        $this->assertStringStartsWith('attachment; filename=', $sent['headers']['Content-Disposition'][0]);
        $this->assertSame('10000', (string) $sent['headers']['Content-Length'][0]);
    }
}
