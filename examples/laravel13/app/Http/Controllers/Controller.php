<?php

namespace App\Http\Controllers;

/** The Laravel 11+ base controller: no traits, no base class. */
abstract class Controller
{
}
