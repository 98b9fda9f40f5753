<?php

namespace LaravelS\Tests\Fixtures\UserCode;

/** A controller with state in a property: what destroy_controllers is about. */
class ShopController
{
    /** @var string[] */
    public $cart = [];

    public function add(string $item)
    {
        $this->cart[] = $item;

        return implode(',', $this->cart);
    }
}
