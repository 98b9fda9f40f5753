<?php

namespace LaravelS\Tests\Diagnostics;

use Illuminate\Support\Collection;
use LeakFixtures\FluentChild;
use LeakFixtures\Holder;
use LaravelS\Diagnostics\OffenderFilter;
use LaravelS\Diagnostics\OwnProperties;
use LaravelS\Diagnostics\ReferenceFinder;
use LaravelS\Diagnostics\ValueDiff;
use PHPUnit\Framework\TestCase;

/** The leak detector's parts through their own seams: the filter, the diffs, the reference walk. */
final class LeakPartsTest extends TestCase
{
    public static function setUpBeforeClass(): void
    {
        require_once __DIR__ . '/../Fixtures/LeakFixtures.php';
    }

    public function testTheFilterLeavesTheFrameworkAndTheIgnoredOut(): void
    {
        $filter = new OffenderFilter(['\\App\\Cache', 'App\\Foo::$items', 'config:app.locale']);
        self::assertTrue($filter->watchesClass('App\\Foo'));
        self::assertTrue($filter->watchesClass('Vendor\\Package\\Registry'));
        self::assertFalse($filter->watchesClass('Illuminate\\Support\\Str'));
        self::assertFalse($filter->watchesClass('LaravelS\\Bridge\\Gateway'));
        self::assertFalse($filter->watchesClass('App\\Cache'), 'a leading backslash in ignore is not needed');
        self::assertFalse($filter->watches('App\\Foo::$items'));
        self::assertTrue($filter->watches('App\\Foo::$other'));
        self::assertFalse($filter->watchesConfig('app.locale'));
        self::assertFalse($filter->watchesConfig('app.locale.fallback'));
        self::assertTrue($filter->watchesConfig('app.locales'), 'a prefix is a whole key segment');
    }

    public function testChangesAreShortAndSayWhatMoved(): void
    {
        self::assertSame("'en' -> 'fr'", ValueDiff::change('en', 'fr'));
        self::assertSame("NULL -> 3", ValueDiff::change(null, 3));
        self::assertSame("array(1) -> array(2), added [1 => 'b']", ValueDiff::change(['a'], ['a', 'b']));
        self::assertSame("array(2) -> array(1), removed ['k' => true]", ValueDiff::change(['j' => 1, 'k' => true], ['j' => 1]));
        self::assertSame("array(1) -> array(1), changed ['j' => 2]", ValueDiff::change(['j' => 1], ['j' => 2]));
        self::assertSame("'" . str_repeat('x', 40) . "'...", ValueDiff::describe(str_repeat('x', 100)));
        $o = new \stdClass();
        self::assertSame('stdClass#' . spl_object_id($o), ValueDiff::describe($o));
    }

    public function testTheWalkFindsARequestObjectThroughAppObjectsArraysAndCollections(): void
    {
        $user = new \stdClass();
        $holder = new Holder();
        $holder->items = ['a' => new Collection([new Holder(), $user])];
        $finder = new ReferenceFinder([spl_object_id($user) => "this request's user"], new OffenderFilter([]), new OwnProperties(new OffenderFilter([])));
        self::assertSame(["this request's user", "->items['a']->items[1]"], $finder->findFrom($holder));
        self::assertNull($finder->findFrom(new Holder()));
    }

    public function testTheWalkStopsAtFrameworkObjectsThatAreNotCollections(): void
    {
        $request = new \Illuminate\Http\Request();
        $framework = new \Illuminate\Support\Fluent(['request' => $request]);
        $holder = new Holder();
        $holder->items = [$framework];
        $finder = new ReferenceFinder([spl_object_id($request) => 'this request'], new OffenderFilter([]), new OwnProperties(new OffenderFilter([])));
        self::assertNull($finder->findFrom($holder), 'a framework object is the framework\'s to reset');
        $holder->items = [$request];
        self::assertSame(['this request', '->items[0]'], $finder->findFrom($holder));
    }

    public function testOwnPropertiesLeaveTheFrameworkParentsOut(): void
    {
        $fluent = new FluentChild(['a' => 1]);
        $fluent->mine = 'x';
        self::assertSame(['mine' => 'x'], (new OwnProperties(new OffenderFilter([])))->of($fluent));
    }
}
