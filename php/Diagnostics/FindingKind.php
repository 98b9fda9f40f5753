<?php

declare(strict_types=1);

namespace LaravelS\Diagnostics;

/** What kind of state a Finding is about. */
enum FindingKind: string
{
    /** A static property of an app or vendor class changed. */
    case StaticProperty = 'static';
    /** A shared instance in the container changed or holds a request's object. */
    case Binding = 'binding';
    /** The controller Laravel keeps on its route changed or holds a request's object. */
    case Controller = 'controller';
    /** A config value was set during the request. */
    case Config = 'config';
}
