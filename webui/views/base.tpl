<!doctype html>
<html lang="{{lang}}">
<head>
<meta charset="utf-8">
<title>{{_('app.title')}} · {{_('page.' + page, page)}}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="csrf" content="{{csrf}}">
<link rel="stylesheet" href="/static/style.css">
<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">
</head>
<body data-page="{{page}}" data-i18n="{{i18n_js}}">
<header class="top">
<span class="brand">{{_('app.title')}}</span>
% if nav:
<nav>
% for href, key in nav:
<a href="{{href}}" class="{{'current' if href == '/' + page.split('_')[0] else ''}}">{{_(key)}}</a>
% end
</nav>
<div class="who">
<form method="post" action="/language" class="inline" id="language-form">
<input type="hidden" name="csrf" value="{{csrf}}">
<select name="lang" id="language" aria-label="{{_('label.language')}}">
% for code, name in languages.items():
<option value="{{code}}" {{'selected' if code == lang else ''}}>{{name}}</option>
% end
</select>
<button type="submit" class="small">{{_('button.language')}}</button>
</form>
<a href="/password" class="user">{{user}}</a> <span class="role">({{_('role.' + role)}})</span>
<form method="post" action="/logout" class="inline">
<input type="hidden" name="csrf" value="{{csrf}}">
<button type="submit" class="small" id="logout">{{_('button.logout')}}</button>
</form>
</div>
% end
</header>
<main>
% for msg in flash:
%   key, _sep, extra = msg.partition(':')
<p class="flash" role="status">{{_(key, detail=extra)}}</p>
% end
{{!base}}
</main>
<script src="/static/app.js"></script>
</body>
</html>
