<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>PBX</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>body{font-family:sans-serif;margin:2em;max-width:60em}table{border-collapse:collapse}td,th{border-bottom:1px solid #ccc;padding:.3em .8em;text-align:left}.alarm{color:#b00}</style>
</head><body>
{{!base}}
</body></html>
