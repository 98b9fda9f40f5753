<?php

namespace LaravelS\Tests\Bridge;

use LaravelS\Bridge\PhpGlobals;
use LaravelS\Tests\Support\BridgeApp;
use LaravelS\Tests\Support\FakeTransport;
use PHPUnit\Framework\TestCase;

/**
 * $_GET, $_POST, $_COOKIE, $_FILES, $_SERVER and $_REQUEST in a request, as php-fpm fills
 * them (PHP manual, "Predefined Variables"; php.ini-production's request_order "GP"),
 * and the worker's boot-time values again once the request is over.
 */
final class PhpGlobalsTest extends TestCase
{
    /** @var BridgeApp|null */
    private $app;

    protected function tearDown(): void
    {
        $this->app?->remove();
    }

    public function testEachRequestSeesItsOwnGlobalsAndTheNextNoneOfThem(): void
    {
        $bootServer = $_SERVER;
        $form = ['Content-Type' => 'application/x-www-form-urlencoded'];
        $transport = $this->serve([
            FakeTransport::request('GET', '/globals?a=1&l[]=x&l[]=y', ['Cookie' => 'c=1; d=hello%20world', 'X-Probe' => 'p']),
            FakeTransport::request('POST', '/globals?a=1&g=get', $form, 'a=2&b[k]=3'),
            FakeTransport::request('PUT', '/globals', $form, 'a=3'),
            FakeTransport::request('GET', '/throws?left=behind'),
            FakeTransport::request('GET', '/globals'),
        ]);

        [$get, $post, $put, $failed, $plain] = $transport->responses;
        $get = json_decode($get['body'], true);
        $this->assertSame(['a' => '1', 'l' => ['x', 'y']], $get['get']);
        $this->assertSame(['c' => '1', 'd' => 'hello world'], $get['cookie']);
        $this->assertSame([], $get['post']);
        $this->assertSame(['a' => '1', 'l' => ['x', 'y']], $get['request']);
        $this->assertSame('GET', $get['server']['REQUEST_METHOD']);
        $this->assertSame('127.0.0.1', $get['server']['REMOTE_ADDR']);
        $this->assertSame('p', $get['server']['HTTP_X_PROBE']);
        $this->assertSame('/index.php', $get['server']['SCRIPT_NAME'], 'the front controller, as nginx and php-fpm present it');
        $this->assertSame('false', $get['server']['APP_RUNNING_IN_CONSOLE'], 'the boot-time environment stays');
        $this->assertArrayNotHasKey('argv', $get['server'], 'no command line under a web SAPI');

        $post = json_decode($post['body'], true);
        $this->assertSame(['a' => '1', 'g' => 'get'], $post['get']);
        $this->assertSame(['a' => '2', 'b' => ['k' => '3']], $post['post']);
        $this->assertSame(['a' => '2', 'g' => 'get', 'b' => ['k' => '3']], $post['request'], 'request_order GP: POST over GET');

        $put = json_decode($put['body'], true);
        $this->assertSame([], $put['post'], 'PHP fills $_POST for POST only');
        $this->assertSame(500, $failed['status']);

        $plain = json_decode($plain['body'], true);
        $this->assertSame([[], [], [], [], []], [$plain['get'], $plain['post'], $plain['cookie'], $plain['files'], $plain['request']]);
        $this->assertArrayNotHasKey('HTTP_X_PROBE', $plain['server'], 'no header of an earlier request');

        $this->assertSame([[], [], [], [], []], [$_GET, $_POST, $_COOKIE, $_FILES, $_REQUEST], 'the boot-time globals are back');
        $this->assertSame($bootServer['argv'], $_SERVER['argv']);
        $this->assertArrayNotHasKey('HTTP_X_PROBE', $_SERVER);
        $this->assertCount(5, $transport->callsOf('endSapi'), 'each request ends its SAPI state, the failed one too');
        $this->assertFalse($transport->sapiActive);
    }

    public function testUploadsFillFilesInPhpsShape(): void
    {
        $dir = sys_get_temp_dir() . '/laravels-globals-' . getmypid();
        @mkdir($dir);
        foreach (['a', 'b', 'c', 'd'] as $spooled) {
            file_put_contents("$dir/$spooled", $spooled);
        }
        $form = ['fields' => [['title', 't']], 'files' => [
            ['photo', 'a.png', 'image/png', "$dir/a", 3, 0],
            ['docs[]', 'b.txt', 'text/plain', "$dir/b", 4, 0],
            ['docs[]', 'c.txt', 'text/plain', "$dir/c", 5, 0],
            ['nested[x][y]', 'd.txt', 'text/plain', "$dir/d", 6, 0],
            ['empty', '', '', '', 0, UPLOAD_ERR_NO_FILE],
        ]];
        $transport = $this->serve([FakeTransport::request('POST', '/globals', ['Content-Type' => 'multipart/form-data; boundary=x'], '', $form)]);

        $files = json_decode($transport->responses[0]['body'], true)['files'];
        $this->assertSame(
            ['name' => 'a.png', 'full_path' => 'a.png', 'type' => 'image/png', 'tmp_name' => "$dir/a", 'error' => 0, 'size' => 3],
            $files['photo']
        );
        $this->assertSame([
            'name' => ['b.txt', 'c.txt'], 'full_path' => ['b.txt', 'c.txt'], 'type' => ['text/plain', 'text/plain'],
            'tmp_name' => ["$dir/b", "$dir/c"], 'error' => [0, 0], 'size' => [4, 5],
        ], $files['docs']);
        $this->assertSame(['x' => ['y' => 'd.txt']], $files['nested']['name']);
        $this->assertSame(['x' => ['y' => 6]], $files['nested']['size']);
        $this->assertSame(['name' => '', 'full_path' => '', 'type' => '', 'tmp_name' => '', 'error' => UPLOAD_ERR_NO_FILE, 'size' => 0], $files['empty']);
        $this->assertSame(['title' => 't'], json_decode($transport->responses[0]['body'], true)['post']);
        array_map('unlink', glob("$dir/*"));
        rmdir($dir);
    }

    public function testAPostsArrivedFilesAreTheRequestsUploads(): void
    {
        // PHP registers the files of a POST that arrived for is_uploaded_file() and
        // move_uploaded_file() (PHP manual, "Handling file uploads"): neither a file
        // input left empty nor a PUT's files.
        $dir = sys_get_temp_dir() . '/laravels-uploads-' . getmypid();
        @mkdir($dir);
        file_put_contents("$dir/a", 'a');
        file_put_contents("$dir/b", 'b');
        $multipart = ['Content-Type' => 'multipart/form-data; boundary=x'];
        $files = ['fields' => [], 'files' => [
            ['photo', 'a.png', 'image/png', "$dir/a", 1, 0],
            ['docs[]', 'b.txt', 'text/plain', "$dir/b", 1, 0],
            ['empty', '', '', '', 0, UPLOAD_ERR_NO_FILE],
        ]];
        $transport = $this->serve([
            FakeTransport::request('POST', '/globals', $multipart, '', $files),
            FakeTransport::request('PUT', '/globals', $multipart, '', $files),
            FakeTransport::request('GET', '/globals'),
        ]);
        array_map('unlink', glob("$dir/*"));
        rmdir($dir);

        $this->assertSame([["$dir/a", "$dir/b"], [], []], $transport->uploads);
        $this->assertSame([[["$dir/a", "$dir/b"]], [[]], [[]]], $transport->callsOf('beginSapi'));
        $posted = json_decode($transport->responses[0]['body'], true)['files'];
        $this->assertSame(["$dir/a", ["$dir/b"]], [$posted['photo']['tmp_name'], $posted['docs']['tmp_name']], 'the uploads are $_FILES\' tmp_name');
        $this->assertCount(3, $transport->callsOf('endSapi'), 'each request ends its SAPI state, its uploads with it');
    }

    public function testLeaveForgetsTheUploads(): void
    {
        $globals = new PhpGlobals('/app');
        $globals->enter(['REQUEST_METHOD' => 'POST'], [], [], [], [['f', 'a', '', '/tmp/spooled-a', 1, 0]]);
        $this->assertSame(['/tmp/spooled-a'], $globals->uploads());
        $globals->leave();

        $this->assertSame([], $globals->uploads());
    }

    public function testPhpInputReadsEachRequestsBody(): void
    {
        $transport = $this->serve([
            FakeTransport::request('POST', '/globals', ['Content-Type' => 'application/json'], '{"a":1}'),
            FakeTransport::request('GET', '/globals'),
        ]);

        $this->assertSame(['{"a":1}', ''], $transport->inputs);
    }

    public function testAnEnvironmentVariableNamedLikeAHeaderIsNotOne(): void
    {
        $_SERVER['HTTP_FROM_ENV'] = 'x';
        try {
            $globals = new PhpGlobals('/app');
        } finally {
            unset($_SERVER['HTTP_FROM_ENV']);
        }
        $globals->enter(['REQUEST_METHOD' => 'GET', 'HTTP_HOST' => 'h'], [], [], [], []);
        $seen = $_SERVER;
        $globals->leave();

        $this->assertArrayNotHasKey('HTTP_FROM_ENV', $seen);
        $this->assertSame('h', $seen['HTTP_HOST']);
        $this->assertSame('/app/public/index.php', $seen['SCRIPT_FILENAME']);
    }

    private function serve(array $messages): FakeTransport
    {
        $this->app = BridgeApp::create();

        return $this->app->serve(new FakeTransport($messages));
    }
}
