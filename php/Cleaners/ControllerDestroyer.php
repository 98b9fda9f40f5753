<?php

namespace LaravelS\Cleaners;

use Illuminate\Container\Container;
use Illuminate\Routing\Router;

/**
 * `destroy_controllers`: Laravel keeps the controller instance on its
 * route, so a controller's properties would survive into the next request to that
 * route. When enabled, the current route's controller is dropped after each request,
 * except for classes in 'excluded_list'. Lumen builds a controller per request.
 */
final class ControllerDestroyer
{
    /** @var Container */
    private $app;
    /** @var bool */
    private $enabled;
    /** @var array<string, true> */
    private $excluded = [];

    /** @param list<string> $excluded `excluded_list`, without leading backslashes */
    public function __construct(Container $app, bool $enabled, array $excluded)
    {
        $this->app = $app;
        $this->enabled = $enabled;
        foreach ($excluded as $class) {
            $this->excluded[$class] = true;
        }
    }

    public function destroy(): void
    {
        if (!$this->enabled || !$this->app->resolved('router')) {
            return;
        }
        $router = $this->app->make('router');
        if (!$router instanceof Router) {
            return;
        }
        $route = $router->current();
        if ($route === null || $route->controller === null || isset($this->excluded[get_class($route->controller)])) {
            return;
        }
        if (method_exists($route, 'flushController')) {
            $route->flushController();
        } else {
            $route->controller = null;
        }
    }
}
