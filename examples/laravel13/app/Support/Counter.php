<?php

namespace App\Support;

/** A container singleton whose count shows whether it survives from one request to the next. */
class Counter
{
    /** @var int */
    private $count = 0;

    public function increment(): int
    {
        return ++$this->count;
    }
}
