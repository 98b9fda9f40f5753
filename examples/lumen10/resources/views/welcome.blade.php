<!DOCTYPE html>
<html lang="{{ str_replace('_', '-', app()->getLocale()) }}">
<head>
    <meta charset="utf-8">
    <title>{{ config('app.name') }}</title>
    <link rel="stylesheet" href="/static/app.css">
</head>
<body>
    <img src="/static/logo.png" alt="logo" width="32" height="32">
    <h1>Welcome to {{ config('app.name') }}</h1>
    <p>{{ app()->version() }} on PHP {{ PHP_VERSION }}</p>
</body>
</html>
