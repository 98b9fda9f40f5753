<?php

namespace LaravelS\Tests\Bridge;

use Illuminate\Http\UploadedFile;
use LaravelS\Bridge\RequestFactory;
use LaravelS\Tests\Support\FakeTransport;
use PHPUnit\Framework\TestCase;

/** What the extension hands a worker (server array, body, form), as an Illuminate request. */
final class RequestFactoryTest extends TestCase
{
    /** @var string[] */
    private $spooled = [];

    protected function tearDown(): void
    {
        array_map('unlink', array_filter($this->spooled, 'is_file'));
    }

    public function testMethodPathQueryHeadersAndCookies(): void
    {
        $server = FakeTransport::server('GET', '/shop/list?page=2&tags[]=a&tags[]=b&q=caf%C3%A9', [
            'X-Probe' => 'yes',
            'Accept' => 'application/json',
            'Cookie' => 'theme=dark; name=J%C3%BCrgen; theme=light',
        ]);
        $server['HTTPS'] = 'on';

        $request = RequestFactory::make($server, '');

        $this->assertSame('GET', $request->method());
        $this->assertSame('shop/list', $request->path());
        $this->assertSame(['page' => '2', 'tags' => ['a', 'b'], 'q' => 'café'], $request->query());
        $this->assertSame('yes', $request->header('X-Probe'));
        $this->assertTrue($request->expectsJson());
        $this->assertSame(['theme' => 'dark', 'name' => 'Jürgen'], $request->cookies->all(), 'decoded, the first of a name wins');
        $this->assertTrue($request->secure());
        $this->assertSame('127.0.0.1', $request->ip());
        $this->assertSame('https://127.0.0.1:5200/shop/list?page=2&q=caf%C3%A9&tags%5B0%5D=a&tags%5B1%5D=b', $request->fullUrl());
    }

    public function testAJsonBodyIsTheInput(): void
    {
        $body = '{"name":"ann","tags":["x","y"]}';
        $server = FakeTransport::server('POST', '/api?from=query', ['Content-Type' => 'application/json', 'Content-Length' => strlen($body)]);
        $request = RequestFactory::make($server, $body);

        $this->assertSame('ann', $request->input('name'));
        $this->assertSame('ann', $request->post('name'), 'the JSON is the request bag, as Request::createFromBase() makes it');
        $this->assertSame(['x', 'y'], $request->json('tags'));
        $this->assertSame(['name' => 'ann', 'tags' => ['x', 'y'], 'from' => 'query'], $request->all());
        $this->assertSame($body, $request->getContent());
        $this->assertSame('application/json', $request->server('CONTENT_TYPE'));
    }

    public function testAFormBodyIsParsedForTheMethodsPhpParsesItFor(): void
    {
        $form = ['Content-Type' => 'application/x-www-form-urlencoded'];
        $post = RequestFactory::make(FakeTransport::server('POST', '/f', $form), 'a=1&list[]=x&list[]=y&map[k]=v');
        $put = RequestFactory::make(FakeTransport::server('PUT', '/f', $form), 'a=2');
        $get = RequestFactory::make(FakeTransport::server('GET', '/f', $form), 'a=3');

        $this->assertSame(['a' => '1', 'list' => ['x', 'y'], 'map' => ['k' => 'v']], $post->request->all());
        $this->assertSame('2', $put->input('a'));
        $this->assertNull($get->input('a'), 'a GET body is not input, as under php-fpm');
        $this->assertSame('a=3', $get->getContent());
    }

    public function testAMultipartFormGivesFieldsAndUploadedFiles(): void
    {
        $form = [
            'fields' => [['name', 'ann'], ['tags[]', 'x'], ['tags[]', 'y'], ['meta[k]', 'v']],
            'files' => [
                ['doc', 'cv.pdf', 'application/pdf', $this->spool('%PDF'), 4, 0],
                ['photos[]', 'a.jpg', 'image/jpeg', $this->spool('A'), 1, 0],
                ['photos[]', 'b.jpg', '', $this->spool('BB'), 2, 0],
                ['nested[inner]', 'n.txt', 'text/plain', $this->spool('nested'), 6, 0],
                ['photos[]', '', 'application/octet-stream', '', 0, UPLOAD_ERR_NO_FILE],
                ['empty', '', 'application/octet-stream', '', 0, UPLOAD_ERR_NO_FILE],
            ],
        ];
        $request = RequestFactory::make(FakeTransport::server('POST', '/upload', ['Content-Type' => 'multipart/form-data; boundary=x']), '', $form);

        $this->assertSame(['name' => 'ann', 'tags' => ['x', 'y'], 'meta' => ['k' => 'v']], $request->request->all());
        $doc = $request->file('doc');
        $this->assertInstanceOf(UploadedFile::class, $doc);
        $this->assertTrue($doc->isValid(), 'a file the master spooled is valid though PHP did not upload it');
        $this->assertSame(['cv.pdf', 'application/pdf', '%PDF'], [$doc->getClientOriginalName(), $doc->getClientMimeType(), $doc->get()]);
        $this->assertCount(2, $request->file('photos'), 'the empty third input of the list is left out');
        $this->assertSame(['a.jpg', 'b.jpg'], array_map(fn ($f) => $f->getClientOriginalName(), $request->file('photos')));
        $this->assertSame('application/octet-stream', $request->file('photos')[1]->getClientMimeType(), 'no type given');
        $this->assertSame('nested', $request->file('nested.inner')->get());
        $this->assertNull($request->file('empty'), 'an empty file input is no file, as under php-fpm');
        $this->assertFalse($request->hasFile('empty'));
    }

    private function spool(string $contents): string
    {
        $path = tempnam(sys_get_temp_dir(), 'laravels-upload');
        file_put_contents($path, $contents);
        $this->spooled[] = $path;

        return $path;
    }
}
