% rebase('base.tpl')
<section class="card narrow">
<h1>{{_('password.title')}}</h1>
% if forced:
<p class="notice">{{_('password.forced')}}</p>
% end
% if error:
<p class="alarm" role="alert">{{_(error)}}</p>
% end
<form method="post" action="/password" class="stack" id="password-form">
<input type="hidden" name="csrf" value="{{csrf}}">
% if not forced:
<label>{{_('password.current')}} <input name="current" type="password" autocomplete="current-password"></label>
% end
<label>{{_('password.new')}} <input name="new" id="new" type="password" autocomplete="new-password" minlength="10" required></label>
<label>{{_('password.again')}} <input name="again" id="again" type="password" autocomplete="new-password" minlength="10" required></label>
<button type="submit" id="save-password">{{_('button.save')}}</button>
</form>
<p class="hint">{{_('password.rules')}}</p>
</section>
