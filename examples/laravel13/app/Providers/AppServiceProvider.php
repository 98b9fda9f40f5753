<?php

namespace App\Providers;

use App\Support\Counter;
use Illuminate\Http\Request;
use Illuminate\Support\Facades\Event;
use Illuminate\Support\ServiceProvider;
use Symfony\Component\HttpFoundation\Response;

class AppServiceProvider extends ServiceProvider
{
    public function register(): void
    {
        // Resolved lazily by GET /singleton: whether its count restarts at 1 on every
        // request shows whether instances a request creates outlive that request.
        $this->app->singleton(Counter::class);
    }

    public function boot(): void
    {
        // The README's two system events, word for word, when DEMO_LARAVELS_EVENTS is set
        // (they change every request, so the other tests run without them).
        if (! env('DEMO_LARAVELS_EVENTS')) {
            return;
        }
        Event::listen('laravels.received_request', function (Request $req, $app) {
            $req->query->set('get_key', 'hhxsv5');// 修改querystring
            $req->request->set('post_key', 'hhxsv5'); // 修改post body
        });
        Event::listen('laravels.generated_response', function (Request $req, Response $rsp, $app) {
            $rsp->headers->set('header-key', 'hhxsv5');// 修改header
        });
    }
}
