% rebase('base.tpl')
<section class="card narrow">
<h1>{{_('login.title')}}</h1>
% if error:
<p class="alarm" role="alert" id="login-error">{{_(error)}}</p>
% end
<form method="post" action="/login" class="stack" id="login-form">
<input type="hidden" name="csrf" value="{{csrf}}">
<label>{{_('login.user')}} <input name="user" id="user" value="{{name or 'admin'}}" autocomplete="username" required></label>
<label>{{_('login.password')}} <input name="password" id="password" type="password" autocomplete="current-password" required></label>
<label>{{_('label.language')}}
<select name="lang" id="login-lang">
<option value="">{{_('login.own_language')}}</option>
% for code, lname in languages.items():
<option value="{{code}}">{{lname}}</option>
% end
</select></label>
<button type="submit" id="login">{{_('login.button')}}</button>
</form>
<p class="hint">{{_('login.hint')}}</p>
</section>
