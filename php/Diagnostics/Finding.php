<?php

declare(strict_types=1);

namespace LaravelS\Diagnostics;

/** One piece of state a request left behind: who, what changed, and which route did it. */
final class Finding
{
    public function __construct(
        public readonly FindingKind $kind,
        /** `static App\Foo::$items`, `binding App\Cart`, `controller App\...\X`, `config app.locale` */
        public readonly string $offender,
        /** what happened, e.g. `holds this request's user (App\Models\User#7) at ->user` */
        public readonly string $what,
        /** `GET /cart/add (App\Http\Controllers\CartController@add)` */
        public readonly string $route,
    ) {
    }

    /** The log line. */
    public function line(): string
    {
        return sprintf('state leak: %s %s, during %s', $this->offender, $this->what, $this->route);
    }

    /** @return array{kind: string, offender: string, what: string, route: string} */
    public function toArray(): array
    {
        return ['kind' => $this->kind->value, 'offender' => $this->offender, 'what' => $this->what, 'route' => $this->route];
    }
}
