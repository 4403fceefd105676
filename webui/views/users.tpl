% rebase('base.tpl')
<h1>{{_('page.users')}}</h1>
% if error:
<p class="alarm" role="alert">{{_(error)}}</p>
% end
% if new_password:
<p class="notice" id="new-password">{{_('users.new_password', user=who)}} <code>{{new_password}}</code></p>
% end
<table class="data" id="users">
<thead><tr><th>{{_('users.name')}}</th><th>{{_('users.role')}}</th><th>{{_('col.extension')}}</th><th>{{_('label.language')}}</th><th></th></tr></thead>
% for u in users:
<tr><td>{{u.name}}</td><td>{{_('role.' + u.role)}}</td><td>{{u.extension}}</td><td>{{u.language}}</td>
<td>
<form method="post" action="/users/{{u.name}}/reset" class="inline"><input type="hidden" name="csrf" value="{{csrf}}"><button type="submit" class="small">{{_('users.reset')}}</button></form>
<form method="post" action="/users/{{u.name}}/delete" class="inline"><input type="hidden" name="csrf" value="{{csrf}}"><button type="submit" class="small danger">{{_('button.delete')}}</button></form>
</td></tr>
% end
</table>
<section class="card narrow">
<h2>{{_('users.add')}}</h2>
<form method="post" action="/users/add" class="stack" id="add-user">
<input type="hidden" name="csrf" value="{{csrf}}">
<label>{{_('users.name')}} <input name="name" required pattern="[A-Za-z0-9._-]{1,32}"></label>
<label>{{_('users.role')}} <select name="role">
% for r in roles:
<option value="{{r}}">{{_('role.' + r)}}</option>
% end
</select></label>
<label>{{_('users.extension')}} <select name="extension"><option value="">—</option>
% for e in extensions:
<option value="{{e.number}}">{{e.number}} {{e.display_name}}</option>
% end
</select></label>
<button type="submit">{{_('users.add_button')}}</button>
</form>
<p class="hint">{{_('users.hint')}}</p>
</section>
