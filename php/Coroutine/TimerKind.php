<?php

namespace LaravelS\Coroutine;

/** Swoole's two kinds of timer. */
enum TimerKind
{
    /** Runs every interval until cleared; its callback gets the timer id first. */
    case Tick;
    /** Runs once, after its interval; its callback gets only the parameters. */
    case After;
}
