<?php

namespace App\Providers;

use Laravel\Lumen\Providers\EventServiceProvider as ServiceProvider;

class EventServiceProvider extends ServiceProvider
{
    /**
     * @var array<class-string, array<int, class-string>>
     */
    protected $listen = [];

    public function boot()
    {
        parent::boot();
        // The README's two system events, word for word, when DEMO_LARAVELS_EVENTS is set
        // (they change every request, so the other tests run without them).
        if (!env('DEMO_LARAVELS_EVENTS')) {
            return;
        }
        $events = $this->app['events'];
        $events->listen('laravels.received_request', function (\Illuminate\Http\Request $req, $app) {
            $req->query->set('get_key', 'hhxsv5');// 修改querystring
            $req->request->set('post_key', 'hhxsv5'); // 修改post body
        });
        $events->listen('laravels.generated_response', function (\Illuminate\Http\Request $req, \Symfony\Component\HttpFoundation\Response $rsp, $app) {
            $rsp->headers->set('header-key', 'hhxsv5');// 修改header
        });
    }
}
