<?php

// App-side classes for LeakPartsTest: outside the LaravelS\ namespace, which the leak
// detector leaves out as the package's own.

namespace LeakFixtures;

final class Holder
{
    public array $items = [];
}

final class FluentChild extends \Illuminate\Support\Fluent
{
    public string $mine = '';
}
