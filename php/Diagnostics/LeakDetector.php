<?php

declare(strict_types=1);

namespace LaravelS\Diagnostics;

use Illuminate\Contracts\Container\Container;
use Illuminate\Http\Request;
use LaravelS\Cleaners\ContainerCleaner;

/**
 * `leak_detector`: after each request, what of it outlives it. Three checkpoints:
 * - before(): the state the request starts from: the container's shared instances and
 *   their properties, the static properties the filter watches, the config;
 * - afterRequest(), once the response is sent and before the cleaners run: the config
 *   values the request set (the config cleaner puts them back, but a service built
 *   during the request may have kept one), and the request's own objects (the request,
 *   the users its guards hold, its session store), which nothing resident may hold;
 * - afterReset(), once the cleaners ran: each watched shared instance, the route's
 *   controller and each watched static property that holds one of those objects, or
 *   that changed since before().
 * Each finding goes to the LeakLog, which reports an offender once per worker.
 */
final class LeakDetector
{
    /** @var array<string, array{0: int, 1: array}> abstract => [object id, properties] */
    private array $instances = [];
    /** @var array<string, mixed> */
    private array $statics = [];
    private array $config = [];
    /** @var array<int, string> object id => what it is */
    private array $targets = [];
    /** @var list<object> the request's objects, held so their ids stay theirs until afterReset() */
    private array $held = [];
    /** @var array<string, array{0: int, 1: array}> controller class => [object id, properties] after its last request */
    private array $controllers = [];
    private ?object $controller = null;
    private string $route = '';
    private StaticProperties $staticProperties;
    private OwnProperties $own;
    /** @var array<string, mixed> static properties last seen holding plain data (no object), by name */
    private array $plain = [];

    public function __construct(
        private Container $app,
        private OffenderFilter $filter,
        private LeakLog $log,
    ) {
        $this->staticProperties = new StaticProperties($filter);
        $this->own = new OwnProperties($filter);
    }

    public function before(): void
    {
        $this->instances = [];
        foreach ($this->sharedInstances() as $abstract => $instance) {
            if ($this->filter->watchesClass(get_class($instance))) {
                $this->instances[$abstract] = [spl_object_id($instance), $this->own->of($instance)];
            }
        }
        $this->statics = $this->staticProperties->values();
        $this->config = $this->app->bound('config') ? $this->app->make('config')->all() : [];
    }

    public function afterRequest(Request $request): void
    {
        $this->route = $this->describeRoute($request);
        $this->hold($request, sprintf('this request (%s #%d)', get_class($request), spl_object_id($request)));
        foreach ($this->guards() as $guard) {
            if (method_exists($guard, 'hasUser') && $guard->hasUser()) {
                $user = $guard->user();
                $this->hold($user, sprintf("this request's user (%s)", ValueDiff::describe($user)));
            }
        }
        if ($this->app->resolved('session.store') && $this->app->bound('session.store')) {
            $this->hold($this->app->make('session.store'), "this request's session");
        }
        $this->controller = $this->currentController();
        if ($this->app->bound('config')) {
            $this->compareConfig($this->config, $this->app->make('config')->all(), '');
        }
    }

    public function afterReset(): void
    {
        $finder = new ReferenceFinder($this->targets, $this->filter, $this->own);
        foreach ($this->sharedInstances() as $abstract => $instance) {
            $class = get_class($instance);
            if (!$this->filter->watchesClass($class) || !$this->filter->watches($abstract)) {
                continue;
            }
            $offender = 'binding ' . $abstract . ($abstract === $class ? '' : " ({$class})");
            $before = $this->instances[$abstract] ?? null;
            $same = $before !== null && $before[0] === spl_object_id($instance);
            $this->inspectObject(FindingKind::Binding, $offender, $instance, $same ? $before[1] : null, $finder);
        }
        // destroy_controllers may have dropped it from its route: then it is not resident.
        $controller = $this->controller;
        $resident = $controller !== null && $controller === $this->currentController();
        if ($resident && $this->filter->watchesClass(get_class($controller))) {
            $class = get_class($controller);
            $before = $this->controllers[$class] ?? null;
            $same = $before !== null && $before[0] === spl_object_id($controller);
            $this->inspectObject(FindingKind::Controller, 'controller ' . $class, $controller, $same ? $before[1] : null, $finder);
            $this->controllers[$class] = [spl_object_id($controller), $this->own->of($controller)];
        }
        foreach ($this->staticProperties->values() as $name => $value) {
            // Plain data seen before, unchanged (the same array is identical at once): it
            // cannot hold a request's object, and needs no walk (a table of 50 arrays does).
            $found = null;
            if (!isset($this->plain[$name]) || $this->plain[$name] !== $value) {
                $found = $finder->find($value);
                if ($finder->sawObject || !is_array($value)) {
                    unset($this->plain[$name]);
                } else {
                    $this->plain[$name] = $value;
                }
            }
            if ($found !== null) {
                $this->found(FindingKind::StaticProperty, 'static ' . $name, sprintf('holds %s at %s', $found[0], $found[1]));
                continue;
            }
            $before = array_key_exists($name, $this->statics) ? $this->statics[$name] : $this->staticProperties->initial($name);
            if ($value !== $before) {
                $this->found(FindingKind::StaticProperty, 'static ' . $name, 'changed: ' . ValueDiff::change($before, $value));
            }
        }
        $this->targets = $this->held = [];
        $this->controller = null;
    }

    /**
     * A resident object: whether it reaches a request's object, else which of its
     * properties changed since `$before` (null: it is new, made during this request).
     */
    private function inspectObject(FindingKind $kind, string $offender, object $object, ?array $before, ReferenceFinder $finder): void
    {
        $found = $finder->findFrom($object);
        if ($found !== null) {
            $this->found($kind, $offender, sprintf('holds %s at %s', $found[0], $found[1]));

            return;
        }
        if ($before === null) {
            return;
        }
        foreach ($this->own->of($object) as $property => $value) {
            $old = array_key_exists($property, $before) ? $before[$property] : null;
            if ($value !== $old) {
                $this->found($kind, $offender, sprintf('->%s changed: %s', $property, ValueDiff::change($old, $value)));

                return;
            }
        }
    }

    private function compareConfig(array $before, array $after, string $prefix): void
    {
        if ($before === $after) {
            return;
        }
        foreach ($after + $before as $key => $unused) {
            $path = $prefix . $key;
            $old = $before[$key] ?? null;
            $new = $after[$key] ?? null;
            if ($old === $new) {
                continue;
            }
            $nested = fn ($v): bool => is_array($v) && $v !== [] && !array_is_list($v);
            if (($nested($old) || $old === null) && ($nested($new) || $new === null)) {
                // A section added, removed or changed: name the keys inside it.
                $this->compareConfig((array) $old, (array) $new, $path . '.');
            } elseif ($this->filter->watchesConfig($path)) {
                $this->found(FindingKind::Config, 'config ' . $path, sprintf(
                    'set: %s (the config cleaner puts it back after the request; a service built during it may have kept the value)',
                    ValueDiff::change($old, $new)
                ));
            }
        }
    }

    private function found(FindingKind $kind, string $offender, string $what): void
    {
        $this->log->report(new Finding($kind, $offender, $what, $this->route));
    }

    private function hold(object $object, string $what): void
    {
        $this->held[] = $object;
        $this->targets[spl_object_id($object)] = $what;
    }

    /** @return array<string, object> the container's shared instances that are objects, but the per-request ones */
    private function sharedInstances(): array
    {
        $instances = (fn (): array => $this->instances)->call($this->app);
        foreach (ContainerCleaner::PER_REQUEST as $abstract) {
            unset($instances[$abstract]);
        }

        return array_filter($instances, fn ($instance): bool => is_object($instance) && !$instance instanceof \Illuminate\Contracts\Container\Container);
    }

    /** @return list<object> the guards the request created */
    private function guards(): array
    {
        if (!$this->app->resolved('auth') || !$this->app->bound('auth')) {
            return [];
        }
        $auth = $this->app->make('auth');

        return property_exists($auth, 'guards') ? array_values((fn (): array => $this->guards)->call($auth)) : [];
    }

    private function currentController(): ?object
    {
        if (!$this->app->resolved('router') || !$this->app->bound('router')) {
            return null;
        }
        $router = $this->app->make('router');
        $route = method_exists($router, 'current') ? $router->current() : null;

        return $route instanceof \Illuminate\Routing\Route && is_object($route->controller) ? $route->controller : null;
    }

    private function describeRoute(Request $request): string
    {
        $text = $request->getMethod() . ' ' . $request->getRequestUri();
        $route = $request->route();
        if ($route instanceof \Illuminate\Routing\Route) {
            $text .= ' (' . $route->getActionName() . ')';
        } elseif (is_array($route) && isset($route[1]['uses']) && is_string($route[1]['uses'])) {
            $text .= ' (' . $route[1]['uses'] . ')';
        }

        return $text;
    }
}
