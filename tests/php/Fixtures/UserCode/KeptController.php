<?php

namespace LaravelS\Tests\Fixtures\UserCode;

class KeptController extends ShopController
{
}
